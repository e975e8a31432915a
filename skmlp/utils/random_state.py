"""scikeras's ``scikeras.utils.random_state``: ``tensorflow_random_state``.

``from scikeras.utils.random_state import tensorflow_random_state`` becomes
``from skmlp.utils.random_state import tensorflow_random_state``. skmlp's
estimators never need it (``random_state`` seeds them without global state);
it is here for code that seeds plain Keras work, as scikeras's Benchmarks
notebook does. Importing this module does not import TensorFlow.
"""

import contextlib
import os
import random
import threading

import numpy as np

__all__ = ["tensorflow_random_state"]

_LOCK = threading.Lock()
_ENV = "TF_DETERMINISTIC_OPS"


@contextlib.contextmanager
def tensorflow_random_state(seed):
    """Seed Python's, NumPy's and TensorFlow's global generators inside a
    ``with`` block, with TensorFlow's deterministic ops, and put every one of
    them back as it was on exit.

    Unlike scikeras's, nothing outlives the block: Python's and NumPy's
    generator states, TensorFlow's global seed and the position of its
    operation-seed sequence, the op-determinism switch and the
    ``TF_DETERMINISTIC_OPS`` environment variable are all restored, so code
    after the block draws exactly what it would have drawn without it.
    Inside the block the state is global by design: other threads see it
    (blocks in several threads are serialised, not isolated). As with
    scikeras's, Keras's unseeded initializers and dropout layers built in the
    block are reproducible (they draw their seeds from Python's generator),
    while ``keras.random`` functions called without a seed keep drawing from
    Keras's own global seed generator, which the block does not reset.

    Parameters
    ----------
    seed : int
        The seed of the three generators.

    Examples
    --------
    >>> import tensorflow as tf
    >>> from skmlp.utils.random_state import tensorflow_random_state
    >>> with tensorflow_random_state(0):
    ...     a = tf.random.uniform((2,))
    >>> with tensorflow_random_state(0):
    ...     b = tf.random.uniform((2,))
    >>> bool((a == b).numpy().all())
    True
    """
    from .._tf import tf

    with _LOCK:
        saved = _save(tf)
        try:
            os.environ[_ENV] = "1"
            random.seed(seed)
            np.random.seed(seed)  # noqa: NPY002 (the global one, on purpose)
            tf.random.set_seed(seed)
            tf.config.experimental.enable_op_determinism()
            yield
        finally:
            _restore(tf, saved)


def _tf_context():
    from tensorflow.python.eager import context  # private: guarded by callers

    return context.context()


def _save(tf):
    ctx = _tf_context()
    rng = getattr(ctx, "_rng", None)
    return {
        "env": os.environ.get(_ENV),
        "random": random.getstate(),
        "numpy": np.random.get_state(),  # noqa: NPY002
        "tf_seed": getattr(ctx, "_seed", None),
        # The position in the operation-seed sequence of a seeded program:
        # set_seed alone would restart it (ops after the block would repeat
        # the draws made before it).
        "tf_rng": rng.getstate() if isinstance(rng, random.Random) else None,
        "determinism": _determinism_enabled(),
    }


def _restore(tf, saved):
    if saved["env"] is None:
        os.environ.pop(_ENV, None)
    else:
        os.environ[_ENV] = saved["env"]
    random.setstate(saved["random"])
    np.random.set_state(saved["numpy"])  # noqa: NPY002
    tf.random.set_seed(saved["tf_seed"])
    rng = getattr(_tf_context(), "_rng", None)
    if saved["tf_rng"] is not None and isinstance(rng, random.Random):
        rng.setstate(saved["tf_rng"])
    if saved["determinism"] is False:
        from tensorflow.python.framework import config  # private, guarded

        config.disable_op_determinism()


def _determinism_enabled():
    try:
        from tensorflow.python.framework import config  # private
    except ImportError:  # pragma: no cover - TensorFlow moved it
        return None
    check = getattr(config, "is_op_determinism_enabled", None)
    return None if check is None else bool(check())
