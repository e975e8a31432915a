"""scikit-learn's losses, penalty and score metrics, in TensorFlow.

``PER_SAMPLE`` computes each sample's loss exactly as scikit-learn's
``neural_network/_base.py`` does (half squared error, log-loss summed over the
labels on probabilities clipped to the dtype's epsilon, the Poisson deviance),
in the network's own dtype. :func:`batch_loss` reduces them as scikit-learn's
MLPs do: a weighted mean plus ``alpha / 2 * ||W||^2 / sum(w)``.

The model handed out as ``model_`` is compiled with Keras's own built-in
losses (:func:`keras_loss`), so ``model_.evaluate``/``model_.fit`` accept
targets of shape (n,) or (n, k) as Keras's losses do, and a ``.keras`` file
saved from it loads anywhere, with or without skmlp.
"""

import numpy as np

from .._tf import keras, ops, tf


def _clip(p):
    eps = float(np.finfo(p.dtype.as_numpy_dtype).eps)
    return tf.clip_by_value(p, eps, 1.0 - eps)


def _half_squared(y, p, delta):
    return 0.5 * ops.mean(ops.square(y - p), axis=-1)


def _absolute(y, p, delta):
    return ops.mean(ops.abs(y - p), axis=-1)


def _huber(y, p, delta):
    return keras.losses.huber(y, p, delta=delta)


def _poisson(y, p, delta):
    # scikit-learn's half Poisson deviance, summed over the outputs.
    return ops.sum(tf.math.xlogy(y, y / p) - y + p, axis=-1)


def _binary_log_loss(y, p, delta):
    p = _clip(p)
    return -tf.reduce_sum(y * tf.math.log(p) + (1.0 - y) * tf.math.log(1.0 - p), -1)


def _multiclass_log_loss(y, p, delta):
    return -tf.reduce_sum(y * tf.math.log(_clip(p)), axis=-1)


#: Loss name -> per-sample loss ``f(y, p, huber_delta)`` of (n, k) arrays.
PER_SAMPLE = {
    "squared_error": _half_squared,
    "absolute_error": _absolute,
    "huber": _huber,
    "poisson": _poisson,
    "binary_log_loss": _binary_log_loss,
    "multiclass_log_loss": _multiclass_log_loss,
}


def penalised_kernels(model):
    """The weights the L2 penalty applies to: every kernel (not the biases),
    as scikit-learn penalises ``coefs_`` and not ``intercepts_``."""
    return [v for v in model.trainable_variables if v.name.endswith("kernel")]


def batch_loss(config, kernels, alpha, y, p, w, total=None, replicas=1):
    """scikit-learn's loss of one batch: ``sum(w * l) / sum(w)`` plus the L2
    penalty ``alpha / 2 * ||W||^2 / sum(w)`` (a weight of 2 acts as a repeated
    sample, and scaling every weight changes nothing). ``kernels``: variables
    or their values; ``total``: ``sum(w)``, if computed already.

    Under a ``tf.distribute`` strategy each of the ``replicas`` computes the
    loss of its part of the batch (``w``) with the whole batch's ``total``
    and 1/``replicas`` of the penalty, as Keras divides a replica's loss:
    the replicas' gradients, summed, are the whole batch's."""
    per_sample = PER_SAMPLE[config.loss](y, p, config.huber_delta)
    if total is None:
        total = tf.reduce_sum(w)
    loss = tf.reduce_sum(w * per_sample) / total
    if kernels and config.alpha:
        # tf.nn.l2_loss (sum(k**2) / 2) is one fused reduction whose gradient
        # is the kernel itself.
        half_sq = tf.add_n([tf.nn.l2_loss(_tensor(k)) for k in kernels])
        if replicas != 1:
            half_sq = half_sq / replicas
        loss = loss + alpha * half_sq / total
    return loss


def _tensor(kernel):
    """A Keras variable's tf.Variable (what a tape watches), or the tensor."""
    return kernel.value if isinstance(kernel, keras.Variable) else kernel


def keras_loss(config):
    """The built-in Keras loss ``model_`` is compiled with (for the user's own
    ``model_.evaluate`` / ``model_.fit``), and its weight: with the weight, it
    is scikit-learn's data loss without the L2 penalty."""
    if config.kind == "multiclass":
        return keras.losses.SparseCategoricalCrossentropy(), 1.0
    if config.kind in ("binary", "multilabel"):
        return keras.losses.BinaryCrossentropy(), 1.0
    losses = {
        "squared_error": (keras.losses.MeanSquaredError(), 0.5),
        "absolute_error": (keras.losses.MeanAbsoluteError(), 1.0),
        "huber": (keras.losses.Huber(delta=config.huber_delta), 1.0),
        "poisson": (keras.losses.Poisson(), 1.0),
    }
    return losses[config.loss]


def keras_metric(kind):
    """The built-in Keras metric matching ``score``."""
    if kind == "regression":
        return keras.metrics.R2Score(name="r2")
    if kind == "multiclass":
        return keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    return keras.metrics.BinaryAccuracy(name="accuracy")


def batch_metric_stats(kind, y, p, w):
    """The sums an epoch's training metric is computed from, for one batch:
    weighted hits and weight (accuracy), or per-output sums (R²).

    Written in TensorFlow's ops, as the log-losses and :func:`batch_loss`
    are, not Keras's: the same ops without Keras's dtype handling, which
    every traced step paid for, and Keras's ``argmax`` adds eight ops for a
    -0.0 that neither one-hot targets nor probabilities hold."""
    if kind == "regression":
        w = tf.expand_dims(w, 1)
        return tf.stack(
            [
                tf.reduce_sum(w * y, axis=0),
                tf.reduce_sum(w * tf.square(y), axis=0),
                tf.reduce_sum(w * tf.square(y - p), axis=0),
                tf.reduce_sum(w * tf.ones_like(y), axis=0),
            ]
        )
    if kind == "multiclass":
        hit = tf.equal(tf.argmax(y, -1), tf.argmax(p, -1))
    else:  # binary and multilabel: every label right (subset accuracy)
        hit = tf.reduce_all(tf.equal(y > 0.5, p > 0.5), axis=-1)
    hit = tf.cast(hit, w.dtype)
    return tf.stack([tf.reduce_sum(w * hit), tf.reduce_sum(w)])


def metrics_from_stats(kind, stats):
    """:func:`metric_from_stats` of each epoch's sums (stacked)."""
    stats = np.asarray(stats, dtype=np.float64)
    if not len(stats):
        return []
    if kind != "regression":
        hits, weights = stats[:, 0], stats[:, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(weights != 0, hits / weights, np.nan).tolist()
    return [metric_from_stats(kind, s) for s in stats]


def metric_from_stats(kind, stats):
    """The epoch's training accuracy or R² (averaged over outputs, as Keras's
    R2Score) from the summed :func:`batch_metric_stats`."""
    stats = np.asarray(stats, dtype=np.float64)
    if kind != "regression":
        return float(stats[0] / stats[1]) if stats[1] else float("nan")
    s_y, s_y2, s_res, s_w = stats
    with np.errstate(divide="ignore", invalid="ignore"):
        ss_tot = s_y2 - s_y**2 / s_w
        r2 = np.where(ss_tot > 0, 1.0 - s_res / ss_tot, 0.0)
    return float(np.mean(r2))
