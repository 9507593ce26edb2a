"""The mistake bank: classic wrong answers of every autograded part, recognised on the student's numbers.

For each part (``"ps3.conv_dx"``) the bank holds the reference computation and
the classic mistakes, each a function of the **same inputs** that computes what
that mistake gives. :func:`judge` compares the student's result with the
reference and, when it is wrong, with every mistake of the part, and says in the
lecture's notation which one the student's numbers match, quoting them::

    >>> judge("ps3.conv_dx", got, dy=dy, w=w).message
    'dX is the full correlation of dL/dY with W *unflipped* (your dX[0, 0] = -0.2318): ...'

When nothing matches it names the first wrong entry and what that entry should
depend on, and says plainly that it does not recognise the mistake: it never
guesses a cause. Errors raised inside the student's code (numpy's shape
messages) are restated with the part's quantities by :func:`restate_error`.

The bank runs where the references may live: in the grader's process (issue 11
keeps the whole ``course_utils.grading`` package out of the grading sandbox) and
in the student's own kernel for the visible tests, so both say the same thing.
It only needs numpy; every reference here is written out in a few lines and
tested against ``course_utils`` (``tests/test_mistakes.py``).

One module per problem set (``ps1`` ... ``ps5``) registers its parts in ``BANK``, each with
its inputs, reference, classic mistakes and the student's earlier functions it may build on.
"""

from . import ps1, ps2, ps3, ps4, ps5  # noqa: F401  (each registers its parts in BANK)
from ._core import BANK, Diagnosis, Mistake, PartBank, judge, match_mistakes, restate_error

__all__ = ["BANK", "Diagnosis", "Mistake", "PartBank", "judge", "match_mistakes", "restate_error"]
