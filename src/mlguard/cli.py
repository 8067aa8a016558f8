"""The command line. The only module that prints results or exits.

Exit codes: 0 the policy passed; 1 the policy failed (findings at or above ``fail.on``, or
the maturity level below ``fail.below_level``); 2 usage or configuration error; 3 internal
error (a bug in mlguard: please report it).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from mlguard import __version__
from mlguard.analyzers import redaction
from mlguard.engine import progress as progress_mod
from mlguard.errors import ConfigError, MlguardError, UsageError
from mlguard.model import CATEGORIES
from mlguard.report.formats import FORMATS, renderer
from mlguard.safeio import outputs
from mlguard.settings import DEFAULT_BASELINE

if TYPE_CHECKING:
    from mlguard.report.document import Report
from mlguard.rules import docsgen
from mlguard.rules.catalog import Catalog
from mlguard.rules.policy import builtin_names, resolve_chain
from mlguard.rules.ruledocs import rule_markdown
from mlguard.rules.validation import read_yaml

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_HELP = """\b
Exit codes:
  0  the policy passed
  1  the policy failed (findings at or above fail.on, or level below fail.below_level)
  2  usage or configuration error (bad option, malformed policy/rule/config)
  3  internal error in mlguard
"""


def _render(fmt: str, report: Report, color: bool) -> str:
    return renderer(fmt, color=color)(report)


def _parse_format(value: str) -> tuple[str, str | None]:
    fmt, _, dest = value.partition(":")
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    return fmt, dest or None


def _network_options(fn: Callable[..., None]) -> Callable[..., None]:
    """--offline and --advisory-db (known-vulnerability sources), shared by scan and baseline."""
    fn = click.option(
        "--advisory-db",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="Folder of OSV advisories (e.g. a PyPA advisory-database checkout) for offline "
        "audits.",
    )(fn)
    return click.option(
        "--offline",
        is_flag=True,
        envvar="MLGUARD_OFFLINE",
        help="No network use (known-vulnerability lookups then need --advisory-db). "
        "Also set by MLGUARD_OFFLINE=1.",
    )(fn)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="mlguard")
def cli() -> None:
    """mlguard checks an ML repository's versioning, reproducibility and security practices
    against a YAML policy, scores it on the MLOps maturity scale (Level 0-3) and reports
    text, JSON or SARIF.

    \b
    Start with:   mlguard scan .
    Rules:        mlguard rules --category security
    One rule:     mlguard explain REP003
    Policies:     mlguard policy show default
    """


@cli.command(epilog=EXIT_HELP)
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option(
    "--policy", "-p", help="Built-in policy name (default, strict, security) or a policy file."
)
@click.option(
    "--config",
    "-c",
    "config_path",
    help="Config file (else MLGUARD_CONFIG, .mlguard.yaml, "
    ".github/mlguard.yaml or [tool.mlguard] in pyproject.toml).",
)
@click.option("--no-config", is_flag=True, help="Ignore every config file.")
@click.option(
    "--format",
    "-f",
    "formats",
    multiple=True,
    metavar="FORMAT[:FILE]",
    help="text (default), json, sarif, markdown (job summary / PR comment), github "
    "(workflow annotations) or junit; add :FILE to write that format to a file. "
    "Repeat to write several formats from one scan.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="Write the (single) report to FILE instead of standard output.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "note", "never"]),
    help="Fail on findings at or above this severity (overrides the policy).",
)
@click.option(
    "--min-level",
    type=click.IntRange(0, 3),
    help="Fail when the maturity level is below this (overrides the policy).",
)
@click.option(
    "--select", multiple=True, help="Only these rules: id, category, tag:NAME or glob. Repeatable."
)
@click.option(
    "--ignore", multiple=True, help="Skip these rules (same forms as --select). Repeatable."
)
@click.option(
    "--color/--no-color", default=None, help="Colour the text report (default: on a terminal)."
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 256),
    help="Worker processes for file analysis (default: the CPUs available).",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="MLGUARD_CACHE_DIR",
    help="Where per-file facts are cached (default: $XDG_CACHE_HOME/mlguard or "
    "~/.cache/mlguard; env MLGUARD_CACHE_DIR).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the facts cache.")
@click.option(
    "--stats",
    is_flag=True,
    help="Print file counts, cache use and the time taken by the Python analysis and the "
    "rules, on stderr.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show analysis progress on stderr (default: on a terminal, never when CI is set).",
)
@click.option(
    "--no-ignores", is_flag=True, help="Disregard inline `# mlguard: ignore[...]` comments."
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Report only findings not in this baseline file (see `mlguard baseline`).",
)
@click.option(
    "--diff-base",
    metavar="REF",
    help="Report only findings new since the merge-base of REF and HEAD (pull-request mode; "
    "needs the history: fetch-depth: 0).",
)
@click.option(
    "--config-ref",
    metavar="REF",
    help="Read the config (and the policy and rule files it names) from this git revision "
    "instead of the work tree, e.g. the pull request's base branch. Never checked out.",
)
@click.option(
    "--enforce-floor",
    is_flag=True,
    help="The repository's config cannot loosen the policy (--policy, else default): gate "
    "rules and SEC002 stay on at their severity, model files cannot be excluded, fail "
    "thresholds cannot be lowered. Attempts are undone and reported.",
)
@_network_options
def scan(
    path: Path,
    policy: str | None,
    config_path: str | None,
    no_config: bool,
    formats: tuple[str, ...],
    output: Path | None,
    fail_on: str | None,
    min_level: int | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    color: bool | None,
    jobs: int | None,
    cache_dir: Path | None,
    no_cache: bool,
    stats: bool,
    progress: bool | None,
    no_ignores: bool,
    baseline_file: Path | None,
    diff_base: str | None,
    config_ref: str | None,
    enforce_floor: bool,
    offline: bool,
    advisory_db: Path | None,
) -> None:
    """Scan the repository at PATH (default: the current directory).

    \b
    Examples:
      mlguard scan .
      mlguard scan ml/ --policy strict --format sarif:mlguard.sarif --format text
      mlguard scan . --select security --fail-on warning
      mlguard scan . --diff-base origin/main --format github --format markdown:summary.md
    """
    targets = [_parse_format(f) for f in formats] or [("text", None)]
    if output is not None:
        if len(targets) > 1 or targets[0][1]:
            raise UsageError("--output takes one format without :FILE")
        targets = [(targets[0][0], str(output))]
    for _, dest in targets:
        if dest:
            outputs.check(Path(dest))  # before the scan: a bad destination fails fast
    from mlguard import app  # the scan pipeline: loaded only by commands that scan

    opts = app.ScanOptions(
        path,
        policy,
        config_path,
        no_config,
        select,
        ignore,
        fail_on,
        min_level,
        jobs,
        cache_dir,
        no_cache,
        no_ignores=no_ignores,
        baseline=baseline_file,
        diff_base=diff_base,
        progress=progress_mod.wanted(progress),
        offline=offline,
        advisory_db=advisory_db,
        config_ref=config_ref,
        enforce_floor=enforce_floor,
    )
    started = time.perf_counter()
    report = app.run(opts)
    if stats:
        click.echo(_stats_line(report.scan.stats, time.perf_counter() - started), err=True)
    _emit(report, targets, color)


def _stats_line(s: Mapping[str, float], total: float) -> str:
    analysed = f"{s.get('analysed', 0)} analysed"
    if s.get("analysed"):
        workers = int(s.get("workers", 1))
        analysed += f" in {s.get('seconds', 0):.2f} s by {workers} worker" + "s" * (workers > 1)
    parts = [
        f"mlguard: {s.get('files', 0)} files",
        f"Python files and notebooks: {s.get('cached', 0)} from cache, {analysed}",
    ]
    if s.get("memo"):
        parts.append("whole result reused (nothing changed)")
    elif "rules_seconds" in s:
        parts.append(f"rules {s['rules_seconds']:.2f} s (analysis included)")
    return "; ".join([*parts, f"{total:.2f} s"])


def _emit(report: Report, targets: list[tuple[str, str | None]], color: bool | None) -> None:
    for fmt, dest in targets:
        if dest:
            outputs.write_text(Path(dest), _render(fmt, report, False))
        else:
            use_color = sys.stdout.isatty() if color is None else color
            click.echo(_render(fmt, report, use_color), nl=False, color=use_color)
    sys.exit(EXIT_FAILED if report.verdict.failed else EXIT_OK)


@cli.command(epilog=EXIT_HELP)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--policy", "-p", default="security", show_default=True, help="Policy to apply.")
@click.option("--config", "-c", "config_path", help="Config file (else discovered).")
@click.option("--no-config", is_flag=True, help="Ignore every config file.")
@click.option("--format", "-f", "formats", multiple=True, metavar="FORMAT[:FILE]")
def hook(
    files: tuple[Path, ...],
    policy: str,
    config_path: str | None,
    no_config: bool,
    formats: tuple[str, ...],
) -> None:
    """pre-commit mode: evaluate the repository in the current directory but report only
    findings located in FILES (none given: report nothing). Never fails on the maturity
    level, only on findings in FILES.
    """
    targets = [_parse_format(f) for f in formats] or [("text", None)]
    from mlguard import app  # the scan pipeline: loaded only by commands that scan

    opts = app.ScanOptions(
        Path(),
        policy,
        config_path,
        no_config,
        min_level=0,
        only_files=tuple(str(f) for f in files),
        offline=True,  # hook mode never uses the network
    )
    _emit(app.run(opts), targets, None)


@cli.command("baseline", epilog=EXIT_HELP)
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help=f"Baseline file to write (default: PATH/{DEFAULT_BASELINE}).",
)
@click.option("--policy", "-p", help="Built-in policy name or a policy file.")
@click.option("--config", "-c", "config_path", help="Config file (else discovered).")
@click.option("--no-config", is_flag=True, help="Ignore every config file.")
@click.option("--select", multiple=True, help="Only these rules (as for scan). Repeatable.")
@click.option("--ignore", multiple=True, help="Skip these rules (as for scan). Repeatable.")
@_network_options
def baseline_cmd(
    path: Path,
    output: Path | None,
    policy: str | None,
    config_path: str | None,
    no_config: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    offline: bool,
    advisory_db: Path | None,
) -> None:
    """Record today's findings so that `scan --baseline FILE` reports only new ones.

    Entries are keyed by rule, path and normalised content (never line numbers), sorted,
    so the file diffs well and survives code moving around.
    """
    from mlguard import app  # the scan pipeline: loaded only by commands that scan
    from mlguard.results.baseline import dumps

    opts = app.ScanOptions(path, policy, config_path, no_config, select, ignore)
    opts = dataclasses.replace(opts, offline=offline, advisory_db=advisory_db)
    dest = output or path / DEFAULT_BASELINE
    outputs.check(dest)
    rows = app.baseline_entries(opts)
    outputs.write_text(dest, dumps(rows))
    total = sum(r.count for r in rows)
    click.echo(f"wrote {dest}: {total} finding(s) as {len(rows)} entr(ies)")


@cli.command("rules")
@click.option("--category", type=click.Choice(CATEGORIES), help="Only rules of this category.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules_cmd(category: str | None, fmt: str) -> None:
    """List the rules mlguard knows."""
    catalog = Catalog.load()
    rules = [r for r in catalog.rules.values() if category in (None, r.category)]
    if fmt == "json":
        import json

        rows = [
            {
                "id": r.id,
                "slug": r.slug,
                "title": r.title,
                "category": r.category,
                "level": r.level,
                "severity": r.severity.value,
                "kind": r.kind.value,
            }
            for r in rules
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rules:
        click.echo(f"{r.id:<8} {r.category:<16} L{r.level} {r.severity.value:<8} {r.title}")
    click.echo(f"\n{len(rules)} rule(s). Details: mlguard explain ID")


@cli.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Show a rule's documentation: why it matters and how to fix it."""
    catalog = Catalog.load()
    if rule_id.upper() not in catalog:
        raise UsageError(f"unknown rule id {rule_id!r}; see `mlguard rules`")
    click.echo(rule_markdown(catalog.get(rule_id.upper())), nl=False)


@cli.command("docs")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when the docs are stale.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=docsgen.DEFAULT_OUT,
    show_default=True,
    help="Folder of the generated rule pages.",
)
def docs_cmd(check: bool, out: Path) -> None:
    """Generate the rule reference (one page per rule plus an index) from rules/*.yaml."""
    catalog = Catalog.load()
    if check:
        outdated = docsgen.stale(out, catalog)
        for name in outdated:
            click.echo(f"stale: {out / name}", err=True)
        if outdated:
            _fail("rule docs are stale; run `mlguard docs` to regenerate them", EXIT_FAILED)
        click.echo(f"{out}: rule docs are up to date")
        return
    changed = docsgen.write(out, catalog)
    for name in changed:
        click.echo(f"wrote {out / name}")
    click.echo(f"{out}: {len(changed)} page(s) updated")


@cli.group()
def policy() -> None:
    """Validate and inspect policies."""


@policy.command("validate")
@click.argument("file", type=click.Path(path_type=Path))
def policy_validate(file: Path) -> None:
    """Check a policy or config file: YAML, schema, extends chain, rule ids."""
    from mlguard.rules.policy import build, read_layer

    catalog = Catalog.load()
    doc = read_yaml(file)
    if isinstance(doc.data, dict) and ("policy" in doc.data or "rule_paths" in doc.data):
        from mlguard.rules.config import discover

        user = discover(file.parent, str(file), False)
        if user is None:  # cannot happen with an explicit file; never an assert (-O)
            raise ConfigError(str(file), "not a config file")
        catalog = Catalog.load(user.rule_paths)
        layers = [*resolve_chain(user.policy or "default", file.parent), user.layer]
    else:
        read_layer(file, str(file))
        layers = resolve_chain(str(file.resolve()), Path.cwd())
    result = build(layers, catalog)
    click.echo(f"{file}: valid (policy {result.name!r}, {len(layers)} layer(s))")


@policy.command("show")
@click.argument("name", required=False)
def policy_show(name: str | None) -> None:
    """Print a built-in policy (or list them without NAME)."""
    from mlguard.rules.resources import data_dir

    if name is None:
        for known in builtin_names():
            click.echo(known)
        return
    if name not in builtin_names():
        raise UsageError(f"no built-in policy {name!r} (built-ins: {', '.join(builtin_names())})")
    click.echo((data_dir("policies") / f"{name}.yaml").read_text("utf-8"), nl=False)


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"mlguard: error: {redaction.text(message)}", err=True)
    sys.exit(code)


def main() -> None:
    """Console entry point: maps every error to its exit code, never a raw traceback."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        _fail("aborted", EXIT_USAGE)
    except (ConfigError, UsageError) as exc:
        _fail(str(exc), EXIT_USAGE)
    except MlguardError as exc:
        _fail(str(exc), EXIT_INTERNAL)
    except BrokenPipeError:
        sys.exit(EXIT_OK)
    except Exception:
        detail = traceback.format_exc() if os.environ.get("MLGUARD_DEBUG") else ""
        exc_type, exc_value = sys.exc_info()[:2]
        name = exc_type.__name__ if exc_type else "error"
        _fail(
            f"internal error ({name}: {exc_value}); please report it. "
            f"Set MLGUARD_DEBUG=1 for the trace.\n{detail}".rstrip(),
            EXIT_INTERNAL,
        )
