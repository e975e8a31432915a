"""
=======================================================================
Fine-tuning hyperparameters, class weights and sample weights
=======================================================================

The chapter ends with hyperparameter tuning: the number of hidden layers and
neurons, the learning rate, and regularization. The book uses Keras Tuner;
here the network is a scikit-learn estimator, so scikit-learn's own tools
apply: :class:`~sklearn.model_selection.GridSearchCV` (or
:class:`~sklearn.model_selection.RandomizedSearchCV`, or the successive
halving searches), run in parallel with ``n_jobs``.

It then weights the training samples, for an imbalanced problem:
``class_weight="balanced"``, and ``sample_weight`` routed through a
:class:`~sklearn.pipeline.Pipeline` by scikit-learn's metadata routing.
"""

# %%
# Setup
# -----
import warnings

from sklearn.exceptions import ConvergenceWarning

# The networks train for a fixed, small number of epochs on purpose: do not
# warn that they have not converged.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

import matplotlib.pyplot as plt
import pandas as pd
import sklearn
from sklearn.datasets import load_digits, make_classification
from sklearn.metrics import balanced_accuracy_score, make_scorer, recall_score
from sklearn.model_selection import GridSearchCV, cross_validate, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

from skmlp import MLPKerasClassifier

# %%
# A grid search
# -------------
# The digits (8x8 images), scaled to 0-1. Every combination of the grid is
# trained on two thirds of the training set and scored on the other third,
# three times; ``n_jobs=2`` runs two fits at a time, each in its own process.
digits = load_digits()
X_train, X_test, y_train, y_test = train_test_split(
    digits.data / 16.0, digits.target, stratify=digits.target, random_state=42
)

param_grid = {
    "hidden_layer_sizes": [(32,), (64, 32)],
    "alpha": [1e-4, 1e-2],
    "learning_rate_init": [1e-3, 1e-2],
}
cv, epochs = 3, 15
# sphinx_gallery_start_ignore
# SKMLP_EXAMPLES_QUICK=1 (set by tests/test_examples.py) makes this example
# run in a few seconds. The blocks that use it are hidden from the gallery.
import os

QUICK = os.environ.get("SKMLP_EXAMPLES_QUICK") == "1"
if QUICK:
    param_grid = {
        "hidden_layer_sizes": [(16,)],
        "alpha": [1e-4],
        "learning_rate_init": [1e-3, 1e-2],
    }
    cv, epochs = 2, 2
# sphinx_gallery_end_ignore

search = GridSearchCV(
    MLPKerasClassifier(max_iter=epochs, random_state=42),
    param_grid,
    cv=cv,
    n_jobs=2,
)
search.fit(X_train, y_train)
print("best parameters:", search.best_params_)
print(f"best cross-validated accuracy: {search.best_score_:.3f}")
print(f"test accuracy of the refitted best model: {search.score(X_test, y_test):.3f}")

# %%
# ``cv_results_`` holds every combination's scores (and fit times).
results = pd.DataFrame(search.cv_results_)
columns = [
    "param_hidden_layer_sizes",
    "param_alpha",
    "param_learning_rate_init",
    "mean_test_score",
    "std_test_score",
    "mean_fit_time",
]
results = results.sort_values("rank_test_score")[columns]
print(results.to_string(index=False))

fig, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
labels = [
    f"{tuple(row.param_hidden_layer_sizes)}, alpha={row.param_alpha:g}, "
    f"lr={row.param_learning_rate_init:g}"
    for row in results.itertuples()
]
ax.barh(labels, results["mean_test_score"], xerr=results["std_test_score"])
ax.invert_yaxis()
ax.set_xlabel("mean cross-validated accuracy")
_ = ax.set_title("GridSearchCV over MLPKerasClassifier")

# %%
# Class weights on an imbalanced problem
# --------------------------------------
# A binary problem where 5% of the samples are positive. Trained as is, a
# network favors the majority class and misses many positives. With
# ``class_weight="balanced"``, each class weighs as much in the loss as the
# other (each sample of class ``c`` is weighted
# ``n_samples / (n_classes * n_samples_of_c)``): the recall of the minority
# class rises, at the cost of some false positives.
n_samples, epochs, cv = 3000, 30, 3
# sphinx_gallery_start_ignore
if QUICK:
    n_samples, epochs, cv = 1000, 5, 2
# sphinx_gallery_end_ignore
X, y = make_classification(
    n_samples=n_samples,
    n_features=10,
    n_informative=4,
    weights=[0.95],
    class_sep=0.6,
    flip_y=0,
    random_state=0,
)
X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, random_state=0)
params = dict(
    hidden_layer_sizes=(32,),
    learning_rate_init=1e-2,
    max_iter=epochs,
    random_state=0,
)


def report(name, model):
    pred = model.predict(X_te)
    print(
        f"{name:>31}: minority recall {recall_score(y_te, pred):.2f}, "
        f"balanced accuracy {balanced_accuracy_score(y_te, pred):.2f}"
    )


plain = make_pipeline(StandardScaler(), MLPKerasClassifier(**params)).fit(X_tr, y_tr)
balanced = make_pipeline(
    StandardScaler(), MLPKerasClassifier(class_weight="balanced", **params)
).fit(X_tr, y_tr)
print(f"{y_tr.mean():.1%} of the training samples are positive")
report("no weights", plain)
report('class_weight="balanced"', balanced)

# %%
# Sample weights through a pipeline
# ---------------------------------
# Any per-sample weight (here, the same "balanced" weights computed by hand)
# can be passed to ``fit`` as ``sample_weight``. In a pipeline, scikit-learn's
# metadata routing sends it to the steps that ask for it: enable routing (here
# in a ``with`` block; ``sklearn.set_config(enable_metadata_routing=True)``
# turns it on for the session), and declare which steps take the weights with
# ``set_fit_request``. The scaler is told not to use them, and the network to.
# The same routing carries them into
# :func:`~sklearn.model_selection.cross_validate` and the searches, where the
# scorer must say too whether it weights its score (here it does not).
sample_weight = compute_sample_weight("balanced", y_tr)
with sklearn.config_context(enable_metadata_routing=True):
    weighted = make_pipeline(
        StandardScaler().set_fit_request(sample_weight=False),
        MLPKerasClassifier(**params).set_fit_request(sample_weight=True),
    )
    weighted.fit(X_tr, y_tr, sample_weight=sample_weight)
    scores = cross_validate(
        weighted,
        X_tr,
        y_tr,
        cv=cv,
        scoring=make_scorer(recall_score).set_score_request(sample_weight=False),
        params={"sample_weight": sample_weight},
    )
report("sample_weight, routed", weighted)
print(
    "cross-validated minority recall with the routed weights:",
    scores["test_score"].round(2),
)
plt.show()
