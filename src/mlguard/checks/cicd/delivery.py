"""CI/CD checks: tests and ML checks in CI, automated deployment, gated promotion, IaC."""

from __future__ import annotations

import re
from typing import Any

from mlguard.analyzers.configs import lookup
from mlguard.checks.base import CheckContext, NotCheckable, Outcome, ev, line_of
from mlguard.checks.cicd.environments import staged_environments
from mlguard.checks.registry import register
from mlguard.checks.testing.suites import training_tests
from mlguard.facts import callsites, traits
from mlguard.facts.automation import (
    automation,
    is_automated,
    may_fail_lines,
    started_by_event,
)
from mlguard.facts.cd_pipelines import delivery
from mlguard.facts.ci import ci_files, ci_unread, workflow_files
from mlguard.facts.ci_commands import (
    GITLAB_FILES,
    JENKINS_FILES,
    ci_actions,
    ci_commands,
    ci_runs,
)
from mlguard.facts.commands import parse_makefile
from mlguard.facts.deployments import batch_deployments, managed_deployments
from mlguard.facts.files import Facts
from mlguard.facts.ml import local_runs, test_files
from mlguard.facts.model import CI_SYSTEMS, EVENT_TRIGGERS, Trigger
from mlguard.facts.publishing import (
    command_evidence,
    hub_upload_commands,
    hub_upload_scripts,
    hub_uploads_in_code,
)
from mlguard.facts.services import service_declarations
from mlguard.facts.test_runs import ci_test_runs
from mlguard.facts.traits import scheduled_predictions
from mlguard.model import Evidence
from mlguard.repo.testpaths import is_test_path
from mlguard.safeio.lines import line_at

TEST_RUNNER = r"(pytest|py\.test|tox|nox|hatch test|make (test|check)|unittest|coverage run|nose)"
CHANGE_EVENTS = frozenset({"push", "pull_request", "merge_group", "pull_request_target"})
ML_CHECK = (
    r"(dvc (repro|exp run|metrics diff|plots diff|metrics show)|cml\b|mlflow run"
    r"|great_expectations|gx checkpoint|great_expectations checkpoint|deepchecks"
    r"|pytest\b.*-m ['\"]?\(?(data|model|ml|slow|training)"
    r"|python3? \S*(evaluat|validat|check_model|check_data)\S*\.py)"
)
DEPLOY = (
    r"(kubectl (apply|rollout|set image)|helm (upgrade|install)|kustomize build|argocd app sync"
    r"|gcloud (ai endpoints deploy-model|run deploy|app deploy)"
    r"|az ml (online|batch)-(deployment|endpoint) (create|update)|az ml model deploy"
    r"|az (webapp|functionapp|containerapp) (deploy|up|update|create)|az webapp config container"
    r"|aws sagemaker (create|update)-endpoint|aws ecs update-service|eb deploy"
    r"|aws lambda (update-function-code|create-function)|aws apprunner (create|update)-service"
    r"|aws apprunner start-deployment|gcloud functions deploy"
    r"|mlflow deployments create"
    r"|bentoml deploy|modal deploy|serverless deploy|sls deploy|sam deploy"
    r"|cdk deploy|terraform apply|truss push|fly(ctl)? deploy|heroku container:release"
    r"|anyscale service (deploy|rollout)|azd (up|deploy)|ray serve deploy"
    r"|python3? \S*deploy\S*\.py)"
)
# Reusable CI actions and Azure Pipelines tasks that deploy (an app, a container, a model).
DEPLOY_ACTIONS = (
    r"(azure/(webapps-deploy|functions-action|k8s-deploy|container-apps-deploy-action|aci-deploy)"
    r"|google-github-actions/deploy-(cloudrun|appengine|cloud-functions)"
    r"|aws-actions/(amazon-ecs-deploy-task-definition|aws-cloudformation-github-deploy)"
    r"|akhileshns/heroku-deploy|superfly/flyctl-actions"
    # commands run on the serving host over SSH (git pull, docker compose up) from CI
    r"|google-github-actions/ssh-compute|appleboy/ssh-action|easingthemes/ssh-deploy"
    r"|(AzureWebApp|AzureRmWebAppDeployment|AzureWebAppContainer|AzureFunctionApp"
    r"|AzureFunctionAppContainer|AzureContainerApps|HelmDeploy|KubernetesManifest)@"
    r"|\S*AMLmodelDeploy@"
    # any other deploy action (astronomer/deploy-action), but not a site's (GitHub Pages, docs)
    r"|(?![\w.-]*/[\w.-]*(pages|docs|site))[\w.-]+/[\w.-]*deploy[\w.-]*@)"
)
GITOPS = r"^kind:\s*(Application|ApplicationSet|Kustomization|HelmRelease)\s*$"
IAC_FILES = (
    "*.tf",
    "Pulumi.yaml",
    "cdk.json",
    "*.cfn.y*ml",
    "serverless.y*ml",
    "ansible.cfg",
    "**/playbook*.y*ml",
    "Chart.yaml",
    "kustomization.yaml",
)
IAC_SCAN = r"(checkov|tfsec|trivy (config|fs)|terrascan|kics|ansible-lint|tflint|kube-linter)\b"
PROD = re.compile(r"prod", re.IGNORECASE)


@register
def ci_runs_tests(ctx: CheckContext) -> Outcome:
    """CI runs a test command on push/PR (pass); tests exist but only run by hand (partial)."""
    repo = ctx.repo
    runs = ci_test_runs(repo)
    tests = [ev(p) for p, f in test_files(repo) if f.functions]
    if runs and not tests and not any(COLLECTS_WITHOUT_FILES.search(e.text) for e in runs):
        return Outcome.failed(
            "CI runs a test command, but the repository has no tests: nothing is tested.",
            runs[:1],
        )
    on_change = [e for e in runs if _triggered_by_change(ctx, e.location.path)]
    kept = [e for e in on_change if not _failure_ignored(ctx, e)]
    if kept:
        return Outcome.passed(kept)
    if on_change:
        return Outcome.partial(
            "CI runs the tests on push or pull request but ignores their failures ("
            "`|| true`, `continue-on-error`): a failing test never blocks a change.",
            on_change[:1],
        )
    if runs:
        return Outcome.partial(
            "CI runs the tests, but only on a schedule or by hand, not on push or pull request.",
            runs[:1],
        )
    local = local_runs(repo, TEST_RUNNER)
    if (local or tests) and not ci_files(repo):
        return Outcome.failed(
            "Tests exist, but the repository has no CI configuration to run them.",
            (local or tests)[:1],
        )
    if local or tests:
        by_hand = _unread_ci(repo)
        if by_hand:
            path, line, what = by_hand[0]
            return Outcome.partial(
                f"CI started by hand pulls its steps from outside the repository ({path}:"
                f"{line}: {what}): they may run the tests, but never on a change.",
                [ev(path, line, what)],
            )
        return Outcome.failed(
            "Tests exist but no CI job runs them (no pytest/tox/nox step in CI): they only "
            "protect the main branch when someone remembers to run them.",
            (local or tests)[:1],
        )
    # no tests: whatever CI pulls in from outside the repository has nothing to run
    outside = ci_unread(repo)
    if outside:
        path, line, what = outside[0]
        return Outcome.failed(
            "The repository has no tests, so CI has none to run, whatever the configuration "
            f"it pulls in from outside does ({path}:{line}: {what}).",
            [ev(path, line, what)],
        )
    if ci_commands(repo):
        return Outcome.failed("CI runs no test command, and there are no tests to run.")
    return Outcome.failed("No tests and no CI job running them.")


def _unread_ci(repo: Facts) -> list[tuple[str, int, str]]:
    """Give up (not-checked) when CI pulls configuration from outside the repository; the
    outside configuration of CI files only started by hand is returned instead (it cannot
    run on a change, so the rules about changes can still decide)."""
    unread = ci_unread(repo)
    by_hand = [o for o in unread if _started_by_hand_only(repo, o[0])]
    outside = [o for o in unread if o not in by_hand]
    if outside:
        path, line, what = outside[0]
        more = f" and {len(outside) - 1} more" if len(outside) > 1 else ""
        raise NotCheckable(
            f"CI configuration comes partly from outside the repository ({path}:{line}: "
            f"{what}{more}); mlguard cannot read it"
        )
    return by_hand


def _started_by_hand_only(repo: Facts, path: str) -> bool:
    """A CI file that runs only when someone starts it (``workflow_dispatch``, an Azure
    pipeline with ``trigger: none`` and ``pr: none``): whatever configuration it pulls in
    from outside cannot run on a change, so the rules about changes can still decide."""
    docs = [d for d in repo.config(path) if isinstance(d, dict)]
    if not docs:
        return False
    if _workflow(path):
        events = {e for d in docs for e in _events(d.get("on"))}
        return bool(events) and events <= {"workflow_dispatch"}
    # Azure Pipelines: ``trigger: none`` turns off CI runs; pull-request runs of Azure Repos
    # come from branch policies (``pr:`` is read only for GitHub and Bitbucket), so a missing
    # ``pr:`` does not make the pipeline run on changes.
    return all(
        d.get("trigger") in ("none", [], False)
        and d.get("pr") in (None, "none", [], False)
        and not d.get("schedules")
        for d in docs
    )


def _file_triggers(repo: Facts, path: str) -> set[Trigger]:
    """What starts the CI commands written in ``path``."""
    return {t for c in automation(repo).ci_commands if c.path == path for t in c.triggers}


# test runs that need no test file: doctests, notebooks run as tests
COLLECTS_WITHOUT_FILES = re.compile(r"--doctest|--nbval|\bnbmake\b|\bdoctest\b|--pyargs")
IGNORED_FAILURE = re.compile(r"\|\|[ \t]*(true|:|exit[ \t]+0|echo\b)")


def _failure_ignored(ctx: CheckContext, run: Evidence) -> bool:
    """The test command cannot fail the build: ``pytest || true``, or a step or job with
    ``continue-on-error: true`` (GitHub Actions) or ``allow_failure: true`` (GitLab)."""
    return bool(IGNORED_FAILURE.search(run.text)) or run.location in may_fail_lines(ctx.repo)


def _triggered_by_change(ctx: CheckContext, path: str) -> bool:
    if not _workflow(path):  # the triggers of the pipeline the file belongs to
        events = _file_triggers(ctx.repo, path)
        return not events or bool(events & {Trigger.PUSH, Trigger.PULL_REQUEST})
    for doc in ctx.repo.config(path):
        for on in lookup(doc, "on"):
            if CHANGE_EVENTS & _events(on):
                return True
    return False


def _workflow(path: str) -> bool:
    """A GitHub Actions file: the root's, or a seed project's (:func:`workflow_files`)."""
    return path.startswith(".github/") or "/.github/workflows/" in path


def _events(on: Any) -> set[str]:
    """Event names of a workflow's ``on:`` (a name, a list of names or a mapping)."""
    names = [on] if isinstance(on, str) else list(on) if isinstance(on, list | dict) else []
    return {n for n in names if isinstance(n, str)}


@register
def ml_checks(ctx: CheckContext) -> Outcome:
    """CI reproduces, evaluates or validates on push/PR (pass); on a schedule or locally only
    (partial): a scheduled retraining job is continuous training, not CI of changes."""
    automated = ci_runs(ctx.repo, ML_CHECK)
    on_change = [e for e in automated if _triggered_by_change(ctx, e.location.path)]
    on_change += _pipeline_runs_on_change(ctx)
    runs = ci_test_runs(ctx.repo)
    tested = [e for e in runs if _triggered_by_change(ctx, e.location.path)]
    end_to_end, smoke = training_tests(ctx) if runs else ([], [])
    on_change += [_tested_by(tested[0], e) for e in end_to_end] if tested else []
    if on_change:
        return Outcome.passed(on_change)
    if smoke and tested:
        return Outcome.partial(
            "CI's tests run the training code (a smoke test), but CI does not reproduce the "
            "pipeline or compare its metrics.",
            [_tested_by(tested[0], smoke[0])],
        )
    automated += _training_in_ci(ctx)
    automated += [_tested_by(runs[0], e) for e in end_to_end]  # CI's tests, not on a change
    if automated:
        return Outcome.partial(
            "CI runs ML checks only on a schedule or by hand, not on push or pull request.",
            automated[:1],
        )
    local = local_runs(ctx.repo, ML_CHECK)
    _unread_ci(ctx.repo)
    if local:
        return Outcome.partial("ML checks exist but CI does not run them.", local[:1])
    return Outcome.failed(
        "CI runs no ML-specific check (dvc repro/metrics diff, evaluation, data validation)."
    )


def _tested_by(run: Evidence, test: Evidence) -> Evidence:
    where = test.location
    return ev(where.path, where.line, test.text, f"run by CI's tests ({run.location.path})")


def _training_in_ci(ctx: CheckContext) -> list[Evidence]:
    """CI runs the training code (on whatever trigger)."""
    from mlguard.checks.pipeline.automation import training_reaches

    reaches = [r for r in training_reaches(ctx) if r.ci]
    return [ev(r.via.path, r.via.line, r.via.text[:120]) for r in reaches]


CHANGE_TRIGGERS = frozenset({Trigger.PUSH, Trigger.PULL_REQUEST, Trigger.TAG})


def _pipeline_runs_on_change(ctx: CheckContext) -> list[Evidence]:
    """CI reproduces the training pipeline on changes: it runs the training code, or submits
    a run of the repository's own training pipeline (Azure ML, Vertex, SageMaker, Kubeflow
    ...), on push or pull request. Re-running the pipeline is the reproduction check."""
    from mlguard.checks.pipeline.automation import (
        launched_pipelines,
        rules_started_by_change,
        training_reaches,
    )

    found = [
        ev(
            r.via.path,
            r.via.line,
            r.via.text[:120],
            f"CI runs the training pipeline: {r.describe()}",
        )
        for r in training_reaches(ctx)
        if r.ci and r.triggers & CHANGE_TRIGGERS
    ]
    return found + launched_pipelines(ctx, set(CHANGE_TRIGGERS)) + rules_started_by_change(ctx)


@register
def automated_deploy(ctx: CheckContext) -> Outcome:
    """CI deploys (kubectl/helm/cloud CLIs/...) or GitOps manifests exist (pass); scripts only."""
    repo = ctx.repo
    in_ci = ci_runs(repo, DEPLOY) + ci_actions(repo, DEPLOY_ACTIONS)
    automated = [e for e in in_ci if not _manual_only(repo, e.location.path)] + _gitops(ctx)
    automated += _blueprints(ctx)
    automated += list(delivery(repo).deploys)  # CodePipeline deploy actions in IaC code
    managed = managed_deployments(repo) + batch_deployments(repo) + _blueprints(ctx, True)
    automated += [e for e in managed if started_by_event(repo, e)]
    automated += _batch_jobs_ci_runs(repo)
    if automated:
        return Outcome.passed(automated)
    # a CI job that deploys, started by hand (workflow_dispatch, ``trigger: none``): the
    # deployment is automated and repeatable; when it may run is CICD004's gate
    by_hand = in_ci + [e for e in managed if _deployed_by_hand_in_ci(repo, e)]
    if by_hand:
        return Outcome.passed(
            [
                ev(e.location.path, e.location.line, e.text, "CI deploys; started by hand")
                for e in by_hand
            ]
        )
    released, released_by_hand, release_scripted = _hub_releases(repo)
    if released:
        return Outcome.partial(
            "The model is released automatically as an artefact on the model hub (on merge, "
            "tag or schedule), but no serving endpoint or batch job is deployed.",
            released[:1],
        )
    if released_by_hand:
        return Outcome.partial(
            "CI releases the model to the model hub when someone starts the job by hand, "
            "and no serving endpoint or batch job is deployed.",
            released_by_hand[:1],
        )
    shipped = _released_builds(repo)
    if shipped:
        return Outcome.partial(
            "CI releases the model on a change (a serving image pushed to a registry, or the "
            "model promoted in the model registry), but nothing deploys the release to an "
            "environment.",
            shipped[:1],
        )
    local = local_runs(repo, DEPLOY) + [ev(p) for p in repo.glob("deploy*.sh", "**/deploy*.py")]
    local += release_scripted + _deploy_targets(repo)
    _unread_ci(repo)
    if local:
        return Outcome.partial("Deployment is scripted but CI does not run it.", local[:1])
    if managed:
        return Outcome.partial(
            "The model's deployment is declared (endpoint code or a serving manifest), but "
            "nothing automated applies it: a script, notebook or manifest used by hand.",
            managed[:1],
        )
    declared = service_declarations(repo)
    if declared:
        return Outcome.partial(
            "The service's deployment is declared (a serving image, compose service, "
            "platform config or manifest), but nothing automated applies it.",
            declared[:1],
        )
    return Outcome.failed(
        "No automated model deployment: nothing in CI or GitOps deploys the model, and no "
        "image, platform config or manifest declares how it is served."
    )


PUSH_IMAGE = r"(docker (image )?push|podman push|buildah push|gcloud builds submit|az acr build)"
PUSH_ACTIONS = r"(docker/build-push-action@|redhat-actions/push-to-registry@)"
PUSH_ON = re.compile(r"^\s*push:\s*(true|\$\{\{)", re.IGNORECASE)
REGISTRY_PROMOTIONS = frozenset({"transition_model_version_stage", "set_registered_model_alias"})
DEPLOY_TARGET = re.compile(r"^(deploy\w*|deployment)$")


def _released_builds(repo: Facts) -> list[Evidence]:
    """On a change (push, tag, schedule), CI pushes an image to a registry or runs code that
    promotes the model in the registry (an MLflow stage or alias): the release is automated,
    its rollout is not."""
    pushed = ci_runs(repo, PUSH_IMAGE)
    pushed += [e for e in ci_actions(repo, PUSH_ACTIONS) if _pushes(repo, e)]
    found = [e for e in pushed if not _manual_only(repo, e.location.path)]
    for path, call in callsites.sites(repo, attrs=REGISTRY_PROMOTIONS):
        reach = is_automated(repo, path)
        if reach is not None and reach.ci and reach.event_driven:
            found.append(ev(path, call.line, call.name, reach.describe()))
    return found


def _pushes(repo: Facts, action: Evidence) -> bool:
    """``docker/build-push-action`` with ``push: true`` in its step (it only builds without)."""
    lines = repo.lines(action.location.path)[action.location.line : action.location.line + 15]
    for text in lines:
        if text.lstrip().startswith("- "):
            return False
        if PUSH_ON.match(text):
            return True
    return False


def _deploy_targets(repo: Facts) -> list[Evidence]:
    """Makefile targets named for deploying (``make deploy``, ``make deployment``)."""
    found = []
    for path in repo.glob("Makefile", "makefile", "**/Makefile"):
        for rule in parse_makefile("\n".join(repo.lines(path))):
            if DEPLOY_TARGET.match(rule.target) and rule.recipe:
                found.append(ev(path, rule.line, f"make {rule.target}"))
    return found


def _hub_releases(repo: Facts) -> tuple[list[Evidence], list[Evidence], list[Evidence]]:
    """Publishing the model to the Hugging Face Hub: started by an event (push, tag,
    schedule), by CI only by hand, or written in code or a task file nothing automated runs.

    Publishing is a release of the artefact, not a deployment: it never passes CICD003 on its
    own (nobody operates a model that users download).
    """
    events, manual, scripted = [], [], []
    for command in hub_upload_commands(repo):
        where = command_evidence(command)
        if command.triggers & EVENT_TRIGGERS:
            events.append(where)
        elif command.system in CI_SYSTEMS:
            manual.append(where)
        else:
            scripted.append(where)
    for where in hub_uploads_in_code(repo):
        reach = is_automated(repo, where)
        if reach is not None and reach.event_driven:
            events.append(where)
        elif reach is not None and reach.ci:
            manual.append(where)
        else:
            scripted.append(where)
    return events, manual, scripted + hub_upload_scripts(repo)


def _batch_jobs_ci_runs(repo: Facts) -> list[Evidence]:
    """A batch scoring step of a declared pipeline that CI submits or publishes on a change
    (an Azure ML scoring pipeline published as an endpoint, a Kubeflow pipeline CI runs), or
    a prediction job a scheduled CI workflow runs: CI deploys the batch prediction job."""
    found = []
    for where in scheduled_predictions(repo):
        reach = is_automated(repo, where)
        if reach is None or not reach.ci:
            continue
        # a pipeline step CI submits on a change, or a prediction job CI itself runs on a
        # clock (CI is the batch platform): the batch job is deployed by automation
        if (reach.in_pipeline and reach.event_driven) or reach.scheduled:
            found.append(ev(where.location.path, where.location.line, where.text, reach.describe()))
    return found


def _deployed_by_hand_in_ci(repo: Facts, where: Evidence) -> bool:
    reach = is_automated(repo, where)
    return reach is not None and reach.ci and not reach.event_driven


def _manual_only(repo: Facts, path: str) -> bool:
    """Every CI command of the file is started only by hand (workflow_dispatch and the like)."""
    events = _file_triggers(repo, path)
    return bool(events) and events <= {Trigger.MANUAL}


RENDER_SERVICES = re.compile(r"^services:[ \t]*$", re.MULTILINE)
RENDER_MANUAL = re.compile(r"^[ \t]*autoDeploy:[ \t]*(false|no)\b", re.MULTILINE | re.IGNORECASE)


def _blueprints(ctx: CheckContext, manual: bool = False) -> list[Evidence]:
    """A Render blueprint (render.yaml): Render deploys its services from the repository on
    every push to the linked branch unless a service sets ``autoDeploy: false`` (with
    ``manual``: the blueprints that do)."""
    return [
        ev(path, line, "Render blueprint")
        for path, text, line in _render_blueprints(ctx)
        if bool(RENDER_MANUAL.search(text)) == manual
    ]


def _render_blueprints(ctx: CheckContext) -> list[tuple[str, str, int]]:
    """(path, text, line of ``services:``) of each Render blueprint."""
    found = []
    for path in ctx.repo.glob("render.yaml", "render.yml"):
        text = ctx.repo.text(path) or ""
        match = RENDER_SERVICES.search(text)
        if match:
            found.append((path, text, line_at(text, match.start())))
    return found


RENDER_PREVIEWS = re.compile(
    r"^(previewsEnabled:[ \t]*true|previews:[ \t]*\n[ \t]+generation:[ \t]*(automatic|manual))",
    re.MULTILINE | re.IGNORECASE,
)


def _preview_environments(ctx: CheckContext) -> list[Evidence]:
    """Render preview environments: each pull request gets its own copy of the services
    before the merge deploys production."""
    found = []
    for path, text, _ in _render_blueprints(ctx):
        match = RENDER_PREVIEWS.search(text)
        if match:
            line = line_at(text, match.start())
            found.append(ev(path, line, "Render preview environments"))
    return found


def _gitops(ctx: CheckContext) -> list[Evidence]:
    regex = re.compile(GITOPS, re.MULTILINE)
    found = []
    for path in ctx.repo.glob("*.yaml", "*.yml"):
        text = ctx.repo.text(path) or ""
        match = regex.search(text)
        if match and re.search(r"(argoproj\.io|fluxcd\.io)", text):
            found.append(ev(path, line_at(text, match.start()), match.group(0)))
    return found


@register
def staged_promotion(ctx: CheckContext) -> Outcome:
    """A production environment reached only after earlier jobs/approval (pass)."""
    gated, environments = _gha_environments(ctx)
    gated += _gitlab_manual_prod(ctx)
    azure_gated, azure_environments = _azure_stages(ctx)
    gated += azure_gated
    environments += azure_environments
    declared = delivery(ctx.repo)
    if declared.deploys:  # an approval action between CodePipeline deploy stages
        gated += list(declared.approvals)
    for path in ctx.repo.glob(*JENKINS_FILES):
        for number, line in enumerate(ctx.repo.lines(path), 1):
            if re.search(r"^\s*input\s*[({'\"]", line):
                gated.append(ev(path, number, line.strip()))
    if gated:
        return Outcome.passed(gated)
    if environments:
        return Outcome.partial(
            "Deployment environments are declared but production is not gated by earlier "
            "jobs (needs:) or a manual approval.",
            environments[:1],
        )
    named = staged_environments(ctx.repo) + _preview_environments(ctx)
    if named:
        return Outcome.partial(
            "A pre-production environment exists beside production (per-environment "
            "configuration, targets, registry stages or pull-request previews), but nothing "
            "gates the promotion to production: no pipeline stage after staging, approval or "
            "protected environment.",
            named,
        )
    approvals = _registry_approvals(ctx)
    if approvals:
        return Outcome.partial(
            "New models wait in the model registry for a manual approval before they are "
            "deployed, but there is no pre-production environment or gated deployment job.",
            approvals[:1],
        )
    return Outcome.failed("No staged promotion (staging -> production environments with gates).")


# SageMaker's model registry: a model package registered for approval by a person
MANUAL_APPROVAL = "PendingManualApproval"


def _registry_approvals(ctx: CheckContext) -> list[Evidence]:
    """Where new model versions are registered pending a manual approval (SageMaker model
    packages with ``PendingManualApproval``), in product code, notebooks or templates."""
    found = []
    for path in traits.product_paths(ctx.repo):
        facts = ctx.repo.python(path)
        line = next((n for text, n in facts.strings if text == MANUAL_APPROVAL), 0) if facts else 0
        if line:
            found.append(ev(path, line, MANUAL_APPROVAL))
    for path in ctx.repo.glob("*.yaml", "*.yml", "*.json"):
        if path.startswith(".github/") or is_test_path(path):
            continue
        text = ctx.repo.text(path) or ""
        at = text.find(MANUAL_APPROVAL)
        if at >= 0:
            found.append(ev(path, line_at(text, at), MANUAL_APPROVAL))
    return sorted(found, key=lambda e: (e.location.path, e.location.line))


def _env_name(job: dict[str, Any]) -> str:
    env = job.get("environment")
    if isinstance(env, dict):
        env = env.get("name")
    return env if isinstance(env, str) else ""


def _gha_environments(ctx: CheckContext) -> tuple[list[Evidence], list[Evidence]]:
    gated, envs = [], []
    for path in workflow_files(ctx.repo):
        for doc in ctx.repo.config(path):
            for job in lookup(doc, "jobs.*"):
                name = _env_name(job) if isinstance(job, dict) else ""
                if not name:
                    continue
                item = ev(path, line_of(ctx, path, "environment:"), f"environment: {name}")
                envs.append(item)
                if PROD.search(name) and job.get("needs"):
                    gated.append(item)
    return gated, envs


def _azure_stages(ctx: CheckContext) -> tuple[list[Evidence], list[Evidence]]:
    """Azure Pipelines: a production stage (or a deployment job to a production
    environment) that runs after an earlier stage is gated by it (stages run in order, and
    an environment carries its approvals and checks); deployment jobs declare environments."""
    gated, envs = [], []
    for path in ci_files(ctx.repo).get("azure-pipelines", []):
        for doc in ctx.repo.config(path):
            stages = doc.get("stages") if isinstance(doc, dict) else None
            for position, stage in enumerate(stages if isinstance(stages, list) else []):
                if not isinstance(stage, dict):
                    continue
                name = str(stage.get("stage", ""))
                deploys = [
                    _env_name(job)
                    for job in stage.get("jobs") or ()
                    if isinstance(job, dict) and "deployment" in job and _env_name(job)
                ]
                for env in deploys:
                    envs.append(ev(path, line_of(ctx, path, f"environment: {env}"), env))
                after = position > 0 or bool(stage.get("dependsOn"))
                if after and (PROD.search(name) or any(PROD.search(e) for e in deploys)):
                    gated.append(ev(path, line_of(ctx, path, f"stage: {name}"), f"stage: {name}"))
    return gated, envs


def _gitlab_manual_prod(ctx: CheckContext) -> list[Evidence]:
    found = []
    for path in ctx.repo.glob(*GITLAB_FILES):
        for doc in ctx.repo.config(path):
            for job in doc.values() if isinstance(doc, dict) else ():
                if isinstance(job, dict) and PROD.search(_env_name(job)):
                    rules = job.get("rules")
                    manual = job.get("when") == "manual" or any(
                        isinstance(r, dict) and r.get("when") == "manual"
                        for r in (rules if isinstance(rules, list) else [])
                    )
                    if manual:
                        found.append(ev(path, line_of(ctx, path, "when: manual"), "when: manual"))
    return found


@register
def iac_scanned(ctx: CheckContext) -> Outcome:
    """Infrastructure as code exists and CI scans it (pass); IaC without a scanner (partial)."""
    repo = ctx.repo
    iac = [ev(p) for p in repo.glob(*IAC_FILES)]
    if not iac:
        return Outcome.failed("No infrastructure as code (Terraform, Pulumi, CDK, Helm, Ansible).")
    scans = ci_runs(repo, IAC_SCAN)
    if scans:
        return Outcome.passed(scans)
    return Outcome.partial(
        "Infrastructure is code, but CI does not scan it (checkov, tfsec, trivy config).", iac[:1]
    )
