"""GridSearchCV over λ on scikit-learn digits with joblib's backends: time and equality.

The same search (``AAETransformer`` on standardised digits, λ in {0, 1, 10}, 2-fold CV,
so 6 fits and a refit) runs sequentially, then with each backend asked for, each worker
with one torch thread. Prints the machine, a table and one JSON line per backend: the
time to start the backend's workers, the search's time, and whether its ``cv_results_``
equal the sequential run's (same ``random_state``, same models).

    python benchmarks/bench_scaling.py [--backends loky threading dask ray] [--max-iter 10]

``dask`` needs ``dask[distributed]`` (a ``LocalCluster`` of ``--n-workers`` processes),
``ray`` needs ``ray`` (``ray.init`` with ``--n-workers`` CPUs); a missing one is skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import time

import numpy as np
import torch
from _common import emit, machine_info, print_header, print_table
from joblib import parallel_config
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from sklearn_aae import AAETransformer


def make_search(max_iter, n_jobs):
    aae = AAETransformer(hidden_layer_sizes=(128,), max_iter=max_iter, n_jobs=1, random_state=0)
    return GridSearchCV(aae, {"adversarial_weight": [0.0, 1.0, 10.0]}, cv=2, n_jobs=n_jobs)


@contextlib.contextmanager
def backend(name, n_workers):
    """Start the workers of ``name`` and make joblib use them; yields the start-up time."""
    start = time.perf_counter()
    if name == "dask":
        from dask.distributed import Client, LocalCluster

        with (
            LocalCluster(
                n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster),
        ):
            with parallel_config(backend="dask"):
                yield time.perf_counter() - start
    elif name == "ray":
        import ray
        from ray.util.joblib import register_ray

        register_ray()
        ray.init(num_cpus=n_workers, include_dashboard=False, log_to_driver=False)
        try:
            with parallel_config(backend="ray", n_jobs=n_workers):
                yield time.perf_counter() - start
        finally:
            ray.shutdown()
    else:  # loky, threading: joblib starts its workers on the first search
        with parallel_config(backend=name, n_jobs=n_workers):
            yield 0.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["loky", "threading", "dask", "ray"])
    parser.add_argument("--n-workers", type=int, default=2)
    parser.add_argument("--max-iter", type=int, default=10, help="epochs per fit")
    parser.add_argument("--repeats", type=int, default=2, help="searches per backend")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    X = StandardScaler().fit_transform(load_digits().data)
    print_header(machine_info("cpu"))
    rows = []

    def record(name, startup, seconds, equal):
        row = {
            "bench": "grid_search_backends",
            "backend": name,
            "n_workers": 1 if name == "sequential" else args.n_workers,
            "n_fits": 7,
            "max_iter": args.max_iter,
            "startup_seconds": startup,
            "search_seconds": min(seconds),
            "first_search_seconds": seconds[0],
            "equal_to_sequential": equal,
        }
        emit(row)
        rows.append(row)

    seconds = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        reference = make_search(args.max_iter, n_jobs=None).fit(X)
        seconds.append(time.perf_counter() - t0)
    record("sequential", 0.0, seconds, True)

    for name in args.backends:
        try:
            with backend(name, args.n_workers) as startup:
                seconds = []
                for _ in range(args.repeats):
                    t0 = time.perf_counter()
                    search = make_search(args.max_iter, n_jobs=None).fit(X)
                    seconds.append(time.perf_counter() - t0)
        except ImportError as exc:
            print(f"# skipped {name}: {exc}")
            continue
        equal = all(
            np.allclose(search.cv_results_[k], reference.cv_results_[k], rtol=1e-6)
            for k in ("mean_test_score", "split0_test_score", "split1_test_score")
        )
        record(name, startup, seconds, equal)

    print()
    print_table(
        rows,
        [
            "backend",
            "n_workers",
            "startup_seconds",
            "first_search_seconds",
            "search_seconds",
            "equal_to_sequential",
        ],
    )


if __name__ == "__main__":  # worker processes (loky, dask, ray) import this file again
    main()
