"""
==============================================================
The Functional API: a wide & deep network with two inputs
==============================================================

The chapter's complex models, the scikit-learn way. Keras's Functional API
wires layers into any graph: the book's *wide & deep* network (Cheng et al.,
2016) sends the inputs both through a deep stack of hidden layers and
straight to the output layer, so that it learns both deep patterns and
simple rules. Then it splits the features into a *wide* and a *deep* input,
and adds an *auxiliary output* on the deep path, a regularizer.

Two ways to train such a model as a scikit-learn estimator:

* subclass :class:`~skmlp.MLPKerasRegressor` and override ``_build_model``
  (skmlp then compiles, trains, pickles and predicts with the model, with
  scikit-learn's parameters and training loop);
* :class:`~skmlp.KerasRegressor` with a build function (any Keras model, any
  number of inputs and outputs, trained by Keras's own ``fit``), a
  ``feature_encoder`` that turns ``X`` into the model's inputs and a
  ``target_encoder`` that turns ``y`` into its targets.

The housing data is downloaded by
:func:`~sklearn.datasets.fetch_california_housing`; where that is impossible
(no network), the example says so and uses the diabetes data set, which ships
with scikit-learn.
"""

# %%
# Setup
# -----
import warnings

import keras
import matplotlib.pyplot as plt
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.datasets import fetch_california_housing, load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import root_mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import HistoryDisplay, KerasRegressor, MLPKerasRegressor

# The networks train for a fixed number of epochs: do not warn that they have
# not converged.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# sphinx_gallery_start_ignore
# SKMLP_EXAMPLES_QUICK=1 (set by tests/test_examples.py) makes this example
# run in a few seconds. The blocks that use it are hidden from the gallery.
import os

QUICK = os.environ.get("SKMLP_EXAMPLES_QUICK") == "1"
# sphinx_gallery_end_ignore

# %%
# Loading the data
# ----------------
try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the retry notices of the download
        X, y = fetch_california_housing(n_retries=1, delay=0.1, return_X_y=True)
    dataset, EPOCHS = "California housing", 20
except Exception:  # no network: a data set that ships with scikit-learn
    print(
        "California housing cannot be downloaded here: using load_diabetes.\n"
        "Its 442 patients are few and noisy: a linear model's test R² is about "
        "0.48,\nand the networks below do no better."
    )
    X, y = load_diabetes(return_X_y=True)
    y = y / 100  # disease progression, in units of 100
    # 442 samples instead of 20,640: more epochs, each of fewer steps.
    dataset, EPOCHS = "diabetes", 100
# sphinx_gallery_start_ignore
if QUICK:
    EPOCHS = 5
# sphinx_gallery_end_ignore

X_train_full, X_test, y_train_full, y_test = train_test_split(X, y, random_state=42)
X_train, X_valid, y_train, y_valid = train_test_split(
    X_train_full, y_train_full, random_state=42
)
print(f"{dataset}: {X_train.shape[0]} training samples of {X.shape[1]} features")

# %%
# Wide & deep: subclass MLPKerasRegressor
# ---------------------------------------
# ``_build_model`` returns the uncompiled network: the inputs go through two
# hidden layers of 30 ReLU units, and the output layer sees both the last
# hidden layer and the inputs themselves. The book's ``Normalization`` layer
# is a :class:`~sklearn.preprocessing.StandardScaler` in front of it, in a
# pipeline. Everything else (Adam, the loss, the training loop, predict,
# pickling, cloning in a search) is the MLPKerasRegressor's.


class WideAndDeepRegressor(MLPKerasRegressor):
    """An MLPKerasRegressor whose inputs also feed its output layer."""

    def _build_model(self, n_features_in, n_outputs, out_activation):
        input_ = keras.Input(shape=(n_features_in,))
        hidden = input_
        for units in self.hidden_layer_sizes:
            hidden = keras.layers.Dense(units, activation=self.activation)(hidden)
        concat = keras.layers.Concatenate()([input_, hidden])
        output = keras.layers.Dense(n_outputs, activation=out_activation)(concat)
        return keras.Model(input_, output)


wide_deep = make_pipeline(
    StandardScaler(),
    WideAndDeepRegressor(
        hidden_layer_sizes=(30, 30),
        learning_rate_init=1e-3,
        batch_size=32,  # Keras's default, as in the book
        max_iter=EPOCHS,
        random_state=42,
    ),
)
wide_deep.fit(X_train, y_train)
wide_deep[-1].model_.summary()
y_pred = wide_deep.predict(X_test)
print(
    f"wide & deep MLPKerasRegressor: test RMSE "
    f"{root_mean_squared_error(y_test, y_pred):.3f}, "
    f"test R² {wide_deep.score(X_test, y_test):.3f}"
)

# %%
# Two inputs: a feature encoder
# -----------------------------
# The book sends features 0 to 4 through the wide path and features 2 to 7
# through the deep path (``X[:, :5]`` and ``X[:, 2:]``). A
# :class:`~skmlp.KerasRegressor` gives its model whatever its
# ``feature_encoder`` makes of ``X``: here a dict of two arrays, keyed by the
# names of the model's inputs. The encoder's ``get_metadata`` tells the build
# function (through ``meta``) how wide each input is.


class WideDeepInputs(TransformerMixin, BaseEstimator):
    """``X`` -> ``{"wide": X[:, :5], "deep": X[:, 2:]}``."""

    def fit(self, X, y=None):
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        return {"wide": X[:, :5], "deep": X[:, 2:]}

    def get_metadata(self):
        return {"n_wide_": 5, "n_deep_": self.n_features_in_ - 2}


def wide_and_deep(meta, units=30, aux_output=False):
    """The book's two-input wide & deep network, with an optional aux output."""
    input_wide = keras.Input(shape=(meta["n_wide_"],), name="wide")
    input_deep = keras.Input(shape=(meta["n_deep_"],), name="deep")
    hidden1 = keras.layers.Dense(units, activation="relu")(input_deep)
    hidden2 = keras.layers.Dense(units, activation="relu")(hidden1)
    concat = keras.layers.concatenate([input_wide, hidden2])
    output = keras.layers.Dense(1, name="main")(concat)
    if not aux_output:
        return keras.Model(inputs=[input_wide, input_deep], outputs=[output])
    aux = keras.layers.Dense(1, name="aux")(hidden2)
    return keras.Model(inputs=[input_wide, input_deep], outputs=[output, aux])


class TwoInputRegressor(KerasRegressor):
    @property
    def feature_encoder(self):
        return WideDeepInputs()


two_inputs = make_pipeline(
    StandardScaler(),
    TwoInputRegressor(
        wide_and_deep,
        loss="mse",
        optimizer="adam",
        optimizer__learning_rate=1e-3,
        metrics=["RootMeanSquaredError"],
        epochs=EPOCHS,
        validation_split=0.1,  # in a pipeline: Keras's split of the scaled data
        random_state=42,
    ),
)
two_inputs.fit(X_train, y_train)
print([layer.name for layer in two_inputs[-1].model_.inputs])
print(f"two inputs: test R² {two_inputs.score(X_test, y_test):.3f}")

# %%
# Keras's ``history_`` holds the metrics it was compiled with, for the
# training data and the held-out 10 %.
print({name: round(values[-1], 3) for name, values in two_inputs[-1].history_.items()})

# %%
# An auxiliary output: a target encoder
# -------------------------------------
# The auxiliary output on the deep path must predict the target too, so the
# model has two targets, ``[y, y]``; the main loss weighs 0.9 and the
# auxiliary 0.1 (``loss_weights`` goes to ``compile``). The estimator's
# ``target_encoder`` makes ``[y, y]`` from ``y`` for training, and keeps the
# main output when predicting: ``predict`` and ``score`` are about the main
# output, as a scikit-learn regressor's.


class MainAndAux(TransformerMixin, BaseEstimator):
    """``y`` -> ``[y, y]``; the model's ``[main, aux]`` -> ``main``."""

    def fit(self, y):
        return self

    def transform(self, y):
        return [y, y]

    def inverse_transform(self, y_pred):
        return y_pred[0].ravel()

    def get_metadata(self):
        return {"n_outputs_expected_": 2}


class WideDeepAuxRegressor(TwoInputRegressor):
    @property
    def target_encoder(self):
        return MainAndAux()


# ``validation_data`` would skip a pipeline's scaler: here the features are
# scaled first, by a scaler fitted on the training set.
scaler = StandardScaler().fit(X_train)
X_train_s, X_valid_s, X_test_s = map(scaler.transform, (X_train, X_valid, X_test))
reg = WideDeepAuxRegressor(
    wide_and_deep,
    model__aux_output=True,
    loss=("mse", "mse"),
    loss_weights=(0.9, 0.1),
    optimizer="adam",
    optimizer__learning_rate=1e-3,
    metrics=["RootMeanSquaredError", "RootMeanSquaredError"],
    epochs=EPOCHS,
    random_state=42,
)
# The validation set goes through the same encoders as the training data
# (``X_val``/``y_val``, or Keras's spelling ``validation_data``): the two
# inputs and the ``[y, y]`` targets are made from it.
reg.fit(X_train_s, y_train, X_val=X_valid_s, y_val=y_valid)
print(f"main output: test R² {reg.score(X_test_s, y_test):.3f}")

# %%
# Keras's ``evaluate`` gives the weighted sum of the losses (``loss``), each
# output's loss, and the metrics; the Keras model predicts both outputs.
model = reg.model_
test_inputs = reg.feature_encoder_.transform(X_test_s)
eval_results = model.evaluate(
    test_inputs, (y_test, y_test), verbose=0, return_dict=True
)
print({name: round(value, 3) for name, value in eval_results.items()})
y_pred_main, y_pred_aux = model.predict(
    reg.feature_encoder_.transform(X_test_s[:3]), verbose=0
)
print("main:", y_pred_main.ravel().round(2), "aux:", y_pred_aux.ravel().round(2))
print("reg.predict:", reg.predict(X_test_s[:3]).round(2), "true:", y_test[:3])

display = HistoryDisplay.from_estimator(
    reg, metrics=["main_loss", "aux_loss"], name=f"{dataset}: main and aux losses"
)
display.ax_.grid(True)
plt.show()
