"""Fast unit layer: facts are computed once per scan; the engine plans from declarations."""

from __future__ import annotations

from pathlib import Path

from mlguard.engine import plan
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.rules.catalog import Catalog


def _facts(tmp_path: Path, files: dict[str, str]) -> Facts:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return Facts(tmp_path, use_git=False)


def test_a_fact_is_computed_once_per_repository_and_argument(tmp_path: Path) -> None:
    calls: list[str] = []

    @fact
    def upper(repo: Facts, name: str) -> str:
        calls.append(name)
        return name.upper()

    repo = _facts(tmp_path, {"a.py": "x = 1\n"})
    assert upper(repo, "a") == "A" and upper(repo, "a") == "A" and upper(repo, "b") == "B"
    assert calls == ["a", "b"]
    assert upper.known(repo) == {("a",): "A", ("b",): "B"}
    other = _facts(tmp_path / "o", {"b.py": ""})
    assert upper(other, "a") == "A" and calls == ["a", "b", "a"]


def test_a_primed_fact_is_not_computed(tmp_path: Path) -> None:
    @fact
    def expensive(repo: Facts) -> int:
        raise AssertionError("computed although primed")

    repo = _facts(tmp_path, {})
    expensive.prime(repo, 7)
    assert expensive(repo) == 7


def test_python_facts_are_parsed_once_and_notebook_magics_are_not_code(tmp_path: Path) -> None:
    repo = _facts(tmp_path, {"train.py": "import sklearn\nmodel.fit(X, y)\n"})
    facts = repo.python("train.py")
    assert facts is not None and facts is repo.python("train.py")
    assert [i.module for i in facts.imports] == ["sklearn"]


def test_rules_needing_python_facts_are_known_from_declarations() -> None:
    rules = Catalog.load().rules
    assert plan.needs_python(rules["SEC001"])  # calls
    assert plan.needs_python(rules["BAN602"])  # bandit runs on the parsed trees
    assert not plan.needs_python(rules["SEC004"])  # secrets: text only
    assert not plan.needs_python(rules["CICD008"])  # workflow files
    assert not plan.needs_python(rules["MLG002"])  # decided after the scan
