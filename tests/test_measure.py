"""helpers.measure: the one timer and the one process context of the course."""

import sys

import pytest

from helpers import measure


def test_times_s_warms_up_then_times_each_call():
    calls = []
    times = measure.times_s(lambda: calls.append(1), repeats=4, warmup=2)
    assert len(calls) == 6 and len(times) == 4
    assert all(t >= 0 for t in times)


def test_best_time_s_is_the_shortest_call():
    durations = iter([0.0, 0.02, 0.0, 0.01])  # warm-up, then three calls that sleep these long

    def work():
        import time

        time.sleep(next(durations))

    best = measure.best_time_s(work, repeats=3)
    assert 0 <= best < 0.01  # the 0 s call, not the 0.01 s or 0.02 s ones


def test_paired_times_alternate_the_two_functions():
    order = []
    ta, tb = measure.paired_times_s(lambda: order.append("a"), lambda: order.append("b"), repeats=2, warmup=1)
    assert order == ["a", "b"] * 3 and len(ta) == len(tb) == 2


@pytest.mark.parametrize("platform, method", [("linux", "fork"), ("darwin", "spawn"), ("win32", "spawn")])
def test_process_context_chooses_the_start_method_per_platform(monkeypatch, platform, method):
    monkeypatch.setattr(sys, "platform", platform)
    assert measure.process_context().get_start_method() == method
