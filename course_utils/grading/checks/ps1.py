"""ps1 (the delta rule): checks of the 2-4-3-2 sigmoid network, one example at a time.

Each part's inputs, reference and classic mistakes are in the mistake bank
(``course_utils.grading.mistakes``, parts ``ps1.*``); a part built on earlier ones
(``forward`` on ``sigmoid``, the deltas on ``sigmoid_prime``, ``train_xor`` on all of
them) is judged with the student's own earlier functions, so one slip costs one part.
"""

from __future__ import annotations

import numpy as np

from ..api import Part, Verdict
from ..banked import banked_part, judged
from ..mistakes import BANK


def check_numerical_gradient(student, variant):
    """The bank's judgement on a large step (a one-sided difference is off by O(h)), then: weights restored."""
    key = "ps1.numerical_gradient"
    inputs = BANK[key].inputs(variant.rng(key))
    after = {}

    def call(student, *args):
        got, after["args"] = student.call_with_args("numerical_gradient_W", *args)
        return got

    verdict = judged(key, student, variant, inputs, call=call)
    if verdict.score < 1.0:
        return verdict
    weights = after["args"][0]
    for k, W in enumerate(inputs["weights"]):
        if not (
            isinstance(weights, list)
            and len(weights) == 3
            and np.shape(weights[k]) == W.shape
            and np.array_equal(weights[k], W)
        ):
            return Verdict.failed(
                f"numerical_gradient_W left weights[{k}] (W^{k + 1}) changed: restore each "
                f"entry W^l_ij after its two evaluations"
            )
    return verdict


PARTS = [
    banked_part("test_sigmoid", 1, "ps1.sigmoid", "ps1.sigmoid_prime"),
    banked_part("test_forward", 2, "ps1.forward"),
    banked_part("test_output_delta", 1, "ps1.output_delta"),
    banked_part("test_backward_deltas", 2, "ps1.backward_deltas"),
    banked_part("test_gradients", 2, "ps1.gradients"),
    Part("test_numerical_gradient", 2, check_numerical_gradient, ("numerical_gradient_W", "loss")),
    banked_part("test_train_xor", 2, "ps1.train_xor"),
]
