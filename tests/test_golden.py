"""The bundled examples' JSON and SARIF reports are pinned byte for byte.

A change to what mlguard reports on them must be deliberate: regenerate with
``MLGUARD_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
EXAMPLES = ("level0-notebook", "level1-pipeline")


def _sarif_stable(text: str) -> str:
    """SARIF without the machine-specific source root and the rule help texts (those are
    pinned by ``mlguard docs --check``)."""
    data: dict[str, Any] = json.loads(text)
    for run in data["runs"]:
        run.pop("originalUriBaseIds", None)
        for rule in run["tool"]["driver"].get("rules", []):
            rule.pop("help", None)
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_example_report_is_unchanged(cli, example: str, fmt: str) -> None:
    result = cli(["scan", ROOT / "examples" / example, "--no-config", "-f", fmt])
    assert result.code in (0, 1), result.err
    got = result.out if fmt == "json" else _sarif_stable(result.out)
    path = GOLDEN / f"{example}.{fmt}"
    if os.environ.get("MLGUARD_UPDATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == got, (
        f"{example} {fmt} report changed; if on purpose, regenerate (see module docstring)"
    )
