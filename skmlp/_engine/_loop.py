"""skmlp's compiled training loop: a :class:`Trainer` per compiled model.

An epoch over data in memory is one call of a ``tf.function``: the rows are
shuffled in the graph (``stateless_shuffle`` from a seed the estimator draws
from its ``RandomState``: no global seed), each batch is gathered, the
gradient of scikit-learn's loss taken and the optimizer applied, and the
epoch's loss, training-metric sums and a finiteness flag come back. Keras's
``fit`` spends milliseconds per epoch before any arithmetic; this spends one
function call.

When a callback has a batch hook (or X is streamed from a file), the same
step runs batch by batch from Python instead, and every hook fires with
Keras's semantics. Epoch hooks fire every epoch either way;
``model.stop_training`` and learning-rate changes made by a callback take
effect at the next step.
"""

import dataclasses

import numpy as np

from .._tf import keras, quiet_stderr, tf
from . import _losses
from ._model import get_weights, set_weights
from ._optimizers import make_optimizer


class Trainer:
    """A compiled model with its optimizer, penalty and compiled functions.

    ``multi_epoch``: whether :meth:`run_epochs` (many epochs per call) serves
    it; a distributed trainer runs batch by batch on its replicas.

    Reused by later fits of the same architecture and configuration (see
    ``_pool``): :meth:`reset` returns the optimizer to its fresh state and
    sets the variables the functions read (alpha, the learning rate).
    """

    def __init__(self, model, config, n_features):
        self.model, self.config = model, config
        self.dtype = tf.as_dtype(config.dtype)
        self.kernels = _losses.penalised_kernels(model)
        self.alpha = tf.Variable(config.alpha, dtype=self.dtype, trainable=False)
        self.optimizer = make_optimizer(config)
        loss, weight = _losses.keras_loss(config)
        model.compile(
            optimizer=self.optimizer,
            loss=loss,
            loss_weights=weight,
            metrics=[_losses.keras_metric(config.kind)],
            jit_compile=False,
        )
        # Built eagerly: slot variables created inside a traced function
        # leave tf.cond branch functions in the eager context for good.
        self.optimizer.build(model.trainable_variables)
        self._fresh = [np.array(v.numpy(), copy=True) for v in self.optimizer.variables]
        self.n_outputs = (
            int(model.outputs[0].shape[-1]) if _has_outputs(model) else None
        )
        x = tf.TensorSpec([None, n_features], self.dtype)
        self._x_spec = x
        self._n_features = n_features
        self._compiled = {}
        self.exposed = False  # handed to the user as model_: never reused
        self.key, self.builtin = None, False  # set by _engine.acquire
        self.multi_epoch = True

    # -- state -----------------------------------------------------------------

    def reset(self, config):
        """Fresh optimizer state, and ``config``'s alpha and learning rate."""
        for variable, value in zip(self.optimizer.variables, self._fresh, strict=True):
            variable.assign(value)
        self.retune(config)

    def retune(self, config):
        self.continue_with(config)
        self.optimizer.learning_rate.assign(config.learning_rate_init)

    def continue_with(self, config):
        """Train with ``config`` from now on, keeping the optimizer's state
        (partial_fit). The compiled functions read the configuration when
        traced: they are traced again if what they read changed."""
        config = dataclasses.replace(config, dtype=self.config.dtype)
        if (config.compiled_key(), bool(config.alpha)) != (
            self.config.compiled_key(),
            bool(self.config.alpha),
        ):
            self._compiled.clear()
        self.config = config
        self.alpha.assign(config.alpha)

    def dense_layers(self):
        """The model's Dense layers, in order (``coefs_``, ``intercepts_``)."""
        layers = self.model._flatten_layers(include_self=False, recursive=True)
        return [
            layer
            for layer in layers
            if isinstance(layer, keras.layers.Dense) and layer.bias is not None
        ]

    def training_state(self):
        """A copy of the weights and optimizer variables (to undo a fit)."""
        return get_weights(self.model), [
            np.array(v.numpy(), copy=True) for v in self.optimizer.variables
        ]

    def restore(self, state):
        weights, optimizer_values = state
        set_weights(self.model, weights)
        for variable, value in zip(
            self.optimizer.variables, optimizer_values, strict=True
        ):
            variable.assign(value)

    # -- compiled functions ----------------------------------------------------

    def _function(self, name, n_outputs):
        key = (name, n_outputs)
        if key not in self._compiled:
            y = tf.TensorSpec([None, n_outputs], self.dtype)
            w = tf.TensorSpec([None], self.dtype)
            scalar = tf.TensorSpec([], tf.int32)
            seed = tf.TensorSpec([2], tf.int64)
            shuffle = tf.TensorSpec([], tf.bool)
            real = tf.TensorSpec([], tf.float64)
            signatures = {
                "epochs": (self._x_spec, y, w, scalar, seed, shuffle, scalar)
                + (real,) * 7,
                "epoch": (self._x_spec, y, w, scalar, seed, shuffle),
                "step": (self._x_spec, y, w),
                "evaluate": (self._x_spec, y, w),
            }
            body = getattr(self, f"_{name}")
            self._compiled[key] = quiet_first_call(
                tf.function(body, input_signature=signatures[name], autograph=False)
            )
        return self._compiled[key]

    def _step(self, x, y, w):
        model = self.model
        with tf.GradientTape() as tape:
            p = model(x, training=True)
            loss = _losses.batch_loss(self.config, self.kernels, self.alpha, y, p, w)
            if model.losses:
                loss = loss + tf.cast(tf.add_n(model.losses), loss.dtype)
        variables = model.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return loss, _losses.batch_metric_stats(self.config.kind, y, p, w)

    # The epoch functions are written with tf.while_loop and tf.cond, and
    # traced without AutoGraph: converting them (and every function they
    # call) took most of a first fit's time.

    def _epoch(self, X, Y, W, batch_size, seed, shuffle):
        n = tf.shape(X)[0]
        order = tf.cond(
            shuffle,
            lambda: tf.random.experimental.stateless_shuffle(tf.range(n), seed),
            lambda: tf.range(n),
        )
        n_batches = (n + batch_size - 1) // batch_size

        def body(b, total, stats):
            start = b * batch_size
            stop = tf.minimum(start + batch_size, n)
            rows = order[start:stop]
            loss, batch_stats = self._step(
                tf.gather(X, rows), tf.gather(Y, rows), tf.gather(W, rows)
            )
            count = tf.cast(stop - start, self.dtype)
            return b + 1, total + loss * count, stats + batch_stats

        start = (
            tf.constant(0),
            tf.zeros([], self.dtype),
            tf.zeros(_stats_shape(self.config.kind, Y.shape[1]), self.dtype),
        )
        _, total, stats = tf.while_loop(lambda b, *_: b < n_batches, body, start)
        return total / tf.cast(n, self.dtype), stats, self._finite()

    def _epochs(
        self,
        X,
        Y,
        W,
        batch_size,
        seed,
        shuffle,
        n_epochs,
        best_loss,
        no_improvement,
        samples_seen,
        tol,
        patience,
        lr_init,
        power_t,
    ):
        """Up to ``n_epochs`` epochs in one call, with scikit-learn's stopping
        rule without early stopping, and its "invscaling" and "adaptive"
        schedules, applied in the graph after each epoch exactly as
        :class:`~skmlp._engine._stopping.StoppingRule` applies them (the
        caller replays the rule over the returned losses to update its
        state). Stops early on the rule, or on a non-finite loss or weight.
        """
        config = self.config  # what is traced: the schedule (compiled_key)
        f64 = tf.float64
        n = tf.cast(tf.shape(X)[0], f64)
        lr = self.optimizer.learning_rate

        def rule(loss, best, count, seen):
            seen = seen + n
            count = tf.where(loss > best - tol, count + 1.0, tf.zeros([], f64))
            best = tf.minimum(best, loss)
            if config.invscaling:
                lr.assign(tf.cast(lr_init / tf.pow(seen + 1.0, power_t), lr.dtype))
            exceeded = count > patience
            if config.adaptive:
                lower = tf.logical_and(exceeded, tf.cast(lr, f64) > 1e-6)
                lr.assign(tf.where(lower, lr / 5.0, lr))
                count = tf.where(lower, tf.zeros([], f64), count)
                exceeded = tf.logical_and(exceeded, tf.logical_not(lower))
            return tf.logical_not(exceeded), best, count, seen

        def body(e, go, best, count, seen, losses, rates, metrics):
            rates = rates.write(e, tf.cast(lr, f64))
            epoch_seed = tf.stack([seed[0], seed[1] + tf.cast(e, tf.int64)])
            loss, stats, finite = self._epoch(X, Y, W, batch_size, epoch_seed, shuffle)
            loss = tf.cast(loss, f64)
            losses, metrics = losses.write(e, loss), metrics.write(e, stats)
            ok = tf.logical_and(finite, tf.math.is_finite(loss))
            go, best, count, seen = tf.cond(
                ok,
                lambda: rule(loss, best, count, seen),
                lambda: (tf.constant(False), best, count, seen),
            )
            return e + 1, go, best, count, seen, losses, rates, metrics

        start = (
            tf.constant(0),
            tf.constant(True),
            best_loss,
            no_improvement,
            samples_seen,
            tf.TensorArray(f64, size=n_epochs),
            tf.TensorArray(f64, size=n_epochs),
            tf.TensorArray(self.dtype, size=n_epochs),
        )
        e, _, _, _, _, losses, rates, metrics = tf.while_loop(
            lambda e, go, *_: tf.logical_and(go, e < n_epochs), body, start
        )
        # Unwritten entries of the arrays (after a stop) read as zeros.
        return (
            losses.stack()[:e],
            metrics.stack()[:e],
            rates.stack()[:e],
            self._finite(),
        )

    def run_epochs(self, data, first_epoch, n_epochs, state, samples_seen):
        """Up to ``n_epochs`` epochs in one compiled call (see :meth:`_epochs`);
        returns the per-epoch losses, training metrics and learning rates
        (before each epoch), and whether the weights are finite."""
        config = self.config
        losses, stats, rates, finite = self._function("epochs", data.n_outputs)(
            data.X,
            data.Y,
            data.W,
            np.int32(config.batch_size),
            np.array([data.seed, first_epoch], dtype=np.int64),
            np.bool_(config.shuffle),
            np.int32(n_epochs),
            np.float64(state.best_loss),
            np.float64(state.no_improvement),
            np.float64(samples_seen),
            np.float64(config.tol),
            np.float64(config.n_iter_no_change),
            np.float64(config.learning_rate_init),
            np.float64(config.power_t),
        )
        metrics = [_losses.metric_from_stats(config.kind, s) for s in stats.numpy()]
        return losses.numpy().tolist(), metrics, rates.numpy().tolist(), bool(finite)

    def compiled_loss_and_grad(self, n_outputs):
        """The compiled ``f(flat, X, Y, W) -> (loss, flat gradient)`` of
        solver="lbfgs": it writes the float64 parameter vector into the
        model's variables first. Traced once per trainer."""
        key = ("lbfgs", n_outputs)
        if key not in self._compiled:
            variables = self.model.trainable_variables
            sizes = [int(np.prod(v.shape)) for v in variables]

            def loss_and_grad(flat, X, Y, W):
                parts = tf.split(flat, sizes)
                for variable, part in zip(variables, parts, strict=True):
                    variable.assign(
                        tf.reshape(tf.cast(part, variable.dtype), variable.shape)
                    )
                with tf.GradientTape() as tape:
                    p = self.model(X, training=True)
                    loss = _losses.batch_loss(
                        self.config, self.kernels, self.alpha, Y, p, W
                    )
                grads = tape.gradient(loss, variables)
                flat_grad = tf.concat(
                    [tf.reshape(tf.cast(g, tf.float64), [-1]) for g in grads], 0
                )
                return tf.cast(loss, tf.float64), flat_grad

            signature = (
                tf.TensorSpec([None], tf.float64),
                self._x_spec,
                tf.TensorSpec([None, n_outputs], self.dtype),
                tf.TensorSpec([None], self.dtype),
            )
            self._compiled[key] = quiet_first_call(
                tf.function(loss_and_grad, input_signature=signature)
            )
        return self._compiled[key]

    def _evaluate(self, X, Y, W):
        p = self.model(X, training=False)
        loss = _losses.batch_loss(self.config, self.kernels, self.alpha, Y, p, W)
        return loss, p

    def _finite(self):
        return tf.reduce_all(
            [
                tf.reduce_all(tf.math.is_finite(v))
                for v in self.model.trainable_variables
            ]
        )

    def predict(self, X):
        """The network's output for the rows ``X`` (a compiled call)."""
        if "predict" not in self._compiled:
            self._compiled["predict"] = quiet_first_call(
                tf.function(
                    lambda x: self.model(x, training=False),
                    input_signature=(self._x_spec,),
                )
            )
        return self._compiled["predict"](tf.convert_to_tensor(X, self.dtype)).numpy()

    def evaluate(self, X, Y, W):
        """``(loss, predictions)`` on a validation set."""
        loss, p = self._function("evaluate", Y.shape[1])(X, Y, W)
        return float(loss), p.numpy()

    def all_finite(self):
        if "finite" not in self._compiled:
            self._compiled["finite"] = quiet_first_call(tf.function(self._finite))
        return bool(self._compiled["finite"]())

    # -- epochs ----------------------------------------------------------------

    def run_epoch(self, data, epoch_seed, callbacks):
        """One epoch over ``data`` (a :class:`Batches`); returns
        ``(loss, metric, finite)``. ``callbacks`` is a :class:`Hooks`."""
        config = self.config
        seed = np.array([data.seed, epoch_seed], dtype=np.int64)
        if self.multi_epoch and data.in_graph and not callbacks.batch_hooks:
            loss, stats, finite = self._function("epoch", data.n_outputs)(
                data.X,
                data.Y,
                data.W,
                np.int32(config.batch_size),
                seed,
                np.bool_(config.shuffle),
            )
            metric = _losses.metric_from_stats(config.kind, stats.numpy())
            return float(loss), metric, bool(finite)
        step = self._batch_step(data.n_outputs)
        # Summed in the network's dtype, as the compiled epoch sums: both
        # paths report the same loss, bit for bit.
        real = self.dtype.as_numpy_dtype
        total, seen, stats = real(0), 0, real(0)
        batches = data.batch_rows(seed, config.batch_size, config.shuffle)
        for b, rows in enumerate(batches):
            callbacks.batch_begin(b)
            x, y, w = data.take(rows)
            loss, batch_stats = step(x, y, w)
            total += loss.numpy() * real(len(rows))
            seen += len(rows)
            stats = stats + batch_stats.numpy()
            callbacks.batch_end(b, {"loss": float(total / real(seen))})
            if self.model.stop_training:
                break
        metric = _losses.metric_from_stats(config.kind, stats)
        return float(total / real(max(seen, 1))), metric, self.all_finite()

    def _batch_step(self, n_outputs):
        """The compiled ``step(x, y, w) -> (loss, metric sums)`` of one batch."""
        return self._function("step", n_outputs)


def quiet_first_call(function):
    """The concrete function of ``function`` (a ``tf.function`` with an input
    signature), traced on the first call with the C++ log held back (where
    TensorFlow optimises the graph, its optimiser logs lines such as "Not
    handling type DT_DOUBLE"). Calling the concrete function skips the
    signature matching of each ``tf.function`` call: about 0.4 ms a call,
    most of an L-BFGS evaluation on small data."""
    state = {}

    def call(*args):
        concrete = state.get("concrete")
        if concrete is None:
            with quiet_stderr():
                concrete = function.get_concrete_function()
                result = concrete(*args)
            state["concrete"] = concrete
            return result
        return concrete(*args)

    return call


def _stats_shape(kind, n_outputs):
    return (4, n_outputs) if kind == "regression" else (2, 1)


def _has_outputs(model):
    try:
        return bool(model.outputs)
    except (AttributeError, ValueError):
        return False


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


def detach_callbacks(callbacks):
    """Drop the run-time state that ties ``callbacks`` to a finished fit (the
    model, CSVLogger's file, TensorBoard's writers), keeping what they
    recorded (EarlyStopping.stopped_epoch, best, wait...): the estimator, whose
    ``callbacks`` parameter holds them, stays picklable and clonable, and a
    clone (each grid-search candidate) gets copies of its own."""
    for cb in callbacks:
        if not isinstance(cb, keras.callbacks.Callback):
            continue  # refused before training, with its own error
        if hasattr(cb, "_model"):
            cb._model = None
        # CSVLogger's file and writer; TensorBoard's writers and the summary
        # module it imports lazily (each is made again when training starts).
        run_time = ("csv_file", "writer", "_writers", "_train_writer", "_val_writer")
        for name in (*run_time, "_summary_module"):
            if name in vars(cb):
                setattr(cb, name, {} if name == "_writers" else None)
    return callbacks


class Hooks:
    """Keras callbacks driven by the loop, with Keras's progress bar for
    ``verbose`` 1 (a bar per epoch) or 2 (a line per epoch)."""

    def __init__(self, callbacks, model, *, verbose, epochs, steps):
        from keras.src import utils

        callbacks = list(callbacks or [])
        for i, cb in enumerate(callbacks):
            if not isinstance(cb, keras.callbacks.Callback):
                raise TypeError(
                    "callbacks must be a list of keras.callbacks.Callback "
                    f"instances; callbacks[{i}] is a {type(cb).__name__}."
                )
        progbar = verbose in (1, 2) and not isinstance(verbose, bool)
        self.list = keras.callbacks.CallbackList(
            callbacks,
            add_progbar=progbar,
            model=model,
            verbose=verbose if progbar else 0,
            epochs=epochs,
            steps=steps,
        )
        batch_methods = (
            "on_batch_begin",
            "on_batch_end",
            "on_train_batch_begin",
            "on_train_batch_end",
        )
        self.batch_hooks = (progbar and verbose == 1) or any(
            not utils.is_default(getattr(cb, m))
            for cb in callbacks
            for m in batch_methods
        )

    def batch_begin(self, b):
        if self.batch_hooks:
            self.list.on_train_batch_begin(b)

    def batch_end(self, b, logs):
        if self.batch_hooks:
            self.list.on_train_batch_end(b, logs)
