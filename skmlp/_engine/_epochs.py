"""The graphs of the compiled training loop: one epoch, and many epochs
with scikit-learn's stopping rule, as functions of a
:class:`~skmlp._engine._trainer.Trainer` (whose ``_step`` each batch runs).

They are written with tf.while_loop and tf.cond, and traced without
AutoGraph: converting them (and every function they call) took most of a
first fit's time. Every op of an epoch costs a few microseconds of
TensorFlow's executor, most of a small fit's epoch: what the graph can know
when traced (whether it shuffles, whether an epoch is one batch) is a
*variant* it is specialised on, not a tensor.
"""

from .._tf import tf
from ._stopping import graph_rule


def epoch_body(trainer, X, Y, W, n, batch_size, seed, variant):
    """The graph of one epoch's steps over the ``n`` rows (an int32 tensor);
    ``(loss, metric sums)``. ``variant``: whether it shuffles, whether it is
    one batch, the blocks of rows (see ``Trainer._variant``)."""
    shuffle, one_batch, blocks = variant
    if one_batch:  # the whole set in one step: its order changes no sum
        loss, stats = trainer._step(X, Y, W, blocks)
        # As the batch loop sums it: the same loss, bit for bit.
        count = tf.cast(n, trainer.dtype)
        return loss * count / count, stats
    order = tf.range(n)
    if shuffle:
        order = tf.random.experimental.stateless_shuffle(order, seed)
    n_batches = (n + batch_size - 1) // batch_size

    def body(b, total, stats):
        start = b * batch_size
        stop = tf.minimum(start + batch_size, n)
        rows = order[start:stop]
        loss, batch_stats = trainer._step(
            tf.gather(X, rows), tf.gather(Y, rows), tf.gather(W, rows), blocks
        )
        count = tf.cast(stop - start, trainer.dtype)
        return b + 1, total + loss * count, stats + batch_stats

    start = (
        tf.constant(0),
        tf.zeros([], trainer.dtype),
        tf.zeros(stats_shape(trainer.config.kind, Y.shape[1]), trainer.dtype),
    )
    _, total, stats = tf.while_loop(lambda b, *_: b < n_batches, body, start)
    return total / tf.cast(n, trainer.dtype), stats


def one_epoch(trainer, X, Y, W, ints, variant):
    """One epoch; ``ints`` holds the batch size, the epoch's seed and the
    number of rows."""
    # One op unpacks a vector (each slice is four ops, and slow to trace).
    ints = tf.unstack(ints, num=4)
    batch_size, n = tf.cast(ints[0], tf.int32), tf.cast(ints[3], tf.int32)
    seed = tf.stack(ints[1:3]) if variant[0] else None
    loss, stats = epoch_body(trainer, X, Y, W, n, batch_size, seed, variant)
    return loss, stats, trainer._finite()


def many_epochs(trainer, X, Y, W, ints, reals, variant):
    """Up to ``n_epochs`` epochs in one call, with scikit-learn's stopping
    rule without early stopping, and its "invscaling" and "adaptive"
    schedules, applied in the graph after each epoch by
    :func:`~skmlp._engine._stopping.graph_rule`, the graph's form of
    :class:`~skmlp._engine._stopping.StoppingRule` (the caller replays the
    rule over the returned losses to update its state). Stops early on the
    rule or on a non-finite loss.

    ``ints``: batch size, seed, first epoch, ``n_epochs``, number of rows.
    ``reals``: the rule's best loss, epochs without improvement and samples
    seen, then ``tol``, ``n_iter_no_change``, ``learning_rate_init``,
    ``power_t``.

    Returns the number of epochs run and, for ``n_epochs`` epochs (those
    after a stop read as zeros), the losses, the training-metric sums and,
    with a schedule, the learning rates before each epoch. Every op is
    traced once for each configuration (a third of a millisecond each, the
    most of a configuration's first fit): the caller slices the arrays, and
    the estimator checks the weights' finiteness in NumPy at the fit's end.
    """
    config = trainer.config  # what is traced: the schedule (compiled_key)
    f64 = tf.float64
    shuffle = variant[0]
    ints, reals = tf.unstack(ints, num=5), tf.unstack(reals, num=7)
    batch_size = tf.cast(ints[0], tf.int32)
    n_epochs, n = tf.cast(ints[3], tf.int32), tf.cast(ints[4], tf.int32)
    lr = trainer.optimizer.learning_rate

    def body(s):
        s, e = dict(s), s["epoch"]
        if "rates" in s:
            s["rates"] = s["rates"].write(e, tf.cast(lr, f64))
        seed = tf.stack([ints[1], ints[2] + tf.cast(e, tf.int64)]) if shuffle else None
        loss, stats = epoch_body(trainer, X, Y, W, n, batch_size, seed, variant)
        loss = tf.cast(loss, f64)
        s["losses"] = s["losses"].write(e, loss)
        s["metrics"] = s["metrics"].write(e, stats)
        if "seen" in s:
            s["seen"] += tf.cast(n, f64)
        s["go"], s["best"], s["count"] = graph_rule(
            config, lr, loss, s["best"], s["count"], s.get("seen"), reals[3:]
        )
        s["epoch"] = e + 1
        return (s,)

    # The loop's state: only what this configuration's rule reads ("seen":
    # the samples seen, invscaling's).
    state = {
        "epoch": tf.constant(0),
        "go": tf.constant(True),
        "best": reals[0],
        "count": reals[1],
        "losses": tf.TensorArray(f64, size=n_epochs, element_shape=[]),
        "metrics": tf.TensorArray(trainer.dtype, size=n_epochs),
    }
    if config.invscaling:
        state["seen"] = reals[2]
    if config.adaptive or config.invscaling:  # else no rates returned
        state["rates"] = tf.TensorArray(f64, size=n_epochs, element_shape=[])
    (s,) = tf.while_loop(
        lambda s: tf.logical_and(s["go"], s["epoch"] < n_epochs), body, (state,)
    )
    arrays = [s[k].stack() for k in ("losses", "metrics", "rates") if k in s]
    return (s["epoch"], *arrays)


def stats_shape(kind, n_outputs):
    """The shape of one batch's metric sums (see ``_losses.batch_metric_stats``)."""
    return (4, n_outputs) if kind == "regression" else (2,)
