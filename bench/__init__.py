"""``make bench``: how fast and how large the course is on this machine, against budgets.

A benchmark suite, not a test suite: it measures, writes ``artefacts/bench/results.json`` and
``artefacts/bench/report.md``, and exits non-zero when a budget is missed. It never runs inside
``make test``; ``tests/test_bench_harness.py`` tests only its pure parts (statistics, checks, report).

Parts, one module each: ``execution`` (notebooks in fresh kernels), ``latency`` (every registered
explorer in a real ipykernel, with ``latency_kernel`` running inside it), ``helpers_speed``
(convolution), ``startup`` (import times, optional fresh set-up), ``browser`` (numbers left by the
browser test). ``core`` holds statistics, budgets and the report; ``run`` is the entry point.
"""
