"""
===========================================================================
A validation set through a pipeline, and a search with a progress bar
===========================================================================

Early stopping watches a validation set. In a
:class:`~sklearn.pipeline.Pipeline` that set must be preprocessed as the
training data is, or the network, trained on scaled features, is validated
on raw ones and stops on nonsense. scikit-learn 1.9's convention, which
skmlp's estimators follow: the estimator takes ``X_val`` and ``y_val`` in
``fit`` and requests them through metadata routing, and
``Pipeline(transform_input=["X_val"])`` runs ``X_val`` through the fitted
transformers first, inside a grid search too.

Then a search over that pipeline shows its progress with scikit-learn's
:class:`~sklearn.callback.ProgressBar` (scikit-learn >= 1.9): the search,
its candidates and folds, and each network's epochs.

The data is the diabetes data set (shipped with scikit-learn) with its
features in their original units, from years of age to blood serum
measurements in the hundreds.
"""

# %%
# Setup
# -----
import warnings

from sklearn.exceptions import ConvergenceWarning

# Short fits on purpose: do not warn that they have not converged.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

import matplotlib.pyplot as plt
import sklearn
from sklearn.datasets import load_diabetes
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPKerasRegressor

# Metadata routing lets the pipeline and the search pass X_val and y_val to
# the estimator that requests them.
sklearn.set_config(enable_metadata_routing=True)

# sphinx_gallery_start_ignore
# SKMLP_EXAMPLES_QUICK=1 (set by tests/test_examples.py) makes this example
# run in a few seconds. The blocks that use it are hidden from the gallery.
import os

QUICK = os.environ.get("SKMLP_EXAMPLES_QUICK") == "1"
# sphinx_gallery_end_ignore

X, y = load_diabetes(return_X_y=True, scaled=False)
y = y / 100.0  # targets of order 1
X_rest, X_test, y_rest, y_test = train_test_split(X, y, random_state=0)
X_train, X_valid, y_train, y_valid = train_test_split(
    X_rest, y_rest, test_size=0.25, random_state=0
)
max_iter = 200
# sphinx_gallery_start_ignore
if QUICK:
    max_iter = 40
# sphinx_gallery_end_ignore


def network():
    """A regressor with early stopping on the given validation set, which it
    requests from the pipeline (as it would request sample_weight)."""
    return MLPKerasRegressor(
        hidden_layer_sizes=(32,),
        learning_rate_init=0.01,
        max_iter=max_iter,
        early_stopping=True,
        n_iter_no_change=5,
        random_state=0,
    ).set_fit_request(X_val=True, y_val=True)


# %%
# The validation set, transformed or not
# --------------------------------------
# The same pipeline twice: with ``transform_input=["X_val"]`` the scaler
# fitted on the training data also scales the validation set; without it,
# the network sees the validation set in raw units. The third fit scales
# the data by hand, to check the pipeline.
transformed = Pipeline(
    [("scale", StandardScaler()), ("mlp", network())], transform_input=["X_val"]
).fit(X_train, y_train, X_val=X_valid, y_val=y_valid)
raw = Pipeline([("scale", StandardScaler()), ("mlp", network())]).fit(
    X_train, y_train, X_val=X_valid, y_val=y_valid
)
scaler = StandardScaler().fit(X_train)
by_hand = network().fit(
    scaler.transform(X_train),
    y_train,
    X_val=scaler.transform(X_valid),
    y_val=y_valid,
)

for name, mlp in [
    ("transformed by the pipeline", transformed[-1]),
    ("scaled by hand", by_hand),
    ("raw (not transformed)", raw[-1]),
]:
    print(
        f"X_val {name:28s}: stopped after {mlp.n_iter_:3d} epochs, "
        f"best validation R² {mlp.best_validation_score_:10.3f}"
    )
print(
    f"test R² of the pipeline with a transformed X_val: "
    f"{transformed.score(X_test, y_test):.3f}"
)
print(
    f"test R² of the pipeline with a raw X_val:         {raw.score(X_test, y_test):.3f}"
)

# %%
# The validation curves: the pipeline's is the hand-scaled one, epoch for
# epoch; the raw set's R² is meaningless, and early stopping stops on it.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ax1.plot(transformed[-1].validation_scores_, lw=4, alpha=0.5, label="pipeline")
ax1.plot(by_hand.validation_scores_, "k--", label="scaled by hand")
ax1.set(title="X_val transformed", xlabel="epoch", ylabel="validation R²")
ax1.legend()
ax2.plot(raw[-1].validation_scores_, color="tab:red")
ax2.set(title="X_val raw", xlabel="epoch", ylabel="validation R²")
fig.tight_layout()

# %%
# A grid search with the routed validation set and a progress bar
# ---------------------------------------------------------------
# The search routes ``X_val`` and ``y_val`` to every fit; each fold's
# pipeline scales them with its own fitted scaler. ``ProgressBar`` (which
# needs ``rich``) is set on the search and propagates to the estimators
# inside; ``max_propagation_depth=None`` shows every level down to the
# network's epochs.
try:
    from sklearn.callback import ProgressBar
except ImportError:  # scikit-learn < 1.9: no callbacks, no bar
    ProgressBar = None

pipe = Pipeline(
    [("scale", StandardScaler()), ("mlp", network())], transform_input=["X_val"]
)
grid = {"mlp__alpha": [1e-4, 1e-1], "mlp__hidden_layer_sizes": [(32,), (64, 32)]}
search = GridSearchCV(pipe, grid, cv=3)
# sphinx_gallery_start_ignore
if QUICK:
    search.set_params(cv=2, param_grid={"mlp__alpha": [1e-4, 1e-1]})
# sphinx_gallery_end_ignore
if ProgressBar is not None:
    search.set_callbacks(ProgressBar(max_propagation_depth=None))
search.fit(X_train, y_train, X_val=X_valid, y_val=y_valid)
print("best parameters:", search.best_params_)
print(f"test R² of the refitted best pipeline: {search.score(X_test, y_test):.3f}")

plt.show()
