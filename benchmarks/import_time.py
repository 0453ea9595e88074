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
from collections.abc import Callable
from functools import partial

IMPORTS = [
    "import cs551",
    "import cs551.optim",
    "import cs551.objectives, cs551.optim, cs551.plots, cs551.widgets",
    "import cs551.symbolic",
    "import cs551.topics.momentum",
    "import cs551.data; cs551.data.digits()",
]


TIMED = "import time\nstart = time.perf_counter()\n{code}\nprint(time.perf_counter() - start)"


def import_seconds(code: str) -> float:
    """Time ``code`` takes, run first thing in a fresh interpreter."""
    result = subprocess.run([sys.executable, "-c", TIMED.format(code=code)],
                            check=True, capture_output=True, text=True)
    return float(result.stdout)


def startup_seconds() -> float:
    """Wall time of a fresh interpreter that does nothing."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def median_ms(seconds: Callable[[], float], repeats: int) -> float:
    """Median of ``repeats`` calls of ``seconds``, in milliseconds."""
    return statistics.median(seconds() for _ in range(repeats)) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    print(f"interpreter start-up: {median_ms(startup_seconds, args.repeats):.0f} ms "
          "(not counted below)")
    for code in IMPORTS:
        print(f"{code:66} {median_ms(partial(import_seconds, code), args.repeats):7.1f} ms")


if __name__ == "__main__":
    main()
