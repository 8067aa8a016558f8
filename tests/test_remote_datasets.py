"""VER001 judges datasets the code fetches at run time: downloads from a URL, Spark tables
and warehouse query results are datasets read (fail when nothing pins or snapshots them,
pass when a Metaflow step keeps the fetched data as a run artifact); code that reads no data
stays n/a.

Each case scans a fixture repository through the CLI and reads VER001's status from the
JSON report; each signal has a near-miss negative.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import make_repo, scan_json, status_of

FIT = "from sklearn.linear_model import LogisticRegression\n"
TRAIN = FIT + "LogisticRegression().fit(X, y)\n"
URL_DOWNLOAD = """\
import urllib.request

urllib.request.urlretrieve("https://example.org/files/reviews.txt.gz", "reviews.txt.gz")
"""
URLOPEN_DATA = """\
import urllib.request

raw = urllib.request.urlopen(f"https://example.org/dump/{name}.csv.gz").read()
"""
API_CALL = """\
import requests

status = requests.get("https://api.example.org/v1/status").json()
"""
SPARK_TABLE = """\
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
reviews = spark.read.table("main.shop.reviews").toPandas()
"""
SPARK_NO_READ = """\
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
frame = spark.createDataFrame(rows)
"""
SNOWFLAKE = """\
import snowflake.connector

def fetch(query):
    cursor = snowflake.connector.connect(user=USER).cursor()
    cursor.execute(query)
    return cursor.fetch_pandas_all()
"""
SQLITE = """\
import sqlite3

def settings():
    return sqlite3.connect("app.db").execute("select * from settings").fetchall()
"""
FLOW = """\
from metaflow import FlowSpec, step
from warehouse import fetch


class TrainFlow(FlowSpec):
    @step
    def start(self):
        {body}
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def notebook(code: str) -> str:
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": []}
    return json.dumps(
        {"cells": [{**cell, "source": [code]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    )


CASES: list[tuple[str, dict[str, str | bytes], str]] = [
    ("urlretrieve-of-a-dataset", {"train.py": TRAIN, "data.py": URL_DOWNLOAD}, "fail"),
    ("urlopen-of-a-data-file", {"train.py": TRAIN, "data.py": URLOPEN_DATA}, "fail"),
    ("requests-get-of-an-api-is-not-a-dataset", {"train.py": TRAIN, "api.py": API_CALL}, "n/a"),
    ("spark-table-read", {"train.py": TRAIN, "features.py": SPARK_TABLE}, "fail"),
    ("spark-without-a-read", {"train.py": TRAIN, "features.py": SPARK_NO_READ}, "n/a"),
    ("snowflake-query-result", {"train.py": TRAIN, "warehouse.py": SNOWFLAKE}, "fail"),
    ("sqlite-settings-are-not-a-warehouse", {"train.py": TRAIN, "db.py": SQLITE}, "n/a"),
    (
        "notebook-wgets-a-data-file",
        {"train.py": TRAIN, "get.ipynb": notebook("!wget https://example.org/d/train.csv")},
        "fail",
    ),
    (
        "notebook-wgets-a-tool",
        {"train.py": TRAIN, "get.ipynb": notebook("!wget https://example.org/tool/install")},
        "n/a",
    ),
    (
        "metaflow-step-keeps-the-fetched-data",
        {
            "train.py": TRAIN,
            "warehouse.py": SNOWFLAKE,
            "flow.py": FLOW.format(body="self.dataset = fetch('select * from events')"),
        },
        "pass",
    ),
    (
        "metaflow-step-drops-the-fetched-data",
        {
            "train.py": TRAIN,
            "warehouse.py": SNOWFLAKE,
            "flow.py": FLOW.format(body="rows = fetch('select * from events')"),
        },
        "fail",
    ),
]


@pytest.mark.parametrize(
    ("files", "expected"),
    [pytest.param(files, expected, id=name) for name, files, expected in CASES],
)
def test_remote_dataset_reads(
    cli: Any, tmp_path: Path, files: dict[str, str | bytes], expected: str
) -> None:
    _, report = scan_json(cli, make_repo(tmp_path / "repo", files), "--select", "VER001")
    assert status_of(report, "VER001") == expected
