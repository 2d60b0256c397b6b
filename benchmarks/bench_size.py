"""How AAETransformer's cost grows with the data: epoch time and peak memory against n.

Each measurement runs in a fresh subprocess, so that its peak resident memory
(``ru_maxrss``) belongs to that measurement alone. For every size n it reports the seconds
per epoch of ``fit``, the peak memory of ``fit`` and of ``transform``, and the size of X,
so that "linear in n" and "bounded extra memory" can be read off the table.

    python benchmarks/bench_size.py                          # MNIST-like rows, n = 1k ... 1M
    python benchmarks/bench_size.py --sizes 1000 10000 --epochs 2
    python benchmarks/bench_size.py --sparse                 # 100k x 20k CSR, 0.1 % dense

Data: synthetic float32 rows of 784 features (a low-rank signal plus noise, generated
in chunks), or with ``--sparse`` a random CSR matrix. Networks 256-256, batch 128, 8-D
code, 1 torch thread.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

N_FEATURES = 784


def synthetic(n, d=N_FEATURES, seed=0, chunk=100_000):
    """Low-rank signal plus noise, float32, built chunk by chunk (no float64 copy of X)."""
    rng = np.random.RandomState(seed)
    basis = rng.standard_normal((16, d)).astype(np.float32) / 4
    X = np.empty((n, d), dtype=np.float32)
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        X[start : start + m] = rng.standard_normal((m, 16)).astype(np.float32) @ basis
        X[start : start + m] += 0.1 * rng.standard_normal((m, d)).astype(np.float32)
    return X


def sparse_matrix(n, d, density, seed=0):
    """A random CSR matrix built in O(nnz) memory.

    ``scipy.sparse.random`` draws its positions without replacement from all n * d cells,
    which holds an index array of n * d int64 (16 GB for 100k x 20k) for a moment; here
    positions are drawn with replacement and duplicates merged (a handful at 0.1 %).
    """
    import scipy.sparse as sp

    rng = np.random.RandomState(seed)
    nnz = int(round(n * d * density))
    rows = rng.randint(n, size=nnz)
    cols = rng.randint(d, size=nnz)
    values = rng.standard_normal(nnz).astype(np.float32)
    X = sp.csr_matrix((values, (rows, cols)), shape=(n, d), dtype=np.float32)
    X.sum_duplicates()
    return X


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def worker(args):
    """One measurement, in its own process; prints one JSON line."""
    import torch

    from sklearn_aae import AAETransformer

    torch.set_num_threads(1)
    if args.sparse:
        X = sparse_matrix(args.n, args.d, args.density)
        x_mib = (X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 2**20
    else:
        X = synthetic(args.n)
        x_mib = X.nbytes / 2**20
    base_mib = peak_mib()
    aae = AAETransformer(
        n_components=8,
        hidden_layer_sizes=(256, 256),
        batch_size=128,
        max_iter=args.epochs,
        random_state=0,
    )
    start = time.perf_counter()
    aae.fit(X)
    fit_s = time.perf_counter() - start
    fit_peak = peak_mib()
    start = time.perf_counter()
    Z = aae.transform(X)
    transform_s = time.perf_counter() - start
    print(
        json.dumps(
            {
                "bench": "size",
                "sparse": args.sparse,
                "n": args.n,
                "d": args.d if args.sparse else N_FEATURES,
                "x_mib": round(x_mib, 1),
                "rss_after_data_mib": round(base_mib, 1),
                "fit_peak_rss_mib": round(fit_peak, 1),
                "transform_peak_rss_mib": round(peak_mib(), 1),
                "s_per_epoch": median_epoch(aae, fit_s, args.epochs),
                "fit_s": round(fit_s, 2),
                "transform_rows_per_s": round(args.n / transform_s),
                "codes_finite": bool(np.isfinite(Z).all()),
            }
        ),
        flush=True,
    )


def median_epoch(aae, fit_s, epochs):
    durations = [float(d) for d in aae.net_.history[:, "dur"]]
    return round(float(np.median(durations)) if durations else fit_s / epochs, 3)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 60_000, 1_000_000])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--sparse", action="store_true", help="a CSR matrix instead")
    parser.add_argument("--d", type=int, default=20_000, help="columns of the CSR matrix")
    parser.add_argument("--density", type=float, default=0.001)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args)
        return

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from _common import machine_info, print_header, print_table

    print_header(machine_info("cpu"))
    sizes = [100_000] if args.sparse and args.sizes == parser.get_default("sizes") else args.sizes
    rows = []
    for n in sizes:
        cmd = [sys.executable, __file__, "--worker", "--n", str(n), "--epochs", str(args.epochs)]
        if args.sparse:
            cmd += ["--sparse", "--d", str(args.d), "--density", str(args.density)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        row = json.loads(out.strip().splitlines()[-1])
        print(json.dumps(row), flush=True)
        rows.append(row)
    print()
    print_table(
        rows,
        [
            "n",
            "d",
            "x_mib",
            "s_per_epoch",
            "fit_peak_rss_mib",
            "transform_peak_rss_mib",
            "transform_rows_per_s",
        ],
    )


if __name__ == "__main__":
    main()
