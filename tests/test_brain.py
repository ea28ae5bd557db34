"""helpers.brain: assumption chains, sensitivity, Monte Carlo, with the brief's worked examples."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import brain as B
from helpers import trends as T


def test_worked_examples():
    assert B.brain_flops("kurzweil") == pytest.approx(2e16)
    exercise = {"neurons": 8.6e10, "synapses_per_neuron": 7000, "rate_hz": 1, "ops_per_event": 2}
    assert B.brain_flops(exercise) == pytest.approx(1.204e15)
    assert B.brain_flops("dettmers2015") == pytest.approx(1.075e21)
    gap = B.fact("el_capitan_hpcg_pflops") * 1e15 / 1.809e18
    assert gap == pytest.approx(0.0096, abs=0.0001)


def test_every_set_has_every_factor_with_ordered_range():
    for name in B.assumption_sets():
        factors = B.assumption_set(name)
        assert set(factors) == set(B.FACTORS)
        for f in factors.values():
            assert 0 < f.low <= f.value <= f.high


def test_sensitivity_spans_match_ranges():
    spans = B.sensitivity("synapse_counting")
    for name, (low, high, orders) in spans.items():
        f = B.assumption_set("synapse_counting")[name]
        assert orders == pytest.approx(np.log10(f.high / f.low))
        assert low <= B.brain_flops("synapse_counting") <= high
    lo, hi = B.chain_range("synapse_counting")
    assert lo <= B.brain_flops("synapse_counting") <= hi


@given(st.floats(1e9, 1e12), st.floats(1, 1e5), st.floats(0.01, 1e3), st.floats(0.1, 1e5))
def test_chain_is_a_product_and_scales_linearly(n, s, r, o):
    chain = dict(neurons=n, synapses_per_neuron=s, rate_hz=r, ops_per_event=o)
    assert B.brain_flops(chain) == pytest.approx(n * s * r * o)
    assert B.brain_flops({**chain, "rate_hz": 2 * r}) == pytest.approx(2 * B.brain_flops(chain))


def planted_fit():
    years = np.arange(1993, 2026)
    return T.fit_exponential(years, 1e11 * 1.7 ** (years - 1993) * (1 + 0.05 * np.sin(years)))


def test_monte_carlo_is_seeded_and_within_ranges():
    ranges = {k: (f.low, f.high) for k, f in B.assumption_set("synapse_counting").items()}
    fit = planted_fit()
    flops, years = B.monte_carlo_crossing(ranges, fit, 5000, seed=3)
    flops2, years2 = B.monte_carlo_crossing(ranges, fit, 5000, seed=3)
    np.testing.assert_array_equal(years, years2)
    lo, hi = B.chain_range("synapse_counting")
    assert flops.min() >= lo * (1 - 1e-9) and flops.max() <= hi * (1 + 1e-9)
    assert np.corrcoef(np.log10(flops), years)[0, 1] > 0.5  # bigger estimates are reached later
    assert np.isfinite(np.median(years))


def test_monte_carlo_single_point_range_gives_the_deterministic_year():
    point = {k: (f.value, f.value) for k, f in B.assumption_set("kurzweil").items()}
    fit = planted_fit()
    fixed = T.fit_exponential(np.arange(1993, 2026), fit.predict(np.arange(1993, 2026)))
    _, years = B.monte_carlo_crossing(point, fixed, 100, seed=0)
    assert np.allclose(years, T.year_reached(2e16, fixed), atol=1e-6)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: B.assumption_set("astrology"), "assumption set"),
        (lambda: B.brain_flops({"neurons": 1}), "lack"),
        (lambda: B.brain_flops(dict(neurons=-1, synapses_per_neuron=1, rate_hz=1, ops_per_event=1)), "neurons"),
        (lambda: B.brain_flops(dict(neurons=1, synapses_per_neuron=1, rate_hz=np.nan, ops_per_event=1)),
         "rate_hz"),
        (lambda: B.monte_carlo_crossing({}, planted_fit(), 10), "lack"),
        (lambda: B.monte_carlo_crossing({}, planted_fit(), 10**9), "n must be"),
        (lambda: B.sample_log_uniform(0, 1, 3, np.random.default_rng()), "low"),
        (lambda: B.flops_per_watt(1e15, 0), "watts"),
        (lambda: B.top500_series("nonsense"), "column"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
