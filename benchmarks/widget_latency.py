"""Slider-update latency of every explorer in the course, measured inside a real kernel.

    python benchmarks/widget_latency.py [--moves 50]

Starts an IPython kernel of this environment (as a notebook would), builds each
explorer there, moves one of its sliders ``--moves`` times through its range by
setting ``control.value`` (what a slider drag does on the kernel side: the
callback re-runs the optimizers, redraws and encodes the PNG) and prints the
median and 95th percentile. For reference, the last row re-plots naively on
every move (new figure, contours, trajectory, PNG with a tight bounding box),
which is what an ``interact`` with ``plt.show()`` costs.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import textwrap

# name -> (code that builds `explorer`, slider to move, its values)
EXPLORERS = {
    "00 welcome: OptimizerExplorer": (
        "from cs551.objectives import ill_conditioned_quadratic\n"
        "from cs551.optim import SGD, Momentum\n"
        "from cs551.widgets import OptimizerExplorer\n"
        "explorer = OptimizerExplorer(ill_conditioned_quadratic(10), "
        "{'gradient descent': SGD, 'momentum': Momentum}, lr=1.0, momentum=0.5, steps=50)",
        "lr", "list(np.geomspace(0.05, 1.9, MOVES))"),
    "11 exact line search: LineSearchExplorer": (
        "from cs551.widgets import LineSearchExplorer\n"
        "explorer = LineSearchExplorer(b=0.25, steps=20)",
        "b", "[round(v, 2) for v in np.linspace(0.06, 0.99, MOVES)]"),
}

NAIVE = """
import io, matplotlib
import matplotlib.pyplot as plt
from cs551.objectives import ill_conditioned_quadratic
from cs551.optim import SGD, minimize
from cs551.plots import plot_landscape
f = ill_conditioned_quadratic(10)
def naive(lr):
    fig, ax = plt.subplots()
    plot_landscape(f, {"GD": minimize(SGD(lr), f, f.start, 50)}, ax=ax)
    fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")
    plt.close(fig)
"""

MEASURE = """
import json, time
import numpy as np
MOVES = {moves}
{build}
control, times = explorer.controls[{slider!r}], []
for value in {values}:
    start = time.perf_counter()
    control.value = value
    times.append(time.perf_counter() - start)
print(json.dumps([float(np.median(times)), float(np.percentile(times, 95))]))
"""


def run_in_kernel(client, code: str) -> str:
    """Execute code in the kernel; return what it printed (raise on an error)."""
    out = []

    def on_message(message):
        kind, content = message["msg_type"], message["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind == "error":
            raise RuntimeError("\n".join(content["traceback"]))

    client.execute_interactive(code, output_hook=on_message, timeout=600)
    return "".join(out)


def main() -> None:
    from cs551.execute import _kernel_manager, apply_kernel_env

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=50)
    args = parser.parse_args()
    apply_kernel_env()
    with tempfile.TemporaryDirectory() as sockets:
        manager = _kernel_manager(sockets)
        manager.start_kernel()
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        try:
            print(f"{'explorer':44} {'median ms':>10} {'p95 ms':>8}   ({args.moves} moves)")
            for name, (build, slider, values) in EXPLORERS.items():
                code = MEASURE.format(moves=args.moves, build=build, slider=slider, values=values)
                median, p95 = json.loads(run_in_kernel(client, code).strip().splitlines()[-1])
                print(f"{name:44} {median * 1e3:10.1f} {p95 * 1e3:8.1f}")
            run_in_kernel(client, NAIVE)
            naive = textwrap.dedent("""
                import json, time
                import numpy as np
                times = []
                for lr in np.geomspace(0.05, 1.9, {moves}):
                    start = time.perf_counter()
                    naive(lr)
                    times.append(time.perf_counter() - start)
                print(json.dumps([float(np.median(times)), float(np.percentile(times, 95))]))
            """).format(moves=args.moves)
            median, p95 = json.loads(run_in_kernel(client, naive).strip().splitlines()[-1])
            print(f"{'baseline: naive re-plot per move':44} {median * 1e3:10.1f} {p95 * 1e3:8.1f}")
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
