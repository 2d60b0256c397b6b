"""The neighbour-graph term (``neighbor_weight``): reduction quality, prior fit, cost.

Parts (``--parts``):

- ``digits``: 5-fold stratified CV accuracy (shuffled, ``random_state=0``) of
  ``StandardScaler -> reducer -> SVC()`` on scikit-learn's digits, for the plain model
  (``neighbor_weight=0``), each weight of ``--weights`` and umap-learn, per seed.
  umap-learn runs twice: as a Pipeline runs it, which passes ``y`` to its ``fit`` and so
  makes its embedding supervised ("given y"), and unsupervised, as AAETransformer runs;
- ``prior``: on all standardized digits (``--prior-components``, default 2), for the
  plain model and with the term: the codes' MMD² to the prior with λ = 1 and λ = 0, the
  reconstruction error of
  ``inverse_transform(transform(X))``, and the fit time for the same number of epochs;
- ``mnist`` (``--mnist DIR``): fit on 10 000 training images, accuracy of the SVC on the
  official test set, standardized and raw ([0, 1]) input, with umap-learn in the same run;
- ``map``: the 2-D map of the fitted rows, as a user of umap-learn looks at it
  (``fit_transform`` on all digits, pixels / 16 and standardized): the 3-fold CV
  accuracy of ``KNeighborsClassifier(10)`` on the codes, their trustworthiness
  (scikit-learn's, 10 neighbours: how many of a row's nearest codes are near it in
  pixel space) and the fit time, for the plain model, each weight of ``--weights``,
  each ``--candidate NAME=JSON`` (AAE parameters) and umap-learn;
- ``ceiling``: how well a network can place unseen digits on a 2-D map at all. On the
  first of the CV's folds, umap-learn is fitted on the training digits; an MLP
  (scikit-learn's ``MLPRegressor``, 256-256, like the encoder) is trained to reproduce
  its 2-D map of them; an SVC trained on the map then scores the held-out digits placed
  by umap-learn's ``transform``, by that network, and by ``AAETransformer`` with the
  term;
- ``graph60k`` (``--mnist DIR``): the graph of all 60 000 MNIST training images: its
  build time (the k-nearest-neighbour search and the fuzzy weights; pynndescent's
  one-off compilation timed apart), its edges, the peak memory it adds, an epoch's time
  with and without the term, and the graph's share of a fit of the default epochs
  (computed from those measured times).

Prints the machine, one JSON line per measurement and tables.

    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/bench_neighbors.py
    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/bench_neighbors.py \\
        --parts mnist graph60k --mnist DIR
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import resource
import time
import warnings

import numpy as np
import torch
from _common import (
    UnsupervisedUMAP,
    emit,
    load_mnist,
    machine_info,
    print_header,
    print_table,
)
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.manifold import trustworthiness
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC

from sklearn_aae import AAETransformer, maximum_mean_discrepancy
from sklearn_aae._neighbors import NeighborGraph, nearest_neighbors

#: umap-learn as a Pipeline runs it (the Pipeline passes y to fit: a supervised
#: embedding), and unsupervised, as AAETransformer runs.
UMAPS = ("umap-learn (given y)", "umap-learn")


def reducer(name, weight, k, seed, **params):
    if name == "umap-learn (given y)":
        import umap

        return umap.UMAP(n_components=k, random_state=seed)
    if name == "umap-learn":
        return UnsupervisedUMAP(n_components=k, random_state=seed)
    return AAETransformer(n_components=k, neighbor_weight=weight, random_state=seed, **params)


def label(weight):
    return "AAETransformer" if weight == 0 else f"AAETransformer(neighbor_weight={weight:g})"


def digits_part(args, umap_ok):
    X, y = load_digits(return_X_y=True)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    runs = [("aae", w) for w in [0.0, *args.weights]]
    runs += [(name, None) for name in UMAPS] if umap_ok else []
    for k in args.components:
        for seed in args.seeds:
            for name, weight in runs:
                aae_params = args.params if name == "aae" else {}
                pipe = make_pipeline(
                    StandardScaler(), reducer(name, weight, k, seed, **aae_params), SVC()
                )
                start = time.perf_counter()
                scores = cross_val_score(pipe, X, y, cv=cv)
                yield {
                    "part": "digits",
                    "reducer": label(weight) if name == "aae" else name,
                    "n_components": k,
                    "seed": seed,
                    "accuracy": float(scores.mean()),
                    "cv_s": time.perf_counter() - start,
                }


def map_part(args, umap_ok):
    X, y = load_digits(return_X_y=True)
    inputs = {"pixels / 16": X / 16, "standardized": StandardScaler().fit_transform(X)}
    runs = [(label(w), {"neighbor_weight": w}) for w in [0.0, *args.weights]]
    runs += list(args.candidate.items())
    runs += [("umap-learn", None)] if umap_ok else []
    for (scaling, Xs), seed in itertools.product(inputs.items(), args.seeds):
        Xs = Xs.astype(np.float32)
        for name, params in runs:
            if params is None:
                model = UnsupervisedUMAP(n_components=2, random_state=seed)
            else:
                model = AAETransformer(n_components=2, random_state=seed, **params)
            start = time.perf_counter()
            Z = model.fit_transform(Xs)
            fit_s = time.perf_counter() - start
            yield {
                "part": "map",
                "input": scaling,
                "reducer": name,
                "seed": seed,
                "knn_accuracy": float(cross_val_score(KNeighborsClassifier(10), Z, y, cv=3).mean()),
                "trustworthiness": float(trustworthiness(Xs, Z, n_neighbors=10)),
                "fit_s": fit_s,
            }


def prior_part(args):
    X = StandardScaler().fit_transform(load_digits().data)
    for n_components, seed in itertools.product(args.prior_components, args.seeds):
        rows = {}
        for weight in [0.0, *args.weights]:
            for lam in (1.0, 0.0):
                # the same epochs for all: convergence stopping off
                aae = reducer(
                    "aae",
                    weight,
                    n_components,
                    seed,
                    adversarial_weight=lam,
                    n_iter_no_change=10_000,
                    **args.params,
                )
                start = time.perf_counter()
                Z = aae.fit_transform(X)
                fit_s = time.perf_counter() - start
                draws = aae._sample_prior(len(Z), random_state=1)
                rows[weight, lam] = {
                    "mmd2": maximum_mean_discrepancy(Z, draws),
                    "reconstruction_error": float(((aae.inverse_transform(Z) - X) ** 2).mean()),
                    "fit_s": fit_s,
                }
        plain = rows[0.0, 1.0]
        for weight in [0.0, *args.weights]:
            mine = rows[weight, 1.0]
            yield {
                "part": "prior",
                "reducer": label(weight),
                "n_components": n_components,
                "seed": seed,
                "mmd2_lambda1": mine["mmd2"],
                "mmd2_lambda0": rows[weight, 0.0]["mmd2"],
                "lambda0_over_lambda1": rows[weight, 0.0]["mmd2"] / mine["mmd2"],
                "mmd2_over_plain": mine["mmd2"] / plain["mmd2"],
                "reconstruction_error": mine["reconstruction_error"],
                "reconstruction_over_plain": mine["reconstruction_error"]
                / plain["reconstruction_error"],
                "fit_s": mine["fit_s"],
                "fit_time_over_plain": mine["fit_s"] / plain["fit_s"],
            }


def mnist_part(args, umap_ok):
    X_train, y_train, X_test, y_test = load_mnist(args.mnist)
    idx = np.random.RandomState(0).choice(len(X_train), 10_000, replace=False)
    X_train, y_train = X_train[idx], y_train[idx]
    runs = [("aae", w) for w in [0.0, *args.weights]]
    runs += [(name, None) for name in UMAPS] if umap_ok else []
    for scaling in args.mnist_scaling:
        for k in args.components:
            for name, weight in runs:
                scaler = StandardScaler() if scaling == "standard" else FunctionTransformer()
                pipe = make_pipeline(scaler, reducer(name, weight, k, 0), SVC())
                start = time.perf_counter()
                Z = pipe[:2].fit_transform(X_train, y_train)  # as Pipeline.fit does
                fit_s = time.perf_counter() - start
                pipe[2].fit(Z, y_train)
                yield {
                    "part": "mnist",
                    "input": scaling,
                    "reducer": label(weight) if name == "aae" else name,
                    "n_components": k,
                    "accuracy": float(pipe.score(X_test, y_test)),
                    "fit_s": fit_s,
                }


def ceiling_part(args):
    import umap
    from sklearn.neural_network import MLPRegressor

    X, y = load_digits(return_X_y=True)
    train, test = next(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    scaler = StandardScaler().fit(X[train])
    X_train, X_test = scaler.transform(X[train]), scaler.transform(X[test])
    for seed in args.seeds:
        umap_map = umap.UMAP(n_components=2, random_state=seed).fit(X_train)
        mlp = MLPRegressor(hidden_layer_sizes=(256, 256), max_iter=2000, random_state=seed)
        mlp.fit(X_train, umap_map.embedding_)
        aae = AAETransformer(n_components=2, neighbor_weight=1.0, random_state=seed)
        aae.fit(X_train)
        placements = {
            "umap-learn transform": (umap_map.embedding_, umap_map.transform(X_test)),
            "MLP trained on umap-learn's map": (mlp.predict(X_train), mlp.predict(X_test)),
            "AAETransformer(neighbor_weight=1)": (aae.transform(X_train), aae.transform(X_test)),
        }
        for name, (Z_train, Z_test) in placements.items():
            yield {
                "part": "ceiling",
                "placed_by": name,
                "seed": seed,
                "held_out_accuracy": SVC().fit(Z_train, y[train]).score(Z_test, y[test]),
            }


def _rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def graph_part(args):
    X = load_mnist(args.mnist)[0]
    # pynndescent (the search used above 20 000 rows on a CPU) compiles its numba kernels
    # on its first call in a process: timed apart, on a small sample.
    start = time.perf_counter()
    nearest_neighbors(X[:2000], 14, torch.device("cpu"), random_state=0, method="approximate")
    compile_s = time.perf_counter() - start
    gc.collect()
    before = _rss_mib()
    start = time.perf_counter()
    graph = NeighborGraph.build(X, 15, torch.device("cpu"), random_state=0)
    build_s = time.perf_counter() - start
    peak = _rss_mib() - before
    n_edges = graph.n_edges
    del graph
    epoch_s = {}
    for weight in (0.0, 1.0):
        aae = AAETransformer(n_components=2, neighbor_weight=weight, max_iter=2, random_state=0)
        aae.fit(X)
        epoch_s[weight] = float(np.median(aae.net_.history[:, "dur"]))
    epochs = AAETransformer().max_iter
    with_graph = build_s + epochs * epoch_s[1.0]
    yield {
        "part": "graph60k",
        "n_rows": len(X),
        "graph_edges": n_edges,
        "first_call_compile_s": compile_s,
        "graph_build_s": build_s,
        "graph_peak_rss_added_mib": peak,
        "epoch_s_without_graph": epoch_s[0.0],
        "epoch_s_with_graph": epoch_s[1.0],
        f"graph_share_of_a_{epochs}_epoch_fit": build_s / with_graph,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=["digits", "map", "prior", "ceiling", "mnist", "graph60k"],
        default=["digits", "prior"],
    )
    parser.add_argument("--components", type=int, nargs="+", default=[2, 8])
    parser.add_argument(
        "--prior-components", type=int, nargs="+", default=[2], help="components (prior)"
    )
    parser.add_argument("--weights", type=float, nargs="+", default=[1.0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--mnist", default=None, help="MNIST folder (mnist, graph60k)")
    parser.add_argument(
        "--mnist-scaling", nargs="+", choices=["standard", "raw"], default=["standard", "raw"]
    )
    parser.add_argument("--no-umap", action="store_true")
    parser.add_argument(
        "--params",
        type=json.loads,
        default={},
        help="AAE parameters (a JSON object) on top of the defaults (digits, prior)",
    )
    parser.add_argument(
        "--candidate",
        action="append",
        default=[],
        metavar="NAME=JSON",
        help='an AAE setting for the map part, e.g. \'batch 64={"neighbor_weight": 1, '
        '"batch_size": 64}\' (the name ends at the first =)',
    )
    args = parser.parse_args(argv)
    candidates = {}
    for spec in args.candidate:
        name, sep, params = spec.partition("=")
        if not sep:
            parser.error(f"--candidate takes NAME=JSON, got {spec!r}")
        candidates[name] = json.loads(params)
    args.candidate = candidates
    torch.set_num_threads(1)
    warnings.simplefilter("ignore", ConvergenceWarning)
    print_header(machine_info("cpu"))
    umap_ok = False
    if not args.no_umap:
        try:
            import umap

            umap.UMAP(n_components=2, random_state=0).fit(np.random.RandomState(0).rand(300, 8))
            umap_ok = True
        except ImportError:
            print("# umap-learn is not installed: its rows are left out")

    tables = {}
    parts = {
        "digits": lambda: digits_part(args, umap_ok),
        "map": lambda: map_part(args, umap_ok),
        "prior": lambda: prior_part(args),
        "ceiling": lambda: ceiling_part(args),
        "mnist": lambda: mnist_part(args, umap_ok),
        "graph60k": lambda: graph_part(args),
    }
    for part in args.parts:
        for row in parts[part]():
            emit({"bench": "neighbors", **row})
            tables.setdefault(part, []).append(row)
    for rows in tables.values():
        print()
        print_table(rows, [c for c in rows[0] if c != "part"])


if __name__ == "__main__":
    main()
