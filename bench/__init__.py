"""``make bench``: how fast and how large the course is on this machine, against budgets.

A benchmark suite, not a test suite: it measures, writes ``benchmarks/results/latest.json`` and
``benchmarks/results/latest.md`` (committed: the latest measurement), and exits non-zero when a budget is
missed by more than 50 % (``--strict``: at all). Timings never fail ``make test``: there,
``tests/test_bench_harness.py`` tests its pure parts (statistics, checks, report) and
``tests/test_bench_smoke.py`` runs it end to end on one notebook and one explorer, checking only its output.

Parts, one module each: ``execution`` (notebooks in fresh kernels), ``latency`` (every registered
explorer in a real ipykernel, with ``latency_kernel`` running inside it), ``helpers_speed``
(convolution), ``startup`` (import times, optional fresh set-up), ``browser`` (numbers left by the
browser test). ``core`` holds statistics, budgets and the report; ``run`` is the entry point.
"""
