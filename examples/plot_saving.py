"""
=====================================
Saving and restoring a trained model
=====================================

The chapter saves a trained Keras model and loads it back, to use it in
another program or to deploy it. A fitted skmlp estimator is a scikit-learn
estimator, so it saves as one:

* with :mod:`pickle` or :mod:`joblib` (the whole estimator: parameters,
  weights, classes);
* with `skops <https://skops.readthedocs.io>`_, a format that loads without
  running arbitrary code, after you have reviewed the types it holds;
* and the Keras model itself, ``model_``: Keras's ``.keras`` file
  (``model_.save`` and ``keras.models.load_model``), its weights alone, or a
  TensorFlow SavedModel (``model_.export``) served by
  ``keras.layers.TFSMLayer`` (or TF Serving), without skmlp.

Every file goes to a temporary directory, deleted at the end.
"""

# %%
# Setup
# -----
import contextlib
import io
import pickle
import shutil
import tempfile
import warnings
from pathlib import Path

import joblib
import keras
import numpy as np
import skops.io as sio
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmlp import MLPKerasClassifier

# The network trains for a fixed number of epochs: do not warn that it has not
# converged.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# sphinx_gallery_start_ignore
# SKMLP_EXAMPLES_QUICK=1 (set by tests/test_examples.py) makes this example
# run in a few seconds. The blocks that use it are hidden from the gallery.
import os

QUICK = os.environ.get("SKMLP_EXAMPLES_QUICK") == "1"
# sphinx_gallery_end_ignore

# %%
# A trained classifier
# --------------------
# The digits (8x8 images, pixels scaled to 0-1), and a network of two hidden
# layers.
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, stratify=y, random_state=42
)
clf = MLPKerasClassifier(hidden_layer_sizes=(100, 50), max_iter=30, random_state=42)
# sphinx_gallery_start_ignore
if QUICK:
    clf.set_params(max_iter=5)
# sphinx_gallery_end_ignore
clf.fit(X_train, y_train)
proba = clf.predict_proba(X_test)
print(f"test accuracy: {clf.score(X_test, y_test):.3f}")

workdir = Path(tempfile.mkdtemp())

# %%
# pickle and joblib
# -----------------
# The estimator, whole: the loaded one predicts exactly as the original.
with open(workdir / "clf.pkl", "wb") as f:
    pickle.dump(clf, f)
with open(workdir / "clf.pkl", "rb") as f:
    clf_pickle = pickle.load(f)

joblib.dump(clf, workdir / "clf.joblib")
clf_joblib = joblib.load(workdir / "clf.joblib")

for name, loaded in (("pickle", clf_pickle), ("joblib", clf_joblib)):
    same = np.array_equal(loaded.predict_proba(X_test), proba)
    size = (workdir / f"clf.{'pkl' if name == 'pickle' else 'joblib'}").stat().st_size
    print(f"{name}: {size / 1024:.0f} KiB, same probabilities: {same}")

# %%
# skops
# -----
# Loading a pickle runs whatever code the file names: only load pickles you
# trust. A skops file lists the types it holds; ``get_untrusted_types`` shows
# those skops does not trust by default, and ``load`` refuses to load them
# unless you pass them (once reviewed) as ``trusted``.
sio.dump(clf, workdir / "clf.skops")
unknown_types = sio.get_untrusted_types(file=workdir / "clf.skops")
print("types to review:", unknown_types)
clf_skops = sio.load(workdir / "clf.skops", trusted=unknown_types)
print(
    "skops: same probabilities:", np.array_equal(clf_skops.predict_proba(X_test), proba)
)

# %%
# Keras's .keras format
# ---------------------
# ``model_`` is a compiled Keras model. ``save`` writes it (architecture,
# weights and optimizer state) as one ``.keras`` file, which
# ``keras.models.load_model`` reads back in any program, without skmlp. Its
# output is the output layer: the probabilities of the classes
# ``clf.classes_``.
clf.model_.save(workdir / "my_model.keras")
model = keras.models.load_model(workdir / "my_model.keras")
proba_keras = model.predict(X_test, verbose=0)
print("model:", model.name, [layer.name for layer in model.layers])
print(
    f".keras: largest difference in probability {np.abs(proba_keras - proba).max():.1e}"
)

# %%
# The weights alone go to a ``.weights.h5`` file and come back into a model of
# the same architecture; loaded into ``clf.model_``, they are the estimator's
# weights at once (``predict``, ``coefs_``, pickles). Here the weights of a
# second, differently seeded fit replace the first's.
other = clone(clf).set_params(random_state=0)
other.fit(X_train, y_train)
other.model_.save_weights(workdir / "my_weights.weights.h5")
clf.model_.load_weights(workdir / "my_weights.weights.h5")
print(
    "after load_weights, clf predicts as the other fit:",
    np.allclose(clf.predict_proba(X_test), other.predict_proba(X_test)),
)

# %%
# A TensorFlow SavedModel
# -----------------------
# ``export`` writes the model's inference function as a SavedModel, the format
# of TF Serving (a directory holding the graph and the variables);
# ``keras.layers.TFSMLayer`` loads it back as a layer.
#
# ``X`` was float64, so the network computes in float64; its ``export``
# writes the endpoints for float32 input (cast to float64 inside), since
# ``TFSMLayer`` casts its input to its own ``dtype``, float32 unless told
# otherwise: the chapter's ``TFSMLayer(path, call_endpoint="serving_default")``
# serves it as it is. (``TFSMLayer(path, dtype="float64")`` gets the float64
# network's exact outputs from the same SavedModel.)
with contextlib.redirect_stdout(io.StringIO()):  # export lists its endpoints
    clf.model_.export(workdir / "my_saved_model")
for path in sorted((workdir / "my_saved_model").glob("**/*")):
    print("   ", path.relative_to(workdir))
tfsm_layer = keras.layers.TFSMLayer(
    workdir / "my_saved_model", call_endpoint="serving_default"
)
proba_served = np.asarray(tfsm_layer(X_test[:3]))
print("served probabilities of 3 test images:", proba_served.round(2), sep="\n")
print("classes:", clf.classes_[proba_served.argmax(axis=1)], "true:", y_test[:3])
# sphinx_gallery_start_ignore
assert np.allclose(proba_served, clf.predict_proba(X_test[:3]), atol=1e-5)
# sphinx_gallery_end_ignore

# %%
# Clean up.
shutil.rmtree(workdir)
