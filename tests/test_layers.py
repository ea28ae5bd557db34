"""The layers point down: notebooks -> explorers -> computation -> data (README, "How it is built").

Computation modules (``helpers/<topic>.py``) import no widget, plotting or measuring module, so they stay
fast to import and easy to test; explorers read no data table directly (a computation module does).
"""

from __future__ import annotations

import ast

import pytest
from conftest import ROOT

HELPERS = ROOT / "helpers"
DISPLAY = {"widgets", "plotting", "liveplot", "notebook"}  # display layer (notebook.py renders Markdown)
MEASURING = {"measure", "machine", "mpirun"}  # they time this machine and start processes
COMPUTATION = sorted(p.stem for p in HELPERS.glob("*.py") if p.stem not in {"__init__", *DISPLAY, *MEASURING})
WIDGET_LIBRARIES = {"ipywidgets", "matplotlib", "IPython", "bqplot"}
# Their real-run functions (measure_transfer, measure_allreduce, train_data_parallel, tensor_parallel_mlp) launch an
# MPI job through helpers.mpirun and return its results; the processes and timers live in helpers/jobs. Nothing
# else in the computation layer may start processes.
MPI_LAUNCHERS = {"cluster", "parallel", "modelparallel"}


def imported_modules(path) -> set[str]:
    """Every module ``path`` imports, anywhere in the file, as ``helpers.x`` for relative imports."""
    package = path.parent.relative_to(ROOT).as_posix().replace("/", ".")
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def test_the_import_parser_sees_relative_and_absolute_imports(tmp_path):
    folder = ROOT / "helpers" / "explorers"
    found = imported_modules(folder / "convolution.py")
    assert "helpers.convolution" in found and "helpers.widgets.Explorer" in found and "ipywidgets" in found


@pytest.mark.parametrize("module", COMPUTATION)
def test_computation_modules_import_no_widget_plotting_or_measuring_module(module):
    found = imported_modules(HELPERS / f"{module}.py")
    roots = {name.split(".")[0] for name in found}
    assert not roots & WIDGET_LIBRARIES, f"helpers/{module}.py imports {sorted(roots & WIDGET_LIBRARIES)}"
    allowed = {"helpers.mpirun"} if module in MPI_LAUNCHERS else set()
    layered = {n for n in found if n.split(".")[:2] in (["helpers", m] for m in {*DISPLAY, *MEASURING, "explorers"})}
    assert layered <= allowed, f"helpers/{module}.py imports {sorted(layered - allowed)}"


@pytest.mark.parametrize("path", sorted((HELPERS / "explorers").glob("*.py")), ids=lambda p: p.stem)
def test_explorers_read_no_data_table(path):
    found = imported_modules(path)
    assert not {n for n in found if n == "helpers.data" or n.startswith("helpers.data.")}, (
        f"{path.name} reads helpers.data: move the lookup into a computation module")


def test_data_and_checks_import_no_other_helper():
    for module in ("data", "checks"):
        found = {n for n in imported_modules(HELPERS / f"{module}.py") if n.startswith("helpers.")}
        assert not found, f"helpers/{module}.py imports {sorted(found)}"
