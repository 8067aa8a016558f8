"""The one exception tree. Only the CLI turns these into exit codes."""

from __future__ import annotations


class MlguardError(Exception):
    """Base of every error mlguard reports to a user without a traceback."""


class ConfigError(MlguardError):
    """A policy, rule or config file is invalid (exit code 2).

    ``source`` is the file, ``line`` the 1-based line where the problem is (0 when unknown).
    """

    def __init__(self, source: str, message: str, line: int = 0) -> None:
        self.source = source
        self.line = line
        self.problem = message
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")


class UsageError(MlguardError):
    """The command line asks for something impossible (exit code 2)."""


class CheckCrashed(MlguardError):
    """A rule's check raised: contained to that rule's ``error`` status."""
