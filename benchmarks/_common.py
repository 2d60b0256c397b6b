"""Helpers shared by the benchmark scripts: machine, output, MNIST, time-limited fits.

Also what the GPU presets share: TF32, learning rates scaled to the batch size and their
schedule (a skorch callback that drives both optimizers), and the result rows that
``gpu_checks.sh`` summarises (``python benchmarks/_common.py summary FILE``).
"""

from __future__ import annotations

import gzip
import json
import math
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

#: Appended to the commit when sklearn_aae/ differs from it.
UNCOMMITTED = " (uncommitted changes)"


def package_commit():
    """Return the commit of the checkout measured, marked when sklearn_aae/ has edits."""

    def git(*args):
        root = Path(__file__).resolve().parent.parent
        try:
            return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True).stdout
        except OSError:  # no git on this machine
            return ""

    commit = git("rev-parse", "--short", "HEAD").strip() or None
    if commit and git("status", "--porcelain", "--", "sklearn_aae").strip():
        commit += UNCOMMITTED
    return commit


def fit_within(model, fit, max_minutes, epochs_per_fit):
    """Call ``fit()`` for the model's ``max_iter`` epochs, or until ``max_minutes``.

    Without a time limit, one call. With one, warm-started calls of ``epochs_per_fit``
    epochs each (each continues the training where the last stopped) until the epochs
    are done or a call ends past the limit.
    """
    if max_minutes is None:
        fit()
        return
    epochs = model.max_iter
    model.set_params(warm_start=True)
    start = time.perf_counter()
    while time.perf_counter() - start < 60 * max_minutes:
        model.set_params(max_iter=min(epochs_per_fit, epochs - getattr(model, "n_iter_", 0)))
        fit()
        if model.n_iter_ >= epochs:
            break


class TrainingDiverged(Exception):
    """Raised by a benchmark's fit step to end ``fit_within`` after a divergence."""


def stop_if_diverged(model):
    """Raise ``TrainingDiverged`` when the model's last fit diverged.

    With ``on_divergence="restore"`` the estimator keeps the model of the last finished
    epoch and sets ``diverged_``; a time-limited run then stops there instead of
    calling ``fit`` again.
    """
    if getattr(model, "diverged_", False):
        raise TrainingDiverged(f"training diverged after epoch {model.n_iter_}")


def cpu_model():
    """The CPU's model name and its widest vector extension (speed and kernels depend on both)."""
    try:
        with open("/proc/cpuinfo") as f:
            lines = f.read().splitlines()
    except OSError:
        return platform.processor() or platform.machine()
    name = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")), "")
    flags = next((ln.split(":", 1)[1].split() for ln in lines if ln.startswith("flags")), [])
    vector = next((v for v in ("avx512f", "avx2", "sse4_2") if v in flags), "")
    return f"{name} ({vector})" if vector else name or platform.machine()


def machine_info(device="cpu"):
    """The machine, device and library versions a benchmark ran on."""
    import sklearn
    import skorch
    import torch

    info = {
        "machine": platform.node(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "device": str(device),
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "sklearn": sklearn.__version__,
        "skorch": skorch.__version__,
        "numpy": np.__version__,
        "sklearn_aae_commit": package_commit(),
    }
    if str(device).startswith("cuda") and torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name()
    return info


def print_header(info):
    print("# " + json.dumps({"machine_info": info}))
    print(
        f"# machine={info['machine']} cpu={info['cpu_model']} cpus={info['cpu_count']} "
        f"torch_threads={info['torch_threads']} device={info['device']}"
        + (f" gpu={info['gpu']}" if "gpu" in info else "")
    )


def emit(record):
    """One JSON line per result, machine-readable."""
    print(json.dumps(record), flush=True)


def print_table(rows, columns):
    if not rows:
        return
    widths = [max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in columns]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(_fmt(r.get(c)).ljust(w) for c, w in zip(columns, widths, strict=True)))


def _fmt(v):
    if isinstance(v, float):
        return f"{v:.4f}"
    return "" if v is None else str(v)


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[:4], "big")
    if magic == 2051:
        n, rows, cols = (int.from_bytes(data[i : i + 4], "big") for i in (4, 8, 12))
        return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows * cols)
    if magic == 2049:
        return np.frombuffer(data, dtype=np.uint8, offset=8)
    raise ValueError(f"{path} is not an idx file (magic {magic}).")


def mnist_dir(arg=None):
    """The MNIST folder: ``--mnist DIR``, else $SKLEARN_AAE_MNIST, else a fallback default."""
    candidates = [arg, os.environ.get("SKLEARN_AAE_MNIST")]
    here = Path(__file__).resolve().parent.parent
    candidates += [here.parent / "shared" / "data" / "mnist"]
    for c in candidates:
        if c and (Path(c) / "train-images-idx3-ubyte.gz").exists():
            return Path(c)
    raise FileNotFoundError(
        "MNIST idx files not found: pass --mnist DIR or set SKLEARN_AAE_MNIST to the "
        "folder holding train-images-idx3-ubyte.gz (nothing is downloaded)."
    )


def load_mnist(folder=None):
    """MNIST as float32 in [0, 1]: (X_train, y_train, X_test, y_test)."""
    d = mnist_dir(folder)
    X_train = _read_idx(d / "train-images-idx3-ubyte.gz").astype(np.float32) / 255
    y_train = _read_idx(d / "train-labels-idx1-ubyte.gz").astype(np.int64)
    X_test = _read_idx(d / "t10k-images-idx3-ubyte.gz").astype(np.float32) / 255
    y_test = _read_idx(d / "t10k-labels-idx1-ubyte.gz").astype(np.int64)
    return X_train, y_train, X_test, y_test


# -- Runs on a GPU: TF32, learning rates scaled to the batch, their schedule, results -------
def enable_tf32():
    """Let CUDA float32 matrix products and convolutions use TF32 tensor cores.

    The benchmark's choice, not the package's (which leaves torch's settings alone):
    products keep 10 bits of mantissa and run several times faster on Ampere and later
    GPUs. Returns the flags, for the results.
    """
    import torch

    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    return {
        "matmul": bool(torch.backends.cuda.matmul.allow_tf32),
        "cudnn": bool(torch.backends.cudnn.allow_tf32),
    }


#: How a learning rate tuned at one batch size is carried to another.
LR_RULES = ("sqrt", "linear", "none")


def scaled_learning_rate(lr, batch_size, base_batch_size, rule="sqrt"):
    """Return ``lr``, tuned at ``base_batch_size``, carried over to ``batch_size``.

    ``"sqrt"``: times sqrt(batch_size / base_batch_size), the rule for Adam (Malladi et
    al., "On the SDEs and scaling rules for adaptive gradient algorithms", NeurIPS
    2022): k times the batch takes k times fewer steps with the same gradient noise per
    unit of training. ``"linear"``: times the ratio, the rule for SGD (Goyal et al.,
    2017). ``"none"``: unchanged.
    """
    if rule not in LR_RULES:
        raise ValueError(f"rule must be one of {LR_RULES}, got {rule!r}.")
    ratio = batch_size / base_batch_size
    return lr * {"sqrt": math.sqrt(ratio), "linear": ratio, "none": 1.0}[rule]


#: The decays after the warm-up.
DECAYS = ("constant", "cosine")


def lr_factor(
    epoch,
    epochs,
    *,
    warmup_epochs=0,
    warmup_start=1.0,
    decay="constant",
    final_factor=0.1,
    time_fraction=0.0,
    cosine_steps=None,
):
    """The factor on the peak learning rates in ``epoch`` (1-based) of ``epochs``.

    Epochs 1 to ``warmup_epochs`` rise linearly from ``warmup_start`` (epoch 1) towards
    1, which epoch ``warmup_epochs + 1`` reaches. Then ``"constant"`` stays at 1 and
    ``"cosine"`` falls along half a cosine to ``final_factor`` in epoch ``epochs`` (and
    stays there). The cosine's progress is the larger of the epochs' and
    ``time_fraction`` (the part of a time budget spent), so a run that is slower than
    planned still ends its schedule by its time limit. ``cosine_steps``: round the
    progress down to multiples of ``1 / cosine_steps``, so that the rates change at most
    that many times (with ``cuda_graphs=True`` each change captures the step anew).
    """
    if decay not in DECAYS:
        raise ValueError(f"decay must be one of {DECAYS}, got {decay!r}.")
    if epoch <= warmup_epochs:
        return warmup_start + (1.0 - warmup_start) * (epoch - 1) / warmup_epochs
    if decay == "constant":
        return 1.0
    span = max(epochs - warmup_epochs - 1, 1)
    progress = min(max((epoch - warmup_epochs - 1) / span, time_fraction), 1.0)
    if cosine_steps:
        # The epsilon keeps 0.3 * 10 at 3 (floating point gives 2.9999...).
        progress = math.floor(progress * cosine_steps + 1e-9) / cosine_steps
    return final_factor + (1.0 - final_factor) * 0.5 * (1.0 + math.cos(math.pi * progress))


def _make_learning_rate_schedule():
    from skorch.callbacks import Callback

    class LearningRateSchedule(Callback):
        """Set both optimizers' learning rates at the start of every epoch.

        skorch's ``LRScheduler`` drives ``net.optimizer_`` only; the estimators also
        have ``net.optimizer_discriminator_``. This callback sets the encoder/decoder's
        rate to ``learning_rate`` and the discriminators' to
        ``discriminator_learning_rate``, both times :func:`lr_factor` of the epoch (the
        epoch counts every warm-started ``fit``), and records ``lr``,
        ``discriminator_lr`` and ``lr_factor`` in the history. Once per epoch, not per
        batch: with ``cuda_graphs=True`` a new learning rate captures the step anew.

        ``start_time`` (``time.monotonic()`` when training began) and ``time_budget_s``
        give :func:`lr_factor` its ``time_fraction``; without them the schedule follows
        the epochs alone.
        """

        def __init__(
            self,
            epochs,
            warmup_epochs=0,
            warmup_start=1.0,
            decay="constant",
            final_factor=0.1,
            cosine_steps=None,
            start_time=None,
            time_budget_s=None,
            clock=time.monotonic,
        ):
            self.epochs = epochs
            self.warmup_epochs = warmup_epochs
            self.warmup_start = warmup_start
            self.decay = decay
            self.final_factor = final_factor
            self.cosine_steps = cosine_steps
            self.start_time = start_time
            self.time_budget_s = time_budget_s
            self.clock = clock

        def time_fraction(self):
            if self.start_time is None or not self.time_budget_s:
                return 0.0
            return (self.clock() - self.start_time) / self.time_budget_s

        def factor(self, epoch):
            return lr_factor(
                epoch,
                self.epochs,
                warmup_epochs=self.warmup_epochs,
                warmup_start=self.warmup_start,
                decay=self.decay,
                final_factor=self.final_factor,
                time_fraction=self.time_fraction(),
                cosine_steps=self.cosine_steps,
            )

        def on_epoch_begin(self, net, **kwargs):
            # The net's own on_epoch_begin has opened this epoch's row of the history.
            factor = self.factor(len(net.history))
            # net.lr and net.discriminator_lr hold the estimator's (peak) rates; they are
            # set again by every fit and never changed here.
            for optimizer, peak in (
                (net.optimizer_, net.lr),
                (net.optimizer_discriminator_, net.discriminator_lr),
            ):
                for group in optimizer.param_groups:
                    group["lr"] = peak * factor
            net.history.record("lr_factor", factor)
            net.history.record("lr", net.optimizer_.param_groups[0]["lr"])
            net.history.record(
                "discriminator_lr", net.optimizer_discriminator_.param_groups[0]["lr"]
            )

    LearningRateSchedule.__qualname__ = "LearningRateSchedule"
    return LearningRateSchedule


def __getattr__(name):
    # LearningRateSchedule is a skorch callback; skorch (and torch) are imported when it
    # is first used, so that scripts that measure the process's memory start lean.
    if name == "LearningRateSchedule":
        if name not in globals():
            globals()[name] = _make_learning_rate_schedule()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: The paper's model in sklearn-aae's parameters (besides the sizes and the batch each
#: experiment sets): a discriminator as wide as the encoder, no neighbour graph, Adam at
#: the learning rates the earlier runs of these presets used, and the R1 penalty at every
#: step (sklearn-aae's stabiliser, which those runs had too). The estimators' defaults
#: differ (a narrower discriminator, lazy R1, batch 256 with a larger learning rate).
PAPER_MODEL = {
    "discriminator_hidden_layer_sizes": None,
    "neighbor_weight": 0.0,
    "learning_rate": 1e-3,
    "discriminator_learning_rate": 5e-4,
    "gradient_penalty_interval": 1,
    "adversarial_update": "alternating",
}


def gpu_schedule():
    """The GPU presets' learning-rate schedule (a fresh dict: presets may adjust theirs).

    The paper model's rates (``PAPER_MODEL``) at the paper's batch of 100, scaled by the
    square root of the batch ratio (Adam), warmed up over 10 epochs (1,000 steps at
    batch 500 on 50,000 rows) and decayed along a cosine to a tenth.
    """
    return {
        "base_batch_size": 100,
        "base_learning_rate": PAPER_MODEL["learning_rate"],
        "base_discriminator_learning_rate": PAPER_MODEL["discriminator_learning_rate"],
        "rule": "sqrt",  # Adam: x sqrt(5) at batch 500
        "warmup_epochs": 10,
        "decay": "cosine",
        "final_factor": 0.1,
        # The rates change at most 100 times after the warm-up: with cuda_graphs=True
        # each change captures the step anew (tens of ms), not once per epoch.
        "cosine_steps": 100,
    }


def schedule_for(preset, batch_size, epochs, *, start_time=None, time_budget_s=None):
    """The learning rates and the ``LearningRateSchedule`` of a GPU preset's ``schedule``.

    ``preset["schedule"]`` holds ``base_batch_size``, ``base_learning_rate``,
    ``base_discriminator_learning_rate`` (rates tuned at the base batch size), ``rule``
    (:func:`scaled_learning_rate`), ``warmup_epochs``, ``decay``, ``final_factor`` and
    optionally ``cosine_steps`` (:func:`lr_factor`).
    Returns ``(params, callback)``: the estimator's ``learning_rate`` and
    ``discriminator_learning_rate`` at ``batch_size``, and the callback. The warm-up
    starts from the base rates. ``(params, None)`` with the estimators' defaults when
    the preset has no schedule.
    """
    schedule = preset.get("schedule")
    if not schedule:
        return {}, None
    base = schedule["base_batch_size"]
    params = {
        "learning_rate": scaled_learning_rate(
            schedule["base_learning_rate"], batch_size, base, schedule["rule"]
        ),
        "discriminator_learning_rate": scaled_learning_rate(
            schedule["base_discriminator_learning_rate"], batch_size, base, schedule["rule"]
        ),
    }
    callback = __getattr__("LearningRateSchedule")(
        epochs=epochs,
        warmup_epochs=schedule["warmup_epochs"],
        warmup_start=schedule["base_learning_rate"] / params["learning_rate"],
        decay=schedule["decay"],
        final_factor=schedule["final_factor"],
        cosine_steps=schedule.get("cosine_steps"),
        start_time=start_time,
        time_budget_s=time_budget_s,
    )
    return params, callback


# -- Results of the GPU runs, as JSON lines, and the summary gpu_checks.sh prints ----------
#: Every result row of bench_parzen.py and bench_mnist_semi.py has these fields.
RESULT_FIELDS = (
    "experiment",  # parzen, semi100, semi1000, cluster16
    "variant",  # "paper" (the paper's model) or "improved"
    "metric",  # what value is: "test_ll" (higher is better) or "error_pct"
    "value",
    "value_sem",  # standard error of value, or None
    "paper",  # the paper's figure, as text
    "epochs",  # epochs trained
    "epochs_planned",
    "device",
    "gpu",  # the GPU's name, or None
    "fit_minutes",
    "max_minutes",  # the training time limit, or None
    "seed",
    "batch_size",
    "learning_rate",
    "discriminator_learning_rate",
    "lr_rule",  # how the learning rates follow the batch size (scaled_learning_rate)
    "note",  # a further figure worth a line, or None
)


def check_result(row):
    """Raise KeyError naming the fields of ``RESULT_FIELDS`` that ``row`` lacks."""
    missing = [field for field in RESULT_FIELDS if field not in row]
    if missing:
        raise KeyError(f"result row lacks {missing}: {sorted(row)}")
    return row


def append_results(path, rows):
    """Append result rows, each checked, to a JSON-lines file (made if missing)."""
    if path is None:
        return
    with open(path, "a", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(check_result(row)) + "\n")


def read_results(paths):
    """The result rows of JSON-lines files; missing files are skipped."""
    rows = []
    for path in paths:
        if Path(path).is_file():
            for line in Path(path).read_text(encoding="utf-8").splitlines():
                if line.strip():
                    rows.append(json.loads(line))
    return rows


def summary_lines(rows):
    """One line per result: the figure next to the paper's, epochs, device, minutes, seed."""
    lines = []
    for row in map(check_result, rows):
        name = "test log-likelihood" if row["metric"] == "test_ll" else "test error %"
        value = f"{row['value']:.2f}"
        if row["value_sem"] is not None:
            value += f" ± {row['value_sem']:.2f}"
        device = row["device"] + (f" ({row['gpu']})" if row["gpu"] else "")
        limit = "" if row["max_minutes"] is None else f" (limit {row['max_minutes']:g})"
        training = ""  # peers (variant "peer: ...") train no networks
        if row["batch_size"] is not None:
            training = (
                f"{row['epochs']}/{row['epochs_planned']} epochs  "
                f"batch {row['batch_size']}, lr {row['learning_rate']:.3g}/"
                f"{row['discriminator_learning_rate']:.3g} ({row['lr_rule']})  "
            )
        lines.append(
            f"{row['experiment']:<10} {row['variant']:<11} {name} {value:<16} "
            f"paper {row['paper']:<12} {training}"
            f"{device}  {row['fit_minutes']:.1f} min{limit}  seed {row['seed']}"
        )
        if row["note"]:
            lines.append(f"{'':<23}{row['note']}")
    return lines


def main(argv=None):
    """``python benchmarks/_common.py summary RESULTS.jsonl ...``: print the summary."""
    import argparse

    parser = argparse.ArgumentParser(description="Print the summary of GPU result rows.")
    parser.add_argument("command", choices=["summary"])
    parser.add_argument("paths", nargs="+", help="JSON-lines files of result rows")
    args = parser.parse_args(argv)
    rows = read_results(args.paths)
    for line in summary_lines(rows) or ["(no results)"]:
        print(line)


if __name__ == "__main__":
    main()


#: N2D (McConville et al., 2019): the umap-learn embedding that the clustering peers
#: (KMeans, GaussianMixture) run on.
N2D_UMAP_PARAMS = {"n_components": 10, "n_neighbors": 10, "min_dist": 0.0}


def cluster_confidence(model, X):
    """How sure a fitted clusterer is of each cluster for each row (the paper's rule, §6).

    q(y|x) for a model with ``predict_proba`` (the AAE, GaussianMixture); minus the
    distance to each centroid otherwise (KMeans, also at the end of a Pipeline).
    """
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)
    return -model.transform(X)


def undefined_rows(model, X):
    """Fraction of rows a label-spreading model leaves without a label distribution.

    Their ``predict_proba`` is NaN (every affinity underflows, or no labelled row was
    reached) and ``predict`` gives them the first class.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.mean(np.isnan(model.predict_proba(X)).any(axis=1)))


class UnsupervisedUMAP:
    """umap-learn's UMAP that ignores ``y``, for a Pipeline.

    A Pipeline passes ``y`` to every step's ``fit``, and ``umap.UMAP.fit(X, y)`` then
    learns a *supervised* embedding (y is one of its inputs), which a reducer that ignores
    the labels, as ``AAETransformer`` does by default, cannot be compared with. The
    benchmarks report umap-learn both ways: as a Pipeline runs it, and through this
    wrapper.
    """

    def __init__(self, n_components=2, random_state=None, **params):
        self.n_components = n_components
        self.random_state = random_state
        self.params = params

    def get_params(self, deep=True):
        return {"n_components": self.n_components, "random_state": self.random_state, **self.params}

    def set_params(self, **params):
        for key in ("n_components", "random_state"):
            if key in params:
                setattr(self, key, params.pop(key))
        self.params.update(params)
        return self

    def fit(self, X, y=None):
        import umap

        self.umap_ = umap.UMAP(
            n_components=self.n_components, random_state=self.random_state, **self.params
        ).fit(X)
        return self

    def fit_transform(self, X, y=None):
        return self.fit(X).umap_.embedding_

    def transform(self, X):
        return self.umap_.transform(X)
