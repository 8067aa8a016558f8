"""``mlguard init``: a starter ``.mlguard.yaml`` that fits the repository it is written for.

It is made from one scan of the repository (offline, with no config): the built-in policy
that fits (``default`` for an ML repository, ``security`` otherwise), today's maturity level
as ``fail.below_level`` so the gate starts green and fails only when the level drops, the
repository's kind and traits as found by the scan, and, as comments, the rules that do not
apply here and why. It never overwrites an existing config unless asked to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mlguard import __version__
from mlguard.model import Status
from mlguard.report.document import Report, plural
from mlguard.rules.config import CANDIDATES

FILE_NAME = ".mlguard.yaml"
_CONTROLS = dict.fromkeys([*range(32), *range(127, 160)], " ")
MAX_REASON = 160


@dataclass(frozen=True)
class Starter:
    path: Path
    text: str
    policy: str
    level: int | None


def existing_config(root: Path) -> Path | None:
    """A config that a new ``.mlguard.yaml`` would replace or shadow."""
    for name in CANDIDATES:
        if (root / name).is_file():
            return root / name
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            text = pyproject.read_text("utf-8", errors="replace")
        except OSError:
            return None
        if "[tool.mlguard" in text:
            return pyproject
    return None


def fitting_policy(traits: Mapping[str, bool]) -> str:
    return "default" if traits.get("ml") else "security"


def _comment(text: str) -> str:
    flat = " ".join(str(text).translate(_CONTROLS).split())
    return flat if len(flat) <= MAX_REASON else flat[: MAX_REASON - 1] + "…"


def _kind(report: Report) -> str:
    """The repository kind, when the scan determines one (else empty)."""
    kind = getattr(report.scan, "kind", None) or getattr(report.assessment, "kind", None)
    return _comment(str(kind)) if kind else ""


def render(report: Report) -> str:
    """The starter config for the repository ``report`` describes (scanned with the
    policy :func:`fitting_policy` chose)."""
    traits = sorted(name for name, on in report.scan.traits.items() if on)
    policy = report.policy.name
    a = report.assessment
    lines = [
        "# mlguard configuration for this repository, written by `mlguard init`.",
        "# Reference: mlguard explain ID; mlguard policy show " + policy + ".",
    ]
    kind = _kind(report)
    if kind:
        lines.append(f"# Repository kind: {kind}")
    lines.append(f"# Detected: {', '.join(traits) if traits else 'no ML stack'}")
    if policy != "security":
        score = f"score {a.score}/100" if a.score is not None else "no score"
        lines.append(f"# Today: Level {a.level} of 3 ({score}).")
    lines += [
        f"# Today: {plural(len(report.violations), 'violation')} in the code, "
        f"{plural(len(report.gaps), 'practice gap')}.",
        f"policy: {policy}",
        "fail:",
        "  on: error",
    ]
    if policy != "security":
        lines += [
            "  # Today's level: the gate starts green and fails when the level drops. Raise it",
            "  # as practices land (`mlguard scan` lists what is missing for the next level).",
            f"  below_level: {a.level}",
        ]
    lines += [
        "# Only new violations fail once today's are recorded (`mlguard baseline`):",
        "# baseline: .mlguard-baseline.json",
    ]
    lines += _not_applicable(report)
    return "\n".join(lines) + "\n"


def _not_applicable(report: Report) -> list[str]:
    rows = [
        (rule.id, res.reason)
        for rule, res in report.pairs
        # generated rules (bandit's, zizmor's) are listed by `mlguard rules`
        if res.status == Status.NA and not rule.id.startswith(("BAN", "ZIZ"))
    ]
    if not rows:
        return []
    out = ["", "# Rules that do not apply to this repository (n/a: left out of the scores):"]
    out += [f"#   {rule_id}  {_comment(reason)}" for rule_id, reason in rows]
    return out


def snippets(root: Path) -> str:
    """The pre-commit and GitHub Actions snippets for this repository."""
    path = "." if root.resolve() == Path.cwd().resolve() else root.as_posix()
    return f"""\
Add to .pre-commit-config.yaml:

  repos:
    - repo: https://github.com/mlguard/mlguard
      rev: v{__version__}
      hooks:
        - id: mlguard-changed   # security rules, violations in the staged files

Add to a workflow job (permissions: contents read, security-events write, actions read;
full workflow in docs/github-action.md):

  - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0
    with: {{fetch-depth: 0, persist-credentials: false}}
  - uses: mlguard/mlguard@MLGUARD_COMMIT_SHA # v{__version__}
    with: {{path: {path}}}
"""


def blocking(report: Report) -> int:
    """Violations that fail the gate today (at or above ``fail.on: error``)."""
    return sum(f.severity.value == "error" for f in report.violations)
