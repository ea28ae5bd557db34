"""Static figures of the start page: the course's notebooks, what builds on what, and the suggested paths.

A plain matplotlib figure (no widget): the start page is read before anything else, often before the kernel
runs, and the picture is what GitHub and nbviewer show.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from helpers.course import MapEntry
from helpers.plotting import PALETTE


def course_graph(entries: list[MapEntry], paths: list[tuple[str, str, tuple[str, ...]]]):
    """The notebooks as numbered circles in course order; grey arcs for "builds on", one coloured row per path.

    Returns the matplotlib ``Figure``.
    """
    x = {e.number: i for i, e in enumerate(entries)}
    fig, ax = plt.subplots(figsize=(9, 1.6 + 0.55 * len(paths)), layout="constrained")
    top = len(paths)
    for e in entries:  # the notebooks, in course order
        ax.scatter(x[e.number], top, s=700, color="white", edgecolor="0.3", zorder=3)
        ax.text(x[e.number], top, e.number, ha="center", va="center", fontsize=11, zorder=4)
        ax.text(x[e.number], top + 0.42, f"{e.minutes:.0f} min", ha="center", va="bottom", fontsize=8, color="0.35")
        for before in e.builds_on:  # "builds on" as arcs above the row
            ax.annotate("", xy=(x[e.number], top + 0.12), xytext=(x[before], top + 0.12),
                        arrowprops=dict(arrowstyle="->", color="0.6", connectionstyle="arc3,rad=-0.35"))
    colours = [c for c in PALETTE if c.lower() not in {"#000000", "black"}]
    for row, (name, _goal, notebooks) in enumerate(paths):  # each path on its own row below
        y = top - 1 - row
        colour = colours[row % len(colours)]
        xs = [x[n] for n in notebooks]
        ax.plot(xs, [y] * len(xs), "-o", color=colour, lw=2.5, ms=9)
        for n in notebooks:
            ax.plot([x[n], x[n]], [y, top - 0.25], ":", color=colour, lw=1)
        ax.text(-0.6, y, name, ha="right", va="center", fontsize=10, color=colour)
        minutes = sum(e.minutes for e in entries if e.number in notebooks)
        ax.text(max(xs) + 0.35, y, f"{minutes:.0f} min", ha="left", va="center", fontsize=9, color=colour)
    ax.set_xlim(-3.2, len(entries) + 0.2)
    ax.set_ylim(-0.6, top + 1.6)
    ax.axis("off")
    ax.set_title("The notebooks (grey arcs: builds on) and three paths through them", fontsize=11, loc="left")
    return fig
