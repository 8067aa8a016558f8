"""What ``mlguard rules`` and ``mlguard explain`` show: the catalogue with the custom rules
of the config found here (``rule_paths``), and, under the policy in effect, which rules are
gates (failing one caps the maturity level) and which are off (not run by default)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlguard.report.document import plural
from mlguard.rules import config as config_mod
from mlguard.rules.catalog import Catalog, RuleSpec
from mlguard.rules.policy import Policy, build, resolve_chain
from mlguard.rules.resources import data_dir
from mlguard.rules.selection import select_rules


@dataclass(frozen=True)
class Row:
    rule: RuleSpec
    gate: bool
    enabled: bool
    custom: bool

    def as_dict(self) -> dict[str, Any]:
        r = self.rule
        return {
            "id": r.id,
            "slug": r.slug,
            "title": r.title,
            "category": r.category,
            "level": r.level,
            "severity": r.severity.value,
            "kind": r.kind.value,
            "gate": self.gate,
            "enabled": self.enabled,
            "custom": self.custom,
        }

    @property
    def marks(self) -> str:
        return ",".join(m for m, on in (("gate", self.gate), ("off", not self.enabled)) if on)


@dataclass(frozen=True)
class View:
    policy_name: str
    rows: tuple[Row, ...]


def catalog(root: Path, config: str | None, no_config: bool) -> Catalog:
    user = config_mod.discover(root, config, no_config)
    return Catalog.load(user.rule_paths if user else ())


def _policy(root: Path, config: str | None, no_config: bool, cat: Catalog) -> Policy:
    user = config_mod.discover(root, config, no_config)
    ref = (user.policy if user else None) or "default"
    layers = resolve_chain(
        ref, user.layer.base_dir if user else root, user.confine if user else None
    )
    if user:
        layers.append(user.layer)
    return build(layers, cat)


def _enabled(rule: RuleSpec, policy: Policy) -> bool:
    params = {**rule.params, **policy.params(rule.id)}
    return bool(params.get("enabled", True))


def load(root: Path, config: str | None, no_config: bool) -> View:
    cat = catalog(root, config, no_config)
    policy = _policy(root, config, no_config, cat)
    selected = {r.id for r in select_rules(cat, policy.select, policy.ignore)}
    builtin = str(data_dir("rules"))
    rows = tuple(
        Row(
            rule,
            gate=rule.id in policy.gates,
            enabled=rule.id in selected and _enabled(rule, policy),
            custom=not (rule.source.startswith(builtin) or rule.source.startswith("bandit ")),
        )
        for rule in cat.rules.values()
    )
    return View(policy.name, rows)


def text_lines(rows: list[Row], policy_name: str) -> list[str]:
    lines = [
        f"{r.rule.id:<8} {r.rule.category:<16} L{r.rule.level} {r.rule.severity.value:<8} "
        f"{r.marks:<8} {r.rule.title}" + ("  (custom)" if r.custom else "")
        for r in rows
    ]
    gates = sum(r.gate for r in rows)
    off = sum(not r.enabled for r in rows)
    lines += [
        "",
        f"{plural(len(rows), 'rule')} under policy {policy_name!r}: {plural(gates, 'gate')} "
        f"(failing one caps the maturity level), {off} off (not run unless a policy enables "
        "them).",
        "Details: mlguard explain ID",
    ]
    return lines
