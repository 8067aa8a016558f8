"""A Python check's registered name says where its code is, and every old name still works."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mlguard.checks.families import ALIASES, PYTHON_CHECKS
from mlguard.checks.registry import check_name, register
from mlguard.model import CATEGORIES
from mlguard.rules.check_names import CHECK_ALIASES, CHECK_NAMES

CHECKS_DIR = Path(__file__).resolve().parents[2] / "src" / "mlguard" / "checks"


@pytest.mark.parametrize("name", sorted(PYTHON_CHECKS))
def test_name_is_module_path_and_function(name: str) -> None:
    fn = PYTHON_CHECKS[name]
    assert name == f"{fn.__module__.removeprefix('mlguard.checks.')}.{fn.__name__}"
    category, topic, function = name.split(".")
    assert category in CATEGORIES
    source = Path(sys.modules[fn.__module__].__file__ or "")
    assert source == CHECKS_DIR / category / f"{topic}.py"
    assert function == fn.__name__


def test_every_alias_resolves_to_a_registered_check() -> None:
    assert CHECK_ALIASES == ALIASES, "run scripts/gen_check_names.py"
    for old, new in ALIASES.items():
        assert new in PYTHON_CHECKS, (old, new)
        assert new in CHECK_NAMES
        assert old not in PYTHON_CHECKS, f"{old} is both an old and a current name"


def test_a_check_outside_the_checks_package_is_refused() -> None:
    def stray(ctx: object) -> object:
        raise AssertionError

    stray.__module__ = "somewhere.else"
    with pytest.raises(ValueError, match=r"live under mlguard\.checks"):
        register(stray)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        check_name(stray)  # type: ignore[arg-type]
