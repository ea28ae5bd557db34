"""helpers.cluster: links, alpha-beta model, all-reduce, GPUDirect RDMA, fit and the real two-process measurement;
worked examples from notebook 05."""

import math
import multiprocessing as mp

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import cluster as CL
from helpers import mpirun
from helpers.data import load_table

PCIE3, QDR, FDR, EDR = (CL.link(n) for n in ("PCIe 3.0 x16", "InfiniBand QDR 4x", "InfiniBand FDR 4x",
                                              "InfiniBand EDR 4x"))
H100 = CL.link("NVLink 4 (H100)")
NO_LATENCY = CL.custom_link("no latency", 10.0, 0.0)


def ideal(bandwidth_gbs: float) -> CL.Link:
    return CL.custom_link(f"{bandwidth_gbs} GB/s, no latency", bandwidth_gbs, 0.0)


# ---- the tables -------------------------------------------------------------------------------------------

def test_interconnect_table_conventions():
    rows = list(load_table("interconnects"))
    assert {r.family for r in rows} == set(CL.FAMILIES)
    counts = {f: sum(r.family == f for r in rows) for f in CL.FAMILIES}
    assert counts == {"pcie": 6, "nvlink": 5, "infiniband": 8, "ethernet": 8}
    for r in rows:
        assert r.bidirectional_gbs == pytest.approx(2 * r.per_direction_gbs, abs=0.002), r.name
        assert r.latency_us is None or r.latency_us > 0
    assert all(r.lanes == 16 for r in rows if r.family == "pcie")
    assert all(r.lanes == 4 for r in rows if r.family == "infiniband")


def test_every_latency_says_what_it_measures():
    """Issue #22, error 4: the latency column mixes GPU copy calls with adapter-to-adapter network figures; each
    row says which, and a network row put on the GPU-to-GPU footing is never faster than a PCIe copy call."""
    kinds = {r.family: set() for r in load_table("interconnects")}
    for r in load_table("interconnects"):
        kinds[r.family].add(r.latency_kind)
    assert kinds == {"pcie": {"gpu copy call"}, "nvlink": {"gpu copy call"}, "infiniband": {"adapter to adapter"},
                     "ethernet": {"tcp sockets", "roce rdma"}}
    for lk in CL.links("infiniband") + CL.links("ethernet"):
        g2g = CL.gpu_to_gpu_link(lk)
        assert g2g.latency_us == pytest.approx(lk.latency_us + 5) and g2g.bandwidth_gbs == lk.bandwidth_gbs
        assert g2g.latency_us >= PCIE3.latency_us
    assert CL.gpu_to_gpu_link(H100) is H100


def test_vendor_headline_figures_are_bidirectional_sums():
    assert load_table("interconnects").get("NVLink 4 (H100)").bidirectional_gbs == 900
    assert H100.bandwidth_gbs == 450
    assert CL.link("NVLink 5 (B200)").bandwidth_gbs == 900
    assert CL.link("400 GbE").bandwidth_gbs == CL.link("InfiniBand NDR 4x").bandwidth_gbs == 50


def test_each_generation_is_faster_than_the_last():
    for family in CL.FAMILIES:
        speeds = [lk.bandwidth_gbs for lk in CL.links(family)]
        assert speeds == sorted(speeds) and len(set(speeds)) == len(speeds), family


@pytest.mark.parametrize("row", list(load_table("line_codes")), ids=lambda r: r.name)
def test_line_rates_and_encodings_give_the_table_bandwidth(row):
    derived = CL.payload_gbs(row.transfer_rate_gts, row.lanes, row.encoding)
    assert derived == pytest.approx(CL.link(row.name).bandwidth_gbs, abs=0.001)


def test_payload_worked_examples():
    assert CL.payload_gbs(8, 16, "128b/130b") == pytest.approx(15.75, abs=0.01)  # PCIe 3.0 x16
    assert CL.payload_gbs(25.78125, 4, "64b/66b") == pytest.approx(12.5)  # EDR: '100 Gb/s' is the data rate
    assert CL.payload_gbs(10, 4, "8b/10b") == pytest.approx(4.0)  # QDR
    # the brief's 6.79 GB/s for FDR takes 56 Gb/s as the line rate; the lanes signal at 14.0625 Gb/s (56.25)
    assert CL.payload_gbs(14.0625, 4, "64b/66b") == pytest.approx(6.82, abs=0.005)
    assert CL.payload_gbs(14, 4, "64b/66b") == pytest.approx(6.79, abs=0.005)


def test_models_and_gradient_sizes():
    assert CL.gradient_bytes("resnet50") == pytest.approx(102.2e6, rel=0.001)  # the brief's 102.4 MB
    assert CL.gradient_bytes("resnet50", "fp16") == CL.gradient_bytes("resnet50") / 2
    assert CL.parameter_count("vgg16") == 138_357_544
    assert CL.parameter_count("llama2_7b") == 7e9
    assert set(CL.CNN_MODELS) < set(CL.models())


# ---- alpha-beta -------------------------------------------------------------------------------------------

def test_half_bandwidth_worked_examples():
    assert CL.half_bandwidth_bytes(CL.custom_link("IB", 12.5, 1)) == pytest.approx(12_500)
    assert CL.half_bandwidth_bytes(CL.custom_link("TCP", 12.5, 30)) == pytest.approx(375_000)
    assert CL.half_bandwidth_bytes(CL.custom_link("x", 25, 2)) == pytest.approx(50_000)


def test_p2p_time_is_alpha_plus_n_over_b():
    assert CL.p2p_time_s(0, QDR) == pytest.approx(1.3e-6)
    assert CL.p2p_time_s(4e9, QDR) == pytest.approx(1.0 + 1.3e-6)
    sizes = np.array([1.0, 1e3, 1e6])
    np.testing.assert_allclose(CL.p2p_time_s(sizes, PCIE3), 5e-6 + sizes / 15.754e9)
    half = CL.half_bandwidth_bytes(PCIE3)
    assert CL.effective_bandwidth_gbs(half, PCIE3) == pytest.approx(PCIE3.bandwidth_gbs / 2)


@given(st.floats(1, 1e12), st.floats(1, 1e12))
def test_effective_bandwidth_grows_with_size_and_stays_below_the_link(a, b):
    small, large = sorted((a, b))
    e_small, e_large = CL.effective_bandwidth_gbs(small, EDR), CL.effective_bandwidth_gbs(large, EDR)
    assert e_small <= e_large * (1 + 1e-12)
    assert e_large < EDR.bandwidth_gbs


# ---- all-reduce -------------------------------------------------------------------------------------------

def test_allreduce_formulas():
    n, p = 1e8, 8
    a, b = QDR.alpha_s, QDR.bytes_per_s
    assert CL.allreduce_time_s(n, p, QDR, "ring") == pytest.approx(2 * 7 * (a + n / 8 / b))
    assert CL.allreduce_time_s(n, p, QDR, "naive_tree") == pytest.approx(2 * 3 * (a + n / b))
    k = math.sqrt(2 * n / (b * a))  # best chunk count for L = 3 levels
    assert CL.allreduce_time_s(n, p, QDR, "tree") == pytest.approx(2 * (2 + k) * (a + n / (k * b)))
    assert CL.allreduce_time_s(n, p, QDR, "tree") == pytest.approx(2 * (math.sqrt(2 * a) + math.sqrt(n / b)) ** 2)
    assert CL.allreduce_time_s(n, p, QDR, "parameter_server") == pytest.approx(2 * (a + 7 * n / b))
    for algorithm in CL.ALGORITHMS:
        assert CL.allreduce_time_s(n, 1, QDR, algorithm) == 0


def test_brief_cluster_examples():
    """Notebook 05, model 5: ResNet-50 on three nodes with 4 GB/s networking, and a 2 GB dense network."""
    net = ideal(4.0)
    assert CL.allreduce_time_s(102.4e6, 3, net) == pytest.approx(0.0341, abs=1e-4)
    assert CL.data_parallel_speedup(3, 0.2, 102.4e6, net) == pytest.approx(2.56, abs=0.005)
    assert CL.data_parallel_speedup(3, 0.2, 2e9, net) == pytest.approx(0.69, abs=0.005)


@given(st.floats(1, 1e10), st.integers(2, 4096))
def test_ring_moves_fewest_bytes(n, p):
    ring, tree, naive, ps = (CL.allreduce_time_s(n, p, NO_LATENCY, a) for a in CL.ALGORITHMS)
    assert ring <= tree * (1 + 1e-12) and ring <= naive * (1 + 1e-12) and ring <= ps * (1 + 1e-12)
    assert ring < 2 * n / NO_LATENCY.bytes_per_s  # never more than twice the message, whatever p


@given(st.integers(3, 4096), st.sampled_from(["tree", "naive_tree"]))
def test_ring_and_tree_cross_where_the_formula_says(p, tree):
    n = CL.ring_tree_crossover_bytes(p, QDR, tree)
    if n > 0:
        assert CL.allreduce_time_s(n, p, QDR, "ring") == pytest.approx(CL.allreduce_time_s(n, p, QDR, tree))
        assert CL.allreduce_time_s(n / 2, p, QDR, tree) < CL.allreduce_time_s(n / 2, p, QDR, "ring")
        assert CL.allreduce_time_s(n * 2, p, QDR, "ring") < CL.allreduce_time_s(n * 2, p, QDR, tree)


def test_ring_tree_crossover_for_two_and_four_workers():
    assert CL.ring_tree_crossover_bytes(2, QDR) == 0  # two workers: the ring is never slower
    assert CL.ring_tree_crossover_bytes(2, QDR, "naive_tree") == 0
    assert CL.ring_tree_crossover_bytes(4, QDR, "naive_tree") == pytest.approx(0.8 * QDR.alpha_s * QDR.bytes_per_s)


def test_pipelined_tree_bandwidth_term_does_not_grow_with_log_p():
    """Issue #22, error 1 (fails on the old code, whose only tree was the naive one: 307 ms against 50 ms).
    ResNet-50 (about 102 MB of fp32 gradients) on 64 workers over QDR: the pipelined double binary tree is within
    10 % of the ring; the naive tree is six times slower."""
    n = CL.gradient_bytes("resnet50")
    ring = CL.allreduce_time_s(n, 64, QDR, "ring")
    assert CL.allreduce_time_s(n, 64, QDR, "tree") < 1.1 * ring
    assert CL.allreduce_time_s(n, 64, QDR, "naive_tree") > 6 * ring
    # without latency the pipelined tree moves 2n/B whatever p (the naive one 2 log2(p) n/B)
    for p in (4, 64, 4096):
        assert CL.allreduce_time_s(1e9, p, NO_LATENCY, "tree") == pytest.approx(0.2)
    # for small messages the tree pays about 2 log2 p latencies, far fewer than the ring's 2(p-1)
    assert CL.allreduce_time_s(8, 1024, QDR, "tree") < CL.allreduce_time_s(8, 1024, QDR, "ring") / 50


@given(st.integers(1, 32), st.integers(1, 8), st.floats(1e3, 1e10))
def test_hierarchical_reduces_to_a_plain_ring_at_the_edges(nodes, gpus, n):
    one_node = CL.hierarchical_allreduce_time_s(n, 1, gpus, PCIE3, QDR)
    assert one_node == pytest.approx(CL.allreduce_time_s(n, gpus, PCIE3))
    one_gpu = CL.hierarchical_allreduce_time_s(n, nodes, 1, PCIE3, QDR)
    assert one_gpu == pytest.approx(CL.allreduce_time_s(n, nodes, QDR))
    stages = CL.hierarchical_allreduce_stages_s(n, nodes, gpus, PCIE3, QDR, nics_per_node=gpus)
    fewer_nics = CL.hierarchical_allreduce_stages_s(n, nodes, gpus, PCIE3, QDR, nics_per_node=1)
    assert stages["intra"] == fewer_nics["intra"] and stages["inter"] <= fewer_nics["inter"]


def test_hierarchy_ratios_from_the_brief():
    assert H100.bandwidth_gbs / PCIE3.bandwidth_gbs == pytest.approx(28.6, abs=0.05)
    assert H100.bandwidth_gbs / CL.link("InfiniBand NDR 4x").bandwidth_gbs == pytest.approx(9)
    assert PCIE3.bandwidth_gbs / QDR.bandwidth_gbs == pytest.approx(3.9, abs=0.05)


def test_h100_node_beats_the_2014_box_between_nodes_too():
    n = CL.gradient_bytes("resnet50")
    old = CL.hierarchical_allreduce_stages_s(n, 3, 4, PCIE3, QDR)
    new = CL.hierarchical_allreduce_stages_s(n, 3, 8, H100, CL.link("InfiniBand NDR 4x"), nics_per_node=8)
    assert old["inter"] > old["intra"]  # 2014: the network is the bottleneck
    assert new["inter"] * 50 < old["inter"]


# ---- crossing machines --------------------------------------------------------------------------------------

def test_gpudirect_worked_example():
    """Notebook 05, model 3: 100 MB, PCIe 15.75 GB/s, network 4 GB/s, latencies ignored."""
    pcie, net = ideal(15.75), ideal(4.0)
    staged = CL.internode_copy_hops_s(100e6, pcie, net, rdma=False)
    assert list(staged.values()) == pytest.approx([6.35e-3, 25e-3, 6.35e-3], abs=1e-5)
    assert CL.internode_copy_time_s(100e6, pcie, net, rdma=False) == pytest.approx(37.7e-3, abs=1e-4)
    assert CL.internode_copy_time_s(100e6, pcie, net, rdma=True) == pytest.approx(25.0e-3)


def test_exercise_fdr_copy():
    assert CL.internode_copy_time_s(100e6, PCIE3, FDR, rdma=False) == pytest.approx(27.4e-3, abs=0.05e-3)
    assert CL.internode_copy_time_s(100e6, PCIE3, FDR, rdma=True) == pytest.approx(14.7e-3, abs=0.05e-3)


@given(st.floats(1e3, 1e10), st.floats(1e3, 1e8))
def test_pipelining_helps_but_not_beyond_the_slowest_link(n, chunk):
    plain = CL.internode_copy_time_s(n, PCIE3, QDR, rdma=False)
    piped = CL.internode_copy_time_s(n, PCIE3, QDR, rdma=False, chunk_bytes=chunk)
    assert piped >= n / QDR.bytes_per_s
    if chunk >= n:
        assert piped == pytest.approx(plain)
    rdma = CL.internode_copy_time_s(n, PCIE3, QDR, rdma=True)
    assert rdma <= plain


# ---- speed-up ------------------------------------------------------------------------------------------------

@given(st.integers(1, 2048), st.floats(1e-3, 10), st.floats(0, 1e10))
def test_speedup_bounds(p, compute, n):
    s = CL.data_parallel_speedup(p, compute, n, QDR)
    s_overlap = CL.data_parallel_speedup(p, compute, n, QDR, overlap=True)
    assert 0 < s <= p * (1 + 1e-12) and s <= s_overlap * (1 + 1e-12) <= p * (1 + 1e-12)


def test_speedup_accepts_an_array_of_workers():
    ps = np.array([1, 2, 4, 8])
    s = CL.data_parallel_speedup(ps, 0.2, 1e8, QDR)
    assert s.shape == (4,) and s[0] == pytest.approx(1.0)
    assert s[3] == pytest.approx(CL.data_parallel_speedup(8, 0.2, 1e8, QDR))


def test_cluster_speedup_matches_the_hierarchical_time():
    n = CL.gradient_bytes("resnet50")
    comm = CL.hierarchical_allreduce_time_s(n, 3, 4, PCIE3, QDR)
    assert CL.cluster_speedup(0.2, n, 3, 4, PCIE3, QDR) == pytest.approx(12 * 0.2 / (0.2 + comm))


def test_max_gradient_bytes_worked_example_and_inverse():
    n = CL.max_gradient_bytes(1.5, 2, 0.1, EDR)
    assert n == pytest.approx(416.65e6, rel=1e-4)  # the brief: about 417 MB (104M fp32 parameters)
    assert CL.data_parallel_speedup(2, 0.1, n, EDR) == pytest.approx(1.5)
    with pytest.raises(ValueError, match="target_speedup"):
        CL.max_gradient_bytes(3, 2, 0.1, EDR)


# ---- fitting --------------------------------------------------------------------------------------------------

@given(st.floats(0.1, 100), st.floats(0.01, 500))
def test_fit_recovers_alpha_and_beta_exactly(latency_us, bandwidth_gbs):
    sizes = np.geomspace(64, 64e6, 12)
    times = latency_us * 1e-6 + sizes / (bandwidth_gbs * 1e9)
    fit = CL.fit_alpha_beta(sizes, times)
    assert fit.latency_us == pytest.approx(latency_us, rel=1e-6)
    assert fit.bandwidth_gbs == pytest.approx(bandwidth_gbs, rel=1e-6)
    np.testing.assert_allclose(fit.predict_s(sizes), times, rtol=1e-6)


def test_fit_tolerates_noise():
    rng = np.random.default_rng(1)
    sizes = np.geomspace(64, 4e6, 20)
    times = (20e-6 + sizes / 2e9) * rng.lognormal(0, 0.05, sizes.size)
    fit = CL.fit_alpha_beta(sizes, times)
    assert fit.latency_us == pytest.approx(20, rel=0.15)
    assert fit.bandwidth_gbs == pytest.approx(2, rel=0.15)
    assert fit.as_link("mine").bandwidth_gbs == fit.bandwidth_gbs


def test_fit_needs_times_that_grow():
    with pytest.raises(ValueError, match="grow"):
        CL.fit_alpha_beta([10, 100, 1000], [1e-3, 1e-3, 1e-3])


# ---- the real measurement ----------------------------------------------------------------------------------

def test_measure_transfer_is_a_real_verified_mpi_ping_pong():
    sizes = [64, 4096, 2**18]
    m = CL.measure_transfer(sizes, repeats=2, seed=3)
    assert m.verified and m.method == "MPI ping-pong" and m.repeats == 2
    assert list(m.sizes) == sizes and m.times_s.shape == (3,)
    assert np.all(m.times_s > 0) and np.all(m.min_times_s <= m.times_s)
    assert m.times_s[-1] > m.min_times_s[0]  # 256 kB takes longer than 64 bytes' best, on any machine


def test_default_message_sizes():
    sizes = CL.default_message_sizes(2**20, 10)
    assert sizes[0] == 64 and sizes[-1] == 2**20 and len(sizes) == 10
    assert np.all(np.diff(sizes) > 0)


def test_measure_allreduce_times_three_methods():
    m = CL.measure_allreduce([64, 8000], n_ranks=3, repeats=2)
    assert m.ranks == 3 and m.sizes.tolist() == [64, 8000] and m.sums_agree
    for t in (m.ring_s, m.naive_s, m.mpi_s):
        assert t.shape == (2,) and np.all(t > 0)


def test_a_failed_job_is_a_readable_value_error(monkeypatch):
    monkeypatch.setattr(mpirun, "mpiexec_path", lambda: None)
    with pytest.raises(ValueError, match="mpiexec was not found"):
        CL.measure_transfer([64, 128], repeats=1)


# ---- impossible arguments ------------------------------------------------------------------------------------

BAD = [
    (CL.link, dict(name="PCIe 9.0 x16"), "no link named"),
    (CL.links, dict(family="token ring"), "family"),
    (CL.custom_link, dict(name="x", bandwidth_gbs=0, latency_us=1), "bandwidth_gbs"),
    (CL.custom_link, dict(name="x", bandwidth_gbs=1, latency_us=-1), "latency_us"),
    (CL.custom_link, dict(name="", bandwidth_gbs=1, latency_us=1), "name"),
    (CL.payload_gbs, dict(transfer_rate_gts=8, lanes=16, encoding="4b/5b"), "encoding"),
    (CL.payload_gbs, dict(transfer_rate_gts=-8, lanes=16, encoding="8b/10b"), "transfer_rate_gts"),
    (CL.payload_gbs, dict(transfer_rate_gts=8, lanes=0, encoding="8b/10b"), "lanes"),
    (CL.p2p_time_s, dict(n_bytes=-1, link=QDR), "n_bytes"),
    (CL.p2p_time_s, dict(n_bytes=math.nan, link=QDR), "n_bytes"),
    (CL.p2p_time_s, dict(n_bytes="1e6", link=QDR), "n_bytes"),
    (CL.p2p_time_s, dict(n_bytes=1e6, link="QDR"), "link"),
    (CL.effective_bandwidth_gbs, dict(n_bytes=0, link=QDR), "n_bytes"),
    (CL.allreduce_time_s, dict(n_bytes=1e6, n_workers=0, link=QDR), "n_workers"),
    (CL.allreduce_time_s, dict(n_bytes=1e6, n_workers=2.5, link=QDR), "n_workers"),
    (CL.allreduce_time_s, dict(n_bytes=1e6, n_workers=4, link=QDR, algorithm="butterfly"), "algorithm"),
    (CL.ring_tree_crossover_bytes, dict(n_workers=1, link=QDR), "n_workers"),
    (CL.hierarchical_allreduce_time_s, dict(n_bytes=1e6, nodes=0, gpus_per_node=4, intra_link=PCIE3,
                                            inter_link=QDR), "nodes"),
    (CL.hierarchical_allreduce_time_s, dict(n_bytes=1e6, nodes=2, gpus_per_node=4, intra_link=None,
                                            inter_link=QDR), "intra_link"),
    (CL.hierarchical_allreduce_time_s, dict(n_bytes=[1e6, 2e6], nodes=2, gpus_per_node=4, intra_link=PCIE3,
                                            inter_link=QDR), "n_bytes"),
    (CL.internode_copy_time_s, dict(n_bytes=1e6, pcie=PCIE3, network=QDR, rdma="yes"), "rdma"),
    (CL.internode_copy_time_s, dict(n_bytes=1e6, pcie=PCIE3, network=QDR, rdma=False, chunk_bytes=0),
     "chunk_bytes"),
    (CL.gradient_bytes, dict(model="gpt5"), "model"),
    (CL.gradient_bytes, dict(model="resnet50", dtype="int3"), "dtype"),
    (CL.data_parallel_speedup, dict(n_workers=4, compute_s=0, n_bytes=1e6, link=QDR), "compute_s"),
    (CL.data_parallel_speedup, dict(n_workers=[[1, 2]], compute_s=1, n_bytes=1e6, link=QDR), "n_workers"),
    (CL.data_parallel_speedup, dict(n_workers=4, compute_s=1, n_bytes=1e6, link=QDR, overlap="no"), "overlap"),
    (CL.max_gradient_bytes, dict(target_speedup=0, n_workers=2, compute_s=0.1, link=QDR), "target_speedup"),
    (CL.fit_alpha_beta, dict(sizes=[1, 2, 3], times=[1, 2]), "same length"),
    (CL.fit_alpha_beta, dict(sizes=[5, 5], times=[1, 2]), "two different"),
    (CL.fit_alpha_beta, dict(sizes=[1, 2], times=[0, 2]), "times"),
    (CL.measure_transfer, dict(sizes=[0]), "sizes"),
    (CL.measure_transfer, dict(sizes=[2**27]), "sizes"),
    (CL.measure_transfer, dict(sizes=[1.5]), "sizes"),
    (CL.measure_transfer, dict(sizes=list(range(1, 40))), "sizes"),
    (CL.measure_transfer, dict(sizes=[64], repeats=0), "repeats"),
    (CL.measure_transfer, dict(sizes=[64], repeats=51), "repeats"),
    (CL.measure_transfer, dict(sizes=[64], seed=-1), "seed"),
    (CL.measure_allreduce, dict(sizes=[4]), "sizes"),
    (CL.measure_allreduce, dict(sizes=[64], n_ranks=9), "n_ranks"),
    (CL.measure_transfer, dict(sizes=[2**26] * 4, repeats=2), "MiB"),
    (CL.default_message_sizes, dict(largest_bytes=10), "largest_bytes"),
]


@pytest.mark.parametrize("function, kwargs, words", BAD, ids=lambda v: getattr(v, "__name__", None))
def test_impossible_arguments_raise_valueerror_naming_them(function, kwargs, words):
    with pytest.raises(ValueError, match=words):
        function(**kwargs)
    assert mp.active_children() == []


def test_fit_keeps_alpha_non_negative():
    sizes, times = np.array([1e3, 1e6]), np.array([1e-7, 1e-3])  # the line through them has alpha < 0
    fit = CL.fit_alpha_beta(sizes, times)
    assert fit.alpha_s == 0
    relative = lambda beta: np.sum((beta * sizes / times - 1) ** 2)  # noqa: E731
    betas = np.geomspace(1e-11, 1e-8, 2001)  # the best alpha = 0 line, found by brute force
    assert fit.beta_s_per_byte == pytest.approx(betas[np.argmin([relative(b) for b in betas])], rel=0.01)


def test_model_name_of_a_language_model():
    assert CL.model_name("gpt2_xl") == "GPT-2 XL"
    assert CL.model_name("resnet50") == "resnet50"


# ---- inside the box ---------------------------------------------------------------------------------------

def test_topo_matrix_is_the_stored_server():
    devices, m = CL.topo_matrix()
    assert devices == [f"GPU{i}" for i in range(8)] + ["mlx4_0"]
    assert all(m[i][j] == m[j][i] for i in range(9) for j in range(9))
    assert all(m[i][i] == "X" for i in range(9))
    # cells read from the stored output (kubernetes issue 53497): row GPU0 and row GPU4
    assert m[0] == ["X", "PIX", "PHB", "PHB", "SYS", "SYS", "SYS", "SYS", "PHB"]
    assert m[4][:6] == ["SYS", "SYS", "SYS", "SYS", "X", "PIX"] and m[4][8] == "SYS"
    rows = list(load_table("topo_example"))
    assert {r.confidence for r in rows if r.a in ("GPU5", "GPU6", "GPU7")} == {"low"}


def test_gpu_pair_routes():
    assert CL.gpu_pair_route("PIX") == {"p2p": True, "hops": 1,
                                        "route": "peer to peer over PCIe, inside one PCIe switch"}
    assert CL.gpu_pair_route("SYS")["p2p"] is False and CL.gpu_pair_route("SYS")["hops"] == 2
    assert CL.gpu_pair_route("PIX", p2p_capable=False)["hops"] == 2  # GeForce: always staged
    assert CL.gpu_pair_route("NV12", p2p_capable=False)["p2p"] is True
    n = 1e8
    assert CL.gpu_pair_copy_time_s(n, "SYS", PCIE3) == pytest.approx(2 * (PCIE3.alpha_s + n / PCIE3.bytes_per_s))
    assert CL.gpu_pair_copy_time_s(n, "PHB", PCIE3) == pytest.approx(PCIE3.alpha_s + n / PCIE3.bytes_per_s)
    assert CL.gpu_pair_copy_time_s(n, "NV4", PCIE3, nvlink=H100) == pytest.approx(H100.alpha_s + n / H100.bytes_per_s)
    with pytest.raises(ValueError, match="nvlink"):
        CL.gpu_pair_copy_time_s(n, "NV4", PCIE3)


def test_nic_gpu_rdma_needs_a_shared_switch_for_the_best_case():
    assert [CL.nic_gpu_rdma(c) for c in ("PIX", "PXB", "PHB", "NODE", "SYS")] == [
        "best", "best", "possible", "possible", "staged"]
    with pytest.raises(ValueError, match="network card"):
        CL.nic_gpu_rdma("NV2")
    devices, m = CL.topo_matrix()  # the stored server: the card sits on socket 0
    assert [CL.nic_gpu_rdma(m[8][i]) for i in range(8)] == ["possible"] * 4 + ["staged"] * 4


def test_min_tokens_per_gpu_makes_compute_cover_the_ring():
    """At the returned batch the computation of a 7B model takes as long as its ring all-reduce on many GPUs."""
    ndr = CL.link("InfiniBand NDR 4x")
    c = 989.4e12  # H100 SXM dense fp16/bf16 peak, gpus.csv
    b = CL.min_tokens_per_gpu(c, ndr)
    assert b == pytest.approx(2 * 2 * c / (6 * 50e9))
    params, p = 7e9, 10**6
    compute = 6 * params * b / c
    comm = CL.allreduce_time_s(2 * params, p, CL.custom_link("NDR, no latency", ndr.bandwidth_gbs, 0))
    assert compute == pytest.approx(comm, rel=1e-5)
    assert CL.min_tokens_per_gpu(c, CL.link("NVLink 4 (H100)")) == pytest.approx(b / 9)


def test_place_nic_under_a_gpu_switch():
    devices, m = CL.topo_matrix()
    moved = CL.place_nic(devices, m, "mlx4_0", "GPU4")
    assert moved[8] == ["SYS", "SYS", "SYS", "SYS", "PIX", "PIX", "PHB", "PHB", "X"]
    assert all(moved[i][8] == moved[8][i] for i in range(9))
    assert [r[:8] for r in moved[:8]] == [r[:8] for r in m[:8]]  # GPU pairs unchanged
    assert m[8][4] == "SYS"  # the stored matrix is not modified
    assert [CL.nic_gpu_rdma(moved[8][i]) for i in (4, 5, 6, 0)] == ["best", "best", "possible", "staged"]
    with pytest.raises(ValueError, match="beside"):
        CL.place_nic(devices, m, "mlx4_0", "mlx4_0")
