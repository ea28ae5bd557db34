"""Megatron-style tensor-parallel MLP ``y = tanh(x A) B`` on p ranks (notebook 07).

``A`` (d x f) is split by columns and ``B`` (f x d) by rows: rank r holds ``A[:, cols_r]`` and ``B[cols_r, :]``,
computes ``tanh(x A_r) B_r`` with no communication, and one ``Allreduce`` sums the partial outputs (forward). In the
backward pass of the loss ``0.5 |y - target|^2`` each rank gets the gradients of its own weight slices locally and
one ``Allreduce`` sums the partial input gradients ``dx``. Every rank counts the bytes it hands to the
all-reduces; a barrier before each timed all-reduce separates waiting for the slowest rank (``step_wait_s``) from
the exchange itself (``step_comm_s``); the data are seeded (``x``, ``A``, ``B``, ``target`` from
``default_rng(seed)``)."""

import numpy as np
from mpi4py import MPI
from threadpoolctl import threadpool_limits


def problem(batch, d, f, seed=0):
    """The unsplit layer's seeded inputs: x (batch x d), A (d x f), B (f x d), target (batch x d)."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((batch, d)), rng.standard_normal((d, f)) / np.sqrt(d),
            rng.standard_normal((f, d)) / np.sqrt(f), rng.standard_normal((batch, d)))


def main(comm, batch=64, d=256, f=1024, steps=5, seed=0):
    threadpool_limits(1)
    p, rank = comm.Get_size(), comm.Get_rank()
    x, a, b, target = problem(batch, d, f, seed)
    cols = np.array_split(np.arange(f), p)[rank]
    a_r, b_r = a[:, cols], b[cols, :]  # my column slice of A, my row slice of B
    y, dx = np.empty((batch, d)), np.empty((batch, d))
    allreduce_bytes, compute_s, comm_s, wait_s = 0, [], [], []
    for _ in range(steps):
        t0 = MPI.Wtime()
        h_r = np.tanh(x @ a_r)  # forward, local: batch x f/p
        y_r = h_r @ b_r  # my partial output
        t1 = MPI.Wtime()
        comm.Barrier()  # wait for the slowest rank here, so the timed all-reduce is the exchange, not the waiting
        w1 = MPI.Wtime()
        comm.Allreduce(y_r, y, op=MPI.SUM)  # forward all-reduce: y = sum of the partial outputs
        t2 = MPI.Wtime()
        dy = y - target  # gradient of 0.5 |y - target|^2
        db_r = h_r.T @ dy  # my rows of dB
        dz_r = (dy @ b_r.T) * (1 - h_r**2)
        da_r = x.T @ dz_r  # my columns of dA
        dx_r = dz_r @ a_r.T  # my partial input gradient
        t3 = MPI.Wtime()
        comm.Barrier()
        w3 = MPI.Wtime()
        comm.Allreduce(dx_r, dx, op=MPI.SUM)  # backward all-reduce: dx = sum of the partials
        t4 = MPI.Wtime()
        allreduce_bytes += y_r.nbytes + dx_r.nbytes
        compute_s.append((t1 - t0) + (t3 - t2))
        wait_s.append((w1 - t1) + (w3 - t3))
        comm_s.append((t2 - w1) + (t4 - w3))
    da = comm.gather(da_r, root=0)  # only to check against the unsplit layer
    db = comm.gather(db_r, root=0)
    if rank == 0:
        return dict(y=y, dx=dx, da=np.concatenate(da, axis=1), db=np.concatenate(db, axis=0), ranks=p,
                    allreduce_bytes_per_step=allreduce_bytes / steps, allreduces_per_step=2,
                    step_compute_s=float(np.median(compute_s)), step_comm_s=float(np.median(comm_s)),
                    step_wait_s=float(np.median(wait_s)))


if __name__ == "__main__":
    from helpers.jobs import launch

    launch(main)
