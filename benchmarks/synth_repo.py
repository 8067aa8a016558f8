"""Generate a deterministic synthetic ML monorepo for benchmarks.

    python benchmarks/synth_repo.py OUT_DIR [--files 10000] [--notebooks 300]
        [--artifacts 200] [--big-gb 4]

The tree is a plain directory (not a git repository: the multi-GB sparse weights file
would otherwise be hashed by ``git add``). Same arguments, same bytes, every time.
Planted secrets are listed in OUT_DIR/.planted-secrets.txt (one value a line) so a run
can measure recall; that file is excluded from scanning by name.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import struct
from pathlib import Path

ML_IMPORTS = [
    "import numpy as np",
    "import torch",
    "import pandas as pd",
    "from sklearn.ensemble import RandomForestClassifier",
    "from sklearn.model_selection import train_test_split",
    "import mlflow",
    "import subprocess",
    "import pickle",
    "import yaml",
    "import os",
    "import json",
]

BODY = '''

def step_{i}_{j}(frame, cfg):
    """Feature step {j} of module {i}."""
    values = frame["col_{j}"].fillna(0).to_numpy()
    scaled = (values - values.mean()) / (values.std() + 1e-9)
    if cfg.get("clip_{j}"):
        scaled = np.clip(scaled, -3, 3)
    total = 0
    for k in range(len(scaled)):
        total += scaled[k] * {j}
    return total / max(len(scaled), 1)
'''

RISKY = [
    "    data = pickle.load(open(path, 'rb'))\n",
    "    subprocess.call(cmd, shell=True)\n",
    "    state = torch.load(path)\n",
    "    conf = yaml.load(open(path))\n",
    "    model = RandomForestClassifier(n_estimators=10).fit(X, y)\n",
]


def planted_secrets(rng: random.Random) -> list[str]:
    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

    def pick(chars: str, n: int) -> str:
        return "".join(rng.choice(chars) for _ in range(n))

    out = []
    for _ in range(10):
        out.append("AKIA" + pick(upper, 16))
        out.append("hf_" + pick(alnum, 34))
        out.append("ghp_" + pick(alnum, 36))
        out.append("sk-proj-" + pick(alnum, 40))
        out.append(
            "xoxb-" + pick("0123456789", 11) + "-" + pick("0123456789", 12) + "-" + pick(alnum, 24)
        )
    return out


def module_source(rng: random.Random, i: int, lines: int) -> str:
    parts = [f'"""Synthetic module {i}."""\n']
    parts += [line + "\n" for line in rng.sample(ML_IMPORTS, 5)]
    j = 0
    while sum(p.count("\n") for p in parts) < lines:
        parts.append(BODY.format(i=i, j=j))
        if rng.random() < 0.15:
            parts.append(f"\n\ndef risky_{i}_{j}(path, cmd, X, y):\n" + rng.choice(RISKY))
        j += 1
    return "".join(parts)


def notebook(rng: random.Random, i: int, secret: str | None) -> str:
    cells = []
    for c in range(6):
        src = [
            "import pandas as pd\n",
            f"df_{c} = pd.read_csv('data_{i}.csv')\n",
            f"df_{c}.describe()\n",
        ]
        outputs = [
            {
                "output_type": "stream",
                "name": "stdout",
                "text": [f"rows: {rng.randint(10, 9999)}\n"],
            }
        ]
        if secret and c == 3:
            outputs[0]["text"].append(f"token = {secret}\n")
        cells.append(
            {
                "cell_type": "code",
                "execution_count": c + 1,
                "metadata": {},
                "outputs": outputs,
                "source": src,
            }
        )
    doc = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(doc, indent=1) + "\n"


class _Evil:
    def __reduce__(self):  # only builds bytes; never unpickled by the benchmark
        import os

        return (os.system, ("echo pwned",))


def artifacts(root: Path, rng: random.Random, count: int, big_gb: int) -> None:
    models = root / "models"
    models.mkdir(parents=True, exist_ok=True)
    for k in range(count - 1):
        kind = k % 4
        if kind == 0:
            data = pickle.dumps({"weights": [rng.random() for _ in range(64)]}, protocol=4)
            (models / f"state_{k}.pkl").write_bytes(data)
        elif kind == 1:
            (models / f"evil_{k}.pt").write_bytes(pickle.dumps(_Evil(), protocol=2))
        elif kind == 2:
            header = json.dumps({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})
            blob = header.encode()
            (models / f"w_{k}.safetensors").write_bytes(
                struct.pack("<Q", len(blob)) + blob + b"\0" * 16
            )
        else:
            (models / f"arr_{k}.npy").write_bytes(
                b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }"
                + b" " * 52
                + b"\n"
                + b"\0" * 32
            )
    with (models / "big.bin").open("wb") as handle:
        handle.truncate(big_gb * 1024**3)


def generate(out: Path, files: int, notebooks: int, n_artifacts: int, big_gb: int) -> None:
    rng = random.Random(42)
    secrets = planted_secrets(rng)
    out.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        depth = i % 12
        folder = out / "src" / "/".join(f"d{(i // 7 + d) % 5}" for d in range(depth)) / f"p{i % 50}"
        folder.mkdir(parents=True, exist_ok=True)
        text = module_source(rng, i, 150)
        if i % 200 == 0 and secrets:
            text += f'\nAPI_KEY = "{secrets[(i // 200) % len(secrets)]}"\n'
        (folder / f"mod_{i}.py").write_text(text)
    nb_dir = out / "notebooks"
    nb_dir.mkdir(exist_ok=True)
    for i in range(notebooks):
        secret = secrets[(i + 25) % len(secrets)] if i % 30 == 0 else None
        (nb_dir / f"explore_{i}.ipynb").write_text(notebook(rng, i, secret))
    artifacts(out, rng, n_artifacts, big_gb)
    (out / "requirements.txt").write_text("numpy\ntorch\nscikit-learn\npandas\nmlflow\n")
    (out / ".planted-secrets.txt").write_text("\n".join(secrets) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--notebooks", type=int, default=300)
    parser.add_argument("--artifacts", type=int, default=200)
    parser.add_argument("--big-gb", type=int, default=4)
    args = parser.parse_args()
    generate(args.out, args.files, args.notebooks, args.artifacts, args.big_gb)


if __name__ == "__main__":
    main()
