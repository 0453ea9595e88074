#!/usr/bin/env python3
"""Set up the course in a local virtual environment (.venv), then open or test it.

    python3 course.py lab       # open the course in JupyterLab
    python3 course.py test      # run every test: unit tests, strict nbval over the notebooks,
                                # the autograder round trip and the browser test
    python3 course.py test --portable   # the same and, beside it, strict nbval over the
                                # notebooks again with numpy's SIMD and OpenBLAS held to generic
                                # kernels, then every test in .venv-lowest at the lowest
                                # declared versions (what CI runs)
    python3 course.py execute   # re-execute notebooks in place after editing them
    python3 course.py release   # regenerate the student versions of the graded assignments
    python3 course.py grade NAME [--jobs N] [--unsafe]   # autograde the collected submissions,
                                # each kernel in a sandbox (bubblewrap), the verdicts outside it
    python3 course.py site      # build the course's website from the stored notebooks into
                                # build/site/ (static HTML: open build/site/index.html)
    python3 course.py badges    # rewrite the Binder badges from pyproject.toml's Repository

Needs only Python >= 3.10 with pip. The first run creates .venv and installs the
package with its development extras (``test`` and ``release`` add the instructor
extra, nbgrader; ``test`` and ``site`` the site extra, Sphinx; both need Python >= 3.11);
later runs reinstall only when pyproject.toml has changed. Extra arguments go to the tool: e.g.
``python3 course.py test -k momentum`` or ``python3 course.py lab --no-browser``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOWEST = ROOT / ".venv-lowest"  # the lowest declared versions, for `test --portable`


def bin_dir(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def python_in(venv: Path) -> Path:
    return bin_dir(venv) / ("python.exe" if os.name == "nt" else "python")


BIN = bin_dir(VENV)
PYTHON = python_in(VENV)
FIRST_NOTEBOOK = "notebooks/00_welcome.ipynb"
NOTEBOOK_TESTS = ["notebooks", "assignments/source"]  # what strict nbval checks


def say(message: str) -> None:
    print(f"[course] {message}", flush=True)


def shown(command: list[str]) -> str:
    """A command as the user would type it: the program's name, then its arguments."""
    return " ".join([Path(command[0]).name, *command[1:]])


def venv_env(venv: Path = VENV, **extra: str) -> dict:
    """This environment with ``venv`` activated: tools such as nbgrader call others by name."""
    return dict(os.environ, VIRTUAL_ENV=str(venv),
                PATH=os.pathsep.join([str(bin_dir(venv)), os.environ.get("PATH", "")]), **extra)


def run(command: list[str], cwd: Path = ROOT, venv: Path = VENV, output=None) -> None:
    """Run ``command`` in ``venv``; its output to ``output`` (a file) if given."""
    subprocess.run(command, cwd=cwd, check=True, env=venv_env(venv), stdout=output,
                   stderr=None if output is None else subprocess.STDOUT)


def create_venv(venv: Path) -> None:
    say(f"creating {venv.name} with Python {sys.version.split()[0]}")
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    except subprocess.CalledProcessError:
        # Debian and Ubuntu ship venv without ensurepip unless python3-venv is installed:
        # make the environment without pip and let this interpreter's pip install into it.
        say("venv without pip (no ensurepip here); using this Python's pip to install into it")
        run([sys.executable, "-m", "venv", "--clear", "--without-pip", str(venv)])


def pip(venv: Path) -> list[str]:
    python = python_in(venv)
    has_pip = subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True)
    if has_pip.returncode == 0:
        return [str(python), "-m", "pip"]
    return [sys.executable, "-m", "pip", "--python", str(python)]


def install_fingerprint() -> str:
    pyproject = (ROOT / "pyproject.toml").read_bytes()
    return hashlib.sha256(pyproject + sys.version.encode()).hexdigest()


def lowest_constraints() -> list[str]:
    """pyproject.toml's dependencies with each lower bound made exact: numpy>=1.24 -> numpy==1.24.

    Every dependency of the package and of its extras, markers kept. The course
    promises its stored outputs for every version from these up.
    """
    project = pyproject()["project"]
    declared = project["dependencies"] + [
        requirement for extra in project["optional-dependencies"].values()
        for requirement in extra]
    return [requirement.replace(">=", "==", 1) for requirement in declared]


def ensure_environment(extras: list[str], venv: Path = VENV, lowest: bool = False,
                       output=None) -> None:
    """Create ``venv`` if missing; (re)install the course when pyproject.toml or the extras changed.

    ``lowest``: every dependency at its lowest declared version (``lowest_constraints``).
    ``output``: a file for pip's output (else the terminal).
    """
    if sys.version_info < (3, 10):  # noqa: UP036 -- this script must explain, not crash
        sys.exit(f"[course] Python >= 3.10 is needed, this is {sys.version.split()[0]}: "
                 "install a newer Python 3 and run this command with it")
    if not python_in(venv).exists():
        create_venv(venv)
    stamp = venv / "cs551-installed.txt"
    fingerprint = install_fingerprint()
    try:
        installed = json.loads(stamp.read_text())
    except (OSError, ValueError):  # no stamp yet, or one from an older course.py
        installed = {}
    if installed.get("fingerprint") == fingerprint and set(extras) <= set(installed["extras"]):
        return
    extras = sorted(set(extras) | set(installed.get("extras", [])))
    options = []
    if lowest:
        constraints = venv / "constraints.txt"
        constraints.write_text("\n".join(lowest_constraints()) + "\n")
        # wheels only: a lowest version that would have to be compiled on this Python
        # fails at once instead of building for minutes
        options = ["--constraint", str(constraints), "--only-binary", ":all:"]
        say(f"installing the lowest declared versions into {venv.name} ({constraints.name})")
    else:
        say(f"installing the course and its dependencies into {venv.name} "
            "(the first time takes a minute)")
    run([*pip(venv), "install", "--disable-pip-version-check", "--quiet", *options, "-e",
         f".[{','.join(extras)}]"], venv=venv, output=output)
    if "instructor" in extras and (bin_dir(venv) / "nbgrader").exists():
        # nbgrader brings JupyterLab panels for instructors; students don't need them here.
        # An instructor turns them on with: .venv/bin/jupyter labextension enable @jupyter/nbgrader
        run([str(bin_dir(venv) / "jupyter"), "labextension", "disable", "--level=sys_prefix",
             "@jupyter/nbgrader"], venv=venv, output=output)
    stamp.write_text(json.dumps({"fingerprint": fingerprint, "extras": extras}))


def release(args: list[str]) -> int:
    """Regenerate assignments/release/ from assignments/source/ with nbgrader."""
    assignments = ROOT / "assignments"
    names = args or sorted(p.name for p in (assignments / "source").iterdir() if p.is_dir())
    for name in names:
        say(f"nbgrader generate_assignment {name}")
        run([str(BIN / "nbgrader"), "generate_assignment", name, "--force", "--log-level=WARN"],
            cwd=assignments)
    return 0


def pyproject() -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: pip carries a TOML reader
        from pip._vendor import tomli as tomllib
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def binder_url(notebook: str) -> str:
    """Binder's address that opens ``notebook`` (a path in the repository) in JupyterLab,
    built from pyproject.toml's ``[project.urls] Repository`` (a GitHub address)."""
    repository = pyproject()["project"]["urls"]["Repository"].removesuffix("/")
    slug = repository.removeprefix("https://github.com/")
    return f"https://mybinder.org/v2/gh/{slug}/HEAD?labpath={notebook}"


BADGE = re.compile(r"^\[!\[launch on Binder\]\((?P<image>[^)]*)\)\]\((?P<url>[^)]*)\)$", re.M)


def badge(notebook: str, image: str) -> str:
    """The launch badge (a local SVG: nothing is fetched from the network to show it)."""
    return f"[![launch on Binder]({image})]({binder_url(notebook)})"


def with_badge(text: str, line: str) -> str:
    """``text`` with its badge line replaced by ``line``, or ``line`` put below its title."""
    if BADGE.search(text):
        return BADGE.sub(lambda _: line, text, count=1)
    title, _, rest = text.partition("\n")
    return f"{title}\n\n{line}\n{rest}"


def badges(args: list[str]) -> int:
    """Write the Binder badge below the title of every notebook and atop the README."""
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        first = notebook["cells"][0]
        line = badge(f"notebooks/{path.name}", "launch-binder.svg")
        first["source"] = with_badge("".join(first["source"]), line).splitlines(keepends=True)
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    readme = ROOT / "README.md"
    line = badge(FIRST_NOTEBOOK, "notebooks/launch-binder.svg")
    readme.write_text(with_badge(readme.read_text(encoding="utf-8"), line), encoding="utf-8")
    say(f"Binder badges point to {binder_url('...')}")
    return 0


SITE = ROOT / "build" / "site"  # the website: static HTML, opens from disk or any static host


def site(args: list[str], out: Path = SITE) -> int:
    """Build the course's website from the stored notebooks, without executing them.

    Stages ``site/`` (Sphinx's configuration and the contents page), ``notebooks/`` and the
    assignments' student versions (``assignments/release/``) in ``out``-src/, then runs
    Sphinx (myst-nb, sphinx-book-theme) into ``out``; a broken link or reference fails.
    """
    staging = out.with_name(out.name + "-src")
    shutil.rmtree(staging, ignore_errors=True)
    skip = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    shutil.copytree(ROOT / "site", staging, ignore=skip)
    shutil.copytree(ROOT / "notebooks", staging / "notebooks", ignore=skip)
    for notebook in sorted((ROOT / "assignments" / "release").glob("*/*.ipynb")):
        target = staging / notebook.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(notebook, target)
    shutil.rmtree(out, ignore_errors=True)
    command = [str(BIN / "sphinx-build"), "-b", "html", "-q", "-W", "--keep-going", *args,
               str(staging), str(out)]
    say(shown(command))
    code = subprocess.run(command, cwd=ROOT, env=venv_env()).returncode
    if code == 0:
        say(f"the website is in {out}: open {out / 'index.html'}")
    return code


# --- test --portable: the stored outputs in other floating-point environments ---------------

# Run in an environment's Python: its numpy's SIMD dispatch and its BLAS, as JSON.
PROBE = """
import json, platform, numpy, threadpoolctl
try:
    from numpy._core import _multiarray_umath as simd
except ImportError:  # numpy < 2
    from numpy.core import _multiarray_umath as simd
dispatch = list(simd.__cpu_dispatch__)
blas = [lib.get("architecture") for lib in threadpoolctl.threadpool_info()
        if lib.get("user_api") == "blas"]
print(json.dumps({"numpy": numpy.__version__, "machine": platform.machine(),
                  "dispatch": dispatch, "found": [f for f in dispatch if simd.__cpu_features__[f]],
                  "baseline": list(simd.__cpu_baseline__), "blas": blas}))
"""


def probe(venv: Path, env: dict) -> dict:
    result = subprocess.run([str(python_in(venv)), "-c", PROBE], cwd=ROOT, env=env,
                            check=True, capture_output=True, text=True)
    return json.loads(result.stdout)


def generic_kernels_env() -> dict:
    """.venv's environment with numpy's SIMD dispatch held to its baseline and OpenBLAS's
    generic kernels, checked to have taken effect (numpy.show_runtime, threadpoolctl)."""
    native = probe(VENV, venv_env())
    core = "ARMV8" if native["machine"].lower() in ("arm64", "aarch64") else "Prescott"
    env = venv_env(NPY_DISABLE_CPU_FEATURES=" ".join(native["dispatch"]), OPENBLAS_CORETYPE=core)
    held = probe(VENV, env)
    if held["found"]:
        sys.exit(f"[course] numpy still dispatches to {held['found']}")
    if native["blas"] and held["blas"] == native["blas"] and native["blas"] != [core]:
        sys.exit(f"[course] OPENBLAS_CORETYPE={core} did not change the BLAS kernels")
    say(f"generic kernels: numpy {held['numpy']} SIMD baseline {held['baseline']} only "
        f"(not {native['found']}); OpenBLAS {native['blas']} -> {held['blas']}")
    return env


class Background(threading.Thread):
    """A function run in a thread; ``result()`` waits for it and returns its value (or raises
    its exception)."""

    def __init__(self, function):
        super().__init__(daemon=True)
        self.function, self.value, self.error = function, None, None
        self.start()

    def run(self) -> None:
        try:
            self.value = self.function()
        except BaseException as error:  # noqa: BLE001 -- handed to result()
            self.error = error

    def result(self):
        self.join()
        if self.error is not None:
            raise self.error
        return self.value


def verdict(code: int) -> str:
    return "passed" if code == 0 else f"FAILED (exit {code})"


def portable() -> int:
    """Strict nbval again in two more floating-point environments, one after the other, meant
    to run beside the main suite (most of a test run waits for one kernel: a second run takes
    the second core): .venv with generic kernels, while .venv-lowest installs, then
    .venv-lowest with every lowest declared version, where the unit tests run too. Prints
    their logs; returns the number of environments that failed."""
    LOWEST.mkdir(exist_ok=True)
    # after .venv's install: two editable installs at once would both write cs551.egg-info;
    # pip's output to a log, not into the main suite's
    install_log = LOWEST / "install.log"

    def install() -> None:
        with install_log.open("w") as output:
            ensure_environment(["dev", "instructor"], LOWEST, lowest=True, output=output)

    installing = Background(install)
    runs: list[tuple[str, int, Path]] = []

    def run_logged(name: str, command: list[str], env: dict) -> None:
        log = LOWEST / f"{name.replace(' ', '-')}.log"
        say(f"{name}: {shown(command)} (output in {log.relative_to(ROOT)})")
        with log.open("w") as out:
            code = subprocess.run(command, cwd=ROOT, env=env, stdout=out,
                                  stderr=subprocess.STDOUT).returncode
        say(f"{name}: {verdict(code)}, its log follows the main suite's output")
        runs.append((name, code, log))

    run_logged("generic kernels", [str(PYTHON), "-m", "pytest", "-q", *NOTEBOOK_TESTS],
               generic_kernels_env())
    failed = 0
    try:
        installing.result()
    except subprocess.CalledProcessError:
        print(install_log.read_text(), end="", flush=True)
        say(f"the lowest declared versions do not install on Python {sys.version.split()[0]}; "
            "CI checks them on the Python it uses (3.11)")
        failed += 1
    else:
        lowest = probe(LOWEST, venv_env(LOWEST))
        say(f"lowest versions: numpy {lowest['numpy']} SIMD {lowest['found']}, "
            f"OpenBLAS {lowest['blas']} ({LOWEST.name}/constraints.txt)")
        # the attack catalogue tests the grader's logic, once, in .venv; the nbgrader round
        # trip (tests/test_assignments.py) still runs here, at nbgrader's lowest version
        run_logged("lowest versions", [str(python_in(LOWEST)), "-m", "pytest", "-q", "-m",
                                       "not browser", "--ignore=tests/test_grading_attacks.py",
                                       "tests", *NOTEBOOK_TESTS], venv_env(LOWEST))
    for name, code, log in runs:
        print(log.read_text(), end="", flush=True)
        say(f"{name}: {verdict(code)}")
        failed += code != 0
    return failed


def main(argv: list[str]) -> int:
    commands = {  # name -> (extras to install, command)
        "lab": (["dev"], [str(BIN / "jupyter"), "lab", FIRST_NOTEBOOK]),
        "test": (["dev", "instructor", "site"], [str(PYTHON), "-m", "pytest"]),
        "execute": (["dev"], [str(PYTHON), "-m", "cs551.execute"]),
        "release": (["dev", "instructor"], None),
        "grade": (["dev", "instructor"], [str(PYTHON), "-m", "cs551.grading.grader"]),
        "site": (["site"], None),
    }
    if argv[:1] == ["badges"]:  # edits text files only: no environment needed
        return badges(argv[1:])
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    extras, command = commands[argv[0]]
    ensure_environment(extras)
    if command is None:
        return {"release": release, "site": site}[argv[0]](argv[1:])
    arguments = [a for a in argv[1:] if a != "--portable"]
    portable_too = argv[0] == "test" and "--portable" in argv[1:]
    command = command + arguments
    say(shown(command))
    if not portable_too:
        return subprocess.run(command, cwd=ROOT, env=venv_env()).returncode
    other = Background(portable)  # the other environments, beside the main suite
    code = subprocess.run(command, cwd=ROOT, env=venv_env()).returncode
    say(f"main suite: {verdict(code)}; waiting for the other environments")
    return max(code, other.result())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
