"""``benchmarks/bench_time_to_quality.py``: candidates given on the command line."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_time_to_quality as bench  # noqa: E402


@pytest.mark.parametrize("spec", ["no-separator", '={"max_iter": 1}'])
def test_a_candidate_needs_a_name_and_parameters(spec, capsys):
    with pytest.raises(SystemExit):
        bench.main(["--no-umap", "--candidate", spec])
    assert "NAME=JSON" in capsys.readouterr().err


def test_only_without_names_runs_the_added_candidates_alone(capsys, monkeypatch):
    monkeypatch.setattr(bench, "CANDIDATES", dict(bench.CANDIDATES))  # left as found
    spec = 'one epoch, no prior={"max_iter": 1, "adversarial_weight": 0.0}'
    bench.main(["--components", "2", "--no-umap", "--only", "--candidate", spec])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line[:1] == "{"]
    assert [(r["reducer"], r["epochs"]) for r in rows] == [("one epoch, no prior", 1)]
    assert 0.0 <= rows[0]["accuracy"] <= 1.0
