"""Grade every collected submission of an assignment, so that a notebook cannot set its own grade.

    python3 course.py grade NAME [NAME ...] [--jobs N] [--timeout S] [--unsafe]
    (= .venv/bin/python -m cs551.grading.grader ..., run from anywhere)

For each assignment, with the course folder's nbgrader configuration:

1. ``nbgrader generate_assignment`` brings the gradebook up to date with ``source/`` (writing
   its student version to a scratch folder: the committed ``release/`` is left alone);
2. for each submission in ``submitted/<student>/NAME/NAME.ipynb``: a seed drawn now, and the
   inputs of every graded call drawn from it (``verdict.plan``), in a file only that
   submission's sandbox can read;
3. ``nbgrader autograde``, split over ``--jobs`` worker copies of the course folder (each with
   its own copy of the gradebook: workers never share a SQLite file), every kernel in a fresh
   bubblewrap sandbox (``cs551.grading.sandbox``) whose recorder writes the answers down;
4. in this process: each part's verdict from the recorded answers (``verdict.judge``), flags
   from the notebook's text (``screening``), from the records and from nbgrader's log
   (timeouts, kernels that died);
5. the scores into the course's gradebook, replacing nbgrader's own (which the kernel
   decides), and the autograded notebooks into ``autograded/``, so that
   ``nbgrader generate_feedback`` and ``nbgrader export`` work as usual;
6. a report in ``grading/``: ``NAME.csv`` (a row per submission: score per part, statuses,
   flags, seed), ``NAME-summary.txt``, which is also printed, and ``NAME-autograde.log``,
   nbgrader's log of each submission.

Without a working sandbox the command refuses, unless ``--unsafe`` is given; exit status 0
when every submission was graded (flags or not), 1 if grading itself failed, 2 if refused.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
from traitlets.config.loader import PyFileConfigLoader

from . import sandbox, screening
from .parts import PARTS, Part
from .verdict import FLAGGED, Result, judge, plan

try:  # the instructor extra (nbgrader, Python >= 3.11); without it the command says so
    from nbgrader.api import Gradebook
    from nbgrader.utils import compute_checksum, parse_utc
except ImportError:
    Gradebook = compute_checksum = parse_utc = None

COURSE = Path(__file__).resolve().parents[2] / "assignments"
CHECKSUM_WARNING = re.compile(r"Attribute 'checksum' for cell (\S+) has changed! "
                              r"\(should be: \w+, got: (\w+)\)")


class GradingError(RuntimeError):
    """Grading could not run (not a problem of one submission)."""


@dataclass
class Submission:
    student: str
    seed: int
    cases: dict
    results: list[Result] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    score: float = 0.0
    warnings: list[str] = field(default_factory=list)  # nbgrader's, other than the expected ones


def say(message: str) -> None:
    print(f"[grade] {message}", flush=True)


def course_settings(course: Path) -> dict:
    """The course's nbgrader configuration: gradebook URL, course id, per-cell time limit."""
    from_config = {}
    config_file = course / "nbgrader_config.py"
    if config_file.exists():
        config = PyFileConfigLoader(config_file.name, path=str(course)).load_config()
        from_config = {"db_url": config.CourseDirectory.get("db_url"),
                       "course_id": config.CourseDirectory.get("course_id"),
                       "timeout": config.ExecutePreprocessor.get("timeout")}
    return {"db_url": from_config.get("db_url") or f"sqlite:///{course / 'gradebook.db'}",
            "course_id": from_config.get("course_id") or "",
            "timeout": from_config.get("timeout") or 120}


def tool_env(**extra: str) -> dict:
    """This environment, with this Python's scripts first on PATH (nbgrader calls jupyter)."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return dict(os.environ, PATH=path, **extra)


def nbgrader(args: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=tool_env(),
                          capture_output=True, text=True, **kwargs)


def release_notebook(course: Path, name: str, scratch: Path) -> dict:
    """Run generate_assignment (the gradebook learns the source's cells) into scratch; return
    the student version it made."""
    release = scratch / "release"
    result = nbgrader(["generate_assignment", name, "--force", "--log-level=WARN",
                       f"--CourseDirectory.release_directory={release}"], course)
    notebook = release / name / f"{name}.ipynb"
    if result.returncode != 0 or not notebook.exists():
        raise GradingError(f"nbgrader generate_assignment {name} failed:\n{result.stderr[-2000:]}")
    return nbformat.read(notebook, as_version=4)


def grade_cells(release: dict) -> dict[str, float]:
    """{test cell id: points} of a notebook."""
    return {cell["metadata"]["nbgrader"]["grade_id"]: float(cell["metadata"]["nbgrader"]["points"])
            for cell in release["cells"] if cell["metadata"].get("nbgrader", {}).get("grade")}


def job_config(course: Path, job: Path, runtime: Path, timeout: float) -> str:
    """The worker's nbgrader_config.py: the course's, then what the worker changes."""
    own = (course / "nbgrader_config.py")
    text = own.read_text() if own.exists() else "c = get_config()  # noqa: F821\n"
    return text + f"""
# --- cs551.grading.grader: a worker's copy of the course folder ---
c.CourseDirectory.root = {str(job)!r}
c.CourseDirectory.db_url = {f"sqlite:///{job / 'gradebook.db'}"!r}
c.ExecutePreprocessor.timeout = {int(timeout)}
c.Execute.timeout = {int(timeout)}
c.Execute.iopub_timeout = 10  # after a cell's reply, for its last output (4 s fails under load)
c.Execute.kernel_name = {sandbox.KERNEL_NAME!r}  # the sandboxed kernel, never the default one
c.KernelManager.transport = "ipc"  # Unix sockets: the sandbox has no network at all
# one connection file per worker, in its own folder, which the sandbox binds for the sockets
c.KernelManager.connection_file = {str(runtime / "kernel.json")!r}
"""


def deduplicate(notebook: Path) -> None:
    """Keep the nbgrader metadata of only the last of several cells with one grade id.

    What nbgrader's DeduplicateIds means to do; nbgrader 0.9 leaves an empty metadata dict on
    the other copies, which its metadata check then rejects as "an old version of the nbgrader
    metadata format", and that stops the whole autograde run, for every later student too.
    Only the worker's copy is changed; the flag "duplicated cell" tells the instructor."""
    content = json.loads(notebook.read_text())
    seen: set[str] = set()
    changed = False
    for cell in reversed(content.get("cells", [])):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id is None:
            continue
        if grade_id in seen:
            del cell["metadata"]["nbgrader"]
            changed = True
        seen.add(grade_id)
    if changed:
        notebook.write_text(json.dumps(content, indent=1))


def start_job(course: Path, name: str, scratch: Path, tag: str, students: list[str],
              database: Path, timeout: float, unsafe: bool
              ) -> tuple[subprocess.Popen, Path, Path]:
    """A worker: a copy of the course folder with these students' submissions, its own
    gradebook and kernelspec, running nbgrader autograde. Returns (process, log, folder)."""
    job = scratch / f"job{tag}"
    (job / "submitted").mkdir(parents=True)
    (job / "source").symlink_to(course / "source", target_is_directory=True)
    if database.exists():
        shutil.copyfile(database, job / "gradebook.db")
    runtime = scratch / f"rt{tag}"  # short: a Unix socket's path has at most 107 characters
    runtime.mkdir()
    (job / "nbgrader_config.py").write_text(job_config(course, job, runtime, timeout))
    for student in students:
        copy = job / "submitted" / student / name
        shutil.copytree(course / "submitted" / student / name, copy, symlinks=True)
        try:
            deduplicate(copy / f"{name}.ipynb")
        except (ValueError, OSError, TypeError, AttributeError, KeyError):
            pass  # not a notebook nbgrader can read either: its autograde says so
    sandbox.write_kernelspec(job / "jupyter")
    for folder in ("config", "tmp"):
        (job / folder).mkdir()
    env = tool_env(JUPYTER_PATH=str(job / "jupyter"), JUPYTER_RUNTIME_DIR=str(runtime),
                   JUPYTER_CONFIG_DIR=str(job / "config"), TMPDIR=str(job / "tmp"),
                   **{sandbox.WORK: str(scratch)})
    if unsafe:
        env[sandbox.UNSAFE] = "1"
    log = job / "autograde.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "nbgrader", "autograde", name, "--force", "--log-level=INFO"],
        cwd=job, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    return process, log, job


def run_workers(course: Path, name: str, scratch: Path, students: list[str], workers: int,
                database: Path, timeout: float, unsafe: bool) -> dict[str, tuple[str, Path]]:
    """nbgrader autograde over ``workers`` workers: {student: (its log, worker folder)}.

    An error nbgrader does not confine to one notebook ends its whole run; the students it
    had not reached are graded again in a new round, until a round reaches no one."""
    reached: dict[str, tuple[str, Path]] = {}
    remaining, round_ = list(students), 0
    while remaining:
        count = min(workers, len(remaining))
        running = [start_job(course, name, scratch, f"{round_}_{k}", remaining[k::count],
                             database, timeout, unsafe) for k in range(count)]
        logs = []
        for process, log, job in running:
            process.wait()
            logs.append(text := log.read_text(errors="replace"))
            for student, section in log_sections(text, name).items():
                reached[student] = (section, job)
        left = [s for s in remaining if s not in reached]
        if len(left) == len(remaining):
            if not reached:
                raise GradingError(f"nbgrader autograde graded nothing:\n{logs[0][-3000:]}")
            break  # nbgrader stops before these notebooks: reported as not graded
        remaining, round_ = left, round_ + 1
    return reached


def log_sections(log: str, name: str) -> dict[str, str]:
    """nbgrader's log of one worker, split by submission (a worker grades one at a time)."""
    sections: dict[str, list[str]] = {}
    current = None
    marker = re.compile(rf"Sanitizing .*[/\\]submitted[/\\]([^/\\]+)[/\\]{re.escape(name)}[/\\]")
    summary = re.compile(r"There was an error processing assignment '.*' for student|"
                         r"Please see the.*above failures")  # nbgrader's closing summary
    for line in log.splitlines():
        if match := marker.search(line):
            current = match.group(1)
        if current is not None and not summary.search(line):
            sections.setdefault(current, []).append(line)
    return {student: "\n".join(lines) for student, lines in sections.items()}


KNOWN_ERRORS = ("There was an error processing assignment", "Traceback", "Please see the",
                "Timeout waiting for", "Interrupting kernel", "Kernel died", "Error occurred while")


def log_flags(section: str, expected_checksums: set[str]) -> tuple[list[str], list[str]]:
    """(flags, other warnings) from one submission's part of nbgrader's log."""
    flags = []
    if "Timeout waiting for execute reply" in section or "CellTimeoutError" in section:
        flags.append("timeout: a cell ran past the time limit")
    if "Kernel died" in section or "DeadKernelError" in section:
        flags.append("kernel died")
    if "There was an error processing assignment:" in section:
        flags.append("nbgrader's autograde failed on this notebook")
    errors = [line.split("ERROR]", 1)[1].strip() for line in section.splitlines()
              if "ERROR]" in line]
    flags += [f"nbgrader: {error[:100]}" for error in errors
              if error and not error.startswith(KNOWN_ERRORS)][:1]
    warnings = []
    for line in section.splitlines():
        if "WARNING" not in line:
            continue
        checksum = CHECKSUM_WARNING.search(line)
        if checksum and checksum.group(2) in expected_checksums:
            continue  # the release's own test cell: nbgrader #1961, see the summary
        if "is late" in line or "Removing failed" in line:
            continue
        warnings.append(line.split("]", 1)[-1].strip()[:160])
    return flags, warnings


def expected_checksums(release: dict) -> set[str]:
    """nbgrader's checksums of the release's locked cells: what an untouched cell shows."""
    return {compute_checksum(cell) for cell in release["cells"]
            if cell["metadata"].get("nbgrader", {}).get("locked")}


def record_flags(results: list[Result]) -> list[str]:
    flags = []
    for result in results:
        if result.status in FLAGGED:
            flags.append(f"{result.status} record {result.part}: {result.detail}")
        elif "No module named 'cs551" in result.detail:
            flags.append(f"{result.part} used the course library (not importable while grading)")
    return flags


def write_gradebook(settings: dict, name: str, submission: Submission, cells: dict[str, float],
                    timestamp: str | None) -> None:
    """The verdicts as the auto scores of the submission's test cells in the course gradebook."""
    try:
        when = parse_utc(timestamp) if timestamp else None
    except (ValueError, OverflowError):
        when = None
    scores = {f"test_{result.part}": cells[f"test_{result.part}"] if result.right else 0.0
              for result in submission.results}
    with Gradebook(settings["db_url"], settings["course_id"]) as gradebook, \
            warnings.catch_warnings():
        # nbgrader's own autoflush warnings (SQLAlchemy): noise, not about this submission
        warnings.filterwarnings("ignore", message="Object of type")
        gradebook.update_or_create_student(submission.student)
        extra = {"timestamp": when} if when else {}
        record = gradebook.update_or_create_submission(name, submission.student, **extra)
        for notebook in record.notebooks:
            for grade in notebook.grades:
                if grade.name in scores:
                    grade.auto_score = scores[grade.name]
                    grade.needs_manual_grade = False
        gradebook.db.commit()


def grade(name: str, course: Path = COURSE, jobs: int = 1, unsafe: bool = False,
          timeout: float | None = None, keep: bool = False) -> list[Submission]:
    """Grade every submission of ``name`` in ``course``; see the module docstring."""
    if name not in PARTS:
        raise GradingError(f"no graded parts are defined for {name!r} (cs551.grading.parts)")
    parts: tuple[Part, ...] = PARTS[name]
    settings = course_settings(course)
    timeout = timeout or settings["timeout"]
    submitted = course / "submitted"
    students = sorted(p.name for p in submitted.iterdir()
                      if (p / name / f"{name}.ipynb").exists()) if submitted.is_dir() else []
    if not students:
        say(f"{name}: no submissions in {submitted}/*/{name}/")
        return []
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="cs551-"))
    try:
        release = release_notebook(course, name, scratch)
        cells = grade_cells(release)
        if set(cells) != {part.cell for part in parts}:
            raise GradingError(f"{name}'s test cells {sorted(cells)} are not the graded parts "
                               f"{sorted(p.cell for p in parts)} of cs551.grading.parts")
        sandbox.restricted_library(scratch / "library")
        submissions = []
        for student in students:
            seed = secrets.randbits(63)
            inputs, cases = plan(parts, np.random.default_rng(seed))
            folder = scratch / "students" / student
            folder.mkdir(parents=True)
            (folder / "inputs.json").write_text(json.dumps(inputs))
            submissions.append(Submission(student, seed, cases))
        workers = min(max(1, jobs), len(students))
        database = Path(settings["db_url"].removeprefix("sqlite:///"))
        say(f"{name}: {len(students)} submissions, {workers} worker(s), "
            f"{'UNSAFE: no sandbox' if unsafe else 'each kernel in a bubblewrap sandbox'}, "
            f"{timeout:g} s per cell")
        reached = run_workers(course, name, scratch, students, workers, database, timeout,
                              unsafe)
        checksums = expected_checksums(release)
        for submission in submissions:
            student = submission.student
            records = scratch / "students" / student / "records"
            compare_rng = np.random.default_rng([submission.seed, 1])
            submission.results = [judge(part, submission.cases[part.name], records, compare_rng)
                                  for part in parts]
            submission.score = sum(cells[f"test_{r.part}"] for r in submission.results if r.right)
            section, job = reached.get(student, ("", None))
            flags, submission.warnings = log_flags(section, checksums)
            if job is None:
                flags.append("not graded: nbgrader stopped before this notebook")
            notebook_file = submitted / student / name / f"{name}.ipynb"
            try:
                notebook = json.loads(notebook_file.read_text())
                flags += screening.cell_flags(notebook, release)
                flags += screening.code_flags(notebook, release)
            except (ValueError, KeyError, TypeError, AttributeError) as error:
                flags.append(f"notebook unreadable: {error}"[:120])
            submission.flags = record_flags(submission.results) + flags
            stamp = submitted / student / name / "timestamp.txt"
            write_gradebook(settings, name, submission, cells,
                            stamp.read_text().strip() if stamp.exists() else None)
            target = course / "autograded" / student / name
            shutil.rmtree(target, ignore_errors=True)
            graded = job / "autograded" / student / name if job else None
            if graded and graded.is_dir():
                shutil.copytree(graded, target, symlinks=True)
        elapsed = time.perf_counter() - started
        report(course, name, submissions, cells, unsafe, elapsed)
        (course / "grading" / f"{name}-autograde.log").write_text("".join(
            f"===== {s.student}\n{reached.get(s.student, ('(not reached)', None))[0]}\n"
            for s in submissions))
        return submissions
    finally:
        if keep:
            say(f"scratch folder kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def report(course: Path, name: str, submissions: list[Submission], cells: dict[str, float],
           unsafe: bool, elapsed: float) -> None:
    """grading/NAME.csv and grading/NAME-summary.txt (printed)."""
    folder = course / "grading"
    folder.mkdir(exist_ok=True)
    total = sum(cells.values())
    with open(folder / f"{name}.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["student", "score", "max_score", *cells, "statuses", "flags", "seed"])
        for s in submissions:
            by_cell = {f"test_{r.part}": (cells[f"test_{r.part}"] if r.right else 0.0)
                       for r in s.results}
            statuses = "; ".join(f"{r.part}: {r.status}" + (f" ({r.detail})" if r.detail else "")
                                 for r in s.results)
            writer.writerow([s.student, f"{s.score:g}", f"{total:g}",
                             *(f"{by_cell[c]:g}" for c in cells), statuses,
                             "; ".join(s.flags), s.seed])
    scores = [s.score for s in submissions]
    flagged = [s for s in submissions if s.flags]
    lines = [
        f"{name}: {len(submissions)} submissions graded in {elapsed:.0f} s "
        f"({60 * len(submissions) / max(elapsed, 1e-9):.1f} per minute), "
        + ("UNSAFE: kernels ran without a sandbox" if unsafe
           else "kernels in bubblewrap sandboxes"),
        f"scores out of {total:g}: mean {np.mean(scores):.2f}, full marks {scores.count(total)}, "
        f"zero {scores.count(0.0)}",
        f"flagged: {len(flagged)}" + (" (look at these notebooks)" if flagged else ""),
        *(f"  {s.student}: {s.score:g}/{total:g}: {'; '.join(s.flags)}" for s in flagged),
    ]
    warned = [s for s in submissions if s.warnings]
    if warned:
        lines.append("nbgrader's other warnings:")
        lines += [f"  {s.student}: {w}" for s in warned for w in s.warnings]
    lines += [
        "nbgrader's warning \"Attribute 'checksum' for cell test_... has changed\" is left out: "
        "every",
        "submission shows it (the release's test cells lack the hidden tests, nbgrader #1961); "
        "locked cells",
        "are compared with the release instead (flag \"edited locked cell\").",
        f"report: {folder / f'{name}.csv'}",
    ]
    text = "\n".join(lines) + "\n"
    (folder / f"{name}-summary.txt").write_text(text)
    print(text, end="", flush=True)


def command_line(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 course.py grade",
        description="Autograde every collected submission (assignments/submitted/<student>/NAME/) "
                    "with each kernel in a sandbox and the verdicts reached outside it.")
    parser.add_argument("names", nargs="+", metavar="NAME", help="assignment, e.g. 01_momentum")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks graded at once (default 1)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds per cell (default: nbgrader_config.py's, 120)")
    parser.add_argument("--unsafe", action="store_true",
                        help="grade without a sandbox where none is available (kernels can then "
                             "read the course folder and the network)")
    parser.add_argument("--course", type=Path, default=COURSE, help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    if Gradebook is None:
        say("nbgrader is not installed: python3 course.py grade installs it (Python >= 3.11)")
        return 1
    reason = sandbox.unavailable()
    if reason and not args.unsafe:
        say(f"refusing to grade: no sandbox for the students' kernels: {reason}. Without it a "
            "notebook can read the solutions and the gradebook; pass --unsafe to grade anyway.")
        return 2
    if reason:
        say(f"--unsafe: grading without a sandbox ({reason})")
    course = args.course.resolve()
    try:
        for name in args.names:
            grade(name, course, args.jobs, unsafe=bool(reason),
                  timeout=args.timeout, keep=args.keep)
    except GradingError as error:
        say(f"grading failed: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(command_line())
