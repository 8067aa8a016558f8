"""Serving manifests: Kubernetes / KServe / Seldon containers with probes and resource limits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.registry import register
from mlguard.model import Evidence

WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "Pod", "Rollout"})
MODEL_KINDS = frozenset({"InferenceService", "SeldonDeployment", "Model", "ServingRuntime"})
TEMPLATE_DIRS = re.compile(r"(^|/)templates/")
PROBES = ("readinessProbe", "livenessProbe")


@register
def serving_manifest(ctx: CheckContext) -> Outcome:
    """Every served container declares readiness/liveness probes and resource limits."""
    containers = list(_containers(ctx))
    if not containers:
        return Outcome.failed(
            "No Kubernetes/KServe/Seldon manifest for the model service was found."
        )
    gaps = [(where, missing) for where, missing in containers if missing]
    if not gaps:
        return Outcome.passed([where for where, _ in containers])
    where, missing = gaps[0]
    return Outcome.partial(
        f"{len(gaps)} of {len(containers)} served containers lack {', '.join(missing)} "
        f"(first: {where.location.path}).",
        [where],
    )


def _containers(ctx: CheckContext) -> Iterator[tuple[Evidence, list[str]]]:
    for path in ctx.repo.glob("*.yaml", "*.yml"):
        if path.startswith((".github/", ".gitlab")):
            continue
        if TEMPLATE_DIRS.search(path):
            yield from _template(ctx, path)
            continue
        text = ctx.repo.text(path) or ""
        if "kind:" not in text:
            continue
        for doc in ctx.repo.config(path):
            kind = doc.get("kind") if isinstance(doc, dict) else None
            if kind in WORKLOAD_KINDS:
                for container in _find(doc, "containers"):
                    yield ev(path, 1, str(kind)), _missing(container, probes=True)
            elif kind in MODEL_KINDS:
                for spec in _model_specs(doc):
                    yield ev(path, 1, str(kind)), _missing(spec, probes=False)


def _find(node: Any, key: str) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        for name, value in node.items():
            if name == key and isinstance(value, list):
                yield from (c for c in value if isinstance(c, dict))
            else:
                yield from _find(value, key)
    elif isinstance(node, list):
        for item in node:
            yield from _find(item, key)


def _model_specs(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    found = list(_find(doc, "containers"))
    if found:
        yield from found
        return
    spec = doc.get("spec")
    predictor = spec.get("predictor") if isinstance(spec, dict) else None
    if isinstance(predictor, dict):
        models = [v for v in predictor.values() if isinstance(v, dict)]
        yield from models or [predictor]
    elif isinstance(spec, dict):
        yield spec


def _missing(container: dict[str, Any], probes: bool) -> list[str]:
    missing = [p for p in PROBES if probes and p not in container]
    resources = container.get("resources")
    if not (isinstance(resources, dict) and resources.get("limits")):
        missing.append("resources.limits")
    return missing


def _template(ctx: CheckContext, path: str) -> Iterator[tuple[Evidence, list[str]]]:
    """Helm templates are not YAML until rendered: judge them by their text."""
    text = ctx.repo.text(path) or ""
    if not re.search(r"^kind:\s*(Deployment|StatefulSet|InferenceService)", text, re.MULTILINE):
        return
    missing = [p for p in PROBES if p not in text]
    if not re.search(r"limits:|\.Values\.resources|toYaml .*resources", text):
        missing.append("resources.limits")
    yield ev(path, 1, "helm template"), missing
