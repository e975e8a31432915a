"""
=====================================================
The Subclassing API: a model written as a class
=====================================================

The chapter's dynamic models: subclass ``keras.Model``, create the layers in
the constructor and use them in ``call``, where any Python (loops, ``if``
statements, low-level TensorFlow operations) may run. The book's
``WideAndDeepModel`` takes a wide and a deep input and returns a main and an
auxiliary output.

Here it is trained by a :class:`~skmlp.KerasRegressor`, whose
``feature_encoder`` splits ``X`` into the two inputs and whose
``target_encoder`` gives the two outputs their targets. Registering the class
with :func:`keras.saving.register_keras_serializable` lets Keras save it and
load it again, so the fitted estimator pickles like any other.

The housing data is downloaded by
:func:`~sklearn.datasets.fetch_california_housing`; where that is impossible
(no network), the example says so and uses the diabetes data set, which ships
with scikit-learn.
"""

# %%
# Setup
# -----
import pickle
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.datasets import fetch_california_housing, load_diabetes
from sklearn.exceptions import ConvergenceWarning
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
    dataset, EPOCHS = "California housing", 10
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

X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=42)

# %%
# The model, as a class
# ---------------------
# As in the book, without its ``Normalization`` layers: the features are
# standardized by a :class:`~sklearn.preprocessing.StandardScaler` in the
# pipeline instead (fitted on the training data, as ``adapt`` would be).
# ``get_config`` returns the constructor's arguments, so that Keras can
# rebuild the model from a saved file.


@keras.saving.register_keras_serializable(package="examples")
class WideAndDeepModel(keras.Model):
    def __init__(self, units=30, activation="relu", **kwargs):
        super().__init__(**kwargs)  # needed to support naming the model
        self.units, self.activation = units, activation
        self.hidden1 = keras.layers.Dense(units, activation=activation)
        self.hidden2 = keras.layers.Dense(units, activation=activation)
        self.main_output = keras.layers.Dense(1)
        self.aux_output = keras.layers.Dense(1)

    def call(self, inputs):
        input_wide, input_deep = inputs
        hidden1 = self.hidden1(input_deep)
        hidden2 = self.hidden2(hidden1)
        concat = keras.layers.concatenate([input_wide, hidden2])
        output = self.main_output(concat)
        aux_output = self.aux_output(hidden2)
        return output, aux_output

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": self.activation,
        }


# %%
# The estimator
# -------------
# The feature encoder gives the model its inputs, ``(X[:, :5], X[:, 2:])``
# (features 0 to 4 for the wide path, 2 to the last for the deep one); the
# target encoder gives its two outputs the same target, ``(y, y)``, and keeps
# the main output when predicting. The build function's ``units`` is set by
# ``model__units``, a parameter like any other (a grid search can tune it).


class WideDeepInputs(TransformerMixin, BaseEstimator):
    """``X`` -> ``(X[:, :5], X[:, 2:])``."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return (X[:, :5], X[:, 2:])


class MainAndAux(TransformerMixin, BaseEstimator):
    """``y`` -> ``(y, y)``; the model's ``(main, aux)`` -> ``main``."""

    def fit(self, y):
        return self

    def transform(self, y):
        return (y, y)

    def inverse_transform(self, y_pred):
        return y_pred[0].ravel()

    def get_metadata(self):
        return {"n_outputs_expected_": 2}


class WideAndDeepRegressor(KerasRegressor):
    @property
    def feature_encoder(self):
        return WideDeepInputs()

    @property
    def target_encoder(self):
        return MainAndAux()


def build(units=30):
    return WideAndDeepModel(units, activation="relu", name="my_cool_model")


reg = make_pipeline(
    StandardScaler(),
    WideAndDeepRegressor(
        build,
        model__units=30,
        loss=("mse", "mse"),
        loss_weights=(0.9, 0.1),
        optimizer="adam",
        optimizer__learning_rate=1e-3,
        epochs=EPOCHS,
        validation_split=0.1,
        random_state=42,
    ),
)
reg.fit(X_train, y_train)
model = reg[-1].model_
print(type(model).__name__, repr(model.name), "units:", model.get_config()["units"])
print(f"test R² of the main output: {reg.score(X_test, y_test):.3f}")

# The weighted sum of the two losses, for the training data and Keras's
# held-out 10 %.
display = HistoryDisplay.from_estimator(
    reg, metrics=["loss"], name=f"{dataset}: WideAndDeepModel"
)
display.ax_.grid(True)

# %%
# It pickles
# ----------
# The pickle holds the model as Keras's own ``.keras`` bytes, which Keras can
# read back because the class is registered (and importable where the pickle
# is loaded, as any pickled class). The loaded pipeline predicts the same.
data = pickle.dumps(reg)
reg_loaded = pickle.loads(data)
print(f"pickle of {len(data) / 1024:.0f} KiB;", type(reg_loaded[-1].model_).__name__)
y_pred, y_pred_loaded = reg.predict(X_test), reg_loaded.predict(X_test)
print("predictions:", y_pred[:3].round(3), "after loading:", y_pred_loaded[:3].round(3))
# sphinx_gallery_start_ignore
assert np.allclose(y_pred, y_pred_loaded)
# sphinx_gallery_end_ignore

# %%
# A subclassed model in an MLPKerasRegressor
# ------------------------------------------
# skmlp's own estimators take a subclassed model too: ``_build_model`` may
# return one, and the MLPKerasRegressor then compiles and trains it with its
# parameters and loop. Such a model has the estimator's single input and
# output: here the wide and deep features are sliced inside ``call``, and
# there is no auxiliary output.


@keras.saving.register_keras_serializable(package="examples")
class WideAndDeepSlices(keras.Model):
    def __init__(self, units=30, activation="relu", n_wide=5, **kwargs):
        super().__init__(**kwargs)
        self.units, self.activation, self.n_wide = units, activation, n_wide
        self.hidden1 = keras.layers.Dense(units, activation=activation)
        self.hidden2 = keras.layers.Dense(units, activation=activation)
        self.main_output = keras.layers.Dense(1)

    def call(self, inputs):
        input_wide, input_deep = inputs[:, : self.n_wide], inputs[:, 2:]
        hidden2 = self.hidden2(self.hidden1(input_deep))
        return self.main_output(keras.layers.concatenate([input_wide, hidden2]))

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": self.activation,
            "n_wide": self.n_wide,
        }


class SlicedWideAndDeepRegressor(MLPKerasRegressor):
    def _build_model(self, n_features_in, n_outputs, out_activation):
        return WideAndDeepSlices(self.hidden_layer_sizes[0], self.activation)


sliced = make_pipeline(
    StandardScaler(),
    SlicedWideAndDeepRegressor(
        hidden_layer_sizes=(30,),
        batch_size=32,
        max_iter=EPOCHS,
        random_state=42,
    ),
)
sliced.fit(X_train, y_train)
print(type(sliced[-1].model_).__name__, f"test R² {sliced.score(X_test, y_test):.3f}")
sliced_loaded = pickle.loads(pickle.dumps(sliced))
print(
    "after a pickle round trip, the same predictions:",
    np.allclose(sliced_loaded.predict(X_test), sliced.predict(X_test)),
)
# sphinx_gallery_start_ignore
assert np.allclose(sliced_loaded.predict(X_test), sliced.predict(X_test))
# sphinx_gallery_end_ignore
plt.show()
