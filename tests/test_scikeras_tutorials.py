"""scikeras's tutorials (adriangb.com/scikeras, its docs/source/notebooks),
condensed to small offline data, with only the import changed: ``from
scikeras.wrappers import`` is ``from skmlp import``. Each test follows its
tutorial's code; the data (MNIST, downloads) are replaced by scikit-learn's
bundled or generated sets, and epochs and sizes are small."""

import pickle
from typing import Any

import keras
import numpy as np
import pytest
from sklearn.base import TransformerMixin, clone
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import BaseWrapper, KerasClassifier, KerasRegressor

# -- AutoEncoders: a BaseWrapper + TransformerMixin subclass -----------------


def _autoencoder(wrapper, encoding_dim, hidden_layer_sizes, meta):
    """The tutorials' two build functions (``AutoEncoder``: no hidden layers;
    ``DeepAutoEncoder``: ``hidden_layer_sizes``), written once."""
    n_features_in = meta["n_features_in_"]
    encoder_input = keras.Input(shape=(n_features_in,))
    x = encoder_input
    for layer_size in hidden_layer_sizes:
        x = keras.layers.Dense(layer_size, activation="relu")(x)
    encoder_output = keras.layers.Dense(encoding_dim, activation="relu")(x)
    encoder_model = keras.Model(encoder_input, encoder_output)
    decoder_input = keras.Input(shape=(encoding_dim,))
    x = decoder_input
    for layer_size in reversed(hidden_layer_sizes):
        x = keras.layers.Dense(layer_size, activation="relu")(x)
    decoder_output = keras.layers.Dense(
        n_features_in, activation="sigmoid", name="decoder"
    )(x)
    decoder_model = keras.Model(decoder_input, decoder_output)
    autoencoder_input = keras.Input(shape=(n_features_in,))
    reconstructed = decoder_model(encoder_model(autoencoder_input))
    wrapper.encoder_model_ = BaseWrapper(encoder_model, verbose=wrapper.verbose)
    wrapper.decoder_model_ = BaseWrapper(decoder_model, verbose=wrapper.verbose)
    return keras.Model(autoencoder_input, reconstructed)


class AutoEncoder(BaseWrapper, TransformerMixin):
    """The tutorial's class, its build function shared with DeepAutoEncoder."""

    encoder_model_: BaseWrapper
    decoder_model_: BaseWrapper

    def _keras_build_fn(self, encoding_dim: int, meta: dict[str, Any]):
        return _autoencoder(self, encoding_dim, (), meta)

    def _initialize(self, X, y=None):
        X, _ = super()._initialize(X=X, y=y)
        # encoder_model_ and decoder_model_ share layers (and weights)
        X_tf = self.encoder_model_.initialize(X).predict(X)
        self.decoder_model_.initialize(X_tf)
        return X, X

    def initialize(self, X):
        self._initialize(X=X, y=X)
        return self

    def fit(self, X, *, sample_weight=None) -> "AutoEncoder":
        super().fit(X=X, y=X, sample_weight=sample_weight)
        return self

    def score(self, X) -> float:
        return 1 - mean_squared_error(self.predict(X), X)

    def transform(self, X) -> np.ndarray:
        X: np.ndarray = self.feature_encoder_.transform(X)
        return self.encoder_model_.predict(X)

    def inverse_transform(self, X_tf: np.ndarray):
        X: np.ndarray = self.decoder_model_.predict(X_tf)
        return self.feature_encoder_.inverse_transform(X)


class DeepAutoEncoder(AutoEncoder):
    def _keras_build_fn(self, encoding_dim, hidden_layer_sizes, meta):
        return _autoencoder(self, encoding_dim, hidden_layer_sizes, meta)


@pytest.fixture(scope="module")
def digits_01():
    """Digits scaled to [0, 1] (MNIST in the tutorial)."""
    X = load_digits().data.astype("float32") / 16.0
    return X[:1200], X[1200:]


def test_autoencoders_tutorial(digits_01):
    x_train, x_test = digits_01
    autoencoder = AutoEncoder(
        loss="binary_crossentropy",
        encoding_dim=16,
        random_state=0,
        epochs=5,
        verbose=False,
        optimizer="adam",
    )
    untrained = clone(autoencoder).initialize(x_train)
    before = mean_squared_error(
        untrained.inverse_transform(untrained.transform(x_test)), x_test
    )
    _ = autoencoder.fit(X=x_train)
    roundtrip_imgs = autoencoder.inverse_transform(autoencoder.transform(x_test))
    assert roundtrip_imgs.shape == x_test.shape
    # The encoder and decoder share the trained autoencoder's layers.
    assert mean_squared_error(roundtrip_imgs, x_test) < 0.8 * before
    encoded_imgs = autoencoder.transform(x_test)
    assert encoded_imgs.shape == (len(x_test), 16)
    assert autoencoder.get_params()["encoding_dim"] == 16

    deep = DeepAutoEncoder(
        loss="binary_crossentropy",
        encoding_dim=16,
        hidden_layer_sizes=[32],
        random_state=0,
        epochs=5,
        verbose=False,
        optimizer="adam",
    )
    _ = deep.fit(X=x_train)
    assert 0 < autoencoder.score(X=x_test) <= 1 and 0 < deep.score(X=x_test) <= 1
    assert deep.fit_transform(x_train).shape == (len(x_train), 16)


def test_basewrapper_transformer_of_prebuilt_models(digits_01):
    """scikeras's own autoencoder test (test_basewrapper.py), on digits: three
    wrappers of models that share layers, initialize(X) without y, and the
    autoencoder's partial_fit training the encoder's and decoder's layers."""

    class AutoEncoderTransformer(BaseWrapper, TransformerMixin):
        def fit(self, X):
            self.initialize(X)
            return self

        def transform(self, X):
            return self.predict(X)

    x_train, x_test = digits_01
    input_img = keras.Input(shape=(64,))
    encoded = keras.layers.Dense(16, activation="relu")(input_img)
    decoded = keras.layers.Dense(64, activation="sigmoid")(encoded)
    autoencoder_model = keras.Model(input_img, decoded)
    encoder_model = keras.Model(input_img, encoded)
    encoded_input = keras.Input(shape=(16,))
    decoder_model = keras.Model(
        encoded_input, autoencoder_model.layers[-1](encoded_input)
    )
    kw = dict(optimizer="adam", loss="binary_crossentropy", batch_size=64)
    autoencoder = BaseWrapper(model=autoencoder_model, random_state=0, **kw)
    encoder = AutoEncoderTransformer(model=encoder_model, **kw)
    decoder = AutoEncoderTransformer(model=decoder_model, **kw)
    autoencoder.initialize(x_train, x_train)
    encoded_images = encoder.fit_transform(x_train)
    assert encoded_images.shape == (len(x_train), 16)
    assert decoder.fit_transform(encoded_images).shape == x_train.shape
    mse_untrained = mean_squared_error(
        decoder.transform(encoder.transform(x_test)), x_test
    )
    for _ in range(10):
        autoencoder.partial_fit(x_train, x_train)
    mse_trained = mean_squared_error(
        decoder.transform(encoder.transform(x_test)), x_test
    )
    assert mse_trained < 0.5 * mse_untrained
    assert autoencoder.current_epoch == 10


# -- Basic usage ---------------------------------------------------------------


def _dropout_mlp(meta, hidden_layer_sizes, dropout, output_activation):
    """Basic usage's get_clf and get_reg, which differ in their output only."""
    model = keras.models.Sequential()
    model.add(keras.layers.Input(shape=(meta["n_features_in_"],)))
    for hidden_layer_size in hidden_layer_sizes:
        model.add(keras.layers.Dense(hidden_layer_size, activation="relu"))
        model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(1, activation=output_activation))
    return model


def get_clf(meta, hidden_layer_sizes, dropout):
    return _dropout_mlp(meta, hidden_layer_sizes, dropout, "sigmoid")


def get_reg(meta, hidden_layer_sizes, dropout):
    return _dropout_mlp(meta, hidden_layer_sizes, dropout, None)


class MaxValLoss(keras.callbacks.Callback):
    def __init__(self, monitor: str, threashold: float):
        self.monitor = monitor
        self.threashold = threashold

    def on_epoch_end(self, epoch, logs=None):
        if logs[self.monitor] > self.threashold:
            self.model.stop_training = True


def test_basic_usage_tutorial(tmp_path):
    X, y = make_classification(300, 20, n_informative=10, random_state=0)
    clf = KerasClassifier(
        model=get_clf,
        loss="binary_crossentropy",
        hidden_layer_sizes=(32,),
        dropout=0.5,
        random_state=0,
    )
    clf.fit(X, y)
    assert clf.predict(X[:5]).shape == (5,)
    assert clf.predict_proba(X[:5]).shape == (5, 2)

    X_regr, y_regr = make_regression(300, 20, n_informative=10, random_state=0)
    reg = KerasRegressor(
        model=get_reg,
        loss="mse",
        metrics=[keras.metrics.R2Score],
        hidden_layer_sizes=(32,),
        dropout=0.5,
        random_state=0,
    )
    reg.fit(X_regr, y_regr)
    assert "r2_score" in reg.history_
    new_reg = pickle.loads(pickle.dumps(reg))
    np.testing.assert_allclose(new_reg.predict(X_regr[:5]), reg.predict(X_regr[:5]))

    # Save with Keras, load, wrap the loaded model, initialize: no refit.
    pred_old = reg.predict(X_regr)
    reg.model_.save(tmp_path / "my_model.keras")
    new_reg_model = keras.saving.load_model(tmp_path / "my_model.keras")
    reg_new = KerasRegressor(new_reg_model)
    reg_new.initialize(X_regr, y_regr)
    pred_new = reg_new.predict(X_regr)
    np.testing.assert_allclose(pred_old, pred_new, rtol=1e-6)

    pipe = Pipeline([("scale", StandardScaler()), ("clf", clf)])
    assert pipe.fit(X, y).predict(X).shape == y.shape

    Xm, ym = X[:100, :2], y[:100]
    kwargs = dict(
        model=get_clf,
        loss="binary_crossentropy",
        dropout=0.5,
        hidden_layer_sizes=(32,),
        metrics=["binary_accuracy"],
        fit__validation_split=0.2,
        epochs=20,
        verbose=False,
        random_state=0,
    )
    full = KerasClassifier(**kwargs).fit(Xm, ym)
    assert len(full.history_["loss"]) == 20
    assert len(full.history_["val_binary_accuracy"]) == 20
    cb = MaxValLoss(monitor="val_binary_accuracy", threashold=-1.0)
    stopped = KerasClassifier(**kwargs, callbacks=[cb]).fit(Xm, ym)
    assert len(stopped.history_["loss"]) == 1

    clf = KerasClassifier(
        model=get_clf,
        loss="binary_crossentropy",
        optimizer="adam",
        optimizer__learning_rate=0.1,
        model__hidden_layer_sizes=(16,),
        model__dropout=0.5,
        verbose=False,
    )
    params = {"optimizer__learning_rate": [0.05, 0.1], "model__dropout": [0, 0.5]}
    gs = GridSearchCV(clf, params, scoring="accuracy", cv=2).fit(Xm, ym)
    assert set(gs.best_params_) == set(params)


# -- MLPClassifier and MLPRegressor ------------------------------------------


def get_clf_model(hidden_layer_sizes, meta, compile_kwargs):
    model = keras.Sequential()
    model.add(keras.layers.Input(shape=(meta["n_features_in_"],)))
    for hidden_layer_size in hidden_layer_sizes:
        model.add(keras.layers.Dense(hidden_layer_size, activation="relu"))
    if meta["target_type_"] == "binary":
        n_output_units, output_activation = 1, "sigmoid"
        loss = "binary_crossentropy"
    elif meta["target_type_"] == "multiclass":
        n_output_units, output_activation = meta["n_classes_"], "softmax"
        loss = "sparse_categorical_crossentropy"
    else:
        raise NotImplementedError(f"Unsupported task type: {meta['target_type_']}")
    model.add(keras.layers.Dense(n_output_units, activation=output_activation))
    model.compile(loss=loss, optimizer=compile_kwargs["optimizer"])
    return model


class _TutorialMLP:
    """The ``__init__`` of the tutorial's MLPClassifier and MLPRegressor: it
    takes ``optimizer__learning_rate`` and does not store it."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        optimizer="adam",
        optimizer__learning_rate=0.001,
        epochs=200,
        verbose=0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.hidden_layer_sizes = hidden_layer_sizes
        self.optimizer = optimizer
        self.epochs = epochs
        self.verbose = verbose


class MLPClassifier(_TutorialMLP, KerasClassifier):
    def _keras_build_fn(self, compile_kwargs: dict[str, Any]):
        # The tutorial's body is get_clf_model's, with self for meta.
        meta = {
            "n_features_in_": self.n_features_in_,
            "target_type_": self.target_type_,
            "n_classes_": self.n_classes_,
        }
        return get_clf_model(self.hidden_layer_sizes, meta, compile_kwargs)


class MLPRegressor(_TutorialMLP, KerasRegressor):
    def _keras_build_fn(self, compile_kwargs: dict[str, Any]):
        model = keras.Sequential()
        model.add(keras.layers.Input(shape=(self.n_features_in_,)))
        for hidden_layer_size in self.hidden_layer_sizes:
            model.add(keras.layers.Dense(hidden_layer_size, activation="relu"))
        model.add(keras.layers.Dense(1))
        model.compile(loss="mse", optimizer=compile_kwargs["optimizer"])
        return model


def test_mlpclassifier_mlpregressor_tutorial():
    X, y = make_classification(random_state=0)
    clf = KerasClassifier(
        model=get_clf_model,
        hidden_layer_sizes=(32,),
        optimizer="adam",
        optimizer__learning_rate=0.001,
        epochs=5,
        verbose=0,
        random_state=0,
    )
    assert 0 <= clf.fit(X, y).score(X, y) <= 1

    # A subclass whose __init__ takes optimizer__learning_rate and stores
    # only some of its arguments: its parameters are what it stores.
    clf = MLPClassifier(epochs=5, random_state=0)
    assert "optimizer__learning_rate" not in clf.get_params()
    assert clf.get_params()["hidden_layer_sizes"] == (100,)
    assert 0.5 < clf.fit(X, y).score(X, y) <= 1
    assert clone(clf).get_params()["epochs"] == 5

    reg = MLPRegressor(epochs=20, random_state=0)
    y = np.arange(100)
    X = (y / 2).reshape(-1, 1)
    assert reg.fit(X, y).score(X, y) > 0.2  # better than the mean


def test_scorer_is_the_score_hook():
    """scikeras's documented hook: a subclass's ``scorer`` is what ``score``
    returns (the mixins' own score is not used)."""

    class NegMSE(KerasRegressor):
        @staticmethod
        def scorer(y_true, y_pred, **kwargs):
            return -mean_squared_error(y_true, y_pred, **kwargs)

    X, y = make_regression(60, 3, random_state=0)
    reg = NegMSE(get_reg, loss="mse", hidden_layer_sizes=(8,), dropout=0.0)
    reg.fit(X, y)
    assert reg.score(X, y) == pytest.approx(-mean_squared_error(y, reg.predict(X)))


# -- Meta-estimators and sparse inputs -----------------------------------------


def test_meta_estimators_tutorial():
    from sklearn.datasets import make_moons
    from sklearn.ensemble import AdaBoostClassifier, BaggingClassifier

    clf = KerasClassifier(
        model=get_clf_model,
        hidden_layer_sizes=(16,),
        optimizer="adam",
        optimizer__learning_rate=0.01,
        epochs=5,
        verbose=0,
        random_state=0,
    )
    X, y = make_moons(random_state=0)
    assert 0 <= clf.fit(X, y).score(X, y) <= 1
    adaboost = AdaBoostClassifier(estimator=clf, n_estimators=2, random_state=0)
    assert 0 <= adaboost.fit(X, y).score(X, y) <= 1
    models = [est.model_ for est in adaboost.estimators_]
    assert len({id(m) for m in models + [clf.model_]}) == len(models) + 1
    bagging = BaggingClassifier(estimator=clf, n_estimators=2, random_state=0)
    assert 0 <= bagging.fit(X, y).score(X, y) <= 1


def test_sparse_tutorial():
    import scipy.sparse as sp
    from sklearn.preprocessing import OneHotEncoder

    def get_clf(meta) -> keras.Model:
        model = keras.models.Sequential()
        model.add(keras.layers.Input(shape=(meta["n_features_in_"],)))
        model.add(keras.layers.Dense(16, activation="relu"))
        model.add(keras.layers.Dense(1))
        return model

    X = np.arange(0, 300).reshape(-1, 1) % 50
    y = np.random.RandomState(0).uniform(0, 1, size=(X.shape[0],))
    preds = {}
    for name, kwargs in [
        ("dense", dict(sparse_output=False)),
        ("sparse", dict(sparse_output=True)),
        ("sparse_uint8", dict(sparse_output=True, dtype=np.uint8)),
    ]:
        pipe = Pipeline(
            [
                ("encoder", OneHotEncoder(**kwargs)),
                (
                    "model",
                    KerasRegressor(
                        get_clf, loss="mse", epochs=2, verbose=False, random_state=0
                    ),
                ),
            ]
        )
        pipe.fit(X, y)
        assert sp.issparse(pipe[0].transform(X)) == (name != "dense")
        preds[name] = pipe.predict(X)
        assert preds[name].shape == y.shape and np.isfinite(preds[name]).all()
