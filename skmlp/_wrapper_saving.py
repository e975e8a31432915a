"""The Keras model of KerasClassifier and KerasRegressor as .keras bytes.

Pickles (and skops files) hold the fitted model as Keras's own .keras zip.
Loading it runs none of the code stored in the file: the bytes load with
Keras's safe mode on, which refuses a ``Lambda`` layer's Python bytecode
(arbitrary code at load time) unless the user opted in as Keras asks, with
``keras.config.enable_unsafe_deserialization()``. A copy in the same process
(``copy.deepcopy``) loads its own bytes trusted, with the live model's
classes at hand, so it needs neither the opt-in nor registered classes.
Imported with ``_wrapper_keras``, on first use.
"""

import io
import json
import zipfile

from ._tf import keras

#: Packages whose classes Keras finds by their module (no registration).
_KERAS_PACKAGES = {"keras", "keras_hub", "keras_cv", "keras_nlp"}
#: Where Keras looks up a built-in function saved by its name alone.
_BUILTIN_MODULES = ("activations", "constraints", "initializers", "losses")
_BUILTIN_MODULES += ("metrics", "optimizers", "regularizers")


def model_bytes(model, *, build_optimizer=True):
    """The model, its weights and its optimizer state as a .keras zip.

    ``build_optimizer=False`` leaves the model untouched (the ``model``
    parameter: the user's instance).
    """
    from ._keras_private import model_bytes as keras_bytes

    optimizer = getattr(model, "optimizer", None)
    if build_optimizer and optimizer is not None and not optimizer.built:
        # A model that never trained: its optimizer has no slots yet, while
        # the one compiled at load has; Keras then warns that it skips
        # loading them. Its slots are built as the first step would (zeros).
        if model.built:
            optimizer.build(model.trainable_variables)
    return keras_bytes(model)


def model_from_bytes(data, owner, *, live=None):
    """The Keras model saved by :func:`model_bytes`.

    Parameters
    ----------
    data : bytes
        The .keras zip.
    owner : str
        The estimator's class name, for the error messages.
    live : keras.Model, default=None
        The model ``data`` was just made from (a copy in this process): its
        bytes are trusted and its classes serve as custom objects.
    """
    from ._keras_private import in_safe_mode
    from ._keras_private import model_from_bytes as keras_model

    if live is None:
        # Safe unless the user opted in (enable_unsafe_deserialization()).
        safe_mode, custom_objects = in_safe_mode(), {}
    else:
        safe_mode, custom_objects = False, _classes_of(live)
    try:
        return keras_model(data, safe_mode=safe_mode, custom_objects=custom_objects)
    except Exception as exc:
        raise _load_error(exc, data, owner) from exc


def save_models(state):
    """A pickle's ``state`` with ``model_`` and a ``model`` parameter that is
    a keras.Model as .keras bytes (Keras's own pickle of a model loads it
    with safe mode off)."""
    from ._wrapper_pickle import MODEL_BYTES

    state = dict(state)
    if "model_" in state:
        state["model_"] = model_bytes(state["model_"])
    if isinstance(state.get("model"), keras.Model):
        data = model_bytes(state["model"], build_optimizer=False)
        state["model"] = {MODEL_BYTES: data}
    return state


def restore_models(state, owner, live=None):
    """``state`` with the models :func:`save_models` saved loaded back; with
    Keras's safe mode unless ``live`` holds the models they were just made
    from (``{"model_": ..., "model": ...}``, a copy)."""
    from ._wrapper_pickle import MODEL_BYTES

    live = live or {}
    state = dict(state)
    if isinstance(state.get("model_"), bytes):
        state["model_"] = model_from_bytes(
            state["model_"], owner, live=live.get("model_")
        )
    model = state.get("model")
    if isinstance(model, dict) and set(model) == {MODEL_BYTES}:
        state["model"] = model_from_bytes(
            model[MODEL_BYTES], owner, live=live.get("model")
        )
    return state


def _classes_of(model):
    """``{registered name: class}`` of the model and every layer in it."""
    from ._keras_private import flatten_layers

    layers = [model, *flatten_layers(model)]
    return {keras.saving.get_registered_name(type(obj)): type(obj) for obj in layers}


def _load_error(exc, data, owner):
    """A ValueError naming why the model could not be loaded and the fix."""
    text = str(exc)
    if "enable_unsafe_deserialization" in text or "safe_mode" in text:
        return ValueError(
            f"The Keras model in this pickled {owner} needs unsafe "
            "deserialization: it holds Python code (a Lambda layer's lambda) "
            "that loading would run. skmlp loads it with Keras's safe mode, "
            "which refuses it. If you trust the file, opt in as Keras asks: call "
            "keras.config.enable_unsafe_deserialization() before loading it. "
            f"(Keras: {text.splitlines()[0] if text else type(exc).__name__})"
        )
    missing = _unknown_classes(data)
    if missing:
        names = ", ".join(missing)
        scope = ", ".join(f"'{name}': {name}" for name in missing)
        return ValueError(
            f"The Keras model in this pickled {owner} uses the custom class(es) "
            f"{names}, which Keras cannot find when loading. Register each where "
            "it is defined, with the decorator "
            "@keras.saving.register_keras_serializable() (and import that module "
            "before loading), or load within "
            f"keras.saving.custom_object_scope({{{scope}}})."
        )
    return ValueError(
        f"The Keras model in this pickled {owner} could not be loaded: {text}"
    )


def _unknown_classes(data):
    """Class names in the .keras config that Keras cannot resolve here."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            config = json.loads(archive.read("config.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return []
    found = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("class_name"), str) and "config" in node:
                module = node.get("module") or ""
                label = node["class_name"]
                names = {node.get("registered_name") or label}
                builtin = module.split(".")[0] in _KERAS_PACKAGES
                if label == "function":  # a function: its name is the config
                    label = str(node["config"])
                    names.add(label)
                    builtin = builtin or any(  # Keras's search for built-ins
                        hasattr(getattr(keras, m), label) for m in _BUILTIN_MODULES
                    )
                if (
                    not builtin
                    and not any(map(keras.saving.get_registered_object, names))
                    and label not in found
                ):
                    found.append(label)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config)
    return found
