"""Small module-level build functions (picklable) for the wrapper tests and
the scikit-learn checks of KerasClassifier and KerasRegressor."""

import keras


def dynamic_classifier(meta, compile_kwargs, hidden=16):
    """A Dense network whose output layer and loss follow the target type."""
    n_classes, target_type = meta["n_classes_"], meta["target_type_"]
    inputs = keras.Input(meta["X_shape_"][1:])
    x = keras.layers.Flatten()(inputs) if len(meta["X_shape_"]) > 2 else inputs
    x = keras.layers.Dense(hidden, activation="relu")(x)
    if target_type == "multiclass":
        out, loss = (
            keras.layers.Dense(n_classes, activation="softmax")(x),
            ("sparse_categorical_crossentropy"),
        )
    else:  # binary (one class included) and multilabel indicators
        units = n_classes if target_type == "multilabel-indicator" else 1
        out, loss = (
            keras.layers.Dense(units, activation="sigmoid")(x),
            ("binary_crossentropy"),
        )
    model = keras.Model(inputs, out)
    model.compile(optimizer=compile_kwargs["optimizer"], loss=loss)
    return model


def dynamic_regressor(meta, compile_kwargs, hidden=16):
    """A Dense network with one linear unit per target column."""
    inputs = keras.Input(meta["X_shape_"][1:])
    x = keras.layers.Flatten()(inputs) if len(meta["X_shape_"]) > 2 else inputs
    x = keras.layers.Dense(hidden, activation="relu")(x)
    model = keras.Model(inputs, keras.layers.Dense(meta["n_outputs_"])(x))
    model.compile(optimizer=compile_kwargs["optimizer"], loss="mse")
    return model
