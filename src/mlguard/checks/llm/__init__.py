"""LLM application checks: prompts, pinned models, evals, output sinks, agents."""
