"""Notebook 05 'Check yourself': every bold answer is recomputed with the helpers."""

import pytest
from test_exercises import bold_numbers, exercise_answers

from helpers import cluster as CL
from helpers import gpus as G

NOTEBOOK = "05_multi_gpu_system.ipynb"


def answers() -> dict[int, list[str]]:
    edr = CL.line_code("InfiniBand EDR 4x")
    pcie, fdr = CL.link("PCIe 3.0 x16"), CL.link("InfiniBand FDR 4x")
    gradient = CL.max_gradient_bytes(1.5, 2, 0.1, CL.link("InfiniBand EDR 4x"))
    _, matrix = CL.topo_matrix()
    h100 = G.gpu("H100 SXM").peak_flops("fp16")
    resnet, qdr = CL.gradient_bytes("resnet50"), CL.link("InfiniBand QDR 4x")
    old = CL.hierarchical_allreduce_stages_s(resnet, 3, 4, pcie, qdr, 1)
    return {
        1: [f"{CL.payload_gbs(edr.transfer_rate_gts, edr.lanes, edr.encoding):g}"],
        2: [f"{CL.half_bandwidth_bytes(CL.custom_link('exercise', 25, 2)) / 1e3:g}"],
        3: [f"{CL.internode_copy_time_s(100e6, pcie, fdr, rdma=False) * 1e3:.1f}",
            f"{CL.internode_copy_time_s(100e6, pcie, fdr, rdma=True) * 1e3:.1f}"],
        4: [f"{CL.link('NVLink 4 (H100)').bandwidth_gbs / pcie.bandwidth_gbs:.1f}"],
        5: [f"{gradient / 1e6:.0f}", f"{gradient / CL.GRADIENT_BYTES['fp32'] / 1e6:.0f}"],
        6: [f"{CL.ring_tree_crossover_bytes(16, CL.link('10 GbE'), tree) / 1e3:.0f}"
            for tree in ("tree", "naive_tree")],
        7: [f"{CL.gpu_pair_copy_time_s(100e6, code, pcie) * 1e3:.1f}" for code in (matrix[0][1], matrix[0][4])],
        8: [f"{CL.min_tokens_per_gpu(h100, CL.link('InfiniBand NDR 4x')):,.0f}"],
        9: [f"{CL.allreduce_time_s(resnet, 64, qdr, a) * 1e3:.0f}" for a in ("tree", "ring")],
        10: [f"{old['inter'] * 1e3:.1f}", f"{old['intra'] * 1e3:.1f}", f"{sum(old.values()) * 1e3:.1f}",
             f"{CL.hierarchical_allreduce_time_s(resnet, 3, 4, CL.link('NVLink 2 (V100)'), qdr, 1) * 1e3:.1f}",
             f"{CL.hierarchical_allreduce_time_s(resnet, 3, 4, pcie, qdr, 4) * 1e3:.1f}"],
        11: [],  # reasoning only: no number to recompute
    }


def test_notebook_05_has_at_least_four_exercises():
    assert len(exercise_answers(NOTEBOOK)) >= 4


@pytest.mark.parametrize("number", range(1, 12))
def test_notebook_05_answers(number):
    assert bold_numbers(exercise_answers(NOTEBOOK)[number]) == answers()[number]


def test_notebook_05_half_bandwidth_text_is_not_the_wrong_rule():
    """Issue #22, error 3 (fails on main): n½ = α·B, so "the faster the link, the larger n½" is false (InfiniBand
    QDR is faster than 10 GbE but has the smaller n½); the notebook builds its sentence from the table instead."""
    import json
    from pathlib import Path

    text = Path(__file__).parent.parent.joinpath("notebooks", NOTEBOOK).read_text()
    assert "The faster the link, the larger n½" not in "".join(
        "".join(c["source"]) for c in json.loads(text)["cells"])
    qdr, ten = CL.link("InfiniBand QDR 4x"), CL.link("10 GbE")
    assert qdr.bandwidth_gbs > ten.bandwidth_gbs and CL.half_bandwidth_bytes(qdr) < CL.half_bandwidth_bytes(ten)
