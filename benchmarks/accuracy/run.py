"""How well mlguard's judgement matches practitioners' hand labels.

Each file in ``labels/`` holds one public ML repository, pinned to a commit, with a
practitioner's level and rule statuses, written before mlguard's output was looked at.
This script fetches nothing: check the repositories out by hand (``repos.txt`` lists
them with their commits) into one folder, as ``<owner>+<name>/``, then run

    python benchmarks/accuracy/run.py --checkouts DIR [--mlguard "mlguard"] [--json OUT]

It scans each checkout with the default policy (``--no-config --offline --no-cache``) and
prints per-rule agreement, level agreement and the ROC AUC of the maturity score between
the repositories labelled ``mature`` and ``adhoc`` (libraries are left out of the AUC).
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent


def scan(mlguard: str, checkout: Path) -> dict[str, Any]:
    cmd = [*shlex.split(mlguard), "scan", str(checkout), "-f", "json"]
    cmd += ["--no-config", "--offline", "--no-cache"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {out.returncode}: {out.stderr[-2000:]}")
    data: dict[str, Any] = json.loads(out.stdout)
    return data


def auc(mature: list[float], adhoc: list[float]) -> float:
    """Probability that a mature repository scores above an ad-hoc one (ties count half)."""
    if not mature or not adhoc:
        return float("nan")
    wins = sum(1.0 if m > a else 0.5 if m == a else 0.0 for m in mature for a in adhoc)
    return wins / (len(mature) * len(adhoc))


def level_of(report: dict[str, Any]) -> str:
    maturity = report.get("maturity", {})
    if maturity.get("assessed") is False:
        return "not-assessed"
    return str(maturity.get("level"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkouts", type=Path, required=True)
    parser.add_argument("--mlguard", default=f"{sys.executable} -m mlguard")
    parser.add_argument("--json", type=Path, help="write the per-repository comparison here")
    parser.add_argument("--only", help="comma-separated owner+name folders to run")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every disagreement")
    args = parser.parse_args()

    rows: list[dict[str, Any]] = []
    by_rule: Counter[tuple[str, bool]] = Counter()
    total = agree = 0
    for label_file in sorted((HERE / "labels").glob("*.yaml")):
        if args.only and label_file.stem not in args.only.split(","):
            continue
        label = yaml.safe_load(label_file.read_text("utf-8"))
        checkout = args.checkouts / label_file.stem
        if not checkout.is_dir():
            print(f"skip {label['repo']}: no checkout at {checkout}", file=sys.stderr)
            continue
        report = scan(args.mlguard, checkout)
        statuses = {r["id"]: r["status"] for r in report["rules"]}
        disagreements = []
        for rule_id, want in sorted(label["rules"].items()):
            got = statuses.get(rule_id, "absent")
            ok = got == want["status"]
            by_rule[(rule_id, ok)] += 1
            total += 1
            agree += ok
            if not ok:
                disagreements.append(f"{rule_id}: label {want['status']}, mlguard {got}")
        level = level_of(report)
        rows.append(
            {
                "repo": label["repo"],
                "group": label["group"],
                "kind": label["kind"],
                "label_level": str(label["level"]),
                "level": level,
                "score": report["maturity"].get("score"),
                "rules_agree": sum(1 for r in label["rules"] if statuses.get(r) == label["rules"][r]["status"]),
                "rules": len(label["rules"]),
                "disagreements": disagreements,
            }
        )

    print(f"{'repository':45} {'group':7} {'label':>12} {'mlguard':>12} {'score':>5} rules")
    for row in rows:
        print(
            f"{row['repo']:45} {row['group']:7} {row['label_level']:>12} {row['level']:>12} "
            f"{row['score']!s:>5} {row['rules_agree']}/{row['rules']}"
        )
        if args.verbose:
            for line in row["disagreements"]:
                print(f"    {line}")
    rule_ids = sorted({rule for rule, _ in by_rule})
    worst = sorted(rule_ids, key=lambda r: by_rule[(r, True)] / max(1, by_rule[(r, True)] + by_rule[(r, False)]))
    print("\nleast agreement per rule:")
    for rule in worst[:10]:
        n = by_rule[(rule, True)] + by_rule[(rule, False)]
        print(f"  {rule:8} {by_rule[(rule, True)]}/{n}")
    levels_ok = sum(1 for r in rows if r["label_level"] == r["level"])
    mature = [float(r["score"]) for r in rows if r["group"] == "mature" and r["kind"] != "library"]
    adhoc = [float(r["score"]) for r in rows if r["group"] == "adhoc" and r["kind"] != "library"]
    print(f"\nrule agreement: {agree}/{total} = {agree / max(total, 1):.1%}")
    print(f"level agreement: {levels_ok}/{len(rows)}")
    print(f"score ROC AUC (mature vs ad hoc, {len(mature)} vs {len(adhoc)}): {auc(mature, adhoc):.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
