"""zizmor (GitHub Actions auditor), through its command line and JSON output only.

One run per scan: every workflow, action definition and Dependabot configuration mlguard
found is passed as an explicit path relative to the repository root (the working
directory), so zizmor reads nothing else: no directory walk, and files whose real path
leaves the repository (symlinks) are never passed. zizmor runs ``--offline`` (no network,
no token: GitHub tokens are removed from its environment), with the auditor persona so that
each rule can choose its own persona from the findings' ``determinations.persona``, and
with a timeout. It discovers the repository's ``zizmor.yml`` / ``.github/zizmor.yml`` and
honours ``# zizmor: ignore[...]`` comments itself, as it does when run alone.

Any failure (missing executable, version outside the supported range, crash, timeout,
output of an unknown shape) is returned as ``ZizmorRun.error``: its rules are then
``not-checked`` with that reason, never passed. ``MLGUARD_ZIZMOR`` names another executable.
The JSON shape read here is pinned by tests/test_zizmor.py (a recorded sample and a real run).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from mlguard.analyzers.zizmor_meta import ZIZMOR_RANGE
from mlguard.vulns.runner import ToolError, run_tool

ENV_EXECUTABLE = "MLGUARD_ZIZMOR"
DEFAULT_TIMEOUT = 60.0
TOKENS = ("GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN")
VERSION_LINE = re.compile(r"zizmor v?(\d+\.\d+\.\d+\S*)")
COMPLETED = re.compile(r"\bcompleted (\S.*?)\s*$")
MAX_ARGV_CHARS = 1_000_000  # well under the kernel's argument limit
PERSONAS = ("regular", "pedantic", "auditor")


@dataclass(frozen=True)
class ZizmorFinding:
    ident: str  # the audit, e.g. "template-injection"
    path: str  # repository-relative, as passed
    line: int  # 1-based
    column: int  # 1-based
    end_line: int
    severity: str  # Informational / Low / Medium / High
    confidence: str  # Low / Medium / High
    persona: str  # regular / pedantic / auditor (lower case)
    annotation: str  # zizmor's note on the primary location
    desc: str  # zizmor's one-line description of the audit
    route: str  # the YAML path of the primary location, e.g. "jobs.build.steps.0"


@dataclass(frozen=True)
class ZizmorRun:
    findings: tuple[ZizmorFinding, ...] = ()
    error: str = ""
    version: str = ""
    skipped: tuple[tuple[str, str], ...] = ()  # (path, reason) zizmor could not read
    inputs: int = 0


def executable() -> str | None:
    """The zizmor to run: ``MLGUARD_ZIZMOR``, else the one installed beside this Python
    (mlguard's own environment), else the first on PATH."""
    override = os.environ.get(ENV_EXECUTABLE)
    if override:
        return override
    beside = Path(sys.executable).parent / ("zizmor.exe" if os.name == "nt" else "zizmor")
    if beside.is_file():
        return str(beside)
    return shutil.which("zizmor")


def identity() -> str:
    """What the scan memo keys on: the executable's path, size and modification time, and
    ``ZIZMOR_CONFIG`` (a configuration outside the repository changes the results)."""
    exe = executable()
    if exe is None:
        return "zizmor: none"
    try:
        st = Path(exe).stat()
    except OSError:
        return f"zizmor: {exe} unreadable"
    return f"zizmor: {exe} {st.st_size} {st.st_mtime_ns} {os.environ.get('ZIZMOR_CONFIG', '')}"


def safe_inputs(root: Path, paths: list[str]) -> list[str]:
    """The paths whose real location is a regular file inside ``root``."""
    real_root = root.resolve()
    kept = []
    for rel in paths:
        try:
            real = (root / rel).resolve(strict=True)
        except (OSError, RuntimeError):
            continue
        if real.is_relative_to(real_root) and real.is_file() and not rel.startswith("-"):
            kept.append(rel)
    return kept


def run_zizmor(root: Path, paths: list[str], timeout: float = DEFAULT_TIMEOUT) -> ZizmorRun:
    """Audit ``paths`` (relative to ``root``) in one zizmor run."""
    inputs = safe_inputs(root, paths)
    if not inputs:
        return ZizmorRun()
    exe = executable()
    if exe is None:
        return ZizmorRun(
            error="zizmor is not installed (pip install 'zizmor>=1.33,<2' next to mlguard)"
        )
    if sum(len(p) + 1 for p in inputs) > MAX_ARGV_CHARS:
        return ZizmorRun(error=f"too many workflow files for one zizmor run ({len(inputs)})")
    argv = [
        exe,
        *("--offline", "--format", "json", "--persona", "auditor", "--no-exit-codes"),
        *("--no-progress", "--color", "never"),
        "--",
        *(f"./{rel}" for rel in inputs),  # never mistaken for a remote ``owner/repo`` input
    ]
    env = {k: v for k, v in os.environ.items() if k not in TOKENS}
    env["ZIZMOR_OFFLINE"] = "true"
    try:
        out = run_tool(argv, timeout=timeout, cwd=root, env=env)
    except ToolError as exc:
        return ZizmorRun(error=str(exc), inputs=len(inputs))
    version = _version(out.stderr)
    skipped = _skipped(out.stderr, inputs)
    if out.returncode == 3 and "no inputs collected" in out.stderr:
        return ZizmorRun(
            error="zizmor could read none of the workflow files", skipped=skipped, inputs=0
        )
    if out.returncode != 0:
        return ZizmorRun(
            error=f"zizmor failed (exit {out.returncode}): {_last_error(out.stderr)}",
            version=version,
            inputs=len(inputs),
        )
    problem = _unsupported(version)
    if problem:
        return ZizmorRun(error=problem, version=version, inputs=len(inputs))
    try:
        findings = parse_output(out.stdout)
    except ValueError as exc:
        return ZizmorRun(error=f"zizmor's JSON has an unknown shape: {exc}", version=version)
    return ZizmorRun(tuple(findings), "", version, skipped, len(inputs) - len(skipped))


def _version(stderr: str) -> str:
    match = VERSION_LINE.search(stderr)
    return match.group(1) if match else ""


def _unsupported(version: str) -> str:
    if not version:
        return ""  # logging turned off (e.g. RUST_LOG): the JSON shape is still checked
    try:
        if Version(version) in SpecifierSet(ZIZMOR_RANGE):
            return ""
    except InvalidVersion:
        pass
    return f"zizmor {version} is outside the supported range {ZIZMOR_RANGE}"


def _skipped(stderr: str, inputs: list[str]) -> tuple[tuple[str, str], ...]:
    """The inputs zizmor did not audit (it logs ``completed <path>`` for each one it did)."""
    done = set()
    for line in stderr.splitlines():
        match = COMPLETED.search(line)
        if match:
            done.add(match.group(1).removeprefix("./"))
    if not done:
        return ()  # logging turned off: nothing to tell
    reason = "zizmor: not a valid workflow, action or Dependabot file"
    return tuple((path, reason) for path in sorted(set(inputs) - done))


def _last_error(stderr: str) -> str:
    for line in stderr.splitlines():
        if line.startswith(("error:", "fatal:")):
            return line.split(":", 1)[1].strip()[:300]
    return (stderr.strip().splitlines() or ["no output"])[-1][:300]


def parse_output(stdout: str) -> list[ZizmorFinding]:
    """zizmor's ``--format json`` (v1) findings, with their primary locations."""
    try:
        data = json.loads(stdout or "[]")
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(data, list):
        raise ValueError("expected a list of findings")
    found = []
    for raw in data:
        finding = _finding(raw)
        if finding is not None:
            found.append(finding)
    return found


def _finding(raw: Any) -> ZizmorFinding | None:
    if not isinstance(raw, dict):
        raise ValueError("a finding is not an object")
    try:
        ident = str(raw["ident"])
        det = raw["determinations"]
        severity, confidence = str(det["severity"]), str(det["confidence"])
        persona = str(det["persona"]).lower()
        locations = raw["locations"]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"a finding lacks {exc}") from None
    if raw.get("ignored"):
        return None
    primary = [loc for loc in locations if _get(loc, "symbolic", "kind") == "Primary"]
    if not primary:
        raise ValueError(f"a {ident} finding has no primary location")
    loc = primary[0]
    path = _get(loc, "symbolic", "key", "Local", "verbatim_path")
    start = _get(loc, "concrete", "location", "start_point")
    end = _get(loc, "concrete", "location", "end_point")
    if not isinstance(path, str) or not isinstance(start, dict) or not isinstance(end, dict):
        raise ValueError(f"a {ident} finding's location is not a local file span")
    route = _get(loc, "symbolic", "route", "route")
    return ZizmorFinding(
        ident=ident,
        path=path.removeprefix("./"),
        line=int(start["row"]) + 1,
        column=int(start["column"]) + 1,
        end_line=int(end["row"]) + 1,
        severity=severity,
        confidence=confidence,
        persona=persona,
        annotation=str(_get(loc, "symbolic", "annotation") or ""),
        desc=str(raw.get("desc", "")),
        route=_route(route),
    )


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _route(route: Any) -> str:
    parts = []
    for step in route if isinstance(route, list) else []:
        if isinstance(step, dict) and len(step) == 1:
            parts.append(str(next(iter(step.values()))))
    return ".".join(parts)
