"""How long ``import cs551`` takes, and the modules a notebook typically imports.

    python benchmarks/import_time.py [--repeats 10]

Each figure is the median, over fresh interpreters, of the time the import
statement takes inside the interpreter (timed around it, so the interpreter's own
start-up, printed first for reference, is not counted).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

IMPORTS = [
    "import cs551",
    "import cs551.optim",
    "import cs551.objectives, cs551.optim, cs551.plots, cs551.widgets",
    "import cs551.symbolic",
    "import cs551.data; cs551.data.digits()",
]


TIMED = "import time\nstart = time.perf_counter()\n{code}\nprint(time.perf_counter() - start)"


def median_import(code: str, repeats: int) -> float:
    """Median seconds of ``code`` run first thing in a fresh interpreter."""
    times = []
    for _ in range(repeats):
        result = subprocess.run([sys.executable, "-c", TIMED.format(code=code)],
                                check=True, capture_output=True, text=True)
        times.append(float(result.stdout))
    return statistics.median(times)


def median_startup(repeats: int) -> float:
    """Median wall time of a fresh interpreter that does nothing."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    print(f"interpreter start-up: {median_startup(args.repeats) * 1e3:.0f} ms (not counted below)")
    for code in IMPORTS:
        print(f"{code:66} {median_import(code, args.repeats) * 1e3:7.1f} ms")


if __name__ == "__main__":
    main()
