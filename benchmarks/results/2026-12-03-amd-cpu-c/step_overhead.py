"""Where a default AAETransformer fit on digits spends its time (exploration).

Fits on all digits (pixels / 16, 8 components, seed 0, 100 epochs) with the default
networks and with narrower encoder/decoder and discriminator layers, alternating, two
rounds: the fit time of (16, 16) layers everywhere is the cost of a training step that
does next to no arithmetic (the loop, the optimizers, the autograd engine, the losses),
paid by every fit whatever the networks' size. Run from the repository root, alone on
the machine:

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-03-amd-cpu-c/step_overhead.py
"""

import sys
import time
import warnings
from pathlib import Path

import torch
from sklearn.datasets import load_digits

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from _common import machine_info, print_header  # noqa: E402

from sklearn_aae import AAETransformer

SETTINGS = {
    "defaults: encoder/decoder (256, 256), discriminator (128, 128)": {},
    "encoder/decoder (256, 256), discriminator (16, 16)": {
        "discriminator_hidden_layer_sizes": (16, 16)
    },
    "encoder/decoder (16, 16), discriminator (128, 128)": {"hidden_layer_sizes": (16, 16)},
    "encoder/decoder (16, 16), discriminator (16, 16)": {
        "hidden_layer_sizes": (16, 16),
        "discriminator_hidden_layer_sizes": (16, 16),
    },
}


def main():
    print_header(machine_info("cpu"))
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    X = load_digits().data / 16
    AAETransformer(max_iter=2, random_state=0).fit(X)  # warm-up
    for round_ in range(2):
        for name, params in SETTINGS.items():
            model = AAETransformer(n_components=8, random_state=0, **params)
            start = time.perf_counter()
            model.fit(X)
            seconds = time.perf_counter() - start
            steps = model.n_iter_ * len(range(0, X.shape[0], 256))
            print(
                f"round {round_}: {name}: {seconds:.2f} s, {1e3 * seconds / steps:.2f} ms a step",
                flush=True,
            )


if __name__ == "__main__":
    main()
