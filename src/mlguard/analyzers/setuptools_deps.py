"""setuptools declarations -> dependency facts, without running anything.

``setup.cfg`` is read with :mod:`configparser` (``[options] install_requires`` and
``[options.extras_require]``); ``setup.py`` only through its parsed facts: the lists given to
``setup(install_requires=..., extras_require=...)``, literally or through module-level
variables and ``+`` concatenations (the expressions are parsed, never evaluated), and the
requirement files it opens. ``setup.py`` is never executed.
"""

from __future__ import annotations

import ast
import configparser

from mlguard.analyzers.deps import MAX_DEPS_PER_FILE, Dependency, Lines, from_requirement
from mlguard.analyzers.python_ast import Expr, PyFacts, Value

SETUP_CALLS = frozenset({"setuptools.setup", "distutils.core.setup", "setup"})
FILE_OPENERS = frozenset({"open", "Path", "read_text"})
REQ_SUFFIX = (".txt", ".in")
MAX_INDIRECTION = 8
MAX_EXPR_CHARS = 20_000


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
    """The ``install_requires`` and ``extras_require`` of ``setup(...)`` calls: literal lists,
    module-level variables holding them (``REQUIRED = [...]``) and ``+`` concatenations."""
    names: dict[str, list[Value]] = {}
    for assign in facts.assigns:
        names.setdefault(assign.target, []).append(assign.value)
    items: list[str] = []
    for call in facts.calls:
        if call.name in SETUP_CALLS:
            for key in ("install_requires", "extras_require"):
                items += _strings(call.kwarg(key), names, 0)
    return _facts(list(dict.fromkeys(items)), text, path, "setup.py")


def setup_py_files(facts: PyFacts) -> list[str]:
    """Requirement files that setup.py reads (``open("requirements/base.txt")``), as written."""
    found = []
    for call in facts.calls:
        first = call.args[0] if call.args else None
        if call.attr in FILE_OPENERS and isinstance(first, str) and first.endswith(REQ_SUFFIX):
            found.append(first)
    return found


def _strings(value: Value, names: dict[str, list[Value]], depth: int) -> list[str]:
    if depth > MAX_INDIRECTION:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, tuple):
        return [s for v in value for s in _strings(v, names, depth + 1)]
    if isinstance(value, Expr):
        try:
            node = ast.parse(value.text[:MAX_EXPR_CHARS], mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return []
        return _node_strings(node, names, depth + 1)
    return []


def _node_strings(node: ast.AST, names: dict[str, list[Value]], depth: int) -> list[str]:
    """Strings of a list/tuple/set display, a ``+`` of them, a variable, or a dict's values."""
    if depth > MAX_INDIRECTION:
        return []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [s for e in node.elts for s in _node_strings(e, names, depth + 1)]
    if isinstance(node, ast.Starred):
        return _node_strings(node.value, names, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _node_strings(node.left, names, depth + 1) + _node_strings(
            node.right, names, depth + 1
        )
    if isinstance(node, ast.Dict):
        return [s for v in node.values for s in _node_strings(v, names, depth + 1)]
    if isinstance(node, ast.Name):
        return [s for v in names.get(node.id, []) for s in _strings(v, names, depth + 1)]
    return []


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
