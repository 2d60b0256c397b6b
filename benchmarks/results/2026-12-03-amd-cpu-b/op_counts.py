"""Count the torch operators one 5-epoch default fit on digits runs (8-D, seed 3).

Writes ``{operator: calls}`` as JSON to the path given and prints the total. Run it
from two versions (``PYTHONPATH=WORKTREE`` for the other) and ``diff`` the files: the
same counts mean that the training step does the same work in both, whatever the
machine's speed that day.

    OMP_NUM_THREADS=1 python op_counts.py new.json
"""

import json
import sys
import warnings

import torch
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler
from torch.profiler import ProfilerActivity, profile

from sklearn_aae import AAETransformer

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
X = StandardScaler().fit_transform(load_digits().data)
AAETransformer(8, random_state=0, max_iter=2).fit(X)
with profile(activities=[ProfilerActivity.CPU]) as prof:
    AAETransformer(8, random_state=3, max_iter=5).fit(X)
counts = {e.key: e.count for e in prof.key_averages() if e.key.startswith("aten::")}
with open(sys.argv[1], "w") as f:
    json.dump(counts, f, sort_keys=True, indent=0)
print(sum(counts.values()))
