"""The problem sets' checks, one module per problem set (``PARTS``: a list of :class:`~course_utils.grading.api.Part`).

They run in the grader's process only; see ``course_utils/grading/api.py`` for the contract.
"""
