"""ps4: Gaussian and Laplacian pyramids (binomial [1 4 6 4 1]/16 kernel, reflect-101 borders, as OpenCV).

References from course_utils.pyramids, computed in the grader's process.
"""
from __future__ import annotations

import numpy as np

from ... import pyramids as ref
from ..api import Part, Verdict, compare


def _edge_blur(image):
    """The classic slip: replicated borders (np.pad mode="edge") instead of reflect-101."""
    k = ref.binomial_kernel()

    def rows(x):
        p = np.pad(x, ((0, 0), (2, 2)), mode="edge")
        return sum(k[t] * p[:, t:t + x.shape[1]] for t in range(5))
    return rows(rows(image).T).T


def check_blur(student, variant):
    img = variant.rng("blur").uniform(-1, 1, (7, 5))
    return compare("blur", student.call("blur", img), ref.blur(img),
                   mistakes=[("the borders must reflect without repeating the edge pixel (np.pad mode='reflect', "
                              "reflect-101), not replicate it", _edge_blur(img))])


def check_downsample(student, variant):
    img = variant.rng("downsample").uniform(-1, 1, (9, 6))
    return compare("downsample", student.call("downsample", img), ref.downsample(img),
                   mistakes=[("blur before keeping every second row and column (no blur: aliasing)", img[::2, ::2])])


def check_upsample(student, variant):
    img = variant.rng("upsample").uniform(-1, 1, (4, 5))
    verdicts = []
    for shape in ((8, 10), (7, 9)):
        want = ref.upsample(img, shape)
        verdicts.append(compare(f"upsample to {shape}", student.call("upsample", img, shape), want,
                                mistakes=[("after inserting zeros, multiply by 4: three quarters of the pixels "
                                           "are zeros", want / 4)]))
    return Verdict.combine(*verdicts)


def _levels(name, got, n):
    if not isinstance(got, (list, tuple)) or len(got) != n:
        return Verdict.failed(f"{name} should return a list of {n} arrays")
    return None


def check_laplacian(student, variant):
    img = variant.rng("laplacian").uniform(-1, 1, (12, 9))
    got = student.call("laplacian_pyramid", img, 3)
    bad = _levels("laplacian_pyramid(image, 3)", got, 3)
    if bad:
        return bad
    want = ref.laplacian_pyramid(img, 3)
    return Verdict.combine(*[compare(f"Laplacian level {i}", got[i], want[i],
                                     mistakes=[("L_i = x_i - F(x_(i+1)): the sign is reversed", -want[i])]
                                     if i < 2 else ()) for i in range(3)])


def check_reconstruct(student, variant):
    rng = variant.rng("reconstruct")
    lap = [rng.uniform(-1, 1, (10, 7)), rng.uniform(-1, 1, (5, 4)), rng.uniform(-1, 1, (3, 2))]
    return compare("reconstruct", student.call("reconstruct", lap), ref.reconstruct(lap))


def check_blend(student, variant):
    rng = variant.rng("blend")
    a, b, m = rng.uniform(-1, 1, (12, 10)), rng.uniform(-1, 1, (12, 10)), rng.uniform(0, 1, (12, 10))
    return compare("blend", student.call("blend", a, b, m, 3), ref.blend(a, b, m, 3),
                   mistakes=[("the mask weights image a (1 takes a): G LA + (1 - G) LB, not the other way round",
                              ref.blend(b, a, m, 3))])


def check_upsample_matrix(student, variant):
    want = ref.upsample_matrix(6, boundary="zero", normalized=False)
    shifted = np.zeros_like(want)
    shifted[2:] = want[:-2]
    return compare("upsample_matrix(6)", student.call("upsample_matrix", 6), want,
                   mistakes=[("the kernel is centred on row 2j: rows 2j-2 ... 2j+2 of column j", shifted)])


PARTS = [
    Part("test_blur", 1, check_blur, ("blur",)),
    Part("test_downsample", 1, check_downsample, ("downsample",)),
    Part("test_upsample", 2, check_upsample, ("upsample",)),
    Part("test_laplacian", 2, check_laplacian, ("laplacian_pyramid",)),
    Part("test_reconstruct", 1, check_reconstruct, ("reconstruct",)),
    Part("test_blend", 2, check_blend, ("blend",)),
    Part("test_upsample_matrix", 1, check_upsample_matrix, ("upsample_matrix",)),
]
