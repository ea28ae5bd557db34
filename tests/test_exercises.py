"""'Check yourself' answers stored in the notebooks are recomputed with the helpers."""

import json
import re

import pytest
from conftest import ROOT

from helpers import convolution as C


def exercise_answers(notebook: str) -> dict[int, str]:
    """Answer text (inside <details>) of every markdown cell tagged exercise-N."""
    nb = json.loads((ROOT / "notebooks" / notebook).read_text())
    answers = {}
    for cell in nb["cells"]:
        for tag in cell.get("metadata", {}).get("tags", []):
            if tag.startswith("exercise-"):
                text = "".join(cell["source"])
                details = re.search(r"<details>(.*)</details>", text, re.S)
                assert details, f"{notebook} {tag}: the answer must be hidden in <details>"
                answers[int(tag.split("-")[1])] = details.group(1)
    return answers


def bold_numbers(text: str) -> list[str]:
    return re.findall(r"\*\*([^*]+)\*\*", text)


def vgg_fc_share() -> float:
    layers = C.network_cost("vgg16").layers
    return sum(layer.params for layer in layers if layer.kind == "fc") / sum(layer.params for layer in layers)


NOTEBOOK_01 = {
    1: lambda: [str(C.output_size(64, 5, 2, 2))],
    2: lambda: [f"{2 * C.conv_layer_cost(64, 64, 3, 1, 1, bias=False)[1]:,}",
                f"{C.conv_layer_cost(64, 64, 5, 1, 1, bias=False)[1]:,}",
                str(C.receptive_field([(3, 1), (3, 1)]))],
    3: lambda: [str([int(v) for v in C.conv2d(C.conv2d([[1, 1]], [[1, 1]], "full"), [[1, 1]], "full")[0]])],
    4: lambda: [f"{C.circular_convolution([1, 2, 3, 4], [1, 1, 0, 0])[0]:g}"],
    5: lambda: [str(C.output_size(224, 7, 3, 2)),
                f"{C.conv_layer_cost(3, 64, 7, 112, 112)[0]:,}",
                f"{C.conv_layer_cost(3, 64, 7, 112, 112)[1]:,}"],
    6: lambda: [f"{vgg_fc_share():.1%}"],
}


def test_notebook_01_has_at_least_four_exercises():
    assert len(exercise_answers("01_convolution.ipynb")) >= 4


@pytest.mark.parametrize("number", sorted(NOTEBOOK_01))
def test_notebook_01_answers(number):
    answer = exercise_answers("01_convolution.ipynb")[number]
    assert bold_numbers(answer) == NOTEBOOK_01[number]()
