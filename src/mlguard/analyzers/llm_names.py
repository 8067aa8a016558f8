"""The import names of LLM SDKs and agent frameworks: what makes a file an LLM file for the
repository kind and the LLM rules, and the modules whose data flow the analyzer records."""

from __future__ import annotations

LLM_LIBS = frozenset(
    [
        "openai",
        "anthropic",
        "litellm",
        "langchain",
        "langchain_core",
        "langchain_openai",
        "langchain_community",
        "langchain_experimental",
        "langchain_anthropic",
        "langgraph",
        "llama_index",
        "crewai",
        "autogen",
        "autogen_agentchat",
        "autogen_core",
        "autogen_ext",
        "smolagents",
        "ollama",
        "vllm",
        "mcp",
        "prompty",
        "google.genai",
        "google.generativeai",
        "vertexai.generative_models",
    ]
)
# the OpenAI Agents SDK's top-level package is plainly ``agents``: a module importing it may
# be an LLM file (the facts decide whether ``agents`` is the SDK); its data flow is recorded
DATAFLOW_MODULES = LLM_LIBS | {"agents"}
