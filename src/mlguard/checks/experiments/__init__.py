"""Experiment-tracking checks."""
