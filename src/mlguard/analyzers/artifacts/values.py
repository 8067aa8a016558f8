"""Abstract values on the pickle machine's stack: what the VM needs to know, nothing more.

Literal strings are kept (short ones) because ``STACK_GLOBAL`` takes its module and name
from the stack; small ints because joblib array shapes decide how many raw bytes follow.
Containers keep a few items (and every special ``__dunder__`` key a dict receives).
"""

from __future__ import annotations

MAX_ITEMS = 64
MAX_TEXT = 512
MAX_KEYS = 256


class Val:
    __slots__ = ()

    def describe(self) -> str:
        return "a value"


class Text(Val):
    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value: str | None = value if len(value) <= MAX_TEXT else None

    def describe(self) -> str:
        return "a string"


class Num(Val):
    __slots__ = ("value",)

    def __init__(self, value: int | None) -> None:
        self.value = value

    def describe(self) -> str:
        return "a number"


class Atom(Val):
    """Floats, bytes, booleans, None, buffers: values nothing depends on."""

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def describe(self) -> str:
        return self.kind


NONE = Atom("None")
OTHER = Atom("a literal")
BYTES = Atom("bytes")


class Ref(Val):
    """A global imported by GLOBAL / STACK_GLOBAL / INST (or an unresolvable EXT code)."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    @property
    def full(self) -> str:
        return f"{self.module}.{self.name}"

    def describe(self) -> str:
        return f"the global {self.full}"


class Made(Val):
    """An object produced at load time by calling or instantiating something."""

    __slots__ = ("args", "callee", "how", "state")

    def __init__(self, how: str, callee: Val | None = None, args: Val | None = None) -> None:
        self.how = how
        self.callee = callee
        self.args = args
        self.state: Val | None = None

    def describe(self) -> str:
        origin = f" of {self.callee.describe()}" if self.callee is not None else ""
        return f"the result of {self.how}{origin}"


class Seq(Val):
    __slots__ = ("items", "kind")

    def __init__(self, kind: str, items: list[Val] | None = None) -> None:
        self.kind = kind
        self.items: list[Val] = (items or [])[:MAX_ITEMS]

    def extend(self, items: list[Val]) -> None:
        room = MAX_ITEMS - len(self.items)
        if room > 0:
            self.items.extend(items[:room])

    def describe(self) -> str:
        return f"a {self.kind}"


class Map(Val):
    """A dict: a few pairs in order, the last value of each literal string key (as a dict
    keeps it), every special ``__dunder__`` key; ``overflow`` when keys were dropped."""

    __slots__ = ("dunders", "last", "overflow", "pairs")

    def __init__(self) -> None:
        self.pairs: list[tuple[Val, Val]] = []
        self.last: dict[str, Val] = {}
        self.dunders: set[str] = set()
        self.overflow = False

    def put(self, key: Val, value: Val) -> None:
        if isinstance(key, Text) and key.value is not None:
            if key.value.startswith("__"):
                self.dunders.add(key.value)
            if key.value in self.last or len(self.last) < MAX_KEYS:
                self.last[key.value] = value
            else:
                self.overflow = True
        elif not isinstance(key, Text):
            self.overflow = self.overflow or isinstance(key, (Ref, Made))
        if len(self.pairs) < MAX_ITEMS:
            self.pairs.append((key, value))

    def get(self, key: str) -> Val | None:
        """The value a dict built this way holds for ``key`` (the last one put)."""
        return self.last.get(key)

    def describe(self) -> str:
        return "a dict"
