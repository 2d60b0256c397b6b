"""Parzen-window log-likelihood of AAETransformer samples on MNIST (paper, Table 1).

The protocol of the paper (and of the GAN paper it follows): train on MNIST in [0, 1],
draw 10,000 samples from the model, fit a Gaussian Parzen window on them, choose the
window width σ by the log-likelihood of a validation split, and report the mean
log-likelihood of the 10,000 test images (± its standard error). The paper reports
340 ± 2 for its AAE with an 8-D code (GMMN+AE 282 ± 2, GAN 225 ± 2).

Training uses the first 50,000 training images; the last 10,000 are the validation split
for σ. Presets:

- ``cpu``: a short run on a 2-core machine (batch 100, at most 40 epochs in 25 minutes);
- ``gpu-batch100``: the earlier CUDA preset (batch 100, the estimator's rates, no TF32),
  kept so that the figures measured with it can be reproduced;
- ``gpu``: a CUDA run that uses the device: batch 500 with the learning rates scaled by
  the square-root rule from the estimator's batch-100 rates, a warm-up, a cosine decay
  that ends by the time limit, TF32 matrix products and ``cuda_graphs=True``. Every
  ``epochs_per_fit`` epochs it also scores the samples (σ chosen on the validation
  split each time) and prints the curve; besides the last epoch's figure it reports the
  test figure of the checkpoint with the best validation log-likelihood.

Every preset trains the paper's model (``neighbor_weight=0``) for its whole epoch budget
(convergence stopping off: ``n_iter_no_change`` = the budget) unless ``--max-minutes``
(or the preset's limit) ends it first. ``--dropout P`` puts dropout after every hidden
layer of the encoder and decoder (one reimplementation reports 345 ± 2 with dropout in
its networks, 232 without). ``--toy`` shrinks everything (a few thousand rows, 2x32
networks, 3 epochs, on the CPU) to check the command line and the results file; MNIST is
read from the MNIST folder (``--mnist DIR`` or ``$SKLEARN_AAE_MNIST``), and ``--toy``
falls back to random data of MNIST's shape when there is none. Everything is printed
with the device, the epochs and the wall time; ``--json FILE`` appends the result row.

    python benchmarks/bench_parzen.py --preset cpu [--mnist DIR]
    python benchmarks/bench_parzen.py --preset gpu --mnist DIR --json results.jsonl
    python benchmarks/bench_parzen.py --preset gpu --toy --device cpu
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import math
import time
import warnings

import numpy as np
import torch
from _common import (
    PAPER_MODEL,
    TrainingDiverged,
    append_results,
    emit,
    enable_tf32,
    fit_within,
    gpu_schedule,
    load_mnist,
    machine_info,
    print_header,
    schedule_for,
    stop_if_diverged,
)
from sklearn.exceptions import ConvergenceWarning
from torch import nn

from sklearn_aae import AAETransformer

PAPER = {"AAE": (340, 2), "GMMN+AE": (282, 2), "GAN": (225, 2)}

# Time on a GPU. Measured: one epoch of 60,000 rows at batch 100 with cuda_graphs=True
# takes 0.81 s on an H100 (600 steps, 1.35 ms each), bound by launching kernels, not by
# arithmetic. Assumed for larger batches (conservative): a step costs those 1.35 ms plus
# its arithmetic at 25 TFLOP/s (TF32; an H200 peaks near 500 for dense TF32). One row of
# this model (784-1000-1000-8 encoder and decoder, 8-1000-1000-1 discriminator, the R1
# penalty) is about 55 MFLOP per step, forward and backward. At batch 500 on 50,000 rows:
# 100 x 1.35 ms + 50,000 x 55 MFLOP / 25 TFLOP/s = 0.25 s per epoch, about 1,200 epochs
# in 5 minutes; arithmetic at a more likely 150 TFLOP/s would allow about 2,000. The
# budget is the latter: the time limit is expected to end the run, and the cosine
# schedule follows the time spent, so it ends by the limit whatever the speed.
PRESETS = {
    # Sized to finish within about half an hour on 2 CPU cores.
    # max_minutes: training stops after the first epoch that ends past it (the preset's
    # epochs are an upper bound); the sampling and the Parzen estimate come on top.
    "cpu": {
        "hidden": (1000, 1000),
        "epochs": 40,
        "batch_size": 100,
        "threads": 2,
        "max_minutes": 25,
        "cuda_graphs": False,
        "epochs_per_fit": 2,
        "device": "cpu",
        "dropout": 0.0,
        "tf32": False,
        "eval_every_fit": False,
        "on_divergence": "raise",
        "schedule": None,  # the estimator's default learning rates, constant
    },
    "gpu": {
        "hidden": (1000, 1000),
        "epochs": 2000,
        "batch_size": 500,  # divides 50,000: every batch is full, so every step replays
        "threads": 1,
        "max_minutes": 5.0,
        "cuda_graphs": True,
        "epochs_per_fit": 100,  # 12-25 s per call, then the checkpoint's scores
        "device": "cuda",
        "dropout": 0.0,
        "tf32": True,
        "eval_every_fit": True,
        # A non-finite loss keeps the last finished epoch and ends training there (the
        # figure is still reported, marked diverged) rather than losing the run.
        "on_divergence": "restore",
        "schedule": gpu_schedule(),
    },
    # The earlier GPU preset, behind the figures of the runs of 2026-11-25 (370 epochs in
    # 4.2 minutes on an H100 with --max-minutes 4.2): batch 100, the estimator's rates.
    "gpu-batch100": {
        "hidden": (1000, 1000),
        "epochs": 1000,
        "batch_size": 100,
        "threads": 1,
        "max_minutes": None,
        "cuda_graphs": True,
        "epochs_per_fit": 10,
        "device": "cuda",
        "dropout": 0.0,
        "tf32": False,
        "eval_every_fit": False,
        "on_divergence": "raise",
        "schedule": None,
    },
}
#: What ``--toy`` changes in any preset: a check of the command line, not a benchmark.
TOY = {
    "hidden": (32, 32),
    "epochs": 3,
    "epochs_per_fit": 1,
    "threads": 1,
    "device": "cpu",
    "max_minutes": 1.0,
    "tf32": False,
}
TOY_ROWS = {"fit": 2000, "valid": 500, "test": 500, "samples": 500}
SIGMAS = np.logspace(-1.3, -0.5, 17)  # 0.05 ... 0.32, the range where MNIST's optimum lies


def dropout_mlp(n_in, n_out, *, hidden, p):
    """``Linear -> ReLU -> Dropout(p)`` blocks, then a linear output layer."""
    layers = []
    for width in hidden:
        layers += [nn.Linear(n_in, width), nn.ReLU(), nn.Dropout(p)]
        n_in = width
    layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


def toy_preset(preset):
    """The preset shrunk by ``TOY`` (its schedule warms up for one epoch only)."""
    out = {**copy.deepcopy(preset), **TOY}
    if out["schedule"]:
        out["schedule"]["warmup_epochs"] = 1
    return out


def make_model(preset, *, seed=0, n_components=8, adversarial_weight=1.0, start_time=None):
    """The AAETransformer of a preset, with its learning rates and schedule.

    ``start_time`` (``time.monotonic()``) starts the clock of a time-limited schedule.
    """
    epochs, batch_size = preset["epochs"], preset["batch_size"]
    budget = None if preset["max_minutes"] is None else 60 * preset["max_minutes"]
    rates, schedule = schedule_for(
        preset, batch_size, epochs, start_time=start_time, time_budget_s=budget
    )
    networks = {}
    if preset["dropout"]:
        hidden = tuple(preset["hidden"])
        networks = {
            "encoder_module": functools.partial(dropout_mlp, hidden=hidden, p=preset["dropout"]),
            "decoder_module": functools.partial(
                dropout_mlp, hidden=hidden[::-1], p=preset["dropout"]
            ),
        }
    return AAETransformer(
        **{**PAPER_MODEL, **rates},
        n_components=n_components,
        hidden_layer_sizes=tuple(preset["hidden"]),
        reconstruction_loss="binary_crossentropy",
        adversarial_weight=adversarial_weight,
        batch_size=batch_size,
        max_iter=epochs,
        n_iter_no_change=epochs,  # the whole budget: no convergence stopping
        device=preset["device"],
        cuda_graphs=preset["cuda_graphs"],
        on_divergence=preset["on_divergence"],
        callbacks=None if schedule is None else [schedule],
        random_state=seed,
        **networks,
    )


@torch.inference_mode()
def squared_distances(X, samples, device, chunk=1000):
    """All squared distances between the rows of X and the samples, computed once."""
    S = torch.as_tensor(samples, device=device, dtype=torch.float64)
    s_sq = (S * S).sum(1)
    out = []
    for start in range(0, len(X), chunk):
        x = torch.as_tensor(X[start : start + chunk], device=device, dtype=torch.float64)
        sq = (x * x).sum(1, keepdim=True) + s_sq[None, :] - 2 * x @ S.T
        out.append(sq.clamp_min(0))
    return torch.cat(out)


@torch.inference_mode()
def parzen_log_likelihood(sq, sigma, n_features):
    """Per-row log-likelihood under a Gaussian Parzen window, from squared distances."""
    log_norm = math.log(sq.shape[1]) + 0.5 * n_features * math.log(2 * math.pi * sigma**2)
    return (torch.logsumexp(-sq / (2 * sigma**2), dim=1) - log_norm).cpu().numpy()


def parzen_scores(aae, X_valid, X_test, n_samples, seed):
    """Sample, choose σ on the validation rows, score the test rows: a dict."""
    device = aae.device_
    samples = aae.sample(n_samples, random_state=seed).astype(np.float64)
    d = X_valid.shape[1]
    sq_valid = squared_distances(X_valid, samples, device)
    valid_ll = {s: parzen_log_likelihood(sq_valid, s, d).mean() for s in SIGMAS}
    del sq_valid
    sigma = max(valid_ll, key=valid_ll.get)
    test_ll = parzen_log_likelihood(squared_distances(X_test, samples, device), sigma, d)
    return {
        "epoch": int(aae.n_iter_),
        "sigma": float(sigma),
        "valid_ll": float(valid_ll[sigma]),
        "test_ll": float(test_ll.mean()),
        "test_ll_sem": float(test_ll.std() / math.sqrt(len(test_ll))),
    }


def run(preset, data, *, seed=0, n_components=8, adversarial_weight=1.0, n_samples=10_000):
    """Train the preset's model on ``data = (X_fit, X_valid, X_test)``; the result row."""
    X_fit, X_valid, X_test = data
    start = time.monotonic()
    aae = make_model(
        preset,
        seed=seed,
        n_components=n_components,
        adversarial_weight=adversarial_weight,
        start_time=start,
    )
    curve = []

    def fit():
        aae.fit(X_fit)
        stop_if_diverged(aae)
        if preset["eval_every_fit"]:
            scores = parzen_scores(aae, X_valid, X_test, n_samples, seed)
            scores["minutes"] = (time.monotonic() - start) / 60
            curve.append(scores)
            print(
                f"# epoch {scores['epoch']} ({scores['minutes']:.1f} min): Parzen "
                f"log-likelihood valid {scores['valid_ll']:.1f}, test {scores['test_ll']:.1f} "
                f"(σ = {scores['sigma']:.3f}); reconstruction "
                f"{aae.reconstruction_loss_curve_[-1]:.4f}, discriminator accuracy "
                f"{aae.discriminator_accuracy_curve_[-1]:.3f}",
                flush=True,
            )

    try:
        fit_within(aae, fit, preset["max_minutes"], preset["epochs_per_fit"])
    except TrainingDiverged as exc:
        print(f"# {exc}: the model of epoch {aae.n_iter_} is scored", flush=True)
    fit_s = time.monotonic() - start
    last = curve[-1] if curve and curve[-1]["epoch"] == aae.n_iter_ else None
    if last is None:
        last = parzen_scores(aae, X_valid, X_test, n_samples, seed)
        last["minutes"] = (time.monotonic() - start) / 60
        curve.append(last)
    best = max(curve, key=lambda c: c["valid_ll"])
    history = aae.net_.history
    schedule = preset["schedule"]
    diverged = bool(getattr(aae, "diverged_", False))
    notes = []
    if len(curve) > 1:
        notes.append(
            f"best on the validation split: {best['test_ll']:.1f} ± {best['test_ll_sem']:.1f} "
            f"at epoch {best['epoch']} of {len(curve)} checkpoints"
        )
    if diverged:
        notes.append(f"DIVERGED after epoch {aae.n_iter_}; that epoch's model is scored")
    return {
        "bench": "parzen",
        "device": str(aae.device_),
        "epochs": int(aae.n_iter_),
        "max_minutes": preset["max_minutes"],
        "cuda_graphs": preset["cuda_graphs"],
        "hidden": list(preset["hidden"]),
        "dropout": preset["dropout"],
        "n_components": n_components,
        "adversarial_weight": adversarial_weight,
        "sigma": last["sigma"],
        "valid_ll": last["valid_ll"],
        "test_ll": last["test_ll"],
        "test_ll_sem": last["test_ll_sem"],
        "best_valid_epoch": best["epoch"],
        "best_valid_test_ll": best["test_ll"],
        "best_valid_test_ll_sem": best["test_ll_sem"],
        "fit_s": fit_s,
        "final_reconstruction_loss": aae.reconstruction_loss_curve_[-1],
        "final_discriminator_accuracy": aae.discriminator_accuracy_curve_[-1],
        "lr_last_epoch": history[-1].get("lr", aae.learning_rate),
        "discriminator_lr_last_epoch": history[-1].get(
            "discriminator_lr", aae.discriminator_learning_rate
        ),
        "schedule": schedule,
        "tf32": bool(torch.backends.cuda.matmul.allow_tf32),
        "curve": curve,
        # The fields every GPU result has (_common.RESULT_FIELDS).
        "experiment": "parzen",
        "variant": "paper" if not preset["dropout"] else f"dropout {preset['dropout']:g}",
        "metric": "test_ll",
        "value": last["test_ll"],
        "value_sem": last["test_ll_sem"],
        "paper": "{} ± {}".format(*PAPER["AAE"]),
        "epochs_planned": preset["epochs"],
        "gpu": torch.cuda.get_device_name() if aae.device_.type == "cuda" else None,
        "fit_minutes": fit_s / 60,
        "seed": seed,
        "batch_size": preset["batch_size"],
        "learning_rate": aae.learning_rate,
        "discriminator_learning_rate": aae.discriminator_learning_rate,
        "lr_rule": "none" if not schedule else schedule["rule"],
        "diverged": diverged,
        "note": "; ".join(notes) or None,
    }


def load_data(folder, toy, seed=0):
    """``(X_fit, X_valid, X_test)``; with ``toy``, small, and random when MNIST is missing."""
    try:
        X_train, _, X_test, _ = load_mnist(folder)
    except FileNotFoundError:
        if not toy:
            raise
        print("# no MNIST folder: random data of MNIST's shape (a check, not a benchmark)")
        rng = np.random.RandomState(seed)
        X_train = rng.rand(60_000, 784).astype(np.float32)
        X_test = rng.rand(10_000, 784).astype(np.float32)
    X_fit, X_valid = X_train[:50_000], X_train[50_000:]
    if toy:
        X_fit, X_valid = X_fit[: TOY_ROWS["fit"]], X_valid[: TOY_ROWS["valid"]]
        X_test = X_test[: TOY_ROWS["test"]]
    return X_fit, X_valid, X_test


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    parser.add_argument(
        "--mnist",
        default=None,
        help="the MNIST folder of idx .gz files (default: $SKLEARN_AAE_MNIST)",
    )
    parser.add_argument("--epochs", type=int, default=None, help="override the preset")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="override the preset (its schedule scales the learning rates to it)",
    )
    parser.add_argument("--n-components", type=int, default=8)
    parser.add_argument("--adversarial-weight", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-samples", type=int, default=10_000)
    parser.add_argument(
        "--max-minutes", type=float, default=None, help="training time limit (override)"
    )
    parser.add_argument("--dropout", type=float, default=None, help="override the preset")
    parser.add_argument("--device", default=None, help="override the preset's device")
    parser.add_argument("--toy", action="store_true", help="tiny settings: check the script")
    parser.add_argument("--json", default=None, help="append the result row to this file")
    args = parser.parse_args(argv)
    preset = copy.deepcopy(PRESETS[args.preset])
    if args.toy:
        preset = toy_preset(preset)
    for key in ("epochs", "batch_size", "max_minutes", "dropout", "device"):
        if getattr(args, key) is not None:
            preset[key] = getattr(args, key)
    if preset["device"].startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit(f"--preset {args.preset} needs CUDA; pass --device cpu to try it.")
    n_samples = min(args.n_samples, TOY_ROWS["samples"]) if args.toy else args.n_samples
    torch.set_num_threads(preset["threads"])
    if preset["tf32"]:
        enable_tf32()
    if preset["dropout"]:
        torch.manual_seed(args.seed)  # dropout draws from torch's global generator
    # The presets train their whole epoch budget on purpose: no warning per call.
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    print_header(machine_info(preset["device"]))
    print("# " + json.dumps({"preset": args.preset, "toy": args.toy, **preset}))

    data = load_data(args.mnist, args.toy, args.seed)
    row = run(
        preset,
        data,
        seed=args.seed,
        n_components=args.n_components,
        adversarial_weight=args.adversarial_weight,
        n_samples=n_samples,
    )
    row["preset"] = args.preset + (" (toy)" if args.toy else "")
    emit(row)
    append_results(args.json, [row])
    print()
    print(f"Parzen log-likelihood on the MNIST test set, {n_samples} samples:")
    print(
        f"  AAETransformer ({row['preset']} preset, {row['device']}, {row['epochs']} epochs, "
        f"{row['fit_minutes']:.1f} min): {row['test_ll']:.1f} ± {row['test_ll_sem']:.1f} "
        f"(σ = {row['sigma']:.3f})"
    )
    if row["note"]:
        print(f"  {row['note']}")
    for name, (value, err) in PAPER.items():
        print(f"  paper, {name:<8} {value} ± {err}")


if __name__ == "__main__":
    main()
