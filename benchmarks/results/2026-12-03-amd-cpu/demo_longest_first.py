"""The README's demo with every fit started longest first (its previous start order).

Run from anywhere, with the package installed:

    python -u benchmarks/results/2026-12-03-amd-cpu/demo_longest_first.py
"""

import sklearn_aae.demo as demo

if not hasattr(demo, "_start_order"):
    raise SystemExit(
        "this demo fits no models on all rows: run with PYTHONPATH=<a worktree of commit "
        "d5c9913 or 1ce7bd4>"
    )


def longest_first(keys):
    return sorted(range(len(keys)), key=lambda i: (keys[i][1] != demo.GRAPH, keys[i][0] != "prior"))


demo._start_order = longest_first
demo.main(["--png", "/tmp/demo.png"])
