"""MPI jobs of the course: each module runs on every rank under ``mpiexec`` (see :mod:`helpers.mpirun`).

A job module defines ``main(comm, **args) -> dict | None`` and ends with ``launch(main)``. Every rank runs
``main``; rank 0 returns the results (numpy arrays and numbers), which :func:`launch` saves to the ``--out`` file
as ``.npz`` for the notebook. Nothing here is imported by a notebook's kernel except through the launcher.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np


def launch(main) -> None:
    """Parse ``--out FILE --args JSON``, run ``main(MPI.COMM_WORLD, **args)`` on every rank, save rank 0's dict.

    An exception on any rank is printed in one line and aborts every rank (``MPI.COMM_WORLD.Abort``), so the
    launcher sees a failure instead of a hang."""
    from mpi4py import MPI

    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--args", default="{}")
    opts = parser.parse_args()
    comm = MPI.COMM_WORLD
    try:
        result = main(comm, **json.loads(opts.args))
    except Exception as err:  # one readable line for the launcher, then take every rank down
        print(f"rank {comm.Get_rank()}: {type(err).__name__}: {err}", file=sys.stderr, flush=True)
        comm.Abort(1)
        return
    if comm.Get_rank() == 0:
        np.savez(opts.out, **{k: np.asarray(v) for k, v in (result or {}).items()})
