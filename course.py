#!/usr/bin/env python3
"""Set up the course in a local virtual environment (.venv), then open or test it.

    python3 course.py lab       # open the course in JupyterLab
    python3 course.py test      # run every test: unit tests and strict nbval over the notebooks
    python3 course.py execute   # re-execute the notebooks in place after editing them

Needs only Python >= 3.10 with pip. The first run creates .venv and installs the
package with its development extras; later runs reinstall only when
pyproject.toml has changed. Extra arguments go to the tool: e.g.
``python3 course.py test -k momentum`` or ``python3 course.py lab --no-browser``.
"""

from __future__ import annotations

import hashlib
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


def run(command: list[str]) -> None:
    subprocess.run(command, cwd=ROOT, check=True)


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


def ensure_environment() -> None:
    """Create .venv if missing; (re)install the course when pyproject.toml changed."""
    if sys.version_info < (3, 10):  # noqa: UP036 -- this script must explain, not crash
        sys.exit(f"[course] Python >= 3.10 is needed, this is {sys.version.split()[0]}: "
                 "install a newer Python 3 and run this command with it")
    if not PYTHON.exists():
        create_venv()
    fingerprint = install_fingerprint()
    if STAMP.exists() and STAMP.read_text() == fingerprint:
        return
    say("installing the course and its dependencies into .venv (the first time takes a minute)")
    run([*pip(), "install", "--disable-pip-version-check", "--quiet", "-e", ".[dev]"])
    STAMP.write_text(fingerprint)


def main(argv: list[str]) -> int:
    commands = {
        "lab": [str(BIN / "jupyter"), "lab", FIRST_NOTEBOOK],
        "test": [str(PYTHON), "-m", "pytest"],
        "execute": [str(PYTHON), "-m", "cs551.execute"],
    }
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    ensure_environment()
    command = commands[argv[0]] + argv[1:]
    say(" ".join(Path(command[0]).name if i == 0 else part for i, part in enumerate(command)))
    return subprocess.run(command, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
