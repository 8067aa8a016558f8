"""Code as practitioners write it: BOMs, IPython syntax in notebooks, conda environments of
any name, dependency lists in setup.py variables, import names that differ from their
distributions and Kubeflow ``packages_to_install``. Each form has a near-miss that must not
count, judged through the CLI JSON output."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import make_repo, scan_json, status_of

LOAD = 'm = pickle.load(open("m.pkl", "rb"))'


def notebook(*cells: list[str]) -> str:
    body = [
        {
            "cell_type": "code",
            "source": lines,
            "outputs": [],
            "execution_count": None,
            "metadata": {},
        }
        for lines in cells
    ]
    doc = {"cells": body, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(doc, indent=1)


def sec001(cli, repo: Path) -> tuple[list[tuple[str, int]], dict[str, str]]:
    _, report = scan_json(cli, repo, "--select", "SEC001")
    found = [(f["path"], f["line"]) for f in report["findings"] if f["rule_id"] == "SEC001"]
    return sorted(found), {s["path"]: s["reason"] for s in report["skipped"]}


def test_utf8_bom_is_not_a_syntax_error(cli, tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    files: dict[str, str | bytes] = {
        "train.py": bom + f"import pickle\n{LOAD}\n".encode(),
        "nb.ipynb": bom + notebook(["import pickle\n", LOAD]).encode(),
        "broken.py": bom + b"def f(:\n    pass\n",  # a real syntax error is still reported
    }
    found, skipped = sec001(cli, make_repo(tmp_path / "r", files))
    nb_line = next(i for i, t in enumerate(notebook([LOAD]).splitlines(), 1) if "m = " in t)
    assert found == [("nb.ipynb", nb_line + 1), ("train.py", 2)]  # after the import line
    assert list(skipped) == ["broken.py"] and "syntax error" in skipped["broken.py"]


def test_newer_python_syntax_never_drops_a_file(cli, tmp_path: Path) -> None:
    """Code written for a newer Python than mlguard runs on is read line for line: the
    calls after a 3.12 f-string, 3.12 type parameters or a 3.14 ``except A, B`` are found."""
    files = {
        # PEP 701: the f-string reuses its quote inside a replacement field
        "train.py": (
            f'import os, pickle\nprint(f"saved to {{os.path.join(DIR, "model.pkl")}}")\n{LOAD}\n'
        ),
        # PEP 695 and PEP 758
        "serve.py": (
            "import pickle\n"
            "type Rows = list[dict[str, float]]\n"
            "def first[T](items: list[T]) -> T:\n"
            "    return items[0]\n"
            "try:\n"
            f"    {LOAD}\n"
            "except ValueError, OSError:\n"
            "    pass\n"
        ),
        # a Databricks notebook exported as source runs IPython lines
        "nb_source.py": (
            "# Databricks notebook source\n"
            "%pip install -r requirements.txt\n"
            "# COMMAND ----------\n"
            "!python prepare.py \\\n"
            "  --rows 10\n"
            "import pickle\n"
            f"{LOAD}\n"
        ),
        # a file of many such f-strings is rewritten in one pass
        "report.py": "import pickle\n"
        + "".join(f'line{i} = f"{{row["c{i}"]}}"\n' for i in range(80))
        + f"{LOAD}\n",
        # near miss: broken in a way no newer Python accepts
        "broken.py": 'import pickle\nprint(f"{os.path.join(DIR, "m.pkl")")\n' + f"{LOAD}\n",
    }
    found, skipped = sec001(cli, make_repo(tmp_path / "r", files))
    assert found == [("nb_source.py", 7), ("report.py", 82), ("serve.py", 6), ("train.py", 3)]
    assert list(skipped) == ["broken.py"] and "syntax error" in skipped["broken.py"]


def test_ipython_syntax_never_drops_a_notebook(cli, tmp_path: Path) -> None:
    nb = notebook(
        ["files = !ls data\n", "for f in files:\n", "    !echo {f} \\\n", "      --flag\n"],
        ["%matplotlib inline\n", "import pickle\n", "pickle.load?\n", f"{LOAD}\n"],
        ["%%time\n", f"{LOAD}\n"],  # a cell magic that runs Python keeps its body
        ["%%bash\n", 'python -c \'import pickle; pickle.load(open("x", "rb"))\'\n'],
        ["ok = 1 != 2\n", f"{LOAD}  # 100% sure\n", "x = 7 % 3\n"],  # not magics
    )
    found, skipped = sec001(cli, make_repo(tmp_path / "r", {"explore.ipynb": nb}))
    assert skipped == {}
    lines = nb.splitlines()
    expected = [i for i, text in enumerate(lines, 1) if "m = pickle.load" in text]
    assert len(expected) == 3
    assert found == [("explore.ipynb", n) for n in expected]


def test_a_broken_cell_does_not_hide_the_rest_of_a_notebook(cli, tmp_path: Path) -> None:
    nb = notebook(
        ["import pickle\n"],
        ["model.fit(X, y\n"],  # exploratory, never valid Python
        [f"{LOAD}\n"],
        ["for row in rows:\n", "print(row)\n"],  # a second broken cell
    )
    found, skipped = sec001(cli, make_repo(tmp_path / "r", {"explore.ipynb": nb}))
    line = next(i for i, text in enumerate(nb.splitlines(), 1) if "m = pickle.load" in text)
    assert found == [("explore.ipynb", line)]
    assert "2 code cell(s) skipped" in skipped["explore.ipynb"]  # what was left out is said


def test_brackets_inside_notebook_text_are_not_nesting(cli, tmp_path: Path) -> None:
    # a log printed into an output ("[" * 100, progress bars) or a string in the code: text,
    # not JSON nesting; the notebook is analysed, while a truly deep one is still refused
    nb = notebook(["import pickle\n", f"banner = {'[' * 100!r}\n", f"{LOAD}\n"])
    deep = "[" * 100 + "]" * 100
    repo = make_repo(tmp_path / "r", {"explore.ipynb": nb, "deep.ipynb": deep})
    found, skipped = sec001(cli, repo)
    assert [path for path, _ in found] == ["explore.ipynb"]
    assert list(skipped) == ["deep.ipynb"] and "nested deeper" in skipped["deep.ipynb"]


def test_cloudformation_short_tags_are_read_as_plain_values(cli, tmp_path: Path) -> None:
    # !GetAtt, !Ref and !Sub are CloudFormation's, in serverless.yml and SAM templates: their
    # values are read as plain text (Python tags are still refused: test_never_execute)
    files = {
        "serverless.yml": (
            "service: predict\nprovider:\n  name: aws\n  role: !GetAtt LambdaRole.Arn\n"
            "functions:\n  predict:\n    handler: handler.predict\n"
            "    environment:\n      BUCKET: !Sub '${AWS::StackName}-models'\n"
        ),
        "template.yaml": "Resources:\n  Fn:\n    Properties:\n      Role: !Ref Role\n",
        "handler.py": "import joblib\n\nmodel = joblib.load('model.joblib')\n",
    }
    _, report = scan_json(cli, make_repo(tmp_path / "r", files))
    assert report["skipped"] == []


def test_a_notebook_with_only_broken_cells_is_still_reported(cli, tmp_path: Path) -> None:
    nb = notebook(["def f(:\n", "    pass\n"])
    found, skipped = sec001(cli, make_repo(tmp_path / "r", {"explore.ipynb": nb}))
    assert found == []
    assert "explore.ipynb" in skipped


REQUIRE_SKLEARN = {"src/train.py": "import sklearn\n\nprint(sklearn.__version__)\n"}


def rep002(cli, repo: Path) -> str:
    _, report = scan_json(cli, repo, "--select", "REP002")
    return status_of(report, "REP002")


def test_conda_environment_of_any_name(cli, tmp_path: Path) -> None:
    env = "name: train\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n  - scikit-learn\n"
    repo = make_repo(tmp_path / "good", {**REQUIRE_SKLEARN, "envs/train-gpu.yml": env})
    assert rep002(cli, repo) == "pass"
    chart = (
        "apiVersion: v2\nname: serving\ndependencies:\n  - name: scikit-learn\n"
        "    version: 1.0.0\n    repository: https://charts.example.com\n"
    )
    files = {**REQUIRE_SKLEARN, "deploy/Chart.yaml": chart, "requirements.txt": "numpy\n"}
    assert rep002(cli, make_repo(tmp_path / "near", files)) == "fail"


SETUP = """from setuptools import setup

REQUIRED = ["scikit-learn>=1.0"]
TORCH = ["torch"]
EXTRAS = {"gpu": TORCH}

setup(name="x", install_requires=REQUIRED + ["pyyaml"], extras_require=EXTRAS)
"""
USES = {"src/train.py": "import sklearn\nimport torch\nimport yaml\n"}


def test_setup_py_variables_and_requirement_files(cli, tmp_path: Path) -> None:
    assert rep002(cli, make_repo(tmp_path / "vars", {**USES, "setup.py": SETUP})) == "pass"
    opened = (
        "from setuptools import setup\n\nwith open('deps/base.txt') as fh:\n"
        "    REQUIRED = fh.read().splitlines()\n\nsetup(install_requires=REQUIRED)\n"
    )
    files = {**USES, "setup.py": opened, "deps/base.txt": "scikit-learn\ntorch\npyyaml\n"}
    assert rep002(cli, make_repo(tmp_path / "open", files)) == "pass"
    near = SETUP.replace('REQUIRED + ["pyyaml"]', "REQUIRED")  # yaml no longer declared
    _, report = scan_json(
        cli, make_repo(tmp_path / "near", {**USES, "setup.py": near}), "--select", "REP002"
    )
    assert [f["path"] for f in report["findings"]] == ["src/train.py"]
    assert "`yaml`" in report["findings"][0]["message"]


def test_import_names_that_differ_from_distributions(cli, tmp_path: Path) -> None:
    code = "import hypertune\nfrom azureml.core import Run\nfrom google.cloud import aiplatform\n"
    reqs = "cloudml-hypertune\nazureml-sdk\ngoogle-cloud-aiplatform\n"
    files = {"trainer/task.py": code, "requirements.txt": reqs}
    assert rep002(cli, make_repo(tmp_path / "good", files)) == "pass"
    files["requirements.txt"] = "hypertune-tools\nazureml-sdk\ngoogle-cloud-aiplatform\n"
    assert rep002(cli, make_repo(tmp_path / "near", files)) == "fail"


KFP = """from kfp import dsl


@dsl.component(base_image="python:3.11", packages_to_install={packages})
def prepare(path: str) -> None:
    import pandas

    pandas.read_csv(path)
"""


def test_kfp_packages_to_install_are_declared(cli, tmp_path: Path) -> None:
    files = {"pipeline.py": KFP.format(packages='["pandas==2.2.0"]'), "requirements.txt": "kfp\n"}
    assert rep002(cli, make_repo(tmp_path / "good", files)) == "pass"
    files["pipeline.py"] = KFP.format(packages='["pyarrow"]')
    assert rep002(cli, make_repo(tmp_path / "near", files)) == "fail"
