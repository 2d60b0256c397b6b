"""Draw the figures of docs/benchmarks.md from the benchmark logs in benchmarks/results/.

Every benchmark script prints one JSON line per result; the logs of past runs are kept
in ``benchmarks/results/``. Each figure below reads the JSON lines of the logs it names,
and nothing else, and is written to ``docs/_static/<name>.png``::

    python benchmarks/plot_results.py              # every figure
    python benchmarks/plot_results.py --list       # each figure and the logs it reads
    python benchmarks/plot_results.py --only gpu_speed --out /tmp/figures

The numbers each figure shows are printed as it is drawn, so that the tables of the
page can be checked against them. To add a figure for a new benchmark: keep its log in
``benchmarks/results/<date>-<what>/``, write one function decorated with
``@figure("name", "that/log.log", ...)`` that reads it with ``rows(...)`` and draws on
the axes it creates, run this script, and show ``_static/name.png`` on the page.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
OUT = ROOT / "docs" / "_static"

FIGURES = {}  # name -> (function, logs), in the order of the page

# One colour per method, the same in every figure; ours is the strongest.
COLOURS = {
    "sklearn-aae": "#d62728",
    "PCA": "#7f7f7f",
    "KernelPCA": "#bcbd22",
    "umap-learn": "#1f77b4",
    "peer": "#1f77b4",
    "floor": "#c7c7c7",
    "hand-written": "#7f7f7f",
    "pythae": "#9467bd",
}


def figure(name, *logs):
    """Register a figure: ``name`` is the PNG's stem, ``logs`` the files it reads."""

    def register(function):
        FIGURES[name] = (function, [RESULTS / log for log in logs])
        return function

    return register


def rows(log, **match):
    """The JSON result lines of ``log`` (relative to benchmarks/results/) that match.

    ``match`` keeps the rows whose keys have the given values, e.g. ``bench="quality"``.
    Lines that are not JSON objects (tables, progress bars, the ``# {...}`` header) are
    skipped.
    """
    found = []
    for line in (RESULTS / log).read_text(encoding="utf-8").splitlines():
        if not line.startswith("{"):
            continue
        row = json.loads(line)
        if all(row.get(key) == value for key, value in match.items()):
            found.append(row)
    if not found:
        raise ValueError(f"{log}: no result line with {match}")
    return found


def one(log, **match):
    """The single result line of ``log`` that matches."""
    (row,) = rows(log, **match)
    return row


def _report(title, values):
    print(f"  {title}")
    for label, value in values.items():
        print(f"    {label:<52} {value}")


def _bar_labels(ax, bars, fmt):
    for bar in bars:
        ax.annotate(
            fmt.format(bar.get_height()),
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8,
        )


# -- dimensionality reduction -------------------------------------------------------------
REDUCERS = [  # (name in the logs, label, colour)
    ("PCA", "PCA", COLOURS["PCA"]),
    ("KernelPCA(rbf)", "KernelPCA (rbf)", COLOURS["KernelPCA"]),
    ("umap-learn", "umap-learn", COLOURS["umap-learn"]),
    ("AAETransformer", "AAETransformer", COLOURS["sklearn-aae"]),
]
QUALITY_LOGS = {
    "digits (5-fold CV)": "2026-11-25-cpu/quality_digits.log",
    "MNIST (10k train, 10k test)": "2026-11-25-cpu/quality_mnist.log",
}


@figure("reduction_accuracy", *QUALITY_LOGS.values())
def reduction_accuracy(plt):
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True, layout="constrained")
    width = 0.2
    for ax, (title, log) in zip(axes, QUALITY_LOGS.items(), strict=True):
        values = {}
        for i, (name, label, colour) in enumerate(REDUCERS):
            accuracy = [
                one(log, bench="quality", reducer=name, n_components=k)["accuracy"] for k in (2, 8)
            ]
            bars = ax.bar(
                [k + (i - 1.5) * width for k in (0, 1)],
                accuracy,
                width,
                label=label,
                color=colour,
            )
            _bar_labels(ax, bars, "{:.2f}")
            values[label] = " / ".join(f"{a:.3f}" for a in accuracy)
        _report(f"reduction_accuracy, {title}: accuracy with 2 / 8 components", values)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([0, 1], ["2 components", "8 components"])
        ax.set_ylim(0, 1.08)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("accuracy of StandardScaler → reducer → SVC")
    axes[1].legend(loc="lower right", fontsize=8)
    return fig


@figure("fit_time", *QUALITY_LOGS.values(), "2026-11-25-tune/time_2threads_quiet.log")
def fit_time(plt):
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
    ax = axes[0]
    width = 0.2
    groups = [(title.split(" ")[0], log, k) for title, log in QUALITY_LOGS.items() for k in (2, 8)]
    values = {}
    for i, (name, label, colour) in enumerate(REDUCERS):
        seconds = [
            one(log, bench="quality", reducer=name, n_components=k)["fit_s"] for _, log, k in groups
        ]
        ax.bar(
            [g + (i - 1.5) * width for g in range(len(groups))],
            seconds,
            width,
            label=label,
            color=colour,
        )
        values[label] = " / ".join(f"{s:.2f}" for s in seconds)
    _report("fit_time: seconds per pipeline fit, digits 2 / 8, MNIST 2 / 8", values)
    ax.set_yscale("log")
    ax.set_xticks(range(len(groups)), [f"{data}\n{k} comp." for data, _, k in groups])
    ax.set_ylabel("seconds per fit (log scale)")
    ax.set_title(
        "one fit of the pipeline, one torch thread\n(another job was running: upper bounds)",
        fontsize=10,
    )
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")

    # The defaults on all 1797 digits, best of two fits, two threads, idle machine.
    ax = axes[1]
    log = "2026-11-25-tune/time_2threads_quiet.log"
    labels, seconds = [], []
    for k in (2, 8):
        row = one(log, bench="tune_defaults", config="defaults", n_components=k)
        labels.append(f"{k} components")
        seconds.append(row["full_fit_s"])
    bars = ax.bar(labels, seconds, 0.5, color=COLOURS["sklearn-aae"])
    _bar_labels(ax, bars, "{:.1f} s")
    _report("fit_time: AAETransformer() on all digits", dict(zip(labels, seconds, strict=True)))
    ax.set_ylabel("seconds")
    ax.set_ylim(0, max(seconds) * 1.25)
    ax.set_title("AAETransformer() on 1797 digits, 100 epochs,\ntwo torch threads", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    return fig


# -- the paper's other models ----------------------------------------------------------
SEMI_LOGS = [
    "2026-11-25-family-defaults/family_digits_semi.log",
    "2026-11-25-family-defaults/family_digits_semi_seeds10-14.log",
]
SEMI_MODELS = [  # (name in the logs, label, colour)
    ("SVC on the labelled 10 %", "SVC on the\nlabelled 10 %", COLOURS["floor"]),
    ("LabelSpreading(rbf)", "LabelSpreading\n(rbf)", COLOURS["peer"]),
    ("LabelSpreading(knn)", "LabelSpreading\n(knn)", COLOURS["peer"]),
    ("SelfTraining(SVC)", "SelfTraining\n(SVC)", COLOURS["peer"]),
    ("AAEClassifier", "AAEClassifier", COLOURS["sklearn-aae"]),
]


@figure("semi_supervised", *SEMI_LOGS)
def semi_supervised(plt):
    fig, ax = plt.subplots(figsize=(9, 3.4), layout="constrained")
    values = {}
    for i, (name, label, colour) in enumerate(SEMI_MODELS):
        accuracy = [
            row["accuracy"]
            for log in SEMI_LOGS
            for row in rows(log, bench="family_digits_semi", model=name)
        ]
        offsets = [(j - (len(accuracy) - 1) / 2) * 0.02 for j in range(len(accuracy))]
        ax.scatter([i + o for o in offsets], accuracy, s=12, color=colour, alpha=0.7)
        mean = statistics.fmean(accuracy)
        ax.hlines(mean, i - 0.25, i + 0.25, color="black", linewidth=2)
        ax.annotate(f"{mean:.3f}", (i + 0.27, mean), va="center", fontsize=8)
        values[label.replace("\n", " ")] = f"mean {mean:.4f} over {len(accuracy)} seeds"
    _report("semi_supervised: digits, 10 % of the training labels", values)
    ax.set_xticks(range(len(SEMI_MODELS)), [label for _, label, _ in SEMI_MODELS], fontsize=8)
    ax.set_xlim(-0.5, len(SEMI_MODELS) - 0.3)
    ax.set_ylabel("test accuracy")
    ax.set_title(
        "digits, 10 % of the training labels: one dot per seed (15 seeds), bar = mean",
        fontsize=10,
    )
    ax.grid(axis="y", alpha=0.3)
    return fig


CLUSTER_LOG = "2026-11-25-family-defaults/family_digits_other.log"
CLUSTER_METRICS = [  # (key in the log, label)
    ("accuracy_majority", "accuracy\n(majority rule)"),
    ("accuracy_confident", "accuracy\n(paper's rule)"),
    ("ari", "adjusted\nRand index"),
    ("nmi", "normalized\nmutual information"),
]


@figure("clustering", CLUSTER_LOG)
def clustering(plt):
    fig, ax = plt.subplots(figsize=(9, 3.4), layout="constrained")
    width = 0.35
    models = [
        ("KMeans(10, n_init=10)", "KMeans(10)", COLOURS["peer"]),
        ("AAEClusterer", "AAEClusterer(10)", COLOURS["sklearn-aae"]),
    ]
    for i, (name, label, colour) in enumerate(models):
        found = rows(CLUSTER_LOG, bench="family_digits_cluster", model=name)
        means = [statistics.fmean(row[key] for row in found) for key, _ in CLUSTER_METRICS]
        spread = [statistics.pstdev(row[key] for row in found) for key, _ in CLUSTER_METRICS]
        bars = ax.bar(
            [m + (i - 0.5) * width for m in range(len(CLUSTER_METRICS))],
            means,
            width,
            yerr=spread,
            capsize=3,
            label=f"{label}, {len(found)} seeds",
            color=colour,
        )
        ax.bar_label(bars, fmt="{:.2f}", label_type="center", color="white", fontsize=8)
        _report(
            f"clustering: {label}, mean ± std over {len(found)} seeds",
            {
                key: f"{m:.4f} ± {s:.4f}"
                for (key, _), m, s in zip(CLUSTER_METRICS, means, spread, strict=True)
            },
        )
    ax.set_xticks(range(len(CLUSTER_METRICS)), [label for _, label in CLUSTER_METRICS])
    ax.set_ylim(0, 1)
    ax.set_title("all 1797 digits, 10 clusters (higher is better)", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


# -- speed ---------------------------------------------------------------------------------
def _speed_panel(ax, log, entries, title):
    """Bars of seconds per epoch for the ``what`` rows of a bench_speed.py log."""
    labels, seconds, colours = [], [], []
    for what, label, colour in entries:
        labels.append(label)
        seconds.append(one(log, bench="speed", what=what)["s_per_epoch"])
        colours.append(colour)
    bars = ax.barh(labels, seconds, color=colours)
    for bar, value in zip(bars, seconds, strict=True):
        ax.annotate(
            f"{value:.2f} s" if value >= 0.1 else f"{value:.3f} s",
            (value, bar.get_y() + bar.get_height() / 2),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.invert_yaxis()
    ax.set_xlim(0, max(seconds) * 1.3)
    ax.set_xlabel("seconds per epoch (lower is better)")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    _report(title.replace("\n", " "), dict(zip(labels, seconds, strict=True)))


GPU_LOGS = {
    "MNIST, 60 000 images\n784-1000-1000-8 networks, batch 100": (
        "2026-11-25-h100-graphs/speed_mnist60k.log"
    ),
    "digits, 1797 images\n64-256-256-8 networks, batch 128": (
        "2026-11-25-h100-graphs/speed_digits.log"
    ),
}


@figure("gpu_speed", *GPU_LOGS.values())
def gpu_speed(plt):
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.1), layout="constrained")
    fig.suptitle("one NVIDIA H100", fontsize=10)
    entries = [
        ("hand-written two-phase loop", "hand-written PyTorch loop", COLOURS["hand-written"]),
        ("pythae Adversarial_AE (one joint step)", "pythae Adversarial_AE", COLOURS["pythae"]),
        ("AAETransformer.fit (epoch timer)", "AAETransformer", COLOURS["sklearn-aae"]),
        (
            "AAETransformer.fit, cuda_graphs=True (epoch timer)",
            "AAETransformer(cuda_graphs=True)",
            COLOURS["sklearn-aae"],
        ),
    ]
    for ax, (title, log) in zip(axes, GPU_LOGS.items(), strict=True):
        _speed_panel(ax, log, entries, title)
    axes[1].set_yticks([])
    return fig


CPU_LOGS = {
    "MNIST, 10 000 images\n784-1000-1000-8 networks, batch 100": (
        "2026-11-25-cpu/speed_mnist_cpu_paper_loss.log"
    ),
    "digits, 1797 images\n64-256-256-8 networks, batch 128": "2026-11-25-cpu/speed_digits_cpu.log",
}


@figure("cpu_speed", *CPU_LOGS.values())
def cpu_speed(plt):
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.1), layout="constrained")
    fig.suptitle("CPU, one torch thread", fontsize=10)
    mnist, digits = CPU_LOGS.values()
    _speed_panel(
        axes[0],
        mnist,
        [
            ("hand-written two-phase loop", "hand-written PyTorch loop", COLOURS["hand-written"]),
            (
                "pythae Adversarial_AE, one joint step (epoch timer)",
                "pythae Adversarial_AE",
                COLOURS["pythae"],
            ),
            ("AAETransformer.fit (epoch timer)", "AAETransformer", COLOURS["sklearn-aae"]),
            (
                "AAETransformer.fit, gradient_penalty=0 (epoch timer)",
                "AAETransformer(gradient_penalty=0)",
                COLOURS["sklearn-aae"],
            ),
        ],
        list(CPU_LOGS)[0],
    )
    _speed_panel(
        axes[1],
        digits,
        [
            ("hand-written two-phase loop", "hand-written PyTorch loop", COLOURS["hand-written"]),
            ("pythae Adversarial_AE (one joint step)", "pythae Adversarial_AE", COLOURS["pythae"]),
            ("AAETransformer.fit (epoch timer)", "AAETransformer", COLOURS["sklearn-aae"]),
        ],
        list(CPU_LOGS)[1],
    )
    return fig


SIZE_LOG = "2026-11-25-cpu/size_dense.log"


@figure("data_size", SIZE_LOG)
def data_size(plt):
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    found = sorted(rows(SIZE_LOG, bench="size", sparse=False), key=lambda row: row["n"])
    n = [row["n"] for row in found]
    ax = axes[0]
    ax.loglog(n, [row["s_per_epoch"] for row in found], "o-", color=COLOURS["sklearn-aae"])
    ax.set_xlabel("rows (784 features)")
    ax.set_ylabel("seconds per epoch")
    ax.set_title("one epoch of fit, one CPU thread", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax = axes[1]
    ax.loglog(n, [row["x_mib"] for row in found], "s--", color="grey", label="X itself")
    ax.loglog(
        n,
        [row["fit_peak_rss_mib"] for row in found],
        "o-",
        color=COLOURS["sklearn-aae"],
        label="peak memory of the process after fit",
    )
    ax.set_xlabel("rows (784 features)")
    ax.set_ylabel("MiB")
    ax.set_title("memory: no copy of X", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    _report(
        "data_size: rows -> (s per epoch, X MiB, peak RSS MiB)",
        {
            f"{row['n']:,}": (row["s_per_epoch"], row["x_mib"], row["fit_peak_rss_mib"])
            for row in found
        },
    )
    return fig


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNGs")
    parser.add_argument("--only", nargs="+", choices=list(FIGURES), help="figures to draw")
    parser.add_argument("--list", action="store_true", help="list figures and their logs")
    args = parser.parse_args(argv)

    if args.list:
        for name, (_, logs) in FIGURES.items():
            print(f"{name}.png")
            for log in logs:
                print(f"    {log.relative_to(ROOT)}")
        return

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9, "axes.spines.top": False, "axes.spines.right": False})
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.only or FIGURES:
        function, logs = FIGURES[name]
        print(f"{name}.png")
        fig = function(plt)
        # no date in the metadata: the same logs give the same file
        fig.savefig(args.out / f"{name}.png", dpi=100, metadata={"Software": None})
        plt.close(fig)


if __name__ == "__main__":
    main()
