"""StepPerceptron: the textbook threshold-logic-unit perceptron.

The estimator: its parameters, the checks of a fit's input, the commit of the
fitted state, predictions and the Keras model. The epochs and when they stop
are ``_perceptron_train``'s; the rule itself is ``_rule``'s.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    check_is_fitted,
    check_random_state,
    column_or_1d,
    validate_data,
)

from ._estimator_state import check_pickled_version, fit_transaction, pickled_state
from ._perceptron_train import initial_state, run_epochs, warn_exhausted, weights
from ._sk_callbacks import CallbackSupportMixin, FitReport
from ._targets import (
    check_known_labels,
    check_partial_fit_class_weight,
    classification_target_type,
    encode_classification_targets,
    sample_weights,
)

#: How to learn new classes when warm_start meets labels it was not fitted on.
WARM_START_LABELS = (
    "warm_start continues the previous units: refit with warm_start=False to "
    "learn new classes."
)


class StepPerceptron(ClassifierMixin, CallbackSupportMixin, BaseEstimator):
    """A layer of threshold logic units trained by the perceptron learning rule.

    Each unit computes ``z = w . x + b`` and outputs ``step(z)``. Training visits
    the samples one at a time and, whenever a unit is wrong, moves its weights by
    ``eta0 * (y - y_hat) * x`` (Rosenblatt's rule). Unlike
    :class:`sklearn.linear_model.Perceptron`, which is stochastic gradient
    descent on a hinge-like loss, this is the rule itself: exact, inspectable
    (``errors_`` per epoch, ``converged_``) and fast.

    Parameters
    ----------
    step : {"heaviside", "sign"}, default="heaviside"
        The step function. ``"heaviside"`` outputs 1 if ``z >= 0`` else 0 and
        trains on 0/1 targets; ``"sign"`` outputs -1, 0 or +1 and trains on
        -1/+1 targets, so a sample exactly on the boundary counts as an error.
    eta0 : float, default=1.0
        The learning rate of the rule.
    max_iter : int, default=1000
        The maximum number of epochs.
    tol : float or None, default=1e-3
        Stop when an epoch's error count has not fallen by more than
        ``tol * n_samples`` for ``n_iter_no_change`` epochs. ``None`` disables
        this criterion. Training always stops after an epoch with no error.
    n_iter_no_change : int, default=5
        Epochs without improvement to wait before stopping.
    shuffle : bool, default=True
        Whether to shuffle the samples before each epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling. Pass an int for reproducible fits.
    fit_intercept : bool, default=True
        Whether to learn the bias ``b``; if False, ``b`` stays 0.
    class_weight : dict, "balanced" or None, default=None
        Weights keyed by the original class labels, multiplying the update of
        samples of that class. ``"balanced"`` uses
        ``n_samples / (n_classes * np.bincount(y))``; it is not available in
        ``partial_fit``, which sees one chunk at a time (pass a dict there).
        Not supported for multilabel targets.
    average : bool, default=False
        If True, ``coef_`` and ``intercept_`` are the averages of the weights
        over every sample seen (the averaged perceptron).
    warm_start : bool, default=False
        If True, ``fit`` starts from the previous weights (and classes) instead
        of zeros, and the averaging continues over the samples seen before.
    verbose : int, default=0
        If positive, print the error count of every epoch.

    Attributes
    ----------
    coef_ : ndarray of shape (n_units, n_features)
        The weights of each unit; one unit for binary targets, one per class
        (one-vs-rest) for multiclass targets, one per label for multilabel.
    intercept_ : ndarray of shape (n_units,)
        The bias of each unit.
    classes_ : ndarray of shape (n_classes,)
        The class labels, as given.
    n_iter_ : int
        The number of epochs run by the last ``fit`` (1 after ``partial_fit``).
    t_ : int
        The number of samples of non-zero weight seen, counting every epoch
        since the weights were last zero.
    errors_ : list of int
        For each epoch of the last ``fit`` (or the one epoch of the last
        ``partial_fit``), the number of samples on which at least one unit was
        wrong, and so was updated.
    converged_ : bool
        Whether the last epoch passed with no error.
    n_features_in_ : int
        The number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape ``(n_features_in_,)``
        The feature names, defined only when X has string column names.

    See Also
    --------
    sklearn.linear_model.Perceptron : The perceptron trained by SGD.
    MLPKerasClassifier : A multi-layer perceptron, which can learn XOR.

    Notes
    -----
    For a multiclass target ``predict`` returns the class whose unit has the
    largest ``z``, as scikit-learn does. The averaged weights are kept in
    O(1) per update: with ``W`` the current weights and ``A`` the sum of every
    update ``d`` times the number of samples seen before it, the sum of the
    weights after each of ``t`` samples is ``t W - A``, and their mean is that
    sum divided by ``t``.

    A sample of weight 0 is skipped as if it were absent. A weight of 2 is not
    the same as the sample twice: the rule makes one update twice as large
    instead of two updates, the second of which may not happen.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp import StepPerceptron
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> y_and = np.array([0, 0, 0, 1])
    >>> clf = StepPerceptron(shuffle=False).fit(X, y_and)
    >>> clf.predict(X)
    array([0, 0, 0, 1])
    >>> clf.converged_, clf.errors_
    (True, [2, 3, 3, 2, 1, 0])
    """

    _parameter_constraints: dict = {
        "step": [StrOptions({"heaviside", "sign"})],
        "eta0": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "fit_intercept": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "average": ["boolean"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        step="heaviside",
        eta0=1.0,
        max_iter=1000,
        tol=1e-3,
        n_iter_no_change=5,
        shuffle=True,
        random_state=None,
        fit_intercept=True,
        class_weight=None,
        average=False,
        warm_start=False,
        verbose=0,
    ):
        self.step = step
        self.eta0 = eta0
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.random_state = random_state
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.average = average
        self.warm_start = warm_start
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags

    def __getstate__(self):
        return pickled_state(super().__getstate__())

    def __setstate__(self, state):
        super().__setstate__(check_pickled_version(self, state))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the units with the perceptron rule until they stop improving.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training samples.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample factors of the update; a sample of weight 0 is skipped
            as if it were absent.

        Returns
        -------
        self : StepPerceptron
            The fitted estimator.
        """
        reuse = self.warm_start and hasattr(self, "classes_")
        report = FitReport(self, self.max_iter)  # scikit-learn's callbacks
        with fit_transaction(self):
            exhausted = self._fit(
                X, y, sample_weight, None, partial=False, reuse=reuse, report=report
            )
        # Warn only once the fit is committed: an error filter on the warning
        # must not undo a finished fit.
        if exhausted and self.tol is not None:
            # stacklevel: the caller of fit, past scikit-learn's _fit_context
            warn_exhausted(self.max_iter, stacklevel=3)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Run one epoch of the perceptron rule on the given samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training samples.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.
        classes : array-like of shape (n_classes,), default=None
            Every class that may appear. Required on the first call, ignored
            after it.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample factors of the update; a sample of weight 0 is skipped
            as if it were absent.

        Returns
        -------
        self : StepPerceptron
            The updated estimator.
        """
        check_partial_fit_class_weight(self.class_weight)
        first = not hasattr(self, "classes_")
        if (
            first
            and classes is None
            and classification_target_type(y) != "multilabel-indicator"
        ):
            raise ValueError(
                "classes must be passed on the first call to partial_fit: "
                "partial_fit(X, y, classes=np.unique(y_all))."
            )
        report = FitReport(self, 1, "partial_fit")
        with fit_transaction(self):
            self._fit(
                X,
                y,
                sample_weight,
                classes,
                partial=True,
                reuse=not first,
                report=report,
            )
        return self

    def _fit(self, X, y, sample_weight, classes, *, partial, reuse, report):
        report.begin(X, y, sample_weight)
        _check_not_nd(X)
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            order="C",
            multi_output=True,
            reset=not reuse,
        )
        if y.ndim == 2 and y.shape[1] == 1:  # a column of labels, not multilabel
            y = column_or_1d(y, warn=True)
        if reuse:
            classes = self.classes_
            if not partial and self._kind != "multilabel" and y.ndim == 1:
                check_known_labels(y, classes, WARM_START_LABELS)
        classes_, T, kind = encode_classification_targets(
            y, classes=classes, step=self.step
        )
        if reuse and kind != self._kind:
            raise ValueError(
                f"y is a {kind} target but the estimator was fitted on a "
                f"{self._kind} one; pass the same kind of target, or refit "
                "from scratch (warm_start=False)."
            )
        sw = sample_weights(y, sample_weight, X, self.class_weight, classes_, kind)
        state = initial_state(T.shape[1], X.shape[1], self._state if reuse else None)
        rng = check_random_state(self.random_state)
        n_epochs = 1 if partial else self.max_iter
        report.attributes = lambda: {
            "classes_": classes_,
            "_kind": kind,
            **dict(zip(("coef_", "intercept_"), weights(state, self.average))),
        }
        errors, converged, exhausted = run_epochs(
            X, T, sw, state, rng, n_epochs, report, self.get_params()
        )

        # Every check has passed and training finished: commit in one place.
        self.classes_, self._kind, self._state = classes_, kind, state
        self.errors_, self.converged_ = errors, converged
        self.n_iter_, self.t_ = len(errors), state["t"]
        self.coef_, self.intercept_ = weights(state, self.average)
        report.end()
        return exhausted

    def decision_function(self, X):
        """The score ``z = w @ x + b`` of every unit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        z : ndarray of shape (n_samples,) or (n_samples, n_units)
            One column per unit; 1-D for binary targets.
        """
        check_is_fitted(self)
        _check_not_nd(X)
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        z = np.asarray(X @ self.coef_.T) + self.intercept_
        return z.ravel() if self._kind == "binary" else z

    def predict(self, X):
        """Predict class labels (or the label indicator matrix).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Binary: the positive class where the unit fires (``z >= 0`` for
            heaviside, ``z > 0`` for sign). Multiclass: the class of the
            largest ``z``. Multilabel: the step of each unit, as 0/1.
        """
        z = self.decision_function(X)
        fires = (z >= 0) if self.step == "heaviside" else (z > 0)
        if self._kind == "binary":
            return self.classes_[fires.astype(int)]
        if self._kind == "multiclass":
            return self.classes_[np.argmax(z, axis=1)]
        return fires.astype(int)

    def to_keras(self):
        """An equivalent Keras model: one Dense layer with these weights.

        The layer's activation is the step function, so
        ``model.predict(X)`` gives the units' outputs (0/1, or -1/0/+1), whose
        decoding equals :meth:`predict`. Keras is imported here, not before.

        Returns
        -------
        model : keras.Model
            An uncompiled ``keras.Sequential`` model.
        """
        check_is_fitted(self)
        from ._keras_support import perceptron_model

        return perceptron_model(self.coef_, self.intercept_, self.step)


def _check_not_nd(X):
    """A clear error for images and other arrays of more than 2 dimensions."""
    if (getattr(X, "ndim", None) or 0) >= 3:
        raise ValueError(
            f"X has shape {np.shape(X)}, but StepPerceptron takes 2-D input; "
            "reshape images to (n_samples, n_features), e.g. "
            "X.reshape(len(X), -1)."
        )
