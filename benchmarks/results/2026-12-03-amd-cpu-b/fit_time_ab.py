"""Fit time of AAETransformer's defaults on all standardized digits (8-D, seeds 3-5).

Prints the path of the sklearn_aae it imported and the three fit times (one torch
thread, after a short warm-up fit), so that two versions can be timed alternately:

    OMP_NUM_THREADS=1 python fit_time_ab.py
    OMP_NUM_THREADS=1 PYTHONPATH=WORKTREE python fit_time_ab.py
"""

import time
import warnings

import torch
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

import sklearn_aae
from sklearn_aae import AAETransformer

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
X = StandardScaler().fit_transform(load_digits().data)
AAETransformer(8, random_state=0, max_iter=3).fit(X)
times = []
for seed in [3, 4, 5]:
    start = time.perf_counter()
    AAETransformer(8, random_state=seed).fit(X)
    times.append(round(time.perf_counter() - start, 2))
print(sklearn_aae.__file__, times, flush=True)
