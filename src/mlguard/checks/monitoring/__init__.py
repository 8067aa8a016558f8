"""Monitoring checks: drift, its schedule, prediction logging."""
