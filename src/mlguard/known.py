"""Facts of the world that every layer agrees on, one list each.

Which paths are test code, which file suffixes hold models: rules, facts and the scan
engine read these lists instead of keeping their own copies that drift apart. A rule that
needs more adds to them locally and says why.
"""

from __future__ import annotations

# Test code: a tests/ or test/ folder at any depth, or pytest's and unittest's file names.
# Rule files name these patterns @tests (any file there) and @python-tests (Python only).
TEST_GLOBS = (
    "**/tests/**",
    "**/test/**",
    "test_*.py",
    "*_test.py",
    "*_tests.py",
    "tests.py",
    "conftest.py",
)
PYTHON_TEST_GLOBS = tuple(g if g.endswith(".py") else f"{g}/*.py" for g in TEST_GLOBS)

# Documentation and example folders: not the product's code. Findings there say so, and
# traits leave them out of the product (with tests and benchmarks).
EXAMPLE_DIRS = ("examples/", "example/", "docs/", "doc/")

# Files that hold models (weights or whole serialised models): the model-file scanner
# sniffs them, hook mode judges each on its own. Rules that count model files in git
# (VER006) extend this list with their own additions.
MODEL_SUFFIXES = (
    ".pkl",
    ".pickle",
    ".joblib",
    ".pt",
    ".pth",
    ".ckpt",
    ".bin",
    ".npy",
    ".npz",
    ".h5",
    ".hdf5",
    ".keras",
    ".safetensors",
    ".model",
)
