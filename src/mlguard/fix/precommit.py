"""``.pre-commit-config.yaml``: the nbstripout hook (SEC005) and mlguard's own hook.

The file is created when it is missing. An existing one is never reformatted: the missing
``- repo:`` entries are appended as text, and only when the file is valid YAML whose
``repos:`` is a block list and the last top-level key (so appended lines land in it), and
the result still parses with one more entry per hook. Otherwise nothing is written and the
summary says what to add by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlguard import __version__
from mlguard.fix.model import Change, Fix, Skip
from mlguard.safeio.yamlio import YamlProblem, load_one

PATH = ".pre-commit-config.yaml"
NBSTRIPOUT_REV = "0.8.1"


@dataclass(frozen=True)
class Hook:
    rule_id: str
    repo: str
    rev: str
    hook_id: str
    present: re.Pattern[str]  # already configured when the file matches this
    comment: str


NBSTRIPOUT = Hook(
    "SEC005",
    "https://github.com/kynan/nbstripout",
    NBSTRIPOUT_REV,
    "nbstripout",
    re.compile(r"nbstripout|nb-clean"),
    "clears notebook outputs before each commit",
)


def mlguard_hook(rule_id: str) -> Hook:
    return Hook(
        rule_id,
        "https://github.com/mlguard/mlguard",
        f"v{__version__}",
        "mlguard-changed",
        re.compile(r"github\.com/mlguard/mlguard|id:\s*mlguard"),
        "security rules, violations in the staged files",
    )


def _block(hook: Hook, indent: str, newline: str) -> str:
    lines = [
        f"{indent}- repo: {hook.repo}",
        f"{indent}  rev: {hook.rev}",
        f"{indent}  hooks:",
        f"{indent}    - id: {hook.hook_id}   # {hook.comment} ({hook.rule_id})",
    ]
    return newline.join(lines) + newline


def _repos(text: str) -> int | str:
    """The number of ``repos`` entries, or why the file cannot take appended entries."""
    try:
        doc = load_one(text)
    except YamlProblem as exc:
        return f"not valid YAML ({exc})"
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("repos"), list):
        return "no `repos:` list"
    return len(data["repos"])


REPOS_KEY = re.compile(r"^repos:[ \t]*(#.*)?$")
TOP_KEY = re.compile(r"^[^\s#-]")
ITEM = re.compile(r"^([ \t]*)- ")


def plan(before: bytes | None, hooks: list[Hook]) -> Change | Skip | None:
    """The file with the ``hooks`` it lacks (``None``: it has them all)."""
    text = (before or b"").decode("utf-8", "replace")
    missing = [h for h in hooks if not h.present.search(text)]
    if not missing:
        return None
    rules = ", ".join(h.rule_id for h in missing)
    if before is None:
        body = "repos:\n" + "".join(_block(h, "  ", "\n") for h in missing)
        fixes = tuple(
            Fix(PATH, 2 + 4 * i, h.rule_id, f"created: {h.hook_id} hook")
            for i, h in enumerate(missing)
        )
        return Change(PATH, None, body.encode(), fixes)
    count = _repos(text)
    if isinstance(count, str):
        return Skip(PATH, f"{count}: add the {_names(missing)} hook(s) by hand", rules)
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if REPOS_KEY.match(line)), None)
    if start is None or any(TOP_KEY.match(line) for line in lines[start + 1 :]):
        why = "`repos:` is not a block list at the end of the file"
        return Skip(PATH, f"{why}: add the {_names(missing)} hook(s) by hand", rules)
    item = next((m for line in lines[start + 1 :] if (m := ITEM.match(line))), None)
    indent = item.group(1) if item else "  "
    newline = "\r\n" if "\r\n" in text else "\n"
    lead = newline if not text.endswith("\n") else ""
    added = lead + "".join(_block(h, indent, newline) for h in missing)
    after = before + added.encode()
    if _repos(after.decode("utf-8", "replace")) != count + len(missing):
        return Skip(PATH, f"appending would not parse: add the {_names(missing)} hook(s) by hand")
    first = text.count("\n") + 1 + (1 if lead else 0)
    fixes = tuple(
        Fix(PATH, first + 4 * i, h.rule_id, f"appended: {h.hook_id} hook")
        for i, h in enumerate(missing)
    )
    return Change(PATH, before, after, fixes)


def _names(hooks: list[Hook]) -> str:
    return ", ".join(h.hook_id for h in hooks)
