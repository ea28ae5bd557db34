"""Execute notebooks in a fresh kernel and store them executed, with clean metadata.

Usage: python tools/run_notebooks.py notebooks/01_convolution.ipynb [...]
Stored notebooks keep only the kernelspec and language_info metadata, cell tags, and no widget
state (explorers carry a PNG of their figure, which GitHub and nbviewer show instead).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KEEP_NOTEBOOK_METADATA = ("kernelspec", "language_info")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop personal and volatile metadata; keep tags only."""
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in KEEP_NOTEBOOK_METADATA}
    nb.metadata["kernelspec"] = KERNELSPEC
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags")
        cell.metadata = {"tags": tags} if tags else {}
        if cell.cell_type == "code":
            for out in cell.outputs:
                out.get("metadata", {}).pop("execution", None)
    return nb


def execute(path: Path, timeout: int = 300) -> float:
    """Run one notebook top to bottom in its own folder; store it; return seconds taken."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=False,
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nbformat.write(clean(nb), path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Execute course notebooks and store them with clean metadata.")
    parser.add_argument("paths", nargs="+", help="notebooks to execute, e.g. notebooks/01_convolution.ipynb")
    paths = parser.parse_args(argv).paths
    os.environ.setdefault("PYTHONHASHSEED", "0")
    for name in paths:
        seconds = execute(Path(name))
        print(f"executed {name} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
