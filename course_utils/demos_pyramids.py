"""The pyramid demos moved to :mod:`course_utils.demos.pyramids` and :mod:`course_utils.demos.steerable`."""

from .demos.pyramids import BlendDemo, PyramidLevelDemo
from .demos.steerable import SteeringDemo

__all__ = ["PyramidLevelDemo", "BlendDemo", "SteeringDemo"]
