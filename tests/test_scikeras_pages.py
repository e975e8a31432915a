"""scikeras's remaining tutorials (DataTransformers, Benchmarks) and doc pages
(the quickstart, the advanced page, the migration page), run with only the
import changed: ``from scikeras.wrappers import`` is ``from skmlp import``,
``scikeras.utils.random_state`` is ``skmlp.utils.random_state``.

Each test follows its page's code in order. Substitutions, each marked
``# offline:`` or ``# page:`` where it is made: MNIST (a download) becomes
scikit-learn's 8x8 digits, so the convolutions take 2x2 kernels; unseeded
global ``np.random`` data become a seeded ``RandomState``; epochs, sizes and
grids are small; the pages' ``...`` placeholders are filled with a model.
"""

import keras
import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.datasets import load_digits, make_classification
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    LabelEncoder,
    MinMaxScaler,
    StandardScaler,
)

from skmlp import KerasClassifier, KerasRegressor
from skmlp.utils.random_state import tensorflow_random_state

# -- DataTransformers ----------------------------------------------------------


class MultiOutputTransformer(BaseEstimator, TransformerMixin):
    """The notebook's target transformer (section 3.2), unchanged."""

    def fit(self, y):
        y_bin, y_cat = y[:, 0], y[:, 1]
        self.bin_encoder_ = LabelEncoder()
        self.cat_encoder_ = LabelEncoder()
        self.bin_encoder_.fit(y_bin)
        self.cat_encoder_.fit(y_cat)
        self.n_classes_ = [
            self.bin_encoder_.classes_.size,
            self.cat_encoder_.classes_.size,
        ]
        self.n_outputs_expected_ = 2
        return self

    def transform(self, y: np.ndarray) -> list[np.ndarray]:
        y_bin, y_cat = y[:, 0], y[:, 1]
        y_bin = self.bin_encoder_.transform(y_bin)
        y_cat = self.cat_encoder_.transform(y_cat)
        return [y_bin, y_cat]

    def inverse_transform(self, y: list[np.ndarray], return_proba=False):
        y_pred_proba = y
        if return_proba:
            return np.column_stack(y_pred_proba, axis=1)
        y_pred_bin = (y_pred_proba[0] > 0.5).astype(int).reshape(-1)
        y_pred_cat = np.argmax(y_pred_proba[1], axis=1)
        y_pred_bin = self.bin_encoder_.inverse_transform(y_pred_bin)
        y_pred_cat = self.cat_encoder_.inverse_transform(y_pred_cat)
        return np.column_stack([y_pred_bin, y_pred_cat])

    def get_metadata(self):
        return {
            "n_classes_": self.n_classes_,
            "n_outputs_expected_": self.n_outputs_expected_,
        }


class MultiOutputClassifier(KerasClassifier):
    @property
    def target_encoder(self):
        return MultiOutputTransformer()

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        y_bin, y_cat = y_true[:, 0], y_true[:, 1]
        y_pred_bin, y_pred_cat = y_pred[:, 0], y_pred[:, 1]
        return np.mean(
            [accuracy_score(y_bin, y_pred_bin), accuracy_score(y_cat, y_pred_cat)]
        )


def get_multi_output_model(meta):
    inp = keras.layers.Input(shape=(meta["n_features_in_"],))
    x1 = keras.layers.Dense(100, activation="relu")(inp)
    out_bin = keras.layers.Dense(1, activation="sigmoid")(x1)
    out_cat = keras.layers.Dense(meta["n_classes_"][1], activation="softmax")(x1)
    model = keras.Model(inputs=inp, outputs=[out_bin, out_cat])
    model.compile(loss=["binary_crossentropy", "sparse_categorical_crossentropy"])
    return model


def get_multi_input_model():
    inp1 = keras.layers.Input(shape=(1,))
    inp2 = keras.layers.Input(shape=(1,))
    x1 = keras.layers.Dense(100, activation="relu")(inp1)
    x2 = keras.layers.Dense(50, activation="relu")(inp2)
    concat = keras.layers.Concatenate(axis=-1)([x1, x2])
    out = keras.layers.Dense(1)(concat)
    model = keras.Model(inputs=[inp1, inp2], outputs=out)
    model.compile(loss="mse")
    return model


class MultiInputRegressor(KerasRegressor):
    @property
    def feature_encoder(self):
        return FunctionTransformer(func=lambda X: [X[:, 0], X[:, 1]])


def digits_images():
    """offline: scikit-learn's 8x8 digits stand in for MNIST's 28x28."""
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, test_size=360, random_state=0)


INPUT_SHAPE = (8, 8, 1)  # MNIST: (28, 28, 1)


def get_conv_model(meta=None):
    # page: kernel_size (2, 2) instead of (3, 3), the images being 8x8
    model = keras.Sequential(
        [
            keras.Input(INPUT_SHAPE),
            keras.layers.Conv2D(32, kernel_size=(2, 2), activation="relu"),
            keras.layers.MaxPooling2D(pool_size=(2, 2)),
            keras.layers.Conv2D(64, kernel_size=(2, 2), activation="relu"),
            keras.layers.MaxPooling2D(pool_size=(2, 2)),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    return model


class MultiDimensionalClassifier(KerasClassifier):
    @property
    def feature_encoder(self):
        return FunctionTransformer(func=lambda X: X.reshape(X.shape[0], *INPUT_SHAPE))


def test_data_transformers_tutorial():
    # 3. Multiple outputs. offline: seeded instead of np.random's global state
    rng = np.random.RandomState(0)
    X = rng.random_sample(size=(100, 10))
    y_bin = rng.randint(0, 2, size=(100,))
    y_cat = rng.randint(0, 5, size=(100,))
    y = [y_bin, y_cat]
    model = get_multi_output_model(meta={"n_features_in_": 10, "n_classes_": [2, 5]})
    model.fit(X, y, verbose=0)
    y_pred = model.predict(X, verbose=0)

    tf = MultiOutputTransformer()
    y_sklearn = np.column_stack(y)
    y_keras = tf.fit_transform(y_sklearn)
    np.testing.assert_array_equal(y_keras[1], y_cat)
    assert tf.inverse_transform(y_pred).shape == (100, 2)
    assert tf.get_metadata() == {"n_classes_": [2, 5], "n_outputs_expected_": 2}

    X = StandardScaler().fit_transform(y_sklearn)  # labels as features
    clf = MultiOutputClassifier(
        model=get_multi_output_model, verbose=0, random_state=0, epochs=20
    )  # page: epochs=20 (the default, 1, is the page's; a score needs more)
    score = clf.fit(X, y_sklearn).score(X, y_sklearn)
    assert clf.n_classes_ == [2, 5] and clf.n_outputs_expected_ == 2
    assert clf.predict(X).shape == y_sklearn.shape
    assert 0.6 < score <= 1  # chance: (0.5 + 0.2) / 2

    # 4. Multiple inputs
    X = rng.random_sample(size=(100, 2))
    y = np.sum(X, axis=1)
    X = np.split(X, 2, axis=1)
    model = get_multi_input_model()
    model.fit(X, y, verbose=0)
    assert model.predict(X, verbose=0).squeeze().shape == y.shape
    reg = MultiInputRegressor(
        model=get_multi_input_model, verbose=0, random_state=0, epochs=30
    )  # page: epochs=30, as above
    X_sklearn = np.column_stack(X)
    assert reg.fit(X_sklearn, y).score(X_sklearn, y) > 0.5

    # 5. Multidimensional inputs
    x_train, x_test, y_train, y_test = digits_images()
    x_train = MinMaxScaler().fit_transform(x_train)
    x_test = MinMaxScaler().fit_transform(x_test)
    clf = MultiDimensionalClassifier(
        model=get_conv_model,
        epochs=10,
        batch_size=128,
        validation_split=0.1,
        random_state=0,
    )
    clf.fit(x_train, y_train)
    assert len(clf.history_["val_loss"]) == 10
    assert clf.score(x_test, y_test) > 0.5  # chance: 0.1


def test_benchmarks_tutorial():
    x_train, x_test, y_train, y_test = digits_images()
    x_train = (x_train.astype("float32") / 16).reshape(-1, *INPUT_SHAPE)
    x_test = (x_test.astype("float32") / 16).reshape(-1, *INPUT_SHAPE)
    fit_kwargs = {"batch_size": 128, "validation_split": 0.1, "verbose": 0, "epochs": 5}

    with tensorflow_random_state(seed=0):
        model = get_conv_model()
        model.fit(x_train, y_train, **fit_kwargs)
        y_pred = np.argmax(model.predict(x_test, verbose=0), axis=1)
    keras_accuracy = accuracy_score(y_test, y_pred)

    clf = KerasClassifier(model=get_conv_model, random_state=0, **fit_kwargs)
    clf.fit(x_train, y_train)
    skmlp_accuracy = accuracy_score(y_test, clf.predict(x_test))
    # The page's "the accuracy is identical" holds for scikeras, whose fit
    # runs under the same global seeds; skmlp's random_state seeds the model
    # and the batch order without them: the same model, another draw.
    assert keras_accuracy > 0.3 and skmlp_accuracy > 0.3  # chance: 0.1
    assert abs(keras_accuracy - skmlp_accuracy) < 0.25


def test_tensorflow_random_state_leaves_nothing_behind():
    import os
    import random

    import tensorflow as tf

    before = (random.getstate(), np.random.get_state()[1].copy())
    env = os.environ.get("TF_DETERMINISTIC_OPS")
    draws = []
    for _ in range(2):
        with tensorflow_random_state(42):
            draws.append(float(tf.random.uniform([1])[0]))
            np.random.rand()
            random.random()
    assert draws[0] == draws[1]
    assert random.getstate() == before[0]
    np.testing.assert_array_equal(np.random.get_state()[1], before[1])
    assert os.environ.get("TF_DETERMINISTIC_OPS") == env
    # TensorFlow's global seed is unset again: unseeded draws differ.
    assert len({float(tf.random.uniform([1])[0]) for _ in range(4)}) == 4


# -- The quickstart (README / index) ----------------------------------------------


def test_quickstart_page():
    X, y = make_classification(1000, 20, n_informative=10, random_state=0)
    X = X.astype(np.float32)
    y = y.astype(np.int64)

    def get_model(hidden_layer_dim, meta):
        n_features_in_ = meta["n_features_in_"]
        X_shape_ = meta["X_shape_"]
        n_classes_ = meta["n_classes_"]
        model = keras.models.Sequential()
        model.add(keras.layers.Dense(n_features_in_, input_shape=X_shape_[1:]))
        model.add(keras.layers.Activation("relu"))
        model.add(keras.layers.Dense(hidden_layer_dim))
        model.add(keras.layers.Activation("relu"))
        model.add(keras.layers.Dense(n_classes_))
        model.add(keras.layers.Activation("softmax"))
        return model

    clf = KerasClassifier(
        get_model, loss="sparse_categorical_crossentropy", hidden_layer_dim=100
    )
    clf.fit(X, y)
    y_proba = clf.predict_proba(X)
    assert y_proba.shape == (1000, 2)
    np.testing.assert_allclose(y_proba.sum(axis=1), 1, rtol=1e-6)

    pipe = Pipeline([("scale", StandardScaler()), ("clf", clf)])
    pipe.fit(X, y)
    assert pipe.predict_proba(X).shape == (1000, 2)

    params = {  # page: 2 x 1 x 2 x 2 instead of 3 x 1 x 2 x 3, cv=2
        "hidden_layer_dim": [50, 100],
        "loss": ["sparse_categorical_crossentropy"],
        "optimizer": ["adam", "sgd"],
        "optimizer__learning_rate": [0.001, 0.1],
    }
    gs = GridSearchCV(clf, params, refit=False, cv=2, scoring="accuracy")
    gs.fit(X[:300], y[:300])
    assert 0.5 < gs.best_score_ <= 1 and set(gs.best_params_) == set(params)


# -- The advanced page ---------------------------------------------------------------


def two_outputs(meta):
    """page: the ``Model(...)`` of the examples, with outputs out1 and out2."""
    inp = keras.Input((meta["n_features_in_"],))
    hidden = keras.layers.Dense(4, activation="relu")(inp)
    out1 = keras.layers.Dense(1, activation="sigmoid", name="out1")(hidden)
    out2 = keras.layers.Dense(2, activation="softmax", name="out2")(hidden)
    return keras.Model(inp, [out1, out2])


def one_output(meta):
    return keras.Sequential(
        [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1, "sigmoid")]
    )


XB, YB = make_classification(60, 4, random_state=0)


def compiled_with(build, **params):
    """The ``compile_kwargs`` a build function receives for ``params``."""
    seen = {}

    def model_build_fn(meta, compile_kwargs):
        seen.update(compile_kwargs)
        return build(meta)

    KerasClassifier(model=model_build_fn, **params).initialize(XB, YB)
    return seen


def test_advanced_page_compilation_and_build_arguments():
    def model_build_fn(compile_kwargs, my_param, meta, params):
        optimizer = compile_kwargs["optimizer"]
        assert isinstance(optimizer, keras.optimizers.Adam)  # compiled to objects
        assert my_param == 10 and params["my_param"] == 10
        model = one_output(meta)
        model.compile(optimizer=optimizer, loss="binary_crossentropy")
        return model

    clf = KerasClassifier(model=model_build_fn, optimizer="adam", my_param=10)
    assert clf.fit(XB, YB).predict(XB).shape == YB.shape

    # An uncompiled model: compiled from the parameters (page: loss added).
    clf = KerasClassifier(
        model=one_output, optimizer=keras.optimizers.Adam, loss="binary_crossentropy"
    )
    assert isinstance(clf.fit(XB, YB).model_.optimizer, keras.optimizers.Adam)

    clf = KerasClassifier(
        model=one_output,
        loss="binary_crossentropy",
        fit__batch_size=32,
        predict__batch_size=10000,
    )
    assert clf.fit(XB, YB).predict(XB).shape == YB.shape


def test_advanced_page_routed_compile_parameters():
    from keras.losses import BinaryCrossentropy, CategoricalCrossentropy
    from keras.metrics import AUC, BinaryAccuracy

    kw = compiled_with(
        one_output, optimizer=keras.optimizers.SGD, optimizer__learning_rate=0.05
    )
    assert isinstance(kw["optimizer"], keras.optimizers.SGD)
    assert float(kw["optimizer"].learning_rate) == pytest.approx(0.05)

    kw = compiled_with(one_output, loss=BinaryCrossentropy, loss__label_smoothing=0.1)
    assert kw["loss"].get_config()["label_smoothing"] == pytest.approx(0.1)

    kw = compiled_with(
        two_outputs,
        loss=[BinaryCrossentropy, CategoricalCrossentropy],
        loss__from_logits=True,
        loss__1__label_smoothing=0.5,
    )
    assert [type(x) for x in kw["loss"]] == [
        BinaryCrossentropy,
        CategoricalCrossentropy,
    ]
    assert all(x.get_config()["from_logits"] for x in kw["loss"])
    assert kw["loss"][1].get_config()["label_smoothing"] == pytest.approx(0.5)
    kw = compiled_with(
        two_outputs,
        loss={"out1": BinaryCrossentropy, "out2": CategoricalCrossentropy},
        loss__from_logits=True,
        loss__out2__label_smoothing=0.5,
    )
    assert kw["loss"]["out1"].get_config()["from_logits"]
    assert kw["loss"]["out2"].get_config()["label_smoothing"] == pytest.approx(0.5)

    kw = compiled_with(one_output, metrics=BinaryAccuracy, metrics__threshold=0.65)
    assert kw["metrics"][0].threshold == pytest.approx(0.65)
    kw = compiled_with(
        one_output, metrics=[BinaryAccuracy, AUC], metrics__0__threshold=0.65
    )
    assert kw["metrics"][0].threshold == pytest.approx(0.65)
    assert isinstance(kw["metrics"][1], AUC)
    kw = compiled_with(
        two_outputs,
        metrics={"out1": BinaryAccuracy, "out2": [BinaryAccuracy, AUC]},
        metrics__out1__threshold=0.65,
        metrics__out2__0__threshold=0.65,
    )
    assert kw["metrics"]["out1"].threshold == pytest.approx(0.65)
    assert kw["metrics"]["out2"][0].threshold == pytest.approx(0.65)
    # page: "equivalent" with out2's metrics in the dict's order; in the
    # page's order, [AUC, BinaryAccuracy], AUC has no threshold (as in scikeras).
    kw = compiled_with(
        two_outputs,
        metrics=[BinaryAccuracy, [BinaryAccuracy, AUC]],
        metrics__0__threshold=0.65,
        metrics__1__0__threshold=0.65,
    )
    assert kw["metrics"][0].threshold == pytest.approx(0.65)
    assert kw["metrics"][1][0].threshold == pytest.approx(0.65)
    assert isinstance(kw["metrics"][1][1], AUC)
    with pytest.raises(ValueError, match="AUC could not be built from metrics__1__0"):
        compiled_with(
            two_outputs,
            metrics=[BinaryAccuracy, [AUC, BinaryAccuracy]],
            metrics__1__0__threshold=0.65,
        )


class Recorder(keras.callbacks.Callback):
    """page: MyCallback, recording instead of printing."""

    events: list = []

    def on_train_begin(self, logs=None):
        self.events.append("train")

    def on_test_begin(self, logs=None):
        self.events.append("test")

    def on_predict_begin(self, logs=None):
        self.events.append("predict")


class Schedule:
    """Exponential decay lr scheduler (the page's, with keras.ops for tf)."""

    def __init__(self, wait_until_epoch: int = 10, coef: float = 0.1) -> None:
        self.wait_until_epoch = wait_until_epoch
        self.coef = coef

    def __call__(self, epoch: int, lr: float):
        if epoch < self.wait_until_epoch:
            return lr
        return lr * float(keras.ops.exp(-self.coef))


def test_advanced_page_callbacks():
    base = dict(model=one_output, loss="binary_crossentropy", epochs=3)
    clf = KerasClassifier(
        **base, callbacks=keras.callbacks.EarlyStopping, callbacks__monitor="loss"
    ).fit(XB, YB)
    assert len(clf.history_["loss"]) == 3
    # page: keras.callbacks.BaseLogger is gone from Keras 3 (TerminateOnNaN here)
    for callbacks, key in [
        (
            {"bl": keras.callbacks.TerminateOnNaN, "es": keras.callbacks.EarlyStopping},
            "callbacks__es__monitor",
        ),
        (
            [keras.callbacks.TerminateOnNaN, keras.callbacks.EarlyStopping],
            "callbacks__1__monitor",
        ),
    ]:
        KerasClassifier(**base, callbacks=callbacks, **{key: "loss"}).fit(XB, YB)

    Recorder.events = []
    clf = KerasClassifier(**base, callbacks=Recorder, fit__validation_split=0.2).fit(
        XB, YB
    )
    clf.predict(XB)
    assert Recorder.events[:2] == ["train", "test"] and Recorder.events[-1] == "predict"
    Recorder.events = []
    clf = KerasClassifier(**base, fit__callbacks=Recorder).fit(XB, YB)
    clf.predict(XB)
    assert Recorder.events == ["train"]
    clf = KerasClassifier(**base, predict__callbacks=Recorder).fit(XB, YB)
    clf.predict(XB)
    assert Recorder.events == ["train", "predict"]

    clf = KerasClassifier(
        **{**base, "epochs": 4},
        optimizer__learning_rate=0.1,
        callbacks=keras.callbacks.LearningRateScheduler,
        callbacks__0=Schedule,
        callbacks__0__coef=0.2,
        callbacks__0__wait_until_epoch=2,
    ).fit(XB, YB)
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(
        0.1 * np.exp(-0.4), rel=1e-5
    )


# -- The migration page ---------------------------------------------------------------


def test_migration_page():
    def get_model(meta):
        model = one_output(meta)
        model.compile(loss="mse", metrics=["mae"])
        return model

    clf = KerasClassifier(get_model)
    hist = clf.fit(XB, YB).history_
    assert len(hist["mean_absolute_error"]) == 1

    Xr, yr = XB, XB @ [1.0, -1.0, 0.5, 2.0]
    reg = KerasRegressor(
        lambda meta: keras.Sequential(
            [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1)]
        ),
        loss="mse",
        epochs=50,
        optimizer__learning_rate=0.05,
        random_state=0,
    ).fit(Xr, yr)
    assert reg.score(Xr, yr) == pytest.approx(r2_score(yr, reg.predict(Xr)))

    def softmax_model(meta):
        return keras.Sequential(
            [
                keras.Input((meta["n_features_in_"],)),
                keras.layers.Dense(meta["n_classes_"], activation="softmax"),
            ]
        )

    X3, y3 = make_classification(
        60, 4, n_informative=3, n_redundant=0, n_classes=3, random_state=0
    )
    clf = KerasClassifier(softmax_model, loss="categorical_crossentropy").fit(X3, y3)
    np.testing.assert_array_equal(clf.target_encoder_.transform(y3).argmax(1), y3)

    base = dict(model=one_output, loss="binary_crossentropy")
    KerasClassifier(**base).fit(XB, YB, batch_size=32)  # fit's **kwargs
    KerasClassifier(**base, batch_size=32).fit(XB, YB)
    KerasClassifier(**base, fit__batch_size=32, predict__batch_size=10000).fit(XB, YB)
    clf = KerasClassifier(**base)
    clf.set_params(fit__batch_size=32, predict__batch_size=10000)
    clf.fit(XB, YB)
    assert clf.get_params()["fit__batch_size"] == 32

    with pytest.warns(UserWarning, match="``build_fn`` will be renamed"):
        KerasClassifier(build_fn=one_output, loss="binary_crossentropy").fit(XB, YB)

    seen = []

    def with_default(meta, my_param=123):
        seen.append(my_param)
        return one_output(meta)

    for clf in [
        KerasClassifier(with_default, loss="binary_crossentropy"),
        KerasClassifier(with_default, loss="binary_crossentropy", my_param=123),
        KerasClassifier(with_default, loss="binary_crossentropy", model__my_param=123),
    ]:
        clf.fit(XB, YB)
    clf.set_params(model__my_param=7).fit(XB, YB)
    assert seen == [123, 123, 123, 7]
