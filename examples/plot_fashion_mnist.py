"""
==============================================================
An image classifier: Fashion MNIST with an MLPKerasClassifier
==============================================================

The chapter's image classifier, the scikit-learn way. The book builds a
``keras.Sequential`` model of two hidden ReLU layers (300 and 100 units),
compiles it with SGD and a learning rate of 0.01, trains it for 30 epochs
with a validation set, and plots the learning curves. Here the same network is
one estimator, :class:`~skmlp.MLPKerasClassifier`, with scikit-learn's
parameter names; the Keras model is still there, as ``model_``: its summary,
its layers and their weights (``get_weights`` and ``set_weights``), and
``evaluate``. The example ends with the scikit-learn way to weight classes and
samples.

The data set is downloaded by ``keras.datasets.fashion_mnist.load_data()``.
Where that is impossible (no network), the example says so and uses
scikit-learn's 8x8 digits instead, which ship with scikit-learn. To use a copy
of Fashion MNIST saved earlier, run the script with ``--data PATH`` to an
``.npz`` file holding ``x_train``, ``y_train``, ``x_test`` and ``y_test``.
"""

# %%
# Setup
# -----
import argparse
import contextlib
import io
import warnings

from sklearn.exceptions import ConvergenceWarning

# The networks train for a fixed, small number of epochs on purpose: do not
# warn that they have not converged.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skmlp import HistoryDisplay, MLPKerasClassifier

parser = argparse.ArgumentParser(description="Fashion MNIST with MLPKerasClassifier")
parser.add_argument("--data", help="a local fashion_mnist .npz file")
args, _ = parser.parse_known_args()
# sphinx_gallery_start_ignore
# SKMLP_EXAMPLES_QUICK=1 (set by tests/test_examples.py) makes this example
# run in a few seconds. The blocks that use it are hidden from the gallery.
import os

QUICK = os.environ.get("SKMLP_EXAMPLES_QUICK") == "1"
# sphinx_gallery_end_ignore

# %%
# Loading the data
# ----------------
FASHION_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]


def load_fashion_mnist(path=None):
    """``((X_train, y_train), (X_test, y_test))`` from ``path`` or Keras."""
    if path is not None:
        with np.load(path) as data:
            return (
                (data["x_train"], data["y_train"]),
                (data["x_test"], data["y_test"]),
            )
    import keras

    # Keras prints its download progress: keep the output to our own lines.
    with contextlib.redirect_stdout(io.StringIO()):
        return keras.datasets.fashion_mnist.load_data()


try:
    (X_train_full, y_train_full), (X_test, y_test) = load_fashion_mnist(args.data)
    class_names, pixel_max, n_valid = FASHION_CLASSES, 255.0, 5000
    dataset = "Fashion MNIST"
except Exception:
    if args.data is not None:
        raise  # a file that was asked for must load
    print(
        "Fashion MNIST cannot be downloaded here (no network access), so this\n"
        "example uses scikit-learn's digits (sklearn.datasets.load_digits) instead."
    )
    digits = load_digits()
    X_train_full, X_test, y_train_full, y_test = train_test_split(
        digits.images,
        digits.target,
        test_size=0.25,
        stratify=digits.target,
        random_state=42,
    )
    class_names, pixel_max, n_valid = [str(d) for d in range(10)], 16.0, 300
    dataset = "digits"

print(
    f"{dataset}: X_train_full {X_train_full.shape} {X_train_full.dtype}, "
    f"X_test {X_test.shape}"
)

# %%
# The first images of the training set form the validation set (5,000 for
# Fashion MNIST), and the pixel intensities are scaled to 0-1. An MLP takes
# one row of features per sample, so each image becomes a row of pixels:
# ``reshape(n, 784)`` (the book's ``Flatten`` layer).
X_valid = X_train_full[:n_valid] / pixel_max
X_train = X_train_full[n_valid:] / pixel_max
y_valid, y_train = y_train_full[:n_valid], y_train_full[n_valid:]
X_test = X_test / pixel_max
image_shape = X_train.shape[1:]
# sphinx_gallery_start_ignore
if QUICK and len(X_train) > 5000:
    X_train, y_train = X_train[:5000], y_train[:5000]
# sphinx_gallery_end_ignore

print("The first training image is a", class_names[y_train[0]])

fig, axes = plt.subplots(4, 10, figsize=(10, 4.6), layout="constrained")
for ax, image, label in zip(axes.ravel(), X_train, y_train):
    ax.imshow(image, cmap="binary")
    ax.set_title(class_names[label], fontsize=8)
    ax.axis("off")

n_pixels = int(np.prod(image_shape))
X_train = X_train.reshape(len(X_train), n_pixels)
X_valid = X_valid.reshape(len(X_valid), n_pixels)
X_test = X_test.reshape(len(X_test), n_pixels)
print("X_train", X_train.shape, "X_valid", X_valid.shape, "X_test", X_test.shape)

# %%
# The classifier
# --------------
# Two hidden ReLU layers of 300 and 100 units, and SGD with a learning rate of
# 0.01 (with scikit-learn's defaults: Nesterov momentum 0.9 and minibatches of
# 200). The softmax output layer and the cross-entropy loss follow from the
# target. ``validation_data`` is evaluated after every epoch, as in Keras.
clf = MLPKerasClassifier(
    hidden_layer_sizes=(300, 100),
    activation="relu",
    solver="sgd",
    learning_rate_init=0.01,
    max_iter=30,
    random_state=42,
)
# sphinx_gallery_start_ignore
if QUICK:
    clf.set_params(max_iter=3)
# sphinx_gallery_end_ignore
clf.fit(X_train, y_train, validation_data=(X_valid, y_valid))

# %%
# The Keras model is ``model_``: its summary, its layers, and their weights.
# The input layer is not a layer of ``model_.layers``, so ``layers[1]`` is the
# second hidden layer, of 100 units.
clf.model_.summary()
print([layer.name for layer in clf.model_.layers])
hidden2 = clf.model_.layers[1]
weights, biases = hidden2.get_weights()
print(f"{hidden2.name}: weights {weights.shape}, biases {biases.shape}")
print(
    "The same arrays, scikit-learn style:",
    clf.coefs_[1].shape,
    clf.intercepts_[1].shape,
)

# %%
# ``set_weights`` writes a layer's weights, and the estimator predicts with
# them: zeroing the layer's weights ruins the predictions, and setting the
# saved ones back restores them exactly.
proba = clf.predict_proba(X_test)
hidden2.set_weights([np.zeros_like(weights), biases])
print(f"Test accuracy with {hidden2.name} zeroed: {clf.score(X_test, y_test):.3f}")
hidden2.set_weights([weights, biases])
print(
    "Weights set back, predictions unchanged:",
    np.allclose(clf.predict_proba(X_test), proba),
)

# %%
# Learning curves
# ---------------
# ``history_`` holds the per-epoch loss and accuracy on the training set and,
# with ``validation_data``, on the validation set, under the names Keras's
# ``fit(...).history`` uses (the book's ``compile(metrics=["accuracy"])`` is
# built in; the ``metrics`` parameter adds other Keras metrics).
# :class:`~skmlp.HistoryDisplay` draws them, validation dashed.
print(sorted(clf.history_))
display = HistoryDisplay.from_estimator(clf, name=f"{dataset}: learning curves")
display.ax_.set_ylim(0, max(1, max(clf.history_["loss"][-1], 0) * 1.1))
display.ax_.grid(True)

# %%
# Evaluation on the test set
# --------------------------
# ``model_.evaluate`` returns the loss and the accuracy, as in the book;
# ``score`` is scikit-learn's accuracy, the same number.
loss, accuracy = clf.model_.evaluate(X_test, y_test, verbose=0)
print(f"model_.evaluate: loss {loss:.3f}, accuracy {accuracy:.3f}")
print(f"Test accuracy (score): {clf.score(X_test, y_test):.3f}")
# sphinx_gallery_start_ignore
# float32 and float64 may round one tied prediction apart.
assert abs(accuracy - clf.score(X_test, y_test)) <= 1.5 / len(y_test)
# sphinx_gallery_end_ignore

# %%
# Predictions for three new images: the probability of each class, rounded to
# two decimals, and the most likely class.
X_new = X_test[:3]
print(clf.predict_proba(X_new).round(2))
y_pred = clf.predict(X_new)
print("predicted:", np.array(class_names)[y_pred])
print("true:     ", np.array(class_names)[y_test[:3]])

fig, axes = plt.subplots(1, 3, figsize=(6, 2.4), layout="constrained")
for ax, image, pred in zip(axes, X_new, y_pred):
    ax.imshow(image.reshape(image_shape), cmap="binary")
    ax.set_title(class_names[pred])
    ax.axis("off")

# %%
# Class and sample weights
# ------------------------
# The classes are balanced here, so there is nothing to correct; weights can
# still favor a class, the scikit-learn way. ``class_weight`` multiplies the
# loss of every sample of a class, which is the same as passing
# ``fit(X, y, sample_weight=...)`` with that weight for each of its samples
# (``sample_weight`` can also weight samples one by one). Here the loss of
# class 6 (shirts in Fashion MNIST, the class the book's network confuses
# most) counts three times: the network predicts that class more often, so its
# recall (the share of its test images found) tends to go up, and its
# precision (the share of the images predicted in it that belong there) pays.
from sklearn.metrics import precision_score, recall_score

favored = 6
weighted = clone(clf).set_params(class_weight={favored: 3.0})
weighted.fit(X_train, y_train, validation_data=(X_valid, y_valid))
for name, model in [("unweighted", clf), ("class_weight", weighted)]:
    y_pred = model.predict(X_test)
    recall = recall_score(y_test, y_pred, labels=[favored], average=None)[0]
    precision = precision_score(y_test, y_pred, labels=[favored], average=None)[0]
    print(
        f"{name:>12}: {class_names[favored]!r} recall {recall:.3f}, "
        f"precision {precision:.3f}; accuracy {model.score(X_test, y_test):.3f}"
    )
# sphinx_gallery_start_ignore
if QUICK:  # the claim above: class_weight is sample_weight per class
    by_sample = clone(clf).fit(
        X_train, y_train, sample_weight=np.where(y_train == favored, 3.0, 1.0)
    )
    no_validation = clone(weighted).fit(X_train, y_train)
    assert np.allclose(
        by_sample.predict_proba(X_test), no_validation.predict_proba(X_test), atol=1e-6
    )
# sphinx_gallery_end_ignore
plt.show()
