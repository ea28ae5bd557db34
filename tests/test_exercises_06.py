"""Notebook 06 'Check yourself', second edition (exercises 6-11): every bold answer is recomputed with the helpers."""

import pytest
from test_exercises import bold_numbers, exercise_answers

from helpers import cluster as CL
from helpers import gpus as G
from helpers import parallel as P

NOTEBOOK = "06_data_parallelism.ipynb"


def answers() -> dict[int, list[str]]:
    vgg = P.conv_shares("vgg16")
    h100, ndr = G.gpu("H100 SXM"), CL.custom_link("50 GB/s", 50, 0)
    base = P.mlp_compute_comm_ratio(4096, 64, h100, ndr)
    return {
        6: [f"{vgg['params'] * 100:.1f}", f"{vgg['flops'] * 100:.1f}"],
        7: [f"{P.critical_tokens(h100, ndr, 64, bits=16, utilization=0.4):.0f}"],
        8: [f"{P.max_strong_gpus(256)}"],
        9: [f"{P.one_bit_drift(1000, error_feedback=False)[-1] * 100:.0f}",
            f"{P.one_bit_drift(1000, error_feedback=True)[-1] * 100:.1f}"],
        10: [f"{P.training_state_gb('llama2_7b'):.0f}"],
        11: [f"{P.mlp_compute_comm_ratio(8192, 64, h100, ndr) / base:.2f}",
             f"{P.mlp_compute_comm_ratio(4096, 128, h100, ndr) / base:.2f}"],
        12: [f"{4 * 64}"],  # train_data_parallel(4, batch_per_worker=64) matches train_single(batch=4 * 64)
    }


def test_notebook_06_has_reasoning_exercises():
    answers_text = exercise_answers(NOTEBOOK)
    assert len(answers_text) >= 12
    reasoning = [n for n in range(6, 13) if any(w in answers_text[n] for w in ("because", "Keep", "switch", "Why",
                                                                              "lever", "Shard"))]
    assert len(reasoning) >= 2


@pytest.mark.parametrize("number", range(6, 13))
def test_notebook_06_second_edition_answers(number):
    assert bold_numbers(exercise_answers(NOTEBOOK)[number]) == answers()[number]
