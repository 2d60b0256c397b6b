"""The helpers of ``benchmarks/bench_family_digits.py``: scores, best peer, paired table.

Also the peers of the ``semi`` and ``cluster`` parts on digits, once per input and
without any AAE model (a few seconds), and that umap-learn is fitted without the labels.
"""

import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_family_digits as bench  # noqa: E402

# What the script itself silences: SVC(probability=True)'s deprecation, and the rbf
# kernel's 0 / 0 (the rows it leaves undefined are counted).
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*probability.*:FutureWarning"),
    pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning"),
]


def test_cluster_accuracies():
    y = np.array([0, 0, 1, 1, 1, 2])
    clusters = np.array([5, 5, 5, 7, 7, 7])
    # Cluster 5 holds 0, 0, 1 (two right), cluster 7 holds 1, 1, 2 (two right).
    assert bench.majority_accuracy(y, clusters) == pytest.approx(4 / 6)
    # Most confident: row 2 for cluster 5 (label 1), row 5 for cluster 7 (label 2).
    confidence = np.zeros((6, 8))
    confidence[2, 5] = confidence[5, 7] = 1.0
    assert bench.confident_accuracy(y, clusters, confidence) == pytest.approx(2 / 6)


def _records(scores):
    """Records of one metric: {(settings, model, input): [score per seed]}."""
    return [
        {"settings": s, "model": m, "input": i, "seed": seed, "accuracy": value}
        for (s, m, i), values in scores.items()
        for seed, value in enumerate(values)
    ]


def test_best_peer_and_paired_comparison():
    records = _records(
        {
            ("-", "A", "raw"): [0.80, 0.90, 0.85],
            ("-", "B", "std"): [0.90, 0.88, 0.92],  # the best peer: mean 0.9
            ("-", "B", "raw"): [0.90, 0.90, 0.90],  # as good, met later
            ("default", "AAE", "std"): [0.95, 0.88, 0.90],  # the AAE is no peer
        }
    )
    assert bench.best_peer(records, "accuracy") == (("B", "std"), pytest.approx(0.9))
    (row,) = bench._paired(records, "semi")
    assert row["model"] == "AAE" and row["best_peer"] == "B [std]"
    assert row["wins/ties/losses"] == "1/1/1"
    assert row["mean_difference"] == pytest.approx(0.01)
    assert row["worst_difference"] == pytest.approx(-0.02)
    assert row["p_wilcoxon"] is not None
    assert bench.best_peer([r for r in records if r["settings"] != "-"], "accuracy") is None


def test_part_parameters_reach_that_part_only():
    (semi,) = bench.aae_models("semi", False, {"input_noise": 0.1})
    (cluster,) = bench.aae_models("cluster", True, {})
    assert semi[0] == "+params" and semi[3] == {"input_noise": 0.1}
    assert cluster[0] == "default"
    assert cluster[3] == {"n_clusters": 10, **bench.QUICK}


@pytest.fixture(scope="module")
def digits():
    return load_digits(return_X_y=True)


def test_semi_peers_on_every_input(digits):
    rows = bench.run_semi(*digits, 0, [])
    setups = {(r["model"], r["input"]) for r in rows}
    names = [name for name, *_ in bench.semi_peers(0)]
    assert setups == {(n, i) for n in names for i in bench.INPUTS["semi"]}
    rbf = {r["input"]: r for r in rows if r["model"] == "LabelSpreading(rbf)"}
    # On raw pixels every test row's affinities underflow: the first class for all.
    assert rbf["raw"]["undefined_test_rows"] == 1.0
    assert rbf["raw"]["accuracy"] == pytest.approx(0.1, abs=0.01)
    assert rbf["std"]["undefined_test_rows"] < 0.2
    # On pixels / 16 the squared distances are 256 times smaller: no row underflows.
    assert rbf["unit"]["undefined_test_rows"] == 0.0
    assert rbf["unit"]["accuracy"] > 0.9
    assert all(r["fit_seconds"] >= r["input_seconds"] >= 0 for r in rows)


class _FakeUMAP:
    """Stands in for UnsupervisedUMAP; ``fit_transform`` takes no y, so passing one fails."""

    def __init__(self, random_state=None, **params):
        self.params = params

    def fit_transform(self, X):
        return X[:, : self.params["n_components"]]


def test_cluster_peers_and_umap_without_labels(digits, monkeypatch):
    monkeypatch.setattr(bench, "UnsupervisedUMAP", _FakeUMAP)
    rows = bench.run_cluster(*digits, 0, [], use_umap=True)
    setups = {(r["model"], r["input"]) for r in rows}
    names = [name for name, *_ in bench.cluster_peers(0)]
    expected = {(n, i) for n in names for i in bench.INPUTS["cluster"]}
    expected |= {("UMAP(10)+" + n, i) for n in names for i in ("raw", "std")}
    assert setups == expected
    assert all(0 < r["accuracy_majority"] <= 1 and r["clusters_used"] == 10 for r in rows)
