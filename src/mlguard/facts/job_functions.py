"""What a job function runs, read from the names it spells out.

A scheduled job or an Airflow ``PythonOperator`` callable often starts the project's code
through a helper: ``run_project_module("src.orchestration.retrain", args)``,
``run_spark_job("ml_training.py")``. The function's string literals that look like a dotted
module name or a script path are the code it runs; :func:`named_runs` turns them into
``python -m <module>`` / ``python <script>`` commands that automation reach resolves to
repository files (names that resolve to no file are ignored there). Nothing is run.
"""

from __future__ import annotations

import re

from mlguard.analyzers.python_ast import PyFacts

DOTTED_MODULE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")
SCRIPT = re.compile(r"^[\w./-]+\.py$")
MAX_RUNS = 20


def named_runs(py: PyFacts, function: str) -> list[str]:
    """Commands for the modules and scripts the module's function ``function`` names."""
    func = next((d for d in py.defs if d.name == function), None)
    if func is None:
        return []
    runs: list[str] = []
    for text, at in py.strings:
        if not func.line <= at <= func.end_line:
            continue
        if SCRIPT.match(text):
            runs.append(f"python {text}")
        elif DOTTED_MODULE.match(text) and not text.endswith((".csv", ".json", ".yaml", ".yml")):
            runs.append(f"python -m {text}")
    return list(dict.fromkeys(runs))[:MAX_RUNS]
