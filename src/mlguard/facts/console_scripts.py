"""The project's console scripts: command names its packaging installs, and the modules
they run (``[project.scripts]`` and Poetry scripts in pyproject.toml, ``console_scripts``
entry points in setup.cfg or setup.py). Read as text and TOML; setup.py is never run."""

from __future__ import annotations

import re
import tomllib
from typing import Any

from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.modules import ModuleIndex

# ``name = package.module:function`` in setup.cfg, or the same quoted in setup.py
ENTRY = re.compile(r"""['"]?([A-Za-z0-9][\w.-]*)\s*=\s*([A-Za-z_][\w.]*)\s*:\s*[A-Za-z_][\w.]*""")
SECTION = re.compile(r"console_scripts['\"]?\s*[=:]\s*(?:\[)?(.*?)(?:\]|\n\S|\Z)", re.DOTALL)
PACKAGING = ("pyproject.toml", "setup.cfg", "setup.py")


def console_script(repo: Facts, name: str) -> str:
    """The file of the module that console script ``name`` runs, or ""."""
    for packaging, module in console_scripts(repo).get(name, ()):
        found = ModuleIndex.of(repo).resolve(module, packaging)
        if found:
            return found
    return ""


@fact
def console_scripts(repo: Facts) -> dict[str, tuple[tuple[str, str], ...]]:
    """Console script name -> (packaging file, dotted module it runs) for every packaging
    file of the repository (a seed project or a subpackage has its own)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for path in repo.glob(*PACKAGING):
        text = repo.text(path) or ""
        if path.endswith(".toml"):
            pairs = list(_pyproject(text).items())
        else:
            pairs = [pair for section in SECTION.findall(text) for pair in ENTRY.findall(section)]
        for name, module in pairs:
            found.setdefault(name, []).append((path, module))
    return {name: tuple(where) for name, where in found.items()}


def _pyproject(text: str) -> dict[str, str]:
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return {}
    tables: list[Any] = [
        _get(data, "project", "scripts"),
        _get(data, "project", "gui-scripts"),
        _get(data, "tool", "poetry", "scripts"),
    ]
    found: dict[str, str] = {}
    for table in tables:
        for name, spec in (table or {}).items():
            if isinstance(spec, str) and ":" in spec:
                found.setdefault(str(name), spec.split(":", 1)[0].strip())
    return found


def _get(data: Any, *keys: str) -> dict[str, Any] | None:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else None
