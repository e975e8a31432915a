"""The fitted network of an MLP estimator, with one source of truth: the
trainer's Keras model.

``coefs_`` and ``intercepts_`` are properties over the live weights (setting
them writes into the model); ``model_`` hands the model out, after which the
weights are read from it, so whatever was done through it (``set_weights``,
``load_weights``, ``fit``) is what ``predict``, ``coefs_`` and pickles see.
An unpickled estimator (or a copy) rebuilds its trainer from the weights on
first need, with the parameters of the fit that built the network
(``_fitted_params``): ``set_params`` after fit changes only the next fit.
"""

import threading

import numpy as np
from sklearn.exceptions import NotFittedError

#: Serializes rebuilding the Keras model of an unpickled estimator.
_BUILD_LOCK = threading.RLock()


#: Parameters that say how to train, not what network to build: a rebuilt
#: network does not need their fitted values (nor a pickle a second copy).
_TRAINING_ONLY = ("callbacks", "distribution", "metrics")


class LiveNetwork:
    """Mixin of :class:`~skmlp._mlp_base._BaseMLPKeras`: its weights,
    ``model_`` and the trainer behind them."""

    def _network_params(self):
        """The parameters a network is built from (every one but those that
        only say how to train: a custom ``_build_model`` may read any)."""
        params = self.get_params(deep=False)
        return {k: v for k, v in params.items() if k not in _TRAINING_ONLY}

    def _as_fitted(self):
        """The estimator as the fit that built its network saw it: a shallow
        stand-in with the fitted parameters (self if none were recorded)."""
        fitted = self.__dict__.get("_fitted_params")
        if not fitted:
            return self
        twin = object.__new__(type(self))
        twin.__dict__.update(self.__dict__)
        twin.__dict__.update(fitted)
        return twin

    def _check_same_network(self):
        """partial_fit continues the fitted network: refuse it if
        ``hidden_layer_sizes`` or ``activation`` were changed since."""
        from ._forward import keras_activation

        fitted = self._as_fitted()
        changed = [
            name
            for name, same in (
                ("hidden_layer_sizes", fitted._hidden_sizes() == self._hidden_sizes()),
                (
                    "activation",
                    keras_activation(fitted.activation)
                    == keras_activation(self.activation),
                ),
            )
            if not same
        ]
        if changed:
            was = ", ".join(f"{k}={getattr(fitted, k)!r}" for k in changed)
            now = ", ".join(f"{k}={getattr(self, k)!r}" for k in changed)
            raise ValueError(
                f"partial_fit continues the fitted network, built with {was}, "
                f"but the estimator now has {now}. Set it back with "
                f"set_params({was}), or call fit to train a new network."
            )

    def _current_weights(self):
        """The weights, read from the live model when the user holds it
        (``model_``): whatever was done through it is what predicts."""
        trainer = self.__dict__.get("_trainer")
        if trainer is not None and trainer.exposed:
            self._weights = read_only(trainer.get_weights())
        return self._weights

    def _dense_weights(self):
        if self._builtin_model():
            weights = self._current_weights()
            return weights[0::2], weights[1::2]
        layers = self._live_trainer().dense_layers()
        return (
            read_only(np.asarray(layer.kernel).copy() for layer in layers),
            read_only(np.asarray(layer.bias).copy() for layer in layers),
        )

    @property
    def coefs_(self):
        """``coefs_[i]``: the kernel of Dense layer i, (n_in, n_out)."""
        self._check_weights()
        return self._dense_weights()[0]

    @coefs_.setter
    def coefs_(self, value):
        self._set_dense(value, 0)

    @property
    def intercepts_(self):
        """``intercepts_[i]``: the bias of Dense layer i, (n_out,)."""
        self._check_weights()
        return self._dense_weights()[1]

    @intercepts_.setter
    def intercepts_(self, value):
        self._set_dense(value, 1)

    def _check_weights(self):
        if "_weights" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__} has no coefs_ or intercepts_ before fit."
            )

    def _set_dense(self, arrays, which):
        self._check_weights()
        if not self._builtin_model():
            raise AttributeError(
                "coefs_ and intercepts_ of a custom architecture are read-only; "
                "set its weights through model_.set_weights()."
            )
        weights = list(self._current_weights())
        if len(arrays) != len(weights) // 2:
            raise ValueError(
                f"Expected {len(weights) // 2} arrays, one per layer; got "
                f"{len(arrays)}."
            )
        for i, array in enumerate(arrays):
            array = np.array(array, dtype=weights[2 * i + which].dtype)
            if array.shape != weights[2 * i + which].shape:
                raise ValueError(
                    f"Layer {i} has shape {weights[2 * i + which].shape}, got "
                    f"{array.shape}."
                )
            weights[2 * i + which] = array
        self._weights = read_only(weights)
        trainer = self.__dict__.get("_trainer")
        if trainer is not None:
            trainer.set_weights(weights)

    # -- the live Keras model --------------------------------------------------

    @property
    def model_(self):
        """The compiled Keras model (rebuilt from the weights after unpickling).

        It is the estimator's own network: weights set through it
        (``set_weights``, ``load_weights``, ``fit``) are what ``predict``,
        ``coefs_`` and pickles use from then on.
        """
        if "_weights" not in self.__dict__:
            # NotFittedError is an AttributeError: hasattr(est, "model_") is False.
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet: model_ "
                "exists after fit."
            )
        trainer = self._live_trainer()
        trainer.exposed = True  # the caller holds it: never reuse it elsewhere
        from ._engine import _handout  # the fit's metrics, quiet calls, export

        return _handout.prepare(trainer, self.__dict__.get("_metric_specs"))

    def _new_trainer(self, config, n_features, spec, seed):
        """A trainer from the pool or ``_build_model``; the default builder
        reads the network's dtype from ``_build_dtype`` meanwhile (the
        overridable signature has no dtype)."""
        from . import _engine

        self._build_dtype = config.dtype
        try:
            return _engine.acquire(
                self,
                config,
                n_features=n_features,
                hidden=self._hidden_sizes(),
                spec=spec,
                seed=seed,
            )
        finally:
            del self._build_dtype

    def _live_trainer(self):
        if self.__dict__.get("_trainer") is None:
            # Threads predicting on a freshly unpickled estimator build it once.
            with _BUILD_LOCK:
                if self.__dict__.get("_trainer") is None:
                    from . import _engine

                    # Built as fitted, whatever set_params did since.
                    trainer = self._as_fitted()._new_trainer(
                        self._config, self.n_features_in_, self._spec, seed=0
                    )
                    optimizer = self.__dict__.pop("_optimizer_state", None)
                    if optimizer is None or len(optimizer) != len(
                        trainer.optimizer.variables
                    ):  # none pickled (lbfgs), or another Keras's: fresh
                        trainer.set_weights(self._weights)
                    else:  # the pickled optimizer: partial_fit continues it
                        trainer.restore((self._weights, optimizer))
                    _engine.POOL.hold(trainer, self)
                    self._trainer = trainer
        return self._trainer


def read_only(arrays):
    """``arrays`` (the weights ``coefs_``, ``intercepts_`` and the NumPy
    predictions share), made read-only: written in place, they would change
    those predictions but not ``model_`` or pickles. Assigning ``coefs_``
    or ``model_.set_weights`` changes them everywhere."""
    arrays = list(arrays)
    for array in arrays:
        array.flags.writeable = False
    return arrays
