"""OSV advisory semantics for PyPI pins, with ``packaging`` version ordering.

An advisory affects a pin when one of its ``affected`` entries names the package (PEP 503
normalised, ecosystem PyPI) and either lists the version in ``versions`` or has an
``ECOSYSTEM`` range whose ``introduced``/``fixed``/``last_affected`` events cover it, as in
the OSV specification's evaluation algorithm. Withdrawn advisories affect nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from mlguard.vulns.model import Advisory, Pin

MAX_SUMMARY = 160


def parse_version(text: object) -> Version | None:
    try:
        return Version(str(text))
    except InvalidVersion:
        return None


def package_names(doc: Mapping[str, Any]) -> set[str]:
    """Normalised PyPI package names an advisory document is about."""
    names: set[str] = set()
    for entry in _list(doc.get("affected")):
        package = _table(_table(entry).get("package"))
        if str(package.get("ecosystem", "")).lower() == "pypi" and package.get("name"):
            names.add(canonicalize_name(str(package["name"])))
    return names


def match(doc: Mapping[str, Any], pin: Pin, version: Version) -> Advisory | None:
    """The advisory as it applies to ``pin``, or ``None`` when it does not affect it."""
    if doc.get("withdrawn") or not doc.get("id"):
        return None
    hit = False
    fixed: set[str] = set()
    for entry in _list(doc.get("affected")):
        entry = _table(entry)
        package = _table(entry.get("package"))
        if str(package.get("ecosystem", "")).lower() != "pypi":
            continue
        if canonicalize_name(str(package.get("name", ""))) != pin.name:
            continue
        listed = any(_same(v, version) for v in _list(entry.get("versions")))
        for rng in _list(entry.get("ranges")):
            rng = _table(rng)
            if str(rng.get("type", "")).upper() != "ECOSYSTEM":
                continue
            events = _list(rng.get("events"))
            if in_range(version, events):
                hit = True
                fixed.update(_fixed_after(events, version))
        hit = hit or listed
    if not hit:
        return None
    return Advisory(
        id=str(doc["id"]),
        aliases=tuple(sorted(str(a) for a in _list(doc.get("aliases")))),
        fixed=tuple(sorted(fixed, key=_version_key)),
        summary=_summary(doc),
    )


def in_range(version: Version, events: list[Any]) -> bool:
    """OSV evaluation: walk events in version order, toggling "affected"."""
    parsed: list[tuple[Version, int, str]] = []
    for event in events:
        for kind, order in (("introduced", 0), ("fixed", 1), ("last_affected", 2)):
            value = _table(event).get(kind)
            if value is None:
                continue
            point = Version("0") if str(value) == "0" else parse_version(value)
            if point is None:
                return False  # an event we cannot order: do not guess
            parsed.append((point, order, kind))
    affected = False
    for point, _, kind in sorted(parsed):
        if kind == "introduced" and version >= point:
            affected = True
        elif (kind == "fixed" and version >= point) or (
            kind == "last_affected" and version > point
        ):
            affected = False
    return affected


def _fixed_after(events: list[Any], version: Version) -> list[str]:
    out = []
    for event in events:
        value = _table(event).get("fixed")
        point = parse_version(value) if value is not None else None
        if point is not None and point > version:
            out.append(str(value))
    return out


def _same(listed: object, version: Version) -> bool:
    other = parse_version(listed)
    return other == version if other is not None else str(listed) == str(version)


def _version_key(text: str) -> tuple[int, Version | str]:
    parsed = parse_version(text)
    return (0, parsed) if parsed is not None else (1, text)


def _summary(doc: Mapping[str, Any]) -> str:
    text = str(doc.get("summary") or doc.get("details") or "").strip().split("\n", 1)[0]
    return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 3] + "..."


def _table(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
