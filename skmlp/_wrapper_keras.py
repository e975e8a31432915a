"""The Keras side of KerasClassifier and KerasRegressor: training the
user's model with Keras's own ``Model.fit`` (batches in a seeded order
without global state), and ``predict``'s choice between the compiled
forward pass and Keras's predict loop.

Re-exported here for the wrappers: the seeded builds, the model check, the
restore on failure and the compiled forward pass (``_keras_support``), the
model's .keras bytes for pickling (``_wrapper_saving``). Compiling the model
from the routed parameters is ``_wrapper_compile``'s. Imported on first use,
so ``import skmlp`` stays free of TensorFlow.
"""

import math

import numpy as np
import scipy.sparse as sp

from . import _routing, _wrapper_checks, _wrapper_compile
from ._keras_support import (  # noqa: F401 (re-export: the wrappers' names)
    PREDICT_ROWS,
    Forward,
    check_model,
    default_seeds,
    restore_on_failure,
)
from ._tf import keras, tf
from ._wrapper_saving import restore_models, save_models  # noqa: F401 (re-export)

# -- building -------------------------------------------------------------------


def is_model(obj):
    return isinstance(obj, keras.Model)


def floatx():
    """Keras's default float type (scikeras casts object X to it)."""
    return keras.backend.floatx()


# -- training -------------------------------------------------------------------


def _tuples(x):
    """Lists to tuples: tf.data stacks a list of arrays into one tensor."""
    if isinstance(x, (list, tuple)):
        return tuple(_tuples(v) for v in x)
    if isinstance(x, dict):
        return {k: _tuples(v) for k, v in x.items()}
    if sp.issparse(x):
        coo = x.tocoo()
        return tf.sparse.reorder(
            tf.SparseTensor(
                np.column_stack([coo.row, coo.col]).astype(np.int64),
                coo.data,
                coo.shape,
            )
        )
    return x


def _take(x, rows):
    if isinstance(x, (list, tuple)):
        return type(x)(_take(v, rows) for v in x)
    if isinstance(x, dict):
        return {k: _take(v, rows) for k, v in x.items()}
    return None if x is None else x[rows]


def _n_rows(x):
    if isinstance(x, (list, tuple)):
        return _n_rows(x[0])
    if isinstance(x, dict):
        return _n_rows(next(iter(x.values())))
    return x.shape[0]


def fit_model(model, X, Y, sw, fit_args, shuffle_seed):
    """``model.fit`` with Keras's semantics; with a ``shuffle_seed``, the
    batches come from a tf.data pipeline shuffled by that seed alone (see
    ``_shuffled_epochs``: no global seed is read or set), and
    ``validation_split`` holds out the last rows as Keras does."""
    args = dict(fit_args)
    if not (args.get("shuffle", True) and shuffle_seed is not None):
        return model.fit(x=X, y=Y, sample_weight=sw, **args)
    n = _n_rows(X)
    split = args.pop("validation_split", 0.0) or 0.0
    if split and "validation_data" not in args:
        cut = int(math.floor(n * (1.0 - split)))
        if cut in (0, n):
            raise ValueError(
                f"validation_split={split} leaves no training or no validation "
                f"rows out of {n}; change validation_split."
            )
        val = (_take(X, slice(cut, None)), _take(Y, slice(cut, None)))
        if sw is not None:
            val += (sw[cut:],)
        args["validation_data"] = val
        X, Y, sw = (
            _take(X, slice(None, cut)),
            _take(Y, slice(None, cut)),
            _take(sw, slice(None, cut)),
        )
        n = cut
    args["shuffle"] = False  # the pipeline shuffles; Keras warns otherwise
    batch_size = args.pop("batch_size", None) or 32
    data = (_tuples(X), _tuples(Y)) + (() if sw is None else (sw,))
    first = args.get("initial_epoch", 0)
    ds = _shuffled_epochs(data, n, batch_size, int(shuffle_seed), first, args["epochs"])
    # One pass over the dataset holds every epoch: Keras keeps its iterator
    # from epoch to epoch when it knows the steps of one.
    args.setdefault("steps_per_epoch", math.ceil(n / batch_size))
    return model.fit(ds, **args)


def _shuffled_epochs(data, n, batch_size, seed, first_epoch, epochs):
    """The batches of epochs ``first_epoch .. epochs - 1``, epoch ``e`` in the
    order of ``stateless_shuffle`` seeded ``[seed, e]``.

    Stateless: the order depends on ``seed`` and the epoch alone. tf.data's
    ``shuffle(seed=...)`` (and ``Dataset.random``) combine their seed with
    TensorFlow's global seed, so a ``tf.random.set_seed`` or
    ``keras.utils.set_random_seed`` made by the user would change the fit.
    Dense arrays: Keras's own array pipeline (``ArrayDataAdapter``) with the
    stateless order, so a seeded fit costs what ``model.fit`` does: each
    epoch's order computed one epoch ahead, cut into batches of indices by
    one reshape, the rows gathered by a parallel map, tf.data's static
    optimizations off. Sparse ones are permuted whole, once an epoch.
    """
    tensors = tf.nest.map_structure(
        lambda t: t if isinstance(t, tf.SparseTensor) else tf.convert_to_tensor(t),
        data,
    )
    seed_t = tf.constant(seed, tf.int64)
    epochs_ds = tf.data.Dataset.range(first_epoch, epochs)

    def order(e):
        return tf.random.experimental.stateless_shuffle(
            tf.range(n, dtype=tf.int64), seed=tf.stack([seed_t, e])
        )

    if any(isinstance(t, tf.SparseTensor) for t in tf.nest.flatten(tensors)):

        def sparse_epoch(e):
            rows = tf.nest.map_structure(lambda t: _permute_rows(t, order(e)), tensors)
            return tf.data.Dataset.from_tensor_slices(rows).batch(batch_size)

        return epochs_ds.flat_map(sparse_epoch).prefetch(tf.data.AUTOTUNE)

    full = n // batch_size

    def batches(indices):
        head = tf.reshape(indices[: full * batch_size], [full, batch_size])
        ds = tf.data.Dataset.from_tensor_slices(head)
        if n % batch_size:
            ds = ds.concatenate(
                tf.data.Dataset.from_tensors(indices[full * batch_size :])
            )
        return ds

    def gather(indices, arrays):
        return tf.nest.map_structure(lambda t: tf.gather(t, indices), arrays)

    indices = epochs_ds.map(order).prefetch(1).flat_map(batches)
    ds = tf.data.Dataset.zip((indices, tf.data.Dataset.from_tensors(tensors).repeat()))
    ds = ds.map(gather, num_parallel_calls=tf.data.AUTOTUNE)
    options = tf.data.Options()
    options.experimental_optimization.apply_default_optimizations = False
    return ds.with_options(options).prefetch(tf.data.AUTOTUNE)


def _permute_rows(t, order):
    """Rows ``order`` of a dense or sparse tensor."""
    if not isinstance(t, tf.SparseTensor):
        return tf.gather(t, order)
    # Row i of the result is row order[i]: renumber each entry's row by the
    # inverse permutation, then sort the entries back into row order.
    inverse = tf.math.invert_permutation(order)
    rows = tf.gather(inverse, t.indices[:, 0])[:, None]
    indices = tf.concat([rows, t.indices[:, 1:]], axis=1)
    return tf.sparse.reorder(tf.SparseTensor(indices, t.values, t.dense_shape))


# -- predicting -----------------------------------------------------------------


def predict_raw(est, X, kwargs):
    """The model's raw outputs for the encoded ``X``: one compiled forward
    pass, or Keras's ``model.predict`` for sparse ``X``, predict callbacks,
    ``verbose`` or other ``predict__*`` arguments."""
    params = est.get_params()
    pred_args = _routing.route(params, "predict", strict=True)
    pred_args.update(kwargs)
    callbacks = _wrapper_compile.make_callbacks(params, "predict")
    rows = _wrapper_checks.all_rows(pred_args, X, ["batch_size"]).pop(
        "batch_size", None
    )
    verbose = pred_args.pop("verbose", 0)
    pred_args.pop("callbacks", None)
    if sp.issparse(X) or callbacks or verbose or pred_args:
        pred_args.update(verbose=verbose, callbacks=callbacks, batch_size=rows)
        return predict_loop(est.model_, X, pred_args)
    forward = est._forward
    if forward.model is not est.model_:  # model_ replaced by the user
        forward = Forward(est.model_)
    return forward(X, rows or PREDICT_ROWS)


def predict_loop(model, X, pred_args):
    """Keras's own ``model.predict`` (for sparse X and predict callbacks)."""
    return model.predict(x=X, **pred_args)
