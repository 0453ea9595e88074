"""Optimizer step time on 10 million float32 parameters, in place.

    python benchmarks/optimizer_step.py [--params 10000000] [--repeats 20]

For each optimizer of ``cs551.optim``: the median time of one ``step`` (the
gradient is a fixed array, so only the update is timed), against

- ``torch.optim`` with the same hyperparameters, when torch is installed
  (``pip install torch==2.13.0`` takes the CPU build on this machine's disk),
  with all cores and with one thread (numpy's elementwise operations use one);
- the memory-traffic floor: the bytes the update must read and write (theta, g
  and each state buffer read once; theta and each buffer written once) at the
  bandwidth of a plain numpy copy, measured here.

Newton's method is left out: its Hessian would have 10^14 entries.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time

import numpy as np

from cs551.objectives import GradientOracle
from cs551.optim import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSProp, RMSPropNesterov

# name -> (cs551 optimizer, torch constructor, arrays read, arrays written)
# reads: theta, g and each state buffer; writes: theta and each state buffer.
OPTIMIZERS = {
    "SGD": (SGD(0.01), lambda p, t: t.optim.SGD(p, lr=0.01), 2, 1),
    "Momentum": (Momentum(0.01, 0.9), lambda p, t: t.optim.SGD(p, lr=0.01, momentum=0.9), 3, 2),
    "Nesterov": (Nesterov(0.01, 0.9),
                 lambda p, t: t.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True), 3, 2),
    "AdaGrad": (AdaGrad(0.01), lambda p, t: t.optim.Adagrad(p, lr=0.01, eps=1e-7), 3, 2),
    "RMSProp": (RMSProp(0.01, rho=0.9),
                lambda p, t: t.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-6), 3, 2),
    "RMSPropNesterov": (RMSPropNesterov(0.01), None, 4, 3),
    "Adam": (Adam(0.001), lambda p, t: t.optim.Adam(p, lr=0.001), 4, 3),
}


def median_time(step, repeats: int) -> float:
    step()  # warm up: first touch of fresh buffers
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def copy_bandwidth(n: int, repeats: int) -> float:
    """Bytes per second moved by np.copyto (one read + one write per element)."""
    src, dst = np.ones(n, np.float32), np.empty(n, np.float32)
    seconds = median_time(lambda: np.copyto(dst, src), repeats)
    return 2 * src.nbytes / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    n, repeats = args.params, args.repeats
    try:
        import torch

        threads = torch.get_num_threads()
        torch_version = f"{torch.__version__} ({threads} threads)"
    except ImportError:
        torch, torch_version = None, "not installed"

    rng = np.random.default_rng(0)
    g = rng.normal(size=n).astype(np.float32)
    bandwidth = copy_bandwidth(n, repeats)
    bytes_per_array = 4 * n
    print(f"{n:,} float32 parameters; numpy {np.__version__}; torch {torch_version}")
    print(f"numpy copy bandwidth: {bandwidth / 1e9:.1f} GB/s")
    print(f"{'optimizer':16} {'cs551 ms':>9} {'torch ms':>9} {'torch 1t':>9} {'floor ms':>9} "
          f"{'cs551/floor':>12}")
    for name, (optimizer, make_torch, reads, writes) in OPTIMIZERS.items():
        theta = rng.normal(size=n).astype(np.float32)
        # the gradient is a fixed array: the update is all that is timed
        objective, state = GradientOracle(lambda _: g, n), optimizer.init(theta)
        ours = median_time(functools.partial(optimizer.step, objective, theta, state), repeats)
        assert theta.dtype == np.float32 and all(
            v.dtype == np.float32 for v in vars(state).values() if isinstance(v, np.ndarray))
        theirs = [float("nan"), float("nan")]
        if torch is not None and make_torch is not None:
            for i, n_threads in enumerate((threads, 1)):
                torch.set_num_threads(n_threads)
                p = torch.nn.Parameter(torch.from_numpy(theta.copy()))
                p.grad = torch.from_numpy(g)
                opt = make_torch([p], torch)
                with torch.no_grad():
                    theirs[i] = median_time(opt.step, repeats)
            torch.set_num_threads(threads)
        floor = (reads + writes) * bytes_per_array / bandwidth
        print(f"{name:16} {ours * 1e3:9.1f} {theirs[0] * 1e3:9.1f} {theirs[1] * 1e3:9.1f} "
              f"{floor * 1e3:9.1f} {ours / floor:12.1f}")


if __name__ == "__main__":
    main()
