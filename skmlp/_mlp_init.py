"""``initialize``: the MLPs' network built, not trained (scikeras's and the
wrappers' ``initialize(X, y)``)."""

from sklearn.base import _fit_context


class InitializeMixin:
    """Mixin of the MLP estimators: :meth:`initialize`."""

    @_fit_context(prefer_skip_nested_validation=True)
    def initialize(self, X, y):
        """Build the network for ``X`` and ``y`` without training it.

        The estimator is then fitted with the initial weights, as a fit with
        no epochs would leave it: ``model_`` (``model_.summary()``,
        ``model_.layers``), ``coefs_`` and ``intercepts_`` (scikit-learn's
        Glorot-uniform draw from ``random_state``, as ``fit`` starts from),
        ``n_features_in_``, ``classes_`` (classifier), ``n_outputs_``,
        ``n_layers_`` and ``out_activation_`` are set; ``n_iter_`` and
        ``t_`` are 0, ``history_`` is empty, ``loss_curve_`` empty and
        ``loss_`` None. ``predict`` works (with the untrained network).

        A later ``fit`` starts afresh (a new draw of the initial weights),
        unless ``warm_start=True``, which trains the initialized network;
        ``partial_fit`` continues it. Callbacks and validation data play no
        part. Bad input raises and leaves the estimator as it was.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples of the data the network will take (their width and
            dtype: float32 X builds a float32 network, anything else
            float64).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets: the classes (classifier) or the number of outputs.

        Returns
        -------
        self : object
            The estimator, with its network built.
        """
        return self._fit(X, y, None, initialize=True)
