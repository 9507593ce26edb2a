"""nbgrader configuration of the course (nbgrader 0.9.6, its own command line; no JupyterHub needed).

Run every nbgrader command from the repository root (the folder of this file)::

    nbgrader generate_assignment ps1 --force     # solutions/ps1 -> assignments/ps1 (+ gradebook.db)
    python -m course_utils.grading autograde ps1 # sandboxed verdicts (N workers), recorded by nbgrader, report
    nbgrader generate_feedback ps1               # autograded/ -> feedback/ (HTML: per part status and message)
    python -m course_utils.grading report ps1    # per-part scores or explicit errors, CSV + PNG

Plain ``nbgrader autograde ps1`` works too (one submission at a time): the course's RecordVerdicts
replaces nbgrader's Execute, so no student code ever runs in nbgrader's kernel; every verdict is
computed by course_utils.grading in a bubblewrap sandbox. See solutions/README.md for the workflow.
``gradebook.db``, ``submitted/``, ``autograded/``, ``feedback/`` and ``reports/`` are git-ignored.
"""

import os

c = get_config()  # noqa: F821 (injected by nbgrader/traitlets when this file is loaded)

# -- course directory: everything relative to this file, wherever the repository lives ---------
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "backprop-cnn-pyramids"
c.CourseDirectory.source_directory = "solutions"  # instructor notebooks with nbgrader markup
c.CourseDirectory.release_directory = "assignments"  # student versions, committed to the repo
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# Only notebooks are released/collected; never the grader's scratch files.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.db"]

# -- execution (nbgrader validate only: the student's own quick check) -----------------------------
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# -- autograde: verdicts from the sandboxed course grader, recorded by nbgrader ------------------------
# nbgrader's Execute (the student's code and the tests in one kernel) is replaced by RecordVerdicts:
# it writes each test cell's outputs from the verdict that course_utils.grading computed outside the
# student's process (cached in reports/<ps>/verdicts/, computed on the spot if missing), and
# nbgrader's SaveAutoGrades records the points as usual.
c.Autograde.autograde_preprocessors = [
    "course_utils.grading.nbgrader_plugin.RecordVerdicts",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.RecordVerdicts.timeout = 60  # wall-clock seconds per cell and per call in the sandbox
c.RecordVerdicts.memory_mb = 2048  # memory cap of each sandbox
c.RecordVerdicts.nproc = 32  # process cap of each sandbox

# -- autograde -------------------------------------------------------------------------------------
# Test cells a student edited are restored from the gradebook (nbgrader always does this);
# test cells a student deleted are put back and graded too.
c.OverwriteCells.add_missing_cells = True
# Students found in submitted/ are added to the gradebook (no roster needed).
c.Autograde.create_student = True

# -- feedback: per part the status, points and the check's message -----------------------------------
# The notebooks hold no hidden tests any more (the checks live in course_utils/grading/checks); the
# two filters stay as a safety net for notebooks graded the old way.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
    "course_utils.grading.nbgrader_plugin.ShortenTestTracebacks",
]
