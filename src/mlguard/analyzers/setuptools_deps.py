"""setuptools declarations -> dependency facts, without running anything.

``setup.cfg`` is read with :mod:`configparser` (``[options] install_requires`` and
``[options.extras_require]``); ``setup.py`` only through its parsed call facts: a literal
``install_requires=[...]`` list given to ``setup()``. ``setup.py`` is never executed.
"""

from __future__ import annotations

import configparser

from mlguard.analyzers.deps import MAX_DEPS_PER_FILE, Dependency, Lines, from_requirement
from mlguard.analyzers.python_ast import PyFacts

SETUP_CALLS = frozenset({"setuptools.setup", "distutils.core.setup", "setup"})


def parse_setup_cfg(text: str, path: str) -> tuple[list[Dependency], str]:
    """Requirements of a setup.cfg, or an error message."""
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        return [], f"unparseable setup.cfg ({type(exc).__name__})"
    items: list[str] = []
    if parser.has_option("options", "install_requires"):
        items += _lines(parser.get("options", "install_requires"))
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            items += _lines(value)
    return _facts(items, text, path, "setup.cfg"), ""


def setup_py_requirements(facts: PyFacts, text: str, path: str) -> list[Dependency]:
    """The literal ``install_requires`` of ``setup(...)`` calls."""
    items: list[str] = []
    for call in facts.calls:
        if call.name in SETUP_CALLS:
            value = call.kwarg("install_requires")
            if isinstance(value, tuple):
                items += [v for v in value if isinstance(v, str)]
    return _facts(items, text, path, "setup.py")


def _lines(value: str) -> list[str]:
    out = []
    for line in value.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


def _facts(items: list[str], text: str, path: str, source: str) -> list[Dependency]:
    lines = Lines(text)
    found = []
    for item in items[:MAX_DEPS_PER_FILE]:
        dep = from_requirement(item, path, lines.find(item), source)
        if dep is not None:
            found.append(dep)
    return found
