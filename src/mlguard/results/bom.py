"""The repository's ML inventory, for ``mlguard bom``: what a scan already knows, nothing
fetched.

- model files committed in the repository: found and analysed as SEC002 does (content
  sniffing, the loader-faithful scanner, never loading them), with their sha256 and whether
  loading them runs code;
- Hugging Face Hub models and datasets the code downloads (the literal ids SEC013 reads),
  with the pinned revision or none;
- data tracked by DVC (``.dvc`` files, the ``outs:`` of ``dvc.lock``) with its md5;
- ML frameworks among the declared dependencies, with the pinned version when there is one.

Pure function of the repository's facts; rendered by :mod:`mlguard.report.bom`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mlguard.analyzers import dvc
from mlguard.analyzers.artifacts import (
    MODEL_SUFFIXES,
    AllowList,
    Limits,
    scan_artifact,
)
from mlguard.analyzers.artifacts.sniff import MAX_LFS_POINTER, is_lfs_pointer
from mlguard.analyzers.configs import parse_yaml
from mlguard.checks.base import NotCheckable
from mlguard.checks.security.artifacts import LABELS, candidates
from mlguard.checks.security.artifacts import _settings as model_settings
from mlguard.checks.security.hub import SHA, hub_references
from mlguard.facts.dependencies import dependency_facts
from mlguard.facts.files import Facts

HASH_CHUNK = 1024 * 1024
LFS_OID = re.compile(rb"^oid sha256:([0-9a-f]{64})$", re.M)
LFS_SIZE = re.compile(rb"^size (\d+)$", re.M)
# distribution names (PEP 503) of ML frameworks and model libraries
ML_FRAMEWORKS = frozenset(
    {
        "torch",
        "torchvision",
        "torchaudio",
        "pytorch",
        "pytorch-lightning",
        "lightning",
        "tensorflow",
        "tensorflow-cpu",
        "tensorflow-gpu",
        "keras",
        "jax",
        "jaxlib",
        "flax",
        "scikit-learn",
        "xgboost",
        "lightgbm",
        "catboost",
        "transformers",
        "diffusers",
        "accelerate",
        "peft",
        "datasets",
        "huggingface-hub",
        "safetensors",
        "sentence-transformers",
        "tokenizers",
        "onnx",
        "onnxruntime",
        "fastai",
        "statsmodels",
        "prophet",
        "timm",
        "spacy",
        "mlflow",
        "vllm",
    }
)


@dataclass(frozen=True)
class ModelFile:
    """A model file committed in the repository. ``verdict`` is the scanner's: ``unsafe``
    (an error-level issue: loading it runs code outside the allow-list), ``review`` (a
    warning), ``code-on-load`` (a pickle-based or TorchScript format with only allowed
    content), ``data-only`` (loading runs no code), ``unrecognised``, or ``not-analysed``
    (a Git LFS pointer: ``sha256`` and ``size`` are the pointer's, of the real file)."""

    path: str
    format: str
    formats: tuple[str, ...]
    sha256: str
    size: int
    executes_code: bool | None  # None: not analysed (the content is in Git LFS)
    verdict: str


@dataclass(frozen=True)
class HubItem:
    """A Hub model, dataset or space the code downloads; ``revision`` is ``None`` when unpinned,
    ``"(computed)"`` when ``revision=`` is an expression."""

    ident: str
    repo_type: str  # model | dataset | space
    revision: str | None
    locations: tuple[str, ...]  # path:line of each download

    @property
    def pinned(self) -> str:
        """``commit``, ``branch-or-tag``, ``computed`` or ``unpinned``."""
        if self.revision is None:
            return "unpinned"
        if self.revision == COMPUTED:
            return "computed"
        return "commit" if SHA.match(self.revision) else "branch-or-tag"


COMPUTED = "(computed)"


@dataclass(frozen=True)
class DataItem:
    """Data tracked by DVC (the path is where DVC puts it, from the repository root)."""

    path: str
    md5: str | None
    directory: bool
    size: int | None
    nfiles: int | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Library:
    """An ML framework among the declared dependencies (``version`` when pinned exactly)."""

    name: str
    ecosystem: str
    version: str | None
    specifiers: tuple[str, ...]
    files: tuple[str, ...]


@dataclass(frozen=True)
class Inventory:
    name: str
    models: tuple[ModelFile, ...]
    hub: tuple[HubItem, ...]
    data: tuple[DataItem, ...]
    libraries: tuple[Library, ...]


def inventory(repo: Facts, model_params: Mapping[str, Any] | None = None) -> Inventory:
    """``model_params``: SEC002's effective params (its allow-list and limits), so a model
    file gets the verdict the scan gives it; invalid ones fall back to the defaults."""
    return Inventory(
        name=repo.root.name or "repository",
        models=tuple(model_files(repo, model_params or {})),
        hub=tuple(hub_items(repo)),
        data=tuple(dvc_data(repo)),
        libraries=tuple(ml_libraries(repo)),
    )


def model_files(repo: Facts, params: Mapping[str, Any]) -> list[ModelFile]:
    """Model files as SEC002 finds them and analyses them (with its params), and model
    files kept in Git LFS (the pointer gives the sha256; the content is not here)."""
    try:
        allow, limits = model_settings(params)
    except NotCheckable:
        allow, limits = model_settings({})
    found = [*_analysed(repo, allow, limits), *_lfs_models(repo)]
    return sorted(found, key=lambda m: m.path)


def _lfs_models(repo: Facts) -> Iterator[ModelFile]:
    for rel, info in repo.files.items():
        if not rel.lower().endswith(MODEL_SUFFIXES) or info.size > MAX_LFS_POINTER:
            continue
        handle = repo.open_binary(rel)
        if handle is None:
            continue
        with handle:
            head = handle.read(MAX_LFS_POINTER + 1)
        if not is_lfs_pointer(head, info.size):
            continue
        oid, size = LFS_OID.search(head), LFS_SIZE.search(head)
        if oid is None or size is None:
            continue
        digest, length = oid.group(1).decode(), int(size.group(1))
        yield ModelFile(rel, "git-lfs", (), digest, length, None, "not-analysed")


def _analysed(repo: Facts, allow: AllowList, limits: Limits) -> Iterator[ModelFile]:
    for rel, kind in sorted(candidates(repo)):
        named = rel.lower().endswith(MODEL_SUFFIXES)
        handle = repo.open_binary(rel)
        if handle is None:
            continue
        size = repo.files[rel].size
        with handle:
            report = scan_artifact(handle, size, allow, limits, kind, named_like_model=named)
        if not report.formats and (not named or repo.text(rel) is not None):
            continue  # no model format after all, or a text file (a site .pth path file)
        digest = _sha256(repo, rel)
        if digest is None:
            continue
        ranks = [i.severity.rank for i in report.issues]
        top = max(ranks, default=0)
        if not report.formats:
            verdict = "unrecognised"
        elif top >= 3:
            verdict = "unsafe"
        elif top == 2:
            verdict = "review"
        elif report.executes_code or "torchscript" in report.formats:
            verdict = "code-on-load"
        else:
            verdict = "data-only"
        label = next((LABELS[k] for k in report.formats if k in LABELS), "unrecognised")
        yield ModelFile(rel, label, report.formats, digest, size, report.executes_code, verdict)


def _sha256(repo: Facts, rel: str) -> str | None:
    handle = repo.open_binary(rel)
    if handle is None:
        return None
    digest = hashlib.sha256()
    with handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def hub_items(repo: Facts) -> list[HubItem]:
    """One item per (repository type, id, revision), with every place that downloads it."""
    grouped: dict[tuple[str, str, str | None], list[str]] = {}
    for path, line, ref in hub_references(repo):
        revision = COMPUTED if ref.computed else ref.revision
        grouped.setdefault((ref.repo_type, ref.ident, revision), []).append(f"{path}:{line}")
    return [
        HubItem(ident, repo_type, revision, tuple(sorted(set(where))))
        for (repo_type, ident, revision), where in sorted(grouped.items(), key=_hub_key)
    ]


def _hub_key(item: tuple[tuple[str, str, str | None], list[str]]) -> tuple[str, str, str]:
    repo_type, ident, revision = item[0]
    return repo_type, ident, revision or ""


def dvc_data(repo: Facts) -> list[DataItem]:
    """DVC outputs by path (a path tracked twice keeps each md5 it was recorded with)."""
    outs: list[dvc.DvcOut] = []
    for path in repo.glob("*.dvc"):
        outs += [o for doc in _yaml(repo, path) for o in dvc.outs_of_dvc_file(doc, path)]
    for path in repo.glob("dvc.lock"):
        outs += [o for doc in _yaml(repo, path) for o in dvc.outs_of_lock(doc, path)]
    grouped: dict[tuple[str, str | None], list[dvc.DvcOut]] = {}
    for out in outs:
        grouped.setdefault((out.path, out.md5), []).append(out)
    items = []
    for (path, md5), same in sorted(grouped.items(), key=lambda i: (i[0][0], i[0][1] or "")):
        first = same[0]
        sources = tuple(sorted({o.source for o in same}))
        items.append(DataItem(path, md5, first.directory, first.size, first.nfiles, sources))
    return items


def _yaml(repo: Facts, path: str) -> list[object]:
    text = repo.text(path)
    return parse_yaml(text)[0] if text is not None else []


def ml_libraries(repo: Facts) -> list[Library]:
    """Declared ML frameworks, one per (name, pinned version); a framework declared without
    a pin takes the version a lock file pins, if exactly one."""
    facts = dependency_facts(repo)
    locked: dict[str, set[str]] = {}
    for dep in facts.locked:
        if dep.version:
            locked.setdefault(dep.name, set()).add(dep.version)
    grouped: dict[tuple[str, str, str | None], list[tuple[str, str]]] = {}
    for dep in facts.declared:
        if dep.name not in ML_FRAMEWORKS:
            continue
        versions = locked.get(dep.name, set())
        version = dep.version or (next(iter(versions)) if len(versions) == 1 else None)
        key = (dep.name, dep.ecosystem, version)
        grouped.setdefault(key, []).append((dep.specifier, dep.path))
    return [
        Library(name, ecosystem, version, _unique(s for s, _ in rows), _unique(p for _, p in rows))
        for (name, ecosystem, version), rows in sorted(
            grouped.items(), key=lambda i: (i[0][0], i[0][1], i[0][2] or "")
        )
    ]


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({v for v in values if v}))
