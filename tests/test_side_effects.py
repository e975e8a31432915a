"""No global side effects: fitting and predicting leave the process's global
random states and Keras/TensorFlow configuration as they were.

``random_state`` is an int throughout: with ``random_state=None`` scikit-learn
estimators draw from NumPy's global generator by design.
"""

import random

import numpy as np
import pytest
from _estimators import FACTORIES, keras_rows

from skmlp import MLPKerasClassifier, MLPKerasRegressor, StepPerceptron

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(0)
X = RNG.randn(40, 3)
Y_CLASS = np.arange(40) % 2
Y_REG = X[:, 0]
X_LARGE = keras_rows(X)  # Keras's predict


def global_state():
    """Everything a fit must not change, read without changing it."""
    import keras
    import tensorflow as tf
    from keras.src.backend.common import global_state as keras_globals
    from keras.src.random import seed_generator
    from tensorflow.python.eager import context
    from tensorflow.python.framework import config as tf_config
    from threadpoolctl import threadpool_info

    # The name of Keras's global seed generator (a constant from Keras 3.13).
    name = getattr(seed_generator, "GLOBAL_SEED_GENERATOR", "global_seed_generator")
    generator = keras_globals.get_global_attribute(name)
    numpy_state = np.random.get_state()
    return {
        "numpy": (numpy_state[0], numpy_state[1].tolist(), *numpy_state[2:]),
        "random": random.getstate(),
        "keras.floatx": keras.config.floatx(),
        "keras.epsilon": keras.config.epsilon(),
        "keras.backend": keras.config.backend(),
        "keras.global_seed_generator": (
            None if generator is None else generator.state.numpy().tolist()
        ),
        "tf.op_determinism": getattr(  # not in tf.config's public API everywhere
            tf.config.experimental,
            "is_op_determinism_enabled",
            tf_config.is_op_determinism_enabled,
        )(),
        "tf.run_functions_eagerly": tf.config.functions_run_eagerly(),
        # The BLAS libraries' threads, which L-BFGS limits while it runs.
        "blas.threads": sorted(
            (i["filepath"], i["num_threads"])
            for i in threadpool_info()
            if i["user_api"] == "blas"
        ),
        # This thread's options of function calls (Grappler's rounds among
        # them), which skmlp's compiled calls set while they run.
        "tf.function_call_options": (
            context.context().function_call_options.executor_type,
            context.context().function_call_options.config_proto_serialized,
        ),
    }


CASES = {
    "MLPKerasClassifier": lambda: MLPKerasClassifier(
        hidden_layer_sizes=(8,), max_iter=5, random_state=0
    ),
    "MLPKerasClassifier-early_stopping-sgd": lambda: MLPKerasClassifier(
        hidden_layer_sizes=(8,),
        max_iter=5,
        random_state=0,
        early_stopping=True,
        solver="sgd",
        learning_rate="invscaling",
    ),
    "MLPKerasRegressor": lambda: MLPKerasRegressor(
        hidden_layer_sizes=(8,), max_iter=5, random_state=0
    ),
    "MLPKerasRegressor-rmsprop-shuffle": lambda: MLPKerasRegressor(
        hidden_layer_sizes=(8, 4),
        max_iter=5,
        random_state=1,
        solver="rmsprop",
        activation="tanh",
    ),
    "MLPKerasClassifier-lbfgs": lambda: MLPKerasClassifier(
        hidden_layer_sizes=(8,), max_iter=5, random_state=0, solver="lbfgs"
    ),
    "StepPerceptron": lambda: StepPerceptron(max_iter=5, random_state=0),
    # Seeded builds (Keras's default seeds from random_state) and shuffles.
    "KerasClassifier": FACTORIES["kclf"],
    "KerasRegressor": FACTORIES["kreg"],
}


@pytest.mark.parametrize(
    "name, seed_generator",
    [(name, False) for name in CASES]
    + [("MLPKerasClassifier", True), ("MLPKerasRegressor", True)],
    ids=lambda v: {False: "", True: "with_keras_global_seed_generator"}.get(v, v),
)
def test_fit_and_predict_leave_global_state_alone(name, seed_generator):
    import keras

    if seed_generator:  # an unseeded draw creates Keras's global SeedGenerator
        keras.random.uniform((1,))
    random.seed(12345)
    np.random.seed(54321)
    before = global_state()
    est = CASES[name]()
    y = Y_REG if "Regressor" in name else Y_CLASS
    est.fit(X, y)
    assert global_state() == before, "fit"
    if not est.get_params().get("early_stopping") and "lbfgs" not in name:
        # (partial_fit refuses early stopping; L-BFGS has none)
        kw = {"classes": [0, 1]} if "Regressor" not in name else {}
        est.partial_fit(X, y, **kw)
    est.predict(X[:5])
    est.predict(X_LARGE)
    assert global_state() == before, "partial_fit and predict"
    est.set_params(warm_start=True).fit(X, y)
    assert global_state() == before, "warm start"


def test_lbfgs_runs_in_one_blas_thread_and_puts_the_threads_back():
    """SciPy's L-BFGS-B steps run in one BLAS thread, limited and lifted by
    the main thread (a thread count set from another thread does not reach
    the whole process: a fit there leaves the BLAS as it is)."""
    import threading

    from threadpoolctl import threadpool_info

    from skmlp._engine import _lbfgs

    def threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = threads()
    if max(before, default=1) == 1:
        pytest.skip("one BLAS thread already: a limit would show nothing")
    seen = {}
    with _lbfgs.one_blas_thread():
        seen["main"] = threads()
        with _lbfgs.one_blas_thread():  # a fit inside a fit (a callback's)
            seen["nested"] = threads()
        seen["after nested"] = threads()

    def other():
        with _lbfgs.one_blas_thread():
            seen["other thread"] = threads()

    worker = threading.Thread(target=other)
    worker.start()
    worker.join(10)
    ones = [1] * len(before)
    assert seen == {
        "main": ones,
        "nested": ones,
        "after nested": ones,
        "other thread": before,
    }
    assert threads() == before
    clf = MLPKerasClassifier(hidden_layer_sizes=(4,), max_iter=3, solver="lbfgs")
    clf.fit(X, Y_CLASS)
    assert threads() == before
