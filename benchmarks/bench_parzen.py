"""Parzen-window log-likelihood of AAETransformer samples on MNIST (paper, Table 1).

The protocol of the paper (and of the GAN paper it follows): train on MNIST in [0, 1],
draw 10,000 samples from the model, fit a Gaussian Parzen window on them, choose the
window width σ by the log-likelihood of a validation split, and report the mean
log-likelihood of the 10,000 test images (± its standard error). The paper reports
340 ± 2 for its AAE with an 8-D code (GMMN+AE 282 ± 2, GAN 225 ± 2).

Training uses the first 50,000 training images; the last 10,000 are the validation split
for σ. Presets: ``cpu`` (a short run on this kind of machine) and ``gpu`` (longer, on
CUDA). Everything is printed with the device, the epochs and the wall time.

    python benchmarks/bench_parzen.py --preset cpu [--mnist DIR]
    python benchmarks/bench_parzen.py --preset gpu
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch
from _common import emit, fit_within, load_mnist, machine_info, print_header

from sklearn_aae import AAETransformer

PAPER = {"AAE": (340, 2), "GMMN+AE": (282, 2), "GAN": (225, 2)}

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
    },
    "gpu": {
        "hidden": (1000, 1000),
        "epochs": 1000,
        "batch_size": 100,
        "threads": 1,
        "max_minutes": None,
        "cuda_graphs": True,
        "epochs_per_fit": 10,
    },
}
SIGMAS = np.logspace(-1.3, -0.5, 17)  # 0.05 ... 0.32, the range where MNIST's optimum lies


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    parser.add_argument("--mnist", default=None)
    parser.add_argument("--epochs", type=int, default=None, help="override the preset")
    parser.add_argument("--n-components", type=int, default=8)
    parser.add_argument("--adversarial-weight", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-samples", type=int, default=10_000)
    parser.add_argument(
        "--max-minutes", type=float, default=None, help="training time limit (override)"
    )
    args = parser.parse_args(argv)
    preset = dict(PRESETS[args.preset])
    if args.epochs is not None:
        preset["epochs"] = args.epochs
    if args.max_minutes is not None:
        preset["max_minutes"] = args.max_minutes
    device = "cuda" if args.preset == "gpu" else "cpu"
    torch.set_num_threads(preset["threads"])
    print_header(machine_info(device))

    X_train, _, X_test, _ = load_mnist(args.mnist)
    X_fit, X_valid = X_train[:50_000], X_train[50_000:]
    aae = AAETransformer(
        n_components=args.n_components,
        hidden_layer_sizes=preset["hidden"],
        reconstruction_loss="binary_crossentropy",
        adversarial_weight=args.adversarial_weight,
        batch_size=preset["batch_size"],
        max_iter=preset["epochs"],
        device=device,
        cuda_graphs=preset["cuda_graphs"],
        random_state=args.seed,
    )
    start = time.perf_counter()
    fit_within(aae, lambda: aae.fit(X_fit), preset["max_minutes"], preset["epochs_per_fit"])
    fit_s = time.perf_counter() - start
    samples = aae.sample(args.n_samples, random_state=args.seed).astype(np.float64)

    d = X_valid.shape[1]
    sq_valid = squared_distances(X_valid, samples, device)
    valid_ll = {s: parzen_log_likelihood(sq_valid, s, d).mean() for s in SIGMAS}
    del sq_valid
    sigma = max(valid_ll, key=valid_ll.get)
    test_ll = parzen_log_likelihood(squared_distances(X_test, samples, device), sigma, d)
    row = {
        "bench": "parzen",
        "preset": args.preset,
        "device": device,
        "epochs": aae.n_iter_,
        "max_minutes": preset["max_minutes"],
        "cuda_graphs": preset["cuda_graphs"],
        "hidden": list(preset["hidden"]),
        "n_components": args.n_components,
        "adversarial_weight": args.adversarial_weight,
        "sigma": float(sigma),
        "valid_ll": float(valid_ll[sigma]),
        "test_ll": float(test_ll.mean()),
        "test_ll_sem": float(test_ll.std() / math.sqrt(len(test_ll))),
        "fit_s": fit_s,
        "final_reconstruction_loss": aae.reconstruction_loss_curve_[-1],
        "final_discriminator_accuracy": aae.discriminator_accuracy_curve_[-1],
    }
    emit(row)
    print()
    print(f"Parzen log-likelihood on the MNIST test set, {args.n_samples} samples:")
    print(
        f"  AAETransformer ({args.preset} preset, {device}, {aae.n_iter_} epochs, "
        f"{fit_s / 60:.1f} min): {row['test_ll']:.1f} ± {row['test_ll_sem']:.1f} "
        f"(σ = {sigma:.3f})"
    )
    for name, (value, err) in PAPER.items():
        print(f"  paper, {name:<8} {value} ± {err}")


if __name__ == "__main__":
    main()
