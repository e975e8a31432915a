"""Keras helpers shared by everything in skmlp that builds a Keras model.

The MLPs' training engine (``_engine``), the bring-your-own-model wrappers and
``StepPerceptron.to_keras`` use these; the wrappers and the perceptron do not
import the engine for them:

- seeded builds (:func:`keras_default_seeds`, :func:`default_seeds`): Keras's
  unseeded initializers draw from a seeded ``random.Random``, not from global
  state;
- :func:`ensure_built`: a model that has its weights;
- :func:`check_model` and :func:`check_callbacks`: the one check each of what
  a build returned and of a list of callbacks, with messages naming the fix;
- :func:`restore_on_failure`: a model trained in place, all or nothing;
- :class:`Forward`: a model's compiled forward pass, called on chunks of
  rows (``predict`` of the MLPs' Keras path and of the wrappers);
- :func:`perceptron_model`: StepPerceptron's Keras model.

Importing this module starts TensorFlow (through ``_tf``): import it lazily.
"""

import contextlib
import functools
import random
import threading

import numpy as np

from . import _keras_private
from ._tf import keras, ops, quiet_stderr, tf

#: Rows of one compiled forward call: bounds the memory of the activations
#: (a wrapper's ``predict__batch_size`` sets another).
PREDICT_ROWS = 4096

_SEED_LOCK = threading.Lock()


# -- building -------------------------------------------------------------------


@contextlib.contextmanager
def keras_default_seeds(seed):
    """Within this context, Keras's unseeded initializers and seed generators
    draw their seeds from ``random.Random(seed)`` instead of Python's global
    ``random`` module: a custom model is reproducible, and the global state
    is left alone. Serialised, so concurrent builds do not interleave. Keras's
    private name, its fallback and the check that the seeds apply:
    :func:`skmlp._keras_private.default_seeds`."""
    with _SEED_LOCK, _keras_private.default_seeds(random.Random(seed)):
        yield


@contextlib.contextmanager
def default_seeds(seed):
    """:func:`keras_default_seeds` for a ``seed``; ``seed=None`` changes
    nothing (Keras draws its seeds as it always does)."""
    if seed is None:
        yield
        return
    with keras_default_seeds(seed):
        yield


def ensure_built(model, n_features, dtype):
    """Build a model that has no weights yet (a subclassed model, a
    Sequential without an Input) by calling it on one row of zeros."""
    if not model.built or not model.weights:
        model(ops.zeros((1, n_features), dtype=dtype))
    return model


def check_model(model, source):
    """Raise a TypeError unless ``model`` is a ``keras.Model``; ``source``
    names what returned it (``"_build_model"``, ``"The build function"``)."""
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"{source} returned {type(model).__name__}, not a keras.Model: it "
            "must return a keras.Model (end it with `return model`)."
        )
    return model


def check_callbacks(callbacks, name="callbacks", accepted="instances"):
    """Raise a TypeError naming the first entry of ``callbacks`` that is not
    a ``keras.callbacks.Callback``; ``name`` is the parameter that held them,
    ``accepted`` what it takes."""
    for i, cb in enumerate(callbacks):
        if not isinstance(cb, keras.callbacks.Callback):
            raise TypeError(
                f"{name} must be a list of keras.callbacks.Callback {accepted}; "
                f"{name}[{i}] is a {type(cb).__name__}."
            )
    return callbacks


@contextlib.contextmanager
def restore_on_failure(model):
    """Put ``model``'s weights and its optimizer's variables back as they
    were if the body raises (a failed or interrupted ``model.fit`` that
    continues a fitted model: warm_start, partial_fit). An optimizer the
    body builds has no earlier state to go back to; the model it trains is
    new, and dropped with the failed fit."""
    weights = model.get_weights()
    optimizer = getattr(model, "optimizer", None)
    slots = [] if optimizer is None else [v.numpy() for v in optimizer.variables]
    try:
        yield
    except BaseException:
        model.set_weights(weights)
        if optimizer is not None and len(optimizer.variables) == len(slots):
            for variable, value in zip(optimizer.variables, slots, strict=True):
                variable.assign(value)
        raise


def perceptron_model(coef, intercept, step):
    """A Dense layer of threshold logic units carrying the given weights."""
    if step == "heaviside":

        def step_fn(z):
            return ops.cast(z >= 0, z.dtype)

    else:
        step_fn = ops.sign
    model = keras.Sequential(
        [
            keras.Input(shape=(coef.shape[1],), name="features"),
            keras.layers.Dense(coef.shape[0], activation=step_fn, name="tlu"),
        ],
        name="perceptron",
    )
    model.set_weights([coef.T.astype("float32"), intercept.astype("float32")])
    return model


# -- predicting -----------------------------------------------------------------


def _inference(model, x):
    return model(x, training=False)


def _to_numpy(out):
    if isinstance(out, tf.Tensor):  # one output: no walk of a structure
        return out.numpy()
    return tf.nest.map_structure(lambda t: t.numpy(), out)


def _n_rows(x):
    if isinstance(x, (list, tuple)):
        return _n_rows(x[0])
    if isinstance(x, dict):
        return _n_rows(next(iter(x.values())))
    return x.shape[0]


def _take(x, rows):
    """Rows ``rows`` of an array, or of each array in a list, tuple or dict
    (lists become tuples, as the wrappers' ``_tuples`` gives them to Keras)."""
    if isinstance(x, (list, tuple)):
        return tuple(_take(v, rows) for v in x)
    if isinstance(x, dict):
        return {k: _take(v, rows) for k, v in x.items()}
    return x[rows]


class Forward:
    """``model(x, training=False)`` as one compiled TensorFlow function,
    called on chunks of rows: large predictions skip Keras's predict loop
    (data adapter, callbacks, progress bar) without holding every row's
    activations at once.

    ``input_signature``: the ``tf.TensorSpec`` of one input (each chunk is
    converted to its dtype, and the function is traced once); without it the
    inputs may be any structure Keras takes (a list or dict of arrays), and
    the function is retraced rarely (``reduce_retracing``). The first call,
    which traces, holds TensorFlow's C++ log back (its graph optimiser logs
    lines such as "Not handling type DT_DOUBLE"). ``caller``: makes the
    callable of the traced function (the MLPs' engine passes its caller that
    goes straight to the graph, skipping ``tf.function``'s dispatch: 0.2-1 ms
    a call).
    """

    def __init__(self, model, input_signature=None, caller=None):
        self.model = model
        self._dtype = None if input_signature is None else input_signature.dtype
        # A partial, not a lambda: TensorFlow counts traces per code object,
        # and one lambda shared by every estimator reads as "frequent
        # retracing" (a logged warning) after a few fits.
        fn = tf.function(
            functools.partial(_inference, model),
            input_signature=None if input_signature is None else (input_signature,),
            reduce_retracing=input_signature is None,
        )
        self._fn = fn if caller is None else caller(fn)
        self._traced = False

    def _call(self, x):
        if self._dtype is not None:
            x = tf.convert_to_tensor(x, self._dtype)
        if self._traced:
            return _to_numpy(self._fn(x))
        with quiet_stderr():
            out = _to_numpy(self._fn(x))
        self._traced = True
        return out

    def __call__(self, X, rows=PREDICT_ROWS):
        """The model's outputs for ``X`` (an array, or a list, tuple or dict
        of arrays), ``rows`` rows per compiled call, as NumPy arrays."""
        n = _n_rows(X)
        parts = [
            self._call(_take(X, slice(i, i + rows))) for i in range(0, max(n, 1), rows)
        ]
        if isinstance(parts[0], np.ndarray):
            return np.concatenate(parts)
        return tf.nest.map_structure(lambda *a: np.concatenate(a), *parts)
