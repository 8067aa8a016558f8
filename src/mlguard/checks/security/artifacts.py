"""SEC002: committed model files in code-executing formats, analysed without loading them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlguard.analyzers.artifacts import (
    DEFAULT_PROFILES,
    MODEL_SUFFIXES,
    AllowList,
    ArtifactReport,
    Limits,
    scan_artifact,
)
from mlguard.analyzers.artifacts.sniff import (
    AMBIGUOUS_SUFFIXES,
    LFS_POINTER,
    sniff_file,
    sniff_name,
)
from mlguard.checks.base import CheckContext, NotCheckable, Outcome
from mlguard.checks.registry import register
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.model import Evidence, Location, Severity

LABELS = {
    "pickle": "pickle",
    "torch-legacy": "legacy PyTorch checkpoint",
    "torch-zip": "PyTorch zip checkpoint",
    "torchscript": "TorchScript archive",
    "keras-config": "Keras model directory config",
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
    max_seconds = params.get("max_seconds", Limits.max_seconds)
    if not (isinstance(profiles, list) and all(isinstance(p, str) for p in profiles)):
        raise ValueError("profiles must be a list of profile names")
    if not (isinstance(allow, list) and all(isinstance(a, str) and "." in a for a in allow)):
        raise ValueError("allow must be a list of 'module.name' strings")
    limits = (("max_bytes", max_bytes), ("max_depth", max_depth), ("max_seconds", max_seconds))
    for name, value in limits:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer")
    allow_list = AllowList.build(tuple(profiles), tuple(allow))
    return allow_list, Limits(max_bytes, max_depth, max_seconds)


def candidates(repo: Facts) -> list[tuple[str, str | None]]:
    """Inventory files that look like (or are named like) model files, with their sniffed
    format; read once per scan (VER006 asks too)."""
    return list(_candidate_list(repo))


@fact
def _candidate_list(repo: Facts) -> tuple[tuple[str, str | None], ...]:
    return tuple(_candidates(repo))


def _candidates(repo: Facts) -> Iterator[tuple[str, str | None]]:
    """Inventory files that look like (or are named like) model files, with their format."""
    siblings = frozenset(repo.files)
    for rel, info in repo.files.items():
        handle = repo.open_binary(rel)
        if handle is None:
            continue
        try:
            with handle:
                kind = sniff_name(rel, siblings) or sniff_file(handle, info.size)
        except OSError as exc:
            repo.skipped.setdefault(rel, f"unreadable: {exc.strerror or exc}")
            continue
        if kind == LFS_POINTER:
            continue
        if kind is not None or rel.lower().endswith(MODEL_SUFFIXES):
            yield rel, kind


def _unrecognised(rel: str, repo: Facts, report: ArtifactReport) -> Evidence | None:
    """A model-named file whose content no loader would take for a model.

    Names other formats use too (.bin raw weights, sentencepiece .model, site .pth path
    files) get a note with the reason, plain text none, except a .pth path file with
    ``import`` lines (they run at every interpreter start once installed). Other model
    names are a warning: the file is not what its name says and was not analysed.
    """
    lower = rel.lower()
    text = repo.text(rel)
    reason = f" ({report.unrecognised})" if report.unrecognised else ""
    if lower.endswith(".pth") and text is not None:
        if not any(line.startswith("import") for line in text.splitlines()):
            return None
        return Evidence(
            Location(rel),
            text="pth-import",
            message="Python path file (.pth), not a PyTorch model: its 'import' lines run at "
            "every interpreter start when it is installed in site-packages",
            severity=Severity.NOTE,
        )
    if lower.endswith(AMBIGUOUS_SUFFIXES):
        if text is not None or _sentencepiece(rel, repo):
            return None
        message = (
            f"not a recognised model format, and not loadable as a pickle{reason}: "
            "torch.load/pickle.load would fail before importing anything"
        )
        return Evidence(Location(rel), "unrecognised", message, Severity.NOTE)
    message = (
        "unscannable: named like a model file but its content matches no known model "
        f"format{reason}"
    )
    return Evidence(Location(rel), "unrecognised", message, Severity.WARNING)


def _sentencepiece(rel: str, repo: Facts) -> bool:
    """A sentencepiece ``.model`` (protobuf whose first field is the pieces list)."""
    if not rel.lower().endswith(".model"):
        return False
    handle = repo.open_binary(rel)
    if handle is None:
        return False
    with handle:
        return handle.read(1) == b"\x0a"


def _label(report: ArtifactReport) -> str:
    kinds = [k for k in report.formats if k in LABELS]
    packed = ("gzip", "bz2", "xz", "lzma", "zlib", "joblib-zfile")
    kinds = [k for k in kinds if k not in packed] or kinds  # what is inside, if known
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
        found = (
            "classes of well-known ML libraries (" + ", ".join(report.libraries) + ")"
            if report.libraries
            else "only allowed globals"
        )
        yield Evidence(
            Location(rel),
            text="pickle-format",
            message=(
                f"{label} in a code-executing (pickle) format: {found} found, but loading it "
                "still runs pickle; load it only from a trusted source, prefer .safetensors "
                "(or ONNX)"
            ),
            severity=Severity.NOTE,
        )
    elif "torchscript" in report.formats and not serious:
        yield Evidence(
            Location(rel),
            text="torchscript",
            message=f"{label}: its TorchScript code runs when the model is called; load it "
            "only from a trusted source",
            severity=Severity.NOTE,
        )


@register(needs_python=False)
def model_files(ctx: CheckContext) -> Outcome:
    allow, limits = _settings(ctx.params)
    repo = ctx.repo
    found: list[Evidence] = []
    for rel, kind in candidates(repo):
        handle = repo.open_binary(rel)
        if handle is None:
            continue
        named = rel.lower().endswith(MODEL_SUFFIXES)
        with handle:
            size = repo.files[rel].size
            report = scan_artifact(handle, size, allow, limits, kind, named_like_model=named)
        if not report.formats and not report.issues:
            evidence = _unrecognised(rel, repo, report) if named else None
            if evidence is not None:
                found.append(evidence)
            continue
        found.extend(_evidence(rel, report))
    return Outcome.violations(found)
