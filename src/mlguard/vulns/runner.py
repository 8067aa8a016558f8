"""The one subprocess wrapper for external tools: argument list, no shell, timeout, typed errors."""

from __future__ import annotations

import subprocess  # runs pip-audit with a fixed argv, never a shell  # nosec B404
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

MAX_STDERR = 2000


class ToolError(Exception):
    """A tool could not be run or failed; ``stderr`` holds the tail of its error output."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr[-MAX_STDERR:]


class ToolMissing(ToolError):
    """The executable does not exist or is not executable."""


class ToolTimeout(ToolError):
    """The tool ran longer than its time budget and was killed."""


@dataclass(frozen=True)
class ToolOutput:
    returncode: int
    stdout: str
    stderr: str


def run_tool(
    argv: Sequence[str],
    *,
    timeout: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> ToolOutput:
    """Run ``argv`` (never through a shell) and capture its output as text."""
    try:
        done = subprocess.run(  # an argv list, never a shell  # nosec B603
            list(argv),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except FileNotFoundError as exc:
        raise ToolMissing(f"{argv[0]}: not found") from exc
    except PermissionError as exc:
        raise ToolMissing(f"{argv[0]}: not executable") from exc
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else ""
        raise ToolTimeout(f"{argv[0]}: no answer within {timeout:g} s", err) from exc
    except OSError as exc:
        raise ToolError(f"{argv[0]}: cannot run ({exc.strerror or exc})") from exc
    return ToolOutput(done.returncode, done.stdout, done.stderr)
