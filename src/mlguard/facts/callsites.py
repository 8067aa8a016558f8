"""Shared indexes of the repository's call sites, each built once per scan.

A check that looks for a few call names, attributes (``fit``) or keyword arguments
(``trust_remote_code=``) asks these indexes for its candidate calls instead of walking
every call of every file. Answers keep the order of such a walk: files in inventory order,
calls in the order of their file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter

from mlguard.analyzers.python_ast import Call
from mlguard.repo import RepoContext

# (file number in walk order, path, the file's calls under one key, in file order)
Group = tuple[int, str, tuple[Call, ...]]
Site = tuple[str, Call]
_NAME = attrgetter("name")
_ATTR = attrgetter("attr")
_KWARGS = attrgetter("kwargs")


@dataclass(frozen=True)
class CallIndex:
    """Call sites grouped per file under one key (resolved name, attribute or kwarg)."""

    groups: dict[str, list[Group]]
    calls: dict[str, tuple[Call, ...]]  # every call of every file, for merging groups

    def keys(self, test: Callable[[str], bool]) -> list[str]:
        """The keys (distinct names, attributes, kwargs) for which ``test`` holds."""
        return [key for key in self.groups if test(key)]


def by_name(repo: RepoContext) -> CallIndex:
    """Call sites by resolved name (``torch.load``, ``model.fit``)."""
    return _cached(repo, "name", lambda calls: _grouped(calls, _NAME))


def by_attr(repo: RepoContext) -> CallIndex:
    """Call sites by attribute, the last name component (``fit``)."""
    return _cached(repo, "attr", lambda calls: _grouped(calls, _ATTR))


def by_kwarg(repo: RepoContext) -> CallIndex:
    """Call sites by the names of their keyword arguments."""
    return _cached(repo, "kwarg", _by_kwargs)


def sites(
    repo: RepoContext,
    names: Iterable[str] = (),
    attrs: Iterable[str] = (),
    kwargs: Iterable[str] = (),
) -> list[Site]:
    """Calls with one of ``names``, one of ``attrs`` or one of ``kwargs``, in walk order."""
    found: list[Site] = []
    for path, calls in _per_file(repo, names, attrs, kwargs):
        found += [(path, call) for call in calls]
    return found


def files(
    repo: RepoContext,
    names: Iterable[str] = (),
    attrs: Iterable[str] = (),
    kwargs: Iterable[str] = (),
) -> list[str]:
    """Paths (in walk order) of the files with at least one such call."""
    return [path for path, _ in _per_file(repo, names, attrs, kwargs)]


def by_file(found: list[Site]) -> dict[str, list[Call]]:
    """Sites grouped by path (each path's calls keep their order)."""
    grouped: dict[str, list[Call]] = {}
    for path, call in found:
        grouped.setdefault(path, []).append(call)
    return grouped


def _per_file(
    repo: RepoContext, names: Iterable[str], attrs: Iterable[str], kwargs: Iterable[str]
) -> list[tuple[str, tuple[Call, ...]]]:
    chosen: dict[int, list[Group]] = {}
    every: dict[str, tuple[Call, ...]] = {}
    for index, keys in ((by_name, names), (by_attr, attrs), (by_kwarg, kwargs)):
        wanted = dict.fromkeys(keys)
        if not wanted:
            continue
        built = index(repo)
        every = built.calls
        for key in wanted:
            for group in built.groups.get(key, ()):
                chosen.setdefault(group[0], []).append(group)
    found = []
    for number in sorted(chosen):
        groups = chosen[number]
        path = groups[0][1]
        if len(groups) == 1:
            found.append((path, groups[0][2]))
        else:  # several keys hit this file: its calls in file order, each once
            ids = {id(call) for group in groups for call in group[2]}
            found.append((path, tuple(c for c in every[path] if id(c) in ids)))
    return found


def _cached(
    repo: RepoContext,
    kind: str,
    group: Callable[[tuple[Call, ...]], Iterable[tuple[str, tuple[Call, ...]]]],
) -> CallIndex:
    key = f"callsites:{kind}"
    cached = repo.cache.get(key)
    if isinstance(cached, CallIndex):
        return cached
    groups: dict[str, list[Group]] = {}
    calls: dict[str, tuple[Call, ...]] = {}
    for number, (path, facts) in enumerate(repo.iter_python()):
        calls[path] = facts.calls
        for name, members in group(facts.calls):
            groups.setdefault(name, []).append((number, path, members))
    built = CallIndex(groups, calls)
    repo.cache[key] = built
    return built


def _grouped(
    calls: tuple[Call, ...], key: Callable[[Call], str]
) -> Iterable[tuple[str, tuple[Call, ...]]]:
    """The calls grouped by ``key``, each group in file order (a stable sort, no per-call
    Python code: files hold hundreds of thousands of calls in large repositories)."""
    keys = list(map(key, calls))
    order = sorted(range(len(keys)), key=keys.__getitem__)
    for name, positions in groupby(order, key=keys.__getitem__):
        yield name, tuple(map(calls.__getitem__, positions))


def _by_kwargs(calls: tuple[Call, ...]) -> Iterable[tuple[str, tuple[Call, ...]]]:
    found: dict[str, list[Call]] = {}
    for call in filter(_KWARGS, calls):
        for name in dict.fromkeys(k for k, _ in call.kwargs):
            found.setdefault(name, []).append(call)
    return ((name, tuple(members)) for name, members in found.items())
