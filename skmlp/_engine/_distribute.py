"""Data-parallel training under a ``tf.distribute`` strategy.

The ``distribution`` parameter names a strategy; the model, its optimizer
and the trainer's variables are created in its scope, and each batch (the
same batches as a single-device fit, in the same order) is split into one
contiguous part per replica. Each replica divides its ``sum(w * l)`` by the
weight total of the whole batch and takes 1/R of the penalty, and Keras's
optimizer sums the replicas' gradients: the step is the single-device step,
up to rounding. Across workers (``TF_CONFIG``), every worker cuts the same
batches and feeds its own replicas' parts.
"""

import contextlib
import threading

import numpy as np

from .._tf import quiet_stderr, tf
from . import _losses
from ._trainer import Trainer

_MULTI_WORKER = []
_MULTI_WORKER_LOCK = threading.Lock()


def _multi_worker_strategy():
    """The process's one MultiWorkerMirroredStrategy, created on first use.

    TensorFlow configures its collective ops once, before its first op runs:
    a second strategy, or one created after TensorFlow has started, fails.
    """
    with _MULTI_WORKER_LOCK:
        if not _MULTI_WORKER:
            try:
                with quiet_stderr():
                    _MULTI_WORKER.append(tf.distribute.MultiWorkerMirroredStrategy())
            except RuntimeError as exc:
                raise RuntimeError(
                    'distribution="multi_worker" must create its strategy before '
                    "TensorFlow runs any operation in the process; set TF_CONFIG "
                    "before skmlp is imported and fit before any other TensorFlow "
                    "work, or create tf.distribute.MultiWorkerMirroredStrategy() at "
                    "the start of the program and pass distribution=lambda: strategy."
                ) from exc
        return _MULTI_WORKER[0]


_STRATEGIES = {
    "mirrored": lambda: tf.distribute.MirroredStrategy(),
    "multi_worker": _multi_worker_strategy,
}


def make_strategy(distribution):
    """The ``tf.distribute.Strategy`` of the ``distribution`` parameter, or None.

    "mirrored" or a zero-argument callable makes a new strategy each time (they
    are picklable specs); "multi_worker" is the process's one strategy; a
    strategy instance is used as is.
    """
    if distribution is None:
        return None
    if isinstance(distribution, str):
        return _STRATEGIES[distribution]()
    if isinstance(distribution, tf.distribute.Strategy):
        return distribution
    strategy = distribution()
    if not isinstance(strategy, tf.distribute.Strategy):
        raise TypeError(
            "distribution must return a tf.distribute.Strategy when called; "
            f"it returned a {type(strategy).__name__}."
        )
    return strategy


def scope(strategy):
    return contextlib.nullcontext() if strategy is None else strategy.scope()


class DistributedTrainer(Trainer):
    """A :class:`Trainer` whose steps run on every replica of ``strategy``."""

    def __init__(self, model, config, n_features, strategy, *, builtin=False):
        self.strategy = strategy
        super().__init__(model, config, n_features, builtin=builtin)
        self.multi_epoch = False  # every batch is split over the replicas
        self._replica_step = tf.function(self._distributed_step, reduce_retracing=True)

    def _backprop(self):
        return None  # each replica differentiates its own part with a tape

    def _distributed_step(self, x, y, w, total):
        def replica_step(x, y, w):
            replicas = tf.distribute.get_replica_context().num_replicas_in_sync
            with tf.GradientTape() as tape:
                p = self.model(x, training=True)
                loss = _losses.batch_loss(
                    self.config, self.kernels, self.alpha, y, p, w, total, replicas
                )
            variables = self.model.trainable_variables
            grads = tape.gradient(loss, variables)
            self.optimizer.apply_gradients(zip(grads, variables))
            return loss, _losses.batch_metric_stats(self.config.kind, y, p, w)

        loss, stats = self.strategy.run(replica_step, args=(x, y, w))
        reduce = tf.distribute.ReduceOp.SUM
        return (
            self.strategy.reduce(reduce, loss, axis=None),
            self.strategy.reduce(reduce, stats, axis=None),
        )

    def _split(self, array):
        replicas = self.strategy.num_replicas_in_sync
        parts = np.array_split(np.asarray(array), replicas)
        return self.strategy.experimental_distribute_values_from_function(
            lambda ctx: tf.constant(parts[ctx.replica_id_in_sync_group])
        )

    def _batch_step(self, n_outputs, blocks):
        """Each batch split over the replicas (the loss divided by the whole
        batch's weight total)."""

        def step(x, y, w):
            x, y, w = (np.asarray(a) for a in (x, y, w))
            total = tf.constant(w.sum(), self.dtype)
            return self._replica_step(
                self._split(x), self._split(y), self._split(w), total
            )

        return step

    def all_finite(self):
        with self.strategy.scope():
            return super().all_finite()

    # Distributed variables are read and written through Keras, in the scope.

    def read(self, variables):
        with self.strategy.scope():
            return [np.array(v.numpy(), copy=True) for v in variables]

    def assign(self, variables, values):
        if len(values) != len(variables):
            raise ValueError(f"{len(values)} values for {len(variables)} variables.")
        with self.strategy.scope():
            for variable, value in zip(variables, values, strict=True):
                variable.assign(value)
