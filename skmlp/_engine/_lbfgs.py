"""solver="lbfgs": scikit-learn's full-batch L-BFGS-B on skmlp's networks.

SciPy's ``minimize(method="L-BFGS-B")`` drives it, with scikit-learn's
options (``maxiter=max_iter``, ``maxfun=max_fun``, ``gtol=tol``); each
function evaluation is one compiled TensorFlow call that writes the flat
parameter vector into the Keras model's variables and returns the loss and
its gradient over the whole training set (scikit-learn's loss and penalty).
"""

import numpy as np
import scipy.optimize

from .._tf import tf


def minimize(trainer, X, Y, W):
    """Fit ``trainer``'s model; return ``(n_iter, loss)``. Warns with
    ConvergenceWarning when ``max_iter`` or ``max_fun`` stops it, as
    scikit-learn does."""
    from sklearn.utils.optimize import _check_optimize_result

    config = trainer.config
    variables = trainer.lbfgs_parameters()
    Xt, Yt, Wt = (tf.convert_to_tensor(a, trainer.dtype) for a in (X, Y, W))
    loss_and_grad = trainer.compiled_loss_and_grad(Y.shape[1])

    def fun(flat):
        loss, grad = loss_and_grad(tf.constant(flat, tf.float64), Xt, Yt, Wt)
        return float(loss), grad.numpy()

    x0 = np.concatenate([np.ravel(v.numpy()).astype(np.float64) for v in variables])
    verbose = config.verbose is True or config.verbose >= 1
    result = scipy.optimize.minimize(
        fun,
        x0,
        method="L-BFGS-B",
        jac=True,
        options={
            "maxfun": config.max_fun,
            "maxiter": config.max_iter,
            "gtol": config.tol,
            **_iprint(1 if verbose else -1),
        },
    )
    n_iter = _check_optimize_result("lbfgs", result, config.max_iter)
    # The optimum's weights into the model.
    sizes = np.cumsum([int(np.prod(v.shape)) for v in variables])[:-1]
    trainer.set_parameters(
        [
            part.reshape(v.shape).astype(v.dtype)
            for v, part in zip(variables, np.split(result.x, sizes), strict=True)
        ]
    )
    return n_iter, float(result.fun)


def _iprint(value):
    try:
        from sklearn.utils.fixes import _get_additional_lbfgs_options_dict
    except ImportError:  # older scikit-learn: SciPy still takes iprint
        return {"iprint": value}
    return _get_additional_lbfgs_options_dict("iprint", value)
