"""Code fixes: rewrite the calls a scan reported, in place, with LibCST.

A call is changed only when the scan reported one of the fix's rules on the line where the
call starts, and LibCST resolves the call to the same function (``import torch as th``,
``from yaml import load`` ...). Everything but the call is kept byte for byte: the source
is parsed as bytes (its encoding and line endings kept) and written back from the same
concrete syntax tree. A file LibCST cannot parse, or whose fixed text would not parse, is
left untouched and reported. Nothing is imported or run.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider

from mlguard.fix.cst_args import add_keyword, has_star, keyword, remove, replace_value
from mlguard.fix.model import Fix, Skip

PLACEHOLDER = "<pin-a-commit-sha>"
YAML_LOADS = {
    "yaml.load": "safe_load",
    "yaml.load_all": "safe_load_all",
    "yaml.full_load": "safe_load",
    "yaml.full_load_all": "safe_load_all",
    "yaml.unsafe_load": "safe_load",
    "yaml.unsafe_load_all": "safe_load_all",
}
# loaders a safe fix replaces by safe_load: the defaults of old PyYAML, chosen to silence its
# warning; an UnsafeLoader or a custom loader is asked for on purpose (unsafe fix)
REPLACEABLE_LOADERS = frozenset({"Loader", "FullLoader", "CLoader", "CFullLoader"})
TORCH_LOADS = frozenset({"torch.load", "torch.serialization.load"})
TORCH_HUB = frozenset({"torch.hub.load", "torch.hub.list", "torch.hub.help"})
HUB_ATTRS = frozenset({"from_pretrained", "hf_hub_download", "snapshot_download", "load_dataset"})
HUB_NAMES = frozenset({"transformers.pipeline", "sentence_transformers.SentenceTransformer"})


@dataclass(frozen=True)
class Edit:
    call: cst.Call
    what: str
    safe: bool


# what a fix says about a call: an edit, why it cannot fix it, or None (not its call)
Verdict = Edit | str | None


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _last(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return None


def _yaml(call: cst.Call, names: Set[str]) -> Verdict:
    name = next((n for n in sorted(names) if n in YAML_LOADS), None)
    if name is None:
        return None
    func = call.func
    if not isinstance(func, cst.Attribute):
        return f"{_code(func)} is imported by name: call yaml.{YAML_LOADS[name]} by hand"
    if has_star(call):
        return "*args or **kwargs may pass a Loader: change it by hand"
    positional = call.args[1] if len(call.args) > 1 and call.args[1].keyword is None else None
    loader = keyword(call, "Loader") or positional
    kind = name.rsplit(".", 1)[1]
    safe = not kind.startswith("unsafe") and (
        loader is None or _last(loader.value) in REPLACEABLE_LOADERS
    )
    old = _code(func)
    new = call.with_changes(func=func.with_changes(attr=cst.Name(YAML_LOADS[name])))
    what = f"{old}(...) -> {_code(new.func)}(...)"
    if loader is not None:
        if "#" in _code(loader):
            return "a comment sits in the Loader argument: change it by hand"
        new = remove(new, loader)
        what += f" (loader {_code(loader.value)} dropped)"
    return Edit(new, what, safe)


def _torch_load(call: cst.Call, names: Set[str]) -> Verdict:
    if not names & TORCH_LOADS:
        return None
    old = f"{_code(call.func)}(...)"
    arg = keyword(call, "weights_only")
    if arg is None:
        if has_star(call):
            return "*args or **kwargs may pass weights_only: change it by hand"
        return Edit(
            add_keyword(call, "weights_only", cst.Name("True")), f"{old}: weights_only=True", True
        )
    return Edit(
        replace_value(call, arg, cst.Name("True")),
        f"{old}: weights_only={_code(arg.value)} -> weights_only=True",
        False,
    )


def _torch_hub_pin(call: cst.Call, names: Set[str]) -> Verdict:
    """torch.hub has no ``revision=`` (extra keywords go to the model's entry point): the
    pin is the ``owner/repo:ref`` string."""
    if not names & TORCH_HUB:
        return None
    first = call.args[0] if call.args and call.args[0].keyword is None else None
    target = first or keyword(call, "repo_or_dir") or keyword(call, "github")
    if target is None or not isinstance(target.value, cst.SimpleString):
        return "the repository is not a literal string: pin a commit by hand"
    literal = target.value
    value = literal.evaluated_value
    if not isinstance(value, str) or ":" in value:
        return "it names a branch or tag: replace it with a commit sha by hand"
    pinned = literal.with_changes(
        value=literal.value[: -len(literal.quote)] + f":{PLACEHOLDER}" + literal.quote
    )
    what = f"{_code(call.func)}('{value}') -> '{value}:{PLACEHOLDER}' (put the commit sha there)"
    return Edit(replace_value(call, target, pinned), what, False)


def _hub_revision(call: cst.Call, names: Set[str]) -> Verdict:
    attrs = {n.rsplit(".", 1)[-1] for n in names} | {_last(call.func) or ""}
    if not (attrs & HUB_ATTRS or names & HUB_NAMES):
        return None
    if keyword(call, "revision") is not None:
        return "revision= names a branch or tag: replace it with a commit sha by hand"
    if has_star(call):
        return "**kwargs may pass revision=: pin it by hand"
    quote = next((a.value.quote for a in call.args if isinstance(a.value, cst.SimpleString)), '"')
    value = cst.SimpleString(f"{quote}{PLACEHOLDER}{quote}")
    what = f'{_code(call.func)}(...): revision="{PLACEHOLDER}" (put the commit sha there)'
    return Edit(add_keyword(call, "revision", value), what, False)


@dataclass(frozen=True)
class CallFix:
    rules: tuple[str, ...]  # the first is the rule the fix is listed under
    edit: Callable[[cst.Call, Set[str]], Verdict]


CALL_FIXES = (
    CallFix(("SEC001", "BAN506"), _yaml),
    CallFix(("SEC001", "BAN614"), _torch_load),
    CallFix(("SEC003", "SEC013"), _torch_hub_pin),
    CallFix(("SEC013", "BAN615"), _hub_revision),
)
RULES = frozenset(r for fix in CALL_FIXES for r in fix.rules)


@dataclass
class Outcome:
    after: bytes | None = None  # None: nothing changed
    fixes: list[Fix] = field(default_factory=list)
    unsafe: list[Fix] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


class _Fixer(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider, QualifiedNameProvider)

    def __init__(self, path: str, lines: Mapping[int, Set[str]], unsafe: bool) -> None:
        super().__init__()
        self.path, self.lines, self.unsafe = path, lines, unsafe
        self.out = Outcome()

    def leave_Call(  # noqa: N802 (LibCST dispatches on the node class name)
        self, original_node: cst.Call, updated_node: cst.Call
    ) -> cst.Call:
        line = self.get_metadata(PositionProvider, original_node).start.line
        reported = self.lines.get(line)
        if not reported:
            return updated_node
        qualified = self.get_metadata(QualifiedNameProvider, original_node, set())
        names = frozenset(q.name for q in qualified)
        for fix in CALL_FIXES:
            rule = next((r for r in fix.rules if r in reported), None)
            if rule is None:
                continue
            verdict = fix.edit(updated_node, names)
            if verdict is None:
                continue
            if isinstance(verdict, str):
                self.out.skipped.append(Skip(f"{self.path}:{line}", verdict, rule))
                return updated_node
            done = Fix(self.path, line, rule, verdict.what, verdict.safe)
            if verdict.safe or self.unsafe:
                self.out.fixes.append(done)
                return verdict.call
            self.out.unsafe.append(done)
            return updated_node
        return updated_node


def fix_source(path: str, data: bytes, lines: Mapping[int, Set[str]], unsafe: bool) -> Outcome:
    """The fixes for the findings of ``lines`` (line -> rule ids reported there) in the
    Python source ``data``."""
    try:
        module = cst.parse_module(data)
        fixer = _Fixer(path, lines, unsafe)
        fixed = MetadataWrapper(module).visit(fixer)
    except cst.ParserSyntaxError as exc:
        where = f"line {exc.raw_line}: " if exc.raw_line else ""
        return Outcome(skipped=[Skip(path, f"does not parse ({where}{exc.message})")])
    except (RecursionError, UnicodeError, LookupError, SyntaxError) as exc:
        return Outcome(skipped=[Skip(path, f"does not parse ({type(exc).__name__})")])
    out = fixer.out
    if not out.fixes:
        return out
    after = fixed.bytes
    try:
        ast.parse(after)  # parsed only, never run: a fix must leave valid Python
    except (SyntaxError, ValueError):
        return Outcome(skipped=[Skip(path, "the fixed code would not parse; left as it was")])
    out.after = after
    return out
