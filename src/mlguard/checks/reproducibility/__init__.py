"""Reproducibility checks: dependencies, imports, seeds, runtime, notebooks."""
