"""nbgrader's configuration for the course's graded assignments.

Run nbgrader from this folder (``cd assignments``): it is the course directory.
- ``source/NAME/NAME.ipynb``: the instructor's versions, with solutions and hidden tests
  (edit them in JupyterLab with nbgrader's "Create Assignment" tool, or by hand);
- ``release/NAME/NAME.ipynb``: the student versions, made by ``python3 course.py release``
  (``nbgrader generate_assignment``) and committed, so students find them in the repository;
- ``submitted/``, ``autograded/``, ``feedback/`` and ``gradebook.db``: grading work, not committed.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent

c = get_config()  # noqa: F821 -- provided by nbgrader when it loads this file

c.CourseDirectory.root = str(HERE)
c.CourseDirectory.course_id = "cs551"
c.CourseDirectory.db_url = f"sqlite:///{HERE / 'gradebook.db'}"

# What students see in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Autograding runs each cell with a time limit, so a runaway loop cannot stall a class.
c.ExecutePreprocessor.timeout = 120

# Feedback must not show the hidden tests' source (nbgrader issue #917).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
