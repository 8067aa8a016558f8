"""The pure helper that turns a CI command line into the programs it starts."""

from __future__ import annotations

import pytest

from mlguard.facts.ci_commands import invoked


@pytest.mark.parametrize(
    ("command", "programs"),
    [
        ("pytest -q", ["pytest -q"]),
        ("pip install pytest && python -m pytest tests", ["pip install pytest", "pytest tests"]),
        ("uv run pytest", ["pytest"]),
        ("CUDA_VISIBLE_DEVICES= poetry run tox -e py312", ["tox -e py312"]),
        ("cd ml; dvc repro || exit 1", ["cd ml", "dvc repro", "exit 1"]),
        ("echo 'unbalanced", ["echo 'unbalanced"]),
        ("# a comment only", []),
    ],
)
def test_invoked(command: str, programs: list[str]) -> None:
    assert invoked(command) == programs
