"""bfloat16 against float32 training on the CPU, under the kernel set in force (a check).

Fits the default ``AAETransformer`` (8-D, seed 3) on standardized digits in float32 and
with ``precision="bfloat16"``, alternating, two rounds, and prints each fit's time and
the 5-fold SVC accuracy of its codes. Run it under each of torch's CPU kernel sets,
from the repository root:

    for cap in default avx2 avx512; do
        ATEN_CPU_CAPABILITY=$cap OMP_NUM_THREADS=1 python \
            benchmarks/results/2026-12-03-amd-cpu-c/bfloat16_kernel_sets.py
    done
"""

import sys
import time
import warnings
from pathlib import Path

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from _common import machine_info, print_header  # noqa: E402

from sklearn_aae import AAETransformer  # noqa: E402


def main():
    print_header(machine_info("cpu"))
    print(f"# kernel set: {torch.backends.cpu.get_cpu_capability()}")
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    AAETransformer(max_iter=2, random_state=0).fit(X)  # warm-up
    for round_ in range(2):
        for precision in ("float32", "bfloat16"):
            model = AAETransformer(n_components=8, random_state=3, precision=precision)
            start = time.perf_counter()
            codes = model.fit_transform(X)
            seconds = time.perf_counter() - start
            accuracy = cross_val_score(SVC(), codes, y, cv=5).mean()
            line = f"round {round_}: {precision}: {seconds:.2f} s, accuracy {accuracy:.4f}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
