"""The explicit table of Python checks a rule file may name (``check: {python: ...}``).

Only functions listed here can run: a rule file, even one from a scanned repository's own
config, can never make mlguard import or execute arbitrary code.

A check's name says where its code is: the function ``model_files`` in
``checks/security/artifacts.py`` is ``security.artifacts.model_files``. A scan imports only
the modules of the checks its rules name (:func:`get`, :func:`needs_python`), so a scan
with the security rules alone (the pre-commit hook) loads no other category's code;
``families`` imports them all.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import overload

from mlguard.checks.base import CheckFn
from mlguard.rules.check_names import CHECK_NAMES

PYTHON_CHECKS: dict[str, CheckFn] = {}
# Checks declared to read no Python facts: the engine runs them while the analysis runs.
NO_PYTHON_CHECKS: set[str] = set()

PREFIX = "mlguard.checks."

# The names checks had before they were named after their module (user rule files may still
# name them): old name -> current name. Rule files are read through this table
# (``rules/check_names.py`` carries a generated copy, so the rules layer imports no check).
ALIASES: dict[str, str] = {
    "artifacts.model_files": "security.artifacts.model_files",
    "bandit.issues": "security.bandit.issues",
    "cicd.automated_deploy": "cicd.delivery.automated_deploy",
    "cicd.ci_runs_tests": "cicd.delivery.ci_runs_tests",
    "cicd.iac_scanned": "cicd.delivery.iac_scanned",
    "cicd.ml_checks": "cicd.delivery.ml_checks",
    "cicd.serving_manifest": "cicd.serving.serving_manifest",
    "cicd.staged_promotion": "cicd.delivery.staged_promotion",
    "cicd.workflow_hardening": "cicd.workflows.workflow_hardening",
    "data.features_shared": "data.datasets.features_shared",
    "data.raw_immutable": "data.datasets.raw_immutable",
    "data.schema_declared": "data.datasets.schema_declared",
    "data.splits_reproducible": "data.splits.splits_reproducible",
    "data.validation_automated": "data.datasets.validation_automated",
    "experiments.params_metrics_persisted": "experiments.tracking.params_metrics_persisted",
    "experiments.registry_lineage": "experiments.tracking.registry_lineage",
    "experiments.runs_tracked": "experiments.tracking.runs_tracked",
    "experiments.search_tracked": "experiments.tracking.search_tracked",
    "experiments.serving_by_reference": "experiments.tracking.serving_by_reference",
    "experiments.shared_tracking": "experiments.tracking.shared_tracking",
    "governance.ml_owners": "governance.accountability.ml_owners",
    "governance.model_card": "governance.accountability.model_card",
    "governance.provenance": "governance.accountability.provenance",
    "llm.agent_bounds": "llm.safety.agent_bounds",
    "llm.eval_in_ci": "llm.lifecycle.eval_in_ci",
    "llm.model_pinned": "llm.lifecycle.model_pinned",
    "llm.output_sinks": "llm.safety.output_sinks",
    "llm.prompt_secrets_and_limits": "llm.safety.prompt_secrets_and_limits",
    "llm.prompts_versioned": "llm.lifecycle.prompts_versioned",
    "monitoring.drift": "monitoring.production.drift",
    "monitoring.prediction_logging": "monitoring.prediction_logs.prediction_logging",
    "monitoring.scheduled": "monitoring.production.scheduled",
    "notebooks.executed_in_order": "reproducibility.notebooks.executed_in_order",
    "pipeline.continuous_training": "pipeline.automation.continuous_training",
    "pipeline.lineage_recorded": "pipeline.gates.lineage_recorded",
    "pipeline.modular": "pipeline.automation.modular",
    "pipeline.notebooks_off_path": "pipeline.automation.notebooks_off_path",
    "pipeline.stage_deps_complete": "pipeline.automation.stage_deps_complete",
    "pipeline.training_pipeline_declared": "pipeline.automation.training_pipeline_declared",
    "pipeline.validation_gate": "pipeline.gates.validation_gate",
    "privacy.pii_committed": "data.privacy.pii_committed",
    "quality.asserted": "testing.quality.asserted",
    "reproducibility.dependencies_pinned": "reproducibility.dependencies.dependencies_pinned",
    "reproducibility.imports_declared": "reproducibility.declared_imports.imports_declared",
    "runtime.environment_pinned": "reproducibility.runtime.environment_pinned",
    "runtime.hyperparams_in_config": "reproducibility.runtime.hyperparams_in_config",
    "runtime.no_local_paths": "reproducibility.runtime.no_local_paths",
    "secrets.hardcoded": "security.secrets.hardcoded",
    "security.container_hardening": "security.containers.container_hardening",
    "security.dependency_updates": "security.dependency_updates.dependency_updates",
    "security.endpoint_protection": "security.endpoints.endpoint_protection",
    "security.hub_downloads_pinned": "security.hub.hub_downloads_pinned",
    "security.known_vulnerabilities": "security.vulnerabilities.known_vulnerabilities",
    "security.model_integrity": "security.model_integrity.model_integrity",
    "security.notebook_outputs": "security.notebook_outputs.notebook_outputs",
    "security.torch_hub_trusted": "security.hub.torch_hub_trusted",
    "security.torch_load_unsafe": "security.torch_load.torch_load_unsafe",
    "seeds.training_seeded": "reproducibility.seeds.training_seeded",
    "suppression.missing_reason": "governance.suppression.missing_reason",
    "testing.feature_tests": "testing.suites.feature_tests",
    "testing.ml_tests": "testing.suites.ml_tests",
    "testing.pipeline_integration": "testing.suites.pipeline_integration",
    "versioning.artifacts_ignored": "versioning.assets.artifacts_ignored",
    "versioning.data_versioned": "versioning.assets.data_versioned",
    "versioning.model_binaries_not_in_git": "versioning.assets.model_binaries_not_in_git",
    "versioning.model_releases_tagged": "versioning.assets.model_releases_tagged",
    "versioning.no_large_blobs": "versioning.assets.no_large_blobs",
    "zizmor.findings": "cicd.zizmor.findings",
}


def check_name(fn: CheckFn) -> str:
    """``<category>.<topic>.<function>``: the module under ``mlguard.checks`` and the name."""
    module = fn.__module__
    if not module.startswith(PREFIX):
        raise ValueError(f"{module}.{fn.__name__}: Python checks live under {PREFIX}")
    return f"{module.removeprefix(PREFIX)}.{fn.__name__}"


def _add(fn: CheckFn, needs_python: bool) -> CheckFn:
    name = check_name(fn)
    if name in PYTHON_CHECKS:
        raise ValueError(f"Python check {name} registered twice")
    PYTHON_CHECKS[name] = fn
    if not needs_python:
        NO_PYTHON_CHECKS.add(name)
    return fn


@overload
def register(fn: CheckFn, /) -> CheckFn: ...
@overload
def register(*, needs_python: bool = True) -> Callable[[CheckFn], CheckFn]: ...
def register(
    fn: CheckFn | None = None, /, *, needs_python: bool = True
) -> CheckFn | Callable[[CheckFn], CheckFn]:
    """Decorator adding a check under the name of its module and function (``@register``).
    ``@register(needs_python=False)`` declares that the check asks for no Python facts
    (imports, calls, AST facts), directly or through a fact it uses; if it does all the same,
    it only waits for the analysis."""
    if fn is not None:
        return _add(fn, needs_python)
    return lambda check: _add(check, needs_python)


def _load(name: str) -> None:
    """Import the module of the check ``name`` (registering its checks), if it is one of
    mlguard's checks: a rule file names checks, never modules, and never anything else."""
    if name not in PYTHON_CHECKS and name in CHECK_NAMES:
        importlib.import_module(PREFIX + name.rpartition(".")[0])


def get(name: str) -> CheckFn:
    """The registered check ``name``, its module imported on first use (``KeyError`` for a
    name that is no check)."""
    _load(name)
    return PYTHON_CHECKS[name]


def needs_python(name: str) -> bool:
    """Whether the check ``name`` asks for Python facts (as declared when registered)."""
    _load(name)
    return name not in NO_PYTHON_CHECKS
