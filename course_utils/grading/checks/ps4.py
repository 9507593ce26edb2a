"""ps4 (pyramids): checks built on the mistake bank (parts ``ps4.*``)."""

from __future__ import annotations

from ..banked import banked_part

PARTS = [
    banked_part("test_blur", 1, "ps4.blur"),
    banked_part("test_downsample", 1, "ps4.downsample"),
    banked_part("test_upsample", 2, "ps4.upsample"),
    banked_part("test_laplacian", 2, "ps4.laplacian_pyramid"),
    banked_part("test_reconstruct", 1, "ps4.reconstruct"),
    banked_part("test_blend", 2, "ps4.blend"),
    banked_part("test_upsample_matrix", 1, "ps4.upsample_matrix"),
]
