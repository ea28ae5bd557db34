"""Argument checks shared by the computation modules: each raises a ValueError that names the argument.

Explorers show a ValueError's message to the learner, so the messages say what is expected and what was given.
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
    if isinstance(value, bool) or not isinstance(value, NUMBER_TYPES) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
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
