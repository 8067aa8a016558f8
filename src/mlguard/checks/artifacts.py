"""SEC002: committed model files in code-executing formats, analysed without loading them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlguard.analyzers.artifacts import (
    DEFAULT_PROFILES,
    HEAD_BYTES,
    MODEL_SUFFIXES,
    AllowList,
    ArtifactReport,
    Limits,
    scan_artifact,
    sniff,
)
from mlguard.analyzers.artifacts.sniff import AMBIGUOUS_SUFFIXES, LFS_POINTER, sniff_name
from mlguard.checks.base import CheckContext, NotCheckable, Outcome
from mlguard.checks.registry import register
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.model import Evidence, Location, Severity

LABELS = {
    "pickle": "pickle",
    "torch-legacy": "legacy PyTorch checkpoint",
    "torch-zip": "PyTorch zip checkpoint",
    "keras": "Keras archive",
    "npz": "NumPy .npz archive",
    "npy": "NumPy .npy array",
    "npy-object": "object-dtype NumPy array",
    "joblib": "joblib file",
    "hdf5": "HDF5 file",
    "safetensors": "safetensors file",
    "zip": "zip archive",
    "tar": "tar archive",
    "keras-metadata": "SavedModel Keras metadata",
    "lz4": "lz4-compressed file",
    "gzip": "compressed pickle (joblib/gzip)",
    "bz2": "compressed pickle (joblib/bz2)",
    "xz": "compressed pickle (joblib/xz)",
    "lzma": "compressed pickle (joblib/lzma)",
    "zlib": "compressed pickle (joblib/zlib)",
    "joblib-zfile": "compressed pickle (old joblib)",
}


def _settings(params: Mapping[str, Any]) -> tuple[AllowList, Limits]:
    """Allow-list and limits from the rule's params; a bad value makes the rule not-checked."""
    try:
        return _parse_settings(params)
    except ValueError as exc:
        raise NotCheckable(f"invalid SEC002 params: {exc}") from exc


def _parse_settings(params: Mapping[str, Any]) -> tuple[AllowList, Limits]:
    profiles = params.get("profiles", list(DEFAULT_PROFILES))
    allow = params.get("allow", [])
    max_bytes = params.get("max_bytes", Limits.max_bytes)
    max_depth = params.get("max_depth", Limits.max_depth)
    if not (isinstance(profiles, list) and all(isinstance(p, str) for p in profiles)):
        raise ValueError("profiles must be a list of profile names")
    if not (isinstance(allow, list) and all(isinstance(a, str) and "." in a for a in allow)):
        raise ValueError("allow must be a list of 'module.name' strings")
    for name, value in (("max_bytes", max_bytes), ("max_depth", max_depth)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer")
    return AllowList.build(tuple(profiles), tuple(allow)), Limits(max_bytes, max_depth)


def candidates(repo: Facts) -> list[tuple[str, str | None]]:
    """Inventory files that look like (or are named like) model files, with their sniffed
    format; read once per scan (VER006 asks too)."""
    return list(_candidate_list(repo))


@fact
def _candidate_list(repo: Facts) -> tuple[tuple[str, str | None], ...]:
    return tuple(_candidates(repo))


def _candidates(repo: Facts) -> Iterator[tuple[str, str | None]]:
    """Inventory files that look like (or are named like) model files, with their format."""
    for rel, info in repo.files.items():
        handle = repo.open_binary(rel)
        if handle is None:
            continue
        try:
            with handle:
                kind = sniff(handle.read(HEAD_BYTES), info.size) or sniff_name(rel)
        except OSError as exc:
            repo.skipped.setdefault(rel, f"unreadable: {exc.strerror or exc}")
            continue
        if kind == LFS_POINTER:
            continue
        if kind is not None or rel.lower().endswith(MODEL_SUFFIXES):
            yield rel, kind


def _not_a_model(rel: str, repo: Facts) -> bool:
    """Unrecognised content under a name other formats use too: .bin/.model, and .pth
    path files of Python's site machinery (plain text)."""
    if rel.lower().endswith(AMBIGUOUS_SUFFIXES):
        return True
    return rel.lower().endswith(".pth") and repo.text(rel) is not None


def _label(report: ArtifactReport) -> str:
    kinds = [k for k in report.formats if k in LABELS]
    specific = [k for k in kinds if k in ("torch-zip", "keras", "npz", "npy-object", "joblib")]
    return LABELS[specific[0] if specific else kinds[0]] if kinds else "model file"


def _evidence(rel: str, report: ArtifactReport) -> Iterator[Evidence]:
    label = _label(report)
    serious = [i for i in report.issues if i.severity != Severity.NOTE]
    for issue in report.issues:
        where = f" (member {issue.member})" if issue.member else ""
        yield Evidence(
            Location(rel),
            text=f"{issue.member}|{issue.key}",
            message=f"{label}{where}: {issue.message}",
            severity=issue.severity,
        )
    if report.executes_code and not serious:
        yield Evidence(
            Location(rel),
            text="pickle-format",
            message=(
                f"{label} in a code-executing (pickle) format: only allowed globals found, but "
                "loading it still runs pickle; prefer .safetensors (or ONNX)"
            ),
            severity=Severity.NOTE,
        )


@register("artifacts.model_files", needs_python=False)
def model_files(ctx: CheckContext) -> Outcome:
    allow, limits = _settings(ctx.params)
    repo = ctx.repo
    found: list[Evidence] = []
    for rel, kind in candidates(repo):
        handle = repo.open_binary(rel)
        if handle is None:
            continue
        with handle:
            report = scan_artifact(handle, repo.files[rel].size, allow, limits, kind)
        if not report.formats and _not_a_model(rel, repo):
            continue
        if not report.formats:
            found.append(
                Evidence(
                    Location(rel),
                    text="unrecognised",
                    message="unscannable: named like a model file but its content matches "
                    "no known model format",
                    severity=Severity.WARNING,
                )
            )
            continue
        found.extend(_evidence(rel, report))
    return Outcome.violations(found)
