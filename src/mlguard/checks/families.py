"""Imports every module of Python checks so that each registers itself."""

# ruff: noqa: F401 - imported for registration

import mlguard.checks.cicd.delivery
import mlguard.checks.cicd.serving
import mlguard.checks.cicd.workflow_dedupe
import mlguard.checks.cicd.workflows
import mlguard.checks.cicd.zizmor
import mlguard.checks.data.datasets
import mlguard.checks.data.privacy
import mlguard.checks.data.splits
import mlguard.checks.experiments.tracking
import mlguard.checks.governance.accountability
import mlguard.checks.governance.suppression
import mlguard.checks.llm.lifecycle
import mlguard.checks.llm.safety
import mlguard.checks.llm.tracing
import mlguard.checks.monitoring.prediction_logs
import mlguard.checks.monitoring.production
import mlguard.checks.pipeline.automation
import mlguard.checks.pipeline.gates
import mlguard.checks.reproducibility.declared_imports
import mlguard.checks.reproducibility.dependencies
import mlguard.checks.reproducibility.notebooks
import mlguard.checks.reproducibility.runtime
import mlguard.checks.reproducibility.seeds
import mlguard.checks.security.artifacts
import mlguard.checks.security.bandit
import mlguard.checks.security.containers
import mlguard.checks.security.dependency_updates
import mlguard.checks.security.endpoints
import mlguard.checks.security.hub
import mlguard.checks.security.kubernetes
import mlguard.checks.security.model_integrity
import mlguard.checks.security.notebook_outputs
import mlguard.checks.security.secrets
import mlguard.checks.security.torch_load
import mlguard.checks.security.vulnerabilities
import mlguard.checks.testing.quality
import mlguard.checks.testing.suites
import mlguard.checks.versioning.assets
import mlguard.checks.versioning.model_files
from mlguard.checks.registry import ALIASES, NO_PYTHON_CHECKS, PYTHON_CHECKS

__all__ = ["ALIASES", "NO_PYTHON_CHECKS", "PYTHON_CHECKS"]
