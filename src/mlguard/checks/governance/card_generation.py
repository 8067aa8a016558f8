"""GOV001's reading of generated model cards: a model-card template (``modelcard.md.j2``),
the Hugging Face ``ModelCard`` API, Transformers' ``create_model_card`` or the Model Card
Toolkit, and whether a pipeline stage or CI runs them (then the card is rewritten with each
release)."""

from __future__ import annotations

import re

from mlguard.checks.base import CheckContext, ev
from mlguard.facts import callsites, traits
from mlguard.facts.automation import automation
from mlguard.facts.ci_commands import CI_FILES
from mlguard.model import Evidence
from mlguard.safeio.lines import line_at

TEMPLATE = re.compile(
    r"model[_-]?card[\w.-]*\.(j2|jinja2?|tpl|template|mustache)$|"
    r"^(model[_-]?card|readme)[\w-]*\.md\.(j2|jinja2?|tpl|template)$",
    re.I,
)
CARD_CALLS = re.compile(
    r"^huggingface_hub\.(repocard\.)?ModelCard(\.from_template)?$|"
    r"^huggingface_hub\.(repocard\.)?ModelCardData$|\.create_model_card$|^model_card_toolkit\."
)
CARD_IMPORT = "model_card_toolkit"
CARD_OUTPUT = re.compile(r"(^|/)(model[_-]?card[^/]*|README)\.md$", re.I)


def card_generators(ctx: CheckContext) -> tuple[list[Evidence], list[str]]:
    """Templates and code that write a model card, and the files a pipeline would name to
    run them (the templates, the code, the code rendering a template)."""
    repo = ctx.repo
    found: list[Evidence] = []
    names: list[str] = []
    templates = [p for p in repo.files if TEMPLATE.search(p.rsplit("/", 1)[-1])]
    templates = [p for p in templates if not traits.is_test_path(p)]
    found += [ev(p) for p in templates]
    names += templates
    basenames = {p.rsplit("/", 1)[-1] for p in templates}
    calls = callsites.by_name(repo).keys(lambda name: bool(CARD_CALLS.search(name)))
    for path, call in callsites.sites(repo, names=calls):
        if not traits.is_test_path(path):
            found.append(ev(path, call.line, call.name))
            names.append(path)
    for path, facts in repo.iter_python():
        if traits.is_test_path(path):
            continue
        if any(i.module.split(".")[0] == CARD_IMPORT for i in facts.imports):
            found.append(ev(path, 1, CARD_IMPORT))
            names.append(path)
        if basenames and any(any(b in text for b in basenames) for text, _ in facts.strings):
            names.append(path)  # renders a card template
    return found, sorted(set(names))


def run_by_pipeline(ctx: CheckContext, names: list[str]) -> list[Evidence]:
    """Pipeline stages and CI files that run a card generator or write a card."""
    found = []
    for stage in automation(ctx.repo).stages:
        mentions = [stage.command, stage.module, *stage.deps]
        if any(n and any(n in m for m in mentions if m) for n in names) or any(
            CARD_OUTPUT.search(o) and "card" in o.lower() for o in stage.outs
        ):
            found.append(ev(stage.path, stage.line, stage.name))
    for path in ctx.repo.glob(*CI_FILES):
        text = ctx.repo.text(path) or ""
        hit = next((n for n in names if n in text), None)
        if hit:
            found.append(ev(path, line_at(text, text.index(hit)), hit))
    return found
