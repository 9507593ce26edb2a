"""nbgrader for everyone in the class's pods: the exchange on the shared volume and the course id.

The instructor's own course settings live in their course directory (the repository's
nbgrader_config.py, on the instructor's home volume), loaded from ~/.jupyter/nbgrader_config.py
with ``load_subconfig("/home/jovyan/backprop-course/nbgrader_config.py")``.
"""

c = get_config()  # noqa: F821
c.Exchange.root = "/srv/nbgrader/exchange"
c.CourseDirectory.course_id = "backprop-cnn-pyramids"
