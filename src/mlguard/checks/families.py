"""Imports every family of Python checks so that each registers itself."""

from mlguard.checks import (  # noqa: F401 - imported for registration
    artifacts,
    bandit,
    cicd,
    containers,
    data,
    declared_imports,
    experiments,
    governance,
    hub,
    llm,
    llm_safety,
    monitoring,
    notebooks,
    pipeline,
    pipeline_gates,
    privacy,
    reproducibility,
    runtime,
    secrets,
    security,
    seeds,
    serving,
    splits,
    suppression,
    testing,
    torch_load,
    versioning,
    vulnerabilities,
    workflows,
    zizmor,
)
from mlguard.checks.registry import PYTHON_CHECKS

__all__ = ["PYTHON_CHECKS"]
