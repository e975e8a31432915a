"""The MLPs' ``metrics`` parameter: Keras metrics compiled into the model and
recorded per epoch.

The metrics are compiled into the trainer's model next to the built-in ones
(so ``model_.evaluate`` returns them, under Keras's names) and, each epoch,
computed by Keras's own ``Model.compute_metrics`` on the training rows (with
the epoch's final weights) and on the validation set: the names in
``history_`` are those ``model.fit(...).history`` uses. The loss stays
scikit-learn's; the fit's fast path (many epochs per compiled call) serves
only fits without metrics.
"""

import numpy as np

from .._tf import keras
from . import _losses
from ._distribute import scope

#: Names Keras's compile resolves from the targets' shapes, not through
#: ``keras.metrics.get``.
_COMPILE_ONLY_NAMES = {"accuracy", "acc", "crossentropy", "ce"}

#: Rows predicted at a time when the training metrics are computed.
_CHUNK = 16384


def resolve(metrics):
    """Fresh copies of ``metrics`` (the parameter: None or a list of names,
    ``keras.metrics.Metric`` instances or subclasses, or metric functions),
    checked; the parameter itself is never compiled nor changed."""
    if not metrics:
        return None
    fresh = []
    for i, metric in enumerate(metrics):
        if isinstance(metric, str):
            if metric not in _COMPILE_ONLY_NAMES:
                try:
                    keras.metrics.get(metric)
                except ValueError:
                    raise ValueError(
                        f"metrics[{i}] = {metric!r} is not a Keras metric. Use a "
                        'name as keras\'s compile(metrics=...) takes it (e.g. "mae", '
                        '"RootMeanSquaredError", "accuracy", "AUC") or a '
                        "keras.metrics.Metric instance."
                    ) from None
            fresh.append(metric)
        elif isinstance(metric, keras.metrics.Metric):
            fresh.append(type(metric).from_config(metric.get_config()))
        elif isinstance(metric, type) and issubclass(metric, keras.metrics.Metric):
            fresh.append(metric())
        elif callable(metric):
            fresh.append(metric)
        else:
            raise TypeError(
                "metrics must be a list of Keras metric names, "
                "keras.metrics.Metric instances or classes, or metric functions; "
                f"metrics[{i}] is a {type(metric).__name__}."
            )
    return fresh


def compile_model(trainer, metrics):
    """Compile ``trainer``'s model with the built-in metric and ``metrics``
    (resolved): see :meth:`~skmlp._engine._trainer.Trainer.compile_metrics`,
    which calls it."""
    config = trainer.config
    loss, weight = _losses.keras_loss(config)
    # A distributed model's metric variables belong to its strategy.
    with scope(getattr(trainer, "strategy", None)):
        trainer.model.compile(
            optimizer=trainer.optimizer,
            loss=loss,
            loss_weights=weight,
            metrics=[_losses.keras_metric(config.kind), *_extra(metrics, config)],
            jit_compile=False,
        )


def _extra(metrics, config):
    """``metrics`` less a name the built-in metric already records: a
    classifier's "accuracy" (the book's ``metrics=["accuracy"]``) is the
    built-in one, not a second copy that Keras would call ``accuracy_1``."""
    if config.kind == "regression":
        return list(metrics or [])
    return [m for m in metrics or [] if not (isinstance(m, str) and m in _ACCURACY)]


#: The names under which Keras's compile resolves a classifier's accuracy.
_ACCURACY = {"accuracy", "acc"}


class EpochMetrics:
    """Computes the ``metrics`` of a fit after each epoch (the ``logs`` of
    ``_train.train``)."""

    def __init__(self, trainer, metrics):
        trainer.compile_metrics(metrics)
        self.trainer = trainer
        self.builtin = _losses.keras_metric(trainer.config.kind).name

    def logs(self, data, validation, val_predictions):
        """The metrics on the training rows of ``data`` (a ``_train.Batches``)
        and, with a ``validation`` set, on its predictions (``val_`` names)."""
        logs = self._compute(data.Y.numpy(), self._predict(data), data.W.numpy())
        if validation is not None:
            val = self._compute(validation.Y, val_predictions, validation.W)
            logs.update({f"val_{k}": v for k, v in val.items()})
        return logs

    def _predict(self, data):
        rows = data._rows
        parts = []
        for start in range(0, data.n, _CHUNK):
            stop = min(start + _CHUNK, data.n)
            if isinstance(rows, np.ndarray):
                chunk = rows[start:stop]
            else:  # rows streamed from a file
                chunk = rows.read(np.arange(start, stop), dtype=data._np_dtype)
            parts.append(self.trainer.predict(chunk))
        return np.concatenate(parts)

    def _compute(self, Y, P, W):
        model = self.trainer.model
        if self.trainer.config.kind == "multiclass":
            # Class indices, as model_'s loss (SparseCategoricalCrossentropy)
            # and model_.evaluate take them: "accuracy" resolves the same.
            Y = np.argmax(Y, axis=1)
        model.reset_metrics()
        results = model.compute_metrics(None, Y, P, sample_weight=W)
        model.reset_metrics()
        return {
            name: float(value)
            for name, value in results.items()
            if name not in ("loss", self.builtin)
        }
