"""The numpydoc blocks KerasClassifier and KerasRegressor share (their
parameters and attributes), as ``_mlp_docs`` is for the MLPs."""

PARAMETERS = """
    Parameters
    ----------
    model : callable or keras.Model, default=None
        A function returning a Keras model (compiled or not), or a
        ``keras.Model`` instance, used as it is (trained or not: ``fit``
        continues its training, as in scikeras; ``clone`` copies it). The
        function receives, by name and only if its
        signature asks: ``meta`` (``n_features_in_``, ``X_shape_``,
        ``X_dtype_``, ``n_classes_``, ``classes_``, ``n_outputs_``,
        ``n_outputs_expected_``, ``target_type_``, ``y_dtype_``,
        ``feature_encoder_``, ``target_encoder_``), ``compile_kwargs``,
        ``params`` (all of ``get_params()``), and its own arguments from
        ``model__name=value`` or ``name=value``.
    warm_start : bool, default=False
        Keep training the current model on ``fit`` (the epochs restart at 0).
    random_state : int, RandomState instance or None, default=None
        Seeds the unseeded Keras initializers and dropout of the model built
        by ``fit`` and the order of the batches; no global seed is touched.
        None leaves Keras's own randomness.
    optimizer : str, class or instance, default="rmsprop"
        A Keras optimizer; ``optimizer__name=value`` builds it with those
        arguments.
    loss : str, class, instance, list or dict, default=None
        The Keras loss(es) to compile an uncompiled model with
        (``loss__name=value`` routes arguments).
    metrics : list or dict, default=None
        Keras metrics (names, classes or instances), ``metrics__*`` routed.
    batch_size : int, default=None
        Training batch size (Keras's default, 32, if None; -1: all samples).
    validation_batch_size : int, default=None
        Batch size of the validation data.
    verbose : int, default=0
        Keras's ``fit`` verbosity; 0 prints nothing.
    callbacks : list or dict of callbacks, default=None
        Keras callbacks (classes are built with ``callbacks__*``).
    validation_split : float, default=0.0
        Fraction of the last rows held out as Keras's validation data.
    shuffle : bool, default=True
        Shuffle the batches each epoch.
    run_eagerly : bool, default=False
        Run Keras's training step eagerly (for debugging).
    epochs : int, default=1
        Epochs per ``fit``.
    **kwargs : dict
        Routed parameters: ``model__*``, ``optimizer__*``, ``loss__*``,
        ``metrics__*``, ``callbacks__*``, ``compile__*``, ``fit__*``,
        ``predict__*``, ``score__*``; plain names go to the build function, or
        to ``compile`` / ``fit`` for theirs (``loss_weights``,
        ``validation_freq``, ...). All appear in ``get_params``.
"""

ATTRIBUTES = """
    Attributes
    ----------
    model_ : keras.Model
        The compiled, trained Keras model.
    history_ : dict of list
        Keras's history of every metric, one entry per epoch.
    n_features_in_ : int
        Number of features seen during ``fit`` (``X.shape[1]``).
    feature_names_in_ : ndarray of shape ``(n_features_in_,)``
        Names of the features, if ``X`` had string column names.
    X_shape_, X_dtype_, y_dtype_, target_type_ :
        What ``fit`` saw.
    n_outputs_, n_outputs_expected_ : int
        Target columns, and outputs the model must have.
    target_encoder_, feature_encoder_ : transformers
        The fitted encoders.
"""


def fill_doc(text):
    """``text`` with ``{parameters}`` and ``{attributes}`` filled in."""
    return text.replace("{parameters}", PARAMETERS).replace("{attributes}", ATTRIBUTES)
