"""What an LLM application's tests exercise: its model code is the flow that builds prompts
and calls the chat client (RAG, agents), its data processing the embedding, chunking and
indexing code.

A test of the flow drives it (through the app's routes with a test client, or by importing
a module that calls the model) while the suite mocks the LLM client (a patched SDK class or
function, a fake chat model): such tests run the prompt building, retrieval and response
handling around the model without a network. Tests of middleware or prompt text alone do
not drive the flow.
"""

from __future__ import annotations

import re

from mlguard.analyzers.python_ast import Call, Expr
from mlguard.checks.base import CheckContext, ev
from mlguard.checks.declarative import name_matches
from mlguard.checks.llm.lifecycle import llm_files
from mlguard.facts import traits
from mlguard.facts.ml import test_files
from mlguard.model import Evidence

PATCH_ATTRS = frozenset({"setattr", "patch", "object"})  # monkeypatch.setattr, mock.patch(.object)
FAKE_MODELS = (
    "*FakeListChatModel",
    "*GenericFakeChatModel",
    "*FakeMessagesListChatModel",
    "*FakeListLLM",
    "*FakeChatModel",
    "*FakeLLM",
)
APP_CLIENTS = (
    "fastapi.testclient.TestClient",
    "starlette.testclient.TestClient",
    "httpx.ASGITransport",
    "*.test_client",  # Flask / Quart
)
MODEL_CALLS = (
    "*.chat.completions.create",
    "*.chat.completions.parse",
    "*.responses.create",
    "*.responses.parse",
    "*.messages.create",
    "litellm.completion",
    "litellm.acompletion",
    "agents.Runner.run",
    "agents.Runner.run_streamed",
    "agents.Runner.run_sync",
    "*.invoke",
    "*.ainvoke",
    "*.generate_content",
    "*.as_query_engine",
    "*.as_chat_engine",
)
DATA_CALLS = (
    "*.embeddings.create",
    "*.embed_documents",
    "*.embed_query",
    "*.aembed_documents",
    "*.aembed_query",
    "*.split_documents",
    "*.split_text",
    "*.create_documents",
    "*.add_documents",
    "*.add_texts",
    "*.from_documents",
    "*.from_texts",
)


def _sdk(name: str) -> bool:
    head = name.strip("'\"").split(".")[0]
    return head in traits.LLM_LIBS or head.startswith("langchain_")


def _mocks_llm(call: Call) -> bool:
    """The call replaces part of an LLM SDK (its target is an SDK name) or builds a fake
    chat model."""
    if any(name_matches(call, n) for n in FAKE_MODELS):
        return True
    if call.attr not in PATCH_ATTRS or not call.args:
        return False
    target = call.args[0]
    if isinstance(target, Expr):
        return _sdk(target.qualname or target.text)
    return isinstance(target, str) and _sdk(target)


def llm_mocks(ctx: CheckContext) -> list[Evidence]:
    """Where the test suite mocks the LLM client."""
    found = []
    for path, facts in test_files(ctx.repo):
        call = next((c for c in facts.calls if _mocks_llm(c)), None)
        if call is not None:
            found.append(ev(path, call.line, f"{call.name}(...) mocks the LLM client"))
    return found


def app_clients(ctx: CheckContext) -> list[Evidence]:
    """Tests that call the application's routes through a test client."""
    found = []
    for path, facts in test_files(ctx.repo):
        call = next((c for c in facts.calls if any(name_matches(c, n) for n in APP_CLIENTS)), None)
        if call is not None:
            found.append(ev(path, call.line, f"{call.name}(...) drives the app's routes"))
    return found


URL_HOST = re.compile(r"^https?://[^/]+")
ROUTE_CALLS = frozenset({"get", "post", "put", "patch", "stream", "websocket_connect"})
# routes that answer without the model: a live or ready probe, docs, metrics
PROBES = re.compile(r"^/?(health\w*|ready\w*|live\w*|ping|docs|openapi\.json|metrics|version)?/?$")


def app_routes(ctx: CheckContext) -> list[Evidence]:
    """Tests that call one of the application's routes other than its probes (``/health``,
    ``/docs``) through a test client (made in the test or in a conftest fixture): a request
    the model answers."""
    if not app_clients(ctx):
        return []
    found = []
    for path, facts in test_files(ctx.repo):
        for call in facts.calls:
            route = call.args[0] if call.attr in ROUTE_CALLS and call.args else None
            if isinstance(route, str):  # http://testserver/query?q=... -> /query
                route = URL_HOST.sub("", route).split("?", 1)[0]
            if isinstance(route, str) and route.startswith("/") and not PROBES.match(route):
                found.append(ev(path, call.line, f"{call.attr}({route!r}) through a test client"))
                break
            if route is not None and not isinstance(route, str):  # a path built at run time
                found.append(ev(path, call.line, f"{call.attr}(...) through a test client"))
                break
    return found


def _calling(ctx: CheckContext, names: tuple[str, ...]) -> list[str]:
    return [
        path
        for path, facts in llm_files(ctx.repo)
        if any(name_matches(c, n) for c in facts.calls for n in names)
    ]


# a chat model built in the module (``llm = ChatOpenAI(...)``, ``init_chat_model("...")``):
# its chains (``prompt | llm``) are the flow that the importers invoke
# the chat model a flow runs on: LangChain's chat models, and LlamaIndex's LLM classes
# (``llama_index.llms.openai.OpenAI``, ``llama_index.llms.ollama.Ollama``)
CHAT_MODEL = re.compile(
    r"^langchain\w*(\.\w+)*\.(Chat\w+|init_chat_model)$|^llama_index\.llms\.\w+\.[A-Z]\w*$"
)


def model_modules(ctx: CheckContext) -> list[str]:
    """Product files that call the model (the RAG or agent flow), or build the chat model
    their chains run on."""
    return [
        path
        for path, facts in llm_files(ctx.repo)
        if any(
            CHAT_MODEL.match(c.name) or any(name_matches(c, n) for n in MODEL_CALLS)
            for c in facts.calls
        )
    ]


def data_modules(ctx: CheckContext) -> list[str]:
    """Product files that embed, chunk or index documents: an LLM app's data processing."""
    return _calling(ctx, DATA_CALLS)
