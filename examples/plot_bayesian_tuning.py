"""
=====================================================================
Fine-tuning: random search, Hyperband-style halving, Bayesian search
=====================================================================

The chapter tunes the number of hidden layers, the neurons per layer, the
learning rate and the optimizer with Keras Tuner's three tuners: random
search, Hyperband, and Bayesian optimization. With the network as a
scikit-learn estimator, each has a counterpart:

* :class:`~sklearn.model_selection.RandomizedSearchCV`: random search;
* :class:`~sklearn.model_selection.HalvingRandomSearchCV` with
  ``resource="max_iter"``: successive halving, the idea inside Hyperband:
  train many candidates for a few epochs, keep the best third, train those
  three times longer, and so on;
* Keras Tuner itself (``pip install keras-tuner``): its ``SklearnTuner`` tunes
  any scikit-learn estimator, so its ``BayesianOptimizationOracle`` (a
  Gaussian process that proposes the next candidate where it expects the
  best score) searches skmlp's hyperparameters with cross-validation.

The book tunes its Fashion MNIST classifier; here the 8x8 digits, which ship
with scikit-learn, keep the three searches to a few minutes on a laptop.
"""

# %%
# Setup
# -----
import shutil
import tempfile
import warnings

import keras_tuner as kt
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.stats import loguniform
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    HalvingRandomSearchCV,
    RandomizedSearchCV,
    StratifiedKFold,
    train_test_split,
)

from skmlp import MLPKerasClassifier

# The candidates train for a fixed number of epochs: do not warn that they
# have not converged.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# sphinx_gallery_start_ignore
# SKMLP_EXAMPLES_QUICK=1 (set by tests/test_examples.py) makes this example
# run in a few seconds. The blocks that use it are hidden from the gallery.
import os

QUICK = os.environ.get("SKMLP_EXAMPLES_QUICK") == "1"
# sphinx_gallery_end_ignore

digits = load_digits()
X_train, X_test, y_train, y_test = train_test_split(
    digits.data / 16.0, digits.target, stratify=digits.target, random_state=42
)
EPOCHS = 10  # the book's epochs per trial
N_CANDIDATES = 10  # the book's trials
CV = 3
MAX_EPOCHS, N_HALVING = 9, 27  # the halving search's
# sphinx_gallery_start_ignore
if QUICK:
    EPOCHS, N_CANDIDATES, CV, MAX_EPOCHS, N_HALVING = 2, 2, 2, 3, 3
# sphinx_gallery_end_ignore

# %%
# The search space
# ----------------
# The book's ``build_model(hp)``: 0 to 8 hidden layers (here 1 to 3) of 16 to
# 256 neurons, a learning rate between 1e-4 and 1e-2 on a log scale, and SGD
# or Adam. An MLPKerasClassifier takes the layers as one parameter,
# ``hidden_layer_sizes``: the scikit-learn searches sample it from a list of
# depths and widths.
layer_sizes = [(n,) * depth for depth in (1, 2, 3) for n in (16, 32, 64, 128, 256)]
distributions = {
    "hidden_layer_sizes": layer_sizes,
    "learning_rate_init": loguniform(1e-4, 1e-2),
    "solver": ["sgd", "adam"],
}
results = {}


def report(name, search):
    """Print and keep the best candidate's parameters and test accuracy."""
    test_accuracy = search.score(X_test, y_test)
    results[name] = test_accuracy
    print(f"{name}: best parameters {search.best_params_}")
    print(
        f"{name}: best cross-validated accuracy {search.best_score_:.3f}, "
        f"test accuracy {test_accuracy:.3f}"
    )


# %%
# Random search
# -------------
# ``N_CANDIDATES`` random candidates, each trained for ``EPOCHS`` epochs on
# each fold of a 3-fold cross-validation; the best is refitted on the whole
# training set.
random_search = RandomizedSearchCV(
    MLPKerasClassifier(max_iter=EPOCHS, random_state=42),
    distributions,
    n_iter=N_CANDIDATES,
    cv=CV,
    random_state=42,
)
random_search.fit(X_train, y_train)
report("random search", random_search)

# %%
# Successive halving, as Hyperband
# --------------------------------
# Hyperband's core is successive halving: ``factor=3`` candidates out of
# every three are dropped after each round, and the survivors train three
# times as many epochs. With ``resource="max_iter"`` the resource is the
# number of epochs: the book's Hyperband trains up to 10 epochs with
# ``factor=3``; here 1, 3 and 9 epochs, starting from 27 candidates.
halving = HalvingRandomSearchCV(
    MLPKerasClassifier(random_state=42),
    distributions,
    resource="max_iter",
    min_resources=1,
    max_resources=MAX_EPOCHS,
    factor=3,
    n_candidates=N_HALVING,
    cv=CV,
    random_state=42,
)
halving.fit(X_train, y_train)
print("epochs of each round:", halving.n_resources_)
print("candidates of each round:", halving.n_candidates_)
report("halving search", halving)

# %%
# Bayesian optimization with Keras Tuner
# --------------------------------------
# ``SklearnTuner`` builds an estimator from each set of hyperparameters the
# oracle proposes (``build_model(hp)``, the book's, returning an skmlp
# estimator instead of a compiled Keras model), scores it by cross-validation,
# and tells the oracle the score. The oracle is the book's: a Gaussian process
# with ``alpha=1e-4`` (the noise it expects in the scores) and ``beta=2.6``
# (how much it explores). Its first 3 candidates are random, the others
# chosen by the Gaussian process (by default, Keras Tuner draws 3 random
# candidates per hyperparameter: 12 here, more than the 10 trials). Keras
# Tuner keeps its trials, and a pickle of each
# trial's estimator, in a project directory: a temporary one here.


def build_model(hp):
    n_hidden = hp.Int("n_hidden", min_value=1, max_value=3, default=2)
    n_neurons = hp.Int("n_neurons", min_value=16, max_value=256)
    learning_rate = hp.Float(
        "learning_rate", min_value=1e-4, max_value=1e-2, sampling="log"
    )
    solver = hp.Choice("optimizer", values=["sgd", "adam"])
    return MLPKerasClassifier(
        hidden_layer_sizes=(n_neurons,) * n_hidden,
        learning_rate_init=learning_rate,
        solver=solver,
        max_iter=EPOCHS,
        random_state=42,
    )


project_dir = tempfile.mkdtemp()
oracle = kt.oracles.BayesianOptimizationOracle(
    objective=kt.Objective("score", direction="max"),
    max_trials=N_CANDIDATES,
    num_initial_points=min(3, N_CANDIDATES),
    alpha=1e-4,
    beta=2.6,
    seed=42,
)
oracle.verbose = 0  # no report after each trial (the summary follows)
bayesian_tuner = kt.SklearnTuner(
    oracle=oracle,
    hypermodel=build_model,
    cv=StratifiedKFold(CV, shuffle=True, random_state=42),
    directory=project_dir,
    project_name="bayesian_opt",
    overwrite=True,
)
bayesian_tuner.search(X_train, y_train)

best_hp = bayesian_tuner.get_best_hyperparameters()[0]
best_trial = bayesian_tuner.oracle.get_best_trials(num_trials=1)[0]
print("Bayesian optimization: best hyperparameters", best_hp.values)
print(f"Bayesian optimization: best cross-validated accuracy {best_trial.score:.3f}")

# %%
# ``get_best_models`` loads the best trial's estimator, trained on the last
# fold's training part; as the searches' ``refit``, train the best
# hyperparameters on the whole training set before testing.
best_model = build_model(best_hp).fit(X_train, y_train)
results["Bayesian optimization"] = best_model.score(X_test, y_test)
print(f"Bayesian optimization: test accuracy {results['Bayesian optimization']:.3f}")
shutil.rmtree(project_dir)

# %%
# Comparing the searches
# ----------------------
# Every candidate's cross-validated accuracy (dots), in the order each search
# tried them, and the best so far (line). For the halving search, only its
# last round, whose candidates trained the longest.
scores = {
    "random search": random_search.cv_results_["mean_test_score"],
    "halving (last round)": pd.DataFrame(halving.cv_results_)
    .query(f"iter == {halving.n_iterations_ - 1}")["mean_test_score"]
    .to_numpy(),
    "Bayesian optimization": [
        trial.score
        for trial in sorted(
            bayesian_tuner.oracle.trials.values(), key=lambda t: int(t.trial_id)
        )
    ],
}
fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
for name, values in scores.items():
    candidates = range(1, len(values) + 1)
    (line,) = ax.plot(candidates, np.maximum.accumulate(values), label=name)
    ax.plot(candidates, values, "o", color=line.get_color(), alpha=0.5)
ax.set_xlabel("candidate")
ax.set_ylabel("cross-validated accuracy")
ax.set_ylim(0, 1.05)
ax.grid(True)
ax.legend(loc="upper left", bbox_to_anchor=(1, 1))
print({name: round(accuracy, 3) for name, accuracy in results.items()})
plt.show()
