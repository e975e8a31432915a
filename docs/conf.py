"""Sphinx configuration of the skmlp documentation.

Build it with ``sphinx-build -W -b html docs docs/_build/html``. The gallery
runs every ``examples/plot_*.py``; they need no network (each falls back on a
data set shipped with scikit-learn). Set ``SKMLP_EXAMPLES_QUICK=1`` for a
quick build (few epochs), or pass ``-D plot_gallery=0`` to skip running them.
"""

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS))  # gallery_order

import skmlp  # noqa: E402

# -- Project -------------------------------------------------------------------

project = "skmlp"
author = "The skmlp developers"
copyright = "The skmlp developers"
release = skmlp.__version__
version = ".".join(release.split(".")[:2])

# -- General -------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    "**.ipynb_checkpoints",
    "generated/*.inc",
]
default_role = "literal"
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# The page's table of contents lists methods as "fit()", not "MLPKerasClassifier.fit()".
toc_object_entries_show_parents = "hide"

# -- HTML ----------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skmlp {release}"
html_static_path = ["_static"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False
# Pages without a section of their own: no empty "Section Navigation" column.
html_sidebars = {
    page: []
    for page in ("index", "install", "getting_started", "which_estimator", "changelog")
}

# -- Gallery -------------------------------------------------------------------

# Anything but "0" or "" runs the examples with few epochs; unset, they run in
# full (a few minutes on a laptop).
if os.environ.get("SKMLP_EXAMPLES_QUICK", "0") in ("0", ""):
    os.environ.pop("SKMLP_EXAMPLES_QUICK", None)
else:
    os.environ["SKMLP_EXAMPLES_QUICK"] = "1"

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Run every plot_ example: all of them work offline.
    "filename_pattern": r"/plot_",
    # In the chapter's order (docs/gallery_order.py), not by length.
    "within_subsection_order": "gallery_order.ChapterOrder",
    "ignore_pattern": r"__init__\.py",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "min_reported_time": 5,
    "write_computation_times": False,
    # "Examples using" sections on the API pages.
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("skmlp",),
}

# -- Benchmark results ----------------------------------------------------------
# user_guide/performance.rst includes generated/benchmark_results.inc, written
# here: the results table when benchmarks/RESULTS.md exists, else a note.


def _write_benchmark_include():
    results = ROOT / "benchmarks" / "RESULTS.md"
    target = DOCS / "generated" / "benchmark_results.inc"
    target.parent.mkdir(exist_ok=True)
    if results.is_file():
        text = (
            "The latest results, from ``benchmarks/RESULTS.md``:\n\n"
            ".. include:: ../../benchmarks/RESULTS.md\n"
            "   :parser: myst_parser.sphinx_\n"
        )
    else:
        text = (
            ".. note::\n\n"
            "   No benchmark results yet: run the benchmarks (``benchmarks/``) to\n"
            "   write ``benchmarks/RESULTS.md``, which this page then shows.\n"
        )
    if not target.is_file() or target.read_text() != text:
        target.write_text(text)


_write_benchmark_include()

# -- Links to scikit-learn's documentation ----------------------------------------
# intersphinx needs the network at build time; these links do not. They also
# resolve the references of the docstrings inherited from scikit-learn
# (``score``, ``set_fit_request``, ...) to its labels and glossary.

SKLEARN_DOCS = "https://scikit-learn.org/stable/"
SKLEARN_LABELS = {
    "metadata_routing": "metadata_routing.html",
    "accuracy_score": "modules/model_evaluation.html#accuracy-score",
    "r2_score": "modules/model_evaluation.html#r2-score",
    # set_output, inherited by the wrappers' encoders
    "df_output_transform": "auto_examples/miscellaneous/plot_set_output.html",
    "sphx_glr_auto_examples_miscellaneous_plot_set_output.py": (
        "auto_examples/miscellaneous/plot_set_output.html"
    ),
}


def _sklearn_link(app, env, node, contnode):
    from docutils import nodes

    domain, reftype = node.get("refdomain"), node.get("reftype")
    target = node.get("reftarget", "")
    url = None
    if domain == "py" and target.startswith("sklearn."):
        parts = target.split(".")
        # sklearn.linear_model.Perceptron, or a method of it
        upto = next((i for i, p in enumerate(parts) if p[:1].isupper()), None)
        if upto is not None:
            page = ".".join(parts[: upto + 1])
            anchor = "#" + target if upto + 1 < len(parts) else ""
            url = f"{SKLEARN_DOCS}modules/generated/{page}.html{anchor}"
        elif reftype in ("func", "obj", "meth"):
            url = f"{SKLEARN_DOCS}modules/generated/{target}.html"
        else:  # a module
            url = f"{SKLEARN_DOCS}api/{'.'.join(parts[:2])}.html"
    elif domain == "std" and reftype == "ref" and target in SKLEARN_LABELS:
        url = SKLEARN_DOCS + SKLEARN_LABELS[target]
    elif domain == "std" and reftype == "term":
        url = f"{SKLEARN_DOCS}glossary.html#term-{target.lower().replace(' ', '-')}"
    if url is None:
        return None
    ref = nodes.reference("", "", internal=False, refuri=url)
    ref.append(contnode)
    return ref


def setup(app):
    app.connect("missing-reference", _sklearn_link)
    app.add_css_file("custom.css")
