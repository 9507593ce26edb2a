"""ps1 (the delta rule): checks of the 2-4-3-2 sigmoid network, one example at a time.

Each part's inputs, reference and classic mistakes are in the mistake bank
(``course_utils.grading.mistakes``, parts ``ps1.*``); a part built on earlier ones
(``forward`` on ``sigmoid``, the deltas on ``sigmoid_prime``, ``train_xor`` on all of
them) is judged with the student's own earlier functions, so one slip costs one part.
"""

from __future__ import annotations

from ..banked import banked_part

PARTS = [
    banked_part("test_sigmoid", 1, "ps1.sigmoid", "ps1.sigmoid_prime"),
    banked_part("test_forward", 2, "ps1.forward"),
    banked_part("test_output_delta", 1, "ps1.output_delta"),
    banked_part("test_backward_deltas", 2, "ps1.backward_deltas"),
    banked_part("test_gradients", 2, "ps1.gradients"),
    # a large step (a one-sided difference is off by O(h)); the weights restored afterwards
    banked_part(
        "test_numerical_gradient",
        2,
        "ps1.numerical_gradient",
        unchanged={"weights": "restore each entry W^l_ij after its two evaluations"},
    ),
    banked_part("test_train_xor", 2, "ps1.train_xor"),
]
