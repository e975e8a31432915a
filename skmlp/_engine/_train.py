"""One fit's epochs: its rows (:class:`Batches`), the loop, scikit-learn's
stopping rules, validation, Keras callbacks, divergence and the best weights
of early stopping."""

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .._tf import keras, tf
from . import _optimizers
from ._callbacks import Hooks
from ._stopping import StoppingRule


class Batches:
    """The training rows of a fit, and how each epoch's batches are cut.

    In memory, X, Y and W are tensors made once per fit and shuffled inside
    the compiled epoch. A :class:`skmlp._source.FileRows` X is read from its
    file batch by batch, in the same order.
    """

    def __init__(self, X, Y, W, seed, dtype):
        self.n, self.seed = X.shape[0], int(seed)
        self.n_outputs = Y.shape[1]
        self.in_graph = isinstance(X, np.ndarray)
        self._rows = X
        if self.in_graph:
            self.X = tf.convert_to_tensor(X, dtype)
        self.Y = tf.convert_to_tensor(Y, dtype)
        self.W = tf.convert_to_tensor(W, dtype)
        self._np_dtype = np.dtype(dtype)

    def batch_rows(self, seed, batch_size, shuffle):
        order = tf.range(self.n)
        if shuffle:
            order = tf.random.experimental.stateless_shuffle(order, seed)
        order = order.numpy()
        for start in range(0, self.n, batch_size):
            yield order[start : start + batch_size]

    def take(self, rows):
        if self.in_graph:
            x = tf.gather(self.X, rows)
        else:
            x = self._rows.read(rows, dtype=self._np_dtype)
        return x, tf.gather(self.Y, rows), tf.gather(self.W, rows)


@dataclass
class Validation:
    """A validation set and the score of predictions on it (accuracy or R²,
    as the estimator's ``score``)."""

    X: np.ndarray
    Y: np.ndarray
    W: np.ndarray
    score: object  # callable: predictions -> float


@dataclass
class Outcome:
    history: dict = field(default_factory=dict)
    epochs: int = 0
    stopped: bool = False  # by the stopping rule or a callback
    diverged: bool = False
    samples_seen: int = 0
    loss: float = float("nan")  # lbfgs: the final loss
    convergence_warning: str | None = None  # lbfgs: warned after the commit


def train(
    trainer,
    data,
    *,
    config,
    state,
    epochs,
    callbacks,
    validation=None,
    incremental=False,
    samples_seen=0,
    first_iteration=1,
    report=None,
    metrics=None,
):
    """Run up to ``epochs`` epochs of ``trainer`` over ``data`` (a
    :class:`Batches`), updating the stopping ``state`` in place. ``report``
    (a ``_sk_callbacks.FitReport``) reports each epoch to scikit-learn's
    callbacks, if any are set; ``metrics`` (a ``_metrics.EpochMetrics``) adds
    the user's Keras metrics to each epoch's logs."""
    model, optimizer = trainer.model, trainer.optimizer
    rule = StoppingRule(config, state, incremental=incremental)
    metric = "r2" if config.kind == "regression" else "accuracy"
    sklearn_verbose = (
        isinstance(config.verbose, bool) and config.verbose or (config.verbose > 2)
    )
    out = Outcome(samples_seen=samples_seen)
    # A Keras EarlyStopping among the callbacks decides when to stop: the
    # built-in rule (n_iter_no_change) stands aside, as the user asked for
    # Keras's; its learning-rate schedule ("adaptive") still applies.
    keras_decides = any(
        isinstance(cb, keras.callbacks.EarlyStopping) for cb in callbacks or []
    )
    if (
        data.in_graph
        and validation is None
        and not callbacks
        and metrics is None
        and not config.verbose
        and trainer.multi_epoch
        and not (report is not None and report.epochs)
    ):
        _train_in_graph(trainer, data, rule, epochs, out, metric)
        return out
    steps = -(-data.n // config.batch_size)
    hooks = Hooks(callbacks, model, verbose=config.verbose, epochs=epochs, steps=steps)
    best = trainer.get_weights() if config.early_stopping else None
    model.stop_training = False
    hooks.list.on_train_begin()
    logs = {}
    for epoch in range(epochs):
        if report is not None:
            report.epoch_begin()
        hooks.list.on_epoch_begin(epoch)
        loss, train_metric, finite = trainer.run_epoch(data, epoch, hooks)
        out.epochs += 1
        if not (finite and math.isfinite(loss)):
            out.diverged = True
            state.loss_curve.append(loss)
            if config.early_stopping:
                state.validation_scores.append(float("nan"))
            hooks.list.on_epoch_end(epoch, {"loss": loss})
            if report is not None:
                report.epoch_end(fitted=False)
            break
        out.samples_seen += data.n
        logs = {"loss": loss, metric: train_metric}
        score = predictions = None
        if validation is not None:
            val_loss, predictions = trainer.evaluate(
                validation.X, validation.Y, validation.W
            )
            score = validation.score(predictions)
            logs.update({"val_loss": val_loss, f"val_{metric}": score})
        if metrics is not None:
            logs.update(metrics.logs(data, validation, predictions))
        lr = _optimizers.learning_rate(optimizer)
        decision = rule.update(loss, score, lr)
        if sklearn_verbose:
            print(f"Iteration {first_iteration + epoch}, loss = {loss:.8f}")
            if config.early_stopping:
                print(f"Validation score: {score:f}")
        if rule.improved:
            best = trainer.get_weights()
        if config.invscaling:
            rate = _optimizers.invscaling_rate(config, out.samples_seen)
            _optimizers.set_learning_rate(optimizer, rate)
        if decision == "stop" and keras_decides:
            decision = "go"
        if decision == "lower":
            _optimizers.set_learning_rate(optimizer, lr / 5.0)
            if sklearn_verbose:
                print(f"{rule.message()} Setting learning rate to {lr / 5.0:f}")
        elif decision == "stop" and sklearn_verbose:
            print(f"{rule.message()} Stopping.")
        for name, value in logs.items():
            out.history.setdefault(name, []).append(value)
        hooks.list.on_epoch_end(epoch, logs)
        # A scikit-learn callback may ask to stop, as a Keras one may.
        asked = report is not None and report.epoch_end()
        if decision == "stop" or model.stop_training or asked:
            out.stopped = True
            break
    hooks.list.on_train_end(logs)
    if config.early_stopping and best is not None:
        trainer.set_weights(best)
    return out


def _train_in_graph(trainer, data, rule, epochs, out, metric):
    """Many epochs per compiled call (no callback, validation or printing
    needs Python between epochs): the graph applies the stopping rule and
    the schedules; ``rule`` replays them over the returned losses. A
    non-finite loss stops it; the estimator checks the weights the fit ends
    with, as scikit-learn does."""
    done, chunk = 0, 8
    while done < epochs:
        k = min(chunk, epochs - done)
        started = time.perf_counter()
        losses, metrics, rates = trainer.run_epochs(
            data, done, k, rule.state, out.samples_seen
        )
        decision = "go"
        for loss, value, rate in zip(losses, metrics, rates):
            if decision == "stop":
                raise RuntimeError(
                    "The compiled stopping rule and its replay disagree."
                )
            out.epochs += 1
            if not math.isfinite(loss):
                out.diverged = True
                rule.state.loss_curve.append(loss)
                return
            out.samples_seen += data.n
            decision = rule.update(loss, None, rate)
            out.history.setdefault("loss", []).append(loss)
            out.history.setdefault(metric, []).append(value)
        done += len(losses)
        if decision == "stop":
            out.stopped = True
            return
        if len(losses) < k:
            raise RuntimeError("The compiled stopping rule and its replay disagree.")
        # Calls of about 1/4 s: few of them, and Ctrl-C still answered.
        per_epoch = (time.perf_counter() - started) / len(losses)
        chunk = max(1, int(0.25 / max(per_epoch, 1e-6)))
