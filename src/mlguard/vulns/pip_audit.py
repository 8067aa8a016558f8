"""Online source: pip-audit, through its command line and JSON output only.

pip-audit's Python modules are private, so mlguard runs the CLI on a requirements file it
writes itself (``name==version`` lines built from the repository's exact pins, in a
temporary folder): pip-audit never reads, resolves or builds anything from the scanned
repository. Any package pip-audit skipped, and any error, is reported as not checked.
The executable can be replaced with ``MLGUARD_PIP_AUDIT`` (a path to a program).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from mlguard.vulns.model import Advisory, AuditReport, Pin, SourceError
from mlguard.vulns.runner import ToolError, run_tool

ENV_EXECUTABLE = "MLGUARD_PIP_AUDIT"
DEFAULT_TIMEOUT = 120.0


class PipAudit:
    """Audit pins with ``pip-audit -f json --no-deps --disable-pip -r <file>``."""

    name = "pip-audit"

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, service: str = "pypi") -> None:
        self.timeout = timeout
        self.service = service

    def command(self) -> list[str]:
        override = os.environ.get(ENV_EXECUTABLE)
        return [override] if override else [sys.executable, "-m", "pip_audit"]

    def audit(self, pins: list[Pin]) -> AuditReport:
        vulnerable: dict[Pin, tuple[Advisory, ...]] = {}
        unchecked = {p: f"{p.version!r} is not a PEP 440 version" for p in pins if not _valid(p)}
        for batch in _batches(sorted({p for p in pins if _valid(p)})):
            report = self._audit_batch(batch)
            vulnerable.update(report.vulnerable)
            unchecked.update(report.unchecked)
        return AuditReport(vulnerable, unchecked)

    def _audit_batch(self, pins: list[Pin]) -> AuditReport:
        with tempfile.TemporaryDirectory(prefix="mlguard-audit-") as tmp:
            req = Path(tmp) / "requirements.txt"
            req.write_text("".join(f"{p.name}=={p.version}\n" for p in pins), encoding="utf-8")
            argv = [
                *self.command(),
                *("-f", "json", "--progress-spinner", "off", "--no-deps", "--disable-pip"),
                *("-s", self.service, "-r", str(req)),
            ]
            try:
                out = run_tool(argv, timeout=self.timeout, cwd=Path(tmp))
            except ToolError as exc:
                raise SourceError(_with_stderr(f"pip-audit: {exc}", exc.stderr)) from exc
        try:
            data = json.loads(out.stdout)
        except (json.JSONDecodeError, RecursionError):
            raise SourceError(
                _with_stderr(f"pip-audit failed (exit {out.returncode}, no JSON)", out.stderr)
            ) from None
        if out.returncode not in (0, 1) or not isinstance(data, dict):
            raise SourceError(_with_stderr(f"pip-audit failed (exit {out.returncode})", out.stderr))
        return parse_report(data, pins)


def parse_report(data: Mapping[str, Any], pins: list[Pin]) -> AuditReport:
    """pip-audit's JSON -> advisories per pin; skipped or missing packages are unchecked."""
    by_name = {p.name: p for p in pins}
    vulnerable: dict[Pin, tuple[Advisory, ...]] = {}
    unchecked: dict[Pin, str] = {}
    seen: set[str] = set()
    deps = data.get("dependencies")
    for entry in deps if isinstance(deps, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        pin = by_name.get(canonicalize_name(entry["name"]))
        if pin is None:
            continue
        seen.add(pin.name)
        if entry.get("skip_reason"):
            unchecked[pin] = f"pip-audit skipped it: {entry['skip_reason']}"
            continue
        advisories = tuple(sorted(_advisory(v) for v in entry.get("vulns") or [] if _ok(v)))
        if advisories:
            vulnerable[pin] = advisories
    for pin in pins:
        if pin.name not in seen:
            unchecked[pin] = "missing from pip-audit's report"
    return AuditReport(vulnerable, unchecked)


def _valid(pin: Pin) -> bool:
    """Only canonical names and PEP 440 versions reach the requirements file pip-audit reads."""
    try:
        Version(pin.version)
    except InvalidVersion:
        return False
    return canonicalize_name(pin.name) == pin.name


def _ok(vuln: Any) -> bool:
    return isinstance(vuln, dict) and isinstance(vuln.get("id"), str)


def _advisory(vuln: Mapping[str, Any]) -> Advisory:
    def strings(key: str) -> tuple[str, ...]:
        value = vuln.get(key)
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    summary = str(vuln.get("description") or "").strip().split("\n", 1)[0][:160]
    return Advisory(vuln["id"], tuple(sorted(strings("aliases"))), strings("fix_versions"), summary)


def _batches(pins: list[Pin]) -> list[list[Pin]]:
    """Split so that each batch names a package once (a package pinned twice differently)."""
    batches: list[list[Pin]] = []
    for pin in pins:
        for batch in batches:
            if all(p.name != pin.name for p in batch):
                batch.append(pin)
                break
        else:
            batches.append([pin])
    return batches


def _with_stderr(message: str, stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return f"{message}: {lines[-1].strip()[:300]}" if lines else message
