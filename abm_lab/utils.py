"""Small shared helpers: thread limits for reproducible, polite numerics; JSON-safe numbers."""

from __future__ import annotations

import functools
import math
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


def finite_json(o: Any) -> Any:
    """``o`` with every NaN / infinite float (in nested dicts and lists) replaced by None: JSON has no such
    numbers, so they are written as null (or omitted by the caller)."""
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, dict):
        return {k: finite_json(v) for k, v in o.items()}
    if isinstance(o, list):
        return [finite_json(v) for v in o]
    return o
