"""Bad input: scikit-learn's exception, a message naming the problem, no damage.

Every case is run against each estimator it applies to, after that estimator
was fitted once (module fixture). The failing call must raise the exception
scikit-learn raises for the same mistake (ValueError, TypeError,
NotFittedError), with a message that says what is wrong; and afterwards the
estimator must predict exactly as before, with every fitted attribute
unchanged (a failed call is a no-op). Bad parameters: ``test_bad_params``;
divergence and interruption: ``test_divergence``.
"""

from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest
from _estimators import ALL, FACTORIES, MLPS, NATIVE, WRAPPERS
from _snapshots import (
    CLASSIFIERS,
    NATIVE_CLASSIFIERS,
    WARNINGS,
    X_LARGE,
    X_SMALL,
    Y_CLASS,
    Y_REG,
    Snapshot,
    X,
    assert_same,
    assert_unchanged,
    params,
    put,
    state,
    target,
    with_params,
)
from numpy.testing import assert_array_equal
from sklearn.exceptions import NotFittedError

pytestmark = WARNINGS


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
        NATIVE,  # the wrappers take images (scikeras)
    ),
    Case(
        "X_3d_predict",
        lambda e, y: e.predict(X.reshape(30, 2, 2)),
        ValueError,
        ENDS_2D,
        NATIVE,
    ),
    Case(
        "X_4d_images",
        lambda e, y: e.fit(X.reshape(30, 2, 2, 1), y),
        ValueError,
        ENDS_2D,
        NATIVE,  # the wrappers take images (scikeras)
    ),
    Case(  # the wrappers check X as numeric first (scikeras), with scikit-learn
        "X_strings",
        lambda e, y: e.fit(_x_strings(), y),
        ValueError,
        "could not convert string to float: .*'a'|not compatible with arrays of "
        ".*strings",
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
        r"sample_weight contains NaN \(at sample 0\)",
    ),
    Case(
        "sw_inf",
        lambda e, y: e.fit(X, y, sample_weight=put(ONES, np.inf)),
        ValueError,
        r"sample_weight contains infinity \(at sample 0\)",
    ),
    Case(
        "sw_negative",
        lambda e, y: e.fit(X, y, sample_weight=put(ONES, -1.0, 3)),
        ValueError,
        r"sample_weight contains negative values \(-1.0 at sample 3\)",
    ),
    Case(
        "sw_all_zero",
        lambda e, y: e.fit(X, y, sample_weight=0 * ONES),
        ValueError,
        "Every sample_weight is zero",
    ),
    Case(
        "sw_too_short",
        lambda e, y: e.fit(X, y, sample_weight=ONES[:-1]),
        ValueError,
        r"sample_weight has shape \(29,\) but X has 30 samples",
    ),
    Case(
        "sw_2d",
        lambda e, y: e.fit(X, y, sample_weight=np.ones((30, 2))),
        ValueError,
        r"sample_weight has shape \(30, 2\) but X has 30 samples",
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
        r"sample_weight contains negative values \(-2.0 at sample 8\)",
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
    Case(
        "class_weight_negative",
        with_params(lambda e, y: e.fit(X, y), class_weight={0: -1.0}),
        ValueError,
        r"class_weight has invalid weights \{0: -1.0\}: every weight must be a "
        "finite number >= 0",
        CLASSIFIERS,
    ),
    Case(
        "class_weight_nan",
        with_params(lambda e, y: e.fit(X, y), class_weight={1: np.nan}),
        ValueError,
        r"class_weight has invalid weights \{1: nan\}",
        CLASSIFIERS,
    ),
    Case(
        "class_weight_inf",
        with_params(lambda e, y: e.fit(X, y), class_weight={2: np.inf}),
        ValueError,
        r"class_weight has invalid weights \{2: inf\}",
        CLASSIFIERS,
    ),
    Case(
        "class_weight_not_a_number",
        with_params(lambda e, y: e.fit(X, y), class_weight={2: "3"}),
        ValueError,
        r"class_weight has invalid weights \{2: '3'\}",
        CLASSIFIERS,
    ),
    Case(  # zero for some classes is allowed; for every class, nothing is left
        "class_weight_all_zero",
        with_params(lambda e, y: e.fit(X, y), class_weight={0: 0, 1: 0, 2: 0}),
        ValueError,
        "Every sample's weight is zero once class_weight is applied",
        CLASSIFIERS,
    ),
    Case(
        "class_weight_zero_where_sample_weight_is_not",
        with_params(
            lambda e, y: e.fit(X, y, sample_weight=(y == 0).astype(float)),
            class_weight={0: 0.0},
        ),
        ValueError,
        "Every sample's weight is zero once class_weight is applied",
        CLASSIFIERS,
    ),
    Case(
        "partial_fit_class_weight_balanced",
        with_params(
            lambda e, y: e.partial_fit(X, y, classes=[0, 1, 2]),
            class_weight="balanced",
        ),
        ValueError,
        r"class_weight 'balanced' is not supported for partial_fit\. In order to "
        r"use 'balanced' weights, use compute_class_weight\('balanced', "
        r"classes=classes, y=y\)",
        CLASSIFIERS,
    ),
    # -- class targets of more than one column ----------------------------------
    Case(
        "y_two_label_columns",
        lambda e, y: e.fit(X, np.column_stack([y, y])),
        ValueError,
        "Multioutput target data is not supported with label binarization",
        NATIVE_CLASSIFIERS,
    ),
    Case(
        "y_two_string_columns_partial_fit",
        lambda e, y: e.partial_fit(X, np.column_stack([y, y]).astype(str)),
        ValueError,
        "Multioutput target data is not supported with label binarization",
        NATIVE_CLASSIFIERS,
    ),
    Case(
        "y_two_label_columns_warm_start",
        with_params(lambda e, y: e.fit(X, np.column_stack([y, y])), warm_start=True),
        ValueError,
        "Multioutput target data is not supported with label binarization",
        NATIVE_CLASSIFIERS,
    ),
    Case(
        "y_indicator_of_two_nonzero_values",
        lambda e, y: e.fit(X, 2 * Y_INDICATOR - 1),
        ValueError,
        r"label indicator matrix of the values \[-1, 1\]; it must hold 0 for an "
        r"absent label.*\(y == 1\)\.astype\(int\)",
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
        "partial_fit_after_set_params_hidden_layer_sizes",
        with_params(lambda e, y: e.partial_fit(X, y), hidden_layer_sizes=(8, 8)),
        ValueError,
        r"partial_fit continues the fitted network, built with "
        r"hidden_layer_sizes=\(8,\), but the estimator now has "
        r"hidden_layer_sizes=\(8, 8\)",
        MLPS,
    ),
    Case(
        "partial_fit_after_set_params_activation",
        with_params(lambda e, y: e.partial_fit(X, y), activation="tanh"),
        ValueError,
        r"built with activation='relu', but the estimator now has "
        r"activation='tanh'\. Set it back with set_params\(activation='relu'\)",
        MLPS,
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
        NATIVE_CLASSIFIERS,
    ),
    Case(
        "partial_fit_multilabel_after_multiclass",
        lambda e, y: e.partial_fit(X, Y_INDICATOR),
        ValueError,
        "multilabel target",
        NATIVE_CLASSIFIERS,
    ),
    Case(  # KerasClassifier trains on multi-output class targets (scikeras)
        "partial_fit_2d_y_after_1d_y",
        lambda e, y: e.partial_fit(X, np.column_stack([y, y])),
        ValueError,
        r"y has 2 dimensions, but this \w+ is expecting 1 dimensions in y",
        WRAPPERS,
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
    Case(  # the wrappers take n-d X, and count its second axis as features
        "X_3d_predict_wrappers",
        lambda e, y: e.predict(X.reshape(30, 2, 2)),
        ValueError,
        r"X has 2 features, but \w+ is expecting 4 features as input",
        WRAPPERS,
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
        r"The validation set: y_val contains labels \[5\] that y does not",
        ("clf",),
    ),
    Case(
        "validation_set_both_spellings",
        lambda e, y: e.fit(X, y, X_val=X, y_val=y, validation_data=(X, y)),
        ValueError,
        r"Got validation_data and X_val, y_val: both give the validation set\. "
        r"Pass X_val=\.\.\., y_val=\.\.\. .* not both",
        MLPS,
    ),
    Case(
        "X_val_without_y_val",
        lambda e, y: e.fit(X, y, X_val=X),
        ValueError,
        r"X_val is provided, but y_val was not provided: pass both",
        MLPS,
    ),
    Case(
        "y_val_without_X_val",
        lambda e, y: e.fit(X, y, y_val=y),
        ValueError,
        r"y_val is provided, but X_val was not provided: pass both",
        MLPS,
    ),
    Case(
        "X_val_n_features",
        lambda e, y: e.fit(X, y, X_val=X[:, :3], y_val=y),
        ValueError,
        "X has 3 features, but .* is expecting 4 features",
        MLPS,
    ),
    Case(
        "y_val_unseen_label",
        lambda e, y: e.fit(X, y, X_val=X, y_val=Y_UNSEEN),
        ValueError,
        r"y_val contains labels \[5\] that y does not",
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
        MLPS + WRAPPERS,
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


@pytest.mark.parametrize("name", NATIVE_CLASSIFIERS)  # scikeras: y's classes
def test_first_partial_fit_needs_classes(name):
    est = FACTORIES[name]()
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        est.partial_fit(X, Y_CLASS)
    assert not hasattr(est, "classes_")
