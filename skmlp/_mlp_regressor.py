"""MLPKerasRegressor: encodes targets for the network, scores its outputs
(R²) and decodes them into predictions. The fit path is the base class's
(``_mlp_base.py``)."""

from numbers import Real

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import column_or_1d

from ._mlp_base import _BaseMLPKeras, stochastic_only
from ._mlp_docs import document
from ._mlp_init import InitializeMixin
from ._targets import TargetSpec, sample_weights
from ._validation_set import resolve


@document
class MLPKerasRegressor(RegressorMixin, InitializeMixin, _BaseMLPKeras):
    """Multi-layer perceptron regressor trained by Keras.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`,
    with a Keras 3 model underneath. 1-D targets give 1-D predictions; 2-D
    targets train one output unit per column.

    Parameters
    ----------
    {parameters}
    loss : {"squared_error", "absolute_error", "huber", "poisson"}, \
default="squared_error"
        The loss: half the squared error (as scikit-learn), the absolute
        error, Huber's loss (``huber_delta``), or the Poisson deviance (with
        an exponential output unless ``output_activation`` is set).
    huber_delta : float, default=1.0
        Where Huber's loss turns from quadratic to linear.
    output_activation : str or None, default=None
        Activation of the output layer: None is the identity (exp for
        "poisson"); "relu" or "softplus" keep predictions non-negative.

    Attributes
    ----------
    {attributes}

    See Also
    --------
    MLPKerasClassifier : The classifier.
    sklearn.neural_network.MLPRegressor : scikit-learn's NumPy implementation.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp import MLPKerasRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, (200, 2))
    >>> y = X[:, 0] - 2 * X[:, 1]
    >>> reg = MLPKerasRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01,
    ...                         max_iter=200, random_state=0).fit(X, y)
    >>> bool(reg.score(X, y) > 0.95)
    True
    >>> reg.predict(X[:2]).shape
    (2,)
    """

    _parameter_constraints: dict = {
        **_BaseMLPKeras._parameter_constraints,
        "metrics": [list, None],
        "loss": [StrOptions({"squared_error", "absolute_error", "huber", "poisson"})],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
        "output_activation": [
            StrOptions({"relu", "softplus", "exponential", "linear", "sigmoid"}),
            None,
        ],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=0,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        huber_delta=1.0,
        output_activation=None,
        metrics=None,
        callbacks=None,
        distribution=None,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            callbacks=callbacks,
            distribution=distribution,
        )
        self.loss = loss
        self.huber_delta = huber_delta
        self.output_activation = output_activation
        self.metrics = metrics

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _encode_targets(self, y, sample_weight, X, classes, reuse, dtype):
        y = np.asarray(y, dtype=np.float64)
        if not np.all(np.isfinite(y)):
            raise ValueError("Input y contains NaN or infinity; remove or impute them.")
        if dtype == "float32" and np.any(np.abs(y) > np.finfo(np.float32).max):
            raise ValueError(
                "Input y contains a value too large for dtype('float32'), in which "
                "the network trains (X is float32); pass X as float64 or scale y "
                "(e.g. with TransformedTargetRegressor)."
            )
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                "Some values of y are negative; loss='poisson' requires y >= 0."
            )
        Y = (y.reshape(-1, 1) if y.ndim == 1 else y).astype(dtype)
        sw = sample_weights(y, sample_weight, X, None, None, "regression")
        out = self.output_activation or (
            "exponential" if self.loss == "poisson" else "linear"
        )
        spec = TargetSpec("regression", self.loss, out, Y.shape[1], dtype)
        return Y, sw.astype(dtype), spec, {"_y_1d": y.ndim == 1}

    def _validation_score(self, Y, P, W, kind):
        """R², as ``score`` (NaN for non-finite predictions, as scikit-learn)."""
        from sklearn.metrics import r2_score  # not at import: it is slow

        if not np.isfinite(P).all():
            return float("nan")
        return float(r2_score(Y, P, sample_weight=W))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
        validation_data=None,
    ):
        """Fit the model to data X and targets y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.
        {validation}

        Returns
        -------
        self : MLPKerasRegressor
            The fitted estimator.
        """
        validation = resolve(validation_data, X_val, y_val, sample_weight_val)
        return self._fit(X, y, sample_weight, validation_set=validation)

    @available_if(stochastic_only)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.

        Returns
        -------
        self : MLPKerasRegressor
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predict using the multi-layer perceptron regressor.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        out = self._forward(X)
        return column_or_1d(out) if self._y_1d else out
