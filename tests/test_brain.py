"""helpers.brain: assumption chains, sensitivity, Monte Carlo, with the brief's worked examples."""

import re

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
    assert B.dettmers2015_chain()["total"] == pytest.approx(1.075e21, rel=1e-6)
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


# ---- notebook 02 second edition ------------------------------------------------------------------------------------

def test_article_estimate_is_rebuilt_from_its_stated_numbers_without_calibration():
    # independent arithmetic from the article's prose: granule 15x5 inputs with a 3x4x5 filter, Purkinje 100000x5
    # inputs with a 10x1000x5 filter, mean of the two cell types, times 86 billion neurons
    granule = 15 * 5 * (3 * 4) * 5
    purkinje = 100_000 * 5 * (10 * 1000) * 5
    expected = 86e9 * (granule + purkinje) / 2
    chain = B.dettmers2015_chain()
    assert chain["granule"] == granule and chain["purkinje"] == purkinje
    assert chain["total"] == pytest.approx(expected, rel=1e-12)
    assert f"{chain['total']:.4g}" == "1.075e+21"  # the article's stated figure, to its four digits
    # no factor anywhere is set to make a product land on the article's total (the first edition's 6,250 FLOP)
    from helpers.data import load_table
    for table in ("brain_assumptions", "brain_dettmers2015"):
        assert not any("calibrat" in r.source.lower() for r in load_table(table)), table


def test_article_chain_overrides_and_dominant_factor():
    base = B.dettmers2015_chain()["total"]
    assert B.dettmers2015_chain({'time_steps': 10})["total"] == pytest.approx(base * 4, rel=1e-6)  # T appears twice
    assert B.dettmers2015_chain({'purkinje_inputs': 75_000})["total"] == pytest.approx(base * 0.75, rel=1e-6)
    with pytest.raises(ValueError, match="overrides"):
        B.dettmers2015_chain({'rate_hz': 200})
    with pytest.raises(ValueError, match="time_steps"):
        B.dettmers2015_chain({'time_steps': 0})


def test_landauer_limit_against_hand_computation():
    k, T = 1.380649e-23, 310
    assert B.landauer_limit_flops(20, T) == pytest.approx(20 / (k * T * np.log(2)))
    assert 6e21 < B.landauer_limit_flops(20, T) < 7e21


def test_lifetime_compute_is_flop_not_flop_per_second():
    assert B.lifetime_flop(1e15, B.fact("lifetime_s")) == pytest.approx(1e24)
    assert B.lifetime_flop(1.075e21, 1e9) == pytest.approx(1.075e30)


def test_article_doublings_and_years():
    n = B.doublings_needed(0.58e15, 1.075e21)
    assert n == 21  # the article's "21 doubling periods"
    assert 0.58e15 * 2**20 < 1.075e21 <= 0.58e15 * 2**21
    assert round(B.year_after_doublings(2015, n, 1.8)) == 2053
    assert round(B.year_after_doublings(2015, n, 3)) == 2078
    assert B.doublings_needed(2, 1) == 0


def test_crossing_starts_from_the_latest_measurement_not_the_line():
    # first edition: the 1993-2025 line passes far above the real #1 of 2025 and its crossing year came from that gap
    years, rank1 = B.top500_series("rank1_rmax_tflops")
    rank1 = rank1 * 1e12
    fit = T.fit_exponential(years, rank1, 1993, 2025.99)
    year, value = B.latest_point()
    value *= 1e12
    assert value == pytest.approx(1.809e18)  # El Capitan, November 2025
    assert fit.predict(2025 + 5 / 12) > 3 * 1.742e18  # June 2025: line about 7e18, list 1.742e18
    from_data = B.year_reached_from(1.075e21, fit, value, year)
    assert from_data == pytest.approx(year + np.log10(1.075e21 / value) / fit.slope)
    assert from_data > T.year_reached(1.075e21, fit) + 2


def test_year_reached_from_planted_series():
    fit = T.fit_exponential([2000, 2001, 2002, 2003], [1.0, 2.0, 4.0, 8.0])
    assert B.year_reached_from(64, fit, 4.0, 2010) == pytest.approx(2014)


def test_residual_autocorrelation_separates_noise_from_drift():
    years = np.arange(1990, 2030, dtype=float)
    rng = np.random.default_rng(0)
    noise = 10 ** (0.1 * years + 0.05 * rng.standard_normal(years.size))
    drift = 10 ** (0.1 * years + 0.3 * np.sin((years - 1990) / 6))
    for values, lo, hi in ((noise, -0.4, 0.3), (drift, 0.6, 1.0)):
        fit = T.fit_exponential(years, values)
        assert lo < B.residual_autocorrelation(fit, years, values) < hi
    y, r = B.top500_series("rank1_rmax_tflops")
    top = T.fit_exponential(y, r, 1993, 2025.99)
    rho = B.residual_autocorrelation(top, y, r)
    assert rho > 0.5  # consecutive lists are not independent evidence
    assert B.effective_sample_size(top.n, rho) < top.n / 3
    assert B.effective_sample_size(10, 0.0) == 10


def test_monte_carlo_from_the_latest_value_shifts_later_than_from_the_line():
    years, rank1 = B.top500_series("rank1_rmax_tflops")
    rank1 = rank1 * 1e12
    fit = T.fit_exponential(years, rank1, 1993, 2025.99)
    ranges = {k: (f.low, f.high) for k, f in B.assumption_set("synapse_counting").items()}
    year, value = B.latest_point()
    flops, old = B.monte_carlo_crossing(ranges, fit, 5000, seed=1)
    flops2, new = B.monte_carlo_crossing_from(ranges, fit, value * 1e12, year, 5000, seed=1)
    np.testing.assert_array_equal(flops, flops2)
    reached = flops <= value * 1e12
    assert np.all(new[reached] == year)
    assert np.median(new) > np.median(old)


def test_neuron_pipeline_convolution_dominates_and_switches():
    full = B.neuron_pipeline_flop(1e5, 1e4, 5)
    assert full["dendritic_convolution"] == B.conv_filter_flop(1e5, 1e4, 5) == 2.5e10
    assert full["dendritic_convolution"] / sum(full.values()) > 0.999
    off = B.neuron_pipeline_flop(1e5, 1e4, 5, {"dendritic_convolution": False})
    assert off["dendritic_convolution"] == 0 and sum(off.values()) == pytest.approx(5 * 5e5 + 25 + 5)
    with pytest.raises(ValueError, match="stages"):
        B.neuron_pipeline_flop(1e5, 1e4, 5, {"glia": True})


def test_ai_clusters_are_count_times_chip_peak():
    rows = {name: flops for name, _, flops in B.ai_cluster_flops()}
    assert rows["Summit"] == pytest.approx(27648 * 125e12)
    assert rows["xAI Colossus"] == pytest.approx(100_000 * 989.4e12)


def test_carlsmith_methods_has_four_methods_with_ranges():
    rows = B.carlsmith_methods()
    assert {r.method.split("_")[0] for r in rows} == {"mechanistic", "functional", "limit", "communication"}
    for r in rows:
        assert r.flops_high is not None
        assert r.flops_low is None or r.flops_low < r.flops_high


# Values read from the official TOP500 list files (TOP500_YYYYMM.xls; Rmax in GFlop/s up to 2016, TFlop/s after),
# summed over all 500 rows where a sum is given. The first edition's table differed from these by 2-9 % in the
# 1990s sums and by about 5 % for the June 1996 #1 (it held a later re-measurement of 232.4 GFlop/s).
LIST_VALUES = {  # (year, month): {column: TFlop/s}
    (1993, 6): {"rank1_rmax_tflops": 0.0597, "sum_rmax_tflops": 1122.845e-3, "rank500_rmax_tflops": 0.422e-3},
    (1996, 6): {"rank1_rmax_tflops": 220.4e-3, "rank1_rpeak_tflops": 307.2e-3, "sum_rmax_tflops": 5894.544e-3},
    (2002, 6): {"rank1_rmax_tflops": 35860e-3, "sum_rmax_tflops": 222245.166e-3},
    (2013, 6): {"rank1_rmax_tflops": 33862.7, "sum_rmax_tflops": 223654.33813},
    (2025, 6): {"rank1_rmax_tflops": 1742000, "rank500_rmax_tflops": 2435, "sum_rmax_tflops": 13837531.48577},
    (2025, 11): {"rank1_rmax_tflops": 1809000, "rank1_rpeak_tflops": 2821104, "sum_rmax_tflops": 14993513.26177},
}


@pytest.mark.parametrize("key", sorted(LIST_VALUES))
def test_top500_rows_match_the_published_lists(key):
    from helpers.data import load_table
    row = load_table("top500").get(*key)
    for column, expected in LIST_VALUES[key].items():
        assert getattr(row, column) == pytest.approx(expected, rel=1e-9), (key, column)


def test_sources_hold_no_internal_notes_and_carlsmith_is_framed_as_one_judgement():
    from helpers.data import load_table
    tables = ("top500", "brain_facts", "brain_estimates", "brain_assumptions", "brain_milestones",
              "brain_dettmers2015", "brain_carlsmith_methods", "ai_supercomputers")
    for table in tables:
        for row in load_table(table):
            assert not re.search(r"not verified|recalled", row.source, re.I), (table, row.source)
    carlsmith = load_table("brain_milestones").get("carlsmith").statement
    assert "review" not in carlsmith.replace("panel review", "") and "more likely than not sufficient" in carlsmith


# ---- review fixes (second edition, round 2) ----------------------------------------------------------------------

def test_years_per_doubling_by_hand():
    assert B.years_per_doubling(1.0, 2000.0, 8.0, 2006.0) == pytest.approx(2.0)
    # Tianhe-2's HPCG (0.58 PF, start of 2014) to El Capitan's (17.406 PF, Nov 2025): 4.9 doublings in 11.8 years
    pace = B.years_per_doubling(0.58e15, 2014.0, 17.406e15, 2025 + 10 / 12)
    assert pace == pytest.approx(11.8333 / np.log2(17.406 / 0.58), rel=1e-4) and 2.35 < pace < 2.5
    with pytest.raises(ValueError):
        B.years_per_doubling(8.0, 2000.0, 1.0, 2006.0)


def test_hpcg_pace_starts_at_the_measurement_not_the_article():
    """Review item 2: 0.58 PF was measured around the start of 2014, not in mid-2015."""
    assert 2013.8 <= B.fact("tianhe2_hpcg_year") <= 2014.5


def test_inflated_stderr_by_hand():
    years = np.arange(2000, 2010, dtype=float)
    fit = T.fit_exponential(years, 10 ** (0.1 * (years - 2000)) * (1 + 0.01 * (-1) ** np.arange(10)))
    # rho = 0.6: n / n_eff = (1 + 0.6) / (1 - 0.6) = 4, so the error doubles; rho <= 0 leaves it alone
    assert B.inflated_slope_stderr(fit, 0.6) == pytest.approx(2 * fit.slope_stderr)
    assert B.inflated_slope_stderr(fit, -0.3) == pytest.approx(fit.slope_stderr)


def test_era_slopes_cover_both_eras():
    rng = np.random.default_rng(0)
    s = B.era_slope_samples([(0.1, 0.0), (0.3, 0.0)], 1000, rng)
    assert set(np.round(s, 6)) == {0.1, 0.3} and 0.4 < np.mean(s == 0.1) < 0.6
    with pytest.raises(ValueError):
        B.era_slope_samples([], 10, rng)


def test_years_reached_from_by_hand():
    years = B.years_reached_from([10.0, 1000.0, 1.0, 1000.0], [1.0, 0.5, 0.5, -0.1], 10.0, 2020.0)
    np.testing.assert_allclose(years, [2020.0, 2024.0, 2020.0, np.inf])


def test_dettmers2015_samples_within_the_articles_stated_ranges():
    """Averaged reading only: total = 1.075e21 x (T/5)^2 x (Purkinje inputs / 1e5) (granule term negligible)."""
    s = B.dettmers2015_samples(5000, 0, cell_by_cell_share=0.0)
    low, high = 1.075e21 * (2.4 / 5) ** 2 * 0.75, 1.075e21 * (6 / 5) ** 2
    assert s.min() >= low * 0.999 and s.max() <= high * 1.001
    mixed = B.dettmers2015_samples(5000, 0)
    # cell by cell: 1e8 Purkinje cells x 2.5e10 ops (T = 5) = 2.5e18, about 430x below: two clusters of samples
    assert np.mean(mixed < 1e19) == pytest.approx(0.5, abs=0.05)


def test_gap_decomposition_multiplies_out():
    """Review item 7: 1.075e21 / (8.6e10 x 7000 x 1 Hz x 1) = 1.79e6 = 14.3 x 1e4 x 25 x 1/2."""
    g = B.gap_decomposition()
    assert g["ratio"] == pytest.approx(1.075e21 / (8.6e10 * 7000), rel=1e-6)
    assert g["purkinje_synapses"] * g["all_pairs"] * g["time_squared"] * g["two_cell_average"] * g["rate"] \
        == pytest.approx(g["ratio"], rel=1e-9)
    assert (round(g["purkinje_synapses"], 1), g["all_pairs"], g["time_squared"]) == (14.3, 1e4, 25)


def test_top500_eras_are_the_two_fits():
    years, rank1 = B.top500_series("rank1_rmax_tflops")
    (fast, _), (slow, _) = B.top500_eras()
    assert 10 ** fast == pytest.approx(T.fit_exponential(years, rank1, 1993, 2013.99).growth_per_year)
    assert 10 ** slow == pytest.approx(T.fit_exponential(years, rank1, 2013, 2025.99).growth_per_year)


def test_cell_by_cell_with_counted_purkinje_cells():
    """Review item 10: with 15-30 million Purkinje cells (not the article's 100 million) the cell-by-cell what-if
    is about 4-8e17 FLOP/s: count x 2.5e10 (1e5 inputs x 1e4 weights x 25) plus 5e10 granule cells x 4500."""
    for key, expected in (("purkinje_cells_human_low", 1.54e7 * 2.5e10 + 5e10 * 4500),
                          ("purkinje_cells_human_high", 3.05e7 * 2.5e10 + 5e10 * 4500)):
        chain = B.dettmers2015_chain()
        got = B.fact(key) * chain["purkinje"] + B.dettmers2015_inputs()["granule_cells"] * chain["granule"]
        assert got == pytest.approx(expected) and 3.5e17 < got < 8e17
