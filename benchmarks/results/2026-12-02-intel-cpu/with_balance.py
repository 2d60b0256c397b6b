"""Run a benchmark script with another weight on the categories' balance (exploration).

Patches the category-agreement term of the graph loss (``_neighbors.BALANCE`` in the
training loop) to BALANCE, then runs SCRIPT with the remaining arguments as its
command line. Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-02-intel-cpu/with_balance.py \
        BALANCE benchmarks/bench_mnist_semi.py --preset cpu ...
"""

import runpy
import sys
from pathlib import Path

import sklearn_aae._training as training
from sklearn_aae._neighbors import category_agreement_loss


def main():
    balance, script = float(sys.argv[1]), sys.argv[2]

    def loss(logits, logits_neighbors, weights=None, **_):  # its own balance, not the model's
        return category_agreement_loss(logits, logits_neighbors, weights, balance=balance)

    training.category_agreement_loss = loss
    print(f"# category balance weight: {balance}", flush=True)
    sys.argv = [script, *sys.argv[3:]]
    sys.path.insert(0, str(Path(script).resolve().parent))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
