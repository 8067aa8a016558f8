"""Testing checks: ML-aware tests, feature and pipeline tests, asserts."""
