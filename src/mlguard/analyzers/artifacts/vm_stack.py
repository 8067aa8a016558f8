"""The pickle machine's data structures: stack, mark stack, memo, container updates.

Mirrors ``pickle._Unpickler`` (metastack on MARK, ``POP`` falling back to ``POP_MARK``,
``MEMOIZE`` indexing by the memo's size) so the memo resolves exactly as at load time.
"""

from __future__ import annotations

from typing import Any

from mlguard.analyzers.artifacts.opcodes import Malformed
from mlguard.analyzers.artifacts.streams import Unscannable
from mlguard.analyzers.artifacts.values import Map, Seq, Val

MAX_STACK = 1_000_000
MAX_MEMO = 4_000_000

__all__ = ["Machine", "Malformed"]


class Machine:
    def __init__(self) -> None:
        self.stack: list[Val] = []
        self.metastack: list[list[Val]] = []
        self.memo: dict[int, Val] = {}

    def _push(self, value: Val) -> None:
        if len(self.stack) >= MAX_STACK or len(self.metastack) >= MAX_STACK:
            raise Unscannable(f"pickle stack deeper than {MAX_STACK} items")
        self.stack.append(value)

    def _top(self) -> Val:
        if not self.stack:
            raise Malformed("stack underflow")
        return self.stack[-1]

    def _pop1(self) -> Val:
        if not self.stack:
            raise Malformed("stack underflow")
        return self.stack.pop()

    def _pop(self, _: Any) -> None:
        if self.stack:
            self.stack.pop()
        else:
            self._pop_mark()

    @staticmethod
    def _discard(_: object) -> None:
        return None

    def _mark(self, _: Any) -> None:
        self.metastack.append(self.stack)
        self.stack = []

    def _pop_mark(self) -> list[Val]:
        if not self.metastack:
            raise Malformed("no MARK to pop to")
        items = self.stack
        self.stack = self.metastack.pop()
        return items

    def _tuple(self, n: int) -> None:
        if len(self.stack) < n:
            raise Malformed("stack underflow")
        items = self.stack[-n:]
        del self.stack[-n:]
        self._push(Seq("tuple", items))

    def _memo_put(self, index: Any) -> None:
        if not isinstance(index, int) or index < 0:
            raise Malformed(f"invalid memo index {index!r}")
        if len(self.memo) >= MAX_MEMO and index not in self.memo:
            raise Unscannable(f"pickle memo larger than {MAX_MEMO} entries")
        self.memo[index] = self._top()

    # --- containers --------------------------------------------------------------------
    def _container(self, target: Val, op: str) -> None:
        """``target`` receives items through ``op`` but is no list/dict/set literal: the
        unpickler calls its ``append``/``extend``/``add``/``__setitem__`` (subclasses judge)."""

    def _extend(self, items: list[Val], op: str = "APPENDS") -> None:
        target = self._top()
        if isinstance(target, Seq):
            target.extend(items)
        else:
            self._container(target, op)

    @staticmethod
    def _dict(items: list[Val], target: Map) -> Map:
        if len(items) % 2:
            raise Malformed("odd number of items for a dict")
        for i in range(0, len(items), 2):
            target.put(items[i], items[i + 1])
        return target

    def _setitem(self, _: Any) -> None:
        value, key = self._pop1(), self._pop1()
        target = self._top()
        if isinstance(target, Map):
            target.put(key, value)
        else:
            self._container(target, "SETITEM")

    def _setitems(self, _: Any) -> None:
        items = self._pop_mark()
        target = self._top()
        if not isinstance(target, Map):
            self._container(target, "SETITEMS")
        self._dict(items, target if isinstance(target, Map) else Map())
