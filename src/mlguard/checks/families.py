"""Imports every family of Python checks so that each registers itself."""

from mlguard.checks import (  # noqa: F401 - imported for registration
    bandit,
    cicd,
    governance,
    llm,
    llm_safety,
    monitoring,
    containers,
    declared_imports,
    hub,
    reproducibility,
    secrets,
    security,
    serving,
    suppression,
    testing,
    torch_load,
    versioning,
    vulnerabilities,
    workflows,
)
from mlguard.checks.registry import PYTHON_CHECKS

__all__ = ["PYTHON_CHECKS"]
