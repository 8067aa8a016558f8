"""Data checks: schemas and validation, raw data, splits, personal data."""
