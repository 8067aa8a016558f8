"""Where a model's tool-call arguments enter the code: LLM output that arrives typed.

An agent framework calls a tool function with arguments the model wrote. They are the
parameters of functions decorated as tools (OpenAI Agents SDK ``@function_tool``, LangChain
``@tool``, Semantic Kernel ``@kernel_function``, MCP ``@server.tool()``), of functions
handed to an agent (``tools=[...]``, ``bind_tools([...])``) or wrapped as a tool
(``function_tool(f)``, ``StructuredTool.from_function(f)``, ``Tool(func=f)``), and any
value of the project's own classes those parameters are typed with, or that
``output_type=`` / ``response_format=`` parse the model's answer into, wherever a function
of an LLM file takes one. Framework-supplied parameters (run context, config, injected
state) are not the model's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlguard.analyzers.python_ast import Call, Expr, FuncDef, PyFacts, Value
from mlguard.checks.llm.lifecycle import llm_files
from mlguard.facts import traits
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.modules import ModuleIndex

TOOL_DECORATORS = frozenset({"tool", "function_tool", "kernel_function"})  # last component
TOOL_WRAPPERS = frozenset({"function_tool", "tool", "from_function", "FunctionTool"})
TOOL_FUNC_KWARGS = ("func", "coroutine", "function")
TOOL_LISTS = ("tools",)
SCHEMA_KWARGS = ("output_type", "response_format", "text_format", "response_model")
FRAMEWORK_PARAM = re.compile(r"(Context|Wrapper|Config|Injected|State|Kernel)")
IDENT = re.compile(r"[A-Za-z_]\w*")
DOTTED = re.compile(r"^[A-Za-z_][\w.]*$")


@dataclass(frozen=True)
class ToolInputs:
    functions: dict[str, frozenset[str]]  # file -> names of the tool functions defined there
    types: frozenset[str]  # the project's classes whose values the model wrote


def model_params(func: FuncDef) -> list[tuple[str, str]]:
    """The parameters a model fills when ``func`` is called as a tool."""
    return [
        (name, ann)
        for name, ann in func.params
        if name not in ("self", "cls") and not FRAMEWORK_PARAM.search(ann)
    ]


@fact
def tool_inputs(repo: Facts) -> ToolInputs:
    """Every LLM file's tool functions and the classes of the model's structured output."""
    index = ModuleIndex.of(repo)
    files = list(llm_files(repo))
    functions: dict[str, set[str]] = {}
    mentioned: set[str] = set()
    for path, facts in files:
        for d in facts.defs:
            if any(dec.rsplit(".", 1)[-1] in TOOL_DECORATORS for dec in d.decorators):
                functions.setdefault(path, set()).add(d.name)
        for call in facts.calls:
            for ref in _tool_refs(call):
                where, name = _locate(ref, path, index)
                functions.setdefault(where, set()).add(name)
            for key in SCHEMA_KWARGS:
                schema = call.kwarg(key)
                if isinstance(schema, Expr):
                    mentioned.update(IDENT.findall(schema.text))
    for path, facts in files:
        tools = functions.get(path, set())
        for d in facts.defs:
            if d.name in tools:
                for _, ann in model_params(d):
                    mentioned.update(IDENT.findall(ann))
    return ToolInputs({p: frozenset(n) for p, n in functions.items()}, _with_bases(repo, mentioned))


def _with_bases(repo: Facts, mentioned: set[str]) -> frozenset[str]:
    """The project's classes among ``mentioned``, with their bases defined in the project
    (a function taking ``Filter`` may be handed the model's ``PriceFilter(Filter)``)."""
    bases: dict[str, set[str]] = {}
    for path in traits.product_paths(repo):
        facts = repo.python(path)
        for name, of in facts.classes if facts is not None else ():
            bases.setdefault(name, set()).update(b.rsplit(".", 1)[-1] for b in of)
    found = {n for n in mentioned if n in bases}
    frontier = set(found)
    for _ in range(3):
        frontier = {b for n in frontier for b in bases[n] if b in bases} - found
        found |= frontier
    return frozenset(found)


def _tool_refs(call: Call) -> list[Expr]:
    refs: list[Value] = []
    if call.attr in TOOL_WRAPPERS and call.args:
        refs.append(call.args[0])
    if call.attr in TOOL_WRAPPERS or call.attr in ("Tool", "StructuredTool"):
        refs += [call.kwarg(k) for k in TOOL_FUNC_KWARGS]
    for key in TOOL_LISTS:
        listed = call.kwarg(key)
        refs += listed if isinstance(listed, tuple) else [listed]
    if call.attr == "bind_tools" and call.args and isinstance(call.args[0], tuple):
        refs += call.args[0]
    return [r for r in refs if isinstance(r, Expr) and DOTTED.match(r.text)]


def _locate(ref: Expr, path: str, index: ModuleIndex) -> tuple[str, str]:
    """The file and name of a tool function: imported from a project module, or local."""
    name = ref.text.rsplit(".", 1)[-1]
    module = ref.qualname.rsplit(".", 1)[0] if "." in ref.qualname else ""
    if module and not ref.text.startswith("self."):
        found = index.resolve(module, path)
        if found:
            return found, name
    return path, name


def seeded(path: str, facts: PyFacts, inputs: ToolInputs) -> list[tuple[FuncDef, set[str]]]:
    """The functions of a file that receive model-written values, and those parameters."""
    tools = inputs.functions.get(path, frozenset())
    found = []
    for d in facts.defs:
        params = model_params(d)
        if d.name in tools:
            names = {n for n, _ in params}
        else:
            names = {n for n, ann in params if set(IDENT.findall(ann)) & inputs.types}
        if names:
            found.append((d, names))
    return found
