"""Slider-update latency of every explorer in the course, measured inside a real kernel.

    python benchmarks/widget_latency.py [--moves 50] [--rounds 5]

Starts an IPython kernel of this environment (as a notebook would), builds every
explorer there, moves one slider of each ``--moves`` times through its range by
setting ``control.value`` (what a slider drag does on the kernel side: the
callback re-runs the optimizers, redraws and encodes the PNG) and prints the
time of the first move after the explorer was built, then the median and 95th
percentile of the others, and their median split by what the move did: "drawn", a
setting the explorer had not drawn before (it renders the changed artists and encodes the
PNG), or "remembered", a setting it had drawn before (its picture is shown again; ``draw``
still runs). The moves run inside one cell, so the explorers compute every new setting on the
spot: nothing is prefetched in idle time (the kernel is busy), and a cached run is one
the loop has visited before. For reference, the last row re-plots naively on every move
(new figure, contours, trajectory, PNG with a tight bounding box), which is what an
``interact`` with ``plt.show()`` costs.

The kernel runs in the current directory and imports ``cs551`` from there before the installed
copy, and the first line printed names the one measured: to compare two commits, run each from
its own checkout (``git worktree add /tmp/base COMMIT; cd /tmp/base; PYTHONPATH=/tmp/base
python benchmarks/widget_latency.py``), in turns.

The moves are made in ``--rounds`` rounds, each explorer taking its next share of moves in
turn: on a shared machine the same work can take twice as long for a few seconds (seen on the
development machine: one run of 100 optimizer steps took 1.5-5.6 ms, median 3.0, over 30 s),
and a whole explorer's moves in one stretch would then catch such a spell alone.
"""

from __future__ import annotations

import argparse
import json
import tempfile

# name -> (code that builds `explorer`, slider to move, its values)
EXPLORERS = {
    "00 welcome: OptimizerExplorer": (
        "from cs551.objectives import ill_conditioned_quadratic\n"
        "from cs551.optim import SGD, Momentum\n"
        "from cs551.widgets import OptimizerExplorer\n"
        "explorer = OptimizerExplorer(ill_conditioned_quadratic(10), "
        "{'gradient descent': SGD, 'momentum': Momentum}, lr=1.0, momentum=0.5, steps=50)",
        "lr", "list(np.geomspace(0.05, 1.9, MOVES))"),
    "01 risk: RiskExplorer": (
        "from cs551.topics.learning_vs_optimization import RiskExplorer\n"
        "explorer = RiskExplorer(m=10, sigma=1.0, draw=0)",
        "draw", "[i % 50 for i in range(1, MOVES + 1)]"),
    "01 regularization: RegularizationExplorer": (  # first visits fit, revisits are cached
        "from cs551.topics.learning_vs_optimization import RegularizationExplorer\n"
        "explorer = RegularizationExplorer(m=50, l2=0.0)",
        "l2", "[(0, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3)[i % 8] for i in range(1, MOVES + 1)]"),
    "02 minibatches: MinibatchExplorer": (
        "from cs551.topics.minibatches import MinibatchExplorer\n"
        "explorer = MinibatchExplorer(batch_size=16, kappa=100)",
        "batch_size", "[2 ** (i % 13) for i in range(1, MOVES + 1)]"),
    "03 quadratic model: EigenDecayExplorer": (
        "from cs551.topics.local_quadratic_model import EigenDecayExplorer\n"
        "explorer = EigenDecayExplorer(lr=0.5, lambdas=(1.0, 0.1), steps=40)",
        "lr", "list(np.geomspace(0.05, 2.5, MOVES))"),
    "04 challenges: CliffExplorer": (
        "from cs551.topics.challenges import CliffExplorer\n"
        "explorer = CliffExplorer(lr=0.5, max_norm=1.0, steps=60)",
        "max_norm", "list(np.geomspace(0.1, 30, MOVES))"),
    "05 SGD: SGDExplorer": (
        "from cs551.topics.sgd import SGDExplorer\n"
        "explorer = SGDExplorer(lr=0.2, schedule='constant', batch_size=1, steps=300)",
        "lr", "list(np.geomspace(0.01, 2.0, MOVES))"),
    "06 momentum: MomentumExplorer": (
        "from cs551.objectives import ill_conditioned_quadratic\n"
        "from cs551.topics.momentum import MomentumExplorer\n"
        "explorer = MomentumExplorer(ill_conditioned_quadratic(100), lr=1.0, momentum=0.9, "
        "steps=150, tol=1e-6)",
        "momentum", "list(np.linspace(0.0, 0.99, MOVES))"),
    "07 initialization: InitExplorer": (
        "from cs551.topics.initialization import InitExplorer\n"
        "explorer = InitExplorer(depth=10, scheme='He', activation='relu')",
        "depth", "[1 + i % 30 for i in range(1, MOVES + 1)]"),
    "08 adaptive rates: AdaptiveExplorer": (
        "from cs551.topics.adaptive_learning_rates import AdaptiveExplorer\n"
        "explorer = AdaptiveExplorer(landscape='ill-conditioned quadratic', lr=0.3, rho=0.9, "
        "steps=100)",
        "rho", "list(np.linspace(0.0, 0.999, MOVES))"),
    "09 Newton: OptimizerExplorer on the saddle": (
        "from cs551.objectives import Saddle\n"
        "from cs551.optim import SGD, Newton, SaddleFreeNewton\n"
        "from cs551.widgets import OptimizerExplorer\n"
        "explorer = OptimizerExplorer(Saddle(), {'damped Newton': Newton, "
        "'saddle-free Newton': SaddleFreeNewton, 'gradient descent': SGD}, damping=0.5, "
        "lr=0.1, steps=15)",
        "damping", "list(np.geomspace(0.1, 5.0, MOVES))"),
    "10 batch norm: BatchNormExplorer (cached runs)": (
        "from cs551.topics.batch_normalization import compare_learning_rates\n"
        "from cs551.topics.batch_normalization import BatchNormExplorer\n"
        "runs = compare_learning_rates(depth=6, lrs=(0.3, 1.0, 3.0), steps=150)\n"
        "explorer = BatchNormExplorer(depth=6, lr=1.0, steps=150, runs=runs)",
        "lr", "[(0.3, 3.0, 1.0)[i % 3] for i in range(MOVES)]"),
    "11 exact line search: LineSearchExplorer": (
        "from cs551.topics.exact_line_search import LineSearchExplorer\n"
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
# name, setup code, the move it times, the values it moves through
BASELINE = ("baseline: naive re-plot per move", "explorer = None\n" + NAIVE, "naive(value)",
            "np.geomspace(0.05, 1.9, MOVES)")

MEASURE = """
import json, time
import numpy as np
MOVES, ROUNDS = {moves}, {rounds}
cases = json.loads({cases!r})  # [name, setup code, move code, values code]
built = []
for name, setup, move, values in cases:
    space = {{"np": np, "MOVES": MOVES}}
    exec(setup, space)
    explorer = space.get("explorer")
    rendered, counting = [0], hasattr(explorer, "_picture")  # not the naive row
    if counting:  # count the pictures: a move that renders none is a revisit
        def counted(picture=explorer._picture, rendered=rendered):
            rendered[0] += 1
            return picture()
        explorer._picture = counted
    built.append((space, compile(move, name, "exec"), eval(values, space), rendered, counting))
# every explorer's moves in ROUNDS chunks, the explorers taken in turn: a slow spell of the
# machine (seconds long on a shared VM) falls on all of them alike, not on one
times = [[] for _ in built]
drawn = [[] for _ in built]
for r in range(ROUNDS):
    for i, (space, move, values, rendered, counting) in enumerate(built):
        for value in values[r * MOVES // ROUNDS:(r + 1) * MOVES // ROUNDS]:
            space["value"] = value
            before = rendered[0]
            start = time.perf_counter()
            exec(move, space)
            times[i].append(time.perf_counter() - start)
            drawn[i].append(rendered[0] > before or not counting)
rows = []
for t, d in zip(times, drawn):
    new = [x for x, y in zip(t[1:], d[1:]) if y]
    old = [x for x, y in zip(t[1:], d[1:]) if not y]
    rows.append([t[0], float(np.median(t[1:])), float(np.percentile(t[1:], 95)),
                 float(np.median(new)) if new else None, len(new),
                 float(np.median(old)) if old else None, len(old)])
import cs551
print(json.dumps({{"cs551": cs551.__path__[0], "rows": rows}}))
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
    parser.add_argument("--rounds", type=int, default=5,
                        help="the moves of each explorer are split into this many chunks, the "
                             "explorers taking turns")
    args = parser.parse_args()
    apply_kernel_env()
    with tempfile.TemporaryDirectory() as sockets:
        manager = _kernel_manager(sockets)
        manager.start_kernel()
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        try:
            cases = [(name, f"{build}\ncontrol = explorer.controls[{slider!r}]",
                      "control.value = value", values)
                     for name, (build, slider, values) in EXPLORERS.items()]
            cases.append(BASELINE)
            code = MEASURE.format(moves=args.moves, rounds=args.rounds,
                                  cases=json.dumps(cases))
            result = json.loads(run_in_kernel(client, code).strip().splitlines()[-1])
            rows = result["rows"]
            # the kernel imports cs551 from its working directory first: say which one it was
            print(f"cs551 measured: {result['cs551']}")
            print(f"{'explorer':48} {'first ms':>9} {'median ms':>10} {'p95 ms':>7}"
                  f" {'drawn: median ms (n)':>21} {'remembered: median ms (n)':>26}"
                  f"   ({args.moves} moves in {args.rounds} rounds)")
            for (name, *_), (first, median, p95, *split) in zip(cases, rows, strict=True):
                drawn, again = (f"{ms * 1e3:.1f} ({n})" if n else "-"
                                for ms, n in (split[:2], split[2:]))
                print(f"{name:48} {first * 1e3:9.1f} {median * 1e3:10.1f} {p95 * 1e3:7.1f}"
                      f" {drawn:>21} {again:>26}", flush=True)
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
