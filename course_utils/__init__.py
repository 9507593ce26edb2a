"""Reference implementations for the course on backpropagation, CNN gradients and image pyramids.

One module per topic; import what you need, e.g.::

    from course_utils.mlp import MLP
    from course_utils.gradcheck import check_gradient

Each topic module reads like the lecture it follows (the equation in the body, the lecture's
notation). The same layers and pyramids tuned for speed are in :mod:`course_utils.fast`, tested
equal to the readable ones; the live demos use them. ``CONTRIBUTING.md`` describes the layout.
"""

__version__ = "0.1.0"
