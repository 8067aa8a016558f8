"""The one vocabulary of LLM call tracing (LangSmith, Langfuse, OpenTelemetry GenAI
instrumentation, Arize Phoenix/OpenInference, OpenLLMetry, Weave, MLflow tracing,
LlamaIndex global handlers, ...).

LLM007 passes on it, and MON003 reads it as an LLM application's prediction log: a trace
records each prompt, response and model, so the two rules cannot disagree about what
counts as tracing.
"""

from __future__ import annotations

from typing import Any

from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.declarative import evaluate
from mlguard.checks.registry import register
from mlguard.facts import traits
from mlguard.model import Evidence

TRACING_MODULES = (
    "langfuse",
    "langsmith",
    "openinference",
    "phoenix",
    "arize.otel",
    "openlit",
    "traceloop",  # OpenLLMetry
    "opentelemetry.instrumentation.openai",
    "opentelemetry.instrumentation.openai_v2",
    "opentelemetry.instrumentation.anthropic",
    "opentelemetry.instrumentation.langchain",
    "weave",
    "agentops",
    "helicone",
    "logfire",
    "prompty.tracer",  # Prompty's @trace: inputs and outputs of each prompt run and LLM call
    "azure.ai.inference.tracing",  # AIInferenceInstrumentor: OpenTelemetry spans of LLM calls
)
TRACING_CALLS = (
    "mlflow.openai.autolog",
    "mlflow.langchain.autolog",
    "mlflow.anthropic.autolog",
    "mlflow.llama_index.autolog",
    "mlflow.dspy.autolog",
    "mlflow.trace",
    "mlflow.*.autolog",
)
LLAMA_INDEX_HANDLERS = ("llama_index.core.set_global_handler", "llama_index.set_global_handler")
LLAMA_INDEX_TRACERS = (
    r"^(arize_phoenix|openinference|langfuse|wandb|opik|honeyhive|literalai|deepeval|agentops"
    r"|argilla)$"
)
TRACING_DECORATORS = ("mlflow.trace",)  # a bare ``@mlflow.trace`` is no call
TRACING_CONFIG_FILES = (".env.example", ".env.sample", "*.yaml", "*.yml", "*.toml", "Dockerfile")
TRACING_ENV = (
    r"(LANGSMITH_TRACING|LANGCHAIN_TRACING_V2|LANGFUSE_(PUBLIC|HOST)|OTEL_EXPORTER_OTLP_ENDPOINT)"
)
_SPEC: dict[str, Any] = {
    "any": [
        {"any_import": {"modules": list(TRACING_MODULES)}},
        {"any_call": {"names": list(TRACING_CALLS)}},
        {  # LlamaIndex's one-line integrations (``"simple"`` only prints to stdout)
            "any_call": {
                "names": list(LLAMA_INDEX_HANDLERS),
                "where": [{"arg": 0, "matches": LLAMA_INDEX_TRACERS}],
            }
        },
        {"file_contains": {"files": list(TRACING_CONFIG_FILES), "pattern": TRACING_ENV}},
    ]
}


def llm_tracing(ctx: CheckContext) -> list[Evidence]:
    """Where the LLM calls are traced: tracing SDK imports, autolog/trace calls and
    decorators, tracing switched on in configuration. Test code does not count."""
    _, found = evaluate(_SPEC, ctx)
    for path, facts in ctx.repo.iter_python():
        found += [
            ev(path, line, name) for name, line in facts.decorators if name in TRACING_DECORATORS
        ]
    return [e for e in dict.fromkeys(found) if not traits.is_test_path(e.location.path)]


@register
def traced(ctx: CheckContext) -> Outcome:
    """The LLM calls are traced (LLM007)."""
    found = llm_tracing(ctx)
    return Outcome.passed(found) if found else Outcome.failed()
