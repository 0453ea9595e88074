"""How long ``import cs551`` takes, and the modules a notebook typically imports.

    python benchmarks/import_time.py [--repeats 10]

Each figure is the median wall time of a fresh interpreter running the import,
minus the median of a fresh interpreter doing nothing.
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


def median_run(code: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    floor = median_run("pass", args.repeats)
    print(f"empty interpreter: {floor * 1e3:.0f} ms (subtracted below)")
    for code in IMPORTS:
        print(f"{code:66} {(median_run(code, args.repeats) - floor) * 1e3:7.0f} ms")


if __name__ == "__main__":
    main()
