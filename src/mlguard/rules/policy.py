"""Policies: built-in or file, ``extends`` chains, overlays from config, validation.

Merging: a child's mappings merge key by key into its parent's; lists and scalars replace.
Every rule id a policy names must exist in the catalogue (an error says file and line).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlguard.errors import ConfigError
from mlguard.rules import selection
from mlguard.rules.catalog import Catalog
from mlguard.rules.resources import data_dir
from mlguard.rules.validation import read_yaml, string_keys, validate
from mlguard.safeio.yamlio import YamlDoc

RULE_ID = re.compile(r"^[A-Z][A-Z0-9]{1,5}[0-9]{3}$")
MAX_EXTENDS_DEPTH = 16
CONFIG_ONLY = ("policy", "rule_paths", "baseline")  # keys of a config file, not of a policy


@dataclass(frozen=True)
class Layer:
    """One policy or config document and where it came from."""

    source: str
    doc: YamlDoc
    base_dir: Path

    @property
    def data(self) -> dict[str, Any]:
        return self.doc.data or {}


@dataclass(frozen=True)
class KindLevels:
    """Defining (``required``) and supporting practices per level for one repository kind."""

    required: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    supporting: Mapping[int, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Policy:
    name: str
    select: tuple[str, ...] = ("*",)
    ignore: tuple[str, ...] = ()
    configure: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    required: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    gates: tuple[str, ...] = ()
    gate_cap: int = 1
    accept_partial: tuple[int, ...] = ()
    supporting: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    partial_ok: tuple[str, ...] = ()
    kind_levels: Mapping[str, KindLevels] = field(default_factory=dict)
    kind: str = "auto"
    fail_on: str = "error"
    fail_below_level: int = 0
    fail_practices: bool = False
    exclude: tuple[str, ...] = ()
    max_text_kb: int = 2048
    sources: tuple[str, ...] = ()
    floor: bool = False  # repository configs cannot loosen this policy (see mlguard.rules.floor)
    model_exclude: tuple[str, ...] | None = None  # excludes applied to model files (None: all)

    def levels_for(self, kind: str) -> KindLevels:
        """The defining and supporting practices per level for a repository ``kind``."""
        return self.kind_levels.get(kind) or KindLevels(self.required, self.supporting)

    def severity_override(self, rule_id: str) -> str | None:
        value = self.configure.get(rule_id, {}).get("severity")
        return str(value) if value else None

    def params(self, rule_id: str) -> Mapping[str, Any]:
        params: Mapping[str, Any] = self.configure.get(rule_id, {}).get("params", {})
        return params


BUILTIN_PREFIX = "policy:"  # the source of a built-in policy (a file's is its path)


def builtin_names() -> list[str]:
    return sorted(p.stem for p in data_dir("policies").glob("*.yaml"))


def _locate(ref: str, base_dir: Path, confine: Path | None = None) -> tuple[Path, str]:
    if "/" not in ref and "\\" not in ref and not ref.endswith((".yaml", ".yml")):
        path = data_dir("policies") / f"{ref}.yaml"
        if not path.is_file():
            known = ", ".join(builtin_names())
            close = difflib.get_close_matches(ref, builtin_names(), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(ref, f"no built-in policy named {ref!r} (built-ins: {known}){hint}")
        return path, f"{BUILTIN_PREFIX}{ref}"
    path = (base_dir / ref).resolve() if not Path(ref).is_absolute() else Path(ref)
    if confine is not None and not path.resolve().is_relative_to(confine.resolve()):
        raise ConfigError(ref, "policy file outside the scanned repository (not read)")
    if not path.is_file():
        raise ConfigError(str(path), "policy file not found")
    return path, str(path)


def read_layer(path: Path, source: str, *, builtin: bool = False) -> Layer:
    """A policy or config file, validated against the policy schema; ``builtin``: one of
    mlguard's own policies, which the tests validate (no schema check on every run)."""
    doc = read_yaml(path, source)
    if doc.data is None:
        doc = YamlDoc({}, doc.node)
    if not isinstance(doc.data, dict):
        raise ConfigError(source, "a policy must be a mapping of keys", doc.line_of([]))
    doc = YamlDoc(string_keys(doc.data), doc.node)
    if not builtin:
        validate(doc, "policy", source)
    return Layer(source, doc, path.parent)


def resolve_chain(ref: str, base_dir: Path, confine: Path | None = None) -> list[Layer]:
    """The policy ``ref`` and its ancestors, root ancestor first. With ``confine`` (a
    policy named by the scanned repository's own config), policy files must lie inside it."""
    chain: list[Layer] = []
    seen: list[str] = []
    current: str | None = ref
    child: Layer | None = None  # the layer whose extends: names ``current``
    while current:
        try:
            path, source = _locate(current, base_dir, confine)
        except ConfigError as exc:
            if child is None:
                raise
            problem = exc.problem if exc.source == current else f"{exc.problem}: {exc.source}"
            raise ConfigError(
                child.source, f"extends: {problem}", child.doc.line_of(["extends"])
            ) from None
        key = str(path.resolve())
        if key in seen:
            cycle = " -> ".join([*(Path(s).name for s in seen), path.name])
            raise ConfigError(source, f"extends cycle: {cycle}")
        if len(seen) >= MAX_EXTENDS_DEPTH:
            raise ConfigError(source, f"extends chain deeper than {MAX_EXTENDS_DEPTH}")
        seen.append(key)
        layer = read_layer(path, source, builtin=source.startswith(BUILTIN_PREFIX))
        config_keys = [k for k in CONFIG_ONLY if k in layer.data]
        if config_keys:
            key_name = config_keys[0]
            raise ConfigError(
                source, f"{key_name}: only allowed in a config file", layer.doc.line_of([key_name])
            )
        chain.insert(0, layer)
        current = layer.data.get("extends")
        child = layer
        base_dir = layer.base_dir
    return chain


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _check_ids(layer: Layer, catalog: Catalog) -> list[ConfigError]:
    """Every unknown rule id and every selector that matches no rule, each with its line."""
    data = layer.data
    rules = data.get("rules", {})
    problems: list[ConfigError] = []
    for rule_id in rules.get("configure", {}):
        problems += _known(layer, catalog, rule_id, ["rules", "configure", rule_id])
    for section in ("select", "ignore"):
        for index, value in enumerate(rules.get(section, [])):
            for selector in selection.split([value]):
                if selection.matches_nothing(catalog, selector):
                    message = selection.no_match_message(catalog, selector)
                    line = layer.doc.line_of(["rules", section, index])
                    problems.append(ConfigError(layer.source, f"rules.{section}: {message}", line))
    maturity = data.get("maturity", {})
    for section in ("required", "supporting"):
        for level, ids in maturity.get(section, {}).items():
            for index, rule_id in enumerate(ids):
                problems += _known(layer, catalog, rule_id, ["maturity", section, level, index])
    for kind, spec in maturity.get("kinds", {}).items():
        for section in ("required", "supporting"):
            for level, ids in spec.get(section, {}).items():
                for index, rule_id in enumerate(ids):
                    path = ["maturity", "kinds", kind, section, level, index]
                    problems += _known(layer, catalog, rule_id, path)
    for index, rule_id in enumerate(maturity.get("partial_ok", [])):
        problems += _known(layer, catalog, rule_id, ["maturity", "partial_ok", index])
    for index, rule_id in enumerate(maturity.get("gates", [])):
        problems += _known(layer, catalog, rule_id, ["maturity", "gates", index])
    return problems


def _known(
    layer: Layer, catalog: Catalog, rule_id: str, path: Sequence[str | int]
) -> list[ConfigError]:
    if rule_id in catalog:
        return []
    message = f"unknown rule id {rule_id!r}"
    close = [c for c in selection.suggestions(catalog, rule_id) if c in catalog]
    if close:
        message += f"; did you mean {', '.join(close)}?"
    return [ConfigError(layer.source, message, layer.doc.line_of(path))]


def _levels(data: Mapping[Any, Sequence[str]]) -> dict[int, tuple[str, ...]]:
    return {int(level): tuple(ids) for level, ids in data.items()}


def build(layers: Sequence[Layer], catalog: Catalog) -> Policy:
    merged: dict[str, Any] = {}
    for layer in layers:
        problems = _check_ids(layer, catalog)
        if problems:
            raise ConfigError.collect(problems)
        merged = merge(merged, layer.data)
    rules = merged.get("rules", {})
    maturity = merged.get("maturity", {})
    fail = merged.get("fail", {})
    return Policy(
        name=merged.get("name", "custom"),
        select=tuple(rules.get("select", ["*"])),
        ignore=tuple(rules.get("ignore", [])),
        configure=rules.get("configure", {}),
        required={int(k): tuple(v) for k, v in maturity.get("required", {}).items()},
        gates=tuple(maturity.get("gates", [])),
        gate_cap=maturity.get("gate_cap", 1),
        accept_partial=tuple(maturity.get("accept_partial", [])),
        supporting=_levels(maturity.get("supporting", {})),
        partial_ok=tuple(maturity.get("partial_ok", [])),
        kind_levels={
            name: KindLevels(_levels(spec.get("required", {})), _levels(spec.get("supporting", {})))
            for name, spec in maturity.get("kinds", {}).items()
        },
        kind=merged.get("kind", "auto"),
        fail_on=fail.get("on", "error"),
        fail_below_level=fail.get("below_level", 0),
        fail_practices=fail.get("practices", False),
        exclude=tuple(merged.get("paths", {}).get("exclude", [])),
        max_text_kb=merged.get("settings", {}).get("max_text_kb", 2048),
        sources=tuple(layer.source for layer in layers),
        floor=bool(merged.get("floor", False)),
    )
