"""Training and inference speed of AAETransformer against hand-written PyTorch and pythae.

In one process and on the same data, after a warm-up, alternating A B A B:

1. ``AAETransformer.fit``: seconds per epoch (median of skorch's per-epoch timer, and the
   whole fit's wall time per epoch) and samples/s;
2. the hand-written reference loop of the same two-phase algorithm with the same
   networks (``benchmarks/_reference_loop.py``); the ratio to it is the figure that
   matters;
3. pythae's ``Adversarial_AE`` with its own trainer and matched networks, when pythae is
   installed. It does ONE joint step per batch (less work than the paper's two phases);
4. ``transform`` throughput against a bare ``torch.inference_mode`` pass of the same
   encoder in batches of 4096, on X tiled to 65,536 rows (``--transform-rows``).

Ours runs with both encoder updates: the defaults' ``"joint"`` (one step on both losses,
the algorithm of pythae) and ``adversarial_update="alternating"`` (the paper's two phases,
the algorithm of the hand-written loop). ``--paper-loss`` also times
``gradient_penalty=0``: the paper's plain GAN loss without the R1 penalty we add by
default, the loss pythae computes too.
Rows get a ratio to pythae when pythae ran.

    python benchmarks/bench_speed.py --data digits
    python benchmarks/bench_speed.py --data mnist --n 10000 [--mnist DIR]
    python benchmarks/bench_speed.py --data mnist --n 60000 --device cuda --cuda-graphs

Defaults: digits with 256-256 networks, batch 128; MNIST with the paper's 1000-1000
networks, batch 100; an 8-D code; 1 torch thread on CPU.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
from _common import emit, load_mnist, machine_info, print_header, print_table
from _reference_loop import ReferenceAAE

from sklearn_aae import AAETransformer

PRESETS = {
    "digits": {"hidden": (256, 256), "batch_size": 128},
    "mnist": {"hidden": (1000, 1000), "batch_size": 100},
}


def load(data, n, mnist_dir):
    if data == "digits":
        from sklearn.datasets import load_digits
        from sklearn.preprocessing import StandardScaler

        X = StandardScaler().fit_transform(load_digits().data).astype(np.float32)
    else:
        X = load_mnist(mnist_dir)[0]
    if n is not None and n != len(X):
        rng = np.random.RandomState(0)
        X = X[rng.choice(len(X), n, replace=n > len(X))]
    return np.ascontiguousarray(X, dtype=np.float32)


def sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def time_ours(X, args, hidden, batch_size, seed, **params):
    """Fit AAETransformer (``params`` on top of the defaults); time per epoch.

    The networks match the other loops': the discriminator as wide as the encoder (the
    default discriminator is narrower), and every epoch trained (no convergence stop).
    """
    params = {"discriminator_hidden_layer_sizes": None, "n_iter_no_change": 10_000, **params}
    aae = AAETransformer(
        n_components=args.n_components,
        hidden_layer_sizes=hidden,
        batch_size=batch_size,
        max_iter=args.epochs,
        device=args.device,
        random_state=seed,
        **params,
    )
    sync(args.device)
    start = time.perf_counter()
    aae.fit(X)
    sync(args.device)
    wall = time.perf_counter() - start
    per_epoch = [float(d) for d in aae.net_.history[:, "dur"]]
    return aae, statistics.median(per_epoch), wall / args.epochs


def time_first_epoch(X, X_t, args, hidden, batch_size, seed, cuda_graphs=False):
    """Wall time of a fresh model's first epoch, setup included: (ours, hand-written).

    With ``cuda_graphs``, ours is timed with the option on (warm-up steps and the
    capture are part of the first epoch).

    Measured after the warm-up, so that both find CUDA and its kernels loaded; what
    remains is each side's own setup (validation, networks, moving the data).
    """
    one = argparse.Namespace(**{**vars(args), "epochs": 1})
    _, _, ours = time_ours(X, one, hidden, batch_size, seed, cuda_graphs=cuda_graphs)
    sync(args.device)
    start = time.perf_counter()
    ref = ReferenceAAE(
        X_t.shape[1], args.n_components, hidden, batch_size=batch_size, device=args.device
    )
    ref.epoch(X_t)
    sync(args.device)
    return ours, time.perf_counter() - start


def time_reference(X_t, args, hidden, batch_size, seed):
    ref = ReferenceAAE(
        X_t.shape[1],
        args.n_components,
        hidden,
        batch_size=batch_size,
        device=args.device,
        seed=seed,
    )
    return statistics.median(ref.epoch(X_t) for _ in range(args.epochs))


def time_pythae(X, args, hidden, batch_size):
    """Seconds per epoch of pythae's trainer (its own DataLoader and joint step).

    Returns the median epoch (pythae's on_epoch_begin to on_epoch_end, as skorch's
    epoch timer for ours) and the whole ``train()`` call per epoch (set-up, keeping the
    best model and the final save included, as the wall time of ours includes ``fit``'s
    validation and set-up).
    """
    import logging

    from pythae.data.datasets import BaseDataset
    from pythae.models import Adversarial_AE, Adversarial_AE_Config
    from pythae.models.base.base_utils import ModelOutput
    from pythae.models.nn import BaseDecoder, BaseDiscriminator, BaseEncoder
    from pythae.trainers import AdversarialTrainer, AdversarialTrainerConfig
    from pythae.trainers.training_callbacks import TrainingCallback
    from torch import nn

    from sklearn_aae._networks import _mlp

    logging.getLogger("pythae").setLevel(logging.ERROR)
    d, k = X.shape[1], args.n_components

    class Enc(BaseEncoder):
        def __init__(self):
            super().__init__()
            self.net = _mlp(d, hidden, k)

        def forward(self, x):
            return ModelOutput(embedding=self.net(x), log_covariance=x.new_zeros(1))

    class Dec(BaseDecoder):
        def __init__(self):
            super().__init__()
            self.net = _mlp(k, tuple(reversed(hidden)), d)

        def forward(self, z):
            return ModelOutput(reconstruction=self.net(z))

    class Disc(BaseDiscriminator):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(_mlp(k, hidden, 1), nn.Sigmoid())

        def forward(self, z):
            return ModelOutput(embedding=self.net(z))

    config = Adversarial_AE_Config(
        input_dim=(d,), latent_dim=k, deterministic_posterior=True, reconstruction_loss="mse"
    )
    model = Adversarial_AE(config, encoder=Enc(), decoder=Dec(), discriminator=Disc())
    trainer_config = AdversarialTrainerConfig(
        output_dir="/tmp/pythae_bench",
        num_epochs=args.epochs,
        per_device_train_batch_size=batch_size,
        no_cuda=not args.device.startswith("cuda"),
        steps_saving=None,
    )

    class EpochTimer(TrainingCallback):
        """Seconds from pythae's on_epoch_begin to its on_epoch_end, per epoch."""

        def __init__(self):
            self.seconds = []

        def on_epoch_begin(self, training_config, **kwargs):
            sync(args.device)
            self._start = time.perf_counter()

        def on_epoch_end(self, training_config, **kwargs):
            sync(args.device)
            self.seconds.append(time.perf_counter() - self._start)

    timer = EpochTimer()
    dataset = BaseDataset(torch.from_numpy(X), torch.zeros(len(X)))
    trainer = AdversarialTrainer(model, dataset, training_config=trainer_config, callbacks=[timer])
    sync(args.device)
    start = time.perf_counter()
    trainer.train()
    sync(args.device)
    return statistics.median(timer.seconds), (time.perf_counter() - start) / args.epochs


def time_transform(aae, X, args):
    """Rows/s of ``transform`` (NumPy in and out) and of bare encoder passes.

    The bare pass runs over a tensor already on the device. On CUDA a second bare pass
    starts and ends in NumPy as ``transform`` does (each chunk copied to the GPU, encoded,
    copied back): what a hand-written loop with the same contract costs. X is tiled to
    ``--transform-rows`` rows, so that all measure bulk throughput rather than the fixed
    cost of one call. Returns ``(ours, bare, bare_with_copies or None)``.
    """
    X = np.resize(X, (max(len(X), args.transform_rows), X.shape[1]))
    X_t = torch.from_numpy(X).to(args.device)
    encoder = aae.encoder_
    cuda = args.device.startswith("cuda")
    ours, bare, copies = [], [], []
    for _ in range(args.rounds):
        start = time.perf_counter()
        aae.transform(X)
        ours.append(time.perf_counter() - start)
        sync(args.device)
        start = time.perf_counter()
        with torch.inference_mode():
            for i in range(0, X_t.shape[0], 4096):
                encoder.net(X_t[i : i + 4096])
        sync(args.device)
        bare.append(time.perf_counter() - start)
        if cuda:
            start = time.perf_counter()
            out = np.empty((len(X), args.n_components), dtype=np.float32)
            with torch.inference_mode():
                for i in range(0, len(X), 4096):
                    chunk = torch.from_numpy(X[i : i + 4096]).to(args.device)
                    out[i : i + 4096] = encoder.net(chunk).cpu().numpy()
            copies.append(time.perf_counter() - start)
    with_copies = len(X) / min(copies) if copies else None
    return len(X) / min(ours), len(X) / min(bare), with_copies


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=sorted(PRESETS), default="digits")
    parser.add_argument("--n", type=int, default=None, help="rows (MNIST: default 10000)")
    parser.add_argument("--mnist", default=None, help="folder of the MNIST idx files")
    parser.add_argument("--n-components", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=3, help="epochs per timed fit")
    parser.add_argument("--rounds", type=int, default=3, help="A B rounds after warm-up")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (CPU)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--no-pythae", action="store_true")
    parser.add_argument("--transform-rows", type=int, default=65536)
    parser.add_argument(
        "--bf16", action="store_true", help="also time fit with precision='bfloat16'"
    )
    parser.add_argument(
        "--cuda-graphs",
        action="store_true",
        help="also time fit with cuda_graphs=True (CUDA only; first epoch timed with it)",
    )
    parser.add_argument(
        "--paper-loss",
        action="store_true",
        help="also time fit with gradient_penalty=0: the paper's plain GAN loss, no R1 "
        "penalty, which is also what pythae's model computes",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    preset = PRESETS[args.data]
    hidden, batch_size = preset["hidden"], preset["batch_size"]
    n = args.n if args.n is not None else (10000 if args.data == "mnist" else None)
    X = load(args.data, n, args.mnist)
    X_t = torch.from_numpy(X).to(args.device)
    info = machine_info(args.device)
    print_header(info)
    print(
        f"# data={args.data} n={len(X)} d={X.shape[1]} hidden={hidden} "
        f"batch={batch_size} code={args.n_components} epochs/fit={args.epochs}"
    )

    pythae = not args.no_pythae
    if pythae:
        try:
            import pythae  # noqa: F401
        except ImportError:
            print("# pythae is not installed: its column is left out")
            pythae = False

    # Ours with the defaults and each variant asked for (parameters on top of them).
    variants = {"AAETransformer.fit": {}}
    # The defaults (no graph term) take pythae's joint step; the paper's two phases, the
    # algorithm of the hand-written loop, too.
    variants["AAETransformer.fit, adversarial_update='alternating'"] = {
        "adversarial_update": "alternating"
    }
    if args.paper_loss:
        variants["AAETransformer.fit, gradient_penalty=0"] = {"gradient_penalty": 0.0}
    if args.bf16:
        variants["AAETransformer.fit, precision='bfloat16'"] = {"precision": "bfloat16"}
    if args.cuda_graphs:
        variants["AAETransformer.fit, cuda_graphs=True"] = {"cuda_graphs": True}
    pythae_name = "pythae Adversarial_AE, one joint step"

    # Warm-up: one short run of each (allocators, kernels, first-call costs).
    warm = argparse.Namespace(**{**vars(args), "epochs": 1})
    for params in variants.values():
        time_ours(X, warm, hidden, batch_size, seed=0, **params)
    time_reference(X_t, warm, hidden, batch_size, seed=0)

    # seconds per epoch of every round: (epoch timer, wall / epochs) per name
    timed = {name: ([], []) for name in [*variants, *([pythae_name] if pythae else [])]}
    ref, first_ours, first_ref = [], [], []
    aae = None
    for r in range(args.rounds):
        for name, params in variants.items():
            fitted, epoch_s, wall_s = time_ours(X, args, hidden, batch_size, r, **params)
            if not params:  # transform is timed on the model with the defaults
                aae = fitted
            timed[name][0].append(epoch_s)
            timed[name][1].append(wall_s)
        ref.append(time_reference(X_t, args, hidden, batch_size, seed=r))
        if pythae:
            epoch_s, wall_s = time_pythae(X, args, hidden, batch_size)
            timed[pythae_name][0].append(epoch_s)
            timed[pythae_name][1].append(wall_s)
        a, b = time_first_epoch(
            X, X_t, args, hidden, batch_size, seed=r, cuda_graphs=args.cuda_graphs
        )
        first_ours.append(a)
        first_ref.append(b)
    rows_s, bare_rows_s, copies_rows_s = time_transform(aae, X, args)

    base = {"bench": "speed", "data": args.data, "n": len(X), "device": args.device}
    series = [("hand-written two-phase loop", "epoch", ref)]
    for name, (epochs, walls) in timed.items():
        series += [
            (f"{name} (epoch timer)", "epoch", epochs),
            (f"{name} (wall / epochs)", "wall", walls),
        ]
    pyt = timed[pythae_name] if pythae else None
    rows = []
    for name, kind, values in series:
        if not values:
            continue
        med = statistics.median(values)
        row = {
            "what": name,
            "s_per_epoch": med,
            "samples_per_s": len(X) / med,
            "ratio_to_hand_written": med / statistics.median(ref),
            # like with like: an epoch timer against pythae's, wall time against its wall
            **(
                {"ratio_to_pythae": med / statistics.median(pyt[0 if kind == "epoch" else 1])}
                if pyt
                else {}
            ),
            "runs": [round(v, 4) for v in values],
        }
        emit({**base, **row})
        rows.append(row)
    first = {
        "what": "first epoch of a fresh model, setup included"
        + (", ours with cuda_graphs=True" if args.cuda_graphs else ""),
        "ours_s": statistics.median(first_ours),
        "hand_written_s": statistics.median(first_ref),
    }
    first["ratio_to_hand_written"] = first["ours_s"] / first["hand_written_s"]
    emit({**base, **first})
    for name, value in [
        ("AAETransformer.transform", rows_s),
        ("bare encoder, inference_mode", bare_rows_s),
        ("bare encoder, NumPy in and out (copies included)", copies_rows_s),
    ]:
        if value is None:
            continue
        row = {"what": name, "rows_per_s": value, "ratio_to_bare": value / bare_rows_s}
        if copies_rows_s is not None:
            row["ratio_to_bare_with_copies"] = value / copies_rows_s
        emit({**base, **row})
        rows.append(row)
    print()
    print(
        f"first epoch of a fresh model (setup included): ours {first['ours_s']:.3f} s, "
        f"hand-written {first['hand_written_s']:.3f} s "
        f"(ratio {first['ratio_to_hand_written']:.3f})"
    )
    print_table(
        rows,
        [
            "what",
            "s_per_epoch",
            "samples_per_s",
            "ratio_to_hand_written",
            *(["ratio_to_pythae"] if pyt else []),
            "rows_per_s",
            "ratio_to_bare",
            *(["ratio_to_bare_with_copies"] if copies_rows_s is not None else []),
        ],
    )


if __name__ == "__main__":
    main()
