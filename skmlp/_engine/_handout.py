"""The Keras model handed out as ``model_``: compiled with the fit's metrics,
its ``predict`` and ``evaluate`` quiet, its ``export`` served from float32.

Two of Keras's methods are wrapped on the model instance (never on the
class, and nothing global changes):

- ``make_predict_function``, ``make_test_function`` and
  ``make_train_function``: the functions they make
  run with TensorFlow's C++ log held back (``_tf.quiet_stderr``). Where
  oneDNN is on (TensorFlow's default on most Intel CPUs), the graph
  optimiser writes "Not handling type DT_DOUBLE" lines to descriptor 2 each
  time it optimises a float64 graph (the first calls, each new trace).
- ``export``: a float64 network's default SavedModel has a float64-only
  signature, so ``keras.layers.TFSMLayer(path)`` fails on float32 input
  (TFSMLayer's default dtype). Called as ``export(path)``, it writes its
  endpoints ("serve", and "serving_default", TF-Serving's) for float32
  input, cast to the network's float64; the reloaded ``serve`` and
  ``serving_default`` functions take float64 input too. Any other call
  (another format, an ``input_signature``) is Keras's own.
"""

import functools

from .._tf import keras, quiet_stderr, tf

#: Marks a function made quiet here.
_QUIET = "_skmlp_quiet"


def prepare(trainer, metrics):
    """``trainer``'s model, ready to be handed out as ``model_``: compiled
    with ``metrics`` (resolved; None for none) and its calls quiet."""
    trainer.compile_metrics(metrics)
    model = trainer.model
    for maker, attribute in (
        ("make_predict_function", "predict_function"),
        ("make_test_function", "test_function"),
        ("make_train_function", "train_function"),
    ):
        if maker not in vars(model):
            setattr(model, maker, _quiet_maker(model, maker, attribute))
    if "export" not in vars(model) and model.weights:
        if model.weights[0].dtype == "float64":
            n_features = trainer.n_features
            model.export = functools.partial(_export, model, n_features)
    return model


def _quiet(function):
    if function is None or getattr(function, _QUIET, False):
        return function

    @functools.wraps(function)
    def call(*args, **kwargs):
        with quiet_stderr():
            return function(*args, **kwargs)

    setattr(call, _QUIET, True)
    return call


def _quiet_maker(model, maker, attribute):
    make = getattr(type(model), maker)

    def make_quiet(*args, **kwargs):
        make(model, *args, **kwargs)
        function = _quiet(getattr(model, attribute))
        setattr(model, attribute, function)
        return function

    return make_quiet


def _export(
    model, n_features, filepath, format="tf_saved_model", verbose=None, **kwargs
):
    """``model.export`` with float32-ready SavedModel endpoints (see the
    module docstring); Keras's export for anything else."""
    if format != "tf_saved_model" or kwargs:
        return type(model).export(model, filepath, format=format, **kwargs)
    dtype = model.weights[0].dtype

    @tf.function(autograph=False)
    def serve(x):
        return model(tf.cast(x, dtype), training=False)

    archive = keras.export.ExportArchive()
    archive.track(model)
    for input_dtype in ("float32", "float64"):  # float32 first: the signature
        serve.get_concrete_function(tf.TensorSpec([None, n_features], input_dtype))
    archive.add_endpoint("serve", serve)
    archive.add_endpoint("serving_default", serve)
    with quiet_stderr():
        archive.write_out(filepath, verbose=True if verbose is None else verbose)
