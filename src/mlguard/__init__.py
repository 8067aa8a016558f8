"""mlguard: a DevSecOps policy checker for machine-learning repositories."""

__version__ = "0.1.0"
