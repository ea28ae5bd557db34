"""MPI all-reduce against the alpha-beta model (issue 17): per message size and rank count, the measured time of
``MPI_Allreduce`` and of the course's hand-written ring next to the ring model with alpha and beta fitted to this
machine's MPI ping-pong. Reported, not budgeted: the ratio depends on the machine and on its load."""

from __future__ import annotations

import os

from bench.core import fmt

SIZES_LARGEST = 4 * 2**20
SIZE_COUNT = 8
RANKS = (2, 4)
REPEATS = 5


def run() -> dict:
    from helpers import cluster as CL

    section = {"name": "mpi", "title": "6. MPI all-reduce vs the alpha-beta model", "status": "ok", "data": {},
               "checks": [], "tables": [], "notes": []}
    m = CL.measure_transfer(CL.default_message_sizes(), repeats=20)
    fit = CL.fit_alpha_beta(m.sizes, m.times_s)
    link = fit.as_link("ping-pong")
    sizes = CL.default_message_sizes(SIZES_LARGEST, SIZE_COUNT)
    rows, data = [], {"alpha_us": fit.latency_us, "bandwidth_gbs": fit.bandwidth_gbs, "runs": []}
    for p in RANKS:
        ar = CL.measure_allreduce(sizes, n_ranks=p, repeats=REPEATS)
        model = CL.allreduce_time_s(ar.sizes, p, link, "ring")
        data["runs"].append({"ranks": p, "sizes": ar.sizes.tolist(), "mpi_s": ar.mpi_s.tolist(),
                             "ring_s": ar.ring_s.tolist(), "naive_s": ar.naive_s.tolist(),
                             "ring_model_s": model.tolist(), "sums_agree": ar.sums_agree})
        for n, a, r, mod in zip(ar.sizes, ar.mpi_s, ar.ring_s, model):
            rows.append([p, f"{int(n):,}", fmt(a * 1e3, "ms"), fmt(r * 1e3, "ms"), fmt(mod * 1e3, "ms"),
                         fmt(a / mod, "x")])
    section["data"] = data
    section["tables"].append({
        "title": f"all-reduce of float64 vectors, mean of {REPEATS}, slowest rank; model: ring "
                 f"2(p-1)(α + n/(pB)) with α = {fit.latency_us:.2f} µs, B = {fit.bandwidth_gbs:.2f} GB/s "
                 "(MPI ping-pong on this machine)",
        "headers": ["ranks", "bytes", "MPI_Allreduce", "hand-written ring", "ring model", "MPI / model"],
        "rows": rows,
    })
    section["notes"].append(f"{os.cpu_count()} cores; ranks beyond the cores share them (oversubscribed), which the "
                            "model does not include.")
    return section
