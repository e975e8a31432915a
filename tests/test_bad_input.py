"""Bad input: scikit-learn's exception, a message naming the problem, no damage.

Every case is run against each estimator it applies to, after that estimator
was fitted once (module fixture). The failing call must raise the exception
scikit-learn raises for the same mistake (ValueError, TypeError,
InvalidParameterError, NotFittedError), with a message that says what is
wrong; and afterwards the estimator must predict exactly as before, with every
fitted attribute unchanged (a failed call is a no-op).
"""

import copy
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest
from _estimators import ALL, FACTORIES, MLPS, keras_rows
from numpy.testing import assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
]

RNG = np.random.RandomState(0)
X = RNG.randn(30, 4)
Y_CLASS = np.arange(30) % 3
Y_REG = X[:, 0] - X[:, 1]
X_SMALL = X[:7]  # the NumPy forward pass of the MLPs
X_LARGE = keras_rows(X)  # the Keras predict of the MLPs

CLASSIFIERS = ("clf", "perc")


def target(name):
    return Y_REG if name == "reg" else Y_CLASS


# --------------------------------------------------------------------------
# Snapshots: what "exactly as before" means.
# --------------------------------------------------------------------------


def outputs(est, large=True):
    """Every prediction method on a small input, and the most detailed one
    (which the others decode) on a large one."""
    out = {}
    for method in ("predict", "predict_proba", "decision_function"):
        if hasattr(est, method):
            out[f"{method}/small"] = getattr(est, method)(X_SMALL)
            if large:
                out["large"] = (method, getattr(est, method)(X_LARGE))
    return out


def state(est):
    """A deep copy of the estimator's attributes, the live Keras model's
    weights in place of the model itself."""
    snap = {k: copy.deepcopy(v) for k, v in vars(est).items() if k != "_trainer"}
    trainer = vars(est).get("_trainer")
    if trainer is not None:
        weights = trainer.model.get_weights()
        snap["model_.get_weights()"] = [np.asarray(w) for w in weights]
    return snap


def assert_same(a, b, path="estimator"):
    """Recursive exact equality of NumPy arrays, containers and scalars."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), path
        assert a.dtype == b.dtype, path
        assert_array_equal(a, b, err_msg=path)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for k in a:
            assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, list | tuple):
        assert type(a) is type(b) and len(a) == len(b), path
        for i, (u, v) in enumerate(zip(a, b)):
            assert_same(u, v, f"{path}[{i}]")
    elif isinstance(a, float) and np.isnan(a):
        assert isinstance(b, float) and np.isnan(b), path
    else:
        assert a == b, path


class Snapshot(NamedTuple):
    outputs: dict
    state: dict


def snapshot(est):
    return Snapshot(outputs(est), state(est))


def assert_unchanged(est, snap, large=True):
    """Attributes, live weights and predictions as in ``snap``. ``large=False``
    skips the (slower) Keras prediction: the live weights are compared."""
    assert_same(state(est), snap.state)
    out = outputs(est, large)
    assert_same(out, {k: snap.outputs[k] for k in out})


@pytest.fixture(scope="module")
def fitted():
    """Each estimator fitted once, with its snapshot."""
    out = {}
    for name, make in FACTORIES.items():
        est = make().fit(X, target(name))
        out[name] = (est, snapshot(est))
    return out


@pytest.fixture(scope="module")
def fitted32():
    """The MLPs fitted on float32 X (a float32 network), with snapshots."""
    out = {}
    for name in MLPS:
        est = FACTORIES[name]().fit(X.astype(np.float32), target(name))
        out[name] = (est, snapshot(est))
    return out


@contextmanager
def params(est, **kw):
    """Set parameters for the duration of a call, then restore them."""
    old = {k: est.get_params()[k] for k in kw}
    est.set_params(**kw)
    try:
        yield est
    finally:
        est.set_params(**old)


def with_params(call, **kw):
    def run(est, y):
        with params(est, **kw):
            call(est, y)

    return run


def put(a, value, index=0):
    """A float copy of ``a`` with ``value`` at flat ``index``."""
    a = np.array(a, dtype=np.float64)
    a.flat[index] = value
    return a


def _x_strings():
    Xs = X.astype(str)
    Xs[3, 1] = "a"
    return Xs


def _x_objects():
    Xo = X.astype(object)
    Xo[3, 1] = {"a": 1}
    return Xo


ONES = np.ones(len(X))
Y_UNSEEN = np.where(np.arange(30) == 4, 5, Y_CLASS)
Y_INDICATOR = np.eye(3, dtype=int)[Y_CLASS]
Y_REG_2D = np.column_stack([Y_REG, -Y_REG])
ENDS_2D = r"reshape .*to \(n_samples, n_features\)"


# --------------------------------------------------------------------------
# The cases: (id, call, exception, match, estimators).
# --------------------------------------------------------------------------


class Case(NamedTuple):
    id: str
    call: object
    exc: type
    match: str
    only: tuple = ALL


CASES = [
    # -- X --------------------------------------------------------------------
    Case(
        "X_nan",
        lambda e, y: e.fit(put(X, np.nan), y),
        ValueError,
        "Input X contains NaN",
    ),
    Case(
        "X_inf",
        lambda e, y: e.fit(put(X, np.inf), y),
        ValueError,
        "Input X contains infinity",
    ),
    Case(
        "X_minus_inf",
        lambda e, y: e.fit(put(X, -np.inf, 7), y),
        ValueError,
        "Input X contains infinity",
    ),
    Case(  # float64 X trains in float64, where 1e300 overflows the sums
        "X_too_large_for_the_network",
        lambda e, y: e.fit(X * 1e306, y),
        ValueError,
        "Solver produced non-finite parameter weights",
        ("reg",),  # the squared error overflows (a classifier's loss is clipped)
    ),
    Case(
        "X_nan_predict",
        lambda e, y: e.predict(put(X_SMALL, np.nan)),
        ValueError,
        "Input X contains NaN",
    ),
    Case(
        "X_inf_predict_large",
        lambda e, y: e.predict(put(X_LARGE, np.inf, 99)),
        ValueError,
        "Input X contains infinity",
    ),
    Case(
        "X_empty",
        lambda e, y: e.fit(X[:0], y[:0]),
        ValueError,
        r"Found array with 0 sample\(s\)",
    ),
    Case(
        "X_empty_predict",
        lambda e, y: e.predict(X[:0]),
        ValueError,
        r"Found array with 0 sample\(s\)",
    ),
    Case(
        "X_no_features", lambda e, y: e.fit(X[:, :0], y), ValueError, r"0 feature\(s\)"
    ),
    Case(
        "X_1d",
        lambda e, y: e.fit(X[:, 0], y),
        ValueError,
        "Expected 2D array, got 1D array",
    ),
    Case(
        "X_1d_predict",
        lambda e, y: e.predict(X[0]),
        ValueError,
        r"(?s)Expected 2D array, got 1D array.*reshape\(1, -1\)",
    ),
    Case(
        "X_None",
        lambda e, y: e.fit(None, y),
        ValueError,
        "Expected 2D array, got scalar array",
    ),
    Case(
        "X_3d",
        lambda e, y: e.fit(X.reshape(30, 2, 2), y),
        ValueError,
        r"X has shape \(30, 2, 2\).*" + ENDS_2D,
    ),
    Case(
        "X_3d_predict", lambda e, y: e.predict(X.reshape(30, 2, 2)), ValueError, ENDS_2D
    ),
    Case(
        "X_4d_images",
        lambda e, y: e.fit(X.reshape(30, 2, 2, 1), y),
        ValueError,
        ENDS_2D,
    ),
    Case(
        "X_strings",
        lambda e, y: e.fit(_x_strings(), y),
        ValueError,
        "could not convert string to float: .*'a'",
    ),
    Case(
        "X_strings_predict",
        lambda e, y: e.predict(_x_strings()),
        ValueError,
        "could not convert string to float|not compatible with arrays of .*strings",
    ),
    Case(
        "X_objects",
        lambda e, y: e.fit(_x_objects(), y),
        TypeError,
        r"float\(\) argument must be .* not 'dict'",
    ),
    Case(
        "X_complex",
        lambda e, y: e.fit(X + 1j, y),
        ValueError,
        "Complex data not supported",
    ),
    Case(
        "X_ragged",
        lambda e, y: e.fit([[1.0, 2.0], [3.0]] * 15, y),
        ValueError,
        "inhomogeneous shape",
    ),
    # -- y ----------------------------------------------------------------------
    Case(
        "y_None",
        lambda e, y: e.fit(X, None),
        ValueError,
        "requires y to be passed, but the target y is None",
    ),
    Case(
        "y_nan",
        lambda e, y: e.fit(X, put(y, np.nan, 5)),
        ValueError,
        "Input y contains NaN",
    ),
    Case(
        "y_inf",
        lambda e, y: e.fit(X, put(y, np.inf, 5)),
        ValueError,
        "Input y contains infinity",
    ),
    Case(
        "y_too_short",
        lambda e, y: e.fit(X, y[:-1]),
        ValueError,
        r"inconsistent numbers of samples: \[30, 29\]",
    ),
    Case(
        "y_too_long",
        lambda e, y: e.fit(X, np.r_[y, y[:1]]),
        ValueError,
        r"inconsistent numbers of samples: \[30, 31\]",
    ),
    Case(
        "y_strings_regression",
        lambda e, y: e.fit(X, np.array(["a"] * 30)),
        ValueError,
        "could not convert string to float",
        ("reg",),
    ),
    Case(
        "y_too_large_for_float32",
        lambda e, y: e.fit(X.astype(np.float32), put(y, 1e300, 5)),
        ValueError,
        r"y contains a value too large for dtype\('float32'\)",
        ("reg",),
    ),
    Case(
        "y_negative_poisson",
        with_params(lambda e, y: e.fit(X, y), loss="poisson"),
        ValueError,
        r"negative; loss='poisson' requires y >= 0",
        ("reg",),
    ),
    Case(  # the MLP fits one class, as scikit-learn's (tests/test_mlp.py)
        "y_single_class",
        lambda e, y: e.fit(X, np.zeros(30, dtype=int)),
        ValueError,
        r"only one class \(\[0\]\).*at least two classes",
        ("perc",),
    ),
    Case(
        "y_continuous",
        lambda e, y: e.fit(X, Y_REG),
        ValueError,
        "Unknown label type: continuous",
        CLASSIFIERS,
    ),
    # -- sample_weight ---------------------------------------------------------
    Case(
        "sw_nan",
        lambda e, y: e.fit(X, y, sample_weight=put(ONES, np.nan)),
        ValueError,
        "Input sample_weight contains NaN",
    ),
    Case(
        "sw_inf",
        lambda e, y: e.fit(X, y, sample_weight=put(ONES, np.inf)),
        ValueError,
        "Input sample_weight contains infinity",
    ),
    Case(
        "sw_negative",
        lambda e, y: e.fit(X, y, sample_weight=put(ONES, -1.0, 3)),
        ValueError,
        "Negative values in data passed to `sample_weight`",
    ),
    Case(
        "sw_all_zero",
        lambda e, y: e.fit(X, y, sample_weight=0 * ONES),
        ValueError,
        "Sample weights must contain at least one non-zero number",
    ),
    Case(
        "sw_too_short",
        lambda e, y: e.fit(X, y, sample_weight=ONES[:-1]),
        ValueError,
        r"sample_weight.shape == \(29,\), expected \(30,\)",
    ),
    Case(
        "sw_2d",
        lambda e, y: e.fit(X, y, sample_weight=np.ones((30, 2))),
        ValueError,
        "Sample weights must be 1D array or scalar, got 2D array",
    ),
    Case(
        "sw_strings",
        lambda e, y: e.fit(X, y, sample_weight=np.array(["w"] * 30)),
        ValueError,
        "could not convert string to float",
    ),
    Case(
        "sw_partial_fit_negative",
        lambda e, y: e.partial_fit(X, y, sample_weight=put(ONES, -2.0, 8)),
        ValueError,
        "Negative values in data passed to `sample_weight`",
    ),
    Case(
        "class_weight_unknown_key",
        with_params(lambda e, y: e.fit(X, y), class_weight={0: 1.0, 7: 2.0}),
        ValueError,
        r"class_weight has keys \[7\] that are not class labels",
        CLASSIFIERS,
    ),
    Case(
        "class_weight_string_keys",
        with_params(lambda e, y: e.fit(X, y), class_weight={"0": 1.0}),
        ValueError,
        r"class_weight has keys \['0'\] that are not class labels",
        CLASSIFIERS,
    ),
    # -- continuing training ------------------------------------------------
    Case(
        "partial_fit_unseen_label",
        lambda e, y: e.partial_fit(X, Y_UNSEEN),
        ValueError,
        r"y contains labels \[5\]",
        CLASSIFIERS,
    ),
    Case(
        "partial_fit_other_classes",
        lambda e, y: e.partial_fit(X, y, classes=[0, 1, 2, 3]),
        ValueError,
        r"classes=\[0, 1, 2, 3\] differs from the classes",
        ("clf",),
    ),
    Case(
        "warm_start_unseen_label",
        with_params(lambda e, y: e.fit(X, Y_UNSEEN), warm_start=True),
        ValueError,
        r"y contains labels \[5\]|warm_start can only be used where `y` has the same",
        CLASSIFIERS,
    ),
    Case(
        "warm_start_multilabel_after_multiclass",
        with_params(lambda e, y: e.fit(X, Y_INDICATOR), warm_start=True),
        ValueError,
        "multilabel target",
        CLASSIFIERS,
    ),
    Case(
        "partial_fit_multilabel_after_multiclass",
        lambda e, y: e.partial_fit(X, Y_INDICATOR),
        ValueError,
        "multilabel target",
        CLASSIFIERS,
    ),
    Case(
        "warm_start_more_outputs",
        with_params(lambda e, y: e.fit(X, Y_REG_2D), warm_start=True),
        ValueError,
        r"regression target with 2 output\(s\).*built for a "
        r"regression target with 1 output\(s\)",
        ("reg",),
    ),
    Case(
        "partial_fit_more_outputs",
        lambda e, y: e.partial_fit(X, Y_REG_2D),
        ValueError,
        r"with 2 output\(s\)",
        ("reg",),
    ),
    # -- feature count -------------------------------------------------------
    Case(
        "n_features_predict",
        lambda e, y: e.predict(X_SMALL[:, :3]),
        ValueError,
        r"X has 3 features, but \w+ is expecting 4 features as input",
    ),
    Case(
        "n_features_predict_large",
        lambda e, y: e.predict(np.c_[X_LARGE, X_LARGE]),
        ValueError,
        r"X has 8 features, but \w+ is expecting 4 features as input",
    ),
    Case(
        "n_features_partial_fit",
        lambda e, y: e.partial_fit(X[:, :3], y),
        ValueError,
        r"X has 3 features, but \w+ is expecting 4 features as input",
    ),
    Case(
        "n_features_warm_start",
        with_params(lambda e, y: e.fit(X[:, :3], y), warm_start=True),
        ValueError,
        r"X has 3 features, but \w+ is expecting 4 features as input",
    ),
    # -- MLP-only arguments -------------------------------------------------
    Case(
        "validation_data_not_a_tuple",
        lambda e, y: e.fit(X, y, validation_data=X),
        ValueError,
        r"validation_data must be a tuple \(X_val, y_val\)",
        MLPS,
    ),
    Case(
        "validation_data_n_features",
        lambda e, y: e.fit(X, y, validation_data=(X[:, :3], y)),
        ValueError,
        "X has 3 features, but .* is expecting 4 features",
        MLPS,
    ),
    Case(
        "validation_data_nan",
        lambda e, y: e.fit(X, y, validation_data=(put(X, np.nan), y)),
        ValueError,
        "Input X contains NaN",
        MLPS,
    ),
    Case(
        "validation_data_other_width",
        lambda e, y: e.fit(X, y, validation_data=(X, Y_REG_2D)),
        ValueError,
        r"y_val is a regression target with 2 output\(s\)",
        ("reg",),
    ),
    Case(
        "validation_data_unseen_label",
        lambda e, y: e.fit(X, y, validation_data=(X, Y_UNSEEN)),
        ValueError,
        r"validation_data: y_val contains labels \[5\] that y does not",
        ("clf",),
    ),
    Case(
        "hidden_layer_sizes_zero_units",
        with_params(lambda e, y: e.fit(X, y), hidden_layer_sizes=(8, 0)),
        ValueError,
        r"hidden_layer_sizes must be > 0, got \(8, 0\): positive integers",
        MLPS,
    ),
    Case(
        "hidden_layer_sizes_float_units",
        with_params(lambda e, y: e.fit(X, y), hidden_layer_sizes=[8, 2.5]),
        ValueError,
        "hidden_layer_sizes must be > 0.*positive integers",
        MLPS,
    ),
    Case(
        "callbacks_not_keras_callbacks",
        with_params(lambda e, y: e.fit(X, y), callbacks=[print]),
        TypeError,
        r"callbacks must be a list of keras.callbacks.Callback .*callbacks\[0\]",
        MLPS,
    ),
]

PARAMS = [
    pytest.param(name, case, id=f"{case.id}-{name}")
    for case in CASES
    for name in case.only
]


@pytest.mark.parametrize("name, case", PARAMS)
def test_bad_input_raises_and_changes_nothing(fitted, name, case):
    est, snap = fitted[name]
    with pytest.raises(case.exc, match=case.match):
        case.call(est, target(name))
    assert_unchanged(est, snap)


def test_enough_cases():
    assert len(PARAMS) >= 40


# --------------------------------------------------------------------------
# Feature names (pandas).
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted_df():
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    out = {}
    for name, make in FACTORIES.items():
        est = make().fit(df, target(name))
        out[name] = (
            est,
            df,
            Snapshot(
                {
                    "predict": est.predict(df.iloc[:7]),
                    "predict/large": est.predict(pd.concat([df] * 20)),
                },
                state(est),
            ),
        )
    return out


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("method", ["predict", "partial_fit", "warm_start"])
def test_other_feature_names(fitted_df, name, method):
    est, df, snap = fitted_df[name]
    assert_array_equal(est.feature_names_in_, ["a", "b", "c", "d"])
    renamed = df.rename(columns={"c": "z"})
    with pytest.raises(ValueError, match="feature names should match") as info:
        if method == "predict":
            est.predict(renamed)
        elif method == "partial_fit":
            est.partial_fit(renamed, target(name))
        else:
            with params(est, warm_start=True):
                est.fit(renamed, target(name))
    assert "z" in str(info.value) and "c" in str(info.value)
    assert_same(state(est), snap.state)
    assert_array_equal(est.predict(df.iloc[:7]), snap.outputs["predict"])
    assert_array_equal(est.predict(pd.concat([df] * 20)), snap.outputs["predict/large"])


# --------------------------------------------------------------------------
# Parameters: every one, a wrong type and an out-of-range value.
# --------------------------------------------------------------------------

_MLP_PARAMS = {
    "hidden_layer_sizes": ("8", 0),
    "activation": (1, "softmax"),
    "solver": (None, "newton"),
    "alpha": ("0.1", -1.0),
    "batch_size": (1.5, 0),
    "learning_rate": (1, "optimal"),
    "learning_rate_init": ("0.1", 0.0),
    "power_t": ("0.5", -0.5),
    "max_iter": (1.5, 0),
    "shuffle": ("yes", None),
    "random_state": ("seed", -1),
    "tol": ("0.1", -1.0),
    "verbose": ("1", -1),
    "warm_start": ("yes", None),
    "momentum": ("0.9", 1.5),
    "nesterovs_momentum": ("yes", None),
    "early_stopping": ("yes", None),
    "validation_fraction": ("0.1", 1.0),
    "beta_1": ("0.9", 1.0),
    "beta_2": ("0.9", -0.1),
    "epsilon": ("1e-8", 0.0),
    "n_iter_no_change": (1.5, 0),
    "max_fun": (1.5, 0),
    "callbacks": ("early_stopping", None),
    "distribution": (1.5, "tpu"),
}
BAD_PARAMS = {
    "clf": {**_MLP_PARAMS, "class_weight": (1.0, "unbalanced")},
    "reg": {
        **_MLP_PARAMS,
        "loss": (1, "hinge"),
        "huber_delta": ("1", 0.0),
        "output_activation": (1, "softmax"),
    },
    "perc": {
        "step": (1, "sigmoid"),
        "eta0": ("1", 0.0),
        "max_iter": (1.5, 0),
        "tol": ("0.1", -1.0),
        "n_iter_no_change": (1.5, 0),
        "shuffle": ("yes", None),
        "random_state": ("seed", -1),
        "fit_intercept": ("yes", None),
        "class_weight": (1.0, "unbalanced"),
        "average": ("yes", None),
        "warm_start": ("yes", None),
        "verbose": ("1", -1),
    },
}
PARAM_CASES = [
    pytest.param(name, param, value, id=f"{name}-{param}-{kind}")
    for name, table in BAD_PARAMS.items()
    for param, pair in table.items()
    for kind, value in zip(("wrong_type", "out_of_range"), pair)
    if not (kind == "out_of_range" and value is None)
]


@pytest.mark.parametrize("name", ALL)
def test_every_parameter_is_covered(name):
    assert set(BAD_PARAMS[name]) == set(FACTORIES[name]().get_params())


@pytest.mark.parametrize("name, param, value", PARAM_CASES)
def test_invalid_parameter(fitted, name, param, value):
    est, snap = fitted[name]
    match = rf"The '{param}' parameter of {type(est).__name__} must be .* Got "
    # (As in scikit-learn, partial_fit on a fitted estimator does not validate
    # the parameters again.)
    with params(est, **{param: value}):
        with pytest.raises(InvalidParameterError, match=match):
            est.fit(X, target(name))
    assert_unchanged(est, snap, large=False)


# --------------------------------------------------------------------------
# Not fitted.
# --------------------------------------------------------------------------

UNFITTED_CALLS = {
    "predict": lambda e: e.predict(X_SMALL),
    "predict_large": lambda e: e.predict(X_LARGE),
    "predict_proba": lambda e: e.predict_proba(X_SMALL),
    "predict_log_proba": lambda e: e.predict_log_proba(X_SMALL),
    "decision_function": lambda e: e.decision_function(X_SMALL),
    "score": lambda e: e.score(X, Y_CLASS),
    "model_": lambda e: e.model_,
}


@pytest.mark.parametrize(
    ("name", "method"),
    [
        (name, method)
        for name in ALL
        for method in UNFITTED_CALLS
        if hasattr(type(FACTORIES[name]()), method.removesuffix("_large"))
    ],
)
def test_not_fitted(name, method):
    est = FACTORIES[name]()
    before = dict(vars(est))
    with pytest.raises(NotFittedError, match="instance is not fitted yet"):
        UNFITTED_CALLS[method](est)
    assert vars(est) == before
    assert not hasattr(est, "model_")  # NotFittedError is an AttributeError


@pytest.mark.parametrize("name", ALL)
def test_failed_first_fit_leaves_estimator_unfitted(name):
    est = FACTORIES[name]()
    before = dict(vars(est))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.fit(put(X, np.nan, 11), target(name))
    assert vars(est) == before
    with pytest.raises(NotFittedError):
        est.predict(X_SMALL)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_first_partial_fit_needs_classes(name):
    est = FACTORIES[name]()
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        est.partial_fit(X, Y_CLASS)
    assert not hasattr(est, "classes_")


# --------------------------------------------------------------------------
# Divergence: a non-finite loss stops the fit in that epoch and changes nothing.
# --------------------------------------------------------------------------

import keras  # noqa: E402  (after the fast tests: TensorFlow is loaded by now)


class LossRecorder(keras.callbacks.Callback):
    """Records the loss of every epoch; optionally interrupts training."""

    def __init__(self, interrupt_at_epoch=None, interrupt_at_batch=None):
        super().__init__()
        self.losses, self.batches = [], 0
        self.interrupt_at_epoch = interrupt_at_epoch
        self.interrupt_at_batch = interrupt_at_batch

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        if self.batches == self.interrupt_at_batch:
            raise KeyboardInterrupt

    def on_epoch_end(self, epoch, logs=None):
        self.losses.append(float(logs["loss"]))
        if len(self.losses) == self.interrupt_at_epoch:
            raise KeyboardInterrupt


#: Unscaled float32 features of order 1e4 and sgd at 1e10: the loss explodes
#: (float32 X trains a float32 network, whose sums overflow at 3.4e38).
X_HUGE = (X * 1e4).astype(np.float32)
DIVERGING = dict(solver="sgd", learning_rate_init=1e10, max_iter=20)
DIVERGED = r"(?s)diverged.*in epoch {}.*learning_rate_init.*scale X"


def _assert_stopped_at_first_non_finite_loss(recorder):
    """Training stopped at the first epoch whose loss (or, after its last
    step, whose weights) became non-finite."""
    losses = np.array(recorder.losses)
    assert len(losses) < DIVERGING["max_iter"]
    assert np.all(np.isfinite(losses[:-1]))


@pytest.mark.parametrize("name", MLPS)
def test_divergence_of_a_first_fit(name):
    recorder = LossRecorder()
    est = FACTORIES[name]().set_params(callbacks=[recorder], **DIVERGING)
    before = dict(vars(est))
    with pytest.raises(ValueError, match=DIVERGED.format(r"\d+")) as info:
        est.fit(X_HUGE, target(name))
    _assert_stopped_at_first_non_finite_loss(recorder)
    assert f"in epoch {len(recorder.losses)}." in str(info.value)
    assert vars(est) == before
    with pytest.raises(NotFittedError):
        est.predict(X_SMALL)


@pytest.mark.parametrize("warm_start", [False, True], ids=["refit", "warm_start"])
@pytest.mark.parametrize("name", MLPS)
def test_divergence_leaves_fitted_estimator_as_before(fitted32, name, warm_start):
    est, snap = fitted32[name]
    recorder = LossRecorder()
    with params(est, callbacks=[recorder], warm_start=warm_start, **DIVERGING):
        with pytest.raises(ValueError, match=DIVERGED.format(r"\d+")):
            est.fit(X_HUGE, target(name))
    _assert_stopped_at_first_non_finite_loss(recorder)
    assert_unchanged(est, snap)


@pytest.mark.parametrize("name", MLPS)
def test_divergence_in_partial_fit_restores_model_and_optimizer(fitted32, name):
    """Features near float32's limit overflow the float32 network's sums."""
    est, snap = fitted32[name]
    X_overflow = (np.sign(X) * 3e38).astype(np.float32)
    for _ in range(2):  # the live model and optimizer are reused: both restored
        with pytest.raises(ValueError, match=DIVERGED.format(1)):
            est.partial_fit(X_overflow, target(name))
        assert_unchanged(est, snap)
    # A diverged optimizer (NaN moments) would poison the next partial_fit.
    twin = copy.deepcopy(est)
    twin.partial_fit(X, target(name))
    assert np.all(np.isfinite(twin.predict(X_SMALL).astype(float)))
    assert twin.loss_curve_[-1] < 1e3
    assert_unchanged(est, snap)


# --------------------------------------------------------------------------
# Interruption: Ctrl-C in a callback leaves the estimator as before the fit.
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", MLPS)
def test_interrupted_first_fit_leaves_estimator_unfitted(name):
    recorder = LossRecorder(interrupt_at_epoch=2)
    est = FACTORIES[name]().set_params(callbacks=[recorder], max_iter=10)
    before = dict(vars(est))
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, target(name))
    assert len(recorder.losses) == 2  # it did train, and was stopped mid-fit
    assert vars(est) == before
    with pytest.raises(NotFittedError):
        est.predict(X_SMALL)


@pytest.mark.parametrize(
    "how", ["refit", "warm_start", "partial_fit", "mid_epoch_partial_fit"]
)
@pytest.mark.parametrize("name", MLPS)
def test_interrupted_fit_leaves_fitted_estimator_as_before(fitted, name, how):
    est, snap = fitted[name]
    # A batch hook runs the steps one by one: 600 rows in batches of 10 make
    # 60 steps, so "batch 1" ends mid-epoch.
    data, y = X, target(name)
    if how == "mid_epoch_partial_fit":
        recorder = LossRecorder(interrupt_at_batch=1)
        data, y = np.tile(X, (20, 1)), np.tile(y, 20)
    else:
        recorder = LossRecorder(interrupt_at_epoch=1 if "partial" in how else 2)
    kw = dict(callbacks=[recorder], max_iter=10, batch_size=10)
    with params(est, warm_start=how == "warm_start", **kw):
        with pytest.raises(KeyboardInterrupt):
            if "partial_fit" in how:
                est.partial_fit(data, y)
            else:
                est.fit(data, y)
    assert recorder.batches >= 1
    assert_unchanged(est, snap)


def test_interrupted_perceptron_leaves_estimator_as_before(fitted, monkeypatch):
    """The perceptron has no callbacks: interrupt its epoch loop instead."""
    from skmlp import _rule

    est, snap = fitted["perc"]
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    real = _rule.run_epoch
    monkeypatch.setattr(_rule, "run_epoch", interrupted)
    for warm_start in (False, True):
        calls.clear()
        with params(est, warm_start=warm_start, tol=None):
            with pytest.raises(KeyboardInterrupt):
                est.fit(X, Y_CLASS)
        assert_unchanged(est, snap)


class PoisonWeights(keras.callbacks.Callback):
    """Overflows a kernel after the epoch's last step: the epoch's loss, computed
    before each step, is finite, but the network the fit would keep is not."""

    def on_train_batch_end(self, batch, logs=None):
        kernel = self.model.layers[0].kernel
        kernel.assign(np.full(kernel.shape, np.inf, dtype=kernel.dtype))


@pytest.mark.parametrize("how", ["first_fit", "warm_start", "partial_fit"])
@pytest.mark.parametrize("name", MLPS)
def test_non_finite_weights_count_as_divergence(fitted, name, how):
    if how == "first_fit":
        est = FACTORIES[name]().set_params(callbacks=[PoisonWeights()])
        before = dict(vars(est))
        with pytest.raises(ValueError, match=DIVERGED.format(1)):
            est.fit(X, target(name))
        assert vars(est) == before
        return
    est, snap = fitted[name]
    with params(est, callbacks=[PoisonWeights()], warm_start=how == "warm_start"):
        with pytest.raises(ValueError, match=DIVERGED.format(1)):
            if how == "partial_fit":
                est.partial_fit(X, target(name))
            else:
                est.fit(X, target(name))
    assert_unchanged(est, snap)
