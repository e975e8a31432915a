"""Everything Keras: the only module that imports TensorFlow and Keras.

It builds and compiles the Sequential model from plain arguments, trains it with
scikit-learn's stopping rules as a Keras callback, and predicts in large batches.
The estimators import this module lazily, on their first fit or when a pickled
model is first needed, so ``import skmlp`` stays fast.
"""

import contextlib
import math
import os
import threading

import numpy as np


@contextlib.contextmanager
def _quiet_stderr():
    """Silence the C++ start-up log of TensorFlow (oneDNN notice, CUDA probing).

    Those lines are written straight to file descriptor 2 while the shared
    libraries load and the devices are first listed, before any Python logging
    applies, so only the descriptor can hold them back. A
    ``TF_CPP_MIN_LOG_LEVEL`` set by the user is respected: nothing is hidden.
    """
    if "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        yield
        return
    try:
        saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    except OSError:  # no usable descriptor 2 (embedded interpreters)
        yield
        return
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def tf_thread_count(environ=os.environ):
    """The thread count skmlp gives TensorFlow when it starts, or None.

    ``SKMLP_TF_THREADS`` first (``0`` leaves TensorFlow's defaults), else
    ``OMP_NUM_THREADS``, which joblib sets in each of its worker processes to
    ``cpu_count() // n_jobs``: ``GridSearchCV(n_jobs=k)`` then runs k fits
    side by side without oversubscribing the cores. ``TF_NUM_INTRAOP_THREADS``
    or ``TF_NUM_INTEROP_THREADS`` in the environment are TensorFlow's own
    settings and take precedence: skmlp then configures nothing.
    """
    if "TF_NUM_INTRAOP_THREADS" in environ or "TF_NUM_INTEROP_THREADS" in environ:
        return None
    for name in ("SKMLP_TF_THREADS", "OMP_NUM_THREADS"):
        value = environ.get(name, "").strip()
        if value:
            try:
                n = int(value)
            except ValueError:
                return None
            return n if n > 0 else None
    return None


def _configure_threads(n):
    """Cap TensorFlow's thread pools at ``n`` threads each.

    The one change skmlp makes to TensorFlow's global configuration, at its
    first import and before any op runs (TensorFlow fixes its pools then);
    fitting never changes global state. Skipped if TensorFlow already started.
    """
    if n is None:
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    except RuntimeError:  # TensorFlow was initialised before skmlp imported it
        pass


with _quiet_stderr():
    import keras
    import tensorflow as tf

    _configure_threads(tf_thread_count())
    tf.config.list_physical_devices()
    # A MultiWorkerMirroredStrategy must configure TensorFlow's runtime before
    # its first op runs: with TF_CONFIG set (a cluster), leave that to the
    # strategy (see _multi_worker_strategy).
    if "TF_CONFIG" not in os.environ:
        tf.constant(0.0)

from keras import ops  # noqa: E402

_ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid"}

#: Steps run inside one compiled call: small dense networks are dominated by
#: per-step Python dispatch otherwise.
STEPS_PER_EXECUTION = 32

_PREDICT_LOCK = threading.Lock()


def keras_activation(name):
    """The Keras name of a scikit-learn or Keras activation name."""
    return _ACTIVATIONS.get(name, name)


# -- losses -------------------------------------------------------------------


def _half_squared(y, p):
    return 0.5 * ops.mean(ops.square(y - p), axis=-1)


def _absolute(y, p):
    return ops.mean(ops.abs(y - p), axis=-1)


def _poisson(y, p):
    return ops.mean(p - y * ops.log(p + 1e-7), axis=-1)


def _binary_log_loss(y, p):
    # scikit-learn sums the log-loss over labels (not the mean).
    p = ops.clip(p, 1e-7, 1 - 1e-7)
    return -ops.sum(y * ops.log(p) + (1 - y) * ops.log(1 - p), axis=-1)


def _multiclass_log_loss(y, p):
    labels = ops.cast(ops.reshape(y, (-1,)), "int32")
    return keras.losses.sparse_categorical_crossentropy(labels, p)


LOSSES = {
    "squared_error": _half_squared,
    "absolute_error": _absolute,
    "poisson": _poisson,
    "binary_log_loss": _binary_log_loss,
    "multiclass_log_loss": _multiclass_log_loss,
}


@keras.saving.register_keras_serializable(package="skmlp")
class SklearnLoss(keras.losses.Loss):
    """A per-sample loss reduced as scikit-learn's MLPs reduce it.

    Each batch's loss is ``sum(w * l) / sum(w)`` plus the L2 penalty
    ``alpha / 2 * ||W||^2 / sum(w)``: with sample weights, scaling the weights
    changes nothing, and a weight of 2 acts as a repeated sample.

    ``compile_model`` gives it ``alpha_variable``, which the traced train step
    reads instead of the constant ``alpha``: a compiled model is then reused for
    another alpha without tracing again (see :func:`retune`).
    """

    def __init__(self, kind="squared_error", alpha=0.0, huber_delta=1.0, **kw):
        super().__init__(name=kind, **kw)
        self.kind, self.alpha, self.huber_delta = kind, alpha, huber_delta
        self.kernels, self.alpha_variable = [], None

    def _per_sample(self, y, p):
        if self.kind == "huber":
            return keras.losses.huber(y, p, delta=self.huber_delta)
        return LOSSES[self.kind](y, p)

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.convert_to_tensor(y_pred, dtype="float32")
        y_true = ops.cast(y_true, "float32")
        losses = self._per_sample(y_true, y_pred)
        if sample_weight is None:
            sample_weight = ops.ones_like(losses)
        sw = ops.reshape(ops.cast(sample_weight, "float32"), ops.shape(losses))
        total, share = _across_replicas(ops.sum(sw))
        loss = ops.divide_no_nan(ops.sum(sw * losses), total)
        if self.alpha and self.kernels:
            # tf.nn.l2_loss (sum(k**2) / 2) is one fused reduction whose
            # gradient is the kernel itself: a fifth of a step's cost less
            # than squaring, summing and broadcasting back every kernel.
            half_sq = tf.add_n([tf.nn.l2_loss(k.value) for k in self.kernels])
            alpha = self.alpha if self.alpha_variable is None else self.alpha_variable
            loss = loss + ops.divide_no_nan(share * alpha * half_sq, total)
        return loss

    def get_config(self):
        return {"kind": self.kind, "alpha": self.alpha, "huber_delta": self.huber_delta}


def _across_replicas(total):
    """The batch's weight total and this replica's share of the penalty.

    Under a ``tf.distribute`` strategy each of the R replicas sees part of the
    batch and Keras sums their gradients. Dividing each replica's ``sum(w * l)``
    by the weight total of the whole batch (summed across replicas), and giving
    each replica 1/R of the penalty, makes that sum the gradient of the
    single-device loss. Outside a strategy: ``(total, 1.0)``.
    """
    context = tf.distribute.get_replica_context()
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    if context is None or replicas == 1:
        return total, 1.0
    return context.all_reduce(tf.distribute.ReduceOp.SUM, total), 1.0 / replicas


# -- metrics (the validation score of early stopping) -------------------------


def _accuracy_fn(kind):
    def accuracy(y, p):
        if kind == "multiclass":
            hit = ops.equal(ops.reshape(ops.cast(y, "int64"), (-1,)), ops.argmax(p, -1))
        else:  # binary and multilabel: every label right (subset accuracy)
            hit = ops.all(ops.equal(y > 0.5, p > 0.5), axis=-1)
        return ops.cast(hit, "float32")

    return accuracy


def score_metric(kind):
    """The Keras metric matching ``score``: accuracy, or R² for regression."""
    if kind == "regression":
        return keras.metrics.R2Score(name="r2")
    return _accuracy_fn(kind)


# -- model and optimizer ------------------------------------------------------


def dense_model(n_features, hidden_layer_sizes, activation, n_outputs, out_activation):
    """The MLP as a ``keras.Sequential`` of Dense layers, uncompiled.

    The kernels start at zero: the estimator sets scikit-learn's initial weights
    (or the fitted ones) right after. Keras's default unseeded initializer would
    draw its seed from Python's global ``random`` module, a side effect of fit.
    """
    act = keras_activation(activation)
    dense = dict(kernel_initializer="zeros", bias_initializer="zeros")
    layers = [keras.Input(shape=(n_features,), name="features")]
    for i, units in enumerate(hidden_layer_sizes):
        layers.append(
            keras.layers.Dense(units, activation=act, name=f"hidden_{i + 1}", **dense)
        )
    layers.append(
        keras.layers.Dense(n_outputs, activation=out_activation, name="output", **dense)
    )
    return keras.Sequential(layers, name="mlp")


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


@keras.saving.register_keras_serializable(package="skmlp")
class InvScaling(keras.optimizers.schedules.LearningRateSchedule):
    """scikit-learn's "invscaling": ``lr_init / (t + 1) ** power_t``, with t
    the number of samples seen."""

    def __init__(self, initial, power_t, batch_size):
        self.initial, self.power_t, self.batch_size = initial, power_t, batch_size

    def __call__(self, step):
        t = ops.cast(step, "float32") * self.batch_size
        return self.initial / ops.power(t + 1.0, self.power_t)

    def get_config(self):
        return {
            "initial": self.initial,
            "power_t": self.power_t,
            "batch_size": self.batch_size,
        }


def make_optimizer(p, batch_size):
    """A Keras optimizer from the estimator's parameters ``p`` (a dict)."""
    # Keras insists on floats where scikit-learn also accepts ints (momentum=0).
    lr = float(p["learning_rate_init"])
    if p["solver"] == "sgd":
        if p["learning_rate"] == "invscaling":
            lr = InvScaling(lr, float(p["power_t"]), batch_size)
        return keras.optimizers.SGD(
            learning_rate=lr,
            momentum=float(p["momentum"]),
            nesterov=p["nesterovs_momentum"],
        )
    if p["solver"] == "adam":
        return keras.optimizers.Adam(
            learning_rate=lr,
            beta_1=float(p["beta_1"]),
            beta_2=float(p["beta_2"]),
            epsilon=float(p["epsilon"]),
        )
    return keras.optimizers.get(
        {"class_name": p["solver"], "config": {"learning_rate": lr}}
    )


def compile_model(model, p, kind, loss_kind, batch_size):
    """Compile with scikit-learn's loss and penalty and the score metric."""
    loss = SklearnLoss(
        loss_kind, alpha=p["alpha"], huber_delta=p.get("huber_delta", 1.0)
    )
    loss.kernels = [layer.kernel for layer in model.layers if hasattr(layer, "kernel")]
    if p["alpha"]:
        loss.alpha_variable = keras.Variable(
            float(p["alpha"]), dtype="float32", trainable=False, name="alpha"
        )
    model._skmlp_loss = loss
    model.compile(
        optimizer=make_optimizer(p, batch_size),
        loss=loss,
        metrics=[score_metric(kind)],
        # Keras's multi-step loop fails under a tf.distribute strategy.
        steps_per_execution=1 if tf.distribute.has_strategy() else STEPS_PER_EXECUTION,
        jit_compile=False,
    )
    # Build the optimizer's slot variables now, eagerly. Built lazily inside
    # the traced train step, each slot's initializer becomes a pair of
    # tf.cond branch functions registered in the eager context and never
    # removed: every fit leaked them (and traced twice as long).
    model.optimizer.build(model.trainable_variables)
    # The fresh optimizer state, to reset to when the model is reused.
    model._skmlp_fresh_optimizer = [
        np.array(v.numpy(), copy=True) for v in model.optimizer.variables
    ]
    return model


# -- reusing compiled models --------------------------------------------------
#
# Keras keeps part of every traced train step alive for the life of the process
# (keras-team/tf-keras#286, keras-team/keras#20245): a process fitting one new
# model after another grows by megabytes a fit, and spends most of each small
# fit tracing. A compiled model its estimator no longer holds (the estimator was
# refit or garbage-collected) is therefore kept as a spare, and the next fresh
# fit with the same architecture and compile configuration takes it, resetting
# its weights and optimizer, instead of building and tracing another. A model
# handed out through ``model_`` is never reused.

_SPARES = {}  # configuration key -> list of spare models, oldest key first
_SPARES_LOCK = threading.Lock()
_MAX_SPARES = 16
_OWNERS = {}  # id(model) -> weakref.finalize of the estimator holding it
#: Models whose estimator was garbage-collected, not yet made spares: the
#: finalizer may run inside the garbage collector, in any thread, even while
#: that thread holds _SPARES_LOCK, so it only appends here (atomic).
_ORPHANS = []


def global_config():
    """The global settings a compiled model depends on (part of its key)."""
    return (
        keras.config.dtype_policy().name,
        keras.config.floatx(),
        tf.distribute.has_strategy(),
    )


def take_spare(key, p):
    """A spare compiled model for configuration ``key``, its optimizer reset to
    its fresh state and retuned to the parameters ``p`` (the caller sets the
    weights), or None."""
    while _ORPHANS:
        try:
            orphan = _ORPHANS.pop()
        except IndexError:  # another thread took the last one
            break
        with _SPARES_LOCK:
            _OWNERS.pop(id(orphan), None)
        give_spare(orphan)
    with _SPARES_LOCK:
        models = _SPARES.get(key)
        model = models.pop() if models else None
        if models == []:
            del _SPARES[key]
    if model is not None:
        for variable, value in zip(
            model.optimizer.variables, model._skmlp_fresh_optimizer, strict=True
        ):
            variable.assign(value)
        retune(model, p)
    return model


def retune(model, p):
    """Set the hyperparameters the traced train step reads from variables:
    ``alpha`` and a constant initial learning rate. A search over them (the
    usual one) traces one train step per architecture, not per candidate."""
    loss = model._skmlp_loss
    if loss.alpha_variable is not None:
        loss.alpha = p["alpha"]
        loss.alpha_variable.assign(float(p["alpha"]))
    learning_rate = model.optimizer._learning_rate
    if isinstance(learning_rate, keras.Variable):
        learning_rate.assign(float(p["learning_rate_init"]))


def tunable_key(p):
    """The part of a compiled model's key that :func:`retune` cannot change."""
    # InvScaling keeps its initial rate as a constant of the traced schedule.
    schedule = p["solver"] == "sgd" and p["learning_rate"] == "invscaling"
    return bool(p["alpha"]), p["learning_rate_init"] if schedule else None


def give_spare(model):
    """Keep ``model`` for reuse, unless it was exposed or has no key."""
    key = getattr(model, "_skmlp_key", None)
    if key is None or getattr(model, "_skmlp_exposed", False):
        return
    with _SPARES_LOCK:
        if any(m is model for models in _SPARES.values() for m in models):
            return
        _SPARES.setdefault(key, []).append(model)
        while sum(len(m) for m in _SPARES.values()) > _MAX_SPARES:
            oldest = next(iter(_SPARES))
            _SPARES[oldest].pop(0)
            if not _SPARES[oldest]:
                del _SPARES[oldest]


def adopt(model, key, owner):
    """Record that ``owner`` (an estimator) holds ``model``: the model becomes a
    spare when the owner is garbage-collected or :func:`release` is called."""
    import weakref

    model._skmlp_key = key
    finalizer = weakref.finalize(owner, _owner_gone, model)
    finalizer.atexit = False
    with _SPARES_LOCK:
        previous = _OWNERS.pop(id(model), None)
        _OWNERS[id(model)] = finalizer
    if previous is not None:
        previous.detach()


def _owner_gone(model):
    _ORPHANS.append(model)


def release(model):
    """The owner no longer holds ``model`` (it was refit): make it a spare."""
    with _SPARES_LOCK:
        finalizer = _OWNERS.pop(id(model), None)
    if finalizer is not None:
        finalizer.detach()
        give_spare(model)


def expose(model):
    """``model`` was handed to the user: never reuse it."""
    model._skmlp_exposed = True
    with _SPARES_LOCK:
        finalizer = _OWNERS.pop(id(model), None)
    if finalizer is not None:
        finalizer.detach()


# -- distribution -------------------------------------------------------------

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
                with _quiet_stderr():
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


def strategy_scope(distribution):
    """The scope to build and compile the model in (a no-op for None)."""
    strategy = make_strategy(distribution)
    return contextlib.nullcontext() if strategy is None else strategy.scope()


# -- training -----------------------------------------------------------------


class SklearnStopping(keras.callbacks.Callback):
    """scikit-learn's stopping rules, plus divergence detection.

    Without early stopping it stops when the training loss has not improved by
    ``tol`` for more than ``n_iter_no_change`` epochs; with it, the validation
    score, restoring the best weights at the end. The "adaptive" SGD schedule
    divides the learning rate by 5 instead of stopping, until it falls below
    1e-6.
    """

    def __init__(self, p, early_stopping, score_key, incremental, state):
        super().__init__()
        self.p, self.early_stopping, self.score_key = p, early_stopping, score_key
        self.incremental, self.state = incremental, state
        self.diverged, self.stopped, self.best_weights = False, False, None

    def on_epoch_end(self, epoch, logs=None):
        loss = float(logs["loss"])
        s, tol = self.state, self.p["tol"]
        # The last step of an epoch can overflow the weights while the loss
        # of the epoch (computed before each step) is still finite.
        if not math.isfinite(loss) or not _all_finite(self.model.trainable_variables):
            self.diverged = True
            self.model.stop_training = True
            return
        s["loss_curve"].append(loss)
        if self.early_stopping:
            score = float(logs[self.score_key])
            s["validation_scores"].append(score)
            worse = score < s["best_validation_score"] + tol
            if score > s["best_validation_score"]:
                s["best_validation_score"] = score
                self.best_weights = self.model.get_weights()
        else:
            worse = loss > s["best_loss"] - tol
            s["best_loss"] = min(s["best_loss"], loss)
        s["no_improvement"] = s["no_improvement"] + 1 if worse else 0
        if self.incremental or s["no_improvement"] <= self.p["n_iter_no_change"]:
            return
        optimizer = self.model.optimizer
        adaptive = self.p["solver"] == "sgd" and self.p["learning_rate"] == "adaptive"
        lr = float(optimizer.learning_rate.numpy())
        if adaptive and lr > 1e-6:
            optimizer.learning_rate.assign(lr / 5.0)
            s["no_improvement"] = 0
        else:
            self.stopped = True
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.early_stopping and self.best_weights is not None and not self.diverged:
            self.model.set_weights(self.best_weights)


def _fit_under_strategy(model):
    """Prepare ``model``, built in a ``tf.distribute`` strategy, for Keras's fit.

    Under a strategy, Keras's ``fit`` first reads a batch to build the model;
    ``train`` has built it already, and that read would start one more pass
    over the dataset, advancing its per-epoch shuffle: the batches would no
    longer be those of a single-device fit. That build is skipped.

    Across workers, Keras 3 reduces a step's outputs with
    ``strategy.reduce("MEAN", value, axis=0)``, which fails on the scalar loss
    and metrics, as does its build (keras-team/keras#20585): the steps then
    return each scalar as a one-element vector, which that reduction turns
    back into the scalar. Changes only this model, once.
    """
    if getattr(model, "_skmlp_under_strategy", False):
        return
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None
    in_mode = getattr(model.distribute_strategy.extended, "_in_multi_worker_mode", None)
    if in_mode is not None and in_mode():

        def vectors(step):
            def step_returning_vectors(data):
                return keras.tree.map_structure(
                    lambda v: ops.reshape(v, (1,)) if len(v.shape) == 0 else v,
                    step(data),
                )

            return step_returning_vectors

        model.train_step = vectors(model.train_step)
        model.test_step = vectors(model.test_step)
    model._skmlp_under_strategy = True


def _all_finite(variables):
    # A float64 sum of float32 values cannot overflow: it is finite exactly
    # when every value is. A third of the time of one isfinite op per variable.
    return all(math.isfinite(np.sum(v.numpy(), dtype=np.float64)) for v in variables)


#: Up to this many rows, a shuffle buffer orders each epoch (about 200 bytes a
#: row, and 8 us a row an epoch); beyond, a permutation computed batch by batch.
SHUFFLE_BUFFER_MAX_ROWS = 2048


def _index_batches(n, batch_size, shuffle, seed):
    """The row indices of each batch, in a new seeded order every epoch.

    The order is reproducible from ``seed`` alone (op-level seeds, not
    TensorFlow's global seed). Up to ``SHUFFLE_BUFFER_MAX_ROWS`` rows, a
    shuffle buffer makes it, which is the cheapest per epoch; beyond, an
    epoch's order is a permutation of ``range(n)`` computed batch by batch
    (``index_shuffle``) from ``seed`` and a number drawn anew each epoch, in
    constant memory, as data streamed from disk needs.
    """
    rows = tf.data.Dataset.range(n)
    if not shuffle:
        return rows.batch(batch_size)
    if n <= SHUFFLE_BUFFER_MAX_ROWS:
        rows = rows.shuffle(n, seed=seed, reshuffle_each_iteration=True)
        return rows.batch(batch_size)
    n_batches = -(-n // batch_size)
    epoch = (
        tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
        .take(1)
        .map(lambda e: tf.fill([n_batches], e))
        .unbatch()
    )
    key, max_index = tf.constant(seed, tf.int64), tf.constant(n - 1, tf.int64)
    return tf.data.Dataset.zip(rows.batch(batch_size), epoch).map(
        lambda i, e: tf.random.experimental.index_shuffle(
            i, tf.stack([key, e]), max_index
        )
    )


def _dataset(X, Y, sw, batch_size, shuffle, seed):
    """Batches of ``(X, Y, sw)`` rows in a seeded order (see _index_batches).

    X is an array, gathered from an in-memory tensor, or a
    ``_source.FileRows``, whose rows are read from its file batch by batch.
    An array of up to ``SHUFFLE_BUFFER_MAX_ROWS`` rows is shuffled row by row
    instead, in the same order (a shuffle's order depends on its seed and
    length, not on what it shuffles): a pipeline without a ``map`` function,
    whose iterator, made once an epoch, costs about 0.7 ms instead of 5-10 ms,
    a fifth of the time of a small fit.
    """
    n = X.shape[0]
    if isinstance(X, np.ndarray) and n <= SHUFFLE_BUFFER_MAX_ROWS:
        rows = tf.data.Dataset.from_tensor_slices((X, Y, sw))
        if shuffle:
            rows = rows.shuffle(n, seed=seed, reshuffle_each_iteration=True)
        return _untuned(rows.batch(batch_size).prefetch(tf.data.AUTOTUNE))
    Yt, Wt = tf.convert_to_tensor(Y), tf.constant(sw)
    if isinstance(X, np.ndarray):
        Xt = tf.convert_to_tensor(X)

        def rows(i):
            return tf.gather(Xt, i)

    else:

        def rows(i):
            x = tf.numpy_function(X.read, [i], tf.float32)
            return tf.ensure_shape(x, (None, X.shape[1]))

    batches = _index_batches(X.shape[0], batch_size, shuffle, seed).map(
        lambda i: (rows(i), tf.gather(Yt, i), tf.gather(Wt, i)),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    return _untuned(batches.prefetch(tf.data.AUTOTUNE))


def _untuned(dataset):
    """``dataset`` without tf.data's autotuning, whose background thread
    re-optimises the pipeline while it runs.

    On two cores, two single-threaded fits side by side (``n_jobs=2``) ran
    1.6x slower each than alone with it, and as fast as alone without it; a
    lone small fit was about 10% faster. Parallel maps and prefetching keep
    tf.data's defaults for their sizes (the cores, a growing buffer).
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


def train(model, X, Y, sw, *, p, epochs, batch_size, seed, validation, monitor):
    """Run Keras's fit for ``epochs`` epochs; return Keras's history dict.

    ``monitor`` is a :class:`SklearnStopping`. ``validation`` is None or a tuple
    ``(X_val, Y_val, sw_val)``.
    """
    for i, cb in enumerate(p["callbacks"] or []):
        if not isinstance(cb, keras.callbacks.Callback):
            raise TypeError(
                "callbacks must be a list of keras.callbacks.Callback instances; "
                f"callbacks[{i}] is a {type(cb).__name__}."
            )
    # Create the metric and loss state eagerly, as Keras does under a
    # distribution strategy: created while the train step is traced, each
    # variable leaves tf.cond branch functions in the eager context for good
    # (a few MB of memory per fit, and slower tracing).
    symbolic_build = getattr(model, "_symbolic_build", None)
    if symbolic_build is not None:
        with model.distribute_strategy.scope():
            symbolic_build(data_batch=(X[:1], Y[:1], sw[:1].astype("float32")))
    data = _dataset(X, Y, sw.astype("float32"), batch_size, p["shuffle"], seed)
    if model.distribute_strategy is not tf.distribute.get_strategy():
        _fit_under_strategy(model)
    callbacks = [monitor, *(p["callbacks"] or [])]
    history = model.fit(
        data,
        # Known, Keras creates the next epoch's iterator once at the end of an
        # epoch; unknown, it also creates one at the start (10-15 ms each,
        # most of an epoch of a small fit).
        steps_per_epoch=-(-X.shape[0] // batch_size),
        epochs=epochs,
        verbose=p["verbose"],
        shuffle=False,  # the dataset is already shuffled, with a seed
        callbacks=callbacks,
        validation_data=validation,
        validation_batch_size=max(batch_size, 1024),
    )
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}


def predict(model, X):
    """Keras's batched predict, for inputs too large for the NumPy path."""
    with _PREDICT_LOCK:
        return model.predict(X, batch_size=4096, verbose=0)


def get_weights(model):
    return [np.asarray(w) for w in model.get_weights()]


def training_state(model):
    """A copy of everything training changes in a compiled ``model``: its
    weights and its optimizer's variables (step count, learning rate, moments).

    An optimizer not built yet is built first, as ``fit`` would build it: its
    fresh variables are the state to return to.
    """
    optimizer = model.optimizer
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    values = [np.array(v.numpy(), copy=True) for v in optimizer.variables]
    return model.get_weights(), values


def restore_training_state(model, state):
    """Undo training since ``state = training_state(model)``."""
    weights, optimizer_values = state
    model.set_weights(weights)
    for variable, value in zip(
        model.optimizer.variables, optimizer_values, strict=True
    ):
        variable.assign(value)
