"""What a minibatch costs on this machine: cores kept busy, and sizes around powers of two.

    python benchmarks/batch_size_timing.py [--repeats 7] [--scan-repeats 40]

The longer version of notebook 02's section 4 (slide *Minibatch*), with the functions
of ``cs551.topics.minibatches``:

1. ``core_use``: for the minibatch gradient of a 256 -> 256 -> 10 network (random
   inputs) and of the course's digits network 64 -> 32 -> 10, at each batch size n
   with BLAS capped at 1 and at 2 threads: process CPU time / wall time (cores kept
   busy), the helper threads' CPU time per call over the call's CPU time on one
   thread (0: BLAS kept the work on one core), wall time per example, and the
   speed-up of 2 threads over 1.
2. ``scan_batch_sizes``: time per example at p - 4 .. p + 4 around powers of two p
   (one BLAS thread), each power against the straight-line trend of its neighbours,
   with the neighbours' scatter (the noise) and the verdict
   ``powers_of_two_faster``.

Every figure is a median of repeats, but the machine's load moves them: the load
average is printed before and after. On a machine busy with other programs the
helper share stays above 0 where BLAS splits the work (it falls to the helper's own
part of the products), while the speed-up can drop far below 1.
"""

from __future__ import annotations

import argparse
import os
import platform

import numpy as np
from threadpoolctl import threadpool_info

from cs551.data import digits
from cs551.nn import Classifier, mlp
from cs551.topics.minibatches import core_use, scan_batch_sizes, wide_classifier


def networks() -> dict:
    """name -> (objective, theta): the wide timing network and the digits network."""
    data = digits(seed=0)
    net = mlp([64, 32, 10])
    return {"256 -> 256 -> 10, random inputs": wide_classifier(256, m=1100),
            "digits 64 -> 32 -> 10": (Classifier(net, data.X_train, data.y_train),
                                      net.init(seed=0))}


def machine() -> str:
    blas = ", ".join(f"{lib.get('internal_api')} {lib.get('version')} "
                     f"({lib.get('architecture')}, {lib.get('num_threads')} threads)"
                     for lib in threadpool_info() if lib.get("user_api") == "blas")
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"numpy {np.__version__}, BLAS: {blas or 'none found by threadpoolctl'}")


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def report_core_use(name: str, J, theta, repeats: int) -> None:
    sizes = [1, 4, 16, 64, 128, 256, 512, 1024]
    use = core_use(J, theta, sizes, threads=(1, 2), seconds=0.1, repeats=repeats)
    print(f"\n{name}: cores busy, helper share, time per example ({load()})")
    print(f"{'n':>5} {'busy 1 thr':>10} {'busy 2 thr':>10} {'helper 2 thr':>12} "
          f"{'us/ex 1 thr':>11} {'us/ex 2 thr':>11} {'speed-up':>8}")
    for i, n in enumerate(use.batch_sizes):
        print(f"{n:>5} {use.cores_busy[1][i]:>10.2f} {use.cores_busy[2][i]:>10.2f} "
              f"{use.helper_share[2][i]:>12.2f} {1e6 * use.seconds_per_example[1][i]:>11.2f} "
              f"{1e6 * use.seconds_per_example[2][i]:>11.2f} {use.speedup[i]:>8.2f}")


def report_scan(name: str, J, theta, repeats: int) -> None:
    powers = tuple(p for p in (64, 128, 256, 512, 1024) if p + 4 <= J.m)
    scan = scan_batch_sizes(J, theta, powers=powers, width=4, repeats=repeats, calls=5)
    print(f"\n{name}: time per example around powers of two, 1 BLAS thread ({load()})")
    for p, ratio in scan.ratios.items():
        near = np.abs(scan.batch_sizes - p) <= scan.width
        row = " ".join(f"{1e6 * t:.3f}" for t in scan.seconds_per_example[near])
        print(f"  n = {p - 4}..{p + 4} (us per example): {row}")
        print(f"    n = {p}: {ratio:.3f} x its neighbours' trend; neighbours' scatter "
              f"{100 * scan.scatter(p):.1f}%")
    print(f"  powers of two faster than their neighbours (beyond the noise): "
          f"{scan.powers_of_two_faster()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="repeats of core_use")
    parser.add_argument("--scan-repeats", type=int, default=40,
                        help="repeats of scan_batch_sizes (each times 5 calls per size)")
    args = parser.parse_args()
    print(machine())
    print(load())
    nets = networks()
    for name, (J, theta) in nets.items():
        report_core_use(name, J, theta, args.repeats)
    for name, (J, theta) in nets.items():
        report_scan(name, J, theta, args.scan_repeats)


if __name__ == "__main__":
    main()
