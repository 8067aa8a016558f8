"""Kubernetes workload manifests for training/serving (part of SEC007): container security
contexts that allow root, privilege escalation or privileged mode.

Only YAML files that look like manifests (``apiVersion`` and ``containers`` in the text) are
parsed; Helm templates (``{{ }}`` under ``templates/``) are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from mlguard.checks.base import ev
from mlguard.facts.files import Facts
from mlguard.model import Evidence

WORKLOADS = frozenset({"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"})


def manifests(repo: Facts) -> list[str]:
    """YAML files that may hold workload manifests (cheap text test, no parsing)."""
    found = []
    for path in repo.glob("*.yaml", "*.yml"):
        if path.startswith(".github/") or ("/templates/" in f"/{path}" and _templated(repo, path)):
            continue
        text = repo.text(path) or ""
        if "apiVersion" in text and "containers" in text:
            found.append(path)
    return found


def _templated(repo: Facts, path: str) -> bool:
    return "{{" in (repo.text(path) or "")


def workload_findings(repo: Facts, path: str) -> Iterator[Evidence]:
    lines = repo.lines(path)
    for doc in repo.config(path):
        if not isinstance(doc, dict) or doc.get("kind") not in (*WORKLOADS, "CronJob"):
            continue
        pod = _pod_spec(doc)
        pod_ctx = _table(pod.get("securityContext"))
        for key in ("initContainers", "containers"):
            for container in _list(pod.get(key)):
                if isinstance(container, dict):
                    yield from _container(path, lines, doc, pod_ctx, container)


def _container(
    path: str,
    lines: list[str],
    doc: Mapping[str, Any],
    pod_ctx: Mapping[str, Any],
    container: Mapping[str, Any],
) -> Iterator[Evidence]:
    ctx = _table(container.get("securityContext"))
    problems = []
    non_root = ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot"))
    user = ctx.get("runAsUser", pod_ctx.get("runAsUser"))
    if non_root is not True and not (isinstance(user, int) and user > 0):
        problems.append("may run as root (no `runAsNonRoot: true` or non-zero `runAsUser`)")
    if ctx.get("privileged") is True:
        problems.append("is privileged")
    if ctx.get("allowPrivilegeEscalation") is not False:
        problems.append("does not set `allowPrivilegeEscalation: false`")
    if not problems:
        return
    name = str(container.get("name", "?"))
    kind = str(doc.get("kind"))
    yield ev(
        path,
        _name_line(lines, name),
        f"{kind} container {name}",
        f"{kind} container {name!r} {'; '.join(problems)}: harden its securityContext",
    )


def _pod_spec(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = _table(doc.get("spec"))
    if doc.get("kind") == "Pod":
        return spec
    if doc.get("kind") == "CronJob":
        spec = _table(_table(spec.get("jobTemplate")).get("spec"))
    return _table(_table(spec.get("template")).get("spec"))


def _name_line(lines: list[str], name: str) -> int:
    """The ``- name: <name>`` list item of the container (else any ``name:`` line)."""
    value = rf"name:[ \t]*['\"]?{re.escape(name)}['\"]?[ \t]*$"
    for pattern in (rf"^[ \t]*-[ \t]*{value}", rf"^[ \t]*{value}"):
        compiled = re.compile(pattern)
        for number, line in enumerate(lines, 1):
            if compiled.match(line):
                return number
    return 1


def _table(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
