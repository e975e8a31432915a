"""scikit-learn's stopping rules for its stochastic solvers, in its two forms.

:class:`StoppingRule`, in Python: the compiled loop reports each epoch's
loss (and validation score), and the rule decides, exactly as
scikit-learn's ``_update_no_improvement_count`` and ``trigger_stopping`` do,
whether to go on, divide the learning rate by 5 ("adaptive") or stop.

:func:`graph_rule`, the same rule without early stopping, and the
"invscaling" and "adaptive" schedules, as TensorFlow ops: the graph of many
epochs (``_epochs.many_epochs``) applies it after each epoch, so that a
small fit runs hundreds of epochs in one call; the Python rule then replays
the returned losses (``_train._train_in_graph``), and the two must agree.
Change both together.
"""

import math
from dataclasses import dataclass, field

from .._tf import tf


@dataclass
class StoppingState:
    """What the rule carries from one epoch (and one warm-started fit) to the
    next; the estimator stores it between fits."""

    best_loss: float = math.inf
    best_validation_score: float = -math.inf
    no_improvement: int = 0
    loss_curve: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)


class StoppingRule:
    """Decide after each epoch: "go", "lower" (the learning rate) or "stop".

    Without early stopping the training loss must improve by ``tol`` within
    ``n_iter_no_change`` epochs; with it, the validation score. ``improved``
    tells the caller to keep the current weights as the best ones.
    """

    def __init__(self, config, state, *, incremental=False):
        self.config, self.state, self.incremental = config, state, incremental
        self.improved = False

    def update(self, loss, score=None, learning_rate=None):
        s, tol = self.state, self.config.tol
        s.loss_curve.append(loss)
        self.improved = False
        if self.config.early_stopping:
            s.validation_scores.append(score)
            # The comparisons are scikit-learn's, NaN included (it resets).
            if score < s.best_validation_score + tol:
                s.no_improvement += 1
            else:
                s.no_improvement = 0
            if score > s.best_validation_score:
                s.best_validation_score = score
                self.improved = True
        else:
            if loss > s.best_loss - tol:
                s.no_improvement += 1
            else:
                s.no_improvement = 0
            s.best_loss = min(s.best_loss, loss)
        # partial_fit applies the rule too (the "adaptive" rate falls), but
        # runs one epoch whatever it says, as scikit-learn's.
        if s.no_improvement <= self.config.n_iter_no_change:
            return "go"
        if self.config.adaptive and learning_rate is not None and learning_rate > 1e-6:
            s.no_improvement = 0
            return "lower"
        return "stop"

    def message(self):
        what = "Validation score" if self.config.early_stopping else "Training loss"
        return (
            f"{what} did not improve more than tol={self.config.tol:f} for "
            f"{self.config.n_iter_no_change} consecutive epochs."
        )


def graph_rule(config, lr, loss, best, count, seen, settings):
    """:meth:`StoppingRule.update` without early stopping, after an epoch's
    ``loss`` (float64 tensors: the best loss, the epochs without improvement,
    the samples seen so far, which only "invscaling" reads), and the
    schedules applied to the optimizer's learning-rate variable ``lr``;
    ``settings``: ``tol``, ``n_iter_no_change``, ``learning_rate_init``,
    ``power_t``. Returns ``(go, best, count)``. A non-finite ``loss`` stops,
    and leaves the learning rate as it was (the rule's state is then not
    used). Written without ``tf.cond``: each branch would be a function of
    its own to trace and optimise."""
    tol, patience, lr_init, power_t = settings
    f64 = tf.float64
    finite = tf.math.is_finite(loss)
    count = tf.where(loss > best - tol, count + 1.0, tf.zeros([], f64))
    best = tf.minimum(best, loss)
    if config.invscaling:
        rate = tf.cast(lr_init / tf.pow(seen + 1.0, power_t), lr.dtype)
        lr.assign(tf.where(finite, rate, lr))
    exceeded = count > patience
    if config.adaptive:
        lower = tf.logical_and(exceeded, tf.cast(lr, f64) > 1e-6)
        lower = tf.logical_and(lower, finite)
        lr.assign(tf.where(lower, lr / 5.0, lr))
        count = tf.where(lower, tf.zeros([], f64), count)
        exceeded = tf.logical_and(exceeded, tf.logical_not(lower))
    return tf.logical_and(finite, tf.logical_not(exceeded)), best, count
