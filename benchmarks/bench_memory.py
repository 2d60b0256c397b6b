"""Does memory stay flat? Resident memory over many fits and over a long partial_fit stream.

Everything runs in one process, as a notebook or a long-lived service would: after a few
warm-up fits, the resident set (``/proc/self/statm``, after a garbage collection) is read
every ``--every`` fits (each a fresh ``AAETransformer``: fit, then transform) and every
``--every`` chunks of one ``partial_fit`` stream. For scale, the last phase keeps every
fitted model alive, which is what a leak of the models would look like.

    OMP_NUM_THREADS=1 python benchmarks/bench_memory.py                  # 200 fits, 300 chunks
    OMP_NUM_THREADS=1 python benchmarks/bench_memory.py --fits 50 --chunks 60 --every 10

Data: float64 standard normal, 4000 x 64 for the fits (each fit makes a 1 MiB float32
copy) and 200 x 64 per chunk; networks 64 wide, 1 epoch, batch 1000 (64 for the stream),
1 torch thread. The figures in docs/reliability.md come from the first command.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import emit, machine_info, print_header, print_table  # noqa: E402

N_FEATURES = 64


def rss_mib():
    """Current resident memory in MiB after a garbage collection (the peak without /proc)."""
    gc.collect()
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def estimator(seed, batch_size=1000):
    from sklearn_aae import AAETransformer

    return AAETransformer(
        hidden_layer_sizes=(64,), max_iter=1, batch_size=batch_size, random_state=seed
    )


def record(phase, n, start_rss, start_time, per):
    rss = rss_mib()
    row = {
        "bench": "memory",
        "phase": phase,
        "n": n,
        "rss_mib": round(rss, 1),
        "growth_mib": round(rss - start_rss, 2),
        "growth_kib_per_" + per: round(1024 * (rss - start_rss) / n, 1) if n else None,
        "seconds": round(time.perf_counter() - start_time, 2),
    }
    emit(row)
    return row


def many_fits(n_fits, every, warmup, keep=False):
    """``n_fits`` fit + transform runs; with ``keep`` every fitted model stays alive."""
    X = np.random.RandomState(0).standard_normal((4000, N_FEATURES))
    for seed in range(warmup):
        estimator(seed).fit(X).transform(X)
    kept = []
    start_rss, start = rss_mib(), time.perf_counter()
    phase = "fits, models kept" if keep else "fits"
    rows = [record(phase, 0, start_rss, start, "fit")]
    for i in range(1, n_fits + 1):
        aae = estimator(warmup + i).fit(X)
        aae.transform(X)
        if keep:
            kept.append(aae)
        if i % every == 0 or i == n_fits:
            rows.append(record(phase, i, start_rss, start, "fit"))
    return rows


def stream(n_chunks, every, warmup, rows_per_chunk=200):
    """One estimator, ``n_chunks`` calls of partial_fit on fresh float64 chunks."""
    from sklearn_aae import AdversarialTrainingWarning

    rng = np.random.RandomState(0)
    aae = estimator(0, batch_size=64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AdversarialTrainingWarning)
        for _ in range(warmup):
            aae.partial_fit(rng.standard_normal((rows_per_chunk, N_FEATURES)))
        start_rss, start = rss_mib(), time.perf_counter()
        rows = [record("partial_fit chunks", 0, start_rss, start, "chunk")]
        for i in range(1, n_chunks + 1):
            aae.partial_fit(rng.standard_normal((rows_per_chunk, N_FEATURES)))
            if i % every == 0 or i == n_chunks:
                rows.append(record("partial_fit chunks", i, start_rss, start, "chunk"))
    assert aae.n_iter_ == warmup + n_chunks
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=200)
    parser.add_argument("--chunks", type=int, default=300)
    parser.add_argument("--kept", type=int, default=30, help="fits whose models are kept alive")
    parser.add_argument("--every", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    print_header(machine_info("cpu"))
    emit({"bench": "memory", "phase": "start", "rss_mib": round(rss_mib(), 1)})
    rows = many_fits(args.fits, args.every, args.warmup)
    rows += stream(args.chunks, args.every, args.warmup)
    if args.kept:
        rows += many_fits(args.kept, max(1, args.kept // 3), args.warmup, keep=True)
    print()
    for per in ("fit", "chunk"):
        table = [
            {k: f"{v:.1f}" if isinstance(v, float) else v for k, v in r.items()}
            for r in rows
            if f"growth_kib_per_{per}" in r
        ]
        print_table(
            table, ["phase", "n", "rss_mib", "growth_mib", f"growth_kib_per_{per}", "seconds"]
        )
        print()


if __name__ == "__main__":
    main()
