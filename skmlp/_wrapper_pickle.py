"""How a bring-your-own-model wrapper pickles, copies and deep-copies: its
Keras models (``model_``, and ``model`` when it is a ``keras.Model``) travel
as Keras's own .keras bytes (``_wrapper_saving``), with skmlp's versioned
pickle state (``_base``). Imports Keras only when there is a model to save.
"""

import copy

from ._estimator_state import check_pickled_version, pickled_state


def _keras():
    from . import _wrapper_keras

    return _wrapper_keras


class KerasModelPickling:
    """The pickling, ``copy.copy`` and ``copy.deepcopy`` of ``BaseWrapper``."""

    def __copy__(self):
        # Shares the live model, as a shallow copy should (scikit-learn's
        # callbacks copy the estimator after each epoch): copy.copy would
        # otherwise go through __getstate__ and serialize the model.
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        if "_extra_params" in self.__dict__:
            new._extra_params = dict(self._extra_params)
        return new

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_forward", None)
        if "model_" in state or _is_keras_model(self.model):
            state = _keras().save_models(state)
        return pickled_state(state)

    def __setstate__(self, state):
        state = check_pickled_version(self, dict(state))
        self.__dict__.update(self._restore_models(state))

    def __deepcopy__(self, memo):
        # Through the same bytes as a pickle, but trusted (made here, now):
        # the copy needs neither Keras's unsafe-deserialization opt-in nor
        # registered custom classes.
        copied = type(self).__new__(type(self))
        memo[id(self)] = copied
        state = check_pickled_version(copied, self.__getstate__())
        models = {k: state.pop(k) for k in ("model_", "model") if k in state}
        state = {**copy.deepcopy(state, memo), **models}
        live = {"model_": self.__dict__.get("model_"), "model": self.model}
        copied.__dict__.update(copied._restore_models(state, live))
        return copied

    def _restore_models(self, state, live=None):
        if isinstance(state.get("model_"), bytes) or _is_keras_model_bytes(state):
            kw = _keras()
            state = kw.restore_models(state, type(self).__name__, live)
            if "model_" in state:
                state["_forward"] = kw.Forward(state["model_"])
        return state


def _is_keras_model(obj):
    import sys

    keras = sys.modules.get("keras")  # keras not imported: not a keras.Model
    return keras is not None and isinstance(obj, keras.Model)


#: The key of a ``model`` parameter saved as .keras bytes (``_wrapper_saving``).
MODEL_BYTES = "skmlp.keras_model_bytes"


def _is_keras_model_bytes(state):
    model = state.get("model")
    return isinstance(model, dict) and set(model) == {MODEL_BYTES}
