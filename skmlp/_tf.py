"""The only ``import tensorflow`` and ``import keras`` of skmlp.

Importing this module starts TensorFlow quietly (its C++ start-up log is held
back) and caps its thread pools for joblib's workers. Every other module that
needs Keras imports it lazily, from inside a function, so ``import skmlp``
stays free of TensorFlow::

    from . import _tf
    keras, tf = _tf.keras, _tf.tf
"""

import contextlib
import functools
import os


@contextlib.contextmanager
def quiet_stderr():
    """Silence the C++ start-up log of TensorFlow (oneDNN notice, CUDA probing).

    Those lines are written straight to file descriptor 2 while the shared
    libraries load and the devices are first listed, before any Python logging
    applies, so only the descriptor can hold them back. A
    ``TF_CPP_MIN_LOG_LEVEL`` set by the user is respected: nothing is hidden.
    """
    if "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        yield
        return
    try:
        saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    except OSError:  # no usable descriptor 2 (embedded interpreters)
        yield
        return
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def tf_thread_count(environ=os.environ):
    """The thread count skmlp gives TensorFlow when it starts, or None.

    ``SKMLP_TF_THREADS`` first (``0`` leaves TensorFlow's defaults), else
    ``OMP_NUM_THREADS``, which joblib sets in each of its worker processes to
    ``cpu_count() // n_jobs``: ``GridSearchCV(n_jobs=k)`` then runs k fits
    side by side without oversubscribing the cores. ``TF_NUM_INTRAOP_THREADS``
    or ``TF_NUM_INTEROP_THREADS`` in the environment are TensorFlow's own
    settings and take precedence: skmlp then configures nothing.
    """
    if "TF_NUM_INTRAOP_THREADS" in environ or "TF_NUM_INTEROP_THREADS" in environ:
        return None
    for name in ("SKMLP_TF_THREADS", "OMP_NUM_THREADS"):
        value = environ.get(name, "").strip()
        if value:
            try:
                n = int(value)
            except ValueError:
                return None
            return n if n > 0 else None
    return None


def _configure_threads(n):
    """Cap TensorFlow's thread pools at ``n`` threads each.

    The one change skmlp makes to TensorFlow's global configuration, at its
    first import and before any op runs (TensorFlow fixes its pools then);
    fitting never changes global state. Skipped if TensorFlow already started.
    """
    if n is None:
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    except RuntimeError:  # TensorFlow was initialised before skmlp imported it
        pass


with quiet_stderr():
    import keras
    import tensorflow as tf

    _configure_threads(tf_thread_count())
    tf.config.list_physical_devices()
    # A MultiWorkerMirroredStrategy must configure TensorFlow's runtime before
    # its first op runs: with TF_CONFIG set (a cluster), leave that to the
    # strategy (see _engine/_distribute.py).
    if "TF_CONFIG" not in os.environ:
        tf.constant(0.0)

ops = keras.ops


@functools.cache
def has_gpu():
    """Whether TensorFlow sees a GPU (large predictions then go through it);
    asked once: the devices are fixed once TensorFlow has started."""
    return bool(tf.config.list_logical_devices("GPU"))
