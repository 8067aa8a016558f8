"""The enforced floor: what a repository's own config cannot loosen.

With ``--enforce-floor`` (or ``floor: true`` in the policy given on the command line) the
trusted policy — ``--policy``, else ``default`` — is a floor under the repository's config.
The config may tighten it and tune practice rules, but it cannot

* deselect, ignore, down-grade or re-parameterise a gate rule or SEC002,
* drop gates or raise the gate cap,
* exclude model files from the scan (its other excludes still apply),
* ignore a gate rule's or SEC002's finding inline (``# mlguard: ignore[SEC001]``),
* raise ``fail.on`` (``never`` included), lower ``fail.below_level``, turn
  ``fail.practices`` off, or lower ``settings.max_text_kb``.

Each attempt is undone and reported as a note naming the config.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from mlguard.known import MODEL_SUFFIXES
from mlguard.model import Severity
from mlguard.repo import globs
from mlguard.rules.catalog import Catalog, RuleSpec
from mlguard.rules.policy import Policy
from mlguard.rules.selection import select_rules

# Security rules a pull request must not switch off even where they are not maturity gates:
# model files (SEC002) and unsafe deserialisation in code (SEC001).
ALWAYS_PROTECTED = ("SEC001", "SEC002")
FAIL_ORDER = {"note": 0, "warning": 1, "error": 2, "never": 3}
SAMPLE_DIRS = ("", "models/", "a/b/", "data/models/")


def protected(floor: Policy) -> frozenset[str]:
    return frozenset((*floor.gates, *ALWAYS_PROTECTED))


def apply(floor: Policy, policy: Policy, source: str) -> tuple[Policy, tuple[str, ...]]:
    """``policy`` with everything below ``floor`` undone, and a note per correction."""
    notes: list[str] = []
    keep = protected(floor)

    def note(what: str) -> None:
        notes.append(f"floor: {source} {what}: not applied (the enforced floor keeps it)")

    configure = _configure(floor, policy, keep, note)
    gates = tuple(dict.fromkeys((*policy.gates, *floor.gates)))
    dropped_gates = [g for g in floor.gates if g not in policy.gates]
    if dropped_gates:
        note(f"removes gate(s) {', '.join(dropped_gates)}")
    gate_cap = policy.gate_cap
    if gate_cap > floor.gate_cap:
        note(f"raises maturity.gate_cap to {gate_cap}")
        gate_cap = floor.gate_cap
    fail_on = policy.fail_on
    if FAIL_ORDER.get(fail_on, 3) > FAIL_ORDER.get(floor.fail_on, 3):
        note(f"sets fail.on: {fail_on}")
        fail_on = floor.fail_on
    below = policy.fail_below_level
    if below < floor.fail_below_level:
        note(f"lowers fail.below_level to {below}")
        below = floor.fail_below_level
    practices = policy.fail_practices or floor.fail_practices
    if floor.fail_practices and not policy.fail_practices:
        note("turns fail.practices off")
    max_kb = policy.max_text_kb
    if max_kb < floor.max_text_kb:
        note(f"lowers settings.max_text_kb to {max_kb}")
        max_kb = floor.max_text_kb
    model_exclude = tuple(p for p in policy.exclude if p in floor.exclude)
    for pattern in policy.exclude:
        if pattern not in floor.exclude and _hides_models(pattern):
            note(f"excludes model files with paths.exclude {pattern!r}")
    return (
        replace(
            policy,
            configure=configure,
            gates=gates,
            gate_cap=gate_cap,
            fail_on=fail_on,
            fail_below_level=below,
            fail_practices=practices,
            max_text_kb=max_kb,
            model_exclude=model_exclude,
            floor=True,
        ),
        tuple(notes),
    )


def _configure(
    floor: Policy, policy: Policy, keep: frozenset[str], note: Any
) -> dict[str, Mapping[str, Any]]:
    configure = dict(policy.configure)
    for rule_id in sorted(keep):
        mine, theirs = policy.configure.get(rule_id, {}), floor.configure.get(rule_id, {})
        if mine == theirs:
            continue
        severity, floor_severity = mine.get("severity"), theirs.get("severity")
        if severity and floor_severity and Severity(severity).rank < Severity(floor_severity).rank:
            note(f"down-grades {rule_id} to {severity}")
        elif severity and not floor_severity:
            note(f"sets the severity of {rule_id} to {severity}")
        if mine.get("params", {}) != theirs.get("params", {}):
            note(f"changes the parameters of {rule_id}")
        if theirs:
            configure[rule_id] = theirs
        else:
            configure.pop(rule_id, None)
    return configure


def restore_rules(
    floor: Policy,
    rules: list[RuleSpec],
    catalog: Catalog,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    source: str,
) -> tuple[list[RuleSpec], tuple[str, ...]]:
    """Gate rules (and SEC002) that the floor selects but the config's ``select`` /
    ``ignore`` dropped, put back. ``select`` and ``ignore`` are the command line's."""
    wanted = select_rules(catalog, select or floor.select, (*floor.ignore, *ignore))
    have = {r.id for r in rules}
    back = [r for r in wanted if r.id in protected(floor) and r.id not in have]
    notes = tuple(
        f"floor: {source} deselects {r.id}: not applied (the enforced floor keeps it)" for r in back
    )
    ordered = [r for r in catalog.rules.values() if r.id in have or r in back]
    return ordered, notes


def _hides_models(pattern: str) -> bool:
    return any(
        globs.match_any(f"{folder}model{suffix}", (pattern,))
        for folder in SAMPLE_DIRS
        for suffix in MODEL_SUFFIXES
    )
