"""Reference implementations for the course on backpropagation, CNN gradients and image pyramids.

One module per topic; import what you need, e.g.::

    from course_utils.mlp import MLP
    from course_utils.gradcheck import check_gradient
"""

__version__ = "0.1.0"
