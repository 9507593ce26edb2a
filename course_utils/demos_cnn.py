"""The CNN demos moved to :mod:`course_utils.demos.conv` and :mod:`course_utils.demos.pooling` (old imports work)."""

from .demos.conv import ConvGradientDemo
from .demos.pooling import LECTURE_POOL_INPUT, PoolingRoutingDemo, parse_grid

__all__ = ["ConvGradientDemo", "PoolingRoutingDemo", "parse_grid", "LECTURE_POOL_INPUT"]
