"""The paper's MNIST tables: semi-supervised error (Table 2) and clustering error (Table 3).

- ``semi100`` / ``semi1000``: ``AAEClassifier`` trained on the training rows with 100 (or
  1000) labels, 10 % of them per class, the rest -1; error on the 10k test set. Paper:
  1.90 % ± 0.10 (100 labels), 1.60 % ± 0.08 (1000 labels).
- ``cluster16``: ``AAEClusterer(n_clusters=16)`` trained without labels; every cluster k
  takes the label of the training example x that maximises q(y=k|x) (the paper's rule,
  §6), and the error is that of the test set's clusters. Paper: 9.55 % ± 2.05. The error
  with the majority rule (every cluster takes the majority label of its training members)
  is printed too.

Presets (``PRESETS`` below):

- ``cpu``: a short run on a subset of the training set that finishes in under ~20
  minutes on 2 cores (2x256 networks, batch 100, 40 epochs);
- ``gpu``: the paper's networks on all 60k rows (2x1000, 2x3000 for clustering) on CUDA,
  using the device: batch 500 with the learning rates scaled by the square-root rule
  from the estimators' batch-100 rates, a warm-up, a cosine decay that ends by the time
  limit, TF32 matrix products and ``cuda_graphs=True``. Every ``epochs_per_fit`` epochs
  it prints the test error so far (a curve to read, not to choose from: the figure
  reported is the last epoch's).

Every preset trains the paper's model (``neighbor_weight=0``,
``adversarial_update="alternating"``, for clustering one category per cluster,
``n_categories=None``) for its whole epoch budget: convergence stopping
is off (``n_iter_no_change`` = ``max_iter``). ``--variants`` adds others beside it (or
instead): ``improved`` is the same preset with the neighbour-graph term
(``neighbor_weight=1.0``); ``defaults`` is the estimator as a user gets it (its
defaults: the graph term, batch 256, its learning rates, its discriminator; for
``AAEClassifier`` the denoising encoder and λ = 3, for ``AAEClusterer`` twice as many
categories as clusters, merged) with only the preset's network sizes
and epoch budget and the reconstruction loss that suits the scaling.

Prints the machine, the settings, one JSON line per result and a table with the paper's
figure next to each error; ``--json FILE`` appends the result rows to FILE. MNIST is
read from the MNIST folder (``--mnist DIR`` or ``$SKLEARN_AAE_MNIST``); nothing is
downloaded. ``--toy`` shrinks everything (2,000 rows, 2x32 networks, 3 epochs, on the
CPU, random data of MNIST's shape when there is no MNIST folder) to check the command
line and the results file.

``--peers`` also fits, on the same rows and labels, what a user would try first:
``LabelSpreading(kernel="knn")`` with 7 and 10 neighbours for the semi-supervised ones,
``KMeans(n_init=10)`` and (with umap-learn) umap-learn then KMeans for clustering, each
scored as the AAE models are (``undefined_test_rows``: the test rows that label spreading
leaves without a label distribution, which its ``predict`` gives the first class);
``--peers-only`` fits the peers alone.

``--max-minutes M`` bounds each experiment's training (the ``gpu`` preset: 5 minutes):
it then trains in warm-started steps of ``--epochs-per-fit`` epochs (continuing the same
training) until the preset's epochs are done or the first step that ends past M minutes,
and reports the epochs reached.

    OMP_NUM_THREADS=1 python benchmarks/bench_mnist_semi.py --preset cpu
    python benchmarks/bench_mnist_semi.py --preset gpu --experiments semi100 --mnist DIR
    python benchmarks/bench_mnist_semi.py --preset gpu --experiments cluster16 --max-minutes 8
    python benchmarks/bench_mnist_semi.py --preset gpu --toy --device cpu
    OMP_NUM_THREADS=1 python benchmarks/bench_mnist_semi.py --preset cpu --variants defaults \
        --peers --preset-override '{"n_train": 60000, "semi": {"max_iter": 100}}'
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import time
import warnings

import numpy as np
import torch
from _common import (
    N2D_UMAP_PARAMS,
    PAPER_MODEL,
    TrainingDiverged,
    UnsupervisedUMAP,
    append_results,
    cluster_confidence,
    emit,
    enable_tf32,
    fit_within,
    gpu_schedule,
    load_mnist,
    machine_info,
    print_header,
    print_table,
    schedule_for,
    stop_if_diverged,
    undefined_rows,
)
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import LabelSpreading

from sklearn_aae import AAEClassifier, AAEClusterer

#: The paper's figures (Makhzani et al. 2015, Tables 2 and 3): test error in %, ± std.
PAPER = {"semi100": (1.90, 0.10), "semi1000": (1.60, 0.08), "cluster16": (9.55, 2.05)}

#: Estimator parameters of each variant, on top of the preset's. ``defaults`` is special:
#: the estimator's own defaults (see ``DEFAULTS_FROM_PRESET``).
VARIANTS = {
    "paper": {"neighbor_weight": 0.0},
    "improved": {"neighbor_weight": 1.0},
    "defaults": {},
}
#: What the ``defaults`` variant takes from the preset's model; every other parameter is
#: the estimator's default (batch size, learning rates, discriminator, graph term, ...),
#: and the learning rates follow no schedule.
DEFAULTS_FROM_PRESET = ("hidden_layer_sizes", "max_iter", "cuda_graphs")

# Time on a GPU. Measured: one epoch of 60,000 rows of the AAETransformer with the
# paper's 2x1000 networks at batch 100 with cuda_graphs=True takes 0.81 s on an H100
# (1.35 ms per step, bound by launching kernels). Assumed (conservative) for these
# models at larger batches: a step costs 2 ms (a second discriminator, a third phase:
# about 1.5 times the kernels) plus its arithmetic at 25 TFLOP/s (TF32; an H200 peaks
# near 500 for dense TF32). Per row and step, forward and backward: about 75 MFLOP for
# the classifier (2x1000) and 720 MFLOP for the clusterer (2x3000 everywhere, two
# discriminators with the R1 penalty). At batch 500 on 60,000 rows that is 0.42 s per
# epoch for the classifier (about 700 epochs in 5 minutes) and 2.0 s for the clusterer
# (150 epochs); arithmetic at a more likely 150 TFLOP/s would allow about twice and five
# times as many. The epoch budgets below lie between the two: the time limit is expected
# to end the runs, and the cosine schedule follows the time spent, so it ends by then.
PRESETS = {
    "cpu": {
        #: n_train: training rows used (a seeded random subset when below 60000);
        #: scaling: "unit" (pixels / 255, Bernoulli decoder with binary cross-entropy)
        #: or "standard" (StandardScaler, squared error); "semi" and "cluster" hold
        #: estimator parameters.
        "n_train": 20_000,
        "scaling": "unit",
        "device": "cpu",
        "tf32": False,
        "max_minutes": None,
        "epochs_per_fit": {"semi": 10, "cluster": 10},  # steps under --max-minutes
        "eval_every_fit": False,
        "on_divergence": "raise",
        "schedule": None,  # the estimators' default learning rates, constant
        "semi": {"hidden_layer_sizes": (256, 256), "batch_size": 100, "max_iter": 40},
        "cluster": {"hidden_layer_sizes": (256, 256), "batch_size": 100, "max_iter": 40},
    },
    "gpu": {
        "n_train": 60_000,
        "scaling": "unit",
        "device": "cuda",
        "tf32": True,
        "max_minutes": 5.0,
        # 10-40 s per call at the speeds above, then the checkpoint's error.
        "epochs_per_fit": {"semi": 50, "cluster": 20},
        "eval_every_fit": True,
        # A non-finite loss keeps the last finished epoch and ends training there (the
        # error is still reported, marked diverged) rather than losing the run.
        "on_divergence": "restore",
        "schedule": gpu_schedule(),
        "semi": {
            "hidden_layer_sizes": (1000, 1000),
            "batch_size": 500,  # divides 60,000: every batch is full, every step replays
            "max_iter": 1200,
            "cuda_graphs": True,
        },
        "cluster": {
            "hidden_layer_sizes": (3000, 3000),
            "batch_size": 500,
            "max_iter": 600,
            "cuda_graphs": True,
        },
    },
}
#: What ``--toy`` changes in any preset: a check of the command line, not a benchmark.
TOY = {
    "n_train": 2000,
    "n_test": 500,
    "device": "cpu",
    "tf32": False,
    "max_minutes": 1.0,
    "epochs_per_fit": {"semi": 1, "cluster": 1},
}
TOY_MODEL = {"hidden_layer_sizes": (32, 32), "max_iter": 3}

EXPERIMENTS = {"semi100": 100, "semi1000": 1000, "cluster16": 16}


def toy_preset(preset):
    """The preset shrunk by ``TOY`` and ``TOY_MODEL`` (a one-epoch warm-up)."""
    out = {**copy.deepcopy(preset), **copy.deepcopy(TOY)}
    for kind in ("semi", "cluster"):
        out[kind] = {**out[kind], **TOY_MODEL}
    if out["schedule"]:
        out["schedule"]["warmup_epochs"] = 1
    return out


def confident_labels(y, confidence):
    """Label of every cluster k: that of the example maximising ``confidence[:, k]``."""
    return y[np.argmax(confidence, axis=0)]


def majority_labels(y, clusters, n_clusters):
    """Label of every cluster: the majority label of its members (-1 when empty)."""
    out = np.full(n_clusters, -1)
    for k in np.unique(clusters):
        out[k] = np.bincount(y[clusters == k]).argmax()
    return out


def load_data(folder, toy=False, seed=0):
    """MNIST ``(X_train, y_train, X_test, y_test)``; random data for ``toy`` without it."""
    try:
        return load_mnist(folder)
    except FileNotFoundError:
        if not toy:
            raise
        print("# no MNIST folder: random data of MNIST's shape (a check, not a benchmark)")
        rng = np.random.RandomState(seed)
        return (
            rng.rand(60_000, 784).astype(np.float32),
            rng.randint(10, size=60_000),
            rng.rand(10_000, 784).astype(np.float32),
            rng.randint(10, size=10_000),
        )


def prepare(preset, seed, data):
    """The preset's training subset (stratified) and scaling of ``load_data``'s arrays."""
    X_train, y_train, X_test, y_test = data
    if preset["n_train"] < X_train.shape[0]:
        keep, _ = train_test_split(
            np.arange(y_train.shape[0]),
            train_size=preset["n_train"],
            stratify=y_train,
            random_state=seed,
        )
        X_train, y_train = X_train[keep], y_train[keep]
    if preset.get("n_test"):
        X_test, y_test = X_test[: preset["n_test"]], y_test[: preset["n_test"]]
    if preset["scaling"] == "standard":
        scaler = StandardScaler().fit(X_train)
        X_train = scaler.transform(X_train).astype(np.float32)
        X_test = scaler.transform(X_test).astype(np.float32)
    return X_train, y_train, X_test, y_test


def model_params(experiment, preset, seed, variant="paper", start_time=None):
    """The estimator's class and parameters for an experiment, with its schedule."""
    kind = "semi" if experiment.startswith("semi") else "cluster"
    if variant == "defaults":
        params = {k: v for k, v in preset[kind].items() if k in DEFAULTS_FROM_PRESET}
    else:
        params = {**PAPER_MODEL, **preset[kind]}
    # Every preset trains its whole budget: no convergence stopping.
    params.setdefault("n_iter_no_change", params["max_iter"])
    if variant != "defaults":
        budget = None if preset["max_minutes"] is None else 60 * preset["max_minutes"]
        rates, schedule = schedule_for(
            preset,
            params["batch_size"],
            params["max_iter"],
            start_time=start_time,
            time_budget_s=budget,
        )
        params.update(rates)
        if schedule is not None:
            params["callbacks"] = [schedule]
    params.update(VARIANTS[variant])
    if kind == "cluster" and variant != "defaults":
        # The paper's model has one category per cluster (a preset may ask for more).
        params.setdefault("n_categories", None)
    params["reconstruction_loss"] = (
        "binary_crossentropy" if preset["scaling"] == "unit" else "squared_error"
    )
    params.update(device=preset["device"], on_divergence=preset["on_divergence"], random_state=seed)
    if kind == "semi":
        return AAEClassifier, params
    return AAEClusterer, {**params, "n_clusters": EXPERIMENTS[experiment]}


def make_model(experiment, preset, seed, variant="paper", start_time=None):
    cls, params = model_params(experiment, preset, seed, variant, start_time)
    return cls(**params)


def cluster_errors(model, y_train, X_train, X_test, y_test, n_clusters):
    """Test error (%) with the paper's rule and with the majority rule, clusters used."""
    test_clusters = model.predict(X_test)
    train_clusters = model.predict(X_train)
    paper_rule = confident_labels(y_train, cluster_confidence(model, X_train))
    majority = majority_labels(y_train, train_clusters, n_clusters)
    return (
        100 * float(np.mean(paper_rule[test_clusters] != y_test)),
        100 * float(np.mean(majority[test_clusters] != y_test)),
        int(np.unique(train_clusters).shape[0]),
    )


def partial_labels(y_train, n_labels, seed):
    """``y_train`` with all but ``n_labels`` stratified rows set to -1 (unlabelled)."""
    labelled, _ = train_test_split(
        np.arange(y_train.shape[0]), train_size=n_labels, stratify=y_train, random_state=seed
    )
    y_fit = np.full_like(y_train, -1)
    y_fit[labelled] = y_train[labelled]
    return y_fit


def peers(experiment, seed):
    """The peers of an experiment, as a user would try them: (name, unfitted estimator).

    ``LabelSpreading`` with its knn kernel, 7 (its default) and 10 neighbours, for the
    semi-supervised experiments (the rbf kernel's dense n x n affinities, 29 GB at 60 000
    rows, do not fit in the project machine's memory); KMeans and, when umap-learn is
    installed, umap-learn followed by KMeans for clustering.
    """
    if experiment.startswith("semi"):
        return [
            (f"LabelSpreading(knn, {k})", LabelSpreading(kernel="knn", n_neighbors=k))
            for k in (7, 10)
        ]
    k = EXPERIMENTS[experiment]
    out = [(f"KMeans({k}, n_init=10)", KMeans(k, n_init=10, random_state=seed))]
    if importlib.util.find_spec("umap") is not None:
        umap = UnsupervisedUMAP(random_state=seed, **N2D_UMAP_PARAMS)
        kmeans = KMeans(k, n_init=10, random_state=seed)
        out.append((f"UMAP(10)+KMeans({k}, n_init=10)", make_pipeline(umap, kmeans)))
    return out


def run_peer(experiment, seed, data, name, model):
    """Fit a peer on the rows (and labels) the AAE model of ``run`` sees; its result row."""
    X_train, y_train, X_test, y_test = data
    start = time.monotonic()
    if experiment.startswith("semi"):
        model.fit(X_train, partial_labels(y_train, EXPERIMENTS[experiment], seed))
        error_pct = 100 * (1 - model.score(X_test, y_test))
        extra = {"undefined_test_rows": undefined_rows(model, X_test)}
    else:
        model.fit(X_train)
        error_pct, majority, used = cluster_errors(
            model, y_train, X_train, X_test, y_test, EXPERIMENTS[experiment]
        )
        extra = {"error_majority_pct": majority, "clusters_used": used}
    seconds = time.monotonic() - start
    paper = "{:.2f} ± {:.2f}".format(*PAPER[experiment])
    if "undefined_test_rows" in extra:
        note = f"{100 * extra['undefined_test_rows']:.1f} % of test rows undefined (NaN)"
    else:
        note = f"majority rule: {majority:.2f} %, {used} clusters used"
    return {
        "bench": "mnist_paper_tables",
        "experiment": experiment,
        "variant": f"peer: {name}",
        "seed": seed,
        "error_pct": float(error_pct),
        "paper_error_pct": paper,
        **extra,
        "n_train": int(X_train.shape[0]),
        "device": "cpu",
        "epochs": None,
        "fit_seconds": seconds,
        "metric": "error_pct",
        "value": float(error_pct),
        "value_sem": None,
        "paper": paper,
        "epochs_planned": None,
        "gpu": None,
        "fit_minutes": seconds / 60,
        "max_minutes": None,
        "batch_size": None,
        "learning_rate": None,
        "discriminator_learning_rate": None,
        "lr_rule": None,
        "note": note,
    }


def run(experiment, preset, seed, data, variant="paper"):
    """Train one experiment of a preset on prepared data; the result row."""
    X_train, y_train, X_test, y_test = data
    kind = "semi" if experiment.startswith("semi") else "cluster"
    start = time.monotonic()
    cls, built = model_params(experiment, preset, seed, variant, start_time=start)
    model = cls(**built)
    if kind == "semi":
        y_fit = partial_labels(y_train, EXPERIMENTS[experiment], seed)

        def error():
            return 100 * (1 - model.score(X_test, y_test))

    else:
        n_clusters = EXPERIMENTS[experiment]
        y_fit = None

        def error():
            return cluster_errors(model, y_train, X_train, X_test, y_test, n_clusters)[0]

    curve = []

    def fit():
        model.fit(X_train, y_fit)
        stop_if_diverged(model)
        if preset["eval_every_fit"]:
            point = {
                "epoch": int(model.n_iter_),
                "minutes": (time.monotonic() - start) / 60,
                "error_pct": float(error()),
            }
            curve.append(point)
            print(
                f"# {experiment} ({variant}) epoch {point['epoch']} "
                f"({point['minutes']:.1f} min): test error {point['error_pct']:.2f} %, "
                f"reconstruction {model.reconstruction_loss_curve_[-1]:.4f}, "
                f"lr {model.net_.history[-1].get('lr', model.learning_rate):.3g}",
                flush=True,
            )

    try:
        fit_within(model, fit, preset["max_minutes"], preset["epochs_per_fit"][kind])
    except TrainingDiverged as exc:
        print(f"# {exc}: the model of epoch {model.n_iter_} is scored", flush=True)
    seconds = time.monotonic() - start
    if kind == "semi":
        error_pct = float(error())
        extra = {"n_labels": EXPERIMENTS[experiment]}
    else:
        error_pct, majority, used = cluster_errors(
            model, y_train, X_train, X_test, y_test, EXPERIMENTS[experiment]
        )
        extra = {"error_majority_pct": majority, "clusters_used": used}
    paper, paper_std = PAPER[experiment]
    # As built: fit_within changes max_iter and warm_start during the fit.
    hidden = ("device", "random_state", "callbacks", "on_divergence")
    params = {k: v for k, v in built.items() if k not in hidden}
    schedule = preset["schedule"]
    diverged = bool(getattr(model, "diverged_", False))
    notes = []
    if kind == "cluster":
        notes.append(
            f"majority rule: {extra['error_majority_pct']:.2f} %, "
            f"{extra['clusters_used']} clusters used"
        )
    if diverged:
        notes.append(f"DIVERGED after epoch {model.n_iter_}; that epoch's model is scored")
    return {
        "bench": "mnist_paper_tables",
        "experiment": experiment,
        "variant": variant,
        "seed": seed,
        "error_pct": error_pct,
        "paper_error_pct": f"{paper:.2f} ± {paper_std:.2f}",
        **extra,
        "n_train": int(X_train.shape[0]),
        "scaling": preset["scaling"],
        "device": str(model.device_),
        "epochs": int(model.n_iter_),
        "max_minutes": preset["max_minutes"],
        "fit_seconds": seconds,
        "params": params,
        "schedule": schedule,
        "tf32": bool(torch.backends.cuda.matmul.allow_tf32),
        "curve": curve,
        # The fields every GPU result has (_common.RESULT_FIELDS).
        "metric": "error_pct",
        "value": error_pct,
        "value_sem": None,
        "paper": f"{paper:.2f} ± {paper_std:.2f}",
        "epochs_planned": int(params["max_iter"]),
        "gpu": torch.cuda.get_device_name() if model.device_.type == "cuda" else None,
        "fit_minutes": seconds / 60,
        # The model's own: the defaults variant leaves them to the estimator.
        "batch_size": int(model.net_.batch_size),  # "auto" resolved by the fit
        "learning_rate": float(model.learning_rate),
        "discriminator_learning_rate": float(model.discriminator_learning_rate),
        "lr_rule": "none" if not schedule else schedule["rule"],
        "diverged": diverged,
        "note": "; ".join(notes) or None,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    parser.add_argument(
        "--experiments", nargs="+", choices=list(EXPERIMENTS), default=list(EXPERIMENTS)
    )
    parser.add_argument(
        "--variants",
        nargs="+",
        choices=list(VARIANTS),
        default=["paper"],
        help="paper: the paper's model; improved: with the neighbour-graph term as well; "
        "defaults: the estimator's own defaults",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument(
        "--peers",
        action="store_true",
        help="also fit the peers (LabelSpreading; KMeans, umap-learn + KMeans) on the same rows",
    )
    parser.add_argument("--peers-only", action="store_true", help="the peers, no AAE model")
    parser.add_argument(
        "--mnist",
        default=None,
        help="the MNIST folder of idx .gz files (default: $SKLEARN_AAE_MNIST)",
    )
    parser.add_argument(
        "--preset-override",
        type=json.loads,
        default={},
        help="JSON object merged into the preset, e.g. '{\"n_train\": 60000}'",
    )
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument(
        "--max-minutes", type=float, default=None, help="training time limit per experiment"
    )
    parser.add_argument(
        "--epochs-per-fit",
        type=int,
        default=None,
        help="warm-start step under a time limit (default: the preset's)",
    )
    parser.add_argument("--device", default=None, help="override the preset's device")
    parser.add_argument("--toy", action="store_true", help="tiny settings: check the script")
    parser.add_argument("--json", default=None, help="append the result rows to this file")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    preset = copy.deepcopy(PRESETS[args.preset])
    if args.toy:
        preset = toy_preset(preset)
    for key, value in args.preset_override.items():
        preset[key] = {**preset[key], **value} if isinstance(value, dict) else value
    if args.max_minutes is not None:
        preset["max_minutes"] = args.max_minutes
    if args.epochs_per_fit is not None:
        preset["epochs_per_fit"] = dict.fromkeys(("semi", "cluster"), args.epochs_per_fit)
    if args.device is not None:
        preset["device"] = args.device
    device = preset["device"]
    if device.startswith("cuda") and not torch.cuda.is_available() and not args.peers_only:
        raise SystemExit(
            f"--preset {args.preset} needs CUDA, which this machine does not have "
            "(--device cpu to try it)."
        )
    if preset["tf32"]:
        enable_tf32()
    # The presets train their whole epoch budget on purpose: no warning per call.
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    print_header(machine_info(device))
    print("# " + json.dumps({"preset": args.preset, "toy": args.toy, **preset}))
    t_start = time.perf_counter()
    rows = []
    raw = load_data(args.mnist, args.toy)
    for seed in args.seeds:
        data = prepare(preset, seed, raw)
        for experiment in args.experiments:
            variants = [] if args.peers_only else args.variants
            runs = [(run, (experiment, preset, seed, data, v)) for v in variants]
            if args.peers or args.peers_only:
                runs += [
                    (run_peer, (experiment, seed, data, name, model))
                    for name, model in peers(experiment, seed)
                ]
            for fit_and_score, arguments in runs:
                row = fit_and_score(*arguments)
                row["preset"] = args.preset + (" (toy)" if args.toy else "")
                emit(row)
                append_results(args.json, [row])
                rows.append(row)
    print()
    columns = ["experiment", "variant", "seed", "error_pct", "paper_error_pct", "n_train"]
    columns += ["device", "epochs", "fit_seconds"]
    print_table(rows, columns)
    if len(args.seeds) > 1:
        print()
        for experiment in args.experiments:
            # every model and peer of the experiment, in the order they ran
            ran = dict.fromkeys(r["variant"] for r in rows if r["experiment"] == experiment)
            for variant in ran:
                errors = [
                    r["error_pct"]
                    for r in rows
                    if r["experiment"] == experiment and r["variant"] == variant
                ]
                print(
                    f"{experiment} ({variant}): {np.mean(errors):.2f} ± {np.std(errors):.2f} % "
                    "over seeds"
                )
    print(f"\n# total wall time: {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
