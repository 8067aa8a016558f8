"""Shell commands that notebooks run by hand (``!gcloud ...``, ``%%bash`` cells)."""

from __future__ import annotations

from mlguard.analyzers.notebook import shell_commands
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.model import Evidence, Location

MAX_NOTEBOOKS = 2000


def notebook_shell(repo: Facts) -> list[Evidence]:
    """Each shell command of each notebook, continuations joined (file, line, command)."""
    return list(_notebook_shell(repo))


@fact
def _notebook_shell(repo: Facts) -> tuple[Evidence, ...]:
    found = []
    for path in repo.glob("*.ipynb")[:MAX_NOTEBOOKS]:
        raw = repo.text(path)
        if raw and ("!" in raw or "%" in raw):
            found += [Evidence(Location(path, n), cmd) for n, cmd in shell_commands(raw)]
    return tuple(found)
