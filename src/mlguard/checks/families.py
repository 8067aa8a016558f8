"""Imports every family of Python checks so that each registers itself."""

from mlguard.checks import (  # noqa: F401 - imported for registration
    artifacts,
    bandit,
    cicd,
    containers,
    declared_imports,
    governance,
    hub,
    llm,
    llm_safety,
    monitoring,
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
