"""AAEClassifier with its weights averaged over the second half of training (exploration).

An exponential moving average of every weight, updated after each training step from
epoch 50 of the default 100 on, replaces the weights at the end of the fit (as in mean
teacher / Polyak averaging). Digits, pixels / 16, 10 % of the training labels, the split
of ``bench_family_digits.py``. Prints, per seed, the test accuracy of the defaults, of
the averaged weights with decay 0.99 and 0.999, and of ``LabelSpreading(knn, 7)``.
Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-03-amd-cpu-c/semi_ema.py SEED...
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.semi_supervised import LabelSpreading
from skorch.callbacks import Callback

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "2026-12-02-intel-cpu"))
from semi_pseudo import split  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from _common import machine_info, print_header  # noqa: E402

from sklearn_aae import AAEClassifier  # noqa: E402

DECAYS = (0.99, 0.999)
START_EPOCH = 50  # of the default max_iter=100


class WeightAverage(Callback):
    """Keep a moving average of the module's weights; load it when training ends."""

    def __init__(self, decay=0.99):
        self.decay = decay

    def on_train_begin(self, net, **kwargs):
        self.average_ = None

    def on_batch_end(self, net, training=False, **kwargs):
        if not training or len(net.history) < START_EPOCH:
            return
        state = net.module_.state_dict()
        if self.average_ is None:
            self.average_ = {k: v.detach().clone() for k, v in state.items()}
            return
        for name, value in state.items():
            if value.dtype.is_floating_point:
                self.average_[name].mul_(self.decay).add_(value, alpha=1 - self.decay)
            else:
                self.average_[name] = value.detach().clone()

    def on_train_end(self, net, **kwargs):
        if self.average_ is not None:
            net.module_.load_state_dict(self.average_)


def main():
    print_header(machine_info("cpu"))
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    rows = []
    for seed in map(int, sys.argv[1:]):
        Xtr, Xte, _, yte, yp = split(seed)
        row = [AAEClassifier(random_state=seed).fit(Xtr, yp).score(Xte, yte)]
        for decay in DECAYS:
            clf = AAEClassifier(random_state=seed, callbacks=[WeightAverage(decay)])
            row.append(clf.fit(Xtr, yp).score(Xte, yte))
        row.append(LabelSpreading(kernel="knn", n_neighbors=7).fit(Xtr, yp).score(Xte, yte))
        rows.append(row)
        print(f"seed {seed}: " + " ".join(f"{r:.4f}" for r in row), flush=True)
    rows = np.array(rows)
    mean = " ".join(f"{m:.4f}" for m in rows.mean(axis=0))
    wins = (rows[:, :-1] > rows[:, -1:]).sum(axis=0).tolist()
    print(f"MEAN defaults, decay {DECAYS[0]}, decay {DECAYS[1]}, peer: {mean}")
    print(f"ahead of the peer on {wins} seeds")


if __name__ == "__main__":
    main()
