"""PyFacts <-> JSON, for the on-disk facts cache (JSON, never pickle: a cache directory
restored in CI may come from an untrusted run)."""

from __future__ import annotations

from sys import intern
from typing import Any

from mlguard.analyzers.python_ast import Assign, Call, Expr, FuncDef, Import, PyFacts, Value


def _enc(value: Value) -> Any:
    if isinstance(value, Expr):
        return {"e": value.text, "q": value.qualname}
    if isinstance(value, tuple):
        return {"t": [_enc(v) for v in value]}
    return value


SHARED_MAX = 200_000  # distinct expressions kept for sharing (then the table starts over)
_exprs: dict[tuple[str, str], Expr] = {}


def _expr(text: str, qualname: str) -> Expr:
    """One shared instance per distinct expression: source code repeats the same argument
    expressions (``x``, ``self.model``, ``df``) across thousands of call sites."""
    key = (text, qualname)
    found = _exprs.get(key)
    if found is None:
        if len(_exprs) >= SHARED_MAX:
            _exprs.clear()
        found = _exprs[key] = Expr(intern(text), intern(qualname) if qualname else "")
    return found


def _str(raw: str) -> str:
    return intern(raw) if len(raw) <= 64 else raw


def _dec(raw: Any) -> Value:
    if isinstance(raw, dict):
        if "e" in raw:
            return _expr(str(raw["e"]), str(raw.get("q", "")))
        return tuple(_dec(v) for v in raw.get("t", []))
    if isinstance(raw, str):
        return _str(raw)
    if raw is None or isinstance(raw, int | float | bool):
        return raw
    raise ValueError("bad cached value")


def encode(facts: PyFacts) -> dict[str, Any]:
    return {
        "i": [[i.module, i.line] for i in facts.imports],
        "c": [
            [
                c.name,
                c.attr,
                c.line,
                c.col,
                [_enc(a) for a in c.args],
                [[k, _enc(v)] for k, v in c.kwargs],
                c.star_kwargs,
                c.end_line,
            ]
            for c in facts.calls
        ],
        "d": [list(d) for d in facts.decorators],
        "b": [list(b) for b in facts.class_bases],
        "a": [_enc_assign(a) for a in facts.assigns],
        "f": [list(f) for f in facts.functions],
        "s": [list(s) for s in facts.strings],
        "x": facts.syntax_error,
        "fl": [_enc_assign(a) for a in facts.flows],
        "fd": [
            [d.name, d.line, d.end_line, [list(p) for p in d.params], list(d.decorators)]
            for d in facts.defs
        ],
        "cl": [[name, list(bases)] for name, bases in facts.classes],
    }


def _enc_assign(a: Assign) -> list[Any]:
    row = [a.target, _enc(a.value), a.line]
    return [*row, list(a.refs)] if a.refs else row


def _dec_assign(row: list[Any]) -> Assign:
    refs = tuple(_str(str(r)) for r in row[3]) if len(row) > 3 else ()
    return Assign(_str(str(row[0])), _dec(row[1]), int(row[2]), refs)


def _decs(values: list[Any]) -> tuple[Value, ...]:
    # numbers (common) need no conversion: skip the call for them
    return tuple(_dec(v) if type(v) in (dict, str) else v for v in values)


def decode(raw: dict[str, Any]) -> PyFacts:
    return PyFacts(
        imports=tuple(Import(intern(m), int(n)) for m, n in raw["i"]),
        calls=tuple(
            Call(
                intern(name),
                intern(attr),
                int(line),
                int(col),
                _decs(args),
                tuple((intern(k), _dec(v) if type(v) in (dict, str) else v) for k, v in kwargs),
                bool(star),
                int(end),
            )
            for name, attr, line, col, args, kwargs, star, end in raw["c"]
        ),
        decorators=tuple((str(n), int(line)) for n, line in raw["d"]),
        class_bases=tuple((str(n), int(line)) for n, line in raw["b"]),
        assigns=tuple(_dec_assign(row) for row in raw["a"]),
        functions=tuple((n, line) for n, line in raw["f"]),
        strings=tuple((s, line) for s, line in raw["s"]),
        syntax_error=str(raw["x"]),
        flows=tuple(_dec_assign(row) for row in raw["fl"]),
        defs=tuple(
            FuncDef(
                _str(str(name)),
                int(line),
                int(end),
                tuple((_str(str(p)), str(a)) for p, a in params),
                tuple(_str(str(d)) for d in decorators),
            )
            for name, line, end, params, decorators in raw["fd"]
        ),
        classes=tuple(
            (_str(str(name)), tuple(_str(str(b)) for b in bases)) for name, bases in raw["cl"]
        ),
    )
