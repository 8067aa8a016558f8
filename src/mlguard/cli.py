"""The command line. The only module that prints results or exits.

Exit codes: 0 the policy passed; 1 the policy failed (findings at or above ``fail.on``, or
the maturity level below ``fail.below_level``); 2 usage or configuration error; 3 internal
error (a bug in mlguard: please report it); 130 interrupted (Ctrl-C). Each command's help
lists the codes it uses.
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
from mlguard.report import fleet as fleet_view
from mlguard.report import rules_view, starter
from mlguard.report import targets as outputs
from mlguard.report.formats import renderer
from mlguard.results.fleet import NAMED_BY
from mlguard.rules import docsgen, selection
from mlguard.rules.catalog import Catalog
from mlguard.rules.policy import builtin_names, resolve_chain
from mlguard.rules.ruledocs import rule_markdown
from mlguard.rules.validation import read_yaml
from mlguard.settings import DEFAULT_BASELINE

if TYPE_CHECKING:
    from mlguard.report.document import Report

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def exit_help(*rows: str) -> str:
    """A command's ``Exit codes:`` epilog: its own meanings of 0/1, then the shared codes."""
    lines = [*rows, "2  usage or configuration error (bad option, malformed policy/rule/config)"]
    lines += ["3  internal error in mlguard (please report it)", "130  interrupted (Ctrl-C)"]
    return "\b\nExit codes:\n" + "\n".join(f"  {line}" for line in lines) + "\n"


SCAN_EXIT = exit_help(
    "0  the policy passed (or nothing was found to scan)",
    "1  the policy failed (violations at or above fail.on, or level below fail.below_level)",
)


def _render(fmt: str, report: Report, color: bool) -> str:
    return renderer(fmt, color=color)(report)


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


Decorator = Callable[[Callable[..., None]], Callable[..., None]]


def _formats_option(help_text: str) -> Decorator:
    """-f/--format FORMAT[:FILE], repeatable (scan and hook), with the command's own help."""
    return click.option(
        "--format", "-f", "formats", multiple=True, metavar="FORMAT[:FILE]", help=help_text
    )


def _baseline_option(help_text: str) -> Decorator:
    """--baseline FILE (scan and hook), with the command's own help."""
    return click.option(
        "--baseline",
        "baseline_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help=help_text,
    )


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
    Many repos:   mlguard fleet reports/*.json   (their `scan -f json` reports)
    Fix findings: mlguard fix --diff             (then without --diff to apply)
    Over time:    mlguard history . --last 20
    """


@cli.command(epilog=SCAN_EXIT)
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
@_formats_option(
    "text (default), json, sarif, markdown (job summary / PR comment), github "
    "(workflow annotations), gitlab (Code Quality report), junit, concise (one line per "
    "violation) or html (one self-contained page: the maturity ladder, scores, filterable "
    "findings); add :FILE to write that format to a file. "
    "Repeat to write several formats from one scan (at most one to standard output)."
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
    "--select",
    multiple=True,
    help="Only these rules: id, category, tag:NAME or glob; case-insensitive, comma-separated "
    "or repeated (--select SEC001,data). A selector that matches no rule is an error.",
)
@click.option("--ignore", multiple=True, help="Skip these rules (same forms as --select).")
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the text report (default: on a terminal; NO_COLOR turns it off, FORCE_COLOR on).",
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
@_baseline_option("Report only findings not in this baseline file (see `mlguard baseline`).")
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
@click.option(
    "--history",
    "history_count",
    type=click.IntRange(1, 1000),
    metavar="N",
    help="Add the trend over the last N commits of HEAD's first-parent history (each read "
    "from git's objects, never checked out) to the html report; see `mlguard history`.",
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
    history_count: int | None,
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
      mlguard scan . -f html:report.html   # one self-contained page to open or share
      mlguard scan . --history 20 -f html:report.html   # with the trend of 20 commits
    """
    targets = outputs.targets(formats, output)
    if history_count and not any(t.fmt == "html" for t in targets):
        raise UsageError("--history draws a trend in the html report: add -f html:FILE")
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
    if history_count:
        from mlguard import history as history_mod

        options = history_mod.HistoryOptions(opts, last=history_count)
        report = dataclasses.replace(report, history=history_mod.run(options))
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


def _emit(report: Report, targets: list[outputs.Target], color: bool | None) -> None:
    for target in targets:
        if target.dest is not None:
            outputs.write(target.dest, _render(target.fmt, report, False))
        else:
            use_color = outputs.use_color(color, sys.stdout.isatty())
            click.echo(_render(target.fmt, report, use_color), nl=False, color=use_color)
    sys.exit(EXIT_FAILED if report.verdict.failed else EXIT_OK)


HOOK_EXIT = exit_help(
    "0  no violation at or above fail.on in FILES (or no FILES given)",
    "1  violations at or above fail.on in FILES",
)


@cli.command(epilog=HOOK_EXIT)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--policy", "-p", default="security", show_default=True, help="Policy to apply.")
@click.option("--config", "-c", "config_path", help="Config file (else discovered).")
@click.option("--no-config", is_flag=True, help="Ignore every config file.")
@click.option("--select", multiple=True, help="Only these rules (as for scan).")
@click.option("--ignore", multiple=True, help="Skip these rules (as for scan).")
@_baseline_option("Report only violations not in this baseline file.")
@_formats_option("concise (default: one line per violation and a summary line) or any scan format.")
@click.option("--color/--no-color", default=None, help="Colour the output.")
def hook(
    files: tuple[Path, ...],
    policy: str,
    config_path: str | None,
    no_config: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    baseline_file: Path | None,
    formats: tuple[str, ...],
    color: bool | None,
) -> None:
    """pre-commit mode: evaluate the repository in the current directory but report only
    violations located in FILES, one line each, and a summary line. No FILES: prints
    nothing. Never fails on the maturity level, never uses the network.
    """
    targets = outputs.targets(formats or ("concise",), None)
    if not files:
        sys.exit(EXIT_OK)
    from mlguard import app  # the scan pipeline: loaded only by commands that scan

    opts = app.ScanOptions(
        Path(),
        policy,
        config_path,
        no_config,
        select,
        ignore,
        min_level=0,
        baseline=baseline_file,
        only_files=tuple(str(f) for f in files),
        offline=True,  # hook mode never uses the network
    )
    _emit(app.run(opts), targets, color)


BASELINE_EXIT = exit_help("0  the baseline file was written")


@cli.command("baseline", epilog=BASELINE_EXIT)
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
@click.option("--select", multiple=True, help="Only these rules (as for scan).")
@click.option("--ignore", multiple=True, help="Skip these rules (as for scan).")
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

    dest = output or path / DEFAULT_BASELINE
    outputs.check_writable(dest)
    opts = app.ScanOptions(path, policy, config_path, no_config, select, ignore)
    opts = dataclasses.replace(opts, offline=offline, advisory_db=advisory_db)
    rows = app.baseline_entries(opts)
    outputs.write(dest, dumps(rows))
    total = sum(r.count for r in rows)
    entries = "entry" if len(rows) == 1 else "entries"
    click.echo(f"wrote {dest}: {_count(total, 'finding')} as {len(rows)} {entries}")


HISTORY_EXIT = exit_help(
    "0  the history was written (whatever the levels; a commit that failed to scan is a "
    "point with its error)"
)


@cli.command("history", epilog=HISTORY_EXIT)
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option(
    "--last",
    "-n",
    type=click.IntRange(1, 10_000),
    metavar="N",
    help="The last N commits (default: 10; with --tags or --since: all of them).",
)
@click.option(
    "--ref",
    default="HEAD",
    show_default=True,
    metavar="REF",
    help="Follow this revision's first-parent history (branch, tag or commit).",
)
@click.option("--tags", is_flag=True, help="One point per tagged commit instead, by date.")
@click.option(
    "--since",
    metavar="DATE",
    help="Only commits since this date (YYYY-MM-DD or an ISO 8601 date-time).",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    help="text (a table, default) or json (the shape is in docs/history.md).",
)
@click.option(
    "--output", "-o", type=click.Path(path_type=Path), help="Write to FILE instead of stdout."
)
@click.option("--policy", "-p", help="Built-in policy name or a policy file, for every commit.")
@click.option(
    "--config",
    "-c",
    "config_path",
    help="One config file for every commit (default: each commit's own config).",
)
@click.option("--no-config", is_flag=True, help="Ignore every config file.")
@click.option(
    "--config-ref",
    metavar="REF",
    help="One config for every commit, read from this git revision (e.g. main).",
)
@click.option("--select", multiple=True, help="Only these rules (as for scan).")
@click.option("--ignore", multiple=True, help="Skip these rules (as for scan).")
@click.option(
    "--jobs", "-j", type=click.IntRange(1, 256), help="Worker processes for file analysis."
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="MLGUARD_CACHE_DIR",
    help="Where per-file facts are cached (as for scan; env MLGUARD_CACHE_DIR).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the facts cache.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show which commit is being scanned on stderr (default: on a terminal, not in CI).",
)
@click.option(
    "--stats",
    is_flag=True,
    help="Print on stderr how many Python files came from the cache or were analysed, how "
    "many commits' results were reused whole, and the time taken.",
)
@_network_options
def history_cmd(
    path: Path,
    last: int | None,
    ref: str,
    tags: bool,
    since: str | None,
    fmt: str,
    output: Path | None,
    policy: str | None,
    config_path: str | None,
    no_config: bool,
    config_ref: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    jobs: int | None,
    cache_dir: Path | None,
    no_cache: bool,
    progress: bool | None,
    stats: bool,
    offline: bool,
    advisory_db: Path | None,
) -> None:
    """Maturity over the history of the git repository at PATH: one point per commit
    with its level, practice score and findings by severity, oldest first.

    Each commit is read from git's objects into a private temporary folder and scanned
    as `mlguard scan` would: nothing is checked out, the work tree and the index are not
    touched, and nothing the repository configures (filters, hooks) runs. Files unchanged
    between commits are analysed once (the facts cache is keyed by content).

    Each point records mlguard's version and a hash of the effective policy; a commit
    scored differently from the newest (its own .mlguard.yaml, another version) is marked
    `*`: its level is not comparable. --config, --config-ref or --no-config judge every
    commit by one config.

    \b
    Examples:
      mlguard history .                      # the last 10 commits of HEAD
      mlguard history . --last 30 -f json -o history.json
      mlguard history . --tags               # one point per release tag
      mlguard history . --since 2025-01-01 --ref main
      mlguard scan . --history 20 -f html:report.html   # the trend in the HTML report
    """
    if tags and ref != "HEAD":
        raise UsageError("--tags and --ref: choose one (tags are taken from the whole repository)")
    if output is not None:
        outputs.check_writable(output)
    from mlguard import app  # the scan pipeline: loaded only by commands that scan
    from mlguard import history as history_mod
    from mlguard.report import history as history_view

    scan_opts = app.ScanOptions(
        path,
        policy,
        config_path,
        no_config,
        select,
        ignore,
        jobs=jobs,
        cache_dir=cache_dir,
        no_cache=no_cache,
        offline=offline,
        advisory_db=advisory_db,
        config_ref=config_ref,
    )
    count = last if last is not None else (0 if tags or since else history_mod.DEFAULT_LAST)
    opts = history_mod.HistoryOptions(scan_opts, last=count, ref=ref, tags=tags, since=since)
    show = progress_mod.wanted(progress)
    totals = history_mod.Totals()
    started = time.perf_counter()
    points = history_mod.run(
        opts,
        (lambda line: click.echo(f"mlguard: scanning {line}", err=True)) if show else None,
        totals,
    )
    if stats:
        click.echo(
            f"mlguard: {_count(totals.commits, 'commit')} scanned; Python files and notebooks: "
            f"{totals.cached} from cache, {totals.analysed} analysed; whole result reused for "
            f"{_count(totals.reused, 'commit')}; {time.perf_counter() - started:.2f} s",
            err=True,
        )
    if fmt == "json":
        selection = {"ref": None if tags else ref, "last": count or None, "tags": tags}
        selection["since"] = since
        text = history_view.render_json(points, str(path), selection)
    else:
        text = history_view.render_text(points, str(path))
    if output is not None:
        outputs.write(output, text)
    else:
        click.echo(text, nl=False)


BOM_EXIT = exit_help("0  the BOM was written")


@cli.command("bom", epilog=BOM_EXIT)
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option(
    "--output", "-o", type=click.Path(path_type=Path), help="File to write (default: stdout)."
)
@click.option("--config", "-c", "config_path", help="Config file (else discovered).")
@click.option("--no-config", is_flag=True, help="Ignore every config file.")
def bom_cmd(path: Path, output: Path | None, config_path: str | None, no_config: bool) -> None:
    """Write a CycloneDX 1.6 ML-BOM (JSON) of the repository at PATH, from its files alone:
    nothing is downloaded, imported or unpickled.

    \b
    Components (CycloneDX type: what, with mlguard:* properties):
      machine-learning-model: model files committed (or Git LFS pointers) with their
          sha256, format, mlguard:executes-code-on-load and mlguard:scan-verdict
      machine-learning-model: Hugging Face models the code downloads (from_pretrained,
          hf_hub_download, pipeline ...); mlguard:revision is the revision or "unpinned"
      data: Hugging Face datasets (load_dataset), and DVC-tracked data (.dvc files,
          dvc.lock outs) with its md5
      library: ML frameworks among the declared dependencies (purl when pinned exactly)

    The output is deterministic (no timestamp; the serialNumber is derived from the
    content), so a committed BOM diffs cleanly. The config's paths.exclude and model_exclude
    apply. Every property is described in docs/bom.md.

    \b
    Examples:
      mlguard bom . -o ml-bom.cdx.json
      mlguard bom . | jq '.components[] | select(.type == "machine-learning-model")'
    """
    from mlguard import app  # the scan pipeline: loaded only by commands that scan
    from mlguard.report.bom import render

    if output is not None:
        outputs.check_writable(output)
    opts = app.ScanOptions(path, config=config_path, no_config=no_config, offline=True)
    inv = app.bom_inventory(opts)
    text = render(inv)
    if output is None:
        click.echo(text, nl=False)
        return
    outputs.write(output, text)
    parts = [
        _count(len(inv.models), "model file"),
        _count(len(inv.hub), "hub reference"),
        _count(len(inv.data), "DVC output"),
        _count(len(inv.libraries), "ML framework"),
    ]
    click.echo(f"wrote {output}: " + ", ".join(parts))


FIX_EXIT = exit_help(
    "0  the fixes were applied, or there was nothing to fix (also with --diff)",
    "1  with --diff: fixes would change files (nothing was written)",
)


@cli.command("fix", epilog=FIX_EXIT)
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Print a unified diff of what would change and write nothing (exit 1 if anything would).",
)
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="Also apply the fixes that can change behaviour or need a value from you: "
    'revision="<pin-a-commit-sha>" placeholders (SEC013), torch.hub commit placeholders '
    "(SEC003), weights_only=False -> True and UnsafeLoader -> safe_load (SEC001).",
)
@click.option(
    "--select",
    multiple=True,
    help="Only fix findings of these rules (ids, categories, tag:NAME or globs, as for scan).",
)
@click.option("--ignore", multiple=True, help="Do not fix findings of these rules.")
@click.option("--policy", "-p", help="Built-in policy name or a policy file (as for scan).")
@click.option("--config", "-c", "config_path", help="Config file (else discovered).")
@click.option("--no-config", is_flag=True, help="Ignore every config file.")
def fix_cmd(
    path: Path,
    show_diff: bool,
    unsafe_fixes: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    policy: str | None,
    config_path: str | None,
    no_config: bool,
) -> None:
    """Fix what a scan of PATH reports, in place: the calls it flags, rewritten without
    touching anything else (formatting and comments kept), and starter files for missing
    practices. Scans first (offline; the config's excludes, rule selection and inline
    ignores apply), so only reported findings are fixed. Never runs the repository's code.

    \b
    Safe fixes (applied by default):
      SEC001  yaml.load(x[, Loader=FullLoader|Loader]) / yaml.full_load(x) -> yaml.safe_load(x)
      SEC001  torch.load(x) -> torch.load(x, weights_only=True)  (weights_only= absent)
    Unsafe fixes (only with --unsafe-fixes; listed otherwise):
      SEC013  hub downloads (from_pretrained ...) get revision="<pin-a-commit-sha>"
      SEC003  torch.hub.load('owner/repo', trust_repo=True) -> 'owner/repo:<pin-a-commit-sha>'
      SEC001  torch.load(x, weights_only=False) -> weights_only=True;
              yaml.load(x, Loader=UnsafeLoader) / yaml.unsafe_load(x) -> yaml.safe_load(x)
    A placeholder stays a finding until you put the commit sha in its place.

    \b
    Scaffolds (when the rule fails; an existing file is never overwritten):
      GOV003  .github/CODEOWNERS for the training code and ML assets (owner @OWNER)
      GOV001  MODEL_CARD.md from the models, data and code the repository holds
      SEC006  .github/dependabot.yml for pip, github-actions (and docker)
      VER004  .gitignore: the ML output folders found committed, appended if missing
      SEC005  .pre-commit-config.yaml: an nbstripout hook (created, or appended as text)
      SEC...  .pre-commit-config.yaml: mlguard's own hook, under the first security rule
              with a violation (it checks them on the staged files)

    A file that does not parse is never touched; it is listed with the reason, as are
    the reported calls a fix cannot change safely (from yaml import load, **kwargs, a
    branch revision). Every fix is described in docs/fix.md.

    \b
    Examples:
      mlguard fix --diff            # what would change, as a unified diff
      mlguard fix . --select SEC001 # only the fixes for unsafe deserialization
      mlguard fix --unsafe-fixes    # placeholders to pin hub downloads as well
    """
    from mlguard import app  # the scan pipeline: loaded only by commands that scan
    from mlguard.fix import files, summary

    opts = app.ScanOptions(
        path,
        policy,
        config_path,
        no_config,
        select,
        ignore,
        fail_on="never",
        min_level=0,
        offline=True,
    )
    plan = app.fix_plan(opts, unsafe_fixes)
    if show_diff:
        for change in plan.changes:
            click.echo(files.diff(change), nl=False)
        for line in summary.lines(plan, applied=False):
            click.echo(line, err=True)
        sys.exit(EXIT_FAILED if plan.changes else EXIT_OK)
    done = files.apply(path, plan)
    for line in summary.lines(done, applied=True):
        click.echo(line)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _config_options(fn: Callable[..., None]) -> Callable[..., None]:
    """--config / --no-config for commands that show the rules a config adds or selects."""
    fn = click.option("--no-config", is_flag=True, help="Ignore every config file.")(fn)
    return click.option(
        "--config",
        "-c",
        "config_path",
        help="Config file (else discovered in the current directory); its rule_paths and "
        "policy are shown too.",
    )(fn)


RULES_EXIT = exit_help("0  the rules were listed")


@cli.command("rules", epilog=RULES_EXIT)
@click.option("--category", type=click.Choice(CATEGORIES), help="Only rules of this category.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@_config_options
def rules_cmd(category: str | None, fmt: str, config_path: str | None, no_config: bool) -> None:
    """List the rules mlguard knows (with custom rules from the config's rule_paths), and
    which are gates or off under the policy in effect here."""
    view = rules_view.load(Path(), config_path, no_config)
    rows = [row for row in view.rows if category in (None, row.rule.category)]
    if fmt == "json":
        import json

        click.echo(json.dumps([row.as_dict() for row in rows], indent=2))
        return
    for line in rules_view.text_lines(rows, view.policy_name):
        click.echo(line)


EXPLAIN_EXIT = exit_help("0  the rule was shown")


@cli.command(epilog=EXPLAIN_EXIT)
@click.argument("rule_id")
@_config_options
def explain(rule_id: str, config_path: str | None, no_config: bool) -> None:
    """Show a rule's documentation: why it matters and how to fix it."""
    catalog = rules_view.catalog(Path(), config_path, no_config)
    wanted = rule_id.upper()
    if wanted not in catalog:
        slugs = {rule.slug: rule.id for rule in catalog.rules.values()}
        if rule_id.lower() not in slugs:
            close = [c for c in selection.suggestions(catalog, rule_id) if c in catalog]
            hint = f"; did you mean {', '.join(close)}?" if close else "; see `mlguard rules`"
            raise UsageError(f"unknown rule id {rule_id!r}{hint}")
        wanted = slugs[rule_id.lower()]
    click.echo(rule_markdown(catalog.get(wanted)), nl=False)


DOCS_EXIT = exit_help("0  the rule docs were written (or are up to date)", "1  stale (--check)")


@cli.command("docs", hidden=True, epilog=DOCS_EXIT)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when the docs are stale.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Folder of the generated rule pages (default: {docsgen.DEFAULT_OUT} of mlguard's "
    "own checkout, only when run there).",
)
def docs_cmd(check: bool, out: Path | None) -> None:
    """For mlguard's maintainers: generate the rule reference (one page per rule plus an
    index) from rules/*.yaml."""
    if out is None:
        out = docsgen.DEFAULT_OUT
        if not docsgen.in_own_checkout(Path.cwd()):
            raise UsageError(
                "`mlguard docs` regenerates mlguard's own docs/rules and runs only in "
                "mlguard's checkout (or give --out DIR); to read a rule: mlguard explain ID"
            )
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
    click.echo(f"{out}: {_count(len(changed), 'page')} updated")


INIT_EXIT = exit_help("0  the config was written")


@cli.command("init", epilog=INIT_EXIT)
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Replace an existing config.")
def init_cmd(path: Path, force: bool) -> None:
    """Write a starter .mlguard.yaml for the repository at PATH: the built-in policy that
    fits, today's maturity level as fail.below_level (the gate starts green), the rules
    that do not apply and why; then print the pre-commit and GitHub Actions snippets.
    Never overwrites a config without --force."""
    if not path.is_dir():
        raise UsageError(f"{path}: not a directory")
    dest = path / starter.FILE_NAME
    existing = starter.existing_config(path)
    if existing is not None and not force:
        raise UsageError(
            f"{existing} exists already; mlguard init never overwrites a config "
            "(--force replaces it)"
        )
    outputs.check_writable(dest)
    from mlguard import app  # the scan pipeline: loaded only by commands that scan

    opts = app.ScanOptions(path, "default", no_config=True, offline=True, fail_on="never")
    report = app.run(opts)
    chosen = starter.fitting_policy(report.scan.traits)
    if chosen != "default":
        report = app.run(dataclasses.replace(opts, policy=chosen))
    outputs.write(dest, starter.render(report))
    level = "" if chosen == "security" else f", fail.below_level {report.assessment.level}"
    click.echo(f"wrote {dest}: policy {chosen}{level}")
    if existing is not None and existing != dest:
        click.echo(f"note: {dest} takes precedence over {existing}")
    blocking = starter.blocking(report)
    if blocking:
        click.echo(
            f"note: the gate fails today on {_count(blocking, 'violation')} at or above "
            f"'error': fix them, or record them with `mlguard baseline` and uncomment "
            f"`baseline:` in {dest}."
        )
    click.echo("")
    click.echo(starter.snippets(path), nl=False)


FLEET_EXIT = exit_help("0  the fleet view was written (whatever the repositories' verdicts)")


@cli.command("fleet", epilog=FLEET_EXIT)
@click.argument("reports", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(fleet_view.FLEET_FORMATS),
    default="text",
    help="text (default), csv (one row per repository), markdown (job summary, issue) or json.",
)
@click.option(
    "--output", "-o", metavar="FILE", type=click.Path(path_type=Path), help="Write to FILE."
)
@click.option(
    "--by",
    type=click.Choice(NAMED_BY),
    default="file",
    show_default=True,
    help="What names a report's repository: its file name without .json "
    "(reports/shop-ranker.json) or the folder it is in (reports/shop-ranker/2026-05.json).",
)
@click.option(
    "--top",
    type=click.IntRange(1),
    default=fleet_view.DEFAULT_TOP,
    show_default=True,
    help="How many of the most often missing practices text and markdown list.",
)
def fleet_cmd(reports: tuple[Path, ...], fmt: str, output: Path | None, by: str, top: int) -> None:
    """One view of many repositories from their JSON reports: level and practice score
    per repository, the practices most often missing across the fleet, and each
    repository's trend when several of its reports are given.

    \b
    Each repository's CI writes its report:  mlguard scan . -f json:mlguard.json
    A report's repository is its file name without .json (--by file) or its folder
    (--by dir). Several reports of one repository are its trend, oldest first: the
    order given (a shell glob sorts names such as 2026-05-01.json by date).
    Reports from another mlguard version or policy than most are marked, and a trend
    across versions or policies is marked not comparable (a change of scoring is not
    progress). An unreadable or invalid report file stops with exit code 2.

    \b
    Examples:
      mlguard fleet reports/*.json                       # one report per repository
      mlguard fleet --by dir reports/*/*.json -f markdown -o fleet.md   # with history
      mlguard fleet reports/*.json -f csv -o fleet.csv   # one row per repository
      mlguard fleet reports/*.json -f html -o fleet.html # one self-contained page
    """
    if output is not None:
        outputs.check_writable(output)
    view = fleet_view.load(reports, by)
    if by == "file":
        for name in fleet_view.mixed_folders(view):
            click.echo(
                f"mlguard: note: reports named {name!r} in different folders are taken as one "
                "repository's history; --by dir names repositories after their folders",
                err=True,
            )
    text = fleet_view.render(view, fmt, top)
    if output is not None:
        outputs.write(output, text)
    else:
        click.echo(text, nl=False)


@cli.group()
def policy() -> None:
    """Validate and inspect policies."""


VALIDATE_EXIT = exit_help("0  the file is valid")


@policy.command("validate", epilog=VALIDATE_EXIT)
@click.argument("file", type=click.Path(path_type=Path))
def policy_validate(file: Path) -> None:
    """Check a policy or config file: YAML, schema, extends chain, rule ids, selectors.
    Every problem of the file is listed, each with its line."""
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
    click.echo(f"{file}: valid (policy {result.name!r}, {_count(len(layers), 'layer')})")


SHOW_EXIT = exit_help("0  the policy was printed")


@policy.command("show", epilog=SHOW_EXIT)
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
    for line in redaction.text(message).splitlines() or [""]:
        click.echo(f"mlguard: error: {line}", err=True)
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
    except (click.exceptions.Abort, KeyboardInterrupt):
        _fail("interrupted", EXIT_INTERRUPTED)
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
