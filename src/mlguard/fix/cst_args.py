"""Adding, removing and replacing one argument of a LibCST call, keeping its layout.

A call written on one line stays on one line (``f(x)`` -> ``f(x, weights_only=True)``); a
call with one argument per line and a trailing comma gets the new argument on a line of
its own, indented like the others. The whitespace (and any comment) around the arguments
that stay is kept as it was.
"""

from __future__ import annotations

import libcst as cst

_NO_SPACE = cst.SimpleWhitespace("")
_ONE_SPACE = cst.SimpleWhitespace(" ")


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def has_star(call: cst.Call) -> bool:
    """``*args`` or ``**kwargs``: they may already pass the argument a fix would add."""
    return any(a.star for a in call.args)


def _equal(call: cst.Call) -> cst.AssignEqual:
    """The ``=`` of the call's first keyword argument (its spacing), else ``=`` unspaced."""
    for arg in call.args:
        if arg.keyword is not None and isinstance(arg.equal, cst.AssignEqual):
            return arg.equal
    return cst.AssignEqual(whitespace_before=_NO_SPACE, whitespace_after=_NO_SPACE)


def _bare(
    space: cst.BaseParenthesizableWhitespace, empty: cst.SimpleWhitespace = _ONE_SPACE
) -> cst.BaseParenthesizableWhitespace:
    """The line break and indentation of ``space`` without its comment (``empty`` for no
    space at all)."""
    if isinstance(space, cst.ParenthesizedWhitespace):
        return cst.ParenthesizedWhitespace(indent=space.indent, last_line=space.last_line)
    return space if isinstance(space, cst.SimpleWhitespace) and space.value else empty


def add_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """``call`` with ``name=value`` appended after its last argument."""
    new = cst.Arg(value=value, keyword=cst.Name(name), equal=_equal(call))
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    if isinstance(last.comma, cst.Comma):  # trailing comma: the new argument goes on after it
        before = args[-2].comma if len(args) > 1 else None
        between = _bare(
            before.whitespace_after
            if isinstance(before, cst.Comma)
            else call.whitespace_before_args
        )
        closing = last.comma.whitespace_after  # a comment after the comma stays on its line
        kept = between
        if isinstance(closing, cst.ParenthesizedWhitespace) and isinstance(
            between, cst.ParenthesizedWhitespace
        ):
            kept = closing.with_changes(indent=between.indent, last_line=between.last_line)
        args[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=kept))
        new_comma = last.comma.with_changes(whitespace_after=_bare(closing, _NO_SPACE))
        args.append(new.with_changes(comma=new_comma))
    else:
        comma = cst.Comma(whitespace_after=_ONE_SPACE)
        args[-1] = last.with_changes(comma=comma, whitespace_after_arg=_NO_SPACE)
        args.append(new.with_changes(whitespace_after_arg=last.whitespace_after_arg))
    return call.with_changes(args=args)


def remove(call: cst.Call, arg: cst.Arg) -> cst.Call:
    """``call`` without ``arg``; when it was the last, the one before takes its comma and
    the space before the closing parenthesis."""
    args = list(call.args)
    index = next(i for i, a in enumerate(args) if a is arg)
    del args[index]
    if index == len(args) and args:
        args[-1] = args[-1].with_changes(
            comma=arg.comma, whitespace_after_arg=arg.whitespace_after_arg
        )
    return call.with_changes(args=args)


def replace_value(call: cst.Call, arg: cst.Arg, value: cst.BaseExpression) -> cst.Call:
    return call.with_changes(
        args=[a.with_changes(value=value) if a is arg else a for a in call.args]
    )
