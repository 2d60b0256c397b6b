"""The GPU presets of the paper's benchmarks, checked on the CPU at toy scale.

A GPU run is short and rare: it must not fail on a typo, a wrong key or a wrong
learning rate. These tests build every GPU preset's estimator and callbacks the way
``benchmarks/bench_parzen.py`` and ``benchmarks/bench_mnist_semi.py`` do, with
``device="cpu"`` (``cuda_graphs=True`` does nothing there), tiny networks and a few
hundred rows of random MNIST-shaped data, and check the learning rates per epoch on both
optimizers, the batch-size scaling, the time limit, and the result rows that
``benchmarks/gpu_checks.sh`` summarises.
"""

import copy
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.semi_supervised import LabelSpreading
from skorch.callbacks import Callback

from sklearn_aae import AAEClassifier, TrainingInterruptedWarning

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import _common  # noqa: E402
import bench_mnist_semi  # noqa: E402
import bench_parzen  # noqa: E402

# The presets train their whole budget on purpose; here that budget is a few epochs.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TINY = {"hidden_layer_sizes": (16, 16)}
SEMI_GPU = bench_mnist_semi.PRESETS["gpu"]
PARZEN_GPU = bench_parzen.PRESETS["gpu"]


class RecordRates(Callback):
    """Record, at the end of every epoch, the rates both optimizers trained it with."""

    def on_epoch_end(self, net, **kwargs):
        net.history.record("used_lr", net.optimizer_.param_groups[0]["lr"])
        net.history.record("used_d_lr", net.optimizer_discriminator_.param_groups[0]["lr"])


def mnist_like(n, seed=0):
    rng = np.random.RandomState(seed)
    X = (rng.rand(n, 784) < 0.2).astype(np.float32) * rng.rand(n, 784).astype(np.float32)
    return X, np.arange(n) % 10


def on_cpu(preset, **changes):
    """A copy of a GPU preset on the CPU with tiny networks, otherwise the same."""
    out = copy.deepcopy(preset)
    out.update(device="cpu", tf32=False, **changes)
    return out


def gpu_presets():
    """(name, schedule, batch size, epochs, rows trained) of every GPU experiment."""
    yield "parzen", PARZEN_GPU["schedule"], PARZEN_GPU["batch_size"], PARZEN_GPU["epochs"], 50_000
    for kind in ("semi", "cluster"):
        model = SEMI_GPU[kind]
        n = SEMI_GPU["n_train"]
        yield kind, SEMI_GPU["schedule"], model["batch_size"], model["max_iter"], n


# -- the presets' arithmetic ---------------------------------------------------------------
@pytest.mark.parametrize(("name", "schedule", "batch", "epochs", "rows"), list(gpu_presets()))
def test_gpu_presets_scale_the_batch_100_rates_by_the_square_root_rule(
    name, schedule, batch, epochs, rows
):
    assert schedule["rule"] == "sqrt" and schedule["base_batch_size"] == 100
    assert rows % batch == 0  # every batch full: every step replays the CUDA graph
    params, callback = _common.schedule_for({"schedule": schedule}, batch, epochs)
    ratio = math.sqrt(batch / 100)
    assert params["learning_rate"] == pytest.approx(schedule["base_learning_rate"] * ratio)
    assert params["discriminator_learning_rate"] == pytest.approx(
        schedule["base_discriminator_learning_rate"] * ratio
    )
    # The warm-up starts from the batch-100 rates, on both optimizers.
    assert callback.warmup_start * params["learning_rate"] == pytest.approx(
        schedule["base_learning_rate"]
    )
    assert callback.warmup_start * params["discriminator_learning_rate"] == pytest.approx(
        schedule["base_discriminator_learning_rate"]
    )


@pytest.mark.parametrize(("name", "schedule", "batch", "epochs", "rows"), list(gpu_presets()))
def test_gpu_schedules_warm_up_then_fall_along_a_cosine(name, schedule, batch, epochs, rows):
    _, callback = _common.schedule_for({"schedule": schedule}, batch, epochs)
    factors = [callback.factor(e) for e in range(1, epochs + 2)]
    warmup = schedule["warmup_epochs"]
    assert factors[0] == pytest.approx(1 / math.sqrt(batch / 100))
    assert np.all(np.diff(factors[: warmup + 1]) > 0)  # rises through the warm-up
    assert factors[warmup] == 1.0  # the peak rates in the first epoch after it
    after = factors[warmup:epochs]
    assert np.all(np.diff(after) <= 0)  # then never rises
    # and changes cosine_steps times: with cuda_graphs=True, one capture each
    assert len(set(after)) == schedule["cosine_steps"] + 1
    mid = warmup + 1 + (epochs - warmup - 1) // 2
    assert factors[mid - 1] == pytest.approx((1 + schedule["final_factor"]) / 2, abs=2e-2)
    assert factors[epochs - 1] == pytest.approx(schedule["final_factor"])
    assert factors[epochs] == pytest.approx(schedule["final_factor"])  # and stays there


def test_the_cosine_follows_the_time_budget_when_it_runs_short():
    now = [100.0]
    schedule = _common.LearningRateSchedule(
        epochs=1000,
        warmup_epochs=2,
        warmup_start=0.5,
        decay="cosine",
        start_time=100.0,
        time_budget_s=60.0,
        clock=lambda: now[0],
    )
    assert schedule.factor(1) == 0.5  # the warm-up follows the epochs only
    assert schedule.factor(3) == 1.0
    now[0] = 130.0  # half the budget spent in epoch 10 of 1000
    assert schedule.factor(10) == pytest.approx(0.55)
    now[0] = 170.0  # past the budget
    assert schedule.factor(11) == pytest.approx(0.1)


def test_every_preset_trains_its_whole_budget_with_the_papers_model():
    for preset in bench_parzen.PRESETS.values():
        model = bench_parzen.make_model(preset)
        assert model.n_iter_no_change == model.max_iter == preset["epochs"]
        assert model.neighbor_weight == 0.0
    for name, preset in bench_mnist_semi.PRESETS.items():
        for experiment in bench_mnist_semi.EXPERIMENTS:
            model = bench_mnist_semi.make_model(experiment, preset, seed=0)
            assert model.n_iter_no_change == model.max_iter, (name, experiment)
            assert model.neighbor_weight == 0.0
            improved = bench_mnist_semi.make_model(experiment, preset, seed=0, variant="improved")
            assert improved.neighbor_weight == 1.0
            if experiment.startswith("cluster"):  # one category per cluster, as the paper
                assert model.n_categories is None and improved.n_categories is None
    merged = copy.deepcopy(bench_mnist_semi.PRESETS["cpu"])
    merged["cluster"]["n_categories"] = 32  # as --preset-override asks
    assert bench_mnist_semi.make_model("cluster16", merged, seed=0).n_categories == 32
    for preset in (PARZEN_GPU, SEMI_GPU):
        assert preset["device"] == "cuda" and preset["tf32"] and preset["max_minutes"]
    assert PARZEN_GPU["cuda_graphs"]
    assert SEMI_GPU["semi"]["cuda_graphs"] and SEMI_GPU["cluster"]["cuda_graphs"]


@pytest.mark.parametrize("experiment", sorted(bench_mnist_semi.EXPERIMENTS))
def test_the_defaults_variant_is_the_estimator_as_users_get_it(experiment):
    preset = bench_mnist_semi.PRESETS["cpu"]
    cls, params = bench_mnist_semi.model_params(experiment, preset, seed=0, variant="defaults")
    model = cls(**params)
    kind = "semi" if experiment.startswith("semi") else "cluster"
    assert model.max_iter == model.n_iter_no_change == preset[kind]["max_iter"]
    assert model.hidden_layer_sizes == preset[kind]["hidden_layer_sizes"]
    assert "callbacks" not in params  # no schedule: the estimator's constant rates
    default = cls()
    for name in ("batch_size", "learning_rate", "neighbor_weight", "input_noise"):
        assert getattr(model, name) == getattr(default, name), name
    if kind == "cluster":
        assert model.n_categories == default.n_categories == "auto"
    assert model.neighbor_weight > 0 and model.batch_size != preset[kind]["batch_size"]
    assert model.reconstruction_loss == "binary_crossentropy"  # the cpu preset's unit pixels


# -- training with the presets' estimators and callbacks, on the CPU -----------------------
def rates_per_epoch(model):
    history = model.net_.history
    return (
        [row["used_lr"] for row in history],
        [row["used_d_lr"] for row in history],
        [row["lr_factor"] for row in history],
    )


def assert_rates(model, factors):
    lrs, d_lrs, recorded = rates_per_epoch(model)
    assert recorded == pytest.approx(factors)
    assert lrs == pytest.approx([model.learning_rate * f for f in factors])
    assert d_lrs == pytest.approx([model.discriminator_learning_rate * f for f in factors])


def test_parzen_gpu_preset_sets_both_optimizers_every_epoch_across_warm_starts():
    preset = on_cpu(PARZEN_GPU, hidden=(16, 16))
    model = bench_parzen.make_model(preset)
    assert model.cuda_graphs and model.batch_size == 500
    model.set_params(callbacks=[*model.callbacks, RecordRates()], max_iter=2)
    X, _ = mnist_like(1000)
    model.fit(X)
    model.set_params(warm_start=True, max_iter=1).fit(X)  # as fit_within continues
    start = 1 / math.sqrt(5)
    warmup = [start + (1 - start) * (e - 1) / 10 for e in (1, 2, 3)]
    assert model.n_iter_ == 3
    assert_rates(model, warmup)
    assert model.learning_rate == pytest.approx(1e-3 * math.sqrt(5))
    assert model.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(warmup[-1] * 1e-3 * 5**0.5)


@pytest.mark.parametrize("experiment", list(bench_mnist_semi.EXPERIMENTS))
def test_mnist_gpu_presets_set_both_optimizers_every_epoch(experiment):
    kind = "semi" if experiment.startswith("semi") else "cluster"
    preset = on_cpu(SEMI_GPU)
    preset[kind] = {**preset[kind], **TINY, "max_iter": 13}
    model = bench_mnist_semi.make_model(experiment, preset, seed=0)
    model.set_params(callbacks=[*model.callbacks, RecordRates()])
    X, y = mnist_like(1000)
    y_fit = np.where(np.arange(1000) < 100, y, -1) if kind == "semi" else None
    model.fit(X, y_fit)
    assert model.n_iter_ == 13 and model.batch_size == 500
    start = 1 / math.sqrt(5)
    factors = [start + (1 - start) * (e - 1) / 10 for e in range(1, 11)]
    factors += [1.0, 0.55, 0.1]  # epochs 11-13: the cosine of a 13-epoch budget
    assert_rates(model, factors)


def test_toy_presets_run_the_cosine_to_its_end():
    preset = bench_parzen.toy_preset(PARZEN_GPU)
    model = bench_parzen.make_model(preset)
    model.set_params(callbacks=[*model.callbacks, RecordRates()], hidden_layer_sizes=(16, 16))
    model.fit(mnist_like(600)[0])
    assert_rates(model, [1 / math.sqrt(5), 1.0, 0.1])


# -- the runs' time limit and results, as the GPU script reads them ------------------------
def test_parzen_run_stops_at_its_time_limit_and_reports_every_field(tmp_path):
    preset = on_cpu(PARZEN_GPU, hidden=(16, 16), epochs=50, epochs_per_fit=2, max_minutes=1e-4)
    X, _ = mnist_like(1400)
    data = (X[:1000], X[1000:1200], X[1200:])
    row = bench_parzen.run(preset, data, n_samples=200)
    assert row["epochs"] == 2  # one call of epochs_per_fit epochs, then past the limit
    assert row["epochs_planned"] == 50 and row["max_minutes"] == 1e-4
    assert len(row["curve"]) == 1 and row["curve"][0]["epoch"] == 2
    assert row["value"] == row["test_ll"] and math.isfinite(row["value"])
    assert row["learning_rate"] == pytest.approx(1e-3 * math.sqrt(5))
    assert (row["experiment"], row["variant"], row["lr_rule"]) == ("parzen", "paper", "sqrt")
    check_results_file(tmp_path, [row])


def test_mnist_runs_report_every_field(tmp_path):
    preset = on_cpu(SEMI_GPU, n_train=1500, max_minutes=1e-4)
    preset["epochs_per_fit"] = {"semi": 1, "cluster": 1}
    for kind in ("semi", "cluster"):
        preset[kind] = {**preset[kind], **TINY, "max_iter": 30}
    X, y = mnist_like(1800)
    data = X[:1500], y[:1500], X[1500:], y[1500:]
    rows = [
        bench_mnist_semi.run("semi100", preset, 0, data),
        bench_mnist_semi.run("semi1000", preset, 0, data, variant="improved"),
        bench_mnist_semi.run("cluster16", preset, 0, data),
    ]
    for row in rows:
        assert row["epochs"] == 1 and row["epochs_planned"] == 30
        assert row["params"]["max_iter"] == row["params"]["n_iter_no_change"] == 30
        assert row["value"] == row["error_pct"] and 0 <= row["value"] <= 100
        assert len(row["curve"]) == 1
    assert [r["variant"] for r in rows] == ["paper", "improved", "paper"]
    assert rows[1]["params"]["neighbor_weight"] == 1.0
    assert "majority rule" in rows[2]["note"]
    check_results_file(tmp_path, rows)


def test_mnist_peers_see_the_rows_and_labels_of_the_aae_models(tmp_path, monkeypatch):
    X, y = mnist_like(1800)
    data = X[:1500], y[:1500], X[1500:], y[1500:]
    seen = {}  # what each model's fit received

    def recording(name, fit):
        def wrapper(self, X, y=None, **kwargs):
            seen[name] = (X, None if y is None else np.array(y))
            return fit(self, X, y, **kwargs)

        return wrapper

    monkeypatch.setattr(AAEClassifier, "fit", recording("aae", AAEClassifier.fit))
    monkeypatch.setattr(LabelSpreading, "fit", recording("peer", LabelSpreading.fit))
    preset = on_cpu(SEMI_GPU, n_train=1500, max_minutes=None)
    preset["semi"] = {**preset["semi"], **TINY, "max_iter": 1}
    bench_mnist_semi.run("semi100", preset, 3, data)
    name, model = bench_mnist_semi.peers("semi100", seed=3)[0]
    rows = [bench_mnist_semi.run_peer("semi100", 3, data, name, model)]
    assert seen["peer"][0] is seen["aae"][0] is data[0]  # the same rows
    assert_array_equal(seen["peer"][1], seen["aae"][1])  # the same 100 labels
    assert (seen["peer"][1] >= 0).sum() == 100
    assert 0 <= rows[0]["undefined_test_rows"] <= 1

    # Any clusterer: q(y|x) where there is one, minus the distance to each centroid of
    # a KMeans at the end of a Pipeline (umap-learn's, standing in for PCA here).
    for name, model in [
        ("KMeans", KMeans(16, n_init=2, random_state=0)),
        ("PCA+KMeans", make_pipeline(PCA(10, random_state=0), KMeans(16, n_init=2))),
    ]:
        rows.append(bench_mnist_semi.run_peer("cluster16", 0, data, name, model))
        confidence = _common.cluster_confidence(model, data[0])
        assert confidence.shape == (1500, 16)
        assert_array_equal(confidence.argmax(axis=1), model.predict(data[0]))
    assert [r["variant"] for r in rows] == [
        "peer: LabelSpreading(knn, 7)",
        "peer: KMeans",
        "peer: PCA+KMeans",
    ]
    for row in rows:
        assert row["value"] == row["error_pct"] and 0 <= row["value"] <= 100
    assert "majority rule" in rows[1]["note"] and rows[1]["clusters_used"] <= 16
    check_results_file(tmp_path, rows)


class PoisonEpoch(Callback):
    """Make the weights non-finite at the start of epoch ``epoch``: a divergence."""

    def __init__(self, epoch=3):
        self.epoch = epoch

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.epoch:
            with torch.no_grad():
                next(net.module_.parameters()).fill_(float("nan"))


def test_a_divergence_ends_the_run_with_the_last_finished_epoch_scored(monkeypatch):
    make_model = bench_parzen.make_model

    def diverging(*args, **kwargs):
        model = make_model(*args, **kwargs)
        return model.set_params(callbacks=[*model.callbacks, PoisonEpoch(3)])

    monkeypatch.setattr(bench_parzen, "make_model", diverging)
    preset = on_cpu(PARZEN_GPU, hidden=(16, 16), epochs=10, epochs_per_fit=2, max_minutes=5)
    X, _ = mnist_like(1400)
    with pytest.warns(TrainingInterruptedWarning, match="diverged"):
        row = bench_parzen.run(preset, (X[:1000], X[1000:1200], X[1200:]), n_samples=200)
    assert row["diverged"] and row["epochs"] == 2 and math.isfinite(row["value"])
    assert "DIVERGED after epoch 2" in row["note"]
    assert [c["epoch"] for c in row["curve"]] == [2]


def check_results_file(tmp_path, rows):
    path = tmp_path / "results.jsonl"
    _common.append_results(str(path), rows)
    read = _common.read_results([path, tmp_path / "missing.jsonl"])
    assert [r["experiment"] for r in read] == [r["experiment"] for r in rows]
    lines = _common.summary_lines(read)
    assert all(row["experiment"] in "".join(lines) for row in rows)
    assert all(row["paper"] in "".join(lines) for row in rows)
    with pytest.raises(KeyError, match="value_sem"):
        _common.check_result({k: v for k, v in rows[0].items() if k != "value_sem"})


def test_toy_command_lines_write_results_that_the_summary_reads(tmp_path, capsys):
    out = tmp_path / "results.jsonl"
    bench_parzen.main(["--preset", "gpu", "--toy", "--device", "cpu", "--json", str(out)])
    bench_mnist_semi.main(
        ["--preset", "gpu", "--toy", "--device", "cpu", "--experiments", "semi100"]
        + ["--json", str(out)]
    )
    _common.main(["summary", str(out)])
    printed = capsys.readouterr().out
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["experiment"], r["epochs"]) for r in rows] == [("parzen", 3), ("semi100", 3)]
    assert "paper 340 ± 2" in printed and "paper 1.90 ± 0.10" in printed


def test_gpu_checks_script_parses_and_refuses_unknown_steps(tmp_path):
    script = ROOT / "benchmarks" / "gpu_checks.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    result = subprocess.run(
        ["bash", str(script), str(tmp_path / "out")],
        env={"PATH": "/usr/bin:/bin", "STEPS": "tests parzenn", "DRY_RUN": "1"},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode != 0
    assert "parzenn" in result.stderr
    assert not (tmp_path / "out" / "tests.log").exists()  # nothing ran
