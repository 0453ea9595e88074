"""Wall time of the course's notebooks under strict nbval, against an empty notebook.

    python benchmarks/notebooks.py

Each notebook (``notebooks/`` and the assignment sources) runs in its own
``pytest --nbval --nbval-current-env`` process, as CI runs it; the floor is the
same command on a notebook with one empty cell (pytest start-up, plugin import,
kernel start and shutdown). Then the whole course runs in one pytest process,
which pays the start-up once.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def nbval_seconds(paths: list[Path], repeats: int = 1) -> float:
    """Median wall time of one strict-nbval pytest run over ``paths``."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
               "--nbval-current-env", *map(str, paths)]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"nbval failed on {paths}:\n{result.stdout[-2000:]}")
    return statistics.median(times)


def main() -> None:
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
        (ROOT / "assignments" / "source").glob("*/*.ipynb"))
    with tempfile.TemporaryDirectory() as folder:
        empty = Path(folder) / "empty.ipynb"
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell("")]
        nbformat.write(notebook, empty)
        floor = nbval_seconds([empty], repeats=3)
    print(f"floor (empty notebook, own pytest process): {floor:.1f} s\n")
    print(f"{'notebook':56} {'wall s':>7} {'above floor s':>14}")
    total = 0.0
    for path in notebooks:
        seconds = nbval_seconds([path])
        total += seconds
        print(f"{str(path.relative_to(ROOT)):56} {seconds:7.1f} {seconds - floor:14.1f}")
    print(f"{'sum of the runs above':56} {total:7.1f} {total - len(notebooks) * floor:14.1f}")
    together = nbval_seconds(notebooks)
    print(f"{'all in one pytest process':56} {together:7.1f}")


if __name__ == "__main__":
    main()
