"""Sphinx configuration: markdown pages, numpydoc API reference, a gallery of examples.

Build (warnings are errors) from the repository root::

    python -m sphinx -W -b html docs docs/_build/html

The API reference (``gen_modules/api.rst``) is written here from ``sklearn_aae.__all__``
and the ``__all__`` of the public modules ``sklearn_aae.plotting`` and
``sklearn_aae.export``, so that every public name gets a page without a list to keep up
to date. The gallery runs ``examples/plot_*.py`` with one torch thread.

Links to scikit-learn, NumPy, SciPy, PyTorch, matplotlib and Python go through
intersphinx. A build without internet access cannot fetch those projects' inventories,
so each project has a second, local inventory that this file writes
(``_FALLBACK_INVENTORIES``): the names these docs refer to most, with their addresses.
Online, the full inventories are used; offline, the local ones; ``-W`` passes either
way.
"""

import inspect
import os
import re
import sys
import zlib
from pathlib import Path

# Examples train networks: one torch thread, so that the build does not oversubscribe a
# machine it shares (set before torch is imported; torch also reads it at import).
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import sphinx_gallery  # noqa: E402
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
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "examples", "auto_examples/*.ipynb", "**.ipynb_checkpoints"]

# -- theme ------------------------------------------------------------------------------
# pydata-sphinx-theme, as scikit-learn and imbalanced-learn use: wide tables scroll inside
# their own box, and _static/custom.css wraps long code lines instead of cutting them off.
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-aae {release}"
html_short_title = "sklearn-aae"
html_static_path = ["_static"]  # the benchmark figures and custom.css
html_css_files = ["custom.css"]
html_last_updated_fmt = None
html_show_sourcelink = False
html_theme_options = {
    "logo": {"text": f"sklearn-aae {release}"},
    "navbar_align": "left",
    "header_links_before_dropdown": 6,  # the other pages under "More"
    "navbar_persistent": ["search-button"],
    "navbar_end": ["theme-switcher"],
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
# The left column lists a section's pages: only the API reference and the gallery have
# pages below them; on the top-level pages it would be an empty column.
html_sidebars = {page.stem: [] for page in HERE.glob("*.md")}
html_context = {"default_mode": "light"}
toc_object_entries_show_parents = "hide"  # "fit()" in a page's contents, not "AAE....fit()"

# -- markdown pages ---------------------------------------------------------------------
myst_heading_anchors = 3  # links to sections, e.g. user_guide.md#devices-and-threads
myst_enable_extensions = ["dollarmath", "colon_fence"]

# -- API reference ----------------------------------------------------------------------
autosummary_generate = True


def _foreign_bases():
    """Names of every base class, of every public class, that sklearn-aae does not define.

    Their members are left out of the API pages: scikit-learn's (``get_params``,
    ``set_output``, ...) are documented by scikit-learn, and the built-in ones of the
    exceptions (``args``, ``with_traceback``) and skorch's callback hooks say nothing
    about this package. Members of the package's own base classes (``BaseAAE``:
    ``encoder_``, ``decoder_``, ...) are shown.
    """
    from sklearn_aae import export, plotting

    names = {"object"}
    for module in (sklearn_aae, plotting, export):
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj):
                names.update(
                    base.__name__
                    for base in obj.__mro__[1:]
                    if not base.__module__.startswith("sklearn_aae")
                )
    return ", ".join(sorted(names))


autodoc_default_options = {"members": True, "inherited-members": _foreign_bases()}
autodoc_typehints = "none"  # the numpydoc docstring is the one place types are given
numpydoc_show_class_members = False  # members are listed by the autosummary template
numpydoc_class_members_toctree = False
# Types in the Parameters sections link to their documentation; words that are not listed
# here stay plain text ("all"), so no type can become a broken link.
numpydoc_xref_param_type = True
numpydoc_xref_ignore = "all"
numpydoc_xref_aliases = {
    "array-like": ":term:`array-like <array_like>`",
    "ndarray": "numpy.ndarray",
    "RandomState": "numpy.random.RandomState",
    "torch.device": "torch.device",
    "Pipeline": "sklearn.pipeline.Pipeline",
    "matplotlib.axes.Axes": "matplotlib.axes.Axes",
    "os.PathLike": "os.PathLike",
    "AAETransformer": "sklearn_aae.AAETransformer",
    "AAEClassifier": "sklearn_aae.AAEClassifier",
    "AAEClusterer": "sklearn_aae.AAEClusterer",
    "AAEClusterHeadTransformer": "sklearn_aae.AAEClusterHeadTransformer",
}

# autosummary's one-line summaries end at the first ". " that is not an abbreviation it
# knows; "(Fig. 3/4)" in a first sentence would cut it at "Fig.".
try:
    from sphinx.ext import autosummary as _autosummary

    _autosummary.WELL_KNOWN_ABBREVIATIONS = (
        *_autosummary.WELL_KNOWN_ABBREVIATIONS,
        "Fig.",
        "Figs.",
        "Eq.",
        "Tab.",
    )
except AttributeError:  # a Sphinx without the tuple: summaries as Sphinx makes them
    pass

# -- links to other projects' documentation ---------------------------------------------
# Each project: its documentation online first; when that cannot be reached (no network),
# the local inventory written below, which holds the names these docs use most. Sphinx
# only warns when every location of a project fails, so offline builds stay warning-free.
_FALLBACK_DIR = HERE / "_build" / "intersphinx"
_FALLBACK_INVENTORIES = {
    # project: (documentation root, version, [(name, domain:role, address), ...]);
    # "$" in an address stands for the name (written out below: Sphinx's own shorthand
    # only covers a "$" at the very end).
    "python": (
        "https://docs.python.org/3/",
        "3",
        [
            # what numpydoc links the words of parameter types to (True, int, ...)
            ("None", "py:data", "library/constants.html#$"),
            ("True", "py:data", "library/constants.html#$"),
            ("False", "py:data", "library/constants.html#$"),
            ("bltin-boolean-values", "std:label", "library/stdtypes.html#$"),
            ("int", "py:class", "library/functions.html#$"),
            ("float", "py:class", "library/functions.html#$"),
            ("str", "py:class", "library/stdtypes.html#$"),
            ("dict", "py:class", "library/stdtypes.html#$"),
            ("list", "py:class", "library/stdtypes.html#$"),
            ("tuple", "py:class", "library/stdtypes.html#$"),
            ("callable", "py:function", "library/functions.html#$"),
            ("FloatingPointError", "py:exception", "library/exceptions.html#$"),
            ("MemoryError", "py:exception", "library/exceptions.html#$"),
            ("RuntimeWarning", "py:exception", "library/exceptions.html#$"),
            ("UserWarning", "py:exception", "library/exceptions.html#$"),
            ("KeyboardInterrupt", "py:exception", "library/exceptions.html#$"),
            ("os.PathLike", "py:class", "library/os.html#$"),
            ("pickle", "py:module", "library/pickle.html#module-$"),
        ],
    ),
    "numpy": (
        "https://numpy.org/doc/stable/",
        "stable",
        [
            ("numpy.ndarray", "py:class", "reference/generated/$.html#$"),
            ("numpy.random.RandomState", "py:class", "reference/random/legacy.html#$"),
            ("numpy.random.Generator", "py:class", "reference/random/generator.html#$"),
            ("numpy.float32", "py:attribute", "reference/arrays.scalars.html#$"),
            ("array_like", "std:term", "glossary.html#term-array_like"),
            ("arrays.scalars", "std:label", "reference/arrays.scalars.html#arrays-scalars"),
        ],
    ),
    "scipy": (
        "https://docs.scipy.org/doc/scipy/",
        "stable",
        [
            ("scipy.stats", "py:module", "reference/stats.html#module-$"),
            ("scipy.sparse", "py:module", "reference/sparse.html#module-$"),
            ("scipy.sparse.csr_matrix", "py:class", "reference/generated/$.html#$"),
            ("scipy.stats.norm", "py:data", "reference/generated/$.html#$"),
            ("scipy.stats.laplace", "py:data", "reference/generated/$.html#$"),
            ("scipy.stats.multivariate_normal", "py:data", "reference/generated/$.html#$"),
        ],
    ),
    "sklearn": (
        "https://scikit-learn.org/stable/",
        "stable",
        [
            *(
                (name, role, "modules/generated/$.html#$")
                for name, role in [
                    ("sklearn.base.BaseEstimator", "py:class"),
                    ("sklearn.base.TransformerMixin", "py:class"),
                    ("sklearn.base.clone", "py:function"),
                    ("sklearn.cluster.KMeans", "py:class"),
                    ("sklearn.datasets.load_digits", "py:function"),
                    ("sklearn.datasets.make_blobs", "py:function"),
                    ("sklearn.decomposition.KernelPCA", "py:class"),
                    ("sklearn.decomposition.PCA", "py:class"),
                    ("sklearn.metrics.adjusted_rand_score", "py:function"),
                    ("sklearn.metrics.normalized_mutual_info_score", "py:function"),
                    ("sklearn.model_selection.GridSearchCV", "py:class"),
                    ("sklearn.model_selection.StratifiedKFold", "py:class"),
                    ("sklearn.model_selection.cross_val_score", "py:function"),
                    ("sklearn.model_selection.train_test_split", "py:function"),
                    ("sklearn.pipeline.Pipeline", "py:class"),
                    ("sklearn.pipeline.make_pipeline", "py:function"),
                    ("sklearn.preprocessing.MinMaxScaler", "py:class"),
                    ("sklearn.preprocessing.StandardScaler", "py:class"),
                    ("sklearn.semi_supervised.LabelSpreading", "py:class"),
                    ("sklearn.semi_supervised.SelfTrainingClassifier", "py:class"),
                    ("sklearn.svm.SVC", "py:class"),
                ]
            ),
            ("array-like", "std:term", "glossary.html#term-array-like"),
        ],
    ),
    "torch": (
        "https://docs.pytorch.org/docs/stable/",
        "stable",
        [
            ("torch.device", "py:class", "tensor_attributes.html#$"),
            ("torch.Tensor", "py:class", "tensors.html#$"),
            ("torch.nn.Module", "py:class", "generated/$.html#$"),
            ("torch.Generator", "py:class", "generated/$.html#$"),
            ("torch.set_num_threads", "py:function", "generated/$.html#$"),
            ("torch.autocast", "py:class", "amp.html#$"),
            ("torch.cuda.OutOfMemoryError", "py:exception", "generated/$.html#$"),
        ],
    ),
    "matplotlib": (
        "https://matplotlib.org/stable/",
        "stable",
        [
            ("matplotlib.axes.Axes", "py:class", "api/_as_gen/$.html#$"),
            ("matplotlib.figure.Figure", "py:class", "api/_as_gen/$.html#$"),
        ],
    ),
}


def write_fallback_inventories():
    """Write one Sphinx inventory (``objects.inv`` format, version 2) per project."""
    _FALLBACK_DIR.mkdir(parents=True, exist_ok=True)
    for project_name, (_, version, entries) in _FALLBACK_INVENTORIES.items():
        header = (
            "# Sphinx inventory version 2\n"
            f"# Project: {project_name}\n"
            f"# Version: {version}\n"
            "# The remainder of this file is compressed using zlib.\n"
        )
        body = "".join(
            f"{name} {role} 1 {address.replace('$', name)} -\n" for name, role, address in entries
        )
        data = header.encode() + zlib.compress(body.encode())
        path = _FALLBACK_DIR / f"{project_name}.inv"
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)


write_fallback_inventories()
intersphinx_mapping = {
    name: (root, (None, str(_FALLBACK_DIR / f"{name}.inv")))
    for name, (root, _, _) in _FALLBACK_INVENTORIES.items()
}
intersphinx_timeout = 10  # seconds per inventory; unreachable hosts fail fast anyway

# -- gallery ----------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sklearn_aae",),
    "backreferences_dir": "gen_modules/backreferences",
    "abort_on_example_error": True,
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_memory": False,
    "write_computation_times": False,  # no sg_execution_times.rst in the source tree
}
# Names in the examples' code link to their documentation: this package's pages, and the
# other projects' through intersphinx. Before sphinx-gallery 0.22 the package had to be
# named here; since, the option is deprecated and links need nothing more.
if tuple(int(part) for part in sphinx_gallery.__version__.split(".")[:2]) < (0, 22):
    sphinx_gallery_conf["reference_url"] = {"sklearn_aae": None}


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
