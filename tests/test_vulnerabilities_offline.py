"""SEC012 with an offline OSV advisory folder (--advisory-db): range semantics, layouts, lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import make_repo, scan_json, status_of, write_files


def advisory(
    adv_id: str,
    name: str,
    events: list[dict[str, str]] | None = None,
    versions: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    affected: dict[str, Any] = {"package": {"name": name, "ecosystem": "PyPI"}}
    if events is not None:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": events}]
    if versions is not None:
        affected["versions"] = versions
    return {"id": adv_id, "affected": [affected], **extra}


def yaml_text(doc: dict[str, Any]) -> str:
    # JSON is valid YAML; the loader must not depend on any particular style
    import yaml

    return yaml.safe_dump(doc, sort_keys=False)


def pypa_db(root: Path, docs: list[dict[str, Any]]) -> Path:
    """The PyPA layout: vulns/<package>/<id>.yaml."""
    for doc in docs:
        folder = root / "vulns" / doc["affected"][0]["package"]["name"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{doc['id']}.yaml").write_text(yaml_text(doc), encoding="utf-8")
    return root


def audit(cli, tmp_path: Path, files: dict[str, str], db: Path) -> tuple[str, dict[str, Any]]:
    repo = make_repo(tmp_path / "repo", files)
    _, report = scan_json(cli, repo, "--select", "SEC012", "--advisory-db", str(db))
    result = next(r for r in report["rules"] if r["id"] == "SEC012")
    return result["status"], report


def hits(report: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [(f["path"], f["line"], f["message"]) for f in report["findings"]]


RANGE_DB = [
    advisory(
        "PYSEC-1",
        "PyYAML",
        [{"introduced": "0"}, {"fixed": "5.4"}],
        aliases=["CVE-2020-14343", "GHSA-8q59-q68h-6hv4"],
    ),
    advisory("PYSEC-2", "requests", [{"introduced": "2.3.0"}, {"last_affected": "2.19.0"}]),
    advisory("PYSEC-3", "Flask_Login", versions=["0.4.0", "0.4.1"]),
    advisory("PYSEC-4", "numpy", [{"introduced": "1.0"}, {"fixed": "1.2"}], withdrawn="2024-01-01"),
    advisory(  # two affected spans in one unsorted event list
        "GHSA-5",
        "multi",
        [{"introduced": "2.0"}, {"fixed": "2.5"}, {"introduced": "0"}, {"fixed": "1.0"}],
    ),
]


@pytest.mark.parametrize(
    ("requirement", "advisory_id"),
    [
        ("pyyaml==5.3", "PYSEC-1"),
        ("PyYAML==5.3.1", "PYSEC-1"),
        ("py-yaml==1.0", None),  # another package: names are normalised, not fuzzy-matched
        ("pyyaml==5.4", None),  # fixed is exclusive
        ("requests==2.19.0", "PYSEC-2"),  # last_affected is inclusive
        ("requests==2.19.1", None),
        ("requests==2.2.9", None),  # before introduced
        ("flask.login==0.4.1", "PYSEC-3"),  # explicit versions list, normalised name
        ("flask-login==0.4.2", None),
        ("numpy==1.1", None),  # withdrawn advisory
        ("pyyaml==5.4b1", "PYSEC-1"),  # a pre-release of the fix is still affected
        ("multi==0.5", "GHSA-5"),
        ("multi==1.5", None),  # between the two spans
        ("multi==2.1", "GHSA-5"),
        ("multi==2.5", None),
    ],
)
def test_range_semantics(cli, tmp_path, requirement: str, advisory_id: str | None) -> None:
    db = pypa_db(tmp_path / "db", RANGE_DB)
    status, report = audit(cli, tmp_path, {"requirements.txt": f"{requirement}\n"}, db)
    if advisory_id is None:
        assert status == "pass", report["rules"]
        assert report["findings"] == []
    else:
        assert status == "fail"
        ((path, line, message),) = hits(report)
        assert (path, line) == ("requirements.txt", 1)
        assert advisory_id in message


def test_finding_names_ids_aliases_and_fixed_versions(cli, tmp_path) -> None:
    db = pypa_db(tmp_path / "db", RANGE_DB)
    files = {"requirements.txt": "# pinned\nnumpy==2.0.0\npyyaml==5.3  # old\n"}
    status, report = audit(cli, tmp_path, files, db)
    assert status == "fail"
    ((path, line, message),) = hits(report)
    assert (path, line) == ("requirements.txt", 3)
    assert "PYSEC-1" in message and "CVE-2020-14343" in message and "fixed in 5.4" in message
    assert report["findings"][0]["severity"] == "error"


def test_flat_json_layout_and_unreadable_advisories(cli, tmp_path) -> None:
    db = tmp_path / "osv"
    db.mkdir()
    doc = advisory("GHSA-x", "Jinja2", [{"introduced": "0"}, {"fixed": "2.11.3"}])
    (db / "GHSA-x.json").write_text(json.dumps(doc), encoding="utf-8")
    (db / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    (db / "other.json").write_text(json.dumps(advisory("O-1", "other", versions=["1"])))
    status, report = audit(cli, tmp_path, {"requirements.txt": "jinja2==2.10\n"}, db)
    assert status == "fail"
    assert "GHSA-x" in hits(report)[0][2]
    reason = next(r["reason"] for r in report["rules"] if r["id"] == "SEC012")
    assert "broken.yaml" in reason


def test_unpinned_requirements_are_named_not_passed_silently(cli, tmp_path) -> None:
    db = pypa_db(tmp_path / "db", RANGE_DB)
    files = {"requirements.txt": "pyyaml==6.0.2\ntorch>=2.0\n"}
    status, report = audit(cli, tmp_path, files, db)
    assert status == "pass"
    reason = next(r["reason"] for r in report["rules"] if r["id"] == "SEC012")
    assert "torch" in reason and "no exact pin" in reason


def test_nothing_pinned_is_not_checked_and_no_dependencies_is_na(cli, tmp_path) -> None:
    db = pypa_db(tmp_path / "db", RANGE_DB)
    status, _ = audit(cli, tmp_path, {"requirements.txt": "torch\n", "a.py": "x = 1\n"}, db)
    assert status == "not-checked"
    repo = make_repo(tmp_path / "empty", {"a.py": "x = 1\n"})
    _, report = scan_json(cli, repo, "--select", "SEC012", "--advisory-db", str(db))
    assert status_of(report, "SEC012") == "n/a"


def test_offline_without_database_is_not_checked(cli, tmp_path) -> None:
    repo = make_repo(tmp_path / "repo", {"requirements.txt": "pyyaml==5.3\n"})
    _, report = scan_json(cli, repo, "--select", "SEC012", "--offline")
    rule = next(r for r in report["rules"] if r["id"] == "SEC012")
    assert rule["status"] == "not-checked"
    assert "--advisory-db" in rule["reason"]


def test_missing_database_folder_is_a_usage_error(cli, tmp_path) -> None:
    repo = make_repo(tmp_path / "repo", {"requirements.txt": "pyyaml==5.3\n"})
    result = cli(["scan", repo, "--no-config", "--advisory-db", tmp_path / "nope"])
    assert result.code == 2


EVERY_FORMAT = {
    "requirements.txt": (
        "-r requirements/base.txt\n"
        "alpha==1.0 \\\n"
        "    --hash=sha256:0000\n"
        'beta[extra]==1.0 ; python_version >= "3.8"\n'
        "gamma>=1.0\n"
    ),
    "requirements/base.txt": "-c ../constraints.txt\ndelta==1.0\n",
    "constraints.txt": "epsilon==1.0\n",
    "pyproject.toml": (
        '[project]\nname = "p"\ndependencies = ["zeta==1.0"]\n'
        '[project.optional-dependencies]\ndev = ["eta===1.0"]\n'
        '[tool.poetry.dependencies]\npython = "^3.11"\ntheta = "1.0"\n'
        'iota = {version = "^1.0"}\n'
        '[tool.poetry.group.dev.dependencies]\nupsilon = "==1.0"\n'
        '[dependency-groups]\ntest = ["phi==1.0", {include-group = "dev"}]\n'
    ),
    "Pipfile": '[packages]\nkappa = "==1.0"\n[dev-packages]\nlambda = "*"\n',
    "environment.yml": "dependencies:\n  - mu==1.0\n  - pip:\n      - nu==1.0\n",
    "poetry.lock": '[[package]]\nname = "xi"\nversion = "1.0"\n',
    "uv.lock": (
        '[[package]]\nname = "p"\nversion = "1.0"\nsource = { editable = "." }\n\n'
        '[[package]]\nname = "omicron"\nversion = "1.0"\n'
    ),
    "pdm.lock": '[[package]]\nname = "pi"\nversion = "1.0"\n',
    "setup.cfg": "[metadata]\nname = p\n[options]\ninstall_requires =\n    chi==1.0\n"
    "    gamma>=1\n[options.extras_require]\ntest =\n    psi==1.0\n",
    "setup.py": "from setuptools import setup\n\nsetup(\n    name='p',\n"
    "    install_requires=['omega==1.0', 'gamma'],\n)\n",
    "Pipfile.lock": json.dumps({"default": {"rho": {"version": "==1.0"}}, "develop": {}}, indent=1),
    "conda-lock.yml": (
        "package:\n- name: sigma\n  version: '1.0'\n  manager: pip\n"
        "- name: tau\n  version: '1.0'\n  manager: conda\n"
    ),
    "pixi.lock": (
        "version: 6\npackages:\n"
        "- conda: https://conda.anaconda.org/conda-forge/noarch/kappa2-1.0-pyh_0.conda\n"
        "  sha256: 00\n"
        "- pypi: https://files.pythonhosted.org/packages/omicron2-1.0-py3-none-any.whl\n"
        "  name: omicron2\n  version: '1.0'\n"
        "- pypi: ./\n  name: p\n  version: '1.0'\n"
    ),
}
EXPECTED = {
    ("requirements.txt", 2, "alpha"),
    ("requirements.txt", 4, "beta"),
    ("requirements/base.txt", 2, "delta"),
    ("constraints.txt", 1, "epsilon"),
    ("pyproject.toml", 3, "zeta"),
    ("pyproject.toml", 5, "eta"),
    ("pyproject.toml", 8, "theta"),
    ("pyproject.toml", 11, "upsilon"),
    ("pyproject.toml", 13, "phi"),
    ("Pipfile", 2, "kappa"),
    ("environment.yml", 4, "nu"),
    ("poetry.lock", 2, "xi"),
    ("uv.lock", 7, "omicron"),
    ("pdm.lock", 2, "pi"),
    ("Pipfile.lock", 3, "rho"),
    ("conda-lock.yml", 2, "sigma"),
    ("pixi.lock", 5, "omicron2"),
    ("setup.cfg", 5, "chi"),
    ("setup.cfg", 9, "psi"),
    ("setup.py", 5, "omega"),
}


def test_every_manifest_and_lock_format_is_read_at_the_right_line(cli, tmp_path) -> None:
    names = [*(n for _, _, n in EXPECTED), "gamma", "iota", "lambda", "mu", "tau", "p", "kappa2"]
    db = pypa_db(tmp_path / "db", [advisory(f"T-{n}", n, versions=["1.0"]) for n in names])
    status, report = audit(cli, tmp_path, EVERY_FORMAT, db)
    assert status == "fail"
    found = {(p, line, msg.split()[0]) for p, line, msg in hits(report)}
    # unpinned (gamma, iota, lambda), conda (mu, tau, kappa2) and the project itself (p) are
    # left out
    assert found == EXPECTED


def test_include_outside_the_repository_is_not_followed(cli, tmp_path) -> None:
    outside = write_files(tmp_path / "outside", {"evil.txt": "omega==1.0\n"})
    db = pypa_db(tmp_path / "db", [advisory("T-omega", "omega", versions=["1.0"])])
    files = {"requirements.txt": f"-r ../outside/evil.txt\n-r {outside}/evil.txt\nalpha==2\n"}
    status, report = audit(cli, tmp_path, files, db)
    assert status == "pass"
    assert report["findings"] == []
    reason = next(r["reason"] for r in report["rules"] if r["id"] == "SEC012")
    assert "requirements.txt:1: included file ../outside/evil.txt is not in the repo" in reason


def test_conda_only_environment_is_not_checked(cli, tmp_path) -> None:
    db = pypa_db(tmp_path / "db", RANGE_DB)
    files = {"environment.yml": "dependencies:\n  - numpy==1.1\n", "a.py": "x = 1\n"}
    status, report = audit(cli, tmp_path, files, db)
    assert status == "not-checked"
    assert "conda" in next(r["reason"] for r in report["rules"] if r["id"] == "SEC012")


def test_bad_service_parameter_is_not_checked(cli, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("MLGUARD_OFFLINE")
    monkeypatch.setenv("MLGUARD_PIP_AUDIT", str(tmp_path / "never-run"))
    config = "rules:\n  configure:\n    SEC012: {params: {service: '-r/etc/passwd'}}\n"
    files = {"requirements.txt": "pyyaml==5.3\n", ".mlguard.yaml": config}
    repo = make_repo(tmp_path / "repo", files)
    result = cli(["scan", repo, "--select", "SEC012", "--format", "json"])
    rule = next(r for r in result.json()["rules"] if r["id"] == "SEC012")
    assert rule["status"] == "not-checked"
    assert "params.service" in rule["reason"]


def test_baseline_records_known_vulnerabilities_with_the_same_source(cli, tmp_path) -> None:
    db = pypa_db(tmp_path / "db", RANGE_DB)
    repo = make_repo(tmp_path / "repo", {"requirements.txt": "pyyaml==5.3\n"})
    base = tmp_path / "baseline.json"
    made = cli(
        ["baseline", repo, "--no-config", "--select", "SEC012", "-o", base, "--advisory-db", db]
    )
    assert made.code == 0, made.err
    assert "1 finding as 1 entry" in made.out
    _, report = scan_json(
        cli, repo, "--select", "SEC012", "--advisory-db", str(db), "--baseline", str(base)
    )
    assert report["findings"] == []


def test_a_folder_without_advisories_is_not_checked(cli, tmp_path) -> None:
    empty = tmp_path / "empty-db"
    (empty / "docs").mkdir(parents=True)
    (empty / "README.md").write_text("not advisories\n")
    status, report = audit(cli, tmp_path, {"requirements.txt": "pyyaml==5.3\n"}, empty)
    assert status == "not-checked"
    assert "no OSV advisories" in next(r["reason"] for r in report["rules"] if r["id"] == "SEC012")
