"""
======================================================
Finding a good learning rate (the chapter's exercise)
======================================================

The chapter's last exercise trains a deep MLP on MNIST and searches for a
good learning rate first: grow the learning rate exponentially during one
epoch, plot the loss against the learning rate, and find where the loss shoots
up. The optimal learning rate is well below that point: about a tenth of it.
Then train the network again from scratch, with that rate.

Here the network is an :class:`~skmlp.MLPKerasClassifier`, and the book's
``ExponentialLearningRate`` callback goes in its ``callbacks``: skmlp's loop
calls its batch hooks with the running training loss, and a learning rate
set on ``model.optimizer`` applies from the next step, as in Keras.

MNIST is downloaded by ``keras.datasets.mnist.load_data()``. Where that is
impossible (no network), the example says so and uses scikit-learn's 8x8
digits instead, which ship with scikit-learn.
"""

# %%
# Setup
# -----
import contextlib
import io
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmlp import HistoryDisplay, MLPKerasClassifier

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
# The first 5,000 training images are the validation set, and the pixels are
# scaled to 0-1; each image becomes a row of pixels.
try:
    with contextlib.redirect_stdout(io.StringIO()):  # the download's progress
        (X_train_full, y_train_full), (X_test, y_test) = (
            keras.datasets.mnist.load_data()
        )
    pixel_max, n_valid, batch_size, dataset = 255.0, 5000, 32, "MNIST"
except Exception:  # no network: a data set that ships with scikit-learn
    print("MNIST cannot be downloaded here: using load_digits.")
    digits = load_digits()
    X_train_full, X_test, y_train_full, y_test = train_test_split(
        digits.images, digits.target, stratify=digits.target, random_state=42
    )
    # 1,347 images instead of 60,000: smaller batches, for more steps.
    pixel_max, n_valid, batch_size, dataset = 16.0, 300, 4, "digits"

n_pixels = X_train_full[0].size
X_train_full = X_train_full.reshape(len(X_train_full), n_pixels) / pixel_max
X_test = X_test.reshape(len(X_test), n_pixels) / pixel_max
X_valid, X_train = X_train_full[:n_valid], X_train_full[n_valid:]
y_valid, y_train = y_train_full[:n_valid], y_train_full[n_valid:]
# sphinx_gallery_start_ignore
if QUICK:
    X_train, y_train = X_train[:5000], y_train[:5000]
# sphinx_gallery_end_ignore
print(f"{dataset}: {len(X_train)} training, {len(X_valid)} validation images")

# %%
# Growing the learning rate
# -------------------------
# The book's callback multiplies the learning rate by ``factor`` after every
# batch and records the rate and the loss. The factor takes the rate from
# 1e-4 to 10 in one epoch.


class ExponentialLearningRate(keras.callbacks.Callback):
    def __init__(self, factor):
        self.factor = factor
        self.rates = []
        self.losses = []

    def on_batch_end(self, batch, logs=None):
        lr = self.model.optimizer.learning_rate.numpy() * self.factor
        self.model.optimizer.learning_rate = lr
        self.rates.append(lr)
        self.losses.append(logs["loss"])


n_batches = -(-len(X_train) // batch_size)
min_rate, max_rate = 1e-4, 10.0
expon_lr = ExponentialLearningRate(factor=(max_rate / min_rate) ** (1 / n_batches))
network = dict(hidden_layer_sizes=(300, 100), solver="sgd", batch_size=batch_size)
MLPKerasClassifier(
    **network,
    learning_rate_init=min_rate,
    max_iter=1,
    callbacks=[expon_lr],
    random_state=42,
).fit(X_train, y_train)

# %%
# The loss falls slowly while the rate is small, faster as it grows, then
# shoots up when the steps become too large: it is lowest just before. The
# learning rate to train with is about a tenth of that rate.
rates, losses = np.array(expon_lr.rates), np.array(expon_lr.losses)
edge = rates[losses.argmin()]
learning_rate = edge / 10
print(f"the loss is lowest at a learning rate of {edge:.2g}; using {learning_rate:.2g}")

fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
ax.plot(rates, losses)
ax.set_xscale("log")
ax.hlines(losses.min(), rates.min(), rates.max(), colors="gray", linestyles=":")
ax.axvline(edge, color="tab:red", linestyle="--", label="lowest loss")
ax.axvline(learning_rate, color="tab:green", label="a tenth of it")
ax.axis([rates.min(), rates.max(), 0, losses[0] * 1.5])
ax.set_xlabel("learning rate")
ax.set_ylabel("loss (running mean over the epoch)")
ax.set_title(f"{dataset}: one epoch of growing learning rate")
ax.legend()
ax.grid(True)

# %%
# Training with that rate
# -----------------------
# From scratch, with early stopping on the validation set (up to the book's
# 100 epochs, patience of 20 epochs, the best weights restored).
clf = MLPKerasClassifier(
    **network,
    learning_rate_init=learning_rate,
    max_iter=100,
    early_stopping=True,
    n_iter_no_change=20,
    random_state=42,
)
# sphinx_gallery_start_ignore
if QUICK:
    clf.set_params(max_iter=3)
# sphinx_gallery_end_ignore
clf.fit(X_train, y_train, validation_data=(X_valid, y_valid))
print(
    f"{clf.n_iter_} epochs, best validation accuracy "
    f"{clf.best_validation_score_:.4f}; test accuracy {clf.score(X_test, y_test):.4f}"
)
display = HistoryDisplay.from_estimator(
    clf, name=f"{dataset}: learning rate {learning_rate:.2g}"
)
display.ax_.grid(True)
plt.show()
