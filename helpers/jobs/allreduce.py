"""All-reduce three ways, timed over message sizes (notebook 05).

* ``ring``: reduce-scatter then all-gather around a ring, written with ``Sendrecv``: 2(p-1) steps, each moving
  1/p of the vector to the right neighbour.
* ``naive``: everyone sends its vector to rank 0 (``Gather``), rank 0 sums and ``Bcast``s the result.
* ``mpi``: the library's ``Allreduce``.

Rank r's input is ``default_rng(seed + r).integers(-1000, 1000, n)`` as float64 (whole numbers, so every
summation order gives the same sum exactly). Sizes are in bytes (8 bytes per value)."""

import numpy as np
from mpi4py import MPI


def ring_allreduce(comm, x):
    """Sum of ``x`` over all ranks: reduce-scatter then all-gather around the ring (p chunks, 2(p-1) steps)."""
    p, r = comm.Get_size(), comm.Get_rank()
    chunks = np.array_split(x.copy(), p)
    right, left = (r + 1) % p, (r - 1) % p
    incoming = np.empty_like(chunks[0])
    for step in range(p - 1):  # reduce-scatter: after it, rank r holds the full sum of chunk r + 1
        send, recv = (r - step) % p, (r - step - 1) % p
        buf = incoming[: chunks[recv].size]
        comm.Sendrecv(chunks[send], dest=right, recvbuf=buf, source=left)
        chunks[recv] += buf
    for step in range(p - 1):  # all-gather: pass the finished chunks around once
        send, recv = (r - step + 1) % p, (r - step) % p
        comm.Sendrecv(chunks[send], dest=right, recvbuf=chunks[recv], source=left)
    return np.concatenate(chunks)


def naive_allreduce(comm, x):
    """Sum of ``x`` over all ranks through rank 0: gather every vector, add them up, broadcast the sum."""
    everyone = np.empty((comm.Get_size(), x.size)) if comm.Get_rank() == 0 else None
    comm.Gather(x, everyone, root=0)
    total = everyone.sum(axis=0) if comm.Get_rank() == 0 else np.empty_like(x)
    comm.Bcast(total, root=0)
    return total


def mpi_allreduce(comm, x):
    """Sum of ``x`` over all ranks with the library's own algorithm (MPI_Allreduce)."""
    total = np.empty_like(x)
    comm.Allreduce(x, total, op=MPI.SUM)
    return total


METHODS = {"ring": ring_allreduce, "naive": naive_allreduce, "mpi": mpi_allreduce}


def main(comm, sizes, repeats=10, seed=0):
    rank = comm.Get_rank()
    times = {name: [] for name in METHODS}
    sums = {}
    for n_bytes in sizes:
        x = np.random.default_rng(seed + rank).integers(-1000, 1000, max(1, int(n_bytes) // 8)).astype(float)
        for name, allreduce in METHODS.items():
            sums[name] = allreduce(comm, x)  # warm-up, and the result the test checks
            comm.Barrier()
            start = MPI.Wtime()
            for _ in range(repeats):
                allreduce(comm, x)
            elapsed = (MPI.Wtime() - start) / repeats
            times[name].append(comm.allreduce(elapsed, op=MPI.MAX))  # the slowest rank sets the time
    if rank == 0:
        return dict(sizes=np.array([max(1, int(n) // 8) * 8 for n in sizes]), ranks=comm.Get_size(),
                    **{f"{k}_s": np.array(v) for k, v in times.items()},
                    **{f"{k}_sum": v for k, v in sums.items()})  # sums of the largest size


if __name__ == "__main__":
    from helpers.jobs import launch

    launch(main)
