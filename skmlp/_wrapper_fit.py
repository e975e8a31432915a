"""One training call of a bring-your-own-model wrapper, after its data are
validated and its model built: compile the model if it is not, check it,
encode X and y, gather ``Model.fit``'s arguments (routed, callbacks, the
validation set, the seeded batch order) and record Keras's history under
scikeras's names. Keras is imported on first use.
"""

from collections import defaultdict
from contextlib import nullcontext

import numpy as np
from sklearn.utils.validation import check_random_state

from . import _routing, _validation_set, _wrapper_checks
from ._sk_callbacks import keras_epochs

#: Seeds are drawn below this bound (TensorFlow's int32 seeds).
SEED_MAX = np.iinfo(np.int32).max


def _keras():
    from . import _wrapper_keras

    return _wrapper_keras


def _compile():
    from . import _wrapper_compile

    return _wrapper_compile


def seeds(est):
    """Build and shuffle seeds drawn from ``est.random_state`` (None: Keras's
    own unseeded behaviour)."""
    if est.random_state is None:
        return None, None
    rng = check_random_state(est.random_state)
    return tuple(int(s) for s in rng.randint(SEED_MAX, size=2))


def train(
    est,
    X,
    y,
    sample_weight,
    *,
    warm_start,
    epochs,
    initial_epoch,
    kwargs,
    validation=None,
    report=None,
    restore=True,
):
    """Train ``est.model_`` on the validated ``X``, ``y`` for ``epochs`` from
    ``initial_epoch``; ``warm_start`` extends ``history_`` (after epoch 0).
    ``restore``: whether a failed fit puts the model's weights and optimizer
    state back (a model that existed before the fit: continued, or passed
    as ``model``); a model built for this fit is dropped with it instead,
    and copying its weights first would be wasted."""
    kw, comp, params = _keras(), _compile(), est.get_params()
    comp.ensure_compiled(est.model_, lambda: comp.compile_kwargs(params))
    comp.check_loss(est.model_, est.loss, _wrapper_checks.default_loss(est))
    if est.run_eagerly:
        est.model_.run_eagerly = True
    sw = est._sample_weight(X, y, sample_weight)
    if sw is not None:
        keep = sw != 0  # as scikit-learn: a zero weight removes the sample
        X, y, sw = X[keep], y[keep], sw[keep]
    Y = est.target_encoder_.transform(y)
    X = est.feature_encoder_.transform(X)
    comp.check_outputs(
        est.model_,
        Y,
        getattr(est, "n_outputs_expected_", None),
        getattr(est, "n_classes_", None),
    )
    fit_args = _routing.route(params, "fit", _routing.FIT_KWARGS, strict=True)
    fit_args.pop("callbacks", None)
    # fit: epochs= given to fit, else fit__epochs, else epochs (scikeras's
    # order); partial_fit: one.
    fit_args.pop("epochs", None)
    epochs = kwargs.pop("epochs", epochs)
    fit_args.update(kwargs)
    fit_args.update(epochs=initial_epoch + epochs, initial_epoch=initial_epoch)
    _wrapper_checks.all_rows(fit_args, X)
    fit_args["callbacks"] = comp.make_callbacks(params, "fit")
    fit_args = _validation_set.wrapper_fit_args(est, fit_args, validation)
    if report is not None:  # scikit-learn's callbacks: each epoch a task
        report.begin(X, y, sw, max_subtasks=epochs)
        fit_args["callbacks"] += filter(None, [keras_epochs(report)])
    _, shuffle_seed = seeds(est)
    if shuffle_seed is not None:
        shuffle_seed = (shuffle_seed + initial_epoch) % SEED_MAX
    guard = kw.restore_on_failure(est.model_) if restore else nullcontext()
    with guard:  # model_ is trained in place
        history = kw.fit_model(est.model_, X, Y, sw, fit_args, shuffle_seed)
        check_finite(est.model_, history)
    if not warm_start or initial_epoch == 0 or not hasattr(est, "history_"):
        est.history_ = defaultdict(list)
    for key, values in history.history.items():
        est.history_[comp.history_name(key)] += list(values)
    if report is not None:
        report.end()


def check_finite(model, history):
    """scikit-learn's rule for a fit whose weights became NaN or infinite: an
    error, not a model that predicts garbage (Keras's ``Model.fit`` trains on
    through a non-finite loss). Raised inside ``restore_on_failure``, so a
    continued model gets its weights back and a refit keeps the old one."""
    weights = model.get_weights()
    if all(
        np.isfinite(w).all() for w in weights if np.issubdtype(w.dtype, np.floating)
    ):
        return
    epochs = max((len(v) for v in history.history.values()), default=0)
    raise ValueError(
        "Training diverged: the model's weights became NaN or infinite "
        f"(after {epochs} epoch(s) of this fit). Lower the learning rate "
        "(e.g. optimizer__learning_rate=1e-3) or scale X (e.g. with "
        "StandardScaler); the estimator was left as it was before this fit."
    )
