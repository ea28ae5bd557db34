"""Argument checks shared by the computation modules: each raises a ValueError that names the argument.

Explorers show a ValueError's message to the learner, so the messages say what is expected and what was given.
Each check returns the value in the type the computation uses (``float``, ``int``, ``bool``, ``np.ndarray``),
so a module writes ``n = checks.whole(n, "n")`` once, at the top of a function. Whole numbers ``whole`` also
serve counts (``low=1``) and seeds (:func:`seed`, ``low=0``).

Examples
--------
>>> positive(2, "width")
2.0
>>> whole(3, "n", 1, 8)
3
>>> positive(0, "width")
Traceback (most recent call last):
ValueError: width must be a positive number, got 0
"""

from __future__ import annotations

import math

import numpy as np

NUMBER_TYPES = (int, float, np.integer, np.floating)


def positive(value, name: str) -> float:
    """``value`` as a float if it is a finite number above 0."""
    if isinstance(value, bool) or not isinstance(value, NUMBER_TYPES) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def non_negative(value, name: str) -> float:
    """``value`` as a float if it is a finite number of at least 0."""
    return at_least(value, name, 0)


def at_least(value, name: str, low: float) -> float:
    """``value`` as a float if it is a finite number of at least ``low``."""
    if isinstance(value, bool) or not isinstance(value, NUMBER_TYPES) or not math.isfinite(value) or value < low:
        raise ValueError(f"{name} must be a number >= {low:g}, got {value!r}")
    return float(value)


def fraction(value, name: str) -> float:
    """``value`` as a float if it lies in [0, 1]."""
    value = non_negative(value, name)
    if value > 1:
        raise ValueError(f"{name} must be between 0 and 1, got {value}")
    return value


def whole(value, name: str, low: int = 1, high: int | None = None) -> int:
    """``value`` as an int if it is a whole number in [low, high] (no upper bound when ``high`` is None)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low \
            or (high is not None and value > high):
        span = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name} must be a whole number {span}, got {value!r}")
    return int(value)


def flag(value, name: str) -> bool:
    """``value`` if it is True or False (not 1, None or "yes")."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def finite(value, name: str) -> float:
    """``value`` as a float if it is a finite real number (not a bool, text or NaN)."""
    if isinstance(value, bool) or not isinstance(value, NUMBER_TYPES):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def seed(value, name: str = "seed") -> int:
    """``value`` as an int if it is a whole number of at least 0 (a random seed)."""
    return whole(value, name, 0)


def choice(value, name: str, options):
    """``value`` if it is one of ``options`` (compared with ``==``; text is case-sensitive).

    Examples
    --------
    >>> choice("fp16", "precision", ("fp32", "fp16"))
    'fp16'
    """
    options = tuple(options)
    if isinstance(value, (bool, np.ndarray)) or not any(
            isinstance(value, str) == isinstance(option, str) and value == option for option in options):
        raise ValueError(f"{name} must be one of {list(options)}, got {value!r}")
    return value


def array(values, name: str, ndim: int | tuple[int, ...] | None = None, min_size: int = 1,
          max_size: int | None = None, non_negative: bool = False) -> np.ndarray:
    """``values`` as a float array if it holds only finite numbers (at least 0 if ``non_negative``), has
    ``ndim`` dimensions (one of them for a tuple, any when None) and ``min_size`` to ``max_size`` values.

    Examples
    --------
    >>> array([[1, 2], [3, 4]], "image", ndim=2)
    array([[1., 2.],
           [3., 4.]])
    >>> array(5, "n_bytes", ndim=(0, 1), non_negative=True)
    array(5.)
    """
    if isinstance(values, (bool, str, bytes, dict)) or values is None:
        raise ValueError(f"{name} must be an array of numbers, got {values!r}")
    try:
        a = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of numbers with rows of equal length, "
                         f"got {str(values)[:40]!r}") from None
    dims = (ndim,) if isinstance(ndim, int) else ndim
    if (dims is not None and a.ndim not in dims) or a.size < min_size:
        shape = f"{' or '.join(map(str, dims))}-D " if dims is not None else ""
        raise ValueError(f"{name} must be a {shape}array with at least {min_size} value(s), got shape {a.shape}")
    if max_size is not None and a.size > max_size:
        raise ValueError(f"{name} has {a.size:,} values; at most {max_size:,} are allowed here")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if non_negative and np.any(a < 0):
        raise ValueError(f"{name} must hold numbers >= 0, got {values!r}")
    return a
