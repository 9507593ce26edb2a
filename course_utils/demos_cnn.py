"""The CNN demos moved to :mod:`course_utils.demos.conv` and :mod:`course_utils.demos.pooling` (old imports work)."""

from .demos.conv import ConvGradientDemo
from .demos.pooling import LECTURE_POOL_INPUT, PoolingRoutingDemo, parse_grid

__all__ = ["ConvGradientDemo", "PoolingRoutingDemo", "parse_grid", "LECTURE_POOL_INPUT", "benchmark_cases"]


def benchmark_cases():
    """(name, demo, [(label, action(round))]) for the benchmarks: one control change each."""
    conv = ConvGradientDemo()
    pool = PoolingRoutingDemo()

    def toggle(control, a, b):
        return lambda r: setattr(control, "value", a if r % 2 == 0 else b)

    return [
        (
            "ConvGradientDemo",
            conv,
            [
                ("move pixel i'", toggle(conv.i_in, 1, 3)),
                ("stride 1 <-> 2", toggle(conv.stride, 2, 1)),
                ("pick filter weight / input pixel", toggle(conv.mode, "filter weight", "input pixel")),
            ],
        ),
        (
            "PoolingRoutingDemo",
            pool,
            [
                ("max <-> average", toggle(pool.kind, "average", "max")),
                ("window 2x2 <-> 3x3", toggle(pool.size, 3, 2)),
                ("new random input", lambda r: pool.new_random.click()),
            ],
        ),
    ]
