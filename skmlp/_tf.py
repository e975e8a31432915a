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
import threading

#: The state of the redirection of descriptor 2 shared by every thread in
#: ``quiet_stderr``: how many are inside, and the saved descriptor.
_QUIET_LOCK = threading.Lock()
_QUIET = {"depth": 0, "saved": None}


@contextlib.contextmanager
def quiet_stderr():
    """Silence the C++ start-up log of TensorFlow (oneDNN notice, CUDA probing).

    Those lines are written straight to file descriptor 2 while the shared
    libraries load and the devices are first listed, before any Python logging
    applies, so only the descriptor can hold them back. A
    ``TF_CPP_MIN_LOG_LEVEL`` set by the user is respected: nothing is hidden.

    Descriptor 2 belongs to the process, so threads share one redirection,
    counted under a lock: the first thread in saves the descriptor and points
    it at the null device, the last one out puts it back. (Each thread saving
    and restoring on its own would let one restore the null device another
    had put there.) While any thread is inside, descriptor 2 writes of every
    thread are held back.
    """
    if "TF_CPP_MIN_LOG_LEVEL" in os.environ or not _enter_quiet():
        yield
        return
    try:
        yield
    finally:
        _leave_quiet()


def _enter_quiet():
    """Count this thread in; redirect descriptor 2 if it is the first.
    False if there is no usable descriptor 2 (embedded interpreters)."""
    with _QUIET_LOCK:
        if _QUIET["depth"] == 0:
            try:
                saved = os.dup(2)
            except OSError:
                return False
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                try:
                    os.dup2(devnull, 2)
                finally:
                    os.close(devnull)
            except OSError:
                os.close(saved)
                return False
            _QUIET["saved"] = saved
        _QUIET["depth"] += 1
        return True


def _leave_quiet():
    with _QUIET_LOCK:
        _QUIET["depth"] -= 1
        if _QUIET["depth"] == 0:
            saved, _QUIET["saved"] = _QUIET["saved"], None
            try:
                os.dup2(saved, 2)
            finally:
                os.close(saved)


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
