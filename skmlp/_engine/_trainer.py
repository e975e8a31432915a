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

The graphs of the epochs are in ``_epochs``; a step differentiates the
built-in stack by scikit-learn's backpropagation (``_backprop``), any other
model by a GradientTape.
"""

import dataclasses
import functools
import threading

import numpy as np

from .. import _keras_private
from .._keras_support import Forward
from .._tf import keras, tf
from . import _epochs, _losses
from ._backprop import Backprop
from ._compiled import bind_variant, quiet_first_call
from ._optimizers import fused_update, learning_rate, make_optimizer, read_variable


class Trainer:
    """A compiled model with its optimizer, penalty and compiled functions.

    ``multi_epoch``: whether :meth:`run_epochs` (many epochs per call) serves
    it; a distributed trainer runs batch by batch on its replicas.

    Reused by later fits of the same architecture and configuration (see
    ``_pool``): :meth:`reset` returns the optimizer to its fresh state and
    sets the variables the functions read (alpha, the learning rate).
    """

    def __init__(self, model, config, n_features, *, key=None, builtin=False):
        self.model, self.config = model, config
        #: The pool's key (None: never reused), and whether the model is the
        #: built-in Dense stack (whose gradient ``backprop`` computes, unless
        #: a tape must: see ``_backprop``; replicas use a tape).
        self.key, self.builtin = key, builtin
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
        self._fresh = self.read(self.optimizer.variables)
        self.n_outputs = (
            int(model.outputs[0].shape[-1]) if _has_outputs(model) else None
        )
        x = tf.TensorSpec([None, n_features], self.dtype)
        self._x_spec = x
        self.n_features = n_features
        self._compiled = {}  # the training functions
        self.exposed = False  # handed to the user as model_: never reused
        self.backprop = self._backprop() if builtin else None
        #: The built-in stack's optimizer step by TensorFlow's fused kernels
        #: (None: Keras's ``apply_gradients``; see ``_optimizers``).
        self.fused_update = (
            fused_update(self.optimizer, model.trainable_variables)
            if self.backprop is not None
            else None
        )
        self.multi_epoch = True
        #: Held by whoever uses the trainer of a fitted estimator outside a
        #: fit (predict, pickling, model_): the pool does not reclaim it then.
        self.lock = threading.RLock()

    def _backprop(self):
        return Backprop.of(self.dense_layers(), self.model, self.config)

    # -- state -----------------------------------------------------------------

    def reset(self, config):
        """Fresh optimizer state, and ``config``'s alpha and learning rate.
        (An L-BFGS trainer's optimizer is as built: L-BFGS never steps it,
        its pool key names the solver, and a trainer handed out as
        ``model_``, which the user may train, is never reused.)"""
        if config.stochastic:
            self.assign(self.optimizer.variables, self._fresh)
        self.continue_with(config)
        self.optimizer.learning_rate.assign(config.learning_rate_init)

    def continue_with(self, config):
        """Train with ``config`` from now on, keeping the optimizer's state
        (partial_fit). The compiled functions read the configuration when
        traced: they are traced again if what they read changed."""
        config = dataclasses.replace(config, dtype=self.config.dtype)
        if (config.compiled_key, bool(config.alpha)) != (
            self.config.compiled_key,
            bool(self.config.alpha),
        ):
            self._compiled.clear()
        self.config = config
        self.alpha.assign(config.alpha)

    def dense_layers(self):
        """The model's Dense layers, in order (``coefs_``, ``intercepts_``)."""
        layers = _keras_private.flatten_layers(self.model)
        return [
            layer
            for layer in layers
            if isinstance(layer, keras.layers.Dense) and layer.bias is not None
        ]

    #: The ``metrics`` the model is compiled with (see :meth:`compile_metrics`).
    user_metrics = None

    def compile_metrics(self, metrics):
        """Compile the model with the built-in metric and ``metrics`` (the
        resolved ``metrics`` parameter; None for none) for ``model_`` and the
        epochs' logs, unless it already is (the pool hands trainers on)."""
        if self.user_metrics is metrics:
            return
        from ._metrics import compile_model

        compile_model(self, metrics)
        self.user_metrics = metrics

    @functools.cached_property
    def numpy_activations(self):
        """The activation names of the built-in Dense stack when NumPy can run
        it (the fast prediction path), else None: that path serves no other
        model. Found once per trainer (its fits share the architecture)."""
        from .._forward import ACTIVATIONS

        if not self.builtin:
            return None
        names = [layer.activation.__name__ for layer in self.dense_layers()]
        return names if all(name in ACTIVATIONS for name in names) else None

    def training_state(self):
        """A copy of the weights and optimizer variables (to undo a fit)."""
        return self.get_weights(), self.read(self.optimizer.variables)

    def restore(self, state):
        weights, optimizer_values = state
        self.set_weights(weights)
        self.assign(self.optimizer.variables, optimizer_values)

    def get_weights(self):
        """Copies of the model's weights (``model.weights``, in order)."""
        return self.read(self.model.weights)

    def set_weights(self, weights):
        self.assign(self.model.weights, weights)

    # Keras's Variable.assign and .numpy() cost 0.2-0.5 ms a variable; one
    # compiled call reading or writing them all costs about 50 ms to trace,
    # which a reused trainer paid on its second use (the second fit of a
    # grid search's configuration). TensorFlow's own read and assign ops,
    # called eagerly, cost 50-70 us a variable, never trace, and read or
    # write the iris default's 14 variables in about 1 ms.

    def read(self, variables):
        """Copies of the values of ``variables`` (the model's, the
        optimizer's, ``lbfgs_parameters()``), as NumPy arrays."""
        return [
            np.array(tf.raw_ops.ReadVariableOp(resource=v.value.handle, dtype=v.dtype))
            for v in variables
        ]

    def assign(self, variables, values):
        """Set ``variables`` to ``values`` (arrays, in the same order)."""
        if len(values) != len(variables):
            raise ValueError(f"{len(values)} values for {len(variables)} variables.")
        for variable, value in zip(variables, values, strict=True):
            value = np.asarray(value, dtype=variable.dtype)
            tf.raw_ops.AssignVariableOp(resource=variable.value.handle, value=value)

    # -- compiled functions ----------------------------------------------------

    def _function(self, name, n_outputs, *variant):
        """The compiled ``name`` function for ``n_outputs`` targets;
        ``variant`` holds what its graph is specialised on (see
        :meth:`_variant`)."""
        key = (name, n_outputs, *variant)
        if key not in self._compiled:
            y = tf.TensorSpec([None, n_outputs], self.dtype)
            w = tf.TensorSpec([None], self.dtype)
            reals = tf.TensorSpec([7], tf.float64)
            signatures = {
                "epochs": (self._x_spec, y, w, tf.TensorSpec([5], tf.int64), reals),
                "epoch": (self._x_spec, y, w, tf.TensorSpec([4], tf.int64)),
                "step": (self._x_spec, y, w),
                "evaluate": (self._x_spec, y, w),
            }
            body = {
                "epochs": functools.partial(_epochs.many_epochs, self),
                "epoch": functools.partial(_epochs.one_epoch, self),
                "step": lambda x, y, w, variant: self._step(x, y, w, *variant),
                "evaluate": self._evaluate,
            }[name]
            if variant:
                body = bind_variant(body, variant)
            self._compiled[key] = quiet_first_call(
                tf.function(body, input_signature=signatures[name], autograph=False)
            )
        return self._compiled[key]

    def _step(self, x, y, w, blocks=None):
        """One step of the optimizer on the batch ``x, y, w``; ``blocks``:
        the built-in stack's blocks of rows (``Backprop.blocks``)."""
        model = self.model
        if self.backprop is not None:  # the built-in stack: scikit-learn's
            params = self.backprop.params
            # One read of each variable, taken before the optimizer writes
            # it: a variable converted at each use was read at times the
            # graph did not order against the optimizer's updates (fits
            # differed from run to run).
            values = [read_variable(v) for v in params]
            loss, p, grads = self.backprop.loss_and_grads(
                self.config, values, x, y, w, self.alpha, blocks
            )
            if self.fused_update is not None:
                self.fused_update(grads, params)
            else:
                self.optimizer.apply_gradients(zip(grads, params))
            return loss, _losses.batch_metric_stats(self.config.kind, y, p, w)
        with tf.GradientTape() as tape:
            p = model(x, training=True)
            loss = _losses.batch_loss(self.config, self.kernels, self.alpha, y, p, w)
            if model.losses:
                loss = loss + tf.cast(tf.add_n(model.losses), loss.dtype)
        variables = model.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return loss, _losses.batch_metric_stats(self.config.kind, y, p, w)

    def _variant(self, data):
        """What the epoch graphs are specialised on: whether they shuffle
        (one batch is not: its order changes no sum), whether an epoch is one
        batch, and the blocks of rows."""
        one_batch = data.n <= self.config.batch_size
        rows = min(data.n, self.config.batch_size)  # a batch's
        shuffle = bool(self.config.shuffle) and not one_batch
        return shuffle, one_batch, self._blocks(rows)

    def _blocks(self, rows):
        """The built-in stack's blocks of rows at ``rows`` rows a batch."""
        return self.backprop.blocks(rows) if self.backprop is not None else None

    def run_epochs(self, data, first_epoch, n_epochs, state, samples_seen):
        """Up to ``n_epochs`` epochs in one compiled call (see
        :func:`~skmlp._engine._epochs.many_epochs`); returns the per-epoch
        losses, training metrics and learning rates (before each epoch)."""
        config = self.config
        ints = np.array(
            [config.batch_size, data.seed, first_epoch, n_epochs, data.n],
            dtype=np.int64,
        )
        reals = np.array(
            [
                state.best_loss,
                state.no_improvement,
                samples_seen,
                config.tol,
                config.n_iter_no_change,
                config.learning_rate_init,
                config.power_t,
            ],
            dtype=np.float64,
        )
        function = self._function("epochs", data.n_outputs, *self._variant(data))
        ran, losses, stats, *rates = function(data.X, data.Y, data.W, ints, reals)
        ran = int(ran)
        losses = losses.numpy()[:ran].tolist()
        metrics = _losses.metrics_from_stats(config.kind, stats.numpy()[:ran])
        if rates:
            rates = rates[0].numpy()[:ran].tolist()
        else:  # the rate cannot change during the call
            rates = [learning_rate(self.optimizer)] * ran
        return losses, metrics, rates

    def lbfgs_parameters(self):
        """The variables solver="lbfgs" optimises, in the order of its
        parameter vector."""
        if self.backprop is not None:
            return self.backprop.params
        return self.model.trainable_variables

    def compiled(self, key, make):
        """The compiled function cached under ``key``, made by ``make()``
        (a ``tf.function`` with an input signature) on first use."""
        if key not in self._compiled:
            self._compiled[key] = quiet_first_call(make())
        return self._compiled[key]

    def _evaluate(self, X, Y, W):
        p = self.model(X, training=False)
        loss = _losses.batch_loss(self.config, self.kernels, self.alpha, Y, p, W)
        return loss, p

    def _finite(self):
        checks = [
            tf.reduce_all(tf.math.is_finite(v.value))
            for v in self.model.trainable_variables
        ]
        return tf.reduce_all(tf.stack(checks))

    def predict(self, X):
        """The network's output for the rows ``X`` (compiled calls on chunks
        of rows: :class:`~skmlp._keras_support.Forward`)."""
        if "predict" not in self._compiled:
            self._compiled["predict"] = Forward(
                self.model, self._x_spec, caller=quiet_first_call
            )
        return self._compiled["predict"](X)

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
        variant = shuffle, _, blocks = self._variant(data)
        if self.multi_epoch and data.in_graph and not callbacks.batch_hooks:
            function = self._function("epoch", data.n_outputs, *variant)
            ints = np.array([config.batch_size, *seed, data.n], dtype=np.int64)
            loss, stats, finite = function(data.X, data.Y, data.W, ints)
            metric = _losses.metric_from_stats(config.kind, stats.numpy())
            return float(loss), metric, bool(finite)
        step = self._batch_step(data.n_outputs, blocks)
        # Summed in the network's dtype, as the compiled epoch sums: both
        # paths report the same loss, bit for bit.
        real = self.dtype.as_numpy_dtype
        total, seen, stats = real(0), 0, real(0)
        batches = data.batch_rows(seed, config.batch_size, shuffle)
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

    def _batch_step(self, n_outputs, blocks):
        """The compiled ``step(x, y, w) -> (loss, metric sums)`` of one batch,
        its products in ``blocks`` (as the compiled epochs take them: both
        paths train the same network, bit for bit)."""
        return self._function("step", n_outputs, blocks)


def _has_outputs(model):
    try:
        return bool(model.outputs)
    except (AttributeError, ValueError):
        return False
