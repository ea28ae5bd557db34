"""Data-parallel SGD: persistent ranks, one shard of every batch each, gradients averaged with Allreduce (notebook 06).

Every rank keeps its own copy of the parameters. In step ``s`` the global batch is ``p * batch_per_worker`` rows
(the same rows :func:`helpers.parallel.train_single` takes); rank r computes the gradient of its
``batch_per_worker`` rows, ``Allreduce`` sums the gradients, and every rank applies the same averaged update, so
all copies stay equal and the losses equal single-process SGD on the whole batch. Each step is timed in two parts:
compute (forward and backward on the shard, the slowest rank's) and communication: what the step lasts beyond the
slowest rank's compute. A rank's Allreduce also holds its wait for the slower rank; that wait is already in the
slowest compute, so it is not counted again. ``delay_s`` makes the last rank sleep that long in every compute (a
deliberately unbalanced run, for tests)."""

import time

import numpy as np
from mpi4py import MPI
from threadpoolctl import threadpool_limits

from helpers.parallel import _batch_rows, init_params, loss_and_grad, make_dataset


def main(comm, steps=30, batch_per_worker=64, hidden=64, lr=0.5, seed=0, warmup=3, delay_s=0.0):
    threadpool_limits(1)  # one core per rank
    p, rank = comm.Get_size(), comm.Get_rank()
    x, y = make_dataset(seed=seed)
    classes = int(y.max()) + 1
    params = init_params(x.shape[1], hidden, classes, seed)
    grad_sum = np.empty_like(params)
    losses, compute_s, comm_s = [], [], []
    comm.Barrier()
    for step in range(steps):
        rows = _batch_rows(step, p * batch_per_worker, len(x))[rank * batch_per_worker:(rank + 1) * batch_per_worker]
        start = MPI.Wtime()
        loss, grad = loss_and_grad(params, x[rows], y[rows], hidden, classes)
        if delay_s and rank == p - 1:
            time.sleep(delay_s)
        computed = MPI.Wtime()
        comm.Allreduce(grad, grad_sum, op=MPI.SUM)  # the gradient exchange: sum over ranks
        done = MPI.Wtime()
        loss = comm.allreduce(loss, op=MPI.SUM)  # the mean loss, for the record (not timed)
        params -= lr * grad_sum / p
        losses.append(loss / p)
        compute_s.append(computed - start)
        comm_s.append(done - computed)
    slowest, step_s = np.empty(steps), np.empty(steps)
    comm.Allreduce(np.array(compute_s), slowest, op=MPI.MAX)  # a step lasts as long as its slowest rank
    comm.Allreduce(np.array(compute_s) + np.array(comm_s), step_s, op=MPI.MAX)  # compute + Allreduce, per rank
    compute_s = slowest
    comm_s = np.maximum(step_s - slowest, 0.0)  # beyond the slowest compute: the wait is not counted twice
    if rank == 0:
        steady = slice(min(warmup, steps - 1), None)  # steady state: after the first steps (caches, page faults)
        return dict(losses=np.array(losses), compute_s=compute_s, comm_s=comm_s, ranks=p,
                    n_params=params.size, step_compute_s=float(np.median(compute_s[steady])),
                    step_comm_s=float(np.median(comm_s[steady])))


if __name__ == "__main__":
    from helpers.jobs import launch

    launch(main)
