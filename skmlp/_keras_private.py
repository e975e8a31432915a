"""Keras's private names that skmlp uses, each behind a guard.

Every private name is looked up here, by the name in the constants below, and
each has a public fallback or fails loudly naming the Keras version; none
fails silently (a seed that stops applying would be a silent wrong answer):

- ``keras.src.random.seed_generator.python_random`` (Keras's source of default
  seeds, swapped for a seeded ``random.Random`` while a custom model is
  built). Fallback: Python's ``random`` module, which that name is, given the
  same state and restored afterwards. Either way, the first seeded build
  checks that the seeds apply (two builds from one seed are equal, from two
  seeds differ) and raises a RuntimeError naming the Keras version if not.
- ``Layer._flatten_layers`` (the Dense layers of a model, nested ones
  included, in Keras's order). Fallback: the same walk over the public
  ``Model.layers`` and the layers a layer holds in its attributes.
- ``keras.src.saving.saving_lib`` (a ``.keras`` zip written to and read from
  memory, for pickles). Fallback: the public ``keras.saving.save_model`` /
  ``load_model`` through a temporary file (the same zip).
- ``Adam._momentums`` / ``_velocities`` and ``SGD.momentums`` (the slot
  variables of each trainable variable, which the built-in solvers' fused
  update writes: ``_engine/_optimizers.py``). Fallback: Keras's
  ``apply_gradients`` (the same update, traced from more ops).

TensorFlow's ``ConcreteFunction._call_flat`` is guarded where it is used
(``_engine/_compiled.py``), and callbacks are detached without private names
(``_engine/_callbacks.py``).
"""

import collections
import contextlib
import importlib
import io
import os
import random
import tempfile

from ._tf import keras

#: (module, attribute) of Keras's source of default seeds.
SEED_SOURCE = ("keras.src.random.seed_generator", "python_random")
#: The Layer method listing a layer's sublayers, recursively.
FLATTEN_LAYERS = "_flatten_layers"
#: The module that saves a model to a file object.
SAVING_LIB = "keras.src.saving.saving_lib"
SERIALIZATION_LIB = "keras.src.saving.serialization_lib"

#: The attributes listing a Keras optimizer's slot variables, one per
#: variable it was built on, in that order, by the optimizer's class name.
OPTIMIZER_SLOTS = {"Adam": ("_momentums", "_velocities"), "SGD": ("momentums",)}

#: The seed swaps whose effect has been checked in this process.
_CHECKED = {}


def _private_module(name):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# -- default seeds --------------------------------------------------------------


@contextlib.contextmanager
def _swap_private(rng):
    module, name = SEED_SOURCE
    module = _private_module(module)
    saved = getattr(module, name)
    setattr(module, name, rng)
    try:
        yield
    finally:
        setattr(module, name, saved)


@contextlib.contextmanager
def _swap_public(rng):
    saved = random.getstate()
    random.setstate(rng.getstate())
    try:
        yield
    finally:
        random.setstate(saved)


def _seed_swap():
    """The private swap where Keras has the name, else the public one."""
    module, name = SEED_SOURCE
    return _swap_private if hasattr(_private_module(module), name) else _swap_public


def _draw(swap, seed):
    with swap(random.Random(seed)):
        init = keras.initializers.RandomUniform()
    return keras.ops.convert_to_numpy(init(shape=(4,))).tolist()


def _check_seeds_apply(swap):
    if swap in _CHECKED:
        return
    try:
        applies = _draw(swap, 0) == _draw(swap, 0) != _draw(swap, 1)
    except Exception as exc:  # a changed private name: no seeds either
        applies, cause = False, exc
    else:
        cause = None
    if not applies:
        raise RuntimeError(
            f"skmlp cannot seed the models Keras {keras.version()} builds: its "
            "default seeds no longer come from "
            f"{'.'.join(SEED_SOURCE)} or Python's random module, so "
            "random_state would not make a custom model reproducible. Install "
            "a Keras version skmlp supports (see its pyproject.toml), or pass "
            "seeds to the initializers of your model yourself."
        ) from cause
    _CHECKED[swap] = True


@contextlib.contextmanager
def default_seeds(rng):
    """Within this context, Keras draws the seeds of unseeded initializers and
    seed generators from ``rng`` (a ``random.Random``); the caller serialises
    the builds."""
    swap = _seed_swap()
    _check_seeds_apply(swap)
    with swap(rng):
        yield


# -- layers ---------------------------------------------------------------------


def flatten_layers(model):
    """``model``'s layers, nested ones included, itself excluded, in Keras's
    order (that of ``Layer._flatten_layers``)."""
    flatten = getattr(model, FLATTEN_LAYERS, None)
    if flatten is not None:
        try:
            return list(flatten(include_self=False, recursive=True))
        except TypeError:  # its private signature changed: the public walk
            pass
    return walk_layers(model)


def _sublayers(layer):
    """The layers ``layer`` holds: a model's ``layers``, and those in a
    layer's attributes (alone, or in a list, tuple or dict), in order."""
    found = list(getattr(layer, "layers", None) or [])
    if isinstance(layer, keras.Model):
        return found
    for value in vars(layer).values():
        if isinstance(value, dict):
            value = list(value.values())
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(item, keras.layers.Layer) and item is not layer:
                found.append(item)
    return list({id(item): item for item in found}.values())


def walk_layers(model):
    """``Layer._flatten_layers``'s walk on public attributes: breadth first
    along the model's layers, each layer followed by its own sublayers (in
    reverse, as Keras's deque does)."""
    layers, seen = [], set()
    queue = collections.deque(_sublayers(model))
    while queue:
        layer = queue.popleft()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        layers.append(layer)
        queue.extendleft(_sublayers(layer))
    return layers


# -- saving ---------------------------------------------------------------------


def model_bytes(model):
    """The model, its weights and its optimizer state as a .keras zip."""
    saving_lib = _private_module(SAVING_LIB)
    if saving_lib is not None:
        buf = io.BytesIO()
        try:
            saving_lib.save_model(model, buf)
        except (AttributeError, TypeError, ValueError):
            pass  # no file objects (Keras < 3.2) or a changed API: a file
        else:
            return buf.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        keras.saving.save_model(model, path)
        with open(path, "rb") as f:
            return f.read()


def model_from_bytes(data, *, safe_mode=True, custom_objects=None):
    """The model :func:`model_bytes` saved, loaded with Keras's ``safe_mode``."""
    kwargs = {"safe_mode": safe_mode, "custom_objects": custom_objects or {}}
    saving_lib = _private_module(SAVING_LIB)
    if saving_lib is not None:
        try:
            return saving_lib.load_model(io.BytesIO(data), **kwargs)
        except (AttributeError, TypeError, ValueError):
            # No file objects (Keras < 3.2) or a changed API: a file. A model
            # that cannot load fails there again, with Keras's own error.
            pass
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as f:
            f.write(data)
        return keras.saving.load_model(path, **kwargs)


def in_safe_mode():
    """Whether Keras loads in safe mode: True unless the user called
    ``keras.config.enable_unsafe_deserialization()`` (read from Keras's
    private flag; safe if that name is gone)."""
    serialization_lib = _private_module(SERIALIZATION_LIB)
    in_safe = getattr(serialization_lib, "in_safe_mode", None)
    return True if in_safe is None else in_safe() is not False


# -- optimizer slots ------------------------------------------------------------


def optimizer_slots(optimizer, variables):
    """Lists of ``optimizer``'s slot variables (:data:`OPTIMIZER_SLOTS`), each
    aligned with ``variables`` (those it was built on), or None where Keras
    does not hold them under those names, or not as expected (the caller then
    keeps ``apply_gradients``)."""
    names = OPTIMIZER_SLOTS.get(type(optimizer).__name__, ())
    own = {id(v) for v in optimizer.variables}
    slots = []
    for name in names:
        found = getattr(optimizer, name, None)
        if not isinstance(found, (list, tuple)) or len(found) != len(variables):
            return None
        for slot, variable in zip(found, variables, strict=True):
            if (
                id(slot) not in own
                or tuple(slot.shape) != tuple(variable.shape)
                or slot.dtype != variable.dtype
            ):
                return None
        slots.append(list(found))
    return slots
