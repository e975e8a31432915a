"""HistoryDisplay: learning curves in scikit-learn's Display API.

matplotlib is imported when something is drawn, never when skmlp is imported.
"""

import numpy as np

_INSTALL_HINT = "pip install matplotlib (or skmlp[plot])"


def _pyplot(caller):
    """Import ``matplotlib.pyplot``, or raise an ImportError saying how to get it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} requires matplotlib, which is not installed: {_INSTALL_HINT}."
        ) from exc
    return plt


def _final_estimator(estimator):
    """The estimator that holds the history: the last step of a Pipeline, the
    best estimator of a fitted search, or the estimator itself."""
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline):
        return _final_estimator(estimator[-1])
    best = getattr(estimator, "best_estimator_", None)
    if best is not None:
        return _final_estimator(best)
    regressor = getattr(estimator, "regressor_", None)  # TransformedTargetRegressor
    if regressor is not None:
        return _final_estimator(regressor)
    return estimator


def _history_of(estimator):
    from sklearn.utils.validation import check_is_fitted

    est = _final_estimator(estimator)
    history = getattr(est, "history_", None)
    if isinstance(history, dict):
        return {k: list(v) for k, v in history.items()}
    errors = getattr(est, "errors_", None)
    if errors is not None:
        return {"errors": list(errors)}
    check_is_fitted(est)  # an unfitted estimator raises NotFittedError here
    raise TypeError(
        f"{type(est).__name__} has no per-epoch history: HistoryDisplay plots the "
        "history_ of MLPKerasClassifier and MLPKerasRegressor, or the errors_ of "
        "StepPerceptron. Pass a history dict to HistoryDisplay(history) instead."
    )


def _label(key):
    if key.startswith("val_"):
        return f"validation {key[4:]}"
    return f"training {key}"


class HistoryDisplay:
    """Learning curves: the per-epoch loss and metrics of a fitted network.

    It draws each metric of ``history`` against the epoch, the training curve
    solid and its validation counterpart (the key prefixed by ``"val_"``)
    dashed in the same color. Use :meth:`from_estimator` to build it from a
    fitted :class:`MLPKerasClassifier` or :class:`MLPKerasRegressor` (their
    ``history_``) or :class:`StepPerceptron` (its ``errors_`` per epoch); the
    constructor takes any dict of per-epoch lists, such as Keras's
    ``History.history``.

    Parameters
    ----------
    history : dict of str to list of float
        Per-epoch values, e.g. ``{"loss": [...], "val_loss": [...]}``.
    estimator_name : str, default=None
        The name shown in the title of the plot; no title when None.

    Attributes
    ----------
    line_ : dict of str to matplotlib Line2D
        The curve of each plotted key of ``history`` (e.g. ``"loss"``,
        ``"val_loss"``).
    ax_ : matplotlib Axes or ndarray of Axes
        The axes drawn on: one, or one per metric when :meth:`plot` was
        given several axes.
    figure_ : matplotlib Figure
        The figure holding the axes.

    See Also
    --------
    sklearn.metrics.RocCurveDisplay : The display API this follows.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from skmlp import HistoryDisplay, MLPKerasClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPKerasClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01,
    ...                          early_stopping=True, random_state=0).fit(X, y)
    >>> display = HistoryDisplay.from_estimator(clf)
    >>> sorted(display.line_)
    ['accuracy', 'loss', 'val_accuracy', 'val_loss']
    >>> display.ax_.get_xlabel()
    'Epoch'
    >>> import matplotlib.pyplot as plt
    >>> plt.close(display.figure_)
    """

    def __init__(self, history, *, estimator_name=None):
        self.history = history
        self.estimator_name = estimator_name

    def _metrics(self, metrics):
        keys = [k for k in self.history if not k.startswith("val_")]
        keys += [
            k[4:] for k in self.history if k.startswith("val_") and k[4:] not in keys
        ]
        keys.sort(key=lambda k: k != "loss")  # the loss first, then the metrics
        if metrics is None:
            return keys
        metrics = [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [m for m in metrics if m not in keys]
        if unknown:
            raise ValueError(
                f"metrics {unknown} are not in the history, whose metrics are "
                f"{keys}; pass names without the 'val_' prefix."
            )
        return metrics

    def plot(self, ax=None, *, metrics=None, name=None, **kwargs):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            Where to draw: one Axes for every curve, or one Axes per metric.
            When None, a new figure with one Axes is created.
        metrics : str or list of str, default=None
            The metrics to draw, without the ``"val_"`` prefix (e.g.
            ``["loss"]``); each brings its validation curve when there is one.
            None draws every metric of the history.
        name : str, default=None
            The title of the plot; defaults to ``estimator_name``.
        **kwargs : dict
            Keyword arguments passed to :meth:`matplotlib.axes.Axes.plot` for
            every curve.

        Returns
        -------
        display : HistoryDisplay
            The object, with ``line_``, ``ax_`` and ``figure_`` set.
        """
        plt = _pyplot("HistoryDisplay.plot")
        from matplotlib.ticker import MaxNLocator

        metrics = self._metrics(metrics)
        if ax is None:
            _, ax = plt.subplots()
        if isinstance(ax, list | tuple | np.ndarray):
            axes = np.asarray(ax, dtype=object).ravel()
            if len(axes) != len(metrics):
                raise ValueError(
                    f"ax holds {len(axes)} Axes but {len(metrics)} metrics are "
                    f"plotted ({metrics}); pass one Axes, or one per metric."
                )
        else:
            axes = np.array([ax] * len(metrics) or [ax], dtype=object)
        name = self.estimator_name if name is None else name

        self.line_ = {}
        for metric, metric_ax in zip(metrics, axes):
            color = None
            for key in (metric, f"val_{metric}"):
                values = self.history.get(key)
                if values is None:
                    continue
                epochs = np.arange(1, len(values) + 1)
                style = {"label": _label(key), **kwargs}
                if key.startswith("val_"):
                    style["linestyle"] = "--"
                if color is not None:
                    style.setdefault("color", color)
                (line,) = metric_ax.plot(epochs, values, **style)
                color = line.get_color()
                self.line_[key] = line

        unique_axes = list(dict.fromkeys(axes))
        for a in unique_axes:
            a.set_xlabel("Epoch")
            a.xaxis.set_major_locator(MaxNLocator(integer=True))
            if all(
                metric == "errors" for metric, m_ax in zip(metrics, axes) if m_ax is a
            ):
                a.yaxis.set_major_locator(MaxNLocator(integer=True))  # error counts
            if a.get_lines():
                a.legend(loc="best")
            if name is not None:
                a.set_title(name)
        if len(unique_axes) == 1:
            self.ax_ = unique_axes[0]
            if len(metrics) == 1:
                self.ax_.set_ylabel(metrics[0])
        else:
            self.ax_ = axes
            for a, metric in zip(axes, metrics):
                a.set_ylabel(metric)
        self.figure_ = unique_axes[0].figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, metrics=None, name=None, **kwargs):
        """Plot the learning curves of a fitted estimator.

        Parameters
        ----------
        estimator : estimator instance
            A fitted :class:`MLPKerasClassifier` or :class:`MLPKerasRegressor`
            (its ``history_``), :class:`StepPerceptron` (its ``errors_`` per
            epoch, as the metric ``"errors"``), or a fitted Pipeline,
            TransformedTargetRegressor or search whose final estimator is one.
        ax : matplotlib Axes or array-like of Axes, default=None
            Where to draw: one Axes for every curve, or one Axes per metric.
            When None, a new figure with one Axes is created.
        metrics : str or list of str, default=None
            The metrics to draw, without the ``"val_"`` prefix (e.g.
            ``["loss"]``). None draws every metric of the history.
        name : str, default=None
            The title of the plot; no title when None.
        **kwargs : dict
            Keyword arguments passed to :meth:`matplotlib.axes.Axes.plot` for
            every curve.

        Returns
        -------
        display : HistoryDisplay
            The display, drawn.

        Raises
        ------
        ImportError
            If matplotlib is not installed.
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        """
        _pyplot("HistoryDisplay.from_estimator")
        display = cls(_history_of(estimator), estimator_name=name)
        return display.plot(ax=ax, metrics=metrics, **kwargs)
