"""Sphinx configuration: markdown pages, numpydoc API reference, a gallery of examples.

Build (warnings are errors) from the repository root::

    python -m sphinx -W -b html docs docs/_build/html

The API reference (``gen_modules/api.rst``) is written here from ``sklearn_aae.__all__``
and the ``__all__`` of the public modules ``sklearn_aae.plotting`` and
``sklearn_aae.export``, so that every public name gets a page without a list to keep up
to date. The gallery runs ``examples/plot_*.py`` with one torch thread.
"""

import inspect
import os
import re
import sys
from pathlib import Path

# Examples train networks: one torch thread, so that the build does not oversubscribe a
# machine it shares (set before torch is imported; torch also reads it at import).
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import torch  # noqa: E402
from sklearn.base import BaseEstimator  # noqa: E402
from skorch.callbacks import Callback  # noqa: E402

import sklearn_aae  # noqa: E402

torch.set_num_threads(1)

project = "sklearn-aae"
author = "the sklearn-aae developers"
copyright = "the sklearn-aae developers"  # noqa: A001
release = version = sklearn_aae.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "examples", "auto_examples/*.ipynb", "**.ipynb_checkpoints"]

html_theme = "alabaster"
html_title = f"sklearn-aae {release}"
html_static_path = []

# -- markdown pages ---------------------------------------------------------------------
myst_heading_anchors = 3  # links to sections, e.g. user_guide.md#devices-and-threads
myst_enable_extensions = ["dollarmath"]

# -- API reference ----------------------------------------------------------------------
autosummary_generate = True
# Members of scikit-learn's base classes (get_params, set_output, ...) are left out: their
# docstrings point into scikit-learn's own docs. Those of the package's shared base class
# (encoder_, decoder_, ...) are shown.
_SKLEARN_BASES = (
    "BaseEstimator, TransformerMixin, ClassifierMixin, ClusterMixin, "
    "ClassNamePrefixFeaturesOutMixin, _SetOutputMixin, _MetadataRequester, object"
)
autodoc_default_options = {"members": True, "inherited-members": _SKLEARN_BASES}
autodoc_typehints = "none"  # the numpydoc docstring is the one place types are given
numpydoc_show_class_members = False  # members are listed by the autosummary template
numpydoc_class_members_toctree = False

# -- gallery ----------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sklearn_aae",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"sklearn_aae": None},
    "abort_on_example_error": True,
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_memory": False,
    "write_computation_times": False,  # no sg_execution_times.rst in the source tree
}


_TRAILING_UNDERSCORE = re.compile(r"\b([A-Za-z]\w*)_(?=[),])")


def escape_fitted_attribute_names(app, what, name, obj, options, lines):
    """Escape names like ``n_features_in_`` in shapes, e.g. ``(n_samples, n_features_in_)``.

    reStructuredText reads a word ending in ``_`` as a link to a target of that name; in
    a numpydoc type line such as ``X : ndarray of shape (n_samples, n_features_in_)``
    that is an error. Only the type after `` : `` is changed, and not when it holds an
    inline literal.
    """
    for i, line in enumerate(lines):
        name, sep, type_ = line.partition(" : ")
        if sep and "`" not in type_:
            lines[i] = name + sep + _TRAILING_UNDERSCORE.sub(r"\1\\_", type_)


def _public(module):
    return [(name, getattr(module, name)) for name in module.__all__ if not name.startswith("_")]


def _section(title, module_name, names):
    if not names:
        return ""
    lines = [
        title,
        "-" * len(title),
        "",
        f".. currentmodule:: {module_name}",
        "",
        ".. autosummary::",
        "   :toctree: .",
        "   :nosignatures:",
        "",
        *(f"   {name}" for name in names),
        "",
        "",
    ]
    return "\n".join(lines)


def write_api_reference():
    """Write ``gen_modules/api.rst`` from the ``__all__`` of the public modules."""
    from sklearn_aae import export, plotting

    groups = {
        "Estimators": [],
        "Priors": [],
        "Metrics": [],
        "Callbacks": [],
        "Functions": [],
        "Exceptions": [],
    }
    for name, obj in _public(sklearn_aae):
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            groups["Estimators"].append(name)
        elif inspect.isclass(obj) and hasattr(obj, "rvs"):
            groups["Priors"].append(name)
        elif inspect.isclass(obj) and issubclass(obj, Exception):
            groups["Exceptions"].append(name)
        elif inspect.isclass(obj) and issubclass(obj, Callback):
            groups["Callbacks"].append(name)
        elif callable(obj):
            groups["Metrics" if obj.__module__ == "sklearn_aae._metrics" else "Functions"].append(
                name
            )
        else:  # e.g. __version__: not an API page
            continue
    text = "\n".join(
        [
            "API reference",
            "=============",
            "",
            "Everything public in ``sklearn_aae`` and in its modules ``sklearn_aae.plotting``",
            "(needs matplotlib) and ``sklearn_aae.export`` (needs onnx, onnxscript,",
            "onnxruntime, safetensors). Generated from the docstrings.",
            "",
            "",
        ]
    )
    for title, names in groups.items():
        text += _section(title, "sklearn_aae", names)
    text += _section("Plots (sklearn_aae.plotting)", "sklearn_aae.plotting", plotting.__all__)
    text += _section("Export (sklearn_aae.export)", "sklearn_aae.export", export.__all__)
    path = HERE / "gen_modules" / "api.rst"
    path.parent.mkdir(exist_ok=True)
    if not path.exists() or path.read_text() != text:  # unchanged: no rebuild of the page
        path.write_text(text)


write_api_reference()


def skip_metadata_requests(app, what, name, obj, skip, options):
    """Leave out ``set_fit_request`` & co., scikit-learn's metadata-routing methods."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", skip_metadata_requests)
    # before numpydoc (priority 500) turns the docstring into reStructuredText
    app.connect("autodoc-process-docstring", escape_fitted_attribute_names, priority=400)
