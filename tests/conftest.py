"""Shared test set-up: deterministic hypothesis, headless matplotlib, paths."""

import importlib
import os
import sys
from pathlib import Path

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `from tools import ...` also when pytest is not started from the root
    sys.path.insert(0, str(ROOT))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

settings.register_profile(
    "course", derandomize=True, deadline=None, max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "course"))


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def load_tool(name: str):
    """The module ``tools/<name>.py`` (``tools`` is a package at the repository root)."""
    return importlib.import_module(f"tools.{name}")
