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
    quality,
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
)
from mlguard.checks.registry import NO_PYTHON_CHECKS, PYTHON_CHECKS

__all__ = ["NO_PYTHON_CHECKS", "PYTHON_CHECKS"]
