"""Keras callbacks on skmlp's loop: driving their hooks, and detaching them
from a finished fit."""

from .._keras_support import check_callbacks
from .._tf import keras


def detach_callbacks(callbacks):
    """Drop the run-time state that ties ``callbacks`` to a finished fit (the
    model, CSVLogger's file, TensorBoard's writers), keeping what they
    recorded (EarlyStopping.stopped_epoch, best, wait...): the estimator, whose
    ``callbacks`` parameter holds them, stays picklable and clonable, and a
    clone (each grid-search candidate) gets copies of its own."""
    for cb in callbacks:
        if not isinstance(cb, keras.callbacks.Callback):
            continue  # refused before training, with its own error
        for name, value in list(vars(cb).items()):  # the model (``_model``)
            if isinstance(value, keras.Model):
                setattr(cb, name, None)
        # CSVLogger's file and writer; TensorBoard's writers and the summary
        # module it imports lazily (each is made again when training starts).
        run_time = ("csv_file", "writer", "_writers", "_train_writer", "_val_writer")
        for name in (*run_time, "_summary_module"):
            if name in vars(cb):
                setattr(cb, name, {} if name == "_writers" else None)
        # ReduceLROnPlateau's comparison, a lambda before Keras 3.11 (which
        # cannot be pickled); those versions make it again when training starts.
        if getattr(vars(cb).get("monitor_op"), "__name__", None) == "<lambda>":
            cb.monitor_op = None
    return callbacks


class Hooks:
    """Keras callbacks driven by the loop, with Keras's progress bar for
    ``verbose`` 1 (a bar per epoch) or 2 (a line per epoch)."""

    def __init__(self, callbacks, model, *, verbose, epochs, steps):
        callbacks = check_callbacks(list(callbacks or []))
        progbar = verbose in (1, 2) and not isinstance(verbose, bool)
        self.list = keras.callbacks.CallbackList(
            callbacks,
            add_progbar=progbar,
            model=model,
            verbose=verbose if progbar else 0,
            epochs=epochs,
            steps=steps,
        )
        batch_methods = (
            "on_batch_begin",
            "on_batch_end",
            "on_train_batch_begin",
            "on_train_batch_end",
        )
        self.batch_hooks = (progbar and verbose == 1) or any(
            overrides(cb, m) for cb in callbacks for m in batch_methods
        )

    def batch_begin(self, b):
        if self.batch_hooks:
            self.list.on_train_batch_begin(b)

    def batch_end(self, b, logs):
        if self.batch_hooks:
            self.list.on_train_batch_end(b, logs)


def overrides(callback, method):
    """Whether ``callback``'s ``method`` is its own (a subclass's method, or
    one set on the instance, as LambdaCallback does), not
    ``keras.callbacks.Callback``'s no-op: public names only, the same answer
    on every Keras (``keras.src.utils.is_default`` calls every method
    overridden before Keras 3.6)."""
    bound = getattr(callback, method)
    return getattr(bound, "__func__", bound) is not getattr(
        keras.callbacks.Callback, method
    )
