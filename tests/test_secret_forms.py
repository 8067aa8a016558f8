"""SEC004 finds secrets in the forms they really take: URL credentials with a short user
name, PyPI tokens in index URLs, DVC remotes, .s3cfg, Terraform state, JavaScript and R
code, ANSI-coloured notebook output, literals split by concatenation and base64 text —
and still says nothing about placeholders and ordinary code."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from conftest import make_repo

# assembled at run time: no literal credential in the test sources
GH = "gh" + "p_" + "R8x2Kq9LmZ4vT7wN3pY6sB1cD5fG0hJ2kL8m"
PYPI = "pyp" + "i-AgEIcHlwaS5vcmcCJGQ4ZjM5YjEzLTk1NmMtNGI2Yi05OWI0LTQ0ZjE4ZGU3MzM0ZQACKlsz"
AWS_ID = "AK" + "IA" + "QX7ZK2LM9PV4RT8W"  # mlguard: ignore[SEC004] a fake credential planted
ADMIN = ":".join(["admin"] * 2)  # a user name repeated as its password
RANDOM = "Zq7Xk2Lm9Pv4Rt8Wn3Ys6Bd1Cf5Gh0Jk2Lm8Np4Q"
PASSWORD = "Xk29vLq7mP"  # mlguard: ignore[SEC004] a fake credential the test plants


def _notebook(output: str) -> str:
    cell = {
        "cell_type": "code",
        "execution_count": 1,
        "metadata": {},
        "outputs": [{"name": "stdout", "output_type": "stream", "text": [output]}],
        "source": ["print(settings)"],
    }
    doc = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(doc, indent=1)


FOUND: dict[str, str] = {
    ".env": f"DATABASE_URL=postgresql://app:{PASSWORD}@db.internal/prod\n",
    "pip.conf": f"[global]\nindex-url = https://__token__:{PYPI}@pypi.example.org/simple\n",
    "publish.sh": f"twine upload -u __token__ -p {PYPI} dist/*\n",
    ".dvc/config": (
        "[core]\n    remote = storage\n['remote \"storage\"']\n    url = s3://bucket/dvc\n"
        f"    access_key_id = {AWS_ID}\n    secret_access_key = {RANDOM}\n"
    ),
    ".s3cfg": f"[default]\naccess_key = {AWS_ID}\nsecret_key = {RANDOM}\n",
    # copies kept beside a config file are read as that file
    ".dvc/config_example.local": (
        f"['remote \"minio\"']\n    access_key_id = anon\n    secret_access_key = {RANDOM}\n"
    ),
    "conf/settings.yaml.bak": f"tracking:\n  password: {PASSWORD}\n",
    "infra/terraform.tfstate": json.dumps(
        {"resources": [{"instances": [{"attributes": {"password": PASSWORD + "Qz9"}}]}]},
        indent=2,
    ),
    "web/client.js": f'const apiKey = "{RANDOM}";\n',
    "web/token.ts": f'export const TOKEN: string = "{GH}";\n',
    "analysis/fetch.R": f'api_key <- "{RANDOM}"\n',
    "explore.ipynb": _notebook(f"\x1b[32mtoken={GH}\x1b[0m\n"),
    "split.py": f'TOKEN = "{GH[:4]}" "{GH[4:]}"\n',
    "joined.py": f"TOKEN = '{GH[:10]}' + '{GH[10:]}'\n",
    "k8s/secret.yaml": (
        "apiVersion: v1\nkind: Secret\ndata:\n"
        f"  credentials: {base64.b64encode(f'token: {GH}'.encode()).decode()}\n"
    ),
    # a provider token stays a finding as a shell default, a passphrase of words as a password
    "compose.yml": f"services:\n  app:\n    environment:\n      - GH_TOKEN=${{GH_TOKEN:-{GH}}}\n",
    "passphrase.py": 'DB_PASSWORD = "CorrectHorseBatteryStaple"\n',
    # a Terraform variable's default, a service's short secret key, a Fernet key
    "infra/variables.tf": (
        'variable "db_password" {\n  type    = string\n  default = "Hello2024"\n}\n'
    ),
    "testing/pytest.ini": "[pytest]\nenv =\n    MINIO_SECRET_KEY=minio123\n",
    # a user name repeated as the password still logs into a server at an address
    "docs/tracking.md": f"mlflow server --backend-store-uri postgresql://{ADMIN}@10.74.208.3/db\n",
    "docker/compose.airflow.yml": (
        "services:\n  scheduler:\n    environment:\n"
        f"      AIRFLOW__CORE__FERNET_KEY: {RANDOM[:43]}=\n"
    ),
    "wrapped.py": (
        "import base64\n"
        f"TOKEN = base64.b64decode('{base64.b64encode(GH.encode()).decode()}').decode()\n"
    ),
}
QUIET: dict[str, str] = {
    "docs/setup.md": "Use postgresql://user:password@localhost:5432/db or ${DATABASE_URL}.\n",
    "config.env": "DATABASE_URL=postgresql://<user>:<password>@db.internal/prod\n",
    "web/app.js": 'const label = "api" + "key";\nconst url = "https://" + host + "/v1";\n',
    "analysis/plot.R": 'title <- "Model accuracy"\nkey <- Sys.getenv("API_KEY")\n',
    "encode.py": (
        f"import base64\nPNG = base64.b64decode('{base64.b64encode(bytes(range(200))).decode()}')\n"
    ),
    "names.py": 'MODEL = "bert" "-base" "-uncased"\nSEP = "-" + "-"\n',
    # shell defaults of a local stack, and camelCase names given to "Key"
    "docker-compose.yml": (
        'services:\n  init:\n    entrypoint: >\n      /bin/sh -c "mc alias set minio '
        'http://minio:9000 ${MINIO_ROOT_USER:-minioadmin} ${MINIO_ROOT_PASSWORD:-minioadmin};"\n'
    ),
    "tags.py": "Tags = [{'Key': 'sagemaker:projectS3TemplatesLocation', 'Value': 'x'}]\n",
    # a secret variable without a default, other variables' defaults, a type annotation of
    # code embedded in compiled pipeline YAML, and a Fernet key read from the environment
    "infra/main.tf": (
        'variable "db_password" {\n  type = string\n  sensitive = true\n}\n'
        'variable "region" {\n  default = "us-east-2"\n}\n'
    ),
    "pipeline.yaml": (
        '        - "\\ndef load(\\n    minio_secret_key:\\\n'
        '          \\ str,\\n    bucket: str):\\n"\n'
    ),
    "stack/.env": "DATABASE_URL=postgresql://postgres:postgres@db:5432/app\n",
    # an example copy with placeholders, and a backup of a file that is not configuration
    "conf/settings.yaml.example": "tracking:\n  password: <your-password>\n",
    "weights/model.pt.bak": f"secret_key = {RANDOM}\n",
    "compose.airflow.yml": (
        "services:\n  scheduler:\n    environment:\n"
        "      AIRFLOW__CORE__FERNET_KEY: ${AIRFLOW_FERNET_KEY}\n"
    ),
}


def _sec004(cli: Any, root: Path) -> dict[str, list[dict[str, Any]]]:
    result = cli(["scan", str(root), "--no-config", "--select", "SEC004", "--format", "json"])
    assert result.code in (0, 1), result.err
    found: dict[str, list[dict[str, Any]]] = {}
    for finding in result.json()["findings"]:
        found.setdefault(finding["path"], []).append(finding)
    return found


def test_each_form_is_found_and_redacted(cli: Any, tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", FOUND)
    found = _sec004(cli, root)
    assert sorted(found) == sorted(FOUND)
    text = json.dumps(found)
    for secret in (GH, PYPI, RANDOM, PASSWORD):
        assert secret[4:16] not in text


def test_placeholders_and_ordinary_code_stay_quiet(cli: Any, tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", QUIET)
    assert _sec004(cli, root) == {}


def test_base64_and_split_tokens_name_their_encoding(cli: Any, tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", FOUND)
    found = _sec004(cli, root)
    assert "base64" in found["k8s/secret.yaml"][0]["message"]
    assert "GitHub token" in found["split.py"][0]["message"]
