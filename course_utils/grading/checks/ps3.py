"""ps3 (backpropagation in CNNs): checks built on the mistake bank (parts ``ps3.*``)."""

from __future__ import annotations

from ..api import Part, Student, StudentRaised, Variant, Verdict
from ..banked import banked_part

NOT_TILING = ((10, 3, 0, 2), (3, 5, 0, 1), (8, 3, 1, 3))


def check_not_tiling(student: Student, variant: Variant) -> Verdict:
    """conv_output_size must refuse a filter that does not tile the padded input.

    Parameters
    ----------
    student : Student
        The proxy to the student's code.
    variant : Variant
        Unused: the cases (``NOT_TILING``) are the same for everyone.

    Returns
    -------
    Verdict
        Passed when ``conv_output_size`` raises a ``ValueError`` on every case.
    """
    for w_in, f, p, s in NOT_TILING:
        try:
            got = student.call("conv_output_size", w_in, f, p, s)
        except StudentRaised as exc:
            if exc.exc_type == "ValueError":
                continue
            raise
        return Verdict.failed(
            f"conv_output_size({w_in}, {f}, p={p}, s={s}) returned {got!r}: (W1 − F + 2P)/S = "
            f"{(w_in - f + 2 * p) / s:g} is not a whole number (or the filter does not fit), so "
            f"it should raise a ValueError"
        )
    return Verdict.passed()


def _output_size(student, variant):
    return Verdict.combine(
        banked_part("", 1, "ps3.conv_output_size").check(student, variant), check_not_tiling(student, variant)
    )


PARTS = [
    Part("test_output_size", 1, _output_size, ("conv_output_size",)),
    banked_part("test_correlate", 1, "ps3.correlate2d_valid"),
    banked_part("test_conv_dw", 2, "ps3.conv_dw"),
    banked_part("test_conv_dx", 2, "ps3.conv_dx"),
    banked_part("test_conv_layer", 2, "ps3.conv_layer"),
    banked_part("test_max_pool", 2, "ps3.max_pool"),
    banked_part("test_avg_pool", 1, "ps3.avg_pool"),
]
