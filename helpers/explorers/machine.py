"""Start-here explorer: measured matrix-multiply speed against matrix size on this machine."""

import ipywidgets as W
import numpy as np

from ..machine import matmul_sweep
from ..plotting import log_axis, new_figure
from ..widgets import Explorer, register


def matmul_sizes(largest: int, points: int = 6) -> np.ndarray:
    """Matrix sizes from 32 up to ``largest``, spaced evenly on a log scale."""
    if largest < 32:
        raise ValueError(f"largest matrix size must be at least 32, got {largest}")
    return np.unique(np.geomspace(32, largest, points).astype(int))


@register("machine.matmul")
def matmul_explorer(largest: int = 256, repeats: int = 2) -> Explorer:
    """Slider for the largest matrix size; a measured GFLOP/s curve (float32 and float64)."""
    controls = {
        "largest": W.IntSlider(largest, 32, 1024, step=32, description="largest n",
                               continuous_update=False),
    }
    fig, ax = new_figure(figsize=(7, 3.8))
    f32, = ax.plot([], [], "o-", label="float32")
    f64, = ax.plot([], [], "s--", label="float64")
    log_axis(ax, "x")
    ax.set_xlabel("matrix size n (n x n @ n x n)")
    ax.set_ylabel("GFLOP/s measured")
    ax.set_title("numpy matmul speed on this machine")
    ax.legend(loc="upper left")

    def draw(v):
        sizes = matmul_sizes(v["largest"])
        g32 = matmul_sweep(sizes, "float32", repeats)
        g64 = matmul_sweep(sizes, "float64", repeats)
        f32.set_data(sizes, g32)
        f64.set_data(sizes, g64)
        ax.set_xlim(sizes[0] * 0.8, sizes[-1] * 1.25)
        ax.set_ylim(0, max(g32.max(), g64.max()) * 1.15)
        return (f"Best: {g32.max():.1f} GFLOP/s in float32, {g64.max():.1f} in float64 "
                f"(n = {sizes[int(np.argmax(g32))]})")

    return Explorer("machine.matmul", controls, fig, draw, artists={"float32": f32, "float64": f64})
