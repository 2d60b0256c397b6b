"""Where an epoch of ``AAETransformer.fit`` spends its time: a torch.profiler table.

After a one-epoch warm-up fit, profiles one more epoch (a warm start, so the data are
validated and moved again, a small part of an epoch) and prints the ops with the most
self CPU time, the CUDA synchronisations and host-device copies, and the wall time per
batch. Use it before and after a change to the training loop.

    python benchmarks/profile_fit.py --data mnist --n 60000 --device cuda
    OMP_NUM_THREADS=1 python benchmarks/profile_fit.py --data digits
"""

from __future__ import annotations

import argparse
import time

import torch
from _common import machine_info, print_header
from bench_speed import PRESETS, load
from torch.profiler import ProfilerActivity, profile

from sklearn_aae import AAETransformer


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=sorted(PRESETS), default="digits")
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--mnist", default=None)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rows", type=int, default=25, help="ops to list")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    X = load(args.data, args.n, args.mnist)
    print_header(machine_info(args.device))
    cuda = args.device.startswith("cuda")
    preset = PRESETS[args.data]
    aae = AAETransformer(
        8,
        hidden_layer_sizes=preset["hidden"],
        batch_size=preset["batch_size"],
        max_iter=1,
        device=args.device,
        random_state=0,
    ).fit(X)
    aae.set_params(warm_start=True)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with profile(activities=activities) as prof:
        start = time.perf_counter()
        aae.fit(X)
        if cuda:
            torch.cuda.synchronize()
        wall = time.perf_counter() - start
    batches = -(-len(X) // preset["batch_size"])
    events = prof.key_averages()
    print(events.table(sort_by="self_cpu_time_total", row_limit=args.rows))
    counts = {
        e.key: e.count
        for e in events
        if any(s in e.key for s in ("Synchronize", "Memcpy", "aten::item", "aten::_local_scalar"))
    }
    launches = sum(e.count for e in events if e.key in ("cudaLaunchKernel", "cuLaunchKernel"))
    print(f"# synchronisations and copies in the epoch: {counts}")
    print(f"# kernel launches: {launches} ({launches / batches:.0f} per batch)")
    print(f"# wall: {wall:.3f} s for {batches} batches, {1e3 * wall / batches:.3f} ms per batch")


if __name__ == "__main__":
    main()
