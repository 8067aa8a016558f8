"""LLM safety checks: model output reaching code/shell/SQL sinks, unbounded agents, prompt
secrets and uncapped completions. File-level approximations of data flow (precision medium).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mlguard.analyzers.python_ast import Assign, Call, Expr, FuncDef, PyFacts
from mlguard.checks.base import CheckContext, Outcome, ev, line_of
from mlguard.checks.declarative import name_matches
from mlguard.checks.llm.lifecycle import expr_text, llm_files
from mlguard.checks.llm.tool_args import ToolInputs, seeded, tool_inputs
from mlguard.checks.registry import register
from mlguard.facts import traits
from mlguard.model import Evidence

LLM_OUTPUT = re.compile(
    # ``.text``/``.content`` are a response's attributes; ``sqlalchemy.text(...)`` is a call
    r"(\.choices\b|\.message\.content|\.content\b(?!\s*\()|\.output_text\b|"
    r"\.text\b(?!\s*\()|\.invoke\(|\.ainvoke\(|\.generate\(|\.completions?\.create\(|"
    r"\.messages\.create\(|\.chat\(|"
    r"\bcompletion\(|\.run\(|\.kickoff\(|\.final_output\b|\.output_parsed\b|"
    r"\.function\.arguments\b|\[['\"]arguments['\"]\])"  # a tool call's JSON arguments
)
CODE_SINKS = (
    "eval",
    "exec",
    "compile",
    "os.system",
    "os.popen",
    "subprocess.*",
    "pickle.loads",
    "flask.render_template_string",
    "jinja2.Template",
    "markupsafe.Markup",
)
SINK_KWARGS = ("args", "cmd", "command", "source", "sql", "query", "statement", "template")
SQL_SINKS = (
    "*.execute",
    "*.executescript",
    "*.executemany",
    "pandas.read_sql*",
    "*.raw",
    "sqlalchemy.text",  # text(f"... {value}"): bound parameters (:name) are the safe form
    "sqlalchemy.sql.text",
    "sqlalchemy.sql.expression.text",
    "*.sql",  # spark.sql, duckdb.sql
    "*_sql",  # run_sql, execute_sql
)
MUTATORS = frozenset({"append", "extend", "add", "insert", "update", "appendleft"})
# SQLAlchemy/ORM query construction: column == value comparisons become bound parameters
ORM_BUILDER = re.compile(
    r"^\s*(?:[\w.]*\.)?(?:select|insert|update|delete)\(|"
    r"^\s*[\w.]*\.(?:where|filter|filter_by|values|order_by|having)\("
)
FSTRING = re.compile(r"^[rbRB]?[fF][rbRB]?['\"]")
STRING_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
DANGEROUS_TOOLS = ("*PythonREPLTool", "*PythonAstREPLTool", "*ShellTool", "*.BashProcess")
DANGEROUS_FLAGS = (
    "allow_dangerous_code",
    "allow_dangerous_requests",
    "allow_dangerous_deserialization",
)
MCP_CONFIGS = (
    ".mcp.json",
    "mcp.json",
    ".vscode/mcp.json",
    ".cursor/mcp.json",
    "claude_desktop_config.json",
)
SECRET_NAME = re.compile(r"(key|token|secret|password|passwd)", re.IGNORECASE)
UNCAPPED_CALLS = (
    "*.chat.completions.create",
    "*.responses.create",
    "*.messages.create",
    "litellm.completion",
    "litellm.acompletion",
    # framework chat models whose output is uncapped unless max_tokens is given (LangChain's
    # and LlamaIndex's Anthropic models default to a cap, so they are not listed)
    "llama_index.llms.openai.OpenAI",
    "llama_index.llms.azure_openai.AzureOpenAI",
    "langchain_openai.ChatOpenAI",
    "langchain_openai.AzureChatOpenAI",
    "langchain.chat_models.ChatOpenAI",
    "langchain_community.chat_models.ChatOpenAI",
    "langchain_google_genai.ChatGoogleGenerativeAI",
    # Ollama chat models generate until the model stops unless num_predict caps them
    "langchain_ollama.ChatOllama",
    "langchain_ollama.chat_models.ChatOllama",
    "langchain_community.chat_models.ChatOllama",
    "langchain_community.chat_models.ollama.ChatOllama",
)
TOKEN_CAPS = ("max_tokens", "max_completion_tokens", "max_output_tokens", "num_predict")
# OpenAI Agents SDK: an Agent's completions are capped by its ModelSettings(max_tokens=...),
# or by the ModelSettings of a RunConfig, which override every agent of the run
AGENT_CALLS = ("agents.Agent",)
MODEL_SETTINGS = ("agents.ModelSettings", "agents.model_settings.ModelSettings")
RUN_CONFIGS = ("agents.RunConfig", "agents.run.RunConfig")
PROMPT_MARKER = re.compile(r"(you are|system prompt|assistant|instructions?:|respond)", re.I)
PROMPT_SECRET = re.compile(
    r"((password|passwd|api[_ -]?key|secret|token)\s*(is|:|=)\s*['\"]?[A-Za-z0-9_\-./+]{6,}"
    r"|sk-[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|hf_[A-Za-z0-9]{30,})",
    re.IGNORECASE,
)


def _read(a: Assign) -> str:
    """The names an assignment's value reads (not the words of its string literals)."""
    if isinstance(a.value, Expr) and ORM_BUILDER.match(a.value.text):
        return ""  # values in a SQLAlchemy expression become bound parameters
    if a.refs or isinstance(a.value, str):
        return " ".join(a.refs)
    return _code_of(expr_text(a.value))


def _code_of(text: str) -> str:
    """An expression's text without its string literals: an f-string's fields only."""
    if FSTRING.match(text):
        return " ".join(re.findall(r"\{([^{}]+)\}", text))
    return STRING_LITERAL.sub(" ", text)


def _tainted(facts: PyFacts) -> set[str]:
    """Names (file-wide) whose values derive from LLM output."""
    rows = (*facts.assigns, *facts.flows)
    return _propagate(facts, {a.target for a in rows if LLM_OUTPUT.search(expr_text(a.value))})


def _propagate(facts: PyFacts, seeds: set[str], lines: tuple[int, int] = (0, 1 << 30)) -> set[str]:
    """``seeds`` and the names assigned from them (``x = f(seed)``, ``for x in seed``,
    ``x, y = seed``, ``xs.append(seed)``) between ``lines``, to a fixed point."""
    lo, hi = lines
    rows = [(a.target, _read(a)) for a in (*facts.assigns, *facts.flows) if lo <= a.line <= hi]
    rows += [
        (c.name[: -len(c.attr) - 1], _code_of(expr_text((*c.args, *(v for _, v in c.kwargs)))))
        for c in facts.calls
        if c.attr in MUTATORS and lo <= c.line <= hi and not c.name.startswith("?")
    ]
    names = set(seeds)
    for _ in range(4):
        if not names:
            break
        pattern = _mentions(names)
        grown = {target for target, text in rows if pattern.search(text)} - names
        if not grown:
            break
        names |= grown
    return names


def _mentions(names: set[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(names)) + r")\b")


def _reaches(call: Call, tainted: set[str]) -> bool:
    """The code/command/query argument (not data parameters) derives from LLM output."""
    target = (
        call.args[0] if call.args else next((v for k, v in call.kwargs if k in SINK_KWARGS), None)
    )
    if not isinstance(target, Expr):
        return False  # a literal command or query (parameters may be tainted: that is safe)
    text = target.text
    if LLM_OUTPUT.search(text):
        return True
    return bool(tainted) and bool(_mentions(tainted).search(_code_of(text)))


@register
def output_sinks(ctx: CheckContext) -> Outcome:
    """LLM output flowing into eval/exec/shell/SQL/templates, and code-executing tools;
    the model's tool-call arguments flowing into code or SQL (:mod:`.tool_args`)."""
    found: list[Evidence] = []
    inputs = tool_inputs(ctx.repo)
    for path, facts in llm_files(ctx.repo):
        tainted = _tainted(facts)
        for call in facts.calls:
            found += _sink_findings(path, call, tainted)
        found += _tool_arg_findings(path, facts, inputs)
    seen: set[tuple[str, int, str]] = set()
    unique = []
    for e in found:  # one finding per sink, however many functions hand it model output
        key = (e.location.path, e.location.line, e.text)
        if key not in seen:
            seen.add(key)
            unique.append(e)
    return Outcome.violations(unique)


def _tool_arg_findings(path: str, facts: PyFacts, inputs: ToolInputs) -> list[Evidence]:
    """Sinks reached by a function's model-written parameters, within the function or one
    call further, through a helper function of the same file that it hands them to."""
    local = {d.name: d for d in facts.defs}
    found: list[Evidence] = []
    for func, params in seeded(path, facts, inputs):
        scopes = [(func, params)]
        lines = (func.line, func.end_line)
        tainted = _propagate(facts, params, lines)
        for call in _calls_in(facts, lines):
            helper = local.get(call.attr)
            if helper is not None and helper is not func and _local_call(call):
                handed = _handed(call, helper, tainted)
                if handed:
                    scopes.append((helper, handed))
        for scope, names in scopes:
            lines = (scope.line, scope.end_line)
            reached = _propagate(facts, names, lines)
            for call in _calls_in(facts, lines):
                found += _flow_findings(path, call, reached, func.name)
    return found


def _calls_in(facts: PyFacts, lines: tuple[int, int]) -> list[Call]:
    return [c for c in facts.calls if lines[0] <= c.line <= lines[1]]


def _local_call(call: Call) -> bool:
    """``helper(...)`` or ``self.helper(...)``: a function of this file, not an import."""
    return call.name == call.attr or call.name in (f"self.{call.attr}", f"cls.{call.attr}")


def _handed(call: Call, helper: FuncDef, tainted: set[str]) -> set[str]:
    """The helper's parameters that receive a tainted argument of ``call``."""
    if not tainted:
        return set()
    pattern = _mentions(tainted)
    params = [n for n, _ in helper.params]
    if params and params[0] in ("self", "cls") and call.name != call.attr:
        params = params[1:]
    handed = {p for p, v in zip(params, call.args, strict=False) if pattern.search(expr_text(v))}
    handed |= {k for k, v in call.kwargs if k in params and pattern.search(expr_text(v))}
    return handed


def _flow_findings(path: str, call: Call, tainted: set[str], tool: str) -> list[Evidence]:
    sql = any(name_matches(call, n) for n in SQL_SINKS)
    code = any(name_matches(call, n) for n in CODE_SINKS)
    if (code or sql) and tainted and _reaches(call, tainted):
        kind = "a SQL query" if sql else f"{call.name}()"
        msg = f"model-written tool arguments (received by {tool}()) reach {kind} unvalidated"
        return [ev(path, call.line, f"{call.name}(...)", msg)]
    return []


def _sink_findings(path: str, call: Call, tainted: set[str]) -> list[Evidence]:
    if any(name_matches(call, n) for n in DANGEROUS_TOOLS):
        msg = f"{call.attr} lets the model run arbitrary code or shell commands"
        return [ev(path, call.line, call.name, msg)]
    flags = [k for k in DANGEROUS_FLAGS if call.kwarg(k) is True]
    if flags:
        return [ev(path, call.line, f"{flags[0]}=True", f"{flags[0]}=True in {call.attr}(...)")]
    sql = any(name_matches(call, n) for n in SQL_SINKS)
    code = any(name_matches(call, n) for n in CODE_SINKS)
    if (code or sql) and _reaches(call, tainted):
        kind = "a SQL query" if sql else f"{call.name}()"
        msg = f"LLM output reaches {kind} without validation"
        return [ev(path, call.line, f"{call.name}(...)", msg)]
    return []


@register
def agent_bounds(ctx: CheckContext) -> Outcome:
    """Agents without iteration caps, unsandboxed code execution, unpinned MCP servers."""
    found: list[Evidence] = []
    for path, facts in llm_files(ctx.repo):
        for call in facts.calls:
            found += _agent_findings(path, call)
    for path in ctx.repo.glob(*MCP_CONFIGS):
        for doc in ctx.repo.config(path):
            found += _mcp_findings(ctx, path, doc)
    return Outcome.violations(found)


def _agent_findings(path: str, call: Call) -> list[Evidence]:
    text = " ".join(expr_text(v) for _, v in call.kwargs)
    problems = []
    unbounded = call.has_kwarg("max_iterations") and call.kwarg("max_iterations") is None
    if call.attr == "AgentExecutor" and unbounded:
        problems.append("AgentExecutor(max_iterations=None) lets the agent loop forever")
    if call.attr == "LocalCommandLineCodeExecutor":
        problems.append("agent code runs on the host (LocalCommandLineCodeExecutor), unsandboxed")
    if re.search(r"['\"]use_docker['\"]\s*:\s*False", text):
        problems.append("agent code execution with use_docker=False runs on the host")
    if call.kwarg("code_execution_mode") == "unsafe":
        problems.append("code_execution_mode='unsafe' runs agent code on the host")
    imports = call.kwarg("additional_authorized_imports")
    if imports == "*" or (isinstance(imports, tuple) and "*" in imports):
        problems.append("additional_authorized_imports=['*'] lets agent code import anything")
    if call.kwarg("recursion_limit") is None and call.has_kwarg("recursion_limit"):
        problems.append("recursion_limit=None removes the agent's step cap")
    return [ev(path, call.line, f"{call.attr}(...)", p) for p in problems]


def _servers(doc: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(doc, dict):
        return
    for key in ("mcpServers", "servers"):
        servers = doc.get(key)
        if isinstance(servers, dict):
            for name, spec in sorted(servers.items()):
                if isinstance(spec, dict):
                    yield str(name), spec


def _mcp_findings(ctx: CheckContext, path: str, doc: Any) -> list[Evidence]:
    found = []
    for name, spec in _servers(doc):
        line = line_of(ctx, path, f'"{name}"')
        package = _unpinned_package(spec)
        if package:
            msg = f"MCP server {name!r} runs {package!r} unpinned: pin a version or digest"
            found.append(ev(path, line, package, msg))
        env = spec.get("env")
        for key, value in sorted(env.items()) if isinstance(env, dict) else ():
            if SECRET_NAME.search(key) and isinstance(value, str) and _literal(value):
                msg = f"MCP server {name!r} has a literal secret in env {key}"
                found.append(ev(path, line_of(ctx, path, f'"{key}"'), key, msg))
    return found


def _literal(value: str) -> bool:
    return bool(value) and not re.match(r"^(\$\{.*\}|\$[A-Z_]+|<.*>|\$\{input:.*\})$", value)


def _unpinned_package(spec: dict[str, Any]) -> str:
    command = str(spec.get("command", "")).rsplit("/", 1)[-1]
    raw = spec.get("args")
    args = [str(a) for a in raw if isinstance(a, str | int)] if isinstance(raw, list) else []
    positional = [a for a in args if not a.startswith("-")]
    if command in ("npx", "bunx", "pnpx") and positional:
        pkg = positional[0]
        return "" if re.search(r".@\d", pkg) else pkg
    if command in ("uvx", "pipx") and positional:
        pkg = positional[1] if positional[0] == "run" and len(positional) > 1 else positional[0]
        return "" if re.search(r"(==|@)\d", pkg) else pkg
    if command in ("docker", "podman") and "run" in positional:
        images = [a for a in positional if a != "run" and ("/" in a or ":" in a)]
        if images and not re.search(r"@sha256:|:(?!latest$)[\w.-]+$", images[0]):
            return images[0]
    return ""


@register
def prompt_secrets_and_limits(ctx: CheckContext) -> Outcome:
    """Secrets written into prompts; completion calls without an output-token cap."""
    found: list[Evidence] = []
    sdk = traits.agents_sdk(ctx.repo)
    for path, facts in llm_files(ctx.repo):
        for text, line in facts.strings:
            if PROMPT_MARKER.search(text) and PROMPT_SECRET.search(text):
                msg = "A prompt contains a credential: prompts leak, keep secrets out of them"
                found.append(ev(path, line, "secret in prompt", msg))
        for call in facts.calls:
            if any(name_matches(call, n) for n in UNCAPPED_CALLS) and not _capped(call):
                msg = f"{call.name}() without max_tokens: output length and cost are unbounded"
                found.append(ev(path, call.line, f"{call.name}(...)", msg))
        found += _uncapped_agents(path, facts) if sdk else []
    return Outcome.violations(found)


def _capped(call: Call) -> bool:
    return call.star_kwargs or any(call.has_kwarg(k) for k in TOKEN_CAPS)


def _within(outer: Call, names: tuple[str, ...], facts: PyFacts) -> list[Call]:
    """The calls named ``names`` written inside ``outer``'s arguments."""
    return [
        c
        for c in facts.calls
        if outer.line <= c.line <= (outer.end_line or outer.line)
        and c is not outer
        and any(name_matches(c, n) for n in names)
    ]


def _uncapped_agents(path: str, facts: PyFacts) -> list[Evidence]:
    """OpenAI Agents SDK ``Agent(...)`` without ``model_settings=ModelSettings(max_tokens=)``.

    A ``model_settings`` given as a variable is taken as capped (its value is not followed);
    a RunConfig with capped ModelSettings in the same file caps every agent of the file."""
    agents = [c for c in facts.calls if any(name_matches(c, n) for n in AGENT_CALLS)]
    if not agents:
        return []
    run_configs = [c for c in facts.calls if any(name_matches(c, n) for n in RUN_CONFIGS)]
    if any(_capped(s) for rc in run_configs for s in _within(rc, MODEL_SETTINGS, facts)):
        return []
    found = []
    for agent in agents:
        if agent.star_kwargs:
            continue
        settings = agent.kwarg("model_settings")
        if isinstance(settings, Expr) and not re.match(r"^[\w.]*ModelSettings\(", settings.text):
            continue  # settings built elsewhere
        inline = _within(agent, MODEL_SETTINGS, facts) if settings is not None else []
        if not any(_capped(s) for s in inline):
            msg = (
                "Agent(...) without model_settings=ModelSettings(max_tokens=...): "
                "output length and cost are unbounded"
            )
            found.append(ev(path, agent.line, "Agent(...)", msg))
    return found
