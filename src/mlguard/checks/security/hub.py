"""Model-hub downloads pinned to a revision (SEC013).

``from_pretrained``, ``hf_hub_download``, ``snapshot_download``, ``load_dataset``,
``pipeline(model=...)`` and ``SentenceTransformer`` fetch whatever the hub repository holds
*now* unless ``revision=`` names a commit; ``torch.hub.load('owner/repo')`` runs the
default branch's ``hubconf.py``. Only literal hub ids count: local paths, folders of the
scanned repository, ids held in variables and ``local_files_only=True`` are not findings.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from mlguard.analyzers.python_ast import Call, Expr, Value
from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.registry import register
from mlguard.facts import callsites
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.model import Evidence

SHA = re.compile(r"^[0-9a-f]{40}$")
HUB_ROOTS = frozenset(
    {"huggingface_hub", "datasets", "transformers", "diffusers", "sentence_transformers"}
)
DATASET_BUILDERS = frozenset(
    {
        "csv",
        "json",
        "parquet",
        "text",
        "arrow",
        "pandas",
        "sql",
        "xml",
        "generator",
        "imagefolder",
        "audiofolder",
        "videofolder",
        "webdataset",
    }
)
LOCAL_PREFIXES = ("./", "../", "/", "~", ".\\")
# every call _hub_id or _torch_hub may report has one of these names or attributes
HUB_NAMES = ("torch.hub.load", "transformers.pipeline", "sentence_transformers.SentenceTransformer")
HUB_ATTRS = ("from_pretrained", "hf_hub_download", "snapshot_download", "load_dataset")


def _hub_id(call: Call) -> tuple[str, Value] | None:
    """(kind, id argument) for a hub download call, else ``None``."""
    root = call.name.split(".", 1)[0]
    known = root in HUB_ROOTS or call.name == call.attr
    if call.attr == "from_pretrained":
        return "from_pretrained", _arg(call, 0, "pretrained_model_name_or_path")
    if call.attr in ("hf_hub_download", "snapshot_download") and known:
        return call.attr, _arg(call, 0, "repo_id")
    if call.attr == "load_dataset" and known:
        return "load_dataset", _arg(call, 0, "path")
    if call.name == "transformers.pipeline":
        return "pipeline", call.kwarg("model")
    if call.name == "sentence_transformers.SentenceTransformer":
        return "SentenceTransformer", _arg(call, 0, "model_name_or_path")
    return None


def _arg(call: Call, index: int, name: str) -> Value:
    return call.args[index] if len(call.args) > index else call.kwarg(name)


@fact
def _local_dirs(repo: Facts) -> set[str]:
    return {p.rsplit("/", i)[0] for p in repo.files for i in range(1, p.count("/") + 1)}


def _is_local(repo: Facts, path: str, ident: str) -> bool:
    """A path-like id, or a folder/file of the repository (from the root or the file's folder)."""
    if ident.startswith(LOCAL_PREFIXES):
        return True
    clean = ident.rstrip("/")
    here = posixpath.normpath(posixpath.join(posixpath.dirname(path), clean))
    dirs = _local_dirs(repo)
    return any(c in dirs or repo.exists(c) for c in (clean, here))


@register
def hub_downloads_pinned(ctx: CheckContext) -> Outcome:
    """Each literal hub id fetched without a commit revision is a finding."""
    found: list[Evidence] = []
    for path, call in callsites.sites(ctx.repo, names=HUB_NAMES, attrs=HUB_ATTRS):
        torch_hub = call.name == "torch.hub.load"
        item = _torch_hub(call) if torch_hub else _hub(ctx.repo, path, call)
        if item:
            found.append(ev(path, call.line, *item))
    return Outcome.violations(found)


@dataclass(frozen=True)
class HubReference:
    """A literal Hugging Face Hub id a call downloads: ``kind`` is the call (``from_pretrained``,
    ``load_dataset`` ...), ``revision`` the literal ``revision=`` (``None`` without one) and
    ``computed`` true when ``revision=`` is an expression (its value is unknown)."""

    kind: str
    ident: str
    revision: str | None
    computed: bool = False
    repo_type: str = "model"  # model | dataset | space (``repo_type=``, load_dataset)


def hub_reference(repo: Facts, path: str, call: Call) -> HubReference | None:
    """The hub id a download call of ``path`` fetches, or ``None`` (local paths and folders,
    dataset builders, ids held in variables, ``local_files_only=True``, ``**kwargs``)."""
    hit = _hub_id(call)
    if hit is None:
        return None
    kind, ident = hit
    if not isinstance(ident, str) or not ident or _is_local(repo, path, ident):
        return None
    if kind == "load_dataset" and ident in DATASET_BUILDERS:
        return None
    if call.star_kwargs or call.kwarg("local_files_only") is True:
        return None
    given = call.kwarg("repo_type")
    repo_type = given if given in ("dataset", "space") else "model"
    repo_type = "dataset" if kind == "load_dataset" else repo_type
    revision = call.kwarg("revision")
    if isinstance(revision, Expr):
        return HubReference(kind, ident, None, computed=True, repo_type=repo_type)
    literal = revision if isinstance(revision, str) else None
    return HubReference(kind, ident, literal, repo_type=repo_type)


def hub_references(repo: Facts) -> list[tuple[str, int, HubReference]]:
    """(path, line, reference) of every Hugging Face Hub download of the repository."""
    found = []
    for path, call in callsites.sites(repo, names=HUB_NAMES, attrs=HUB_ATTRS):
        ref = hub_reference(repo, path, call) if call.name != "torch.hub.load" else None
        if ref is not None:
            found.append((path, call.line, ref))
    return found


def _hub(repo: Facts, path: str, call: Call) -> tuple[str, str] | None:
    ref = hub_reference(repo, path, call)
    if ref is None or ref.computed or (ref.revision and SHA.match(ref.revision)):
        return None
    kind, ident, revision = ref.kind, ref.ident, ref.revision
    state = f"at revision={revision!r} (a branch or tag)" if revision else "without a revision"
    return (
        f"{kind}('{ident}')",
        f"{kind}('{ident}') downloads from the Hugging Face Hub {state}: the files "
        "(and any code) can change under you; pin `revision=` to a commit SHA",
    )


COMMIT = re.compile(r"^[0-9a-f]{7,40}$")


def torch_hub_ref(call: Call) -> tuple[str, str] | None:
    """(``owner/repo``, ref) of a GitHub ``torch.hub.load``; ref ``""`` for the default
    branch. ``None`` for local directories and ids held in variables."""
    repo_ref = _arg(call, 0, "repo_or_dir")
    if not isinstance(repo_ref, str) or call.kwarg("source") == "local":
        return None
    if repo_ref.startswith(LOCAL_PREFIXES):
        return None
    name, _, ref = repo_ref.partition(":")
    return name, ref


def _torch_hub(call: Call) -> tuple[str, str] | None:
    found = torch_hub_ref(call)
    if found is None or COMMIT.match(found[1]):
        return None
    name, ref = found
    if ref:
        return (
            f"torch.hub.load('{name}:{ref}')",
            f"torch.hub.load('{name}:{ref}') runs hubconf.py from '{ref}', a branch or tag that "
            f"can move: pin a commit ('{name}:<sha>')",
        )
    return (
        f"torch.hub.load('{name}')",
        f"torch.hub.load('{name}') runs hubconf.py from the repository's default branch: "
        f"pin a commit ('{name}:<sha>')",
    )


@register
def torch_hub_trusted(ctx: CheckContext) -> Outcome:
    """SEC003: ``torch.hub.load(..., trust_repo=True)`` from a branch or tag (a commit sha is
    a pin: the code that runs is the code that was reviewed)."""
    found = []
    for path, call in callsites.sites(ctx.repo, names=TRUST_NAMES):
        if call.kwarg("trust_repo") is not True:
            continue
        ref = torch_hub_ref(call)
        if ref is not None and COMMIT.match(ref[1]):
            continue
        where = f"{ref[0]}:{ref[1]}" if ref and ref[1] else (ref[0] if ref else "...")
        found.append(
            ev(
                path,
                call.line,
                f"{call.name}('{where}', trust_repo=True)",
            )
        )
    return Outcome.violations(found)


TRUST_NAMES = ("torch.hub.load", "torch.hub.list", "torch.hub.help")
