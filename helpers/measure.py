"""Measuring this machine: one timer and one way to start worker processes.

Every timing in the course goes through :func:`times_s` (built on :mod:`timeit`, so the garbage collector
does not run inside a timed call), and every module that starts processes takes its multiprocessing
context from :func:`process_context`. The computation modules model; this module (with
:mod:`helpers.machine`) measures.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import timeit
from collections.abc import Callable

from . import checks


def times_s(fn: Callable[[], object], repeats: int, warmup: int = 1) -> list[float]:
    """Seconds of each of ``repeats`` calls of ``fn()``, after ``warmup`` untimed calls.

    Parameters
    ----------
    fn : callable
        Called with no arguments; its result is ignored.
    repeats : int
        Timed calls, at least 1.
    warmup : int
        Untimed calls first (page faults, thread start-up, caches), at least 0.

    Returns
    -------
    list of float
        ``repeats`` durations in seconds, in call order.

    Examples
    --------
    >>> t = times_s(lambda: sum(range(1000)), repeats=3)
    >>> len(t), all(s > 0 for s in t)
    (3, True)
    """
    repeats, warmup = checks.whole(repeats, "repeats"), checks.whole(warmup, "warmup", 0)
    if not callable(fn):
        raise ValueError(f"fn must be callable, got {fn!r}")
    for _ in range(warmup):
        fn()
    return timeit.Timer(fn).repeat(repeat=repeats, number=1)


def best_time_s(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """The shortest of ``repeats`` timed calls of ``fn()`` in seconds (see :func:`times_s`).

    The minimum is the call least disturbed by other work on the machine.

    Examples
    --------
    >>> best_time_s(lambda: sum(range(1000)), repeats=3) > 0
    True
    """
    return min(times_s(fn, repeats, warmup))


def paired_times_s(a: Callable[[], object], b: Callable[[], object], repeats: int,
                   warmup: int = 1) -> tuple[list[float], list[float]]:
    """Like :func:`times_s` for two functions whose calls alternate, so that a change in machine load during
    the measurement affects both alike.

    Returns
    -------
    (list of float, list of float)
        The ``repeats`` durations in seconds of ``a`` and of ``b``.

    Examples
    --------
    >>> ta, tb = paired_times_s(lambda: sum(range(10)), lambda: sum(range(1000)), repeats=2)
    >>> len(ta), len(tb)
    (2, 2)
    """
    repeats, warmup = checks.whole(repeats, "repeats"), checks.whole(warmup, "warmup", 0)
    for fn, name in ((a, "a"), (b, "b")):
        if not callable(fn):
            raise ValueError(f"{name} must be callable, got {fn!r}")
    timers = timeit.Timer(a), timeit.Timer(b)
    ta, tb = [], []
    for i in range(warmup + repeats):
        pair = [timer.timeit(number=1) for timer in timers]
        if i >= warmup:
            ta.append(pair[0])
            tb.append(pair[1])
    return ta, tb


def process_context():
    """The multiprocessing context for worker processes: fork where it is safe and fast (Linux), spawn
    elsewhere (macOS and Windows, where fork is unsafe or missing).

    Examples
    --------
    >>> process_context().get_start_method() in ("fork", "spawn")
    True
    """
    return mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
