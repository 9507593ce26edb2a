"""ps5 (the computational graph): checks built on the mistake bank (parts ``ps5.*``).

The backward traversal is checked on the grader's own graphs with the local derivatives given
(so a slip in Part 1 costs only Part 1); Part 4 is compared with the course's ``Value`` and is
right when it is right given the student's own Parts 1-3.
"""

from __future__ import annotations

from ..banked import banked_part

PARTS = [
    banked_part("test_local_gradients", 2, "ps5.local_gradients"),
    banked_part("test_forward", 1, "ps5.forward"),
    banked_part("test_backward", 3, "ps5.backward"),
    banked_part("test_gradient", 2, "ps5.gradient"),
]
