"""Python module names <-> repository files, and each file's project-local imports."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable

from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.repo.testpaths import is_test_path
from mlguard.safeio.jinja_template import plain_name

PACKAGE_LOADER = re.compile(r"^load_\w+_from_package_(module|name)$")
MAX_PACKAGE_MODULES = 500


def _dotted(path: str) -> list[str]:
    stem = path[: -len(".py")] if path.endswith(".py") else path[: -len(".ipynb")]
    parts = plain_name(stem).split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return parts


class ModuleIndex:
    """Every suffix of every Python file's dotted path, so ``pkg.mod`` finds src/pkg/mod.py."""

    def __init__(self, repo: Facts) -> None:
        self.repo = repo
        self.by_name: dict[str, list[str]] = {}
        for path in repo.python_files:
            if not path.endswith(".py"):
                continue
            parts = _dotted(path)
            for start in range(len(parts)):
                self.by_name.setdefault(".".join(parts[start:]), []).append(path)
        self._imports: dict[str, list[str]] = {}
        self._importers: dict[str, list[str]] | None = None

    @classmethod
    def of(cls, repo: Facts) -> ModuleIndex:
        return _module_index(repo)

    def resolve(self, name: str, near: str = "") -> str | None:
        """The file of module ``name`` (or of its parent for ``pkg.mod.func``)."""
        name = plain_name(name.split(":", 1)[0].strip())
        if name.startswith(".") and near:
            name = self._absolute(name, near)
        if not name or "/" in name or name.startswith("."):
            return None
        parts = name.split(".")
        for end in range(len(parts), 0, -1):
            found = self._pick(".".join(parts[:end]), near)
            if found:
                return found
        return None

    def _pick(self, dotted: str, near: str) -> str | None:
        candidates = self.by_name.get(dotted)
        if not candidates:
            return None
        if near:
            sibling = posixpath.join(posixpath.dirname(near), dotted.replace(".", "/"))
            for candidate in candidates:
                if candidate in (f"{sibling}.py", f"{sibling}/__init__.py"):
                    return candidate
        return min(candidates, key=lambda p: (is_test_path(p), p.count("/"), p))

    def local_imports(self, path: str) -> list[str]:
        """Project files that ``path`` imports (relative imports resolved)."""
        if path in self._imports:
            return self._imports[path]
        facts = self.repo.python(path)
        found: list[str] = []
        for imp in facts.imports if facts is not None else ():
            name = self._absolute(imp.module, path)
            target = self.resolve(name, path) if name else None
            if target and target != path and target not in found:
                found.append(target)
        for target in self._package_loads(path):
            if target != path and target not in found:
                found.append(target)
        self._imports[path] = found
        return found

    def _package_loads(self, path: str) -> list[str]:
        """Modules a call imports as a whole package: Dagster's
        ``load_assets_from_package_module(assets)`` / ``load_assets_from_package_name("pkg")``
        (and the other ``load_*_from_package_*`` loaders) import every module below it."""
        facts = self.repo.python(path)
        found: list[str] = []
        for call in facts.calls if facts is not None else ():
            if not PACKAGE_LOADER.match(call.attr) or not call.args:
                continue
            first = call.args[0]
            name = first if isinstance(first, str) else getattr(first, "qualname", "")
            init = self.resolve(self._absolute(name, path) if name else "", path)
            if init is None or not init.endswith("/__init__.py"):
                continue
            folder = init[: -len("__init__.py")]
            found += [
                p
                for p in self.repo.python_files
                if p.startswith(folder) and p.endswith(".py") and not is_test_path(p)
            ][:MAX_PACKAGE_MODULES]
        return found

    def importers(self, path: str) -> list[str]:
        """Project files (notebooks included) that import ``path``, in path order."""
        if self._importers is None:
            reverse: dict[str, list[str]] = {}
            for source in sorted(self.repo.python_files):
                for target in self.local_imports(source):
                    reverse.setdefault(target, []).append(source)
            self._importers = reverse
        return self._importers.get(path, [])

    def imported_within(
        self,
        paths: Iterable[str],
        levels: int,
        keep: Callable[[str], bool] = lambda _: True,
        limit: int = 200,
    ) -> list[str]:
        """Project files that ``paths`` import, directly or through at most ``levels - 1``
        files in between, breadth first and in import order; a file ``keep`` rejects is
        neither listed nor followed. At most ``limit`` files."""
        frontier = list(dict.fromkeys(paths))
        seen = set(frontier)
        found: list[str] = []
        for _ in range(levels):
            following: list[str] = []
            for path in frontier:
                for module in self.local_imports(path):
                    if module not in seen and keep(module):
                        seen.add(module)
                        following.append(module)
            found += following
            frontier = following
            if not frontier or len(found) >= limit:
                break
        return found[:limit]

    @staticmethod
    def _absolute(module: str, path: str) -> str:
        if not module.startswith("."):
            return module
        level = len(module) - len(module.lstrip("."))
        package = _dotted(path)[:-1] if not path.endswith("__init__.py") else _dotted(path)
        if level - 1 > len(package):
            return ""
        base = package[: len(package) - (level - 1)]
        rest = module.lstrip(".")
        return ".".join([*base, rest] if rest else base)


@fact
def _module_index(repo: Facts) -> ModuleIndex:
    return ModuleIndex(repo)
