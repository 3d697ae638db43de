"""Small shared helpers: thread limits for reproducible, polite numerics."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def limit_threads(n: int | None = 1) -> Iterator[None]:
    """Limit BLAS / OpenMP threads inside the block (``None``: no limit). Numerics stay identical across
    machines and parallel notebook kernels do not oversubscribe the cores."""
    if n is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(n):
        yield


def single_threaded(func: F) -> F:
    """Decorator: run ``func`` with BLAS / OpenMP limited to one thread (instead of a private twin)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with limit_threads(1):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
