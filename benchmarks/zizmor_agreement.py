"""Agreement between mlguard and zizmor's default persona on zizmor's own test workflows.

    python benchmarks/zizmor_agreement.py [TEST_DATA] [--keep DIR] [--copies N]

TEST_DATA is zizmor's ``crates/zizmor/tests/integration/test-data`` folder from a checkout of
the zizmor repository made by hand (default: /work/zizmor-src/...); nothing of it is
committed. Every workflow and action definition there is copied into one throwaway git
repository (workflows under ``.github/workflows/``, actions under ``actions/<name>/``).
zizmor runs there once (offline, default persona, no configuration) and mlguard scans it
twice: CICD008 alone (mlguard's own checks, what users get without zizmor) and CICD008 with
the ZIZ rules (the default). Per concern class, each file is flagged or not by each side;
printed are the counts and Cohen's kappa. Then the speed of the zizmor run inside a scan of
that repository: cold (empty cache) and warm (same cache, unchanged repository);
``--copies 5`` measures them on five copies of the corpus (about 1,000 files).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_DATA = Path("/work/zizmor-src/crates/zizmor/tests/integration/test-data")
BIN = Path(sys.executable).parent
CONCERNS = {
    "unpinned-uses": ("unpinned-uses", "ZIZ036", ("is pinned to", "Container action")),
    "excessive-permissions": ("excessive-permissions", "ZIZ011", ("permissions",)),
    "template-injection": ("template-injection", "ZIZ031", ("expanded into a script",)),
    "dangerous-triggers": ("dangerous-triggers", "ZIZ008", ("runs on pull_request_target",)),
    "artipacked": ("artipacked", "ZIZ004", ()),
    "cache-poisoning": ("cache-poisoning", "ZIZ006", ()),
}


def kappa(a: list[bool], b: list[bool]) -> float:
    n = len(a)
    agree = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    chance = pa * pb + (1 - pa) * (1 - pb)
    return 1.0 if chance == 1 else (agree - chance) / (1 - chance)


def build(data: Path, repo: Path, copies: int = 1) -> list[str]:
    files = []
    sources = sorted(data.rglob("*.y*ml"))
    for copy, src in ((c, s) for c in range(copies) for s in sources):
        rel = src.relative_to(data)
        text = src.read_text(errors="replace")
        action = src.name in ("action.yml", "action.yaml")
        not_workflow = src.name.startswith(("zizmor", "dependabot", ".pre-commit"))
        if not action and (not_workflow or "jobs:" not in text):
            continue
        flat = "--".join(rel.with_suffix("").parts).replace(".", "_") + (
            f"--{copy}" if copy else ""
        )
        if src.name in ("action.yml", "action.yaml"):
            dest = repo / "actions" / flat / "action.yml"
        else:
            dest = repo / ".github" / "workflows" / f"{flat}.yml"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        files.append(dest.relative_to(repo).as_posix())
    git = ["git", "-c", "user.name=b", "-c", "user.email=b@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "corpus"], cwd=repo, check=True)
    return files


def zizmor(repo: Path, files: list[str]) -> tuple[dict[str, set[str]], float]:
    started = time.perf_counter()
    done = subprocess.run(
        [
            str(BIN / "zizmor"),
            "--offline",
            "--no-config",
            "--format",
            "json",
            "--no-exit-codes",
            "--",
            *(f"./{f}" for f in files),
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - started
    flagged: dict[str, set[str]] = {}
    for finding in json.loads(done.stdout):
        prim = next(x for x in finding["locations"] if x["symbolic"]["kind"] == "Primary")
        path = prim["symbolic"]["key"]["Local"]["verbatim_path"].removeprefix("./")
        flagged.setdefault(finding["ident"], set()).add(path)
    return flagged, elapsed


def mlguard(repo: Path, cache: Path, *select: str) -> tuple[list[dict[str, str]], float]:
    args = [str(BIN / "mlguard"), "scan", str(repo), "--no-config", "--format", "json"]
    for rule in select:
        args += ["--select", rule]
    env = {**os.environ, "MLGUARD_CACHE_DIR": str(cache), "MLGUARD_OFFLINE": "1"}
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"mlguard failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)["findings"], elapsed


def flagged_by_mlguard(findings: list[dict[str, str]]) -> dict[str, set[str]]:
    flagged: dict[str, set[str]] = {}
    for f in findings:
        for concern, (_, rule_id, phrases) in CONCERNS.items():
            own = f["rule_id"] == "CICD008" and any(p in f["message"] for p in phrases)
            if own or f["rule_id"] == rule_id:
                flagged.setdefault(concern, set()).add(f["path"])
    return flagged


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--keep", type=Path, help="build the corpus repository here")
    parser.add_argument(
        "--copies", type=int, default=1, help="copy the corpus N times (for the speed figures)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zizmor-agreement-") as tmp:
        repo = args.keep or Path(tmp) / "repo"
        repo.mkdir(parents=True, exist_ok=True)
        files = build(args.data, repo, args.copies)
        truth, zizmor_seconds = zizmor(repo, files)
        cache = Path(tmp) / "cache"
        own, _ = mlguard(repo, Path(tmp) / "cache-own", "CICD008")
        both, cold = mlguard(repo, cache, "CICD008", "tag:zizmor")
        _, warm = mlguard(repo, cache, "CICD008", "tag:zizmor")
        full_cold_cache = Path(tmp) / "cache-full"
        _, full_cold = mlguard(repo, full_cold_cache)
        _, full_warm = mlguard(repo, full_cold_cache)
        print(f"{len(files)} workflow and action files from {args.data}\n")
        print(
            "| concern | zizmor files | CICD008 alone: files, kappa"
            " | mlguard default: files, kappa |"
        )
        print("|---|---|---|---|")
        for concern, (ident, _, _) in CONCERNS.items():
            z = [f in truth.get(ident, set()) for f in files]
            row = [concern, str(sum(z))]
            for report in (own, both):
                m = [f in flagged_by_mlguard(report).get(concern, set()) for f in files]
                row.append(f"{sum(m)}, {kappa(z, m):.2f}")
            print("| " + " | ".join(row) + " |")
        print(f"\nzizmor alone on {len(files)} files: {zizmor_seconds:.2f} s")
        print(f"mlguard CICD008 + ZIZ rules: cold {cold:.2f} s, warm {warm:.2f} s")
        print(f"mlguard default policy (all rules): cold {full_cold:.2f} s, warm {full_warm:.2f} s")


if __name__ == "__main__":
    main()
