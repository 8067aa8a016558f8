"""The registry of output formats: the CLI reads its names and renderers from here.

Renderers are imported when used, so listing the formats loads no reporter.
"""

from __future__ import annotations

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


def renderer(fmt: str, *, color: bool = False) -> Callable[[Report], str]:
    """The function that renders ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "text":
        from mlguard.report import text

        return lambda report: text.render(report, color=color)
    if fmt == "json":
        from mlguard.report import json_report

        return json_report.render
    if fmt == "sarif":
        from mlguard.report import sarif

        return sarif.render
    if fmt == "markdown":
        from mlguard.report import markdown

        return markdown.render
    if fmt == "github":
        from mlguard.report import github

        return github.render
    if fmt == "gitlab":
        from mlguard.report import gitlab

        return gitlab.render
    if fmt == "junit":
        from mlguard.report import junit

        return junit.render
    if fmt == "concise":
        from mlguard.report import concise

        return concise.render
    if fmt == "html":
        from mlguard.report import html

        return html.render
    raise ValueError(f"unknown format {fmt!r}")
