"""Compare SEC002 with picklescan and modelscan on the generated artifact corpus.

The corpus is written by ``tests/artifact_corpus.py`` (run as a script, never imported, so
this file depends on nothing under tests/). Peers run from their own virtualenv:

    python3 -m venv /work/peers-venv && /work/peers-venv/bin/pip install picklescan modelscan
    PYTHONPATH=src python benchmarks/artifact_corpus.py /tmp/corpus --peers /work/peers-venv/bin

Prints a Markdown table: case, expected, mlguard, picklescan, modelscan, then totals per
tool. No tool ever loads a payload here: every one of them scans statically, and each
malicious case would only create ``<corpus>/CANARY``, which the script checks for at the
end. A case with several files (a Keras model directory) is given to the peers as its
directory.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)


def mlguard(case_dir: Path) -> str:
    cmd = [sys.executable, "-m", "mlguard", "scan", str(case_dir), "--select", "SEC002"]
    proc = run([*cmd, "--no-config", "--no-cache", "--format", "json", "--fail-on", "never"])
    if proc.returncode not in (0, 1):
        return "crash"
    findings = json.loads(proc.stdout)["findings"]
    severities = {f["severity"] for f in findings}
    for level, word in (("error", "error"), ("warning", "warning"), ("note", "note")):
        if level in severities:
            return word
    return "clean"


def picklescan(path: Path, peers: Path) -> str:
    proc = run([str(peers / "picklescan"), "-p", str(path)])
    out = proc.stdout + proc.stderr
    dangerous = re.search(r"Dangerous globals: (\d+)", out)
    suspicious = re.search(r"Suspicious globals: (\d+)", out)
    scanned = re.search(r"Scanned files: (\d+)", out)
    if dangerous and int(dangerous.group(1)):
        return "dangerous"
    if suspicious and int(suspicious.group(1)):
        return "suspicious" + (" (+parse error)" if "ERROR" in out else "")
    if "ERROR" in out:
        return "parse error"
    if scanned and not int(scanned.group(1)):
        return "not scanned"
    return "clean"


def modelscan(path: Path, peers: Path) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        cmd = [str(peers / "modelscan"), "-p", str(path), "-r", "json", "-o", str(report)]
        proc = run(cmd)
        if not report.exists():
            return f"crash (exit {proc.returncode})"
        data = json.loads(report.read_text())
    issues = data.get("issues", [])
    if issues:
        return max((i["severity"] for i in issues), key=["LOW", "MEDIUM", "HIGH", "CRITICAL"].index)
    if data.get("errors"):
        return "error"
    if not data.get("summary", {}).get("scanned", {}).get("total_scanned"):
        return "not scanned"
    return "clean"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--peers", type=Path, default=Path("/work/peers-venv/bin"))
    args = parser.parse_args()
    corpus: Path = args.corpus
    proc = run([sys.executable, str(ROOT / "tests" / "artifact_corpus.py"), str(corpus)])
    if proc.returncode:
        sys.exit(proc.stderr)
    index = json.loads((corpus / "index.json").read_text())
    print("| case | expected | mlguard | picklescan | modelscan |")
    print("|---|---|---|---|---|")
    totals: dict[tuple[str, str], Counter[str]] = {}
    for entry in index:
        path = corpus / entry["file"]
        case_dir = corpus / entry["file"].split("/")[0]
        target = path if len(list(case_dir.rglob("*"))) == 1 else case_dir
        expected = "malicious" if entry["malicious"] else "benign"
        verdicts = {
            "mlguard": mlguard(case_dir),
            "picklescan": picklescan(target, args.peers),
            "modelscan": modelscan(target, args.peers),
        }
        for tool, verdict in verdicts.items():
            totals.setdefault((expected, tool), Counter())[verdict] += 1
        print("| " + " | ".join([entry["name"], expected, *verdicts.values()]) + " |")
    print()
    for (expected, tool), counts in sorted(totals.items(), reverse=True):
        summary = ", ".join(f"{n} {verdict}" for verdict, n in counts.most_common())
        print(f"- {expected} ({sum(counts.values())}), {tool}: {summary}")
    print(f"\ncanary created: {(corpus / 'CANARY').exists()}")


if __name__ == "__main__":
    main()
