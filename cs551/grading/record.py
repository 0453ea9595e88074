"""What a graded kernel runs: the student's function on the grader's inputs, its answers
written down as plain data. No verdict is reached here.

An assignment's hidden test is ``record_answers("momentum_update")``. During grading
(``python3 course.py grade``, ``cs551.grading.grader``) the sandbox sets
``CS551_GRADING_INPUTS`` (a JSON file of inputs the grader drew for this submission when
grading started) and ``CS551_GRADING_RECORDS`` (a folder). ``record_answers(name)`` looks up the
function the notebook defines under ``name``, calls it on every input, and writes what it
returned, or the exception it raised, and the array arguments as they were after the call, to
``RECORDS/<name>.json``. The grader rebuilds those answers and compares them with the course
library's, in its own process (``cs551.grading.verdict``).

Everything in the kernel can be changed by the student's code, this function included: that
can lose marks (a missing or malformed record scores 0 and is flagged) but not win them,
because the right answers for inputs drawn at grading time exist only outside the kernel.

Outside grading (an instructor running a source notebook) ``record_answers`` does nothing.
This module runs inside the sandbox: it imports only the standard library, NumPy, SymPy and
``plain``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

import numpy as np

from .plain import decode, encode

INPUTS = "CS551_GRADING_INPUTS"
RECORDS = "CS551_GRADING_RECORDS"
MAX_RECORD = 4_000_000  # characters of one record; larger answers are recorded as too large


def record_answers(name: str) -> None:
    """Record the answers of the notebook's function ``name`` on the grader's inputs."""
    inputs, records = os.environ.get(INPUTS), os.environ.get(RECORDS)
    if not inputs or not records:
        return
    with open(inputs) as file:
        calls = json.load(file)["parts"][name]
    function = sys._getframe(1).f_globals.get(name)
    entry: dict = {"name": name, "defined": callable(function), "calls": []}
    if callable(function):
        for encoded in calls:
            args = [decode(arg) for arg in encoded]
            try:
                result = {"value": encode(function(*args))}
            except Exception as error:  # the student's function failed: that is an answer too
                result = {"error": f"{type(error).__name__}: {error}"[:300]}
            result["args_after"] = [encode(a) if isinstance(a, np.ndarray) else None for a in args]
            entry["calls"].append(result)
    text = json.dumps(entry)
    if len(text) > MAX_RECORD:
        text = json.dumps({"name": name, "defined": True, "too_large": len(text)})
    handle, temporary = tempfile.mkstemp(dir=records, suffix=".tmp")
    with os.fdopen(handle, "w") as file:
        file.write(text)
    os.replace(temporary, os.path.join(records, f"{name}.json"))
