"""
======================================================
Regression MLPs: losses, and a positive output
======================================================

The chapter's regression MLP, the scikit-learn way: the California housing
data, standardized features (the book's ``Normalization`` layer is a
:class:`~sklearn.preprocessing.StandardScaler` in a
:class:`~sklearn.pipeline.Pipeline`), three hidden layers of 50 ReLU units,
and Adam. Then the losses of the chapter: the mean squared error, the mean
absolute error, and Huber's loss, which is quadratic for small errors and
linear for large ones, so it is less sensitive to outliers. Last, an output
activation: ``"softplus"`` (or ``"relu"``) keeps every prediction
non-negative, for a target that cannot be negative, such as a price.

The housing data is downloaded by
:func:`~sklearn.datasets.fetch_california_housing`; where that is impossible
(no network), the example says so and uses the diabetes data set, which ships
with scikit-learn.
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
import numpy as np
from sklearn.datasets import fetch_california_housing, load_diabetes
from sklearn.metrics import mean_absolute_error, root_mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import HistoryDisplay, MLPKerasRegressor

# %%
# Loading the data
# ----------------
try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the retry notices of the download
        housing = fetch_california_housing(n_retries=1, delay=0.1)
    X, y = housing.data, housing.target  # the median house value, in $100,000
    dataset, unit = "California housing", "$100,000"
except Exception:
    print(
        "California housing cannot be downloaded here (no network access), so\n"
        "this example uses scikit-learn's diabetes data instead (load_diabetes).\n"
        "Its 442 patients are few and noisy: a linear model's test R² is about "
        "0.48,\nand the networks below do no better."
    )
    X, y = load_diabetes(return_X_y=True)
    # A positive measure of disease progression, 25 to 346: in units of 100 it
    # has the scale of the house values.
    y = y / 100
    dataset, unit = "diabetes", "100 units"

# sphinx_gallery_start_ignore
# SKMLP_EXAMPLES_QUICK=1 (set by tests/test_examples.py) makes this example
# run in a few seconds. The blocks that use it are hidden from the gallery.
import os

QUICK = os.environ.get("SKMLP_EXAMPLES_QUICK") == "1"
if QUICK and len(X) > 2000:
    X, y = X[:2000], y[:2000]
# sphinx_gallery_end_ignore
X_train_full, X_test, y_train_full, y_test = train_test_split(X, y, random_state=42)
X_train, X_valid, y_train, y_valid = train_test_split(
    X_train_full, y_train_full, random_state=42
)
print(
    f"{dataset}: {X_train.shape[0]} training, {X_valid.shape[0]} validation and "
    f"{X_test.shape[0]} test samples of {X.shape[1]} features; "
    f"the target ranges over [{y.min():.2f}, {y.max():.2f}] ({unit})"
)

# %%
# A regression MLP in a pipeline
# ------------------------------
# The book's model: three hidden layers of 50 units, Adam with a learning rate
# of 0.001, minibatches of 32 (Keras's default), 20 epochs. Scaling the
# features happens in the pipeline, fitted on the training set only.
EPOCHS = 20
# sphinx_gallery_start_ignore
if QUICK:
    EPOCHS = 5
# sphinx_gallery_end_ignore


def regression_mlp(**params):
    return make_pipeline(
        StandardScaler(),
        MLPKerasRegressor(
            hidden_layer_sizes=(50, 50, 50),
            learning_rate_init=1e-3,
            batch_size=32,
            max_iter=EPOCHS,
            random_state=42,
            **params,
        ),
    )


model = regression_mlp()
model.fit(X_train, y_train)
y_pred = model.predict(X_test)
print(
    f"test RMSE {root_mean_squared_error(y_test, y_pred):.3f}, "
    f"test R² {model.score(X_test, y_test):.3f}"
)

# %%
# ``history_`` holds the training loss (half the mean squared error, as in
# scikit-learn, plus the L2 penalty) and R² of every epoch. A
# ``validation_data`` tuple passed to the last step of a pipeline would skip
# the scaler; inside a pipeline, use ``early_stopping=True`` and
# ``validation_fraction`` instead, which split the scaled data.
display = HistoryDisplay.from_estimator(model, name=f"{dataset}: learning curves")
display.ax_.grid(True)

# %%
# Squared error, absolute error, Huber
# ------------------------------------
# The ``loss`` parameter chooses what the network minimizes. The squared error
# aims at the conditional mean and punishes large errors most; the absolute
# error aims at the median; Huber's loss is quadratic within ``huber_delta``
# of the target and linear beyond. Each model is judged on both metrics.
models = {"squared_error": model}
for loss in ("absolute_error", "huber"):
    models[loss] = regression_mlp(loss=loss).fit(X_train, y_train)

print(f"{'loss':>15}  {'test RMSE':>9}  {'test MAE':>8}")
for loss, m in models.items():
    pred = m.predict(X_test)
    print(
        f"{loss:>15}  {root_mean_squared_error(y_test, pred):9.3f}  "
        f"{mean_absolute_error(y_test, pred):8.3f}"
    )

fig, axes = plt.subplots(1, 3, figsize=(12, 4), sharey=True, layout="constrained")
lims = [y_test.min(), y_test.max()]
for ax, (loss, m) in zip(axes, models.items()):
    ax.scatter(y_test, m.predict(X_test), s=4, alpha=0.3)
    ax.plot(lims, lims, "k--", linewidth=1)
    ax.set_title(f'loss="{loss}"')
    ax.set_xlabel(f"true value ({unit})")
_ = axes[0].set_ylabel(f"predicted value ({unit})")

# %%
# A non-negative output
# ---------------------
# A linear output unit (the default) can predict a negative value, which makes
# no sense for a price. ``output_activation="softplus"``, a smooth ReLU,
# cannot: ``log(1 + exp(z))`` is positive for every ``z``.
positive = regression_mlp(output_activation="softplus").fit(X_train, y_train)

# The test set, and 10,000 unusual inputs: far outside the training data (10
# standard deviations), where a linear output is free to go below zero.
rng = np.random.default_rng(0)
X_odd = X.mean(axis=0) + rng.normal(scale=10 * X.std(axis=0), size=(10_000, X.shape[1]))
for name, m in (("linear output", model), ('output_activation="softplus"', positive)):
    pred = m.predict(X_test)
    print(
        f"{name:>29}: test RMSE {root_mean_squared_error(y_test, pred):.3f}, "
        f"smallest prediction {pred.min():.3f} on the test set, "
        f"{m.predict(X_odd).min():.3f} on unusual inputs"
    )
# sphinx_gallery_start_ignore
assert positive.predict(X_test).min() >= 0 and positive.predict(X_odd).min() >= 0
# sphinx_gallery_end_ignore
plt.show()
