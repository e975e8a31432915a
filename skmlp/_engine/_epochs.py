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


def epoch_body(trainer, X, Y, W, batch_size, seed, variant):
    """The graph of one epoch's steps; ``(loss, metric sums)``. ``variant``:
    whether it shuffles, whether it is one batch, the blocks of rows."""
    shuffle, one_batch, blocks = variant
    n = tf.shape(X)[0]
    if one_batch:  # the whole set, in one step
        rows = tf.range(n)
        if shuffle:
            rows = tf.random.experimental.stateless_shuffle(rows, seed)
        loss, stats = trainer._step(
            tf.gather(X, rows), tf.gather(Y, rows), tf.gather(W, rows), blocks
        )
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
    """One epoch; ``ints`` holds the batch size and the epoch's seed."""
    # One op unpacks a vector (each slice is four ops, and slow to trace).
    ints = tf.unstack(ints, num=4)
    batch_size = tf.cast(ints[0], tf.int32)
    seed = tf.stack(ints[1:3])
    loss, stats = epoch_body(trainer, X, Y, W, batch_size, seed, variant)
    return loss, stats, trainer._finite()


def many_epochs(trainer, X, Y, W, ints, reals, variant):
    """Up to ``n_epochs`` epochs in one call, with scikit-learn's stopping
    rule without early stopping, and its "invscaling" and "adaptive"
    schedules, applied in the graph after each epoch by
    :func:`~skmlp._engine._stopping.graph_rule`, the graph's form of
    :class:`~skmlp._engine._stopping.StoppingRule` (the caller replays the
    rule over the returned losses to update its state). Stops early on the
    rule or on a non-finite loss; whether the weights are finite is returned
    for the last epoch.

    ``ints``: batch size, seed, first epoch, ``n_epochs``. ``reals``: the
    rule's best loss, epochs without improvement and samples seen, then
    ``tol``, ``n_iter_no_change``, ``learning_rate_init``, ``power_t``.
    """
    config = trainer.config  # what is traced: the schedule (compiled_key)
    f64 = tf.float64
    ints, reals = tf.unstack(ints, num=4), tf.unstack(reals, num=7)
    batch_size = tf.cast(ints[0], tf.int32)
    n_epochs = tf.cast(ints[3], tf.int32)
    tol, patience, lr_init, power_t = reals[3:]
    n = tf.cast(tf.shape(X)[0], f64)
    lr = trainer.optimizer.learning_rate
    scheduled = config.adaptive or config.invscaling  # else no rates returned

    def body(e, go, best, count, seen, losses, metrics, *rates):
        if scheduled:
            rates = (rates[0].write(e, tf.cast(lr, f64)),)
        epoch_seed = tf.stack([ints[1], ints[2] + tf.cast(e, tf.int64)])
        loss, stats = epoch_body(trainer, X, Y, W, batch_size, epoch_seed, variant)
        loss = tf.cast(loss, f64)
        losses, metrics = losses.write(e, loss), metrics.write(e, stats)
        seen = seen + n
        go, best, count = graph_rule(
            config, lr, loss, best, count, seen, tol, patience, lr_init, power_t
        )
        return e + 1, go, best, count, seen, losses, metrics, *rates

    arrays = [tf.TensorArray(f64, size=n_epochs, element_shape=[])]
    arrays.append(tf.TensorArray(trainer.dtype, size=n_epochs))
    if scheduled:
        arrays.append(tf.TensorArray(f64, size=n_epochs, element_shape=[]))
    start = (tf.constant(0), tf.constant(True), *reals[:3], *arrays)
    e, _, _, _, _, losses, metrics, *rates = tf.while_loop(
        lambda e, go, *_: tf.logical_and(go, e < n_epochs), body, start
    )
    # Unwritten entries of the arrays (after a stop) read as zeros.
    return (
        losses.stack()[:e],
        metrics.stack()[:e],
        rates[0].stack()[:e] if scheduled else tf.zeros([0], f64),
        trainer._finite(),
    )


def stats_shape(kind, n_outputs):
    """The shape of one batch's metric sums (see ``_losses.batch_metric_stats``)."""
    return (4, n_outputs) if kind == "regression" else (2, 1)
