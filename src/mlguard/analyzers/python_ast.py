"""Python source -> facts: imports, calls with literal arguments, decorators, class bases.

The source is parsed with :func:`ast.parse` only; nothing is imported or executed. Names are
resolved through the module's own import aliases, so ``import numpy as np; np.random.seed(0)``
is the call ``numpy.random.seed``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from mlguard.analyzers.llm_names import DATAFLOW_MODULES
from mlguard.analyzers.python_compat import parse_newer
from mlguard.safeio.jinja_template import is_template, plain_source

MAX_EXPR_TEXT = 120


@dataclass(frozen=True, slots=True)
class Expr:
    """A non-literal argument: its source text and, for a dotted name, the resolved name."""

    text: str
    qualname: str = ""


Value = str | int | float | bool | None | Expr | tuple["Value", ...]


@dataclass(frozen=True, slots=True)
class Call:
    """One call site. ``name`` is resolved where possible (``torch.load``), else the dotted
    source (``model.fit``); ``attr`` is the last component (``fit``)."""

    name: str
    attr: str
    line: int
    col: int
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()
    star_kwargs: bool = False
    end_line: int = 0

    def kwarg(self, key: str, default: Value = None) -> Value:
        for name, value in self.kwargs:
            if name == key:
                return value
        return default

    def has_kwarg(self, key: str) -> bool:
        return any(name == key for name, _ in self.kwargs)


@dataclass(frozen=True, slots=True)
class Import:
    module: str
    line: int


@dataclass(frozen=True, slots=True)
class Assign:
    """``target = value`` for dotted targets and simple names (value literal or Expr).

    ``refs``: the variables (``x``) and dotted names (``x.y``) an expression value reads,
    whatever the length of its text, and not the words inside its string literals; empty
    for a literal or a plain dotted name (its text is the name)."""

    target: str
    value: Value
    line: int
    refs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FuncDef:
    """A function or method: its parameters with their annotations' source text (``""``
    when none), its decorators (resolved names) and the lines it spans."""

    name: str
    line: int
    end_line: int
    params: tuple[tuple[str, str], ...] = ()
    decorators: tuple[str, ...] = ()


@dataclass(frozen=True)
class PyFacts:
    imports: tuple[Import, ...] = ()
    calls: tuple[Call, ...] = ()
    decorators: tuple[tuple[str, int], ...] = ()
    class_bases: tuple[tuple[str, int], ...] = ()
    assigns: tuple[Assign, ...] = ()
    functions: tuple[tuple[str, int], ...] = ()
    strings: tuple[tuple[str, int], ...] = ()
    syntax_error: str = ""
    # value flow beyond ``name = value``: for-loop targets, unpacked tuples, annotated and
    # augmented assignments (kept apart from ``assigns``, whose readers expect plain ones)
    flows: tuple[Assign, ...] = ()
    defs: tuple[FuncDef, ...] = ()
    classes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (name, resolved bases)
    extra: dict[str, object] = field(default_factory=dict)


class _Collector:
    """One pre-order walk over the tree (an explicit stack: no recursion per node), calling
    ``on_<node>`` handlers; a handler returns True when the node's children are done."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self.imports: list[Import] = []
        self.calls: list[Call] = []
        self.decorators: list[tuple[str, int]] = []
        self.bases: list[tuple[str, int]] = []
        self.assigns: list[Assign] = []
        self.functions: list[tuple[str, int]] = []
        self.strings: list[tuple[str, int]] = []
        self.flows: list[Assign] = []
        self.defs: list[FuncDef] = []
        # data flow, needed only where LLM output is followed: collected during the walk,
        # worked out after it only for a module that imports an LLM SDK (dataflow())
        self._read_later: list[tuple[int, ast.expr]] = []  # (index in assigns, value node)
        self._flow_later: list[tuple[str, ast.expr, int]] = []  # (target, value node, line)
        self.classes: list[tuple[str, tuple[str, ...]]] = []

    # --- names -------------------------------------------------------------------------
    def dotted(self, node: ast.AST) -> str:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            parts.append(node.id)
        elif isinstance(node, ast.Call):
            inner = self.dotted(node.func)
            parts.append(f"{inner}()" if inner else "()")
        else:
            return ""
        return ".".join(reversed(parts))

    def resolve(self, dotted: str) -> str:
        if dotted.startswith("self."):  # ``self._wandb = wandb`` then ``self._wandb.init()``
            attr, _, tail = dotted[5:].partition(".")
            bound = self.aliases.get(f"self.{attr}")
            if bound is not None:
                return f"{bound}.{tail}" if tail else bound
        head, _, rest = dotted.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return dotted
        return f"{target}.{rest}" if rest else target

    def value(self, node: ast.AST) -> Value:
        if isinstance(node, ast.Constant) and isinstance(
            node.value, str | int | float | bool | type(None)
        ):
            return node.value
        if isinstance(node, ast.Tuple | ast.List) and len(node.elts) <= 32:
            return tuple(self.value(e) for e in node.elts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self.value(node.operand)
            if isinstance(inner, int | float) and not isinstance(inner, bool):
                return -inner
        dotted = self.dotted(node) if isinstance(node, ast.Name | ast.Attribute) else ""
        # a plain dotted name unparses to itself: skip ast.unparse, the costly part
        text = dotted if dotted and "(" not in dotted else _unparse(node)
        if len(text) > MAX_EXPR_TEXT:
            text = text[: MAX_EXPR_TEXT - 3] + "..."
        return Expr(text, self.resolve(dotted) if dotted else "")

    # --- walk ----------------------------------------------------------------------------
    def walk(self, tree: ast.AST) -> None:
        handlers: dict[type, Callable[[Any], bool]] = {
            ast.Import: self.on_import,
            ast.ImportFrom: self.on_import_from,
            ast.Call: self.on_call,
            ast.FunctionDef: self.on_function,
            ast.AsyncFunctionDef: self.on_function,
            ast.ClassDef: self.on_class,
            ast.Assign: self.on_assign,
            ast.AnnAssign: self.on_flow,
            ast.AugAssign: self.on_flow,
            ast.For: self.on_flow,
            ast.AsyncFor: self.on_flow,
            ast.Expr: self.on_expr,
            ast.Constant: self.on_constant,
        }
        node_type = ast.AST
        stack: list[ast.AST] = [tree]
        pop, push = stack.pop, stack.append
        while stack:
            node = pop()
            handler = handlers.get(type(node))
            if handler is not None and handler(node):
                continue
            # children in source order: pushed last-first
            for name in reversed(node._fields):
                value = getattr(node, name, None)
                if type(value) is list:
                    for item in reversed(value):
                        if isinstance(item, node_type):
                            push(item)
                elif isinstance(value, node_type):
                    push(value)

    # --- handlers (True: the node's children need no walk) ------------------------------
    def on_import(self, node: ast.Import) -> bool:
        for alias in node.names:
            self.imports.append(Import(alias.name, node.lineno))
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                head = alias.name.split(".")[0]
                self.aliases.setdefault(head, head)
        return True

    def on_import_from(self, node: ast.ImportFrom) -> bool:
        base = "." * node.level + (node.module or "")
        for alias in node.names:
            full = f"{base}.{alias.name}" if base and not base.endswith(".") else base + alias.name
            self.imports.append(Import(full if alias.name != "*" else base, node.lineno))
            if alias.name != "*":
                self.aliases[alias.asname or alias.name] = full
        return True

    def on_call(self, node: ast.Call) -> bool:
        dotted = self.dotted(node.func)
        if dotted:
            name = self.resolve(dotted)
            attr = dotted.rsplit(".", 1)[-1]
        else:
            name = attr = ""
            if isinstance(node.func, ast.Attribute):
                attr = node.func.attr
                name = f"?.{attr}"
        if name:
            self.calls.append(
                Call(
                    name=sys.intern(name),
                    attr=sys.intern(attr),
                    line=node.lineno,
                    col=node.col_offset + 1,
                    args=tuple(self.value(a) for a in node.args[:16]),
                    kwargs=tuple((k.arg, self.value(k.value)) for k in node.keywords if k.arg),
                    star_kwargs=any(k.arg is None for k in node.keywords),
                    end_line=node.end_lineno or node.lineno,
                )
            )
        return False

    def _decorated(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        for dec in node.decorator_list:
            target = dec.func if isinstance(dec, ast.Call) else dec
            dotted = self.dotted(target)
            if dotted:
                self.decorators.append((self.resolve(dotted), dec.lineno))

    def on_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        self.functions.append((node.name, node.lineno))
        start = len(self.decorators)
        self._decorated(node)
        a = node.args
        params = [*a.posonlyargs, *a.args, *([a.vararg] if a.vararg else []), *a.kwonlyargs]
        params += [a.kwarg] if a.kwarg else []
        self.defs.append(
            FuncDef(
                node.name,
                node.lineno,
                node.end_lineno or node.lineno,
                tuple((p.arg, _annotation(p.annotation)) for p in params),
                tuple(name for name, _ in self.decorators[start:]),
            )
        )
        return False

    def on_class(self, node: ast.ClassDef) -> bool:
        self._decorated(node)
        bases = []
        for base in node.bases:
            dotted = self.dotted(base)
            if dotted:
                bases.append(self.resolve(dotted))
                self.bases.append((self.resolve(dotted), node.lineno))
        self.classes.append((node.name, tuple(bases)))
        return False

    def read(self, node: ast.expr) -> tuple[Value, tuple[str, ...]]:
        value = self.value(node)
        refs: tuple[str, ...] = ()
        if isinstance(value, Expr) and not isinstance(node, ast.Name | ast.Attribute):
            refs = _names_read(node)
        return value, refs

    def on_assign(self, node: ast.Assign) -> bool:
        for target in node.targets:
            dotted = self.dotted(target)
            if dotted:
                module = node.value.id if isinstance(node.value, ast.Name) else ""
                if module in self.aliases and dotted.startswith("self.") and dotted.count(".") == 1:
                    self.aliases[dotted] = self.aliases[module]  # a module kept on the instance
                value = self.value(node.value)
                if isinstance(value, Expr) and not isinstance(node.value, ast.Name | ast.Attribute):
                    self._read_later.append((len(self.assigns), node.value))
                self.assigns.append(Assign(self.resolve(dotted), value, node.lineno))
            elif isinstance(target, ast.Tuple | ast.List):
                self.flow_to(target, node.value, node.lineno)
        return False

    def on_flow(self, node: ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor) -> bool:
        """``for x in xs``, ``x: T = v``, ``x += v``: the target takes the value's flow."""
        value = node.iter if isinstance(node, ast.For | ast.AsyncFor) else node.value
        if value is not None:
            self.flow_to(node.target, value, node.lineno)
        return False

    def flow_to(self, target: ast.expr, value: ast.expr, line: int) -> None:
        targets = target.elts if isinstance(target, ast.Tuple | ast.List) else [target]
        for item in targets[:16]:
            item = item.value if isinstance(item, ast.Starred) else item
            dotted = self.dotted(item)
            if dotted and "(" not in dotted:
                self._flow_later.append((self.resolve(dotted), value, line))

    def dataflow(self) -> None:
        """Work out what each assignment reads (``Assign.refs``) and the flows (``for x in
        xs``, ``x += v``, ``a, b = v``), for a module that imports an LLM SDK: only the LLM
        checks follow values, and only through such modules; elsewhere they stay empty."""
        tops = {i.module.split(".")[0] for i in self.imports}
        tops |= {".".join(i.module.split(".")[:2]) for i in self.imports}
        if not tops & DATAFLOW_MODULES and not any(t.startswith("langchain_") for t in tops):
            return
        for index, node in self._read_later:
            self.assigns[index] = replace(self.assigns[index], refs=_names_read(node))
        read: dict[int, tuple[Value, tuple[str, ...]]] = {}
        for target, node, line in self._flow_later:
            value, refs = read.get(id(node)) or read.setdefault(id(node), self.read(node))
            self.flows.append(Assign(target, value, line, refs))

    def on_expr(self, node: ast.Expr) -> bool:
        # a docstring or bare string statement: never a prompt or an argument
        return isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)

    def on_constant(self, node: ast.Constant) -> bool:
        if isinstance(node.value, str) and 8 <= len(node.value) <= 4096:
            self.strings.append((node.value, node.lineno))
        return True


MAX_REFS = 32


def _names_read(node: ast.AST) -> tuple[str, ...]:
    """The distinct names an expression reads (``x``, and ``x.y`` for an attribute of a
    variable), at most ``MAX_REFS``."""
    found: dict[str, None] = {}
    stack = [node]
    name_type, attr_type, const_type, ast_type = ast.Name, ast.Attribute, ast.Constant, ast.AST
    while stack and len(found) < MAX_REFS:
        sub = stack.pop()
        kind = type(sub)
        if kind is name_type:
            found.setdefault(sub.id, None)  # type: ignore[attr-defined]
            continue
        if kind is const_type:
            continue
        if kind is attr_type:
            parts = [sub.attr]  # type: ignore[attr-defined]
            inner = sub.value  # type: ignore[attr-defined]
            while type(inner) is attr_type:
                parts.append(inner.attr)
                inner = inner.value
            if type(inner) is name_type:
                found.setdefault(".".join([inner.id, *reversed(parts)]), None)
                found.setdefault(inner.id, None)
                continue
        for name in sub._fields:
            value = getattr(sub, name, None)
            if type(value) is list:
                stack.extend(v for v in value if isinstance(v, ast_type))
            elif isinstance(value, ast_type):
                stack.append(value)
    return tuple(sys.intern(n) for n in found)[:MAX_REFS]


def _annotation(node: ast.expr | None) -> str:
    """The names an annotation mentions (``Optional[list[Filter]]`` -> ``Optional list
    Filter``), string forward references included."""
    if node is None:
        return ""
    names: list[str] = []
    stack: list[ast.AST] = [node]
    while stack and len(names) < MAX_REFS:
        sub = stack.pop()
        if isinstance(sub, ast.Name):
            names.append(sub.id)
        elif isinstance(sub, ast.Attribute):
            names.append(sub.attr)
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            names.append(sub.value[:100])
        elif isinstance(sub, ast.Subscript | ast.Tuple | ast.List | ast.BinOp):
            stack.extend(ast.iter_child_nodes(sub))
    return " ".join(reversed(names))


def _unparse(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except (ValueError, RecursionError):
        return "<expr>"
    return text if len(text) <= MAX_EXPR_TEXT else text[: MAX_EXPR_TEXT - 3] + "..."


def parse_source(source: str, filename: str = "<source>") -> tuple[ast.Module | None, str]:
    """``source``'s syntax tree (never executing it), or ``None`` and why it cannot be parsed.

    A cookiecutter template's source that is not Python as written is parsed as the code it
    generates (:mod:`mlguard.safeio.jinja_template`)."""
    try:
        return ast.parse(source, filename=filename), ""
    except SyntaxError as exc:
        if is_template(source):
            try:
                return ast.parse(plain_source(source), filename=filename), ""
            except SyntaxError:
                pass  # report the error of the source as written
        tree = parse_newer(source, filename, exc)
        if tree is not None:
            return tree, ""
        return None, f"line {exc.lineno}: {exc.msg}"
    except ValueError as exc:  # e.g. NUL bytes
        return None, f"cannot parse: {exc}"[:200]
    except (RecursionError, MemoryError):
        return None, "nested too deeply to parse"


def analyze_source(source: str, filename: str = "<source>") -> PyFacts:
    """Parse ``source`` (never executing it) into :class:`PyFacts`."""
    tree, error = parse_source(source, filename)
    return PyFacts(syntax_error=error) if tree is None else analyze_tree(tree)


def analyze_tree(tree: ast.Module) -> PyFacts:
    """The facts of a parsed module (the tree is only read)."""
    collector = _Collector()
    try:
        collector.walk(tree)
        collector.dataflow()
    except RecursionError:
        return PyFacts(syntax_error="nested too deeply to analyse")
    return PyFacts(
        imports=tuple(collector.imports),
        calls=tuple(collector.calls),
        decorators=tuple(collector.decorators),
        class_bases=tuple(collector.bases),
        assigns=tuple(collector.assigns),
        functions=tuple(collector.functions),
        strings=tuple(collector.strings),
        flows=tuple(collector.flows),
        defs=tuple(collector.defs),
        classes=tuple(collector.classes),
    )
