"""Governance checks: model cards, ownership, provenance, inline ignores."""
