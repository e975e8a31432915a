"""
============================================================
Callbacks: checkpoints, early stopping, and your own
============================================================

The chapter's callbacks, on an :class:`~skmlp.MLPKerasRegressor`: its
``callbacks`` parameter takes any Keras callbacks, which run as in Keras's
``fit`` (``on_epoch_end`` after every epoch, with the epoch's ``logs``).

* ``ModelCheckpoint(save_best_only=True)`` saves the model whenever the
  validation loss reaches a new low;
* ``EarlyStopping(patience=10, restore_best_weights=True)`` stops when the
  validation loss has not improved for 10 epochs and rolls the model back to
  its best epoch;
* a callback of your own: the book's ``PrintValTrainRatioCallback`` prints the
  ratio of the validation loss to the training loss, which grows when the
  network overfits.

The housing data is downloaded by
:func:`~sklearn.datasets.fetch_california_housing`; where that is impossible
(no network), the example says so and uses the diabetes data set, which ships
with scikit-learn.
"""

# %%
# Setup
# -----
import shutil
import tempfile
import warnings
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import fetch_california_housing, load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skmlp import HistoryDisplay, MLPKerasRegressor

# Short fits that reach max_iter are on purpose: do not warn about them.
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
    dataset = "California housing"
except Exception:  # no network: a data set that ships with scikit-learn
    print("California housing cannot be downloaded here: using load_diabetes.")
    X, y = load_diabetes(return_X_y=True)
    y = y / 100  # disease progression, in units of 100
    dataset = "diabetes"
# sphinx_gallery_start_ignore
if QUICK and len(X) > 2000:
    X, y = X[:2000], y[:2000]
# sphinx_gallery_end_ignore

X_train_full, X_test, y_train_full, y_test = train_test_split(X, y, random_state=42)
X_train, X_valid, y_train, y_valid = train_test_split(
    X_train_full, y_train_full, random_state=42
)
# The validation set goes to ``fit`` as it is, so scale it here, with the
# scaler fitted on the training set (the book's Normalization layer).
scaler = StandardScaler().fit(X_train)
X_train, X_valid, X_test = map(scaler.transform, (X_train, X_valid, X_test))

# %%
# Checkpoints and early stopping
# ------------------------------
# Up to 100 epochs (the book's), with the validation set evaluated after each.
# The checkpoint goes to a temporary directory.
#
# Without a Keras ``EarlyStopping``, an MLPKerasRegressor stops by
# scikit-learn's rule, when its *training* loss has not improved by ``tol``
# for ``n_iter_no_change`` epochs. With one in ``callbacks``, the callback
# decides, on the validation loss: the built-in rule stands aside.
MAX_ITER = 100
PATIENCE = 10
# sphinx_gallery_start_ignore
if QUICK:
    MAX_ITER, PATIENCE = 10, 3
# sphinx_gallery_end_ignore
workdir = Path(tempfile.mkdtemp())
checkpoint_cb = keras.callbacks.ModelCheckpoint(
    workdir / "my_checkpoint.keras", save_best_only=True
)
early_stopping_cb = keras.callbacks.EarlyStopping(
    patience=PATIENCE, restore_best_weights=True
)
reg = MLPKerasRegressor(
    hidden_layer_sizes=(30, 30),
    batch_size=32,
    max_iter=MAX_ITER,
    callbacks=[checkpoint_cb, early_stopping_cb],
    random_state=42,
)
reg.fit(X_train, y_train, validation_data=(X_valid, y_valid))

val_loss = np.array(reg.history_["val_loss"])
print(f"trained {reg.n_iter_} epochs of {MAX_ITER}")
print(
    f"EarlyStopping: stopped_epoch={early_stopping_cb.stopped_epoch}, "
    f"best_epoch={early_stopping_cb.best_epoch}, "
    f"best val_loss={early_stopping_cb.best:.4f} (lowest in history_: "
    f"{val_loss.min():.4f}, epoch {val_loss.argmin()})"
)
print(f"test R² of the restored best weights: {reg.score(X_test, y_test):.3f}")
# sphinx_gallery_start_ignore
# The callback decided: it stopped the fit, or the fit ran to max_iter.
if early_stopping_cb.stopped_epoch:
    assert reg.n_iter_ == early_stopping_cb.stopped_epoch + 1
else:
    assert reg.n_iter_ == MAX_ITER
# sphinx_gallery_end_ignore

# %%
# The checkpoint holds the model of the best epoch too: a Keras model that
# loads without skmlp, and predicts as the restored estimator.
best_model = keras.models.load_model(workdir / "my_checkpoint.keras")
checkpoint_pred = best_model.predict(X_test[:5], verbose=0)
print("checkpoint:", checkpoint_pred.ravel().round(3))
print("estimator: ", reg.predict(X_test[:5]).round(3))

# The learning curves, and the best epoch (dotted; the display counts epochs
# from 1, Keras's ``best_epoch`` from 0).
display = HistoryDisplay.from_estimator(reg, name=f"{dataset}: early stopping")
display.ax_.axvline(early_stopping_cb.best_epoch + 1, color="gray", linestyle=":")
display.ax_.set_ylim(0, 1)
display.ax_.grid(True)

# %%
# A custom callback
# -----------------
# Any ``keras.callbacks.Callback`` subclass. skmlp's ``logs`` hold the
# epoch's training ``loss`` (scikit-learn's half squared error, plus the L2
# penalty) and ``r2``, and ``val_loss`` and ``val_r2`` with validation data.


class PrintValTrainRatioCallback(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs):
        ratio = logs["val_loss"] / logs["loss"]
        print(f"Epoch={epoch}, val/train={ratio:.2f}")


reg_ratio = MLPKerasRegressor(
    hidden_layer_sizes=(30, 30),
    batch_size=32,
    max_iter=10,
    callbacks=[PrintValTrainRatioCallback()],
    random_state=42,
)
# sphinx_gallery_start_ignore
if QUICK:
    reg_ratio.set_params(max_iter=3)
# sphinx_gallery_end_ignore
reg_ratio.fit(X_train, y_train, validation_data=(X_valid, y_valid))

# %%
# Clean up.
shutil.rmtree(workdir)
plt.show()
