"""Shared indexes of the repository's call sites, each built once per scan.

A check that looks for a few call names, attributes (``fit``) or keyword arguments
(``trust_remote_code=``) asks these indexes for its candidate calls instead of walking
every call of every file. Answers keep the order of such a walk: files in inventory order,
calls in the order of their file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import compress
from operator import attrgetter

from mlguard.analyzers.python_ast import Call
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts

Site = tuple[str, Call]
_NAME = attrgetter("name")
_ATTR = attrgetter("attr")
_KWARGS = attrgetter("kwargs")


@dataclass(frozen=True)
class CallIndex:
    """For each key (resolved name, attribute or keyword argument), the files with such a
    call; a query then filters only those files' calls."""

    files: dict[str, list[int]]  # key -> numbers of the files (walk order) with such a call
    paths: list[str]
    calls: list[tuple[Call, ...]]

    def keys(self, test: Callable[[str], bool]) -> list[str]:
        """The keys (distinct names, attributes, kwargs) for which ``test`` holds."""
        return [key for key in self.files if test(key)]


def by_name(repo: Facts) -> CallIndex:
    """Call sites by resolved name (``torch.load``, ``model.fit``)."""
    return _index(repo, "name")


def by_attr(repo: Facts) -> CallIndex:
    """Call sites by attribute, the last name component (``fit``)."""
    return _index(repo, "attr")


def by_kwarg(repo: Facts) -> CallIndex:
    """Call sites by the names of their keyword arguments."""
    return _index(repo, "kwarg")


def sites(
    repo: Facts,
    names: Iterable[str] = (),
    attrs: Iterable[str] = (),
    kwargs: Iterable[str] = (),
) -> list[Site]:
    """Calls with one of ``names``, one of ``attrs`` or one of ``kwargs``, in walk order."""
    found: list[Site] = []
    for path, calls in _per_file(repo, set(names), set(attrs), set(kwargs)):
        found += [(path, call) for call in calls]
    return found


def files(
    repo: Facts,
    names: Iterable[str] = (),
    attrs: Iterable[str] = (),
    kwargs: Iterable[str] = (),
) -> list[str]:
    """Paths (in walk order) of the files with at least one such call."""
    return [path for path, _ in _per_file(repo, set(names), set(attrs), set(kwargs))]


def by_file(found: list[Site]) -> dict[str, list[Call]]:
    """Sites grouped by path (each path's calls keep their order)."""
    grouped: dict[str, list[Call]] = {}
    for path, call in found:
        grouped.setdefault(path, []).append(call)
    return grouped


def _per_file(
    repo: Facts, names: set[str], attrs: set[str], kwargs: set[str]
) -> list[tuple[str, tuple[Call, ...]]]:
    numbers: set[int] = set()
    index: CallIndex | None = None
    for build, keys in ((by_name, names), (by_attr, attrs), (by_kwarg, kwargs)):
        if keys:
            index = build(repo)
            for key in keys:
                numbers.update(index.files.get(key, ()))
    if index is None:
        return []
    found = []
    for number in sorted(numbers):
        calls = _select(index.calls[number], names, attrs, kwargs)
        if calls:
            found.append((index.paths[number], calls))
    return found


def _select(
    calls: tuple[Call, ...], names: set[str], attrs: set[str], kwargs: set[str]
) -> tuple[Call, ...]:
    """The calls (in file order) with one of the names, attributes or keyword arguments."""
    if not attrs and not kwargs:
        return tuple(compress(calls, map(names.__contains__, map(_NAME, calls))))
    if not names and not kwargs:
        return tuple(compress(calls, map(attrs.__contains__, map(_ATTR, calls))))
    return tuple(
        c for c in calls if c.name in names or c.attr in attrs or (c.kwargs and _has_any(c, kwargs))
    )


def _has_any(call: Call, kwargs: set[str]) -> bool:
    return any(key in kwargs for key, _ in call.kwargs)


def _kwarg_names(calls: tuple[Call, ...]) -> set[str]:
    return {key for call in filter(_KWARGS, calls) for key, _ in call.kwargs}


KEYS_OF: dict[str, Callable[[tuple[Call, ...]], set[str]]] = {
    "name": lambda calls: set(map(_NAME, calls)),
    "attr": lambda calls: set(map(_ATTR, calls)),
    "kwarg": _kwarg_names,
}


@fact
def _index(repo: Facts, kind: str) -> CallIndex:
    keys_of = KEYS_OF[kind]
    index: dict[str, list[int]] = {}
    paths: list[str] = []
    calls: list[tuple[Call, ...]] = []
    for number, (path, facts) in enumerate(repo.iter_python()):
        paths.append(path)
        calls.append(facts.calls)
        for name in keys_of(facts.calls):
            index.setdefault(name, []).append(number)
    return CallIndex(index, paths, calls)
