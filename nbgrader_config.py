"""nbgrader configuration of the course (nbgrader 0.9.6, its own command line; no JupyterHub needed).

Run every nbgrader command from the repository root (the folder of this file)::

    nbgrader generate_assignment ps1 --force     # solutions/ps1 -> assignments/ps1 (+ gradebook.db)
    nbgrader autograde ps1                       # submitted/<student>/ps1 -> autograded/<student>/ps1
    nbgrader generate_feedback ps1               # autograded/ -> feedback/ (HTML, hidden tests removed)
    python -m course_utils.grading report ps1    # per-part scores or explicit errors, CSV + PNG

See solutions/README.md for the whole workflow. ``gradebook.db``, ``submitted/``,
``autograded/``, ``feedback/`` and ``reports/`` are git-ignored.
"""
import os

c = get_config()  # noqa: F821 (injected by nbgrader/traitlets when this file is loaded)

# -- course directory: everything relative to this file, wherever the repository lives ---------
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "backprop-cnn-pyramids"
c.CourseDirectory.source_directory = "solutions"     # instructor notebooks with nbgrader markup
c.CourseDirectory.release_directory = "assignments"  # student versions, committed to the repo
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# Only notebooks are released/collected; never the grader's scratch files.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.db"]

# -- execution -----------------------------------------------------------------------------------
# Seconds per cell. Every cell of the solutions runs in well under a second; an answer with an
# infinite loop is stopped after this long, its test cell fails, and the other parts are graded.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# -- autograde -------------------------------------------------------------------------------------
# Test cells a student edited are restored from the gradebook (nbgrader always does this);
# test cells a student deleted are put back and graded too.
c.OverwriteCells.add_missing_cells = True
# Students found in submitted/ are added to the gradebook (no roster needed).
c.Autograde.create_student = True

# -- feedback: no hidden test text --------------------------------------------------------------------
# ClearHiddenTests removes the hidden-test source; course_utils.grading.ShortenTestTracebacks
# replaces the traceback of a failed test cell by its last line (an IPython traceback quotes the
# source lines around the failure, which would leak hidden-test code).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
    "course_utils.grading.ShortenTestTracebacks",
]
