"""The source tree is the architecture: layers import only downwards, never in a cycle.

Read from the source with ``ast`` (no mlguard module is imported to check its imports).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import mlguard

SRC = Path(mlguard.__file__).resolve().parent

# Lowest first. A module may import from its own layer's package and from lower layers.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"model", "errors", "settings", "known"}),
    frozenset({"safeio"}),
    frozenset({"analyzers", "vulns"}),
    frozenset({"repo"}),
    frozenset({"rules"}),
    frozenset({"facts"}),
    frozenset({"checks"}),
    frozenset({"engine"}),
    frozenset({"results"}),
    frozenset({"report"}),
    frozenset({"fix"}),
    frozenset({"app", "history", "cli", "__main__", "__init__"}),
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def is_module(name: str) -> bool:
    path = SRC.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports(path: Path) -> set[str]:
    """mlguard modules ``path`` imports anywhere in its code (functions included).
    ``from pkg import submodule`` is an edge to the submodule, not to ``pkg``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "mlguard" or node.module.startswith("mlguard."):
                base = node.module.removeprefix("mlguard").removeprefix(".")
                for alias in node.names:
                    sub = f"{base}.{alias.name}" if base else alias.name
                    found.add(sub if is_module(sub) else base)
        elif isinstance(node, ast.Import):
            found.update(
                a.name.removeprefix("mlguard.") for a in node.names if a.name.startswith("mlguard.")
            )
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in SRC.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges[name] = {dep for dep in imports(path) if dep in modules and dep != name}
    return edges


def top(module: str) -> str:
    return module.split(".")[0]


def test_every_package_has_a_layer() -> None:
    assert {top(m) for m in graph()} <= set(RANK), "add new packages to LAYERS"


def test_at_most_twelve_top_level_modules() -> None:
    modules = sorted(p.stem for p in SRC.glob("*.py"))
    assert len(modules) <= 12, modules


def test_imports_point_down_the_tree() -> None:
    upward = [
        f"{name} -> {dep}"
        for name, deps in graph().items()
        for dep in deps
        if RANK[top(dep)] > RANK[top(name)]
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for dep in sorted(edges[node]):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(edges):
        if node not in index:
            visit(node)
    assert cycles == []


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The walker itself: an upward import in a module is found."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from mlguard.checks.base import Outcome\n")
    assert imports(bad) == {"checks.base"}


def _modules_loaded_by(*args: str, cwd: Path | None = None) -> list[str]:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from mlguard.cli import cli\n"
        f"result = CliRunner().invoke(cli, {list(args)!r})\n"
        "assert result.exit_code == 0, result.output\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=cwd
    )
    return out.stdout.split()


def test_rule_metadata_commands_import_no_check() -> None:
    for args in (["rules"], ["explain", "REP003"], ["policy", "show", "default"]):
        loaded = _modules_loaded_by(*args)
        assert "mlguard.rules.catalog" in loaded
        offending = [
            m for m in loaded if m.startswith(("mlguard.checks", "mlguard.engine.scan", "git"))
        ]
        assert offending == [], (args, offending)


def test_hook_loads_only_the_security_checks_and_no_schema_validator(tmp_path: Path) -> None:
    """The pre-commit hook (security policy, no config) imports the check modules of its
    rules only, and no jsonschema: mlguard's own rule and policy files are trusted."""
    (tmp_path / "ok.py").write_text("import json\n\nprint(json.dumps(1))\n")
    loaded = _modules_loaded_by("hook", "--no-config", "ok.py", cwd=tmp_path)
    checks = {m for m in loaded if m.startswith("mlguard.checks.") and m.count(".") >= 3}
    assert "mlguard.checks.security.torch_load" in checks and "bandit" in loaded
    assert {m for m in checks if not m.startswith("mlguard.checks.security.")} == set()
    assert [m for m in loaded if m.startswith("jsonschema")] == []


def test_declared_check_names_match_the_registry() -> None:
    from mlguard.checks.families import PYTHON_CHECKS
    from mlguard.rules.check_names import CHECK_NAMES

    assert set(PYTHON_CHECKS) == CHECK_NAMES, "run scripts/gen_check_names.py"
