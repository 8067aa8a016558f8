"""The registry of output formats: the CLI reads its names and renderers from here.

Renderers are imported when used, so listing the formats loads no reporter.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlguard.report.document import Report

FORMATS: tuple[str, ...] = (
    "text",
    "json",
    "sarif",
    "markdown",
    "github",
    "gitlab",
    "junit",
    "concise",
    "html",
)


# the module of report/ that renders each format (its ``render(report)``), when not its name
MODULES: dict[str, str] = {"json": "json_report"}


def renderer(fmt: str, *, color: bool = False) -> Callable[[Report], str]:
    """The function that renders ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    module = importlib.import_module(f"mlguard.report.{MODULES.get(fmt, fmt)}")
    render: Callable[..., str] = module.render
    if fmt == "text":
        return lambda report: render(report, color=color)
    return render
