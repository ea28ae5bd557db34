"""Ping-pong between rank 0 and rank 1: one-way time per message size (notebook 05).

Rank 0 sends ``n`` bytes, rank 1 sends them straight back; half the round trip is the one-way time. The median
over ``repeats`` (after ``warmup`` round trips) per size is what the alpha-beta fit ``t = alpha + n / beta`` uses.
Ranks beyond the first two wait at the barriers."""

import numpy as np
from mpi4py import MPI


def main(comm, sizes, repeats=20, warmup=3, seed=0):
    rank = comm.Get_rank()
    if comm.Get_size() < 2:
        raise ValueError("ping-pong needs 2 processes")
    sizes = [int(n) for n in sizes]
    message = np.random.default_rng(seed).integers(0, 256, max(sizes), dtype=np.uint8)
    echo = np.empty_like(message)
    median_s, fastest_s, verified = [], [], True
    for n in sizes:
        comm.Barrier()
        samples = []
        for i in range(warmup + repeats):
            start = MPI.Wtime()
            if rank == 0:
                comm.Send(message[:n], dest=1)
                comm.Recv(echo[:n], source=1)
            elif rank == 1:
                comm.Recv(echo[:n], source=0)
                comm.Send(echo[:n], dest=0)
            if i >= warmup:
                samples.append((MPI.Wtime() - start) / 2)
        if rank == 0:
            verified = verified and np.array_equal(echo[:n], message[:n])
        median_s.append(np.median(samples))
        fastest_s.append(np.min(samples))
    if rank == 0:
        return dict(sizes=np.array(sizes), times_s=np.array(median_s), min_times_s=np.array(fastest_s),
                    repeats=repeats, verified=verified, ranks=comm.Get_size(), processor=MPI.Get_processor_name())


if __name__ == "__main__":
    from helpers.jobs import launch

    launch(main)
