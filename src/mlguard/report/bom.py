"""CycloneDX 1.6 ML-BOM (JSON) of a repository's inventory, built with cyclonedx-python-lib.

Deterministic: components sorted, no timestamp, and the ``serialNumber`` is a UUID derived
from the document's own content (UUID 5 of its sha256), so the same repository gives the
same BOM byte for byte and a changed inventory a new serial number. mlguard-specific facts
are ``properties`` named ``mlguard:*``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from cyclonedx.model import HashAlgorithm, HashType, Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from mlguard import __version__
from mlguard.analyzers import redaction
from mlguard.results.bom import DataItem, HubItem, Inventory, Library, ModelFile

SCHEMA_VERSION = "1.6"
HUB_TYPES = {
    "model": ComponentType.MACHINE_LEARNING_MODEL,
    "dataset": ComponentType.DATA,
    "space": ComponentType.APPLICATION,  # a Hugging Face Space: an app's code
}
SERIAL_NAMESPACE = uuid.UUID("6f0b7c2e-3d1a-5b8e-9c4f-0a1b2c3d4e5f")  # mlguard's BOMs


def render(inv: Inventory) -> str:
    """The BOM as JSON text (2-space indent, keys sorted, trailing newline)."""
    bom = Bom()
    root = Component(
        name=inv.name,
        type=ComponentType.APPLICATION,
        bom_ref="repository",
        description="the scanned repository",
    )
    bom.metadata.component = root
    components = [
        *(_model(m) for m in inv.models),
        *(_hub(h) for h in inv.hub),
        *(_data(d) for d in inv.data),
        *(_library(lib) for lib in inv.libraries),
    ]
    for component in components:
        bom.components.add(component)
    bom.register_dependency(root, components)
    doc: dict[str, Any] = json.loads(JsonV1Dot6(bom).output_as_string())
    return finish(doc)


def finish(doc: dict[str, Any]) -> str:
    """Drop the run's timestamp and random serial number; add mlguard as the tool; derive
    the serial number from the content."""
    meta = doc.setdefault("metadata", {})
    meta.pop("timestamp", None)
    meta["tools"] = {
        "components": [
            {
                "type": "application",
                "name": "mlguard",
                "version": __version__,
                "bom-ref": "tool:mlguard",
            }
        ]
    }
    doc.pop("serialNumber", None)
    body = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(body.encode()).hexdigest()
    doc["serialNumber"] = f"urn:uuid:{uuid.uuid5(SERIAL_NAMESPACE, digest)}"
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _props(*pairs: tuple[str, str]) -> list[Property]:
    return [Property(name=f"mlguard:{name}", value=value) for name, value in pairs]


def _model(m: ModelFile) -> Component:
    props = [
        ("source", "repository-file"),
        ("path", m.path),
        ("format", m.format),
        ("formats", ",".join(m.formats) or "none"),
        ("size", str(m.size)),
        ("executes-code-on-load", _tristate(m.executes_code)),
        ("scan-verdict", m.verdict),
    ]
    if m.verdict == "not-analysed":
        props.append(("storage", "git-lfs"))
    return Component(
        name=m.path,
        type=ComponentType.MACHINE_LEARNING_MODEL,
        bom_ref=f"model-file:{m.path}",
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=m.sha256)],
        properties=_props(*props),
    )


def _tristate(value: bool | None) -> str:
    return "unknown" if value is None else ("true" if value else "false")


def _hub(h: HubItem) -> Component:
    kind = h.repo_type
    revision = h.revision or "unpinned"
    props = [
        ("source", "huggingface-hub"),
        ("hub-kind", kind),
        ("revision", revision),
        ("pinned", h.pinned),
        *(("referenced-at", where) for where in h.locations),
    ]
    purl = None
    if kind == "model":
        owner, _, name = h.ident.rpartition("/")
        version = h.revision if h.pinned == "commit" else None
        purl = PackageURL("huggingface", namespace=owner or None, name=name, version=version)
    return Component(
        name=h.ident,
        version=h.revision if h.pinned in ("commit", "branch-or-tag") else None,
        type=HUB_TYPES.get(kind, ComponentType.MACHINE_LEARNING_MODEL),
        bom_ref=f"hf-{kind}:{h.ident}@{revision}",
        purl=purl,
        properties=_props(*props),
    )


def _data(d: DataItem) -> Component:
    props = [
        ("source", "dvc"),
        ("path", d.path),
        ("directory", "true" if d.directory else "false"),
        *((("size", str(d.size)),) if d.size is not None else ()),
        *((("nfiles", str(d.nfiles)),) if d.nfiles is not None else ()),
        *(("tracked-by", source) for source in d.sources),
    ]
    hashes = [HashType(alg=HashAlgorithm.MD5, content=d.md5)] if d.md5 else []
    return Component(
        name=d.path,
        type=ComponentType.DATA,
        bom_ref=f"dvc:{d.path}@{d.md5 or 'no-md5'}",
        hashes=hashes,
        properties=_props(*props),
    )


def _library(lib: Library) -> Component:
    ptype = "conda" if lib.ecosystem == "conda" else "pypi"
    props = [
        # a direct reference (``torch @ https://user:token@host/...``) may carry a credential
        *(("specifier", redaction.text(s)) for s in lib.specifiers),
        *(("declared-in", f) for f in lib.files),
    ]
    if lib.version is None:
        props.append(("version", "unpinned"))
    return Component(
        name=lib.name,
        version=lib.version,
        type=ComponentType.LIBRARY,
        bom_ref=f"{ptype}:{lib.name}@{lib.version or 'unpinned'}",
        purl=PackageURL(ptype, name=lib.name, version=lib.version) if lib.version else None,
        properties=_props(*props),
    )
