"""Keras's and TensorFlow's private names behind their guards
(``skmlp/_keras_private.py``, ``_engine/_compiled.py``'s flat call and
call options, ``_engine/_callbacks.py``) and the SciPy options of L-BFGS.

Each private name is hidden from skmlp in turn (its name in skmlp's constant
replaced by one that does not exist): the public fallback must give the same
fit, and a fallback that cannot work must fail loudly. A test of the private
path itself skips, with the reason, where the installed Keras lacks the name.
"""

import importlib
import pickle
import random
import warnings

import keras
import numpy as np
import pytest
import scipy
from _keras_models import dynamic_classifier
from sklearn.datasets import load_iris

from skmlp import KerasClassifier, MLPKerasClassifier, MLPKerasRegressor, _keras_private
from skmlp._engine import _callbacks, _compiled, _lbfgs

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(0)
X = RNG.randn(40, 3)
Y = X[:, 0] - 2 * X[:, 1]


def _has(module, name):
    try:
        return hasattr(importlib.import_module(module), name)
    except ImportError:
        return False


HAS_SEED_SOURCE = _has(*_keras_private.SEED_SOURCE)
HAS_FLATTEN = hasattr(keras.layers.Layer, _keras_private.FLATTEN_LAYERS)
HAS_SAVING_LIB = _has(_keras_private.SAVING_LIB, "save_model")


class Inner(keras.layers.Layer):
    """A custom layer holding Dense layers (alone and in a list)."""

    def __init__(self):
        super().__init__()
        self.first = keras.layers.Dense(5, activation="tanh")
        self.more = [keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(3)]

    def call(self, x):
        return self.more[1](self.more[0](self.first(x)))


class Nested(MLPKerasRegressor):
    """Default (unseeded) initializers and Dense layers nested in a custom
    layer: seeds from random_state, coefs_ from the layers' walk."""

    def _build_model(self, n_features_in, n_outputs, out_activation):
        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.inner = Inner()
                self.out = keras.layers.Dense(n_outputs, activation=out_activation)

            def call(self, x):
                return self.out(self.inner(x))

        return Net()


def nested_fit(random_state=0):
    return Nested(max_iter=3, random_state=random_state).fit(X, Y)


def assert_same_fit(a, b):
    assert len(a.coefs_) == len(b.coefs_)
    for u, v in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_allclose(u, v, rtol=1e-6, atol=1e-7)


@pytest.fixture(scope="module")
def reference():
    """A seeded fit of the nested model with every private name in place."""
    return nested_fit()


# -- default seeds ---------------------------------------------------------------


@pytest.mark.skipif(not HAS_SEED_SOURCE, reason="this Keras has no python_random")
def test_seeded_custom_fits_are_reproducible(reference):
    assert_same_fit(nested_fit(), reference)
    other = nested_fit(random_state=1)
    assert not np.allclose(other.coefs_[0], reference.coefs_[0])


@pytest.fixture
def hide_seed_source(monkeypatch):
    module, _ = _keras_private.SEED_SOURCE
    monkeypatch.setattr(_keras_private, "SEED_SOURCE", (module, "absent"))
    monkeypatch.setattr(_keras_private, "_CHECKED", {})


@pytest.mark.skipif(
    not HAS_SEED_SOURCE,
    reason="this Keras has no python_random: the fallback is the only path",
)
def test_seed_fallback_gives_the_same_fit(reference, hide_seed_source):
    from keras.src.random import seed_generator

    if seed_generator.python_random is not random:
        pytest.skip("this Keras's python_random is not Python's random module")
    state = random.getstate()
    assert_same_fit(nested_fit(), reference)
    assert random.getstate() == state  # the global state is given back
    assert_same_fit(nested_fit(), reference)


@pytest.mark.skipif(not HAS_SEED_SOURCE, reason="this Keras has no python_random")
def test_seeds_that_stop_applying_fail_loudly(hide_seed_source, monkeypatch):
    """A Keras that draws its default seeds from elsewhere (here the OS's
    entropy): random_state cannot seed the build, and the fit says so."""
    from keras.src.random import seed_generator

    monkeypatch.setattr(seed_generator, "python_random", random.SystemRandom())
    with pytest.raises(RuntimeError, match=r"cannot seed .* Keras 3\.\d+") as info:
        nested_fit()
    assert keras.version() in str(info.value)


def test_wrapper_builds_stay_seeded_on_the_fallback(monkeypatch):
    iris = load_iris(return_X_y=True)
    kw = dict(epochs=2, random_state=0, optimizer="adam")
    first = KerasClassifier(dynamic_classifier, **kw).fit(*iris).predict_proba(iris[0])
    module, _ = _keras_private.SEED_SOURCE
    monkeypatch.setattr(_keras_private, "SEED_SOURCE", (module, "absent"))
    monkeypatch.setattr(_keras_private, "_CHECKED", {})
    again = KerasClassifier(dynamic_classifier, **kw).fit(*iris).predict_proba(iris[0])
    np.testing.assert_allclose(again, first, rtol=1e-5, atol=1e-6)


# -- the layers' walk ------------------------------------------------------------


def _models():
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4)(inputs)
    functional = keras.Model(
        inputs, keras.layers.Dense(1)(keras.layers.Concatenate()([inputs, hidden]))
    )
    sequential = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(2),
            keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(4)]),
        ]
    )
    nested = Nested()._build_model(3, 1, "linear")
    nested(np.zeros((1, 3)))
    return {"functional": functional, "sequential": sequential, "nested": nested}


@pytest.mark.skipif(not HAS_FLATTEN, reason="this Keras has no Layer._flatten_layers")
@pytest.mark.parametrize("name", ["functional", "sequential", "nested"])
def test_public_walk_finds_the_layers_keras_does(name):
    model = _models()[name]

    def names(layers):
        return [x.name for x in layers if not isinstance(x, keras.layers.InputLayer)]

    private = model._flatten_layers(include_self=False, recursive=True)
    assert names(_keras_private.walk_layers(model)) == names(private)
    assert sum(isinstance(x, keras.layers.Dense) for x in private) >= 2


def test_layers_fallback_gives_the_same_fit(reference, monkeypatch):
    monkeypatch.setattr(_keras_private, "FLATTEN_LAYERS", "absent")
    fit = nested_fit()
    assert len(fit.coefs_) == 4 and fit.n_layers_ == 5
    assert_same_fit(fit, reference)
    # the built-in stack (the fast NumPy predict, scikit-learn's backprop)
    a = MLPKerasClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0).fit(
        X, Y > 0
    )
    monkeypatch.undo()
    b = MLPKerasClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0).fit(
        X, Y > 0
    )
    assert_same_fit(a, b)


# -- pickles -------------------------------------------------------------------


@pytest.fixture(scope="module")
def wrapper():
    iris = load_iris(return_X_y=True)
    clf = KerasClassifier(dynamic_classifier, epochs=2, random_state=0).fit(*iris)
    return clf, iris[0]


def _roundtrip(clf, X):
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(X), clf.predict_proba(X))


def test_pickles_without_saving_lib(wrapper, monkeypatch):
    monkeypatch.setattr(_keras_private, "SAVING_LIB", "keras.src.saving.absent")
    _roundtrip(*wrapper)


@pytest.mark.skipif(not HAS_SAVING_LIB, reason="this Keras has no saving_lib")
def test_pickles_where_saving_lib_refuses_file_objects(wrapper, monkeypatch):
    """Keras < 3.2 rejects a BytesIO: the temporary file serves."""
    from keras.src.saving import saving_lib

    def refuse(model, filepath, *args, **kwargs):
        if not isinstance(filepath, str):
            raise ValueError("Invalid filename: expected a `.keras` extension.")
        return save(model, filepath, *args, **kwargs)

    save = saving_lib.save_model
    monkeypatch.setattr(saving_lib, "save_model", refuse)
    _roundtrip(*wrapper)


@pytest.mark.skipif(not HAS_SAVING_LIB, reason="this Keras has no saving_lib")
def test_pickle_bytes_are_the_same_format_on_both_paths(wrapper, monkeypatch):
    model = wrapper[0].model_
    private = _keras_private.model_bytes(model)
    monkeypatch.setattr(_keras_private, "SAVING_LIB", "keras.src.saving.absent")
    public = _keras_private.model_bytes(model)
    for data in (private, public):
        loaded = _keras_private.model_from_bytes(data)
        for u, v in zip(loaded.get_weights(), model.get_weights()):
            np.testing.assert_array_equal(u, v)
    monkeypatch.undo()
    loaded = _keras_private.model_from_bytes(public)
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])


# -- TensorFlow's flat call ------------------------------------------------------


def test_compiled_calls_without_the_flat_call(monkeypatch):
    a = MLPKerasRegressor(hidden_layer_sizes=(5,), max_iter=4, random_state=0).fit(X, Y)
    b = MLPKerasRegressor(
        hidden_layer_sizes=(5,), max_iter=4, solver="lbfgs", random_state=0
    ).fit(X, Y)
    monkeypatch.setattr(_compiled, "FLAT_CALL", "absent")
    from skmlp._engine._pool import POOL

    POOL.clear()  # no compiled trainer from before
    assert_same_fit(
        MLPKerasRegressor(hidden_layer_sizes=(5,), max_iter=4, random_state=0).fit(
            X, Y
        ),
        a,
    )
    lbfgs = MLPKerasRegressor(
        hidden_layer_sizes=(5,), max_iter=4, solver="lbfgs", random_state=0
    )
    assert_same_fit(lbfgs.fit(X, Y), b)


def _call_options():
    from tensorflow.core.protobuf import config_pb2
    from tensorflow.python.eager import context

    options = context.context().function_call_options
    config = config_pb2.ConfigProto()
    config.ParseFromString(options.config_proto_serialized)
    return options, config.graph_options.rewrite_options


def test_compiled_calls_run_one_round_of_grappler_and_put_options_back():
    from tensorflow.core.protobuf import rewriter_config_pb2 as rewriter

    before, rewrite = _call_options()
    assert (
        rewrite.meta_optimizer_iterations == rewriter.RewriterConfig.DEFAULT_NUM_ITERS
    )
    with _compiled.one_round():
        inside, rewrite = _call_options()
        assert rewrite.meta_optimizer_iterations == rewriter.RewriterConfig.ONE
    assert _call_options()[0] is before
    MLPKerasRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=0).fit(X, Y)
    assert _call_options()[0] is before


def test_a_callers_number_of_rounds_is_kept():
    from tensorflow.core.protobuf import config_pb2
    from tensorflow.core.protobuf import rewriter_config_pb2 as rewriter
    from tensorflow.python.eager import context

    ctx = context.context()
    saved = ctx.function_call_options
    config = config_pb2.ConfigProto()
    config.graph_options.rewrite_options.meta_optimizer_iterations = (
        rewriter.RewriterConfig.TWO
    )
    ctx.function_call_options = context.FunctionCallOptions(config_proto=config)
    try:
        with _compiled.one_round():
            rewrite = _call_options()[1]
            assert rewrite.meta_optimizer_iterations == rewriter.RewriterConfig.TWO
    finally:
        ctx.function_call_options = saved


def test_compiled_calls_without_the_call_options(monkeypatch):
    a = MLPKerasRegressor(hidden_layer_sizes=(5,), max_iter=4, random_state=0).fit(X, Y)
    monkeypatch.setattr(_compiled, "_context", None)
    from skmlp._engine._pool import POOL

    POOL.clear()  # traced and optimised again, with the caller's options
    b = MLPKerasRegressor(hidden_layer_sizes=(5,), max_iter=4, random_state=0).fit(X, Y)
    assert_same_fit(b, a)


# -- callbacks -----------------------------------------------------------------


class OnBatchEnd(keras.callbacks.Callback):
    def on_batch_end(self, batch, logs=None):
        pass


class KeepsModel(keras.callbacks.Callback):
    """Holds the model under a name of its own, as a future Keras might."""

    def on_train_begin(self, logs=None):
        self.held = self.model


@pytest.mark.parametrize(
    "callback, batch_hooks",
    [
        (keras.callbacks.Callback(), False),
        (keras.callbacks.EarlyStopping(), False),
        (keras.callbacks.History(), False),
        (keras.callbacks.LambdaCallback(on_epoch_end=print), False),
        (keras.callbacks.LambdaCallback(on_train_batch_end=print), True),
        (OnBatchEnd(), True),
        (keras.callbacks.TerminateOnNaN(), True),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, bool) else str(v),
)
def test_batch_hooks_found_with_public_names(callback, batch_hooks):
    hooks = _callbacks.Hooks([callback], None, verbose=0, epochs=1, steps=1)
    assert hooks.batch_hooks is batch_hooks


def test_callbacks_detached_whatever_the_models_attribute():
    est = MLPKerasRegressor(
        hidden_layer_sizes=(4,), max_iter=2, callbacks=[KeepsModel()]
    ).fit(X, Y)
    callback = est.callbacks[0]
    assert all(not isinstance(v, keras.Model) for v in vars(callback).values())
    pickle.loads(pickle.dumps(est))


# -- SciPy's L-BFGS-B options ----------------------------------------------------


@pytest.mark.parametrize(
    "version, options",
    [
        ("1.10.1", {"iprint": -1}),
        ("1.14.1", {"iprint": -1}),
        ("1.15.0", {}),
        ("1.17.1", {}),
        ("1.18.0rc1", {}),
        ("2.0.0.dev0+git", {}),
    ],
)
def test_lbfgs_options_follow_scipy(version, options, monkeypatch):
    monkeypatch.setattr(scipy, "__version__", version)
    assert _lbfgs._iprint(-1) == options


@pytest.mark.parametrize("verbose", [0, 1])
def test_lbfgs_fits_emit_no_warning(verbose, capsys):
    est = MLPKerasRegressor(
        hidden_layer_sizes=(4,), solver="lbfgs", max_iter=500, verbose=verbose
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est.set_params(random_state=0).fit(X, Y)
    assert est.n_iter_ < 500  # converged, so no ConvergenceWarning either
    capsys.readouterr()
