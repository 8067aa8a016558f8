"""Rule definitions: load ``rules/*.yaml`` (and users' rule files), validate, index."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from mlguard.errors import ConfigError
from mlguard.model import Kind, Severity
from mlguard.rules.bandit_rules import rule_specs  # one rule per bandit test (BAN101...)
from mlguard.rules.check_names import CHECK_ALIASES, CHECK_NAMES
from mlguard.rules.regexsafety import backtracking_risk
from mlguard.rules.resources import data_dir
from mlguard.rules.spec import RuleDocs, RuleSpec
from mlguard.rules.validation import read_yaml, validate
from mlguard.rules.zizmor_rules import rule_specs as zizmor_specs  # one per zizmor audit
from mlguard.safeio.yamlio import YamlDoc

REGEX_KEYS = frozenset({"pattern", "matches", "not_matches"})


def _python_refs(check: Any) -> Iterable[str]:
    if isinstance(check, dict):
        for key, value in check.items():
            if key == "python" and isinstance(value, str):
                yield value
            else:
                yield from _python_refs(value)
    elif isinstance(check, list):
        for item in check:
            yield from _python_refs(item)


def _current_names(check: Any) -> Any:
    """``check`` with every old Python check name (``CHECK_ALIASES``) replaced by the current
    one, so that rule files written before checks were named after their module still load."""
    if isinstance(check, dict):
        return {
            key: CHECK_ALIASES.get(value, value)
            if key == "python" and isinstance(value, str)
            else _current_names(value)
            for key, value in check.items()
        }
    if isinstance(check, list):
        return [_current_names(item) for item in check]
    return check


def _regexes(check: Any, path: list[str | int]) -> Iterable[tuple[str, list[str | int]]]:
    if isinstance(check, dict):
        for key, value in check.items():
            if key in REGEX_KEYS and isinstance(value, str):
                yield value, [*path, key]
            else:
                yield from _regexes(value, [*path, key])
    elif isinstance(check, list):
        for index, item in enumerate(check):
            yield from _regexes(item, [*path, index])


def _check_regexes(doc: YamlDoc, source: str) -> None:
    for pattern, where in _regexes(doc.data["check"], ["check"]):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(
                source, f"{'.'.join(map(str, where))}: invalid regex: {exc}", doc.line_of(where)
            ) from None
        risk = backtracking_risk(pattern)
        if risk:
            raise ConfigError(
                source,
                f"{'.'.join(map(str, where))}: regex may backtrack catastrophically on a "
                f"hostile file ({risk}); rewrite it, e.g. with a character class",
                doc.line_of(where),
            )


def load_rule_file(path: Path, *, builtin: bool = False) -> RuleSpec:
    """One rule file, validated against the rule schema; ``builtin``: one of mlguard's own
    files, which the tests validate (no schema check on every run)."""
    source = str(path)
    doc = read_yaml(path)
    if not builtin:
        validate(doc, "rule", source)
    _check_regexes(doc, source)
    data: dict[str, Any] = doc.data
    check = _current_names(data["check"])
    for ref in _python_refs(check):
        if ref not in CHECK_NAMES:
            raise ConfigError(
                source,
                f"check.python: unknown Python check {ref!r} (known: see `mlguard rules`)",
                doc.line_of(["check"]),
            )
    docs = data["docs"]
    return RuleSpec(
        id=data["id"],
        slug=data["slug"],
        title=data["title"],
        category=data["category"],
        level=data["level"],
        severity=Severity(data["severity"]),
        kind=Kind(data["kind"]),
        check=check,
        docs=RuleDocs(
            why=docs["why"].strip(),
            fix=docs["fix"].strip(),
            bad=docs.get("bad", "").rstrip(),
            good=docs.get("good", "").rstrip(),
            references=tuple(docs.get("references", ())),
        ),
        applies_when=tuple(data.get("applies_when", ())),
        not_for=tuple(data.get("not_for", ())),
        tags=tuple(data.get("tags", ())),
        message=data.get("message", ""),
        anchor=tuple(data.get("anchor", ())),
        params=data.get("params", {}),
        precision=data.get("precision", "high"),
        security_severity=data.get("security_severity"),
        source=source,
    )


def _rule_files(location: Path) -> list[Path]:
    if location.is_file():
        return [location]
    if location.is_dir():
        return sorted([*location.glob("*.yaml"), *location.glob("*.yml")])
    raise ConfigError(str(location), "rule path does not exist")


class Catalog:
    """All known rules by id, built-in first, then users' rule files."""

    def __init__(self, rules: Mapping[str, RuleSpec]) -> None:
        self.rules = dict(sorted(rules.items()))

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.rules

    def get(self, rule_id: str) -> RuleSpec:
        return self.rules[rule_id]

    @classmethod
    def load(cls, extra_paths: Iterable[Path] = ()) -> Catalog:
        rules = dict(_builtin_rules())  # a copy: users' rules join this catalog only
        for location in extra_paths:
            _add_files(rules, location)
        return cls(rules)


@cache
def _builtin_rules() -> dict[str, RuleSpec]:
    """The rules that ship with mlguard (bandit's, zizmor's, rules/*.yaml), read and validated
    once per process: they cannot change while it runs. Callers copy the dict."""
    rules: dict[str, RuleSpec] = {spec.id: spec for spec in [*rule_specs(), *zizmor_specs()]}
    _add_files(rules, data_dir("rules"), builtin=True)
    return rules


def _add_files(rules: dict[str, RuleSpec], location: Path, *, builtin: bool = False) -> None:
    for path in _rule_files(location):
        spec = load_rule_file(path, builtin=builtin)
        if spec.id in rules:
            raise ConfigError(
                str(path),
                f"rule id {spec.id} is already defined in {rules[spec.id].source}",
            )
        if path.stem != spec.id and location == data_dir("rules"):
            raise ConfigError(str(path), f"built-in rule file must be named {spec.id}.yaml")
        rules[spec.id] = spec


__all__ = ["Catalog", "RuleDocs", "RuleSpec", "load_rule_file"]
