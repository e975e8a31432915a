"""The numpydoc blocks both MLP estimators share (their parameters and fitted
attributes), put into each class's docstring by :func:`document`."""

import re

_SHARED_PARAMETERS = """\
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The i-th element is the number of neurons in the i-th hidden layer.
    activation : str, default="relu"
        Activation of the hidden layers: scikit-learn's "identity",
        "logistic", "tanh", "relu", or a Keras name such as "elu", "selu",
        "gelu", "softplus", "swish".
    solver : str, default="adam"
        "adam" or "sgd" (configured by the parameters below), "lbfgs"
        (scikit-learn's full-batch L-BFGS-B, often best on small data), or a
        Keras optimizer name: "rmsprop", "adamw", "nadam", "adamax",
        "adagrad", "adadelta", "adafactor", "ftrl", "lion", "lamb".
    alpha : float, default=1e-4
        Strength of the L2 penalty, scaled by the batch's total sample weight
        as in scikit-learn.
    batch_size : int or "auto", default="auto"
        Size of the minibatches; "auto" is ``min(200, n_samples)``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Learning-rate schedule of "sgd" (as scikit-learn's).
    learning_rate_init : float, default=0.001
        The initial learning rate.
    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.
    max_iter : int, default=200
        Maximum number of epochs (of iterations for "lbfgs").
    shuffle : bool, default=True
        Whether to shuffle the samples in each epoch (with a seeded order).
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffling and the validation split. An
        int gives bit-identical fits on CPU, without changing any global seed.
    tol : float, default=1e-4
        Minimum improvement of the loss (or validation score) that counts.
    verbose : bool or int, default=0
        0 prints nothing; 1 a Keras progress bar, 2 Keras's line per epoch;
        True (or an int above 2) scikit-learn's "Iteration i, loss = ..."
        lines (and L-BFGS's report for "lbfgs").
    warm_start : bool, default=False
        Continue training the previous model on the next ``fit``.
    momentum : float, default=0.9
        Momentum of "sgd".
    nesterovs_momentum : bool, default=True
        Whether "sgd" uses Nesterov's momentum.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (or use
        ``validation_data``), stop when its score stops improving by ``tol``
        for ``n_iter_no_change`` epochs, and restore the best weights.
    validation_fraction : float, default=0.1
        The share of the training data held out for early stopping.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Parameters of "adam".
    n_iter_no_change : int or np.inf, default=10
        Epochs without improvement to wait before stopping (np.inf: never).
    max_fun : int, default=15000
        Maximum number of loss evaluations of "lbfgs".
    metrics : list or None, default=None
        Keras metrics, as ``keras.Model.compile(metrics=...)`` takes them:
        names ("mae", "RootMeanSquaredError", "accuracy", "AUC"),
        ``keras.metrics.Metric`` instances or classes, or metric functions.
        Each is recorded per epoch in ``history_`` under Keras's name (as
        ``model.fit(...).history`` names it), computed on the training data
        with the weights at the end of the epoch, and with a ``val_`` entry
        when there is validation data (``X_val``, ``validation_data`` or
        early stopping's hold-out); ``model_`` is compiled with them
        (``model_.evaluate``). The loss stays scikit-learn's. "lbfgs" has
        no epochs and records none. The instances given are never changed:
        each fit compiles copies.
    callbacks : list of keras.callbacks.Callback or None, default=None
        Keras callbacks, with Keras's semantics (every epoch and batch hook;
        ``model.stop_training``; learning-rate changes). After a fit they are
        detached from the model (and from open files or writers), so the
        estimator pickles and clones; a clone gets copies of its own.
    distribution : {"mirrored", "multi_worker"}, callable, tf.distribute.Strategy \
or None, default=None
        Data-parallel training: the model is built and compiled inside this
        ``tf.distribute`` strategy's scope, and skmlp's training loop splits
        each batch into one part per replica and runs the parts with
        ``strategy.run``. "mirrored" is ``tf.distribute.MirroredStrategy()`` (the
        local GPUs, or logical devices), "multi_worker" is
        ``tf.distribute.MultiWorkerMirroredStrategy()`` (workers described by
        ``TF_CONFIG``; one per process, made at its first such fit, before
        TensorFlow runs anything else); a zero-argument callable returns a
        strategy. The fit is the single-device fit, up to rounding. A string
        or a picklable callable keeps the estimator clonable and picklable; a
        strategy instance works for fitting but not for ``clone`` or pickles.
        None trains on TensorFlow's default device."""

_SHARED_ATTRIBUTES = """\
    model_ : keras.Model
        The trained, compiled Keras model (``model_.summary()``,
        ``model_.layers``, ``get_weights``). It is the estimator's own
        network: weights set through it are what predict, ``coefs_`` and
        pickles use. Compiled with Keras's built-in loss matching
        scikit-learn's data term (``model_.evaluate`` / ``model_.fit``), so a
        ``.keras`` file saved from it loads anywhere.
    history_ : dict of list
        Per-epoch values: "loss" (scikit-learn's), the score metric ("r2" or
        "accuracy"), each of ``metrics`` under its Keras name, and their
        ``val_`` counterparts when validating.
    loss_ : float
        The training loss of the last epoch (including the L2 penalty); for
        "lbfgs", the final loss.
    loss_curve_ : list of float
        The training loss of every epoch (including the L2 penalty); not set
        by "lbfgs".
    best_loss_ : float or None
        The smallest training loss; None with early stopping. Not set by
        "lbfgs".
    validation_scores_ : list of float or None
        The validation score of every epoch with early stopping, else None.
        Not set by "lbfgs".
    best_validation_score_ : float or None
        The best validation score with early stopping, else None. Not set by
        "lbfgs".
    n_iter_ : int
        Epochs (iterations for "lbfgs") run by the last call to fit or
        partial_fit.
    t_ : int
        Training samples seen by the stochastic solvers.
    coefs_ : list of ndarray
        ``coefs_[i]`` has shape (n_units_in, n_units_out) of layer i, in the
        dtype of X (float32 or float64). Always the live network's weights.
    intercepts_ : list of ndarray
        ``intercepts_[i]`` has shape (n_units_out,).
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of output units.
    out_activation_ : str
        Name of the output activation.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape ``(n_features_in_,)``
        Names of the features, defined only when X has string column names."""


_VALIDATION = """\
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
default=None
            Validation samples, evaluated after each epoch (the ``val_``
            entries of ``history_``) and used by early stopping instead of a
            held-out fraction. In a :class:`~sklearn.pipeline.Pipeline`,
            ``Pipeline(..., transform_input=["X_val"])`` runs them through
            the fitted transformers (metadata routing: request them with
            ``set_fit_request(X_val=True, y_val=True)``).
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), \
default=None
            Validation targets, shaped and encoded as ``y``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples.
        validation_data : tuple, default=None
            ``(X_val, y_val)`` or ``(X_val, y_val, sample_weight_val)``:
            Keras's spelling of the same validation set (pass one or the
            other)."""


def document(cls):
    """Put the shared blocks in place of the ``{parameters}`` and
    ``{attributes}`` lines of ``cls``'s docstring and the ``{validation}``
    line of its ``fit``'s (indented like their other lines, so that
    formatters leave the docstrings as they are)."""
    doc = re.sub(
        r"^ *\{parameters\}$", lambda _: _SHARED_PARAMETERS, cls.__doc__, flags=re.M
    )
    cls.__doc__ = re.sub(
        r"^ *\{attributes\}$", lambda _: _SHARED_ATTRIBUTES, doc, flags=re.M
    )
    fit = cls.__dict__["fit"]
    fit.__doc__ = re.sub(
        r"^ *\{validation\}$", lambda _: _VALIDATION, fit.__doc__, flags=re.M
    )
    return cls
