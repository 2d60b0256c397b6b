"""The documentation builds without a warning, and docstrings state the true defaults."""

import ast
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sklearn_aae

ROOT = Path(__file__).resolve().parents[1]


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
    api = (out / "gen_modules" / "sklearn_aae.AAETransformer.html").read_text()
    assert "inverse_transform" in api
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
