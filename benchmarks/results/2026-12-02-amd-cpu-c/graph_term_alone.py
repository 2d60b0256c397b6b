"""The graph term alone, as parametric UMAP: what makes its 2-D map of digits good.

An encoder like AAETransformer's (64-256-256-2, ReLU, Adam at 1e-3) trained on nothing
but ``_neighbors.neighbor_loss`` (the estimators' settings) over the estimators' graph
of all digits (pixels / 16), for EPOCHS epochs in which every row draws PER_ROW graph
neighbours, in mini-batches of BATCH edges. Prints, per seed, the 3-fold CV accuracy
of KNeighborsClassifier(10) on the codes, their trustworthiness (10 neighbours) and
the training time. Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-02-amd-cpu-c/graph_term_alone.py \
        EPOCHS PER_ROW BATCH [LEARNING_RATE]
"""

import sys
import time
import warnings

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.manifold import trustworthiness
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from sklearn_aae._neighbors import NeighborGraph, neighbor_loss, neighbor_loss_settings


def main():
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    epochs, per_row, batch = (int(a) for a in sys.argv[1:4])
    lr = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-3
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    Xt = torch.from_numpy(X)
    settings = neighbor_loss_settings()
    for seed in (0, 1):
        torch.manual_seed(seed)
        graph = NeighborGraph.build(X, 15, "cpu", seed)
        generator = torch.Generator().manual_seed(seed)
        layers = [torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256)]
        encoder = torch.nn.Sequential(*layers, torch.nn.ReLU(), torch.nn.Linear(256, 2))
        optimizer = torch.optim.Adam(encoder.parameters(), lr)
        start = time.perf_counter()
        for _ in range(epochs):
            rows = torch.arange(len(X)).repeat(per_row)
            rows = rows[torch.randperm(len(rows), generator=generator)]
            neighbors = graph.sample(rows, generator)
            for i in range(0, len(rows), batch):
                r, n = rows[i : i + batch], neighbors[i : i + batch]
                loss = neighbor_loss(encoder(Xt[r]), encoder(Xt[n]), **settings)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        seconds = time.perf_counter() - start
        with torch.no_grad():
            Z = encoder(Xt).numpy()
        knn = cross_val_score(KNeighborsClassifier(10), Z, y, cv=3).mean()
        trust = trustworthiness(X, Z, n_neighbors=10)
        print(
            f"epochs {epochs} per_row {per_row} batch {batch} lr {lr:g} seed {seed}: "
            f"kNN {knn:.3f} trustworthiness {trust:.3f} ({seconds:.1f} s, "
            f"{epochs * -(-len(X) * per_row // batch)} steps)",
            flush=True,
        )


if __name__ == "__main__":
    main()
