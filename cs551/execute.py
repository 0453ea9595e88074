"""Re-execute notebooks in place, deterministically.

    python -m cs551.execute                       # every notebook in notebooks/
    python -m cs551.execute notebooks/00_welcome.ipynb

Each notebook runs top to bottom in a fresh kernel of *this* Python environment,
with the same environment variables as the test run (``KERNEL_ENV``). What it
stores is what strict nbval compares against: no timing metadata
(``record_timing=False``) and no saved widget state: ``metadata.widgets`` is
dropped (it is large and changes on every run), and so are the widget views in
the outputs, which would point at models that no longer exist. A widget's
output keeps its ``text/plain`` line until the student runs the cell. Consecutive
stream outputs of one cell (one per ``print`` on a slow machine, one for all of them
on a fast one) are stored merged, so the stored bytes do not depend on timing.

nbclient can hang when a plot is captured into an Output widget
(jupyter/nbclient#312); the course's widgets never use one, and
``widget_registry = {}`` switches off the Output-widget mimicry that hangs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The kernel's environment, for storing notebooks and for testing them (conftest.py):
# sympy and numpy wrap text at COLUMNS, so it must not depend on the terminal.
KERNEL_ENV = {"COLUMNS": "80", "LINES": "24", "PYTHONHASHSEED": "0", "MPLBACKEND": "",
              # the course multiplies small matrices: one BLAS thread is faster and gives
              # the same last digits on every machine
              "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def apply_kernel_env() -> None:
    """Put ``KERNEL_ENV`` into this process's environment, which kernels inherit."""
    for name, value in KERNEL_ENV.items():
        if value:
            os.environ[name] = value
        else:
            os.environ.pop(name, None)


def coalesce_streams(outputs: list) -> list:
    """Merge consecutive outputs of the same stream (stdout, stderr) into one.

    How a cell's prints are split into stream messages depends on the kernel's
    timing; the text they make up does not.
    """
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream"
                and previous.get("name") == output.get("name")):
            previous["text"] += output["text"]
        else:
            merged.append(output)
    return merged


def _kernel_manager(socket_dir: str):
    import ipykernel.kernelspec
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import KernelManager

    class ThisEnvironment(KernelSpecManager):
        """Always the ipykernel of the running interpreter, whatever kernelspecs exist."""

        def get_kernel_spec(self, kernel_name):
            return KernelSpec(resource_dir=ipykernel.kernelspec.RESOURCES,
                              **ipykernel.kernelspec.get_kernel_dict())

    # IPC sockets (files) instead of TCP: nothing listens on the network, and ipykernel
    # does not warn about unencrypted TCP. The path must be absolute: the kernel runs in
    # the notebook's folder.
    return KernelManager(kernel_name="python3", kernel_spec_manager=ThisEnvironment(),
                         transport="ipc", ip=str(Path(socket_dir) / "kernel"))


def execute(path: Path, timeout: int = 300) -> float:
    """Execute one notebook in place; return the wall time in seconds."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as socket_dir:
        client = NotebookClient(notebook, timeout=timeout, km=_kernel_manager(socket_dir),
                                record_timing=False,
                                resources={"metadata": {"path": str(path.parent)}})
        client.widget_registry = {}  # must be set after construction to take effect
        start = time.perf_counter()
        client.execute()
        elapsed = time.perf_counter() - start
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if "outputs" in cell:
            cell.outputs = coalesce_streams(cell.outputs)
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    nbformat.write(notebook, path)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to execute (default: notebooks/*.ipynb)")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    apply_kernel_env()
    for path in paths:
        print(f"{path}: {execute(path.resolve(), args.timeout):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
