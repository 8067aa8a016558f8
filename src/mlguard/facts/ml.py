"""Small shared facts for the testing, CI/CD, monitoring, governance and LLM checks."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlguard.analyzers.python_ast import PyFacts
from mlguard.facts import traits
from mlguard.facts.ci_commands import ci_commands, invoked
from mlguard.facts.files import Facts
from mlguard.model import Evidence, ev

LOCAL_RUNNERS = (
    "Makefile",
    "makefile",
    "justfile",
    "Taskfile.y*ml",
    "tox.ini",
    "noxfile.py",
    "dvc.yaml",
    "scripts/*.sh",
    "*.sh",
)


def test_files(repo: Facts) -> Iterator[tuple[str, PyFacts]]:
    """Test files: under a test folder, or named like tests and holding a test (a
    ``test_*.py`` script in a product folder that defines no test is a script)."""
    for path, facts in repo.iter_python():
        if traits.is_test_path(path) and (_in_test_folder(path) or _holds_tests(facts)):
            yield path, facts


TEST_FOLDERS = frozenset({"tests", "test", "testing", "unit_tests", "integration_tests"})


def _in_test_folder(path: str) -> bool:
    return any(part in TEST_FOLDERS for part in path.split("/")[:-1])


def _holds_tests(facts: PyFacts) -> bool:
    return any(name.startswith("test") for name, _ in facts.functions) or any(
        i.module.split(".")[0] in ("unittest", "pytest") for i in facts.imports
    )


def product_files(repo: Facts) -> Iterator[tuple[str, PyFacts]]:
    for path in traits.product_paths(repo):
        facts = repo.python(path)
        if facts is not None:
            yield path, facts


def module_name(path: str) -> str:
    """``src/pkg/features/build.py`` -> ``pkg.features.build``."""
    stem = path.removesuffix(".py").removesuffix("/__init__")
    for root in ("src/", "lib/"):
        if stem.startswith(root):
            stem = stem[len(root) :]
    return stem.replace("/", ".")


def local_runs(repo: Facts, pattern: str) -> list[Evidence]:
    """Lines of local task files (Makefile, tox.ini, dvc.yaml, shell scripts) matching."""
    regex = re.compile(pattern)
    found = []
    for path in repo.glob(*LOCAL_RUNNERS):
        for number, line in enumerate(repo.lines(path), 1):
            if regex.search(line) and not line.lstrip().startswith("#"):
                found.append(ev(path, number, line.strip()[:200]))
                break
    return found


def ci_mentions(repo: Facts, words: list[str]) -> list[Evidence]:
    """CI commands naming one of ``words`` (a script path, module or file stem)."""
    wanted = [w for w in words if w]
    found = []
    for item in ci_commands(repo):
        programs = " ".join(invoked(item.text))
        if any(re.search(rf"(^|[\s/.:=]){re.escape(w)}($|[\s./:])", programs) for w in wanted):
            found.append(item)
    return found


def path_words(path: str) -> list[str]:
    """Names by which a command may refer to a file: path, module, stem."""
    stem = path.rsplit("/", 1)[-1].removesuffix(".py").removesuffix(".ipynb")
    words = [path, module_name(path), stem]
    if stem == "__main__":  # ``python -m pkg`` runs pkg/__main__.py
        words.append(module_name(path).removesuffix(".__main__"))
    return words
