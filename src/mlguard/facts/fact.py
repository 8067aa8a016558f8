"""``@fact``: a repository-level fact, computed on first use and once per scan.

A fact is a typed function of the repository (and optionally of hashable arguments, such as
a path or a trait name). Decorated, it is memoised in the repository's fact store under the
function itself and its arguments: no string keys, no untyped scratch space, and every
check that asks for the same fact shares one computation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, cast

from mlguard.facts.files import Facts

P = ParamSpec("P")
T = TypeVar("T")


class Fact(Generic[P, T]):
    """A memoised fact (see :func:`fact`)."""

    def __init__(self, compute: Callable[Concatenate[Facts, P], T]) -> None:
        self.compute = compute
        functools.update_wrapper(self, compute)

    def _key(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Hashable:
        return (self, args, tuple(sorted(kwargs.items())))

    def __call__(self, repo: Facts, *args: P.args, **kwargs: P.kwargs) -> T:
        store = repo.fact_store
        key = self._key(args, kwargs)
        if key in store:
            return cast(T, store[key])
        value = self.compute(repo, *args, **kwargs)
        store[key] = value
        return value

    def prime(self, repo: Facts, value: T, *args: Hashable) -> None:
        """Record the fact computed elsewhere (the analysis workers, a reused result)."""
        repo.fact_store[self._key(args, {})] = value

    def known(self, repo: Facts) -> dict[tuple[Any, ...], T]:
        """The values computed so far in this scan, by arguments."""
        return {
            cast(tuple[Any, ...], key[1]): cast(T, value)
            for key, value in repo.fact_store.items()
            if isinstance(key, tuple) and key[0] is self
        }


def fact(compute: Callable[Concatenate[Facts, P], T]) -> Fact[P, T]:
    """Decorate a function of the repository to make it a fact computed once per scan."""
    return Fact(compute)
