"""LLM application checks: prompts as artifacts, pinned models, evals in CI, output sinks."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlguard.analyzers.python_ast import Call, Expr, PyFacts
from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.declarative import calls_named
from mlguard.checks.registry import register
from mlguard.facts import kind, traits
from mlguard.facts.ci_commands import ci_runs
from mlguard.facts.files import Facts
from mlguard.facts.ml import ci_mentions, path_words
from mlguard.model import Evidence
from mlguard.safeio.lines import line_at

PROMPT_FILES = (
    "prompts/**/*.txt",
    "prompts/**/*.md",
    "prompts/**/*.y*ml",
    "prompts/**/*.j2",
    "prompts/**/*.jinja*",
    "prompts/**/*.json",
    "*.prompty",
    "*.prompt",
    "**/prompts/**/*.txt",
    "**/prompts/**/*.md",
    "**/prompts/**/*.y*ml",
    "**/prompts/**/*.j2",
    "**/prompts/**/*.jinja*",
    # a prompt file kept beside the code (src/rag/agent/system_prompt.txt)
    "**/*prompt*.txt",
    "**/*prompt*.j2",
    "**/*prompt*.jinja*",
)
PROMPT_REGISTRY = (
    "mlflow.genai.register_prompt",
    "mlflow.genai.load_prompt",
    "mlflow.register_prompt",
    "mlflow.load_prompt",
    "langfuse*get_prompt",
    "*Langfuse*get_prompt",
    "*langfuse*.get_prompt",
    "langchain.hub.pull",
    "langchain_classic.hub.pull",
    "*.hub.pull",
    "*.pull_prompt",  # LangSmith Client: prompts versioned by commit in the hub
    "*.push_prompt",
    "promptlayer.*",
)
PROMPT_MODULES = ("**/prompts.py", "**/prompts/**/*.py", "**/*_prompts.py", "**/prompt_*.py")
MODEL_KWARGS = ("model", "model_name", "model_id")
MODEL_POSITIONAL = frozenset(
    {"init_chat_model", "GenerativeModel", "completion", "acompletion", "ChatOpenAI", "LLM"}
)
VENDOR_MODEL = re.compile(
    r"^(gpt-|chatgpt-|o[1-9](-|$)|claude-|gemini-|mistral-|codestral-|command-r|"
    r"(openai|anthropic|google|gemini|mistral)[/:])",
    re.IGNORECASE,
)
DATED = re.compile(r"([-@](\d{4}-\d{2}-\d{2}|\d{8}|\d{4}|\d{3}))$")
EVAL_LIBS = (
    "deepeval",
    "ragas",
    "lm_eval",
    "inspect_ai",
    "langsmith.evaluation",
    "mlflow.genai",
    "promptfoo",
    "garak",
    "pyrit",
    "trulens",
    "azure.ai.evaluation",  # Azure AI Foundry evaluators (groundedness, relevance, safety)
    "promptflow.evals",
    "evaltools",  # ai-rag-chat-evaluator
    "phoenix.evals",
    "opik",
    "openai.evals",
    "giskard",
)
EVAL_FILES = ("promptfooconfig.y*ml", "**/promptfooconfig.y*ml", "promptfoo/**", "evals/**/*.y*ml")
EVAL_CI = r"(promptfoo|npx promptfoo|deepeval|lm_eval|lm-eval|inspect eval|garak|pyrit|ragas)\b"


def llm_app(ctx: CheckContext) -> bool:
    """The repository is an LLM application (calls LLM SDKs, trains no model)."""
    return kind.detected(ctx.repo).name == "llm-app"


def llm_files(repo: Facts) -> Iterator[tuple[str, PyFacts]]:
    """Product Python files that import an LLM SDK."""
    sdk = traits.AGENTS_SDK if traits.agents_sdk(repo) else frozenset()
    for path in traits.product_paths(repo):
        facts = repo.python(path)
        if facts is not None and any(_llm_import(i.module, sdk) for i in facts.imports):
            yield path, facts


def _llm_import(module: str, sdk: frozenset[str]) -> bool:
    parts = module.split(".")
    return (
        parts[0] in traits.LLM_LIBS
        or module in sdk
        or ".".join(parts[:2]) in traits.LLM_LIBS
        or parts[0].startswith("langchain_")  # every provider package: langchain_groq, ...
    )


@register
def prompts_versioned(ctx: CheckContext) -> Outcome:
    """Prompt files or a prompt registry (pass); prompts in a dedicated module (partial)."""
    repo = ctx.repo
    found = [ev(p) for p in repo.glob(*PROMPT_FILES) if not traits.is_test_path(p)]
    for path, call in calls_named(ctx, list(PROMPT_REGISTRY)):
        found.append(ev(path, call.line, call.name))
    if found:
        return Outcome.passed(found)
    modules = [ev(p) for p in repo.glob(*PROMPT_MODULES)]
    if modules:
        return Outcome.partial(
            "Prompts live in a Python module, not as versioned prompt artifacts.", modules[:1]
        )
    return Outcome.failed("Prompts are inline in the code (no prompts/ files, no registry).")


def _model_literal(call: Call, constants: dict[str, str]) -> str:
    """The model name passed as a literal or through a module-level string constant."""
    for key in MODEL_KWARGS:
        value = call.kwarg(key)
        if isinstance(value, str):
            return value
        if isinstance(value, Expr) and value.text in constants:
            return constants[value.text]
    if call.attr in MODEL_POSITIONAL and call.args:
        first = call.args[0]
        if isinstance(first, Expr):
            return constants.get(first.text, "")
        return first if isinstance(first, str) else ""
    return ""


PROVIDER_PREFIX = re.compile(r"^[a-z][a-z0-9_-]*:(?!//)")  # init_chat_model("openai:gpt-4o")


def floating_model(name: str) -> bool:
    """``gpt-4o`` or ``claude-3-5-sonnet-latest`` float; ``gpt-4o-2024-08-06`` is pinned.

    A LangChain ``provider:model`` string (``anthropic:claude-3-5-sonnet-latest``,
    ``google_genai:gemini-1.5-pro``) is judged by its model part.
    """
    if "latest" in name.lower():
        return True
    if VENDOR_MODEL.match(name) and not DATED.search(name):
        return True
    model = PROVIDER_PREFIX.sub("", name, count=1)
    return model != name and bool(VENDOR_MODEL.match(model)) and not DATED.search(model)


@register
def model_pinned(ctx: CheckContext) -> Outcome:
    """Each literal model name that is a floating alias is a finding."""
    found = []
    for path, facts in llm_files(ctx.repo):
        constants = {a.target: a.value for a in facts.assigns if isinstance(a.value, str)}
        defaults = [(c.line, d) for c in facts.calls if (d := _env_default(c))]
        defaults += [
            (a.line, m.group(2))
            for a in facts.assigns
            if isinstance(a.value, Expr)
            and (m := ENV_OR.search(a.value.text))
            and not AZURE_SETTING.search(m.group(1))
        ]
        azure = _azure_only(facts)
        for call in facts.calls:
            name = "" if azure else _model_literal(call, constants)
            if name and floating_model(name):
                found.append(ev(path, call.line, name, _floating(name)))
            elif name and _ollama(call) and ":" not in name:
                found.append(ev(path, call.line, name, _floating_tag(name)))
        for line, name in defaults:
            if VENDOR_MODEL.match(name) and floating_model(name):
                found.append(ev(path, line, name, _floating(name) + " (the default when unset)"))
    reported = {e.text for e in found}
    found += [e for e in _model_settings(ctx.repo) if e.text not in reported]
    return Outcome.violations(sorted(set(found), key=lambda e: (e.location, e.text)))


# ``CHAT_MODEL = "gpt-4o"`` or a settings class field ``LLM_NAME: str = "gpt-4o-mini"``
MODEL_SETTING = re.compile(
    r"^[ \t]*(\w*(?:model|llm)\w*)[ \t]*(?::[^=\n]{0,80})?=[ \t]*[\"']([^\"'\n]{1,100})[\"']",
    re.IGNORECASE | re.MULTILINE,
)
QUOTED_VENDOR = re.compile(
    r"[\"'](gpt-|chatgpt-|o[1-9]|claude-|gemini-|mistral-|codestral-|command-r)"
)


def _model_settings(repo: Facts) -> list[Evidence]:
    """Floating model names given as the value of a model setting (a module constant or a
    settings class field, where the app reads its model from), in any product file."""
    found = []
    for path in traits.product_paths(repo):
        if not path.endswith(".py"):
            continue
        text = repo.text(path) or ""
        if not QUOTED_VENDOR.search(text):
            continue
        facts = repo.python(path)
        if facts is not None and _azure_only(facts):
            continue  # model= and model settings name Azure deployments
        for match in MODEL_SETTING.finditer(text):
            name, setting = match.group(2), match.group(1)
            if AZURE_SETTING.search(setting):
                continue  # an Azure deployment name: the deployment pins the version
            if VENDOR_MODEL.match(name) and floating_model(name):
                line = line_at(text, match.start())
                found.append(ev(path, line, name, _floating(name) + f" ({setting})"))
    return found


# clients whose ``model=`` names an Azure deployment (the deployment pins the version)
AZURE_CLIENTS = (
    "openai.AzureOpenAI",
    "openai.AsyncAzureOpenAI",
    "openai.lib.azure",
    "azure.ai.projects",
    "azure.ai.inference",
    "azure.ai.agents",
    "langchain_openai.AzureChatOpenAI",
    "langchain_openai.chat_models.azure",
    "llama_index.llms.azure_openai",
)
OTHER_CLIENTS = ("openai.OpenAI", "openai.AsyncOpenAI", "anthropic", "google", "mistralai")


def _azure_only(facts: PyFacts) -> bool:
    """The file's LLM clients are Azure's only: its ``model=`` names are deployments."""
    modules = [i.module for i in facts.imports]
    azure = any(m.startswith(AZURE_CLIENTS) for m in modules)
    return azure and not any(
        m == c or m.startswith(c + ".") for m in modules for c in OTHER_CLIENTS
    )


ENV_CALLS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault"})
# ``os.getenv("CHAT_MODEL") or "gpt-3.5-turbo"``: the fallback model when the setting is unset
ENV_OR = re.compile(
    r"(?:getenv|environ\.get)\(\s*['\"]?([^'\"()]*)['\"]?[^()]*\)\s+or\s+['\"]([^'\"]+)['\"]"
)
# Azure OpenAI names a deployment, and the deployment pins the model version (in the
# infrastructure), so a default for an Azure setting is not a floating model
AZURE_SETTING = re.compile(r"azure|deployment", re.IGNORECASE)


def _env_default(call: Call) -> str:
    """The default of ``os.getenv("X", "gpt-4o")``."""
    if call.name not in ENV_CALLS or len(call.args) < 2 or not isinstance(call.args[1], str):
        return ""
    setting = call.args[0] if isinstance(call.args[0], str) else ""
    return "" if AZURE_SETTING.search(setting) else call.args[1]


OLLAMA_CLASSES = frozenset({"ChatOllama", "Ollama", "OllamaLLM"})


def _ollama(call: Call) -> bool:
    """A chat or generation call of Ollama (the SDK or LangChain's classes)."""
    if call.name.startswith("ollama.") and call.attr in ("chat", "generate"):
        return True
    return call.attr in OLLAMA_CLASSES or call.name.split(".")[-1] in OLLAMA_CLASSES


def _floating_tag(name: str) -> str:
    return (
        f"Ollama model {name!r} has no tag, so it runs whatever {name}:latest is when pulled: "
        "name a size and quantisation tag (e.g. llama3.1:8b-instruct-q4_K_M)"
    )


def _floating(name: str) -> str:
    return (
        f"Model {name!r} is a floating alias: pin a dated snapshot "
        "(e.g. gpt-4o-2024-08-06, claude-sonnet-4-20250514)"
    )


def _eval_evidence(repo: Facts) -> list[Evidence]:
    found = [ev(p) for p in repo.glob(*EVAL_FILES)]
    for path, facts in repo.iter_python():
        for imp in facts.imports:
            if any(imp.module == m or imp.module.startswith(m + ".") for m in EVAL_LIBS):
                found.append(ev(path, imp.line, imp.module))
                break
        else:
            found += _judge_evaluation(repo, path)
    return found


# an evaluation of its own: a script or module named for evaluation that scores answers with
# LLM-judge metrics (groundedness, relevance, coherence ...), or prompt files of such judges
EVAL_PATH = re.compile(r"(^|/)(evals?|evaluat\w*|evaluators?)(/|_|\.py$|\.prompty$)", re.I)
JUDGE_METRICS = re.compile(
    r"\b(groundedness|faithfulness|answer_relevan\w*|context_(precision|recall)|"
    r"coherence|fluency|hallucination\w*)\b",
    re.IGNORECASE,
)


def _judge_evaluation(repo: Facts, path: str) -> list[Evidence]:
    if traits.is_test_path(path) or not EVAL_PATH.search(path):
        return []
    text = repo.text(path) or ""
    match = JUDGE_METRICS.search(text)
    if match is None:
        return []
    line = line_at(text, match.start())
    return [ev(path, line, f"scores answers by {match.group(0)}")]


@register
def eval_in_ci(ctx: CheckContext) -> Outcome:
    """An LLM eval suite that CI runs (pass) or that exists but runs by hand (partial)."""
    repo = ctx.repo
    found = _eval_evidence(repo)
    if not found:
        return Outcome.failed("No LLM evaluation suite (promptfoo, deepeval, ragas, lm-eval).")
    automated = ci_runs(repo, EVAL_CI)
    if any(traits.is_test_path(e.location.path) for e in found):
        automated += ci_runs(repo, r"(pytest|tox|nox)\b")
    words = sorted({w for e in found for w in path_words(e.location.path)} - {"eval", "test"})
    automated += ci_mentions(repo, words)
    if automated:
        return Outcome.passed(automated)
    return Outcome.partial("An LLM eval suite exists but CI does not run it.", found[:1])


def expr_text(value: object) -> str:
    if isinstance(value, Expr):
        return value.text
    if isinstance(value, tuple):
        return " ".join(expr_text(v) for v in value)
    return repr(value) if isinstance(value, str) else str(value)
