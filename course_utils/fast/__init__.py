"""The fast path: the same layers and pyramids as the readable modules, tuned for speed.

The readable modules (:mod:`course_utils.conv`, :mod:`course_utils.pooling`, ...) are what a
student reads beside the lecture. This package holds the engineering that makes the same
computations fast on a CPU (chunks that stay in the cache, worker threads, reused scratch
buffers, the bias row); the demos, :class:`~course_utils.cnn.TinyCNN` and the benchmarks use it.
Every function here takes the same arguments and returns the same values (to float rounding)
as its readable namesake, and accepts and returns the same cache classes; the tests prove it.

Worker threads use ``threadpoolctl`` (the ``fast`` extra, ``pip install -e '.[fast]'``) to give
each thread a one-thread BLAS; without it the layers run in one thread and let BLAS thread.

    from course_utils.fast.conv import conv2d_forward, conv2d_backward
    from course_utils.fast.pooling import max_pool_forward, max_pool_backward
"""
