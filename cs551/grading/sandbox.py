"""The graded kernel's sandbox: bubblewrap on Linux, one fresh sandbox per submission.

``python3 course.py grade`` (``cs551.grading.grader``) runs nbgrader's autograde with a
kernelspec whose command is this file, run as a script:

    python -I .../cs551/grading/sandbox.py CONNECTION_FILE [ipykernel arguments]

It finds the submission it is about to run from its working directory (nbgrader's
``autograded/<student>/<assignment>``), copies that folder to a fresh place, and replaces
itself (``exec``) with ``bwrap`` running ipykernel inside a sandbox that holds:

- read-only: the system's ``/usr`` (and ``/lib*``, ``/bin``, ``/sbin``), the Python
  installation and the virtual environment; in place of the course library, a copy holding
  only the recorder (``cs551.grading.record`` and ``plain``): the reference implementations
  the assignments ask students to write cannot be imported;
- read-only: ``/grading/inputs.json``, the inputs the grader drew for this submission;
- writable: ``/submission`` (the copy, the working directory), ``/grading/records`` (where the
  recorder writes), the folder of the kernel's sockets, a private ``/tmp``;
- nothing else: no course folder (``source/``, the gradebook, other submissions), no home
  folder, no ``/etc``; no network at all (``--unshare-net``: the kernel talks to nbgrader
  over Unix sockets, ZeroMQ's ``ipc`` transport, which nbgrader's kernel manager is set to);
  own user, PID, IPC, UTS and cgroup namespaces, no capabilities; a process the notebook leaves
  behind dies with the kernel (PID namespace), and the sandbox dies with nbgrader.

``--unsafe`` (``CS551_GRADING_UNSAFE=1``) runs ipykernel directly instead, for machines without
bubblewrap: the verdicts are still reached outside the kernel, but the kernel can read
everything the instructor can.

The grader also imports this module (``unavailable``, ``write_kernelspec``,
``restricted_library``); it imports only the standard library, so that starting a kernel
costs no more than a Python start-up.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "cs551-sandbox"
WORK = "CS551_GRADING_WORK"  # the grader's scratch folder (set for nbgrader's process)
UNSAFE = "CS551_GRADING_UNSAFE"
PACKAGE = Path(__file__).resolve().parent.parent  # the course library, cs551/
INSIDE_INPUTS, INSIDE_RECORDS = "/grading/inputs.json", "/grading/records"
INSIDE_HOME = "/submission"
# what the kernel may import of the course library: the recorder and its plain-data codec
RECORDER_FILES = ("grading/plain.py", "grading/record.py")
STUB = '"""cs551 inside the grading sandbox: only the recorder ({}), not the course library."""\n'


def unavailable() -> str | None:
    """Why this machine cannot run the sandbox, or None if it can (checked by running it)."""
    if not sys.platform.startswith("linux"):
        return (f"the sandbox needs Linux namespaces (bubblewrap); this is {sys.platform}: grade "
                "on Linux, in a Linux container or VM")
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (Debian/Ubuntu: sudo apt-get install bubblewrap)"
    with tempfile.TemporaryDirectory(prefix="cs551-probe-") as scratch:
        folders = {name: Path(scratch, name) for name in ("home", "records", "runtime", "lib")}
        for folder in folders.values():
            folder.mkdir()
        inputs = Path(scratch, "inputs.json")
        inputs.write_text("{}")
        restricted_library(folders["lib"])
        command = sandbox_command(
            [sys.executable, "-c", "import cs551.grading.record, numpy, sympy; print('ok')"],
            home=folders["home"], inputs=inputs, records=folders["records"],
            runtime=folders["runtime"], library=folders["lib"] / "cs551")
        try:
            probe = subprocess.run(command, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"bwrap did not run: {error}"
    if probe.returncode != 0 or probe.stdout.strip() != "ok":
        return ("bwrap cannot build the sandbox here (user namespaces disabled? in Docker, "
                f"run the container with --privileged or a seccomp profile that allows them): "
                f"{(probe.stderr or probe.stdout).strip()[-300:]}")
    return None


def restricted_library(folder: Path) -> Path:
    """Write the course library as the sandbox sees it into ``folder``: cs551/ with only the
    recorder's modules, and stub ``__init__`` files. Returns the package folder."""
    package = Path(folder) / "cs551"
    (package / "grading").mkdir(parents=True, exist_ok=True)
    names = ", ".join(f"cs551.{f[:-3].replace('/', '.')}" for f in RECORDER_FILES)
    (package / "__init__.py").write_text(STUB.format(names))
    (package / "grading" / "__init__.py").write_text(STUB.format(names))
    for relative in RECORDER_FILES:
        shutil.copyfile(PACKAGE / relative, package / relative)
    return package


def write_kernelspec(folder: Path) -> None:
    """``folder``/kernels/cs551-sandbox/kernel.json: ipykernel started through this launcher.

    Interrupts are messages, not signals: a SIGINT would reach bwrap, not the kernel."""
    spec = Path(folder) / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-I", str(Path(__file__).resolve()), "{connection_file}"],
        "display_name": "Python 3 (cs551 grading sandbox)", "language": "python",
        "interrupt_mode": "message", "metadata": {"debugger": False}}, indent=1))


def _system_binds() -> list[str]:
    """/usr read-only; /lib, /lib64, /bin, /sbin as they are here (links into /usr, or folders)."""
    binds = ["--ro-bind", "/usr", "/usr"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        path = Path(name)
        if path.is_symlink():
            binds += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            binds += ["--ro-bind", name, name]
    return binds


def _python_roots() -> list[str]:
    """The Python installation and the environment, outermost first, outside /usr."""
    roots = {Path(p).resolve() for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)}
    roots.add(Path(sys.executable).resolve().parent.parent)
    kept = []
    for root in sorted(roots, key=lambda p: len(p.parts)):
        if root == Path("/") or root == Path("/usr") or Path("/usr") in root.parents:
            continue
        if not any(k in root.parents or k == root for k in kept):
            kept.append(root)
    return [str(p) for p in kept]


def sandbox_command(command: list[str], *, home: Path, inputs: Path, records: Path,
                    runtime: Path, library: Path, environment: dict | None = None) -> list[str]:
    """``command`` wrapped in bwrap, with the binds listed in the module docstring.

    ``library`` is the restricted cs551/ package (``restricted_library``), mounted where the
    real one is, so that every way of importing cs551 finds the restricted copy."""
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": "/tmp",
           "USER": "student", "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "IPYTHONDIR": "/tmp/ipython",
           "MPLCONFIGDIR": "/tmp/matplotlib", "PYTHONDONTWRITEBYTECODE": "1",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "CS551_GRADING_INPUTS": INSIDE_INPUTS, "CS551_GRADING_RECORDS": INSIDE_RECORDS,
           **(environment or {})}
    # in this order: a later mount hides what an earlier one put below its path
    binds = ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", *_system_binds()]
    for root in _python_roots():
        binds += ["--ro-bind", root, root]
    binds += ["--ro-bind", str(library), str(PACKAGE),
              "--bind", str(runtime), str(runtime),
              "--bind", str(home), INSIDE_HOME,
              "--ro-bind", str(inputs), INSIDE_INPUTS,
              "--bind", str(records), INSIDE_RECORDS,
              "--remount-ro", "/"]
    settings = [arg for name, value in env.items() for arg in ("--setenv", name, str(value))]
    return ["bwrap", "--unshare-all", "--die-with-parent", "--cap-drop", "ALL",
            "--uid", "1000", "--gid", "1000", "--hostname", "grading", *binds,
            "--chdir", INSIDE_HOME, "--clearenv", *settings, "--", *command]


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process (and so bwrap, after exec) if nbgrader dies."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        pass


def launch(argv: list[str]) -> None:
    """The kernelspec's command: set up this submission's sandbox and exec the kernel in it."""
    connection_file, kernel_args = Path(argv[0]).resolve(), argv[1:]
    work = Path(os.environ[WORK]).resolve()
    submission = Path.cwd()  # nbgrader's autograded/<student>/<assignment>
    runtime = connection_file.parent  # the worker's own socket folder (grader.job_config)
    if (submission.parent.parent.name != "autograded" or work not in runtime.parents
            or not runtime.name.startswith("rt")):
        sys.exit(f"cs551 sandbox: unexpected layout (working directory {submission}, "
                 f"connection file {connection_file}, grader folder {work}): not starting")
    mine = work / "students" / submission.parent.name
    home, records = mine / "home", mine / "records"
    for folder in (home, records):
        shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(submission, home, symlinks=True)
    records.mkdir()
    for leftover in runtime.iterdir():  # what an earlier kernel of this worker left there
        if leftover != connection_file:
            shutil.rmtree(leftover) if leftover.is_dir() and not leftover.is_symlink() \
                else leftover.unlink(missing_ok=True)
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", str(connection_file),
              *kernel_args]
    passed = {k: os.environ[k] for k in ("NBGRADER_EXECUTION",) if k in os.environ}
    if os.environ.get(UNSAFE):
        os.chdir(home)
        os.environ.update({"CS551_GRADING_INPUTS": str(mine / "inputs.json"),
                           "CS551_GRADING_RECORDS": str(records),
                           "PYTHONPATH": str(work / "library"), "OPENBLAS_NUM_THREADS": "1"})
        os.execv(sys.executable, kernel)
    command = sandbox_command(kernel, home=home, inputs=mine / "inputs.json", records=records,
                              runtime=runtime, library=work / "library" / "cs551",
                              environment=passed)
    _die_with_parent()
    os.execvp(command[0], command)


if __name__ == "__main__":
    launch(sys.argv[1:])
