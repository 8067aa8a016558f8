"""Delivery pipelines declared as infrastructure code, and the clocks and events they declare.

AWS CodePipeline is often defined in the repository itself rather than in a CI file:

- AWS CDK (Python): ``codepipeline.Pipeline`` stages with actions from
  ``aws_codepipeline_actions`` (``CloudFormationCreateUpdateStackAction``,
  ``EcsDeployAction``, ``ManualApprovalAction`` ...), or CDK Pipelines
  (``pipelines.CodePipeline`` with ``add_stage`` and ``ManualApprovalStep``);
- CloudFormation (``AWS::CodePipeline::Pipeline`` with ``Category: Deploy`` / ``Approval``)
  and Terraform (``aws_codepipeline`` with ``category = "Deploy"`` / ``"Approval"``).

A deploy action in such a pipeline is automated deployment; an approval action before it is
a gate. CDK code also declares EventBridge rules: ``schedule=events.Schedule.cron(...)`` is a
clock, ``event_pattern=...`` an event; each becomes a command whose text is the call's source,
so a rule that says it retrains counts as continuous training. Nothing is run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlguard.analyzers.python_ast import Call
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.product import product_paths
from mlguard.model import Evidence, Location
from mlguard.safeio.lines import line_at

CDK_DEPLOY = re.compile(
    r"^(CloudFormation(CreateUpdateStack|CreateReplaceChangeSet|ExecuteChangeSet|DeployStackSet"
    r"|DeployStackInstances)Action|EcsDeployAction|CodeDeploy(Server|Ecs)DeployAction"
    r"|ElasticBeanstalkDeployAction)$"
)
CDK_APPROVAL = frozenset({"ManualApprovalAction", "ManualApprovalStep"})
CDK_PIPELINES = frozenset({"add_stage", "add_wave"})  # CDK Pipelines deploy stages
CATEGORY = re.compile(
    r"(?:^[ \t]*|[{,][ \t]*)(?:Category:\s*['\"]?|\"Category\"\s*:\s*\"|category\s*=\s*\")"
    r"(Deploy|Approval)\b",
    re.MULTILINE,
)
MAX_CALL_LINES = 40


@dataclass(frozen=True)
class DeliveryFacts:
    deploys: tuple[Evidence, ...]
    approvals: tuple[Evidence, ...]
    clocks: tuple[Evidence, ...]  # schedule= of an EventBridge rule (text: the call's source)
    events: tuple[Evidence, ...]  # event_pattern= of an EventBridge rule


@fact
def delivery(repo: Facts) -> DeliveryFacts:
    deploys: list[Evidence] = []
    approvals: list[Evidence] = []
    clocks: list[Evidence] = []
    events: list[Evidence] = []
    for rel in product_paths(repo):
        facts = repo.python(rel)
        if facts is None or not any(i.module.startswith("aws_cdk") for i in facts.imports):
            continue
        if not rel.endswith(".py"):
            continue
        pipelines = any(i.module.startswith("aws_cdk.pipelines") for i in facts.imports)
        for call in facts.calls:
            where = Evidence(Location(rel, call.line), call.attr)
            if CDK_DEPLOY.match(call.attr) or (pipelines and call.attr in CDK_PIPELINES):
                deploys.append(where)
            elif call.attr in CDK_APPROVAL:
                approvals.append(where)
            if _schedule(call):
                clocks.append(Evidence(Location(rel, call.line), _source(repo, rel, call)))
            elif call.has_kwarg("event_pattern"):
                events.append(Evidence(Location(rel, call.line), _source(repo, rel, call)))
    for rel in repo.glob("*.yaml", "*.yml", "*.json", "*.template", "*.tf")[:3000]:
        text = repo.text(rel) or ""
        if "AWS::CodePipeline::Pipeline" not in text and '"aws_codepipeline"' not in text:
            continue
        for match in CATEGORY.finditer(text):
            line = line_at(text, match.start())
            item = Evidence(Location(rel, line), match.group(0).strip())
            (deploys if match.group(1) == "Deploy" else approvals).append(item)
    return DeliveryFacts(tuple(deploys), tuple(approvals), tuple(clocks), tuple(events))


def _schedule(call: Call) -> bool:
    value = call.kwarg("schedule")
    text = getattr(value, "text", "")
    return isinstance(text, str) and "Schedule." in text


def _source(repo: Facts, rel: str, call: Call) -> str:
    lines = repo.lines(rel)
    end = max(call.end_line, call.line)
    return "\n".join(lines[call.line - 1 : min(end, call.line + MAX_CALL_LINES)])
