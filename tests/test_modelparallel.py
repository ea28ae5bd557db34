"""helpers.modelparallel: bytes per step, split matmul, pipelines, memory and the planner (notebook 07 examples)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import cluster
from helpers import modelparallel as M


def test_worked_examples():
    assert M.dp_bytes_per_step(4096, 4096, 4) / 1e6 == pytest.approx(100.66, abs=0.01)
    assert sum(M.mp_bytes_per_step(4096, 4096, 128, 4).values()) / 1e6 == pytest.approx(3.15, abs=0.01)
    assert M.dp_bytes_per_step(1000, 1000, 4) == pytest.approx(6.0e6)
    assert sum(M.mp_bytes_per_step(1000, 1000, 128, 4).values()) == pytest.approx(0.768e6)
    assert M.crossover_batch(4096, 1024) == pytest.approx(1638.4)
    for (p, m), expected in {(4, 8): 0.273, (4, 32): 0.086, (8, 8): 0.467, (8, 32): 0.179}.items():
        assert M.bubble_fraction(p, m) == pytest.approx(expected, abs=0.001)
    states = [sum(M.model_state_gb(7.5e9, 64, zero_stage=z).values()) for z in range(4)]
    assert states == pytest.approx([120, 31.41, 16.64, 1.875], abs=0.01)
    assert sum(M.model_state_gb(70e9).values()) == pytest.approx(1120)
    assert sum(M.model_state_gb(13e9, 32, zero_stage=3).values()) == pytest.approx(6.5)


@given(st.integers(1, 4096), st.integers(1, 4096), st.integers(1, 10000), st.integers(2, 64))
def test_model_parallel_wins_exactly_below_the_crossover(d_in, d_out, batch, p):
    dp = M.dp_bytes_per_step(d_in, d_out, p)
    mp = sum(M.mp_bytes_per_step(d_in, d_out, batch, p).values())
    b_star = M.crossover_batch(d_in, d_out)
    if batch < b_star * (1 - 1e-9):
        assert mp < dp
    elif batch > b_star * (1 + 1e-9):
        assert mp > dp


def test_tensor_parallel_mlp_equals_the_unsplit_layer_and_counts_the_formula_bytes():
    batch, d, f = 16, 24, 64
    r = M.tensor_parallel_mlp(batch, d, f, n_ranks=4, steps=2, seed=7)
    rng = np.random.default_rng(7)  # the unsplit layer in numpy, on the same seeded draws
    x, a = rng.standard_normal((batch, d)), rng.standard_normal((d, f)) / np.sqrt(d)
    b, target = rng.standard_normal((f, d)) / np.sqrt(f), rng.standard_normal((batch, d))
    h = np.tanh(x @ a)
    dy = h @ b - target
    dz = (dy @ b.T) * (1 - h**2)
    np.testing.assert_allclose(r.y, h @ b, rtol=0, atol=1e-10)
    np.testing.assert_allclose(r.da, x.T @ dz, rtol=0, atol=1e-10)
    np.testing.assert_allclose(r.db, h.T @ dy, rtol=0, atol=1e-10)
    np.testing.assert_allclose(r.dx, dz @ a.T, rtol=0, atol=1e-10)
    assert r.allreduce_bytes_per_step == 2 * M.tp_allreduce_bytes(batch, 1, d, 8)
    assert r.step_compute_s > 0 and r.step_comm_s > 0


@given(st.integers(1, 12), st.integers(1, 40), st.sampled_from(M.SCHEDULES))
def test_simulated_pipelines_match_the_bubble_formula(p, m, schedule):
    run = M.simulate_pipeline(p, m, schedule)
    assert run.bubble == pytest.approx(M.bubble_fraction(p, m))
    assert run.makespan == 3 * (m + p - 1)
    assert len(run.ops) == 2 * p * m
    if schedule == "gpipe":
        assert run.peak_activations[0] == m
    else:
        assert max(run.peak_activations) == min(p, m)


@given(st.integers(1, 8), st.integers(1, 6), st.integers(1, 4))
def test_interleaved_simulation_matches_the_formula(p, groups, v):
    m = p * groups
    run = M.simulate_interleaved(p, m, v)
    assert run.bubble == pytest.approx(M.bubble_fraction(p, m, v))  # (p-1)/(v m + p - 1), Narayanan et al. 2021
    assert len(run.ops) == 2 * p * m * v
    grid = run.grid()
    assert (grid == 1).sum() == p * m * v and (grid == 2).sum() == 2 * p * m * v


def test_interleaving_shrinks_the_bubble_and_needs_whole_groups():
    plain, two = M.simulate_pipeline(4, 8), M.simulate_interleaved(4, 8, 2)
    assert two.bubble < plain.bubble and two.bubble == pytest.approx(3 / 19)
    with pytest.raises(ValueError, match="multiple of stages"):
        M.simulate_interleaved(4, 6, 2)


@given(st.integers(1, 10), st.integers(0, 30))
def test_zero_bubble_fills_a_third_of_the_1f1b_bubble(p, extra):
    m = p + extra  # m >= p
    run = M.simulate_zero_bubble(p, m)
    assert run.bubble == pytest.approx((p - 1) / (3 * m + p - 1))  # ZB-H1's (p-1)(T_F + T_B - T_W), unit times
    plain = M.simulate_pipeline(p, m)  # same work (3 units per micro-batch and stage), a third of the idle time
    assert run.makespan - 3 * m == pytest.approx((plain.makespan - 3 * m) / 3)
    ends = {(k, s, j): e for s, _, e, k, j in run.ops}
    starts = {(k, s, j): t for s, t, _, k, j in run.ops}
    assert all(starts[("W", s, j)] >= ends[("B", s, j)] for (k, s, j) in starts if k == "W")
    assert all(starts[("B", s, j)] >= ends[("B", s + 1, j)] for (k, s, j) in starts if k == "B" and s < p - 1)
    grid = run.grid()
    assert [(grid == k).sum() for k in (1, 2, 3)] == [p * m] * 3


def test_pipeline_dependencies_hold():
    run = M.simulate_pipeline(4, 6, "1f1b")
    end = {(kind, s, j): e for s, _, e, kind, j in run.ops}
    start = {(kind, s, j): st for s, st, _, kind, j in run.ops}
    for (kind, s, j), t0 in start.items():
        if kind == "F" and s > 0:
            assert t0 >= end[("F", s - 1, j)]
        if kind == "B" and s < 3:
            assert t0 >= end[("B", s + 1, j)]
    grid = run.grid()
    assert grid.shape == (4, run.makespan) and (grid == 1).sum() == 24 and (grid == 2).sum() == 48


@given(st.floats(1e8, 1e12), st.sampled_from([1, 2, 8, 64]), st.sampled_from([1, 2, 4, 8]),
       st.sampled_from([1, 2, 4]))
def test_zero_stages_never_increase_memory(params, dp, tp, pp):
    totals = [sum(M.model_state_gb(params, dp, tp, pp, z).values()) for z in range(4)]
    assert all(a >= b - 1e-9 for a, b in zip(totals, totals[1:]))
    assert totals[0] == pytest.approx(16 * params / (tp * pp) / 1e9)


def test_activation_memory_recompute_and_tp():
    full = M.activation_gb(4096, 1, 8192, 80, tp=1, pp=1)
    assert full == pytest.approx(34 * 4096 * 8192 * 80 / 1e9)
    sbh = 4096 * 8192 * 80 / 1e9
    # error 3: without sequence parallelism only 24 of the 34 s b h split over tp (Korthikanti et al. 2022, Table 2)
    assert M.activation_gb(4096, 1, 8192, 80, tp=2) == pytest.approx((10 + 24 / 2) * sbh)
    assert M.activation_gb(4096, 1, 8192, 80, tp=8) == pytest.approx(13 * sbh)
    assert M.activation_gb(4096, 1, 8192, 80, tp=2, sequence_parallel=True) == pytest.approx(full / 2)
    assert M.activation_gb(4096, 1, 8192, 80, recompute=True) == pytest.approx(full * 2 / 34)
    assert M.activation_gb(4096, 1, 8192, 80, tp=4, recompute=True) == pytest.approx(2 * sbh)
    assert M.activation_gb(4096, 1, 8192, 80, tp=4, recompute=True, sequence_parallel=True) == \
        pytest.approx(2 * sbh / 4)


def test_planner_layouts_multiply_to_the_gpus_and_fit_first():
    shape = M.model_shape("Llama 2 70B")
    plans = M.plan(shape, 64, 80, 989e12, cluster.link("NVLink 4 (H100)"), cluster.link("InfiniBand NDR 4x"))
    assert all(p.dp * p.tp * p.pp == 64 and p.tp <= 8 for p in plans)
    fitting = [p for p in plans if p.fits]
    assert fitting and plans[: len(fitting)] == fitting
    assert [p.step_s for p in fitting] == sorted(p.step_s for p in fitting)
    assert all(p.memory_gb <= 80 for p in fitting) and all(p.memory_gb > 80 for p in plans[len(fitting):])
    tiny = M.plan(shape, 8, 24, 165e12, cluster.link("PCIe 4.0 x16"), cluster.link("100 GbE"), zero_stage=0)
    assert not any(p.fits for p in tiny)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: M.dp_bytes_per_step(0, 10, 4), "d_in"),
        (lambda: M.dp_bytes_per_step(10, 10, 0), "p must"),
        (lambda: M.mp_bytes_per_step(10, 10, -1, 4), "batch"),
        (lambda: M.mp_bytes_per_step(10, 10, 1, 4, bytes_per_value=0), "bytes_per_value"),
        (lambda: M.crossover_batch(10, 0), "d_out"),
        (lambda: M.tensor_parallel_mlp(8, 8, 2, n_ranks=3), "f 2 must"),
        (lambda: M.tensor_parallel_mlp(n_ranks=9), "n_ranks"),
        (lambda: M.tensor_parallel_mlp(4096, 4096), "too large"),
        (lambda: M.bubble_fraction(0, 4), "stages"),
        (lambda: M.bubble_fraction(4, 0), "microbatches"),
        (lambda: M.simulate_pipeline(4, 4, "zigzag"), "schedule"),
        (lambda: M.simulate_pipeline(100, 4), "stages"),
        (lambda: M.model_state_gb(-1), "params"),
        (lambda: M.model_state_gb(1e9, zero_stage=4), "zero_stage"),
        (lambda: M.activation_gb(0, 1, 1, 1), "seq"),
        (lambda: M.training_memory_per_gpu_gb(1e9, activations_gb=-1), "activations_gb"),
        (lambda: M.model_shape("Skynet"), "no model"),
        (lambda: M.plan(M.model_shape("Llama 3 8B"), 8, 80, 1e15, cluster.link("PCIe 4.0 x16"),
                        cluster.link("100 GbE"), efficiency=2), "efficiency"),
        (lambda: M.top_layouts([1]), "plans"),
        (lambda: M.top_layouts([], noise=-1), "noise"),
        (lambda: M.hybrid_bytes("lenet"), "network"),
        (lambda: M.hybrid_bytes(n_gpus=0), "n_gpus"),
        (lambda: M.compute_parameter_shares("lenet"), "network"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_intra_node_link_reads_nvlink_from_the_gpu_table():
    from helpers import gpus

    # NVLink generations per NVIDIA's HGX boards: A100 NVLink 3, H100/H200 NVLink 4, B200 NVLink 5
    assert M.intra_node_link(gpus.gpu("A100 80GB SXM")).name == "NVLink 3 (A100)"
    assert M.intra_node_link(gpus.gpu("H200 SXM")).name == "NVLink 4 (H100)"
    assert M.intra_node_link(gpus.gpu("B200 (HGX)")).name == "NVLink 5 (B200)"
    assert M.intra_node_link(gpus.gpu("GeForce RTX 3080")).name == "PCIe 4.0 x16"
    # error 4: MI300X talks over Infinity Fabric, 7 links x 64 GB/s each way (was PCIe 5.0 x16, 63 GB/s)
    mi300x = M.intra_node_link(gpus.gpu("Instinct MI300X"))
    assert "Infinity Fabric" in mi300x.name and mi300x.bandwidth_gbs == pytest.approx(7 * 64)
    radeon = next(g for g in gpus.all_gpus() if g.vendor == "AMD" and not g.name.startswith("Instinct"))
    assert M.intra_node_link(radeon).name == "PCIe 5.0 x16"


def test_llama_mlps_are_swiglu_with_three_matrices():
    shape = M.model_shape("Llama 2 70B")  # error 4: 8192 x 28672, three matrices (was 4h = 32768, two)
    assert shape.mlp_matrices() == [("gate", 8192, 28672), ("up", 8192, 28672), ("down", 28672, 8192)]
    mlp_params = 80 * 3 * 8192 * 28672  # the MLPs hold most of the 70 billion parameters
    assert sum(a * b for _, a, b in shape.mlp_matrices()) * shape.layers == mlp_params
    assert 0.75 < mlp_params / shape.params < 0.85
    assert [n for n, *_ in M.model_shape("GPT-3 (175B)").mlp_matrices()] == ["up", "down"]


LLAMA = M.model_shape("Llama 2 70B")
NVL, NDR = cluster.link("NVLink 4 (H100)"), cluster.link("InfiniBand NDR 4x")


def _layout(plans, dp, tp, pp):
    return next(p for p in plans if (p.dp, p.tp, p.pp) == (dp, tp, pp))


def test_planner_charges_recomputation():
    on = _layout(M.plan(LLAMA, 64, 80, 989e12, NVL, NDR, recompute=True), 8, 2, 4)
    off = _layout(M.plan(LLAMA, 64, 80, 989e12, NVL, NDR, recompute=False), 8, 2, 4)
    # error 2: a full recompute repeats the forward pass, 2N of 6N FLOP per token: +1/3 of compute
    assert on.parts_s["recomputation"] == pytest.approx(off.parts_s["compute"] / 3)
    assert on.step_s > off.step_s * 1.3


def test_planner_charges_zero3_all_gathers():
    z1 = _layout(M.plan(LLAMA, 64, 80, 989e12, NVL, NDR, zero_stage=1), 8, 8, 1)
    z3 = _layout(M.plan(LLAMA, 64, 80, 989e12, NVL, NDR, zero_stage=3), 8, 8, 1)
    # 64 micro-batches per replica, each gathers the 70e9/8 x 2 bytes of weights twice over 8 replicas on NDR
    m, weights = 512 // 8, 70e9 / 8 * 2
    expected = 2 * m * 7 * (0.6e-6 + weights / 8 / 50e9)
    assert z3.parts_s["ZeRO-3 all-gathers"] == pytest.approx(expected)
    # review 07 item 7: with ZeRO-3 each of the 64 micro-batches reduce-scatters its gradients (same ring cost as
    # one all-gather) instead of one all-reduce per step
    assert z3.parts_s["data parallel"] == pytest.approx(expected / 2)
    assert z3.step_s == pytest.approx(z1.step_s - z1.parts_s["data parallel"] + 1.5 * expected)
    assert z3.memory_gb < z1.memory_gb


def test_planner_leaves_memory_headroom():
    # review 07 item 7: 4 x 2 x 8 needs 76.3 GB, which 'fitted' an 80 GB H100 with nothing to spare
    plans = M.plan(LLAMA, 64, 80, 989e12, NVL, NDR)
    assert all(p.memory_gb <= 72 for p in plans if p.fits)
    tight = _layout(M.plan(LLAMA, 64, 80, 989e12, NVL, NDR, headroom=0), 4, 2, 8)
    assert 72 < tight.memory_gb <= 80 and tight.fits and tight.recompute == "selective"
    assert _layout(plans, 4, 2, 8).recompute == "full"  # with 8 GB kept free it must recompute to fit


def test_planner_charges_pipeline_traffic_and_imbalance():
    plans = M.plan(LLAMA, 64, 80, 989e12, NVL, NDR)
    p16, p32 = _layout(plans, 2, 2, 16), _layout(plans, 2, 1, 32)
    m = 512 // 2
    assert p16.parts_s["pipeline p2p"] == pytest.approx(2 * m * (0.6e-6 + 4096 * 8192 * 2 / 50e9))
    assert p16.parts_s["stage imbalance"] == 0  # 80 layers = 16 stages of 5
    work = p32.parts_s["compute"] + p32.parts_s["recomputation"]
    assert p32.parts_s["stage imbalance"] == pytest.approx(work * (3 * 32 / 80 - 1))  # stages of 3, not 2.5


def test_top_layouts_flag_ties_within_noise():
    plans = M.plan(LLAMA, 64, 80, 989e12, NVL, NDR)
    top = M.top_layouts(plans, 5)
    best = top[0][0].step_s
    assert top[0][1] and [p for p, _ in top] == sorted((p for p in plans if p.fits), key=lambda p: p.step_s)[:5]
    assert all(flag == (p.step_s <= 1.05 * best) for p, flag in top)
    assert sum(flag for _, flag in top) >= 2  # the default case is a near-tie, not a clear winner
    assert all(p.assumes and "micro-batches" in p.assumes[0] for p, _ in top)
    far = M.top_layouts(plans, 5, noise=0)
    assert [flag for _, flag in far] == [True] + [p.step_s == best for p, _ in far[1:]]


def test_hybrid_beats_both_pure_schemes_for_alexnet_and_vgg():
    for net in ("alexnet", "vgg16"):
        r = M.hybrid_bytes(net, 128, 8)
        assert r["hybrid"] < min(r["data parallel"], r["model parallel"]) / 3
    # AlexNet's dense layers by hand: fc6 9216 x 4096, fc7 4096 x 4096, fc8 4096 x 1000 (with biases)
    fc_params = 9216 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000
    r = M.hybrid_bytes("alexnet", 128, 8, bytes_per_value=4)
    fc_mp = 7 / 8 * 128 * (9216 + 4096 + 4096 + 4096 + 4096 + 1000) * 4
    gather = 7 / 8 * 128 * 9216 * 4
    conv_dp = r["data parallel"] - 2 * 7 / 8 * fc_params * 4
    assert r["hybrid"] == pytest.approx(conv_dp + gather + fc_mp)
    shares = M.compute_parameter_shares("alexnet")
    assert shares["conv"]["macs"] > 0.9 and shares["fc"]["params"] > 0.9  # Krizhevsky's split
    res = M.hybrid_bytes("resnet50", 128, 8)  # one small dense layer: the hybrid is about plain data parallelism
    assert res["hybrid"] == pytest.approx(res["data parallel"], rel=0.1)


def test_planner_recomputes_only_layouts_whose_activations_do_not_fit():
    # review 07 item 1: recomputation is chosen per layout, not charged to every layout
    plans = M.plan(LLAMA, 64, 80, 989e12, NVL, NDR)
    best = M.top_layouts(plans, 1)[0][0]
    assert best.parts_s["recomputation"] == 0 and best.recompute == "selective"
    assert any("selective recomputation" in a for a in best.assumes)
    for p in plans:
        states = sum(M.model_state_gb(LLAMA.params, p.dp, p.tp, p.pp, 1).values())
        plain = states + M.activation_gb(LLAMA.seq, 1, LLAMA.hidden, LLAMA.layers, p.tp, p.pp,
                                         sequence_parallel=True)
        assert p.recompute == ("selective" if plain <= 72 else "full")  # 10 % headroom
        assert (p.parts_s["recomputation"] > 0) == (p.recompute == "full")
    forced = _layout(M.plan(LLAMA, 64, 80, 989e12, NVL, NDR, recompute=True), best.dp, best.tp, best.pp)
    assert forced.step_s > best.step_s * 1.3
    with pytest.raises(ValueError, match="recompute"):
        M.plan(LLAMA, 64, 80, 989e12, NVL, NDR, recompute="sometimes")


def test_mi300x_mesh_gives_a_tensor_parallel_group_only_its_peers_links():
    # review 07 item 8: 64 GB/s to each of 7 peers (scaleup_links.csv note), so a pair gets 64 GB/s, not 448
    from helpers import gpus

    mi = gpus.gpu("Instinct MI300X")
    assert M.intra_node_link(mi, 2).bandwidth_gbs == pytest.approx(64)
    assert M.intra_node_link(mi, 4).bandwidth_gbs == pytest.approx(3 * 64)
    assert M.intra_node_link(mi, 8).bandwidth_gbs == pytest.approx(7 * 64)
    h100 = gpus.gpu("H100 SXM")
    assert M.intra_node_link(h100, 2).bandwidth_gbs == M.intra_node_link(h100).bandwidth_gbs
    whole = M.intra_node_link(mi)
    p2 = _layout(M.plan(LLAMA, 64, 192, 1307e12, whole, NDR), 8, 2, 4)
    n = M.tp_allreduce_bytes(1, LLAMA.seq, LLAMA.hidden)  # ring over 2: 2 x (1/2) x n bytes at 64 GB/s per step
    one = 2 * (1 / 2) * n / 64e9 + 2 * whole.alpha_s
    assert p2.parts_s["tensor parallel"] == pytest.approx(64 * 4 * 20 * one, rel=1e-6)  # m 64, 4 per layer, 20 layers


def test_moe_all_to_all_and_ring_attention_traffic():
    # review 07 item 9: DeepSeek-V3 routes each token to 8 experts (h = 7168) on at most 4 nodes, FP8 dispatch and
    # BF16 combine (arXiv:2412.19437)
    r = M.moe_all_to_all_bytes(7168, 8, 1, 2, max_nodes=4)
    assert r == {"dispatch": 8 * 7168 * 1, "combine": 8 * 7168 * 2, "inter_node": 4 * 7168 * 3}
    assert M.moe_all_to_all_bytes(7168, 8, 1, 2)["inter_node"] == 8 * 7168 * 3
    # ring attention, Llama 3 405B shapes (h 16384, 8 KV heads x 128 = 1024) at 128K tokens over 16 GPUs
    t = M.ring_attention_traffic(131072, 16384, 1024, 16)
    local = 131072 / 16
    assert t["kv_bytes"] == 2 * 15 * local * 1024 * 2 and t["attention_flop"] == 4 * local * 131072 * 16384
    assert M.ring_attention_traffic(4096, 64, 64, 1)["kv_bytes"] == 0
    with pytest.raises(ValueError, match="top_k"):
        M.moe_all_to_all_bytes(7168, 0)
