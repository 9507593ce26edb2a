"""ps2 (the worked example, softmax + cross-entropy): checks built on the mistake bank (parts ``ps2.*``)."""

from __future__ import annotations

from ..api import Part, Student, Variant, Verdict
from ..banked import banked_part, judged

PARTS = [
    banked_part("test_forward_example", 2, "ps2.forward_example"),
    banked_part("test_total_error", 1, "ps2.total_error"),
    banked_part("test_backward_pieces", 2, "ps2.mse_backward", "ps2.sigmoid_backward"),
    banked_part("test_example_gradients", 2, "ps2.example_gradients"),
    banked_part("test_sgd_update", 1, "ps2.sgd_update", unchanged={"W": "return W − η dW as a new array"}),
    banked_part("test_softmax", 1, "ps2.softmax"),
    banked_part("test_softmax_cross_entropy", 2, "ps2.softmax_cross_entropy"),
]


def check_your_example(student: Student, variant: Variant) -> Verdict:
    """Part A6: the numbers of the student's own variant of the worked example (drawn from the student id).

    Parameters
    ----------
    student : Student
        The proxy to the student's code (``my_answers()``; in a practice run also ``student_id()``).
    variant : Variant
        The graded student (their worked example), or a practice run (the notebook's ``STUDENT_ID``).

    Returns
    -------
    Verdict
        A failure says whose variant was checked.
    """
    from course_utils.variants import worked_example_variant

    if variant.practice:  # the student's own kernel: the notebook's STUDENT_ID (or the practice variant)
        sid = student.call("student_id") or "practice"
        whose = f"STUDENT_ID = {sid!r}"
    else:
        sid = variant.student
        whose = f"student {sid!r}, the id you are graded as"
    verdict = judged(
        "ps2.your_example",
        student,
        variant,
        {"example": worked_example_variant(sid)},
        rtol=1e-4,
        atol=1e-6,
        call=lambda student, example: student.call("my_answers"),
    )
    if verdict.score < 1.0:
        return Verdict.failed(f"(checked on the variant of {whose}) {verdict.message}")
    return verdict


PARTS.insert(
    5,
    Part(
        "test_your_example",
        1,
        check_your_example,
        ("my_answers", "forward_example", "example_gradients", "total_error", "sgd_update"),
    ),
)
