"""Reading and writing the repository's files for ``mlguard fix``, and the ``--diff`` view.

Only files inside the scanned folder are read or written: never through a symlink (nor a
symlinked folder), never a FIFO or device, never a file with other hard links. A file is
written only when it still holds what the plan was made from (or, for a new file, when it
still does not exist): a scaffold never overwrites.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

from mlguard.errors import UsageError
from mlguard.facts.files import MAX_PYTHON_BYTES
from mlguard.fix.model import Change, Plan, Skip
from mlguard.safeio import outputs, safefs

Read = Callable[[str], bytes | str | None]  # bytes, None (missing) or why it cannot be read


def read_file(root: Path, rel: str) -> bytes | str | None:
    why = safefs.escapes(root, rel, {})
    if why:
        return why
    path = root / rel
    if not path.exists() and not path.is_symlink():
        return None
    try:
        data = safefs.read_bounded(path, MAX_PYTHON_BYTES)
    except safefs.NotRegular as exc:
        return f"it is {exc} (never followed or written)"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if len(data) > MAX_PYTHON_BYTES:
        return f"larger than {MAX_PYTHON_BYTES >> 20} MiB: not fixed"
    return data


def write(root: Path, change: Change) -> Skip | None:
    """Write one change; a :class:`Skip` when the file is not what the plan expected."""
    now = read_file(root, change.path)
    if isinstance(now, str):
        return Skip(change.path, now)
    if now != change.before:
        why = "exists now: never overwritten" if change.before is None else "changed meanwhile"
        return Skip(change.path, f"{why}; not written")
    target = root / change.path
    try:
        _make_parent(root, change.path)
        outputs.write_bytes(target, change.after)
    except UsageError as exc:
        return Skip(change.path, str(exc))
    return None


def apply(root: Path, plan: Plan) -> Plan:
    """Write every change of ``plan``; the plan of what was written (the rest skipped)."""
    done = Plan(unsafe=list(plan.unsafe), skipped=list(plan.skipped))
    for change in plan.changes:
        problem = write(root, change)
        if problem is None:
            done.changes.append(change)
        else:
            done.skipped.append(problem)
    return done


def _make_parent(root: Path, rel: str) -> None:
    parent = (root / rel).parent
    if parent.is_symlink():
        raise UsageError(f"cannot write {rel}: {parent.name}/ is a symbolic link")
    parent.mkdir(parents=True, exist_ok=True)


def _lines(data: bytes | None) -> list[str]:
    text = (data or b"").decode("utf-8", "replace")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def diff(change: Change) -> str:
    """A unified diff of one change (``/dev/null`` as the old side of a new file)."""
    old = "/dev/null" if change.before is None else f"a/{change.path}"
    return "".join(
        difflib.unified_diff(
            _lines(change.before), _lines(change.after), old, f"b/{change.path}", n=3
        )
    )
