"""The documentation builds without a warning, its figures come from the benchmark logs,
and docstrings state the true defaults."""

import ast
import importlib.util
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sklearn_aae

ROOT = Path(__file__).resolve().parents[1]


def _plot_results():
    """benchmarks/plot_results.py as a module (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "plot_results", ROOT / "benchmarks" / "plot_results.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_sphinx_build_is_warning_free(tmp_path):
    for package in ("sphinx", "numpydoc", "sphinx_gallery", "myst_parser", "matplotlib"):
        pytest.importorskip(package)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    out = tmp_path / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-b", "html", "docs", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for page in ("index", "user_guide", "scaling", "gen_modules/api", "auto_examples/index"):
        assert (out / f"{page}.html").is_file(), page
    for page in ("install", "quickstart", "benchmarks"):
        assert (out / f"{page}.html").is_file(), page
    api = (out / "gen_modules" / "sklearn_aae.AAETransformer.html").read_text()
    assert "inverse_transform" in api
    # intersphinx resolves names of other projects (online, or from the local inventories)
    assert "https://scikit-learn.org/stable/modules/generated/sklearn.decomposition.PCA" in api
    # autosummary's one-line summaries are not cut at "Fig."
    assert re.search(r"as in the paper.s Fig\. 3/4", (out / "gen_modules" / "api.html").read_text())
    # pages show what the package defines, not inherited built-in or skorch members
    exception = (out / "gen_modules" / "sklearn_aae.DivergenceError.html").read_text()
    assert "with_traceback" not in exception
    callback = (out / "gen_modules" / "sklearn_aae.TrainingCheckpoint.html").read_text()
    assert "on_epoch_end" in callback and "on_batch_begin" not in callback
    # the benchmark figures are on the results page
    results = (out / "benchmarks.html").read_text()
    for name in _plot_results().FIGURES:
        assert f"{name}.png" in results, name
    # the gallery ran: every example produced at least one figure
    examples = sorted(p.stem for p in (ROOT / "docs" / "examples").glob("plot_*.py"))
    assert examples
    for name in examples:
        assert list((out / "_images").glob(f"sphx_glr_{name}_0*.png")), name


@pytest.mark.parametrize(
    "name", ["AAETransformer", "AAEClassifier", "AAEClusterer", "AAEClusterHeadTransformer"]
)
def test_docstring_defaults_are_the_signature_defaults(name):
    # The shared parameter text is filled in per class, with the class's own defaults.
    cls = getattr(sklearn_aae, name)
    signature = inspect.signature(cls.__init__).parameters
    doc = cls.__doc__
    assert "{common_" not in doc  # every placeholder was filled
    documented = dict(re.findall(r"^[ \t]*(\w+) : .*?default=(.+)$", doc, re.MULTILINE))
    assert set(documented) == set(signature) - {"self"}
    for parameter, text in documented.items():
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = text
        default = signature[parameter].default
        assert type(value) is type(default) and value == default, (parameter, text)


def test_every_results_figure_is_drawn_from_the_logs_by_plot_results():
    # A figure on the results page exists, is committed, and is one that
    # benchmarks/plot_results.py draws from logs kept in benchmarks/results/.
    figures = _plot_results().FIGURES
    page = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    shown = re.findall(r"^```\{(?:image|figure)\} _static/([\w-]+)\.png$", page, re.MULTILINE)
    assert shown
    assert set(shown) == set(figures)
    for name, (_, logs) in figures.items():
        assert (ROOT / "docs" / "_static" / f"{name}.png").is_file(), name
        for log in logs:
            assert log.is_file(), log


def test_plot_results_draws_every_figure(tmp_path):
    pytest.importorskip("matplotlib")
    plot_results = _plot_results()
    plot_results.main(["--out", str(tmp_path)])
    drawn = sorted(path.stem for path in tmp_path.glob("*.png"))
    assert drawn == sorted(plot_results.FIGURES)


@pytest.mark.parametrize(
    "pattern",
    [r"\bissue \d", r"\+dirty", r"\.\./shared", r"\bleases?\b", r"\bsessions? (?:with|of)\b"],
)
def test_user_documentation_speaks_to_users(pattern):
    # No internal bookkeeping in what users read: issue numbers, uncommitted-edit commit
    # tags, paths outside the repository, borrowed machines.
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    pages += sorted((ROOT / "docs" / "examples").glob("*.py"))
    for page in pages:
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            assert not re.search(pattern, line, re.IGNORECASE), f"{page.name}:{number}: {line}"
