"""MON003: predictions are logged with their inputs and the model version.

What counts as the log, strongest first:

- the platform's capture (SageMaker ``DataCaptureConfig``, Azure ML data collection, Vertex
  request-response logging, KServe/Seldon loggers), or an LLM application's traces;
- a log call in serving or prediction code that carries the prediction (``logger.info``,
  a queue's ``send``);
- predictions stored where they are made: a batch job or a service that writes the scored
  rows to a file, a bucket or a table (``df_pred.to_csv``, ``s3.upload_file``).

A log or a store passes when the model version goes with the prediction: named in the call,
or in the lines just before it that build its record. Otherwise it is partial. ``print`` is
not a log here: what a service prints is rarely kept, and never with its inputs.
"""

from __future__ import annotations

import re

from mlguard.analyzers.python_ast import Call, Expr, PyFacts
from mlguard.checks.base import CheckContext, NotApplicable, Outcome, ev
from mlguard.checks.llm.lifecycle import llm_app
from mlguard.checks.llm.tracing import llm_tracing
from mlguard.checks.registry import register
from mlguard.facts import callsites, traits
from mlguard.facts.files import Facts
from mlguard.model import Evidence
from mlguard.safeio.lines import line_at

SERVING_LOG_CALLS = ("info", "debug", "log", "warning", "send", "produce", "emit", "insert_one")
# calls that keep rows: files, buckets, tables
STORE_CALLS = (
    "to_csv",
    "to_parquet",
    "to_json",
    "to_sql",
    "upload_file",
    "upload_fileobj",
    "put_object",
    "insert_many",
    "insert_rows_json",
    "dump",  # json.dump(predictions, handle)
    # tables: Spark / Delta, pandas-on-Spark, BigQuery
    "saveAsTable",
    "insertInto",
    "to_table",
    "to_gbq",
    "load_table_from_dataframe",
)
MANAGED_CAPTURE = re.compile(
    r"(DataCaptureConfig|data_collector|azureml\.ai\.monitoring|ModelDataCollector|"
    r"collect_model_data\s*=\s*True|app_insights_enabled\s*=\s*True|enable_app_insights|"
    r"predict_request_response_logging_config|enable_capture|logging_sampling_strategy)",
    re.MULTILINE,
)
# what a prediction is called where it is written
PREDICTION_WORDS = re.compile(r"pred|scor(e|ed|ing)|forecast|inference", re.IGNORECASE)
# what identifies the model that answered
MODEL_IDENTITY = re.compile(r"version|run_id|model_uri|model_name|model_id", re.IGNORECASE)
MODEL_CALL = re.compile(r"(^|\.)(predict\w*|infer\w*|generate|forward|run)\(")
# ``len(predictions)``, ``outputs.shape``: the log says how many predictions were made, not
# what they were
COUNT_ONLY = re.compile(r"^\s*len\(.*\)\s*$|\.(shape|size)\b|\bcount\b", re.IGNORECASE)
NAME = re.compile(r"(?<![\w.])[A-Za-z_]\w*")
RECORD_LOOKBACK = 20  # lines before a store call where its rows get their columns


@register
def prediction_logging(ctx: CheckContext) -> Outcome:
    """Predictions are logged with inputs and the model version (or captured by the platform).

    An LLM application's traced LLM calls are its prediction log (prompt, response, model)."""
    repo = ctx.repo
    if llm_app(ctx):
        traced = llm_tracing(ctx)
        if traced:
            return Outcome.passed(traced)
    if not traits.has_trait(repo, "predicting"):
        raise NotApplicable(traits.reason(repo, "predicting"))
    captured = _platform_capture(ctx)
    if captured:
        return Outcome.passed(captured)
    logged = _prediction_records(ctx)
    versioned = [e for e, has_version in logged if has_version]
    if versioned:
        return Outcome.passed(versioned)
    if logged:
        return Outcome.partial(
            "Predictions are logged or stored, but without the model version that made them.",
            [e for e, _ in logged[:3]],
        )
    if llm_app(ctx):
        return Outcome.failed(
            "The serving code neither logs its predictions nor traces its LLM calls."
        )
    return Outcome.failed("The serving code does not log its predictions.")


def _platform_capture(ctx: CheckContext) -> list[Evidence]:
    """Platform capture, also set up from a notebook (it keeps capturing once the endpoint
    exists), and KServe/Seldon loggers."""
    repo = ctx.repo
    for path in repo.glob("*.py", "*.yaml", "*.yml", "*.json", "*.tf", "*.ipynb"):
        if traits.is_test_path(path):
            continue
        text = repo.text(path) or ""
        match = MANAGED_CAPTURE.search(text) or _serving_logger(text)
        if match:
            return [ev(path, line_at(text, match.start()), match.group(0).strip())]
    return []


def _serving_logger(text: str) -> re.Match[str] | None:
    """KServe ``spec.predictor.logger`` / Seldon ``logger:`` in a serving manifest."""
    if not re.search(r"^kind:\s*(InferenceService|SeldonDeployment)", text, re.MULTILINE):
        return None
    return re.search(r"^[ \t]*logger:", text, re.MULTILINE)


def _prediction_records(ctx: CheckContext) -> list[tuple[Evidence, bool]]:
    """Per prediction file, a call that logs or stores a prediction (one with the model
    version when there is one), and whether the model version goes with it."""
    repo = ctx.repo
    logs = callsites.by_file(callsites.sites(repo, attrs=SERVING_LOG_CALLS))
    printed = callsites.by_file(callsites.sites(repo, names=["print"]))
    stores = callsites.by_file(callsites.sites(repo, attrs=STORE_CALLS))
    serving = set(traits.serving_files(repo))
    found = []
    for path in traits.prediction_files(repo):
        facts = repo.python(path)
        if facts is None:
            continue
        # in a service, logging the variable that holds the model's output logs predictions
        predicted = _predicted_names(facts) if path in serving else set()
        # a serverless function's standard output is its platform's log (CloudWatch)
        said = [*logs.get(path, ()), *(printed.get(path, ()) if _serverless(repo, path) else ())]
        records = [c for c in said if _logs_prediction(c, predicted)]
        scored = _scored_names(facts)
        records += [c for c in stores.get(path, ()) if _stores_prediction(c, scored)]
        if not records:
            continue
        lines = repo.lines(path)
        versioned = next((c for c in records if _versioned(c, facts, lines)), None)
        record = versioned or records[0]
        verb = "stores" if record.attr in STORE_CALLS else "logs"
        evidence = ev(path, record.line, f"{record.name}(...)", f"{verb} predictions")
        found.append((evidence, versioned is not None))
    return found


def _serverless(repo: Facts, path: str) -> bool:
    """The file defines a serverless function (``handler``/``lambda_handler``, or any
    function taking Lambda's ``(event, context)``)."""
    facts = repo.python(path)
    return facts is not None and traits.defines_handler(facts)


def _call_text(call: Call) -> str:
    parts = [str(v) for v in call.args]
    parts += [f"{k}={v}" for k, v in call.kwargs]
    return " ".join(parts)


def _logs_prediction(call: Call, predicted: set[str]) -> bool:
    text = _call_text(call)
    named = re.search(r"pred", text, re.IGNORECASE) or set(NAME.findall(text)) & predicted
    return bool(named) and _logs_values(call)


def _stores_prediction(call: Call, scored: set[str]) -> bool:
    """``df_pred.to_csv(...)``, ``scored.to_parquet(...)``, ``upload_file("predictions.csv")``,
    or a frame built from the predictions (``out = preds.withColumn(...)`` then
    ``out.write.saveAsTable(...)``)."""
    if PREDICTION_WORDS.search(f"{call.name} {_call_text(call)}"):
        return True
    first = call.args[0] if call.args else None
    written = first.text if isinstance(first, Expr) else ""  # json.dump(output, handle)
    return call.name.split(".", 1)[0] in scored or written in scored


def _scored_names(facts: PyFacts) -> set[str]:
    """Variables built from predictions: assigned a value that names them."""
    return {
        a.target
        for a in facts.assigns
        if "." not in a.target
        and isinstance(a.value, Expr)
        and PREDICTION_WORDS.search(a.value.text)
    }


def _versioned(call: Call, facts: PyFacts, lines: list[str]) -> bool:
    """The model's version goes with the prediction: named in the call, or in the record the
    call writes, built in the same file before it (``response = Response(...,
    model_version=bundle.version)`` then ``logger.info(..., response.score)``, or
    ``rows["model_version"] = version`` then ``rows.to_csv(...)``)."""
    text = _statement(lines, call.line)
    if MODEL_IDENTITY.search(text):
        return True
    names = set(NAME.findall(text)) - {call.attr}
    for a in facts.assigns:
        built = a.target in names and a.line < call.line
        if built and MODEL_IDENTITY.search(_statement(lines, a.line)):
            return True
    start = max(0, call.line - 1 - RECORD_LOOKBACK)
    for t in lines[start : call.line - 1]:
        head = t.strip()
        if MODEL_IDENTITY.search(head) and any(head.startswith((f"{n}[", f"{n}.")) for n in names):
            return True
    return False


def _statement(lines: list[str], line: int) -> str:
    """The source of the statement that starts on ``line``: up to where its brackets close
    (at most 40 lines; brackets inside strings are counted too, which only ends it later)."""
    depth, out = 0, []
    for text in lines[line - 1 : line - 1 + 40]:
        out.append(text)
        depth += sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")
        if depth <= 0:
            break
    return "\n".join(out)


def _predicted_names(facts: PyFacts) -> set[str]:
    """Variables assigned a model's output (``response = model.predict(x)``)."""
    return {
        a.target
        for a in facts.assigns
        if isinstance(a.value, Expr) and MODEL_CALL.search(a.value.text) and "." not in a.target
    }


def _logs_values(call: Call) -> bool:
    """The log call carries a value (a variable, a dict of fields), not only counts or text."""
    found = []
    for value in (*call.args, *(v for _, v in call.kwargs)):
        if isinstance(value, Expr):
            text = value.text
            if re.match(r"^[rbRB]?[fF][rbRB]?['\"]", text):  # an f-string: its fields
                found += re.findall(r"\{([^{}]+)\}", text)
            else:
                found.append(text)
    return any(not COUNT_ONLY.search(e) for e in found)
