"""Safe YAML reading with line numbers for error messages.

Only ``yaml.SafeLoader`` is ever used: no tags are constructed into objects. Documents with
too many aliases (the "billion laughs" shape) or duplicate keys are rejected before any value
is built, so a hostile file costs bounded time and memory.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml


class Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: only true/false, so ``on:`` stays a key."""


_BOOL = "tag:yaml.org,2002:bool"
Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class _CLoader(getattr(yaml, "CSafeLoader", Loader)):  # type: ignore[misc]
    """libyaml's parser (6x faster on a hostile 2 MB file, nesting capped at 1000) with
    the same resolvers; used to compose nodes only, never to construct objects."""


_CLoader.yaml_implicit_resolvers = Loader.yaml_implicit_resolvers
MAX_ALIASES = 100
MAX_NODES = 1_000_000


class YamlProblem(Exception):
    """A YAML text could not be read; ``line`` is 1-based (0 when unknown)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class YamlDoc:
    """A parsed document and its node tree, to map a data path back to a line."""

    data: Any
    node: yaml.Node | None

    def line_of(self, path: Sequence[str | int]) -> int:
        """1-based line of the deepest node reachable along ``path``."""
        node = self.node
        line = node.start_mark.line + 1 if node is not None else 0
        for part in path:
            child = _child(node, part)
            if child is None:
                break
            node = child
            line = node.start_mark.line + 1
        return line


def _child(node: yaml.Node | None, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return value if isinstance(value, yaml.Node) else None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        child = node.value[part]
        return child if isinstance(child, yaml.Node) else None
    return None


def _check_tree(node: yaml.Node) -> int:
    """Reject alias bombs, recursive aliases, oversized trees and duplicate mapping keys.

    The size is counted as the tree would be once aliases are expanded, because every
    consumer downstream (schema validation, key walks) traverses the expanded tree.
    """
    sizes: dict[int, int] = {}
    aliases = 0
    # iterative post-order walk: (node, children_done)
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    in_progress: set[int] = set()
    while stack:
        current, done = stack.pop()
        key_id = id(current)
        if done:
            in_progress.discard(key_id)
            sizes[key_id] = 1 + sum(sizes[id(c)] for c in _children(current))
            if sizes[key_id] > MAX_NODES:
                raise YamlProblem(
                    f"document expands to more than {MAX_NODES} nodes (alias bomb?)",
                    current.start_mark.line + 1,
                )
            continue
        if key_id in sizes:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise YamlProblem(f"more than {MAX_ALIASES} alias references")
            continue
        if key_id in in_progress:
            raise YamlProblem("recursive alias", current.start_mark.line + 1)
        in_progress.add(key_id)
        _check_duplicate_keys(current)
        stack.append((current, True))
        stack.extend((child, False) for child in _children(current) if id(child) not in sizes)
    return sizes[id(node)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_duplicate_keys(node: yaml.Node) -> None:
    if not isinstance(node, yaml.MappingNode):
        return
    keys: set[str] = set()
    for key, _value in node.value:
        if isinstance(key, yaml.ScalarNode):
            if key.value in keys and key.value != "<<":
                raise YamlProblem(f"duplicate key {key.value!r}", key.start_mark.line + 1)
            keys.add(key.value)


def _compose_all(text: str) -> list[yaml.Node]:
    try:
        return [n for n in yaml.compose_all(text, Loader=_CLoader) if n is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        raise YamlProblem(_redact(str(exc.problem or exc).strip()), line) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(_redact(str(exc).strip())) from None
    except RecursionError:
        raise YamlProblem("document is nested too deeply") from None


_QUOTED = re.compile(r"'([^'\n]{25,})'")


def _redact(message: str) -> str:
    """PyYAML quotes the offending text (a tag, an alias) and it may be a secret: keep a
    long quoted text's start only, except YAML's own ``tag:yaml.org`` tags."""

    def cut(match: re.Match[str]) -> str:
        text = match.group(1)
        return match.group(0) if text.startswith("tag:yaml.org,2002:") else f"'{text[:6]}…'"

    return _QUOTED.sub(cut, message)[:500]


def _construct(node: yaml.Node) -> Any:
    loader = Loader("")
    try:
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlProblem(_redact(str(exc.problem or exc)), mark.line + 1 if mark else 0) from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        raise YamlProblem(_redact(str(exc))) from None
    except RecursionError:
        raise YamlProblem("document is nested too deeply") from None
    finally:
        loader.dispose()


PLAIN_TAGS = {
    yaml.ScalarNode: "tag:yaml.org,2002:str",
    yaml.SequenceNode: "tag:yaml.org,2002:seq",
    yaml.MappingNode: "tag:yaml.org,2002:map",
}


def _plain_local_tags(node: yaml.Node) -> None:
    """Local tags (CloudFormation's ``!Ref``, ``!GetAtt``, ``!Sub``) read as the plain
    value they tag: a string, a list or a mapping. Nothing is constructed from a tag."""
    stack = [node]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current.tag, str) and current.tag.startswith("!"):
            current.tag = PLAIN_TAGS.get(type(current), current.tag)
        stack.extend(_children(current))


def load_docs(text: str, plain_tags: bool = False) -> list[YamlDoc]:
    """Every document of a YAML stream, safely constructed; with ``plain_tags``, values
    under a local tag (``!GetAtt Role.Arn``) are read as if untagged."""
    docs = []
    total = 0
    for node in _compose_all(text):
        total += _check_tree(node)
        if plain_tags:
            _plain_local_tags(node)
        if total > MAX_NODES:  # many documents, each under the limit
            raise YamlProblem(f"stream expands to more than {MAX_NODES} nodes")
        docs.append(YamlDoc(_construct(node), node))
    return docs


def load_one(text: str) -> YamlDoc:
    """Exactly one document (an empty text is ``None``)."""
    docs = load_docs(text)
    if not docs:
        return YamlDoc(None, None)
    if len(docs) > 1:
        raise YamlProblem("expected one YAML document, found several")
    return docs[0]
