#!/usr/bin/env python3
"""Set up the course in a local virtual environment (.venv), then open or test it.

    python3 course.py lab       # open the course in JupyterLab
    python3 course.py test      # run every test: unit tests, strict nbval over the notebooks,
                                # the autograder round trip and the browser test
    python3 course.py execute   # re-execute notebooks in place after editing them
    python3 course.py release   # regenerate the student versions of the graded assignments

Needs only Python >= 3.10 with pip. The first run creates .venv and installs the
package with its development extras (``test`` and ``release`` add the instructor
extra: nbgrader, which needs Python >= 3.11); later runs reinstall only when
pyproject.toml has changed. Extra arguments go to the tool: e.g.
``python3 course.py test -k momentum`` or ``python3 course.py lab --no-browser``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / "cs551-installed.txt"
FIRST_NOTEBOOK = "notebooks/00_welcome.ipynb"


def say(message: str) -> None:
    print(f"[course] {message}", flush=True)


def venv_env() -> dict:
    """This environment with .venv activated: tools such as nbgrader call others by name."""
    return dict(os.environ, VIRTUAL_ENV=str(VENV),
                PATH=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]))


def run(command: list[str], cwd: Path = ROOT) -> None:
    subprocess.run(command, cwd=cwd, check=True, env=venv_env())


def create_venv() -> None:
    say(f"creating {VENV.name} with Python {sys.version.split()[0]}")
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    except subprocess.CalledProcessError:
        # Debian and Ubuntu ship venv without ensurepip unless python3-venv is installed:
        # make the environment without pip and let this interpreter's pip install into it.
        say("venv without pip (no ensurepip here); using this Python's pip to install into it")
        run([sys.executable, "-m", "venv", "--clear", "--without-pip", str(VENV)])


def pip() -> list[str]:
    has_pip = subprocess.run([str(PYTHON), "-m", "pip", "--version"], capture_output=True)
    if has_pip.returncode == 0:
        return [str(PYTHON), "-m", "pip"]
    return [sys.executable, "-m", "pip", "--python", str(PYTHON)]


def install_fingerprint() -> str:
    pyproject = (ROOT / "pyproject.toml").read_bytes()
    return hashlib.sha256(pyproject + sys.version.encode()).hexdigest()


def ensure_environment(extras: list[str]) -> None:
    """Create .venv if missing; (re)install the course when pyproject.toml or the extras changed."""
    if sys.version_info < (3, 10):  # noqa: UP036 -- this script must explain, not crash
        sys.exit(f"[course] Python >= 3.10 is needed, this is {sys.version.split()[0]}: "
                 "install a newer Python 3 and run this command with it")
    if not PYTHON.exists():
        create_venv()
    fingerprint = install_fingerprint()
    try:
        installed = json.loads(STAMP.read_text())
    except (OSError, ValueError):  # no stamp yet, or one from an older course.py
        installed = {}
    if installed.get("fingerprint") == fingerprint and set(extras) <= set(installed["extras"]):
        return
    extras = sorted(set(extras) | set(installed.get("extras", [])))
    say("installing the course and its dependencies into .venv (the first time takes a minute)")
    run([*pip(), "install", "--disable-pip-version-check", "--quiet", "-e",
         f".[{','.join(extras)}]"])
    if "instructor" in extras and (BIN / "nbgrader").exists():
        # nbgrader brings JupyterLab panels for instructors; students don't need them here.
        # An instructor turns them on with: .venv/bin/jupyter labextension enable @jupyter/nbgrader
        run([str(BIN / "jupyter"), "labextension", "disable", "--level=sys_prefix",
             "@jupyter/nbgrader"])
    STAMP.write_text(json.dumps({"fingerprint": fingerprint, "extras": extras}))


def release(args: list[str]) -> int:
    """Regenerate assignments/release/ from assignments/source/ with nbgrader."""
    assignments = ROOT / "assignments"
    names = args or sorted(p.name for p in (assignments / "source").iterdir() if p.is_dir())
    for name in names:
        say(f"nbgrader generate_assignment {name}")
        run([str(BIN / "nbgrader"), "generate_assignment", name, "--force", "--log-level=WARN"],
            cwd=assignments)
    return 0


def main(argv: list[str]) -> int:
    commands = {  # name -> (extras to install, command)
        "lab": (["dev"], [str(BIN / "jupyter"), "lab", FIRST_NOTEBOOK]),
        "test": (["dev", "instructor"], [str(PYTHON), "-m", "pytest"]),
        "execute": (["dev"], [str(PYTHON), "-m", "cs551.execute"]),
        "release": (["dev", "instructor"], None),
    }
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    extras, command = commands[argv[0]]
    ensure_environment(extras)
    if command is None:
        return release(argv[1:])
    command = command + argv[1:]
    say(" ".join(Path(command[0]).name if i == 0 else part for i, part in enumerate(command)))
    return subprocess.run(command, cwd=ROOT, env=venv_env()).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
