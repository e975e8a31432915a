"""scikit-learn's callbacks (``sklearn.callback``) on skmlp's estimators.

Detected, not pinned: where ``sklearn.callback`` exists (scikit-learn 1.9),
:class:`CallbackSupportMixin` is scikit-learn's (``set_callbacks``, which
stores them in ``_skl_callbacks``, apart from the ``callbacks`` parameter
of Keras callbacks) and a fit reports its tasks as ``LogisticRegression``
does: the fit is the root task, each epoch a subtask (``ProgressBar`` draws
them, ``ScoringMonitor`` scores the estimator as it was after each epoch),
merged into the task tree of a ``Pipeline`` or search around it. Elsewhere
the mixin is empty and every report is a no-op: skmlp works as without.

The root context must be opened before a fit's ``fit_transaction``: a failed
fit restores ``__dict__``, and scikit-learn's ``_fit_context`` tears the
callbacks down from the context it finds there afterwards.

``sklearn.callback`` is imported on first use, not by ``import skmlp``: it
imports ``rich`` where that is installed (30-50 ms, more than all of skmlp's
modules). scikit-learn imports it lazily too (``_fit_context``, at a fit),
and finds callback support by its methods (``set_callbacks``), which the
mixin here takes from scikit-learn's.
"""

import importlib.util


def _detect():
    """Whether this scikit-learn has ``sklearn.callback`` (found, not
    imported)."""
    try:
        return importlib.util.find_spec("sklearn.callback") is not None
    except (ImportError, ValueError):
        return False


AVAILABLE = _detect()


def _sklearn_mixin():
    from sklearn.callback import CallbackSupportMixin as mixin

    return mixin


if AVAILABLE:

    class CallbackSupportMixin:
        """scikit-learn's callback support (``set_callbacks``), its
        ``sklearn.callback.CallbackSupportMixin`` imported on first use."""

        def set_callbacks(self, *callbacks):
            """Set callbacks for the estimator.

            Parameters
            ----------
            *callbacks : callback instances
                The callbacks to set (``sklearn.callback`` callbacks such as
                ``ProgressBar`` and ``ScoringMonitor``).

            Returns
            -------
            self : estimator instance
                The estimator instance itself.
            """
            return _sklearn_mixin().set_callbacks(self, *callbacks)

        def _init_callback_context(self, *args, **kwargs):
            return _sklearn_mixin()._init_callback_context(self, *args, **kwargs)

else:  # scikit-learn < 1.9: no callback API

    class CallbackSupportMixin:
        """Empty: this scikit-learn has no ``sklearn.callback``."""


__all__ = [
    "AVAILABLE",
    "CallbackSupportMixin",
    "FitReport",
    "reported",
    "keras_epochs",
    "mlp_epoch_attributes",
]


def reported(estimator):
    """Whether a fit of ``estimator`` has scikit-learn callbacks to report
    to: its own (``set_callbacks``), or a meta-estimator's, whose context
    scikit-learn hands to its sub-estimators as ``_parent_callback_ctx``
    (``sklearn/callback/_callback_context.py``). A fit may skip its
    :class:`FitReport` otherwise."""
    return bool(getattr(estimator, "_skl_callbacks", None)) or hasattr(
        estimator, "_parent_callback_ctx"
    )


class FitReport:
    """The callback tasks of one fit: the root task and one per epoch.

    Parameters
    ----------
    estimator : estimator
        The estimator being fitted (its ``_skl_callbacks`` are called).
    max_subtasks : int or None
        The most epochs this fit may run (None: not known yet, set it in
        :meth:`begin`).
    task_name : str
        The root task's name.

    Attributes
    ----------
    attributes : callable
        Returns the attributes that make a copy of the estimator predict as
        after the current epoch (scikit-learn's ``reconstruction_attributes``;
        called only for callbacks that take a ``fitted_estimator``). The
        default, ``dict``, suits an estimator whose live model already does.
    """

    def __init__(self, estimator, max_subtasks=None, task_name="fit"):
        self.estimator = estimator
        self.ctx = None
        self._epoch = None
        self._data = {}
        self.attributes = dict
        if AVAILABLE and hasattr(estimator, "_init_callback_context"):
            self.ctx = estimator._init_callback_context(
                task_name=task_name, max_subtasks=max_subtasks
            )

    @property
    def epochs(self):
        """Whether epochs are reported (scikit-learn callbacks are set): the
        training loop then runs epoch by epoch."""
        return self.ctx is not None and bool(
            getattr(self.estimator, "_skl_callbacks", None)
        )

    def begin(self, X, y, sample_weight=None, max_subtasks=None):
        """The root task begins, on the training data ``X``, ``y`` (what
        ``ScoringMonitor`` scores the epochs on)."""
        if self.ctx is None:
            return
        if max_subtasks is not None:  # known now; no epoch has begun
            self.ctx.max_subtasks = max_subtasks
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        self._data = dict(X=X, y=y, metadata=metadata)
        self.ctx.call_on_fit_task_begin(estimator=self.estimator, **self._data)

    def epoch_begin(self):
        """An epoch begins (a no-op unless :attr:`epochs`)."""
        if self.epochs:
            self._epoch = self.ctx.subcontext(task_name="epoch")
            self._epoch.call_on_fit_task_begin(estimator=self.estimator, **self._data)

    def epoch_end(self, fitted=True):
        """The epoch ends; True if a callback asks to stop training.

        ``fitted=False`` (a diverged epoch): no ``fitted_estimator`` is
        passed, so ``ScoringMonitor`` does not score non-finite weights.
        """
        sub, self._epoch = self._epoch, None
        if sub is None:
            return False
        return bool(
            sub.call_on_fit_task_end(
                estimator=self.estimator,
                reconstruction_attributes=self.attributes if fitted else None,
                **self._data,
            )
        )

    def end(self):
        """The root task ends (after the fitted attributes are set)."""
        if self.ctx is not None:
            self.ctx.call_on_fit_task_end(
                estimator=self.estimator, reconstruction_attributes={}, **self._data
            )


def keras_epochs(report):
    """A Keras callback reporting each epoch of ``keras.Model.fit`` to
    ``report`` (a :class:`FitReport`); a callback asking to stop sets
    ``model.stop_training``. None when no epoch is reported."""
    if not report.epochs:
        return None
    from ._tf import keras

    class SklearnEpochs(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            report.epoch_begin()

        def on_epoch_end(self, epoch, logs=None):
            if report.epoch_end():
                self.model.stop_training = True

    return SklearnEpochs()


def mlp_epoch_attributes(trainer, spec, attrs):
    """What makes a copy of an MLP estimator predict as its network does now,
    in the middle of a fit (nothing is committed yet): the weights read from
    ``trainer``, the target description and the encoder's attributes."""
    config = trainer.config
    return {
        **attrs,
        "_trainer": trainer,
        "_config": config,
        "_spec": spec,
        "_dtype": config.dtype,
        "_activations": trainer.numpy_activations,
        "_weights": trainer.get_weights(),
        "n_outputs_": spec.n_outputs,
    }
