"""
=============================================
TensorBoard: one run folder per training run
=============================================

The chapter visualizes training with TensorBoard: Keras's ``TensorBoard``
callback writes the learning curves (and the graph, histograms, profiles)
into event files under a log directory, one subfolder per run, which
``tensorboard --logdir`` displays side by side. With skmlp the callback goes
in the estimator's ``callbacks`` parameter.

A search trains many models: for TensorBoard to show one curve per training
run, each run needs its own folder. A callback's ``log_dir`` is fixed when it
is created, and every candidate of a
:class:`~sklearn.model_selection.GridSearchCV` gets a copy of the same
callback, so they would all write into one folder. The small
``TensorBoard`` subclass below picks a new folder at the start of each fit,
named after the time and the network it trains.

The housing data is downloaded by
:func:`~sklearn.datasets.fetch_california_housing`; where that is impossible
(no network), the example says so and uses the diabetes data set, which ships
with scikit-learn. The logs go to a temporary directory, deleted at the end:
point ``root_logdir`` at a folder of yours to keep them.
"""

# %%
# Setup
# -----
import shutil
import tempfile
import time
import warnings
from datetime import datetime
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from sklearn.datasets import fetch_california_housing, load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from skmlp import MLPKerasRegressor

# The networks train for a fixed number of epochs: do not warn that they have
# not converged.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# sphinx_gallery_start_ignore
# SKMLP_EXAMPLES_QUICK=1 (set by tests/test_examples.py) makes this example
# run in a few seconds. The blocks that use it are hidden from the gallery.
import os

QUICK = os.environ.get("SKMLP_EXAMPLES_QUICK") == "1"
# sphinx_gallery_end_ignore

try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the retry notices of the download
        X, y = fetch_california_housing(n_retries=1, delay=0.1, return_X_y=True)
except Exception:  # no network: a data set that ships with scikit-learn
    print("California housing cannot be downloaded here: using load_diabetes.")
    X, y = load_diabetes(return_X_y=True)
    y = y / 100  # disease progression, in units of 100
# sphinx_gallery_start_ignore
if QUICK and len(X) > 2000:
    X, y = X[:2000], y[:2000]
# sphinx_gallery_end_ignore
X_train, X_valid, y_train, y_valid = train_test_split(X, y, random_state=42)
scaler = StandardScaler().fit(X_train)
X_train_s, X_valid_s = scaler.transform(X_train), scaler.transform(X_valid)

root_logdir = Path(tempfile.mkdtemp()) / "my_logs"


def show_tree(root):
    """Print the folders and files under ``root``, indented."""
    print(root.name)
    for path in sorted(root.glob("**/*")):
        depth = len(path.relative_to(root).parts)
        print("  " * depth + path.name)


# %%
# One run
# -------
# As in the book: a time-stamped run folder, and the ``TensorBoard`` callback
# writing into it. skmlp's training loop calls its hooks, so it logs the
# epochs' ``loss`` and ``r2`` for ``train/`` and ``validation/``.


def get_run_logdir(root_logdir=root_logdir):
    return Path(root_logdir) / time.strftime("run_%Y_%m_%d_%H_%M_%S")


run_logdir = get_run_logdir()
tensorboard_cb = keras.callbacks.TensorBoard(run_logdir)
reg = MLPKerasRegressor(
    hidden_layer_sizes=(30, 30),
    solver="sgd",
    learning_rate_init=1e-3,
    batch_size=32,
    max_iter=20,
    callbacks=[tensorboard_cb],
    random_state=42,
)
# sphinx_gallery_start_ignore
if QUICK:
    reg.set_params(max_iter=3)
# sphinx_gallery_end_ignore
reg.fit(X_train_s, y_train, validation_data=(X_valid_s, y_valid))
print(f"validation R² after {reg.n_iter_} epochs: {reg.score(X_valid_s, y_valid):.3f}")
show_tree(root_logdir)

# %%
# ``tensorboard --logdir my_logs`` (or ``%tensorboard --logdir my_logs`` in a
# notebook) shows them; here TensorBoard's own reader reads the validation
# losses back from the event file.
# ``size_guidance``: keep every value (the reader samples 10 by default).
events = EventAccumulator(str(run_logdir / "validation"), size_guidance={"tensors": 0})
events.Reload()
val_losses = [
    float(tf.make_ndarray(e.tensor_proto)) for e in events.Tensors("epoch_loss")
]
print("validation losses logged:", np.round(val_losses, 3))
print("validation losses of history_:", np.round(reg.history_["val_loss"], 3))

# %%
# One folder per candidate of a search
# ------------------------------------
# ``RunTensorBoard`` is a ``TensorBoard`` callback that takes a root folder and
# picks its run folder when a fit starts (``set_model``): the time, to the
# microsecond, and the network's hidden layer sizes and learning rate, read
# from the model being trained. Each fit of each candidate (each fold of the
# cross-validation, and the final refit) then writes a run of its own.


class RunTensorBoard(keras.callbacks.TensorBoard):
    """TensorBoard logging each fit into a new run folder under ``root_logdir``."""

    def __init__(self, root_logdir, **kwargs):
        super().__init__(log_dir=root_logdir, **kwargs)
        self.root_logdir = root_logdir

    def set_model(self, model):
        units = "-".join(str(layer.units) for layer in model.layers[:-1])
        lr = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
        stamp = datetime.now().strftime("%Y_%m_%d_%H_%M_%S_%f")
        self.log_dir = str(Path(self.root_logdir) / f"run_{stamp}_{units}_lr{lr:g}")
        super().set_model(model)


search_logdir = root_logdir / "search"
pipe = make_pipeline(
    StandardScaler(),
    MLPKerasRegressor(
        hidden_layer_sizes=(30, 30),
        batch_size=32,
        max_iter=20,
        callbacks=[RunTensorBoard(search_logdir)],
        random_state=42,
    ),
)
param_grid = {
    "mlpkerasregressor__hidden_layer_sizes": [(30,), (30, 30)],
    "mlpkerasregressor__learning_rate_init": [1e-3, 1e-2],
}
search = GridSearchCV(pipe, param_grid, cv=3)
# sphinx_gallery_start_ignore
if QUICK:
    search.set_params(
        cv=2,
        estimator__mlpkerasregressor__max_iter=2,
        param_grid={**param_grid, "mlpkerasregressor__learning_rate_init": [1e-3]},
    )
# sphinx_gallery_end_ignore
search.fit(X_train, y_train)
print("best parameters:", search.best_params_)

# %%
# Every fit has its own run folder (candidates x folds, plus the refit of the
# best one), each with its own event file.
runs = sorted(search_logdir.iterdir())
n_fits = len(search.cv_results_["params"]) * search.n_splits_ + 1
print(f"{len(runs)} run folders for {n_fits} fits:")
for run in runs:
    files = list(run.glob("train/events.out.tfevents.*"))
    print(f"  {run.name}/train: {len(files)} event file")

# %%
# Writing your own summaries
# --------------------------
# TensorFlow's summary API writes anything to a run folder: scalars,
# histograms, images, text, audio. As in the book, a scalar and a histogram
# that change with the step.
test_logdir = get_run_logdir(root_logdir / "custom")
writer = tf.summary.create_file_writer(str(test_logdir))
rng = np.random.default_rng(42)
N_STEPS = 1000
# sphinx_gallery_start_ignore
if QUICK:
    N_STEPS = 100
# sphinx_gallery_end_ignore
with writer.as_default():
    for step in range(1, N_STEPS + 1):
        tf.summary.scalar("my_scalar", np.sin(step / 10), step=step)
        data = (rng.standard_normal(100) + 2) * step / 100  # gets larger
        tf.summary.histogram("my_hist", data, buckets=50, step=step)
writer.close()
show_tree(root_logdir / "custom")

# %%
# Clean up.
shutil.rmtree(root_logdir.parent)
