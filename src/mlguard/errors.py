"""The one exception tree. Only the CLI turns these into exit codes."""

from __future__ import annotations


class MlguardError(Exception):
    """Base of every error mlguard reports to a user without a traceback."""


class ConfigError(MlguardError):
    """A policy, rule or config file is invalid (exit code 2).

    ``source`` is the file, ``line`` the 1-based line where the problem is (0 when unknown).
    """

    def __init__(
        self,
        source: str,
        message: str,
        line: int = 0,
        more: tuple[tuple[int, str], ...] = (),
    ) -> None:
        self.source = source
        self.line = line
        self.problem = message
        self.more = more  # further problems of the same file: (line, message)
        rows = [(line, message), *more]
        super().__init__("\n".join(f"{_where(source, n)}: {text}" for n, text in rows))

    @classmethod
    def collect(cls, problems: list[ConfigError]) -> ConfigError:
        """One error carrying every problem found (of one or more files), in file order."""
        first, *rest = problems
        if all(p.source == first.source for p in rest):
            rows = {row for p in problems for row in [(p.line, p.problem), *p.more]}
            ordered = sorted(rows)
            (line, message), *more = ordered
            return cls(first.source, message, line, tuple(more))
        combined = cls(first.source, first.problem, first.line, first.more)
        combined.args = ("\n".join(str(p) for p in problems),)
        return combined


def _where(source: str, line: int) -> str:
    return f"{source}:{line}" if line else source


class UsageError(MlguardError):
    """The command line asks for something impossible (exit code 2)."""


class CheckCrashed(MlguardError):
    """A rule's check raised: contained to that rule's ``error`` status."""
