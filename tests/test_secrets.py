"""SEC004 on a repository with planted secrets: every one found, none ever printed.

The fake secrets are assembled at run time from split prefixes and seeded random bodies,
so this file contains nothing a secret scanner or push protection would flag.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from conftest import make_repo

ALNUM = string.ascii_letters + string.digits
RNG = random.Random(20261127)


def _rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def _p(*parts: str) -> str:
    return "".join(parts)


# (name, public prefix, value): the prefix is shown in reports, the rest never is.
PLANTED = {
    "hf": (_p("h", "f_"), _p("h", "f_") + _rand(34)),
    "openai": (_p("s", "k-", "proj-"), _p("s", "k-", "proj-") + _rand(48)),
    "anthropic": (_p("s", "k-", "ant-"), _p("s", "k-", "ant-", "api03-") + _rand(80)),
    "aws_id": (_p("AK", "IA"), _p("AK", "IA") + _rand(16, string.ascii_uppercase + string.digits)),
    "aws_secret": ("", _rand(40, ALNUM + "/+")),
    "github": (_p("gh", "p_"), _p("gh", "p_") + _rand(36)),
    "github_pat": (_p("git", "hub_pat_"), _p("git", "hub_pat_") + _rand(22) + "_" + _rand(59)),
    "gitlab": (_p("gl", "pat-"), _p("gl", "pat-") + _rand(20)),
    "slack": (_p("xo", "xb-"), _p("xo", "xb-") + _rand(12, string.digits) + "-" + _rand(24)),
    "webhook": (
        _p("https://hooks.", "slack.com/services/"),
        _p("https://hooks.", "slack.com/services/", "T")
        + _rand(8, string.ascii_uppercase)
        + "/B"
        + _rand(8, string.ascii_uppercase)
        + "/"
        + _rand(24),
    ),
    "google": (_p("AI", "za"), _p("AI", "za") + _rand(35)),
    "wandb": ("", _rand(40, "0123456789abcdef")),
    "wandb_login": ("", _rand(40, "0123456789abcdef")),
    "azure": ("", _rand(86, ALNUM + "+/") + "=="),
    "url_password": ("", _rand(14)),
    "generic": ("", _rand(28)),
    "password": ("", "Tr0ub4dor&3" + _rand(3)),
    "docker": ("", _rand(30)),
    "output_token": (_p("s", "k-", "ant-"), _p("s", "k-", "ant-", "api03-") + _rand(80)),
    "nb_code": ("", _rand(32)),
    "pem_body": ("", _rand(64, ALNUM + "+/")),
    "environ": ("", _rand(40, "0123456789abcdef")),
    "bearer": ("Bearer ", "Bearer " + _rand(32)),
    "wandb_cli": ("", _rand(40, "0123456789abcdef")),
}
V = {name: value for name, (_, value) in PLANTED.items()}
BEGIN = _p("-----BEGIN RSA ", "PRIVATE KEY-----")
END = _p("-----END RSA ", "PRIVATE KEY-----")


def _notebook() -> str:
    cells = [
        {
            "cell_type": "code",
            "execution_count": 1,
            "metadata": {},
            "source": ["import os\n", "print(os.environ['ANTHROPIC_API_KEY'])"],
            "outputs": [{"name": "stdout", "output_type": "stream", "text": [V["output_token"]]}],
        },
        {
            "cell_type": "code",
            "execution_count": 2,
            "metadata": {},
            "source": ["x = 1\n", f'secret_key = "{V["nb_code"]}"\n', "hf = '<YOUR_TOKEN>'"],
            "outputs": [],
        },
    ]
    doc = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(doc, indent=1) + "\n"


def _files() -> dict[str, str]:
    x34 = "x" * 34
    return {
        "train.py": (
            "import os\n"
            f'HF_TOKEN = "{V["hf"]}"\n'
            f'client = OpenAI(api_key="{V["openai"]}")\n'
            f'wandb.login(key="{V["wandb_login"]}")\n'
            f'api_token = "{V["generic"]}"\n'
            f'os.environ["WANDB_API_KEY"] = "{V["environ"]}"\n'
            f'headers = {{"Authorization": "{V["bearer"]}"}}\n'
            "# placeholders and lookups are not secrets:\n"
            f'demo = "{_p("h", "f_")}{x34}"\n'
            'key = os.environ["OPENAI_API_KEY"]\n'
            'token = os.getenv("HF_TOKEN")\n'
            'api_key = "<YOUR_API_KEY>"\n'
            'headers = {"Authorization": f"Bearer {token}"}\n'
            'password = "changeme"\n'
            'pad_token = "<pad>"\n'
            'secret = "****************"\n'
            f'aws_key = "{_p("AK", "IA", "IOSFODNN7", "EXAMPLE")}"\n'
        ),
        "llm.py": f"import anthropic\nc = anthropic.Anthropic(api_key='{V['anthropic']}')\n",
        "config/aws.yaml": (
            "aws:\n"
            f"  aws_access_key_id: {V['aws_id']}\n"
            f"  aws_secret_access_key: {V['aws_secret']}\n"
            "  token: ${{ secrets.AWS_SESSION_TOKEN }}\n"
        ),
        ".env": (
            f"WANDB_API_KEY={V['wandb']}\n"
            f"SLACK_WEBHOOK={V['webhook']}\n"
            f"DATABASE_URL=postgresql://svc:{V['url_password']}@db.prod.internal:5432/app\n"
            "LOCAL_URL=postgresql://user:pass@localhost/app\n"
            f"DB_PASSWORD={V['password']}\n"
        ),
        "Dockerfile": (
            "FROM python:3.12-slim\n"
            f"ENV GITHUB_TOKEN {V['github']}\n"
            f"ARG API_KEY={V['docker']}\n"
            "ARG HF_TOKEN\n"
        ),
        "scripts/deploy.sh": (
            f"#!/bin/sh\nexport GITLAB_TOKEN={V['gitlab']}\n"
            f"wandb login --relogin {V['wandb_cli']}\n"
        ),
        "settings.json": json.dumps(
            {
                "storage": _p("DefaultEndpointsProtocol=https;AccountName=acct;Account", "Key=")
                + V["azure"]
                + ";EndpointSuffix=core.windows.net",
                "maps_key": V["google"],
                "slack": V["slack"],
            },
            indent=2,
        )
        + "\n",
        "README.md": (
            "# Demo\n\nSet `HF_TOKEN=hf_...` before running.\n\n"
            f"Old token (revoked): {V['github_pat']}\n"
        ),
        "docker-compose.yml": (
            "services:\n"
            "  db:\n"
            "    environment:\n"
            "      POSTGRES_PASSWORD: postgres\n"
            "      MINIO_ROOT_PASSWORD: minioadmin\n"
            "      API_PASSWORD: !vault |\n"
        ),
        "deploy/key.pem": f"{BEGIN}\n{V['pem_body']}\n{END}\n",
        "docs/keys.md": f"{BEGIN}\n...\n{END}\n",
        "analysis.ipynb": _notebook(),
    }


EXPECTED = {
    "train.py": ["hf", "openai", "wandb_login", "generic", "environ", "bearer"],
    "llm.py": ["anthropic"],
    "config/aws.yaml": ["aws_id", "aws_secret"],
    ".env": ["wandb", "webhook", "url_password", "password"],
    "Dockerfile": ["github", "docker"],
    "scripts/deploy.sh": ["gitlab", "wandb_cli"],
    "settings.json": ["azure", "google", "slack"],
    "README.md": ["github_pat"],
    "deploy/key.pem": ["pem_body"],
    "analysis.ipynb": ["output_token", "nb_code"],
}


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _expected_lines(files: dict[str, str]) -> set[tuple[str, int]]:
    found = set()
    for path, names in EXPECTED.items():
        for name in names:
            needle = BEGIN if name == "pem_body" else V[name]
            found.add((path, _line_of(files[path], needle)))
    return found


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    files = _files()
    return make_repo(tmp_path_factory.mktemp("planted") / "repo", dict(files)), files


def _scan(cli, root: Path, fmt: str):
    result = cli(["scan", str(root), "--no-config", "--select", "SEC004", "--format", fmt])
    assert result.code == 1, result.err
    return result


def test_every_planted_secret_is_found_at_its_line_and_no_placeholder(cli, planted) -> None:
    root, files = planted
    report = _scan(cli, root, "json").json()
    got = {(f["path"], f["line"]) for f in report["findings"] if f["rule_id"] == "SEC004"}
    assert got == _expected_lines(files)
    assert len(report["findings"]) == sum(len(v) for v in EXPECTED.values())


def test_a_token_only_in_a_notebook_output_is_found(cli, planted) -> None:
    root, files = planted
    report = _scan(cli, root, "json").json()
    line = _line_of(files["analysis.ipynb"], V["output_token"])
    hits = [f for f in report["findings"] if f["path"] == "analysis.ipynb" and f["line"] == line]
    assert len(hits) == 1
    assert "Anthropic API key" in hits[0]["message"]
    assert "…(" in hits[0]["message"]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_no_output_format_contains_a_secret_value(cli, planted, fmt: str) -> None:
    root, _ = planted
    out = _scan(cli, root, fmt)
    text = out.out + out.err
    for name, (prefix, value) in PLANTED.items():
        hidden = value[len(prefix) :]
        leaks = {hidden[i : i + 8] for i in range(len(hidden) - 7) if hidden[i : i + 8] in text}
        assert not leaks, f"{name}: part of the secret appears in the {fmt} output"
    if fmt == "sarif":
        sarif = json.loads(out.out)
        rule = next(r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "SEC004")
        assert rule["properties"]["security-severity"] == "9.1"
        results = sarif["runs"][0]["results"]
        fingerprints = {r["partialFingerprints"]["mlguard/v1"] for r in results}
        assert len(fingerprints) == len(results)


def test_a_pathological_line_is_scanned_in_linear_time(cli, tmp_path: Path) -> None:
    line = "a=" * 125_000 + "token=" * 40_000 + "hf_" + "Ab3" * 20_000
    token = V["hf"]
    root = make_repo(tmp_path / "r", {"blob.json": line + " " + token + "\n"})
    report = _scan(cli, root, "json").json()
    assert [(f["path"], f["line"]) for f in report["findings"]] == [("blob.json", 1)]


def test_exclude_paths_drops_findings_in_those_files(cli, planted, tmp_path: Path) -> None:
    root, _ = planted
    config = tmp_path / "mlguard.yaml"
    config.write_text(
        "rules:\n  configure:\n    SEC004:\n"
        "      params: {exclude_paths: [README.md, 'deploy/**']}\n"
    )
    args = ["scan", str(root), "--config", str(config), "--select", "SEC004", "-f", "json"]
    paths = {f["path"] for f in cli(args).json()["findings"]}
    assert "README.md" not in paths
    assert "deploy/key.pem" not in paths
    assert "train.py" in paths


def test_a_notebook_with_a_lone_surrogate_is_still_scanned(cli, tmp_path: Path) -> None:
    value = _rand(24)
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    cell["source"] = [f'api_token = "{value}SURROGATE"\n', "x = 1"]
    raw = json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    raw = raw.replace("SURROGATE", "\\ud800")  # a JSON escape Python's json accepts
    root = make_repo(tmp_path / "r", {"nb.ipynb": raw + "\n"})
    result = _scan(cli, root, "json")
    report = result.json()
    assert next(r for r in report["rules"] if r["id"] == "SEC004")["status"] == "fail"
    assert [f["path"] for f in report["findings"]] == ["nb.ipynb"]
    assert value[2:] not in result.out


def test_the_result_says_whether_a_secret_scanner_guards_the_repo(cli, planted, tmp_path) -> None:
    root, _ = planted
    rule = next(r for r in _scan(cli, root, "json").json()["rules"] if r["id"] == "SEC004")
    assert rule["reason"].startswith("no secret scanner")
    hook = "repos:\n  - repo: https://github.com/gitleaks/gitleaks\n    rev: v8.18.0\n"
    guarded = make_repo(tmp_path / "g", {".pre-commit-config.yaml": hook, "a.py": "x = 1\n"})
    result = cli(["scan", str(guarded), "--no-config", "--select", "SEC004", "-f", "json"])
    rule = next(r for r in result.json()["rules"] if r["id"] == "SEC004")
    assert (rule["status"], rule["reason"]) == (
        "pass",
        "secret scanning in place: gitleaks (.pre-commit-config.yaml)",
    )


def test_placeholder_words_count_only_at_word_boundaries(cli, tmp_path) -> None:
    body = "Bq7Zk2" + "todo" + "Xw9Pm4Lr8Tn3Vc6Hy1Jd5Fs0Ga2Qe7Ku"  # random token, 'todo' inside
    placeholder = "sk-proj-" + "your_token_here_todo_replace_me_later"
    repo = make_repo(
        tmp_path / "r",
        {
            "a.py": f'KEY = "sk-proj-{body}"\n',
            "b.py": f'KEY = "{placeholder}"\n',
        },
    )
    result = cli(["scan", repo, "--no-config", "--offline", "--select", "SEC004", "-f", "json"])
    assert [(f["path"], f["line"]) for f in result.json()["findings"]] == [("a.py", 1)]
    assert body not in result.out
