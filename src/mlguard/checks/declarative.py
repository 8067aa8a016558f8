"""The declarative check vocabulary used by rule YAML files.

Each condition evaluates to ``(holds, evidence)``. ``any``/``all``/``not`` combine
conditions; ``python`` calls a registered Python check and holds when it passes.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from mlguard.analyzers.configs import lookup
from mlguard.analyzers.python_ast import Call, Expr, Value
from mlguard.checks.base import CheckContext, NotCheckable, ev
from mlguard.facts import callsites
from mlguard.model import Evidence, Status
from mlguard.repo import globs
from mlguard.repo.testpaths import expand, is_test_path
from mlguard.rules import regexliterals

Result = tuple[bool, list[Evidence]]
MAX_HITS_PER_FILE = 20
MAX_LINE_CHARS = 4000


def evaluate(node: Mapping[str, Any], ctx: CheckContext) -> Result:
    ((kind, arg),) = node.items()
    return _HANDLERS[kind](arg, ctx)


def _any_file(patterns: list[str], ctx: CheckContext) -> Result:
    found = [ev(p) for p in ctx.repo.glob(*expand(patterns))]
    return bool(found), found


def _tracked(patterns: list[str], ctx: CheckContext) -> Result:
    if not ctx.repo.has_git:
        raise NotCheckable("not a git repository: tracked files are unknown")
    found = [ev(p) for p in ctx.repo.glob(*expand(patterns)) if ctx.repo.is_tracked(p)]
    return bool(found), found


@lru_cache(maxsize=512)
def _regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE if ignore_case else 0)


def _file_contains(arg: Mapping[str, Any], ctx: CheckContext) -> Result:
    ignore_case = bool(arg.get("ignore_case"))
    regex = _regex(arg["pattern"], ignore_case)
    needed = regexliterals.required_text(arg["pattern"], ignore_case)
    found: list[Evidence] = []
    for path in ctx.repo.glob(*expand(arg["files"])):
        text = ctx.repo.text(path)
        if text is None or not regexliterals.may_match(text, needed, ignore_case):
            continue  # no line can match: the file lacks the text every match needs
        hits = 0
        for number, line in enumerate(text.splitlines(), 1):
            match = regex.search(line[:MAX_LINE_CHARS])
            if match:
                found.append(ev(path, number, match.group(0)[:200]))
                hits += 1
                if hits >= MAX_HITS_PER_FILE:
                    break
    return bool(found), found


def _key_check(arg: Mapping[str, Any], ctx: CheckContext) -> Result:
    key: str = arg["key"]
    last = key.rsplit(".", 1)[-1]
    found: list[Evidence] = []
    for path in ctx.repo.glob(*expand(arg["files"])):
        for doc in ctx.repo.config(path):
            for value in lookup(doc, key):
                if _value_ok(value, arg):
                    found.append(ev(path, _line_of_key(ctx, path, last), f"{key}"))
                    break
    return bool(found), found


def _value_ok(value: Any, arg: Mapping[str, Any]) -> bool:
    if "equals" in arg and value != arg["equals"]:
        return False
    text = str(value)[:MAX_LINE_CHARS]
    return not ("matches" in arg and not _regex(arg["matches"], False).search(text))


def _line_of_key(ctx: CheckContext, path: str, key: str) -> int:
    if key == "*":
        return 1
    for number, line in enumerate(ctx.repo.lines(path), 1):
        stripped = line.lstrip().lstrip("-").lstrip()
        if stripped.startswith((f"{key}:", f'"{key}"', f"'{key}'", f"{key} =", f"[{key}")):
            return number
    return 1


def _module_matches(module: str, wanted: str) -> bool:
    return module == wanted or module.startswith(wanted + ".")


def _any_import(arg: Mapping[str, Any], ctx: CheckContext) -> Result:
    wanted: list[str] = arg["modules"]
    scope = expand(arg.get("in", ()))
    found: list[Evidence] = []
    for path, facts in ctx.repo.iter_python(scope):
        for imp in facts.imports:
            if any(_module_matches(imp.module, w) for w in wanted):
                found.append(ev(path, imp.line, imp.module))
    return bool(found), found


def name_matches(call: Call, pattern: str) -> bool:
    """``torch.load`` matches the resolved name; ``*.fit`` matches any ``.fit`` call."""
    if "*" in pattern or "?" in pattern:
        return fnmatch.fnmatchcase(call.name, pattern)
    return call.name == pattern


def _arg_value(call: Call, cond: Mapping[str, Any]) -> tuple[bool, Value]:
    if "kwarg" in cond:
        return call.has_kwarg(cond["kwarg"]), call.kwarg(cond["kwarg"])
    index: int = cond["arg"]
    if index < len(call.args):
        return True, call.args[index]
    return False, None


def _text(value: Value) -> str:
    if isinstance(value, Expr):
        return value.qualname or value.text
    return str(value)[:MAX_LINE_CHARS]  # a string literal argument may be megabytes


def condition_holds(call: Call, cond: Mapping[str, Any]) -> bool:
    present, value = _arg_value(call, cond)
    if "missing" in cond:
        return (not present and not call.star_kwargs) == bool(cond["missing"])
    if not present:
        return "not_equals" in cond or "not_matches" in cond
    checks = [
        "equals" not in cond or value == cond["equals"],
        "not_equals" not in cond or value != cond["not_equals"],
        "matches" not in cond or re.search(cond["matches"], _text(value)) is not None,
        "not_matches" not in cond or re.search(cond["not_matches"], _text(value)) is None,
    ]
    return all(checks)


def _wanted(ctx: CheckContext, names: list[str]) -> list[str]:
    """The distinct call names of the repository that ``names`` (globs allowed) select."""
    index = callsites.by_name(ctx.repo)
    wanted: set[str] = set()
    for pattern in names:
        if "*" in pattern or "?" in pattern:
            wanted.update(n for n in index.files if fnmatch.fnmatchcase(n, pattern))
        elif pattern in index.files:
            wanted.add(pattern)
    return sorted(wanted)


def _site_key(site: tuple[str, Call]) -> tuple[str, int, int]:
    return (site[0], site[1].line, site[1].col)


def calls_named(ctx: CheckContext, names: list[str]) -> list[tuple[str, Call]]:
    """Call sites whose name is one of ``names`` (globs allowed), in file and line order."""
    return sorted(callsites.sites(ctx.repo, names=_wanted(ctx, names)), key=_site_key)


def _required_kwarg(conds: list[Mapping[str, Any]]) -> str | None:
    """A keyword argument every matching call must have (a condition on its value)."""
    for cond in conds:
        if "kwarg" in cond and not {"missing", "not_equals", "not_matches"} & set(cond):
            return str(cond["kwarg"])
    return None


def _candidates(ctx: CheckContext, arg: Mapping[str, Any]) -> list[tuple[str, Call]]:
    kwarg = _required_kwarg(arg.get("where", []))
    if kwarg is None:
        return calls_named(ctx, arg["names"])
    wanted = set(_wanted(ctx, arg["names"]))
    found = [s for s in callsites.sites(ctx.repo, kwargs=[kwarg]) if s[1].name in wanted]
    return sorted(found, key=_site_key)


def _any_call(arg: Mapping[str, Any], ctx: CheckContext) -> Result:
    conds: list[Mapping[str, Any]] = arg.get("where", [])
    scope = expand(arg.get("in", ()))
    found: list[Evidence] = []
    in_scope: dict[str, bool] = {}
    for path, call in _candidates(ctx, arg):
        if scope:
            if path not in in_scope:
                in_scope[path] = globs.match_any(path, scope)
            if not in_scope[path]:
                continue
        if all(condition_holds(call, c) for c in conds):
            if arg.get("skip_round_trips") and round_trip(ctx, path, call):
                continue
            found.append(ev(path, call.line, f"{call.name}(...)"))
    return bool(found), found


WRITES = frozenset({"dump", "save", "to_pickle", "save_model", "save_session", "write_bytes"})
OPENED = re.compile(
    r"^(?:builtins\.)?open\((.+?)(?:,\s*(?:mode\s*=\s*)?['\"]([rwab+xt]*)['\"])?\s*\)$"
)
MAX_PATH_TEXT = 300  # a path expression longer than this is not compared
TEMPORARY = re.compile(r"\b(tmp_path|tmpdir|tmp_path_factory|tmpdir_factory)\b")


def _path_text(value: Value) -> tuple[str, str]:
    """The path an argument names and the open mode (``open(p, "wb")`` -> ``p``, ``wb``)."""
    text = value.text if isinstance(value, Expr) else "" if value is None else repr(value)
    if len(text) > MAX_PATH_TEXT:
        return "", ""
    match = OPENED.match(text)
    return (match.group(1).strip(), match.group(2) or "r") if match else (text, "")


def round_trip(ctx: CheckContext, path: str, call: Call) -> bool:
    """A test's ``call`` reads back what the test wrote a moment before: its path argument
    was passed to a ``dump``/``save`` (or opened for writing) on an earlier line, or it is a
    pytest temporary file (``tmp_path``), which only the test itself can have written.
    Product code is never excused: what it reads back may have been replaced meanwhile."""
    if not call.args or not is_test_path(path):
        return False
    if _in_memory_round_trip(ctx, path, call):
        return True
    target, _ = _path_text(call.args[0])
    if not target:
        return False
    if TEMPORARY.search(target):
        return True
    facts = ctx.repo.python(path)
    for other in facts.calls if facts is not None else ():
        if other.line >= call.line:
            continue
        if other.attr == "open" and other.args:
            mode = other.args[1] if len(other.args) > 1 else other.kwarg("mode")
            if isinstance(mode, str) and "w" in mode and _path_text(other.args[0])[0] == target:
                return True
            continue
        for value in (*other.args, *(v for _, v in other.kwargs)):
            written, mode = _path_text(value)
            if written == target and (other.attr in WRITES or "w" in mode):
                return True
    return False


DUMPS = re.compile(r"^[\w.]*\bdumps\(")


def _in_memory_round_trip(ctx: CheckContext, path: str, call: Call) -> bool:
    """``pickle.loads(pickle.dumps(est))``, or ``loads(blob)`` of a ``blob = pickle.dumps(est)``
    assigned before it: a test checking that an object survives pickling reads back only
    the bytes it has just made."""
    first = call.args[0]
    text = first.text if isinstance(first, Expr) else ""
    if DUMPS.match(text):
        return True
    facts = ctx.repo.python(path)
    if not text.isidentifier() or facts is None:
        return False
    before = [a for a in facts.assigns if a.target == text and a.line < call.line]
    last = max(before, key=lambda a: a.line, default=None)  # the value it holds at the call
    return last is not None and isinstance(last.value, Expr) and bool(DUMPS.match(last.value.text))


def _any(items: list[Mapping[str, Any]], ctx: CheckContext) -> Result:
    holds, found = False, []
    for item in items:
        ok, evidence = evaluate(item, ctx)
        holds = holds or ok
        found.extend(evidence)
    return holds, list(dict.fromkeys(found))  # one call matched by two branches counts once


def _all(items: list[Mapping[str, Any]], ctx: CheckContext) -> Result:
    found = []
    for item in items:
        ok, evidence = evaluate(item, ctx)
        if not ok:
            return False, []
        found.extend(evidence)
    return True, found


def _not(item: Mapping[str, Any], ctx: CheckContext) -> Result:
    ok, _ = evaluate(item, ctx)
    return not ok, []


def _python(ref: str, ctx: CheckContext) -> Result:
    from mlguard.checks import registry

    outcome = registry.get(ref)(ctx)
    return outcome.status == Status.PASS, list(outcome.evidence)


# The kinds that read Python facts (the engine runs their rules after the analysis).
PYTHON_KINDS = frozenset({"any_import", "any_call"})

_HANDLERS: dict[str, Callable[[Any, CheckContext], Result]] = {
    "any_file": _any_file,
    "tracked": _tracked,
    "file_contains": _file_contains,
    "yaml_key": _key_check,
    "toml_key": _key_check,
    "json_key": _key_check,
    "any_import": _any_import,
    "any_call": _any_call,
    "any": _any,
    "all": _all,
    "not": _not,
    "python": _python,
}
