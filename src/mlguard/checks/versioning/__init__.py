"""Versioning checks: data and models versioned, artifacts kept out of git."""
