"""How well mlguard's judgement matches practitioners' hand labels.

Each file in ``labels/`` holds one public ML repository, pinned to a commit, with a
practitioner's level and rule statuses, written before mlguard's output was looked at.
This script fetches nothing: check the repositories out by hand (``repos.txt`` lists
them with their commits) into one folder, as ``<owner>+<name>/``, then run

    python benchmarks/accuracy/run.py --checkouts DIR [--set all|SETNAME] [--json OUT]

It scans each checkout with the default policy (``--no-config --offline --no-cache``) and
prints per-rule agreement, level agreement and the ROC AUC of the maturity score between
the repositories labelled ``mature`` and ``adhoc`` (libraries are left out of the AUC).
Labels with ``set: heldout`` were written after the rules were tuned on the others,
``set: heldout2`` later still (``set`` absent means ``tuned``); ``--set NAME`` scores the
labels whose ``set`` is NAME, and with the default ``all`` every set present is also
summarised separately.
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


def summarise(rows: list[dict[str, Any]], tag: str) -> None:
    """Print rule agreement, level agreement and the score AUC of ``rows``."""
    by_rule: Counter[tuple[str, bool]] = Counter()
    for row in rows:
        for rule, ok in row["rule_results"].items():
            by_rule[(rule, ok)] += 1
    total = sum(by_rule.values())
    agree = sum(n for (_, ok), n in by_rule.items() if ok)
    rule_ids = sorted({rule for rule, _ in by_rule})

    def share(rule: str) -> float:
        return by_rule[(rule, True)] / max(1, by_rule[(rule, True)] + by_rule[(rule, False)])

    worst = sorted(rule_ids, key=share)
    print(f"\nleast agreement per rule{tag}:")
    for rule in worst[:10]:
        n = by_rule[(rule, True)] + by_rule[(rule, False)]
        print(f"  {rule:8} {by_rule[(rule, True)]}/{n}")
    levels_ok = sum(1 for r in rows if r["label_level"] == r["level"])
    mature = [float(r["score"]) for r in rows if r["group"] == "mature" and r["kind"] != "library"]
    adhoc = [float(r["score"]) for r in rows if r["group"] == "adhoc" and r["kind"] != "library"]
    print(f"\nrule agreement{tag}: {agree}/{total} = {agree / max(total, 1):.1%}")
    print(f"level agreement{tag}: {levels_ok}/{len(rows)}")
    groups = f"mature vs ad hoc, {len(mature)} vs {len(adhoc)}"
    print(f"score ROC AUC{tag} ({groups}): {auc(mature, adhoc):.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkouts", type=Path, required=True)
    parser.add_argument("--mlguard", default=f"{sys.executable} -m mlguard")
    parser.add_argument("--json", type=Path, help="write the per-repository comparison here")
    parser.add_argument("--reports", type=Path, help="also save each mlguard JSON report here")
    parser.add_argument("--only", help="comma-separated owner+name folders to run")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every disagreement")
    parser.add_argument(
        "--set",
        default="all",
        metavar="NAME",
        help="labels to score, by their `set:` field (absent means 'tuned'): 'tuned' (the "
        "first 14, the rules were improved on them), 'heldout', 'heldout2' (labelled after), "
        "any other set name used in labels/, or 'all'; with 'all' each set's figures are "
        "also printed separately",
    )
    parser.add_argument(
        "--except",
        dest="skip",
        default="",
        metavar="NAMES",
        help="comma-separated sets to leave out (a held-out set kept unscanned until its "
        "first honest run)",
    )
    args = parser.parse_args()

    known = {
        str(yaml.safe_load(f.read_text("utf-8")).get("set", "tuned"))
        for f in (HERE / "labels").glob("*.yaml")
    }
    if args.set != "all" and args.set not in known:
        parser.error(f"--set {args.set}: no label has that set (sets: {', '.join(sorted(known))})")

    rows: list[dict[str, Any]] = []
    for label_file in sorted((HERE / "labels").glob("*.yaml")):
        if args.only and label_file.stem not in args.only.split(","):
            continue
        label = yaml.safe_load(label_file.read_text("utf-8"))
        label_set = str(label.get("set", "tuned"))
        if args.set != "all" and label_set != args.set:
            continue
        if label_set in args.skip.split(","):
            continue
        checkout = args.checkouts / label_file.stem
        if not checkout.is_dir():
            print(f"skip {label['repo']}: no checkout at {checkout}", file=sys.stderr)
            continue
        report = scan(args.mlguard, checkout)
        if args.reports:
            args.reports.mkdir(parents=True, exist_ok=True)
            saved = args.reports / f"{label_file.stem}.json"
            saved.write_text(json.dumps(report, indent=1), "utf-8")
        statuses = {r["id"]: r["status"] for r in report["rules"]}
        results = {r: statuses.get(r) == w["status"] for r, w in label["rules"].items()}
        disagreements = []
        for rule_id, want in sorted(label["rules"].items()):
            got = statuses.get(rule_id, "absent")
            ok = got == want["status"]
            if not ok:
                disagreements.append(f"{rule_id}: label {want['status']}, mlguard {got}")
        level = level_of(report)
        rows.append(
            {
                "repo": label["repo"],
                "set": label_set,
                "group": label["group"],
                "kind": label["kind"],
                "label_level": str(label["level"]),
                "level": level,
                "score": report["maturity"].get("score"),
                "rules_agree": sum(results.values()),
                "rules": len(label["rules"]),
                "rule_results": results,
                "disagreements": disagreements,
            }
        )

    head = ("repository", "set", "group", "label", "mlguard", "score")
    print(f"{head[0]:56} {head[1]:7} {head[2]:7} {head[3]:>12} {head[4]:>12} {head[5]:>5} rules")
    for row in rows:
        print(
            f"{row['repo']:56} {row['set']:7} {row['group']:7} {row['label_level']:>12} "
            f"{row['level']:>12} {row['score']!s:>5} {row['rules_agree']}/{row['rules']}"
        )
        if args.verbose:
            for line in row["disagreements"]:
                print(f"    {line}")
    summarise(rows, "")
    sets = sorted({row["set"] for row in rows}, key=lambda name: (name != "tuned", name))
    if args.set == "all" and len(sets) > 1:
        for name in sets:
            summarise([row for row in rows if row["set"] == name], f" [{name}]")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
