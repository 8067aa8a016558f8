"""Template sources read as the text they generate, without running any template engine.

A project template keeps its code under ``{{cookiecutter.repo_name}}/src/{{cookiecutter.
project_slug}}/`` and writes ``from {{cookiecutter.project_slug}}.data import load`` or
``{% if cookiecutter.framework == 'torch' %}`` in it: not Python (or YAML) until rendered.
Nothing is rendered here: each ``{{ cookiecutter.NAME }}`` becomes the identifier ``NAME``,
other ``{{ ... }}`` expressions a plain word, and each ``{% ... %}`` / ``{# ... #}`` tag is
blanked keeping its line breaks, so every line stays where it was and both branches of an
``{% if %}`` are kept.
"""

from __future__ import annotations

import re

from mlguard.safeio.yamlio import YamlDoc, YamlProblem, load_docs

VARIABLE = re.compile(r"\{\{-?\s*cookiecutter\.(\w+)[^{}\n]*?-?\}\}")
EXPRESSION = re.compile(r"\{\{(?:[^{}]|\{\{[^{}]*\}\}|\{[^{}]*\})*?\}\}")
TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def is_template(text: str) -> bool:
    """``text`` uses cookiecutter variables in Jinja tags (a template's source)."""
    return "cookiecutter." in text and ("{{" in text or "{%" in text)


def blank_tags(text: str, word: str = "JINJA") -> str:
    """Every expression becomes ``word`` (a cookiecutter variable its own name) and every
    tag or comment only its line breaks."""
    text = TAG.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    text = VARIABLE.sub(lambda m: m.group(1), text)
    return EXPRESSION.sub(word, text)


def plain_source(text: str) -> str:
    """A cookiecutter template's text as the code it generates, line numbers unchanged."""
    return blank_tags(text)


def plain_name(name: str) -> str:
    """A path or dotted module name with ``{{cookiecutter.project_slug}}`` as ``project_slug``."""
    return VARIABLE.sub(lambda m: m.group(1), name) if "{{" in name else name


def load_source_docs(text: str) -> list[YamlDoc]:
    """The YAML documents of a scanned file: local tags (CloudFormation's ``!Ref``) read as
    plain values, and a cookiecutter template's file that is not YAML as written read as the
    YAML it generates. Raises :class:`YamlProblem` as written."""
    try:
        return load_docs(text, plain_tags=True)
    except YamlProblem:
        if not is_template(text):
            raise
        try:
            return load_docs(plain_source(text), plain_tags=True)
        except YamlProblem:
            pass
        raise
