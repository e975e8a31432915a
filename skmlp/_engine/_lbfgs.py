"""solver="lbfgs": scikit-learn's full-batch L-BFGS-B on skmlp's networks.

SciPy's ``minimize(method="L-BFGS-B")`` drives it, with scikit-learn's
options (``maxiter=max_iter``, ``maxfun=max_fun``, ``gtol=tol``); each
function evaluation is one compiled TensorFlow call that returns the loss
(scikit-learn's, with its penalty) and its gradient over the whole training
set at the flat parameter vector (the trainer's ``compiled_loss_and_grad``).
The optimum is written into the Keras model's variables at the end.
"""

import re

import scipy
import scipy.optimize

from .._tf import tf


def minimize(trainer, X, Y, W):
    """Fit ``trainer``'s model; return ``(n_iter, loss)``. Warns with
    ConvergenceWarning when ``max_iter`` or ``max_fun`` stops it, as
    scikit-learn does."""
    from sklearn.utils.optimize import _check_optimize_result

    config = trainer.config
    Xt, Yt, Wt = (tf.convert_to_tensor(a, trainer.dtype) for a in (X, Y, W))
    loss_and_grad = trainer.compiled_loss_and_grad(Y.shape[1], X.shape[0])

    def fun(flat):
        loss, grad = loss_and_grad(tf.constant(flat, tf.float64), Xt, Yt, Wt)
        return float(loss), grad.numpy()

    x0 = trainer.parameter_vector()
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
    trainer.set_parameter_vector(result.x)  # the optimum, into the model
    return n_iter, float(result.fun)


def _iprint(value):
    """SciPy's ``iprint`` option where the installed SciPy still takes it.

    SciPy 1.15 deprecated L-BFGS-B's ``disp`` and ``iprint`` (a
    DeprecationWarning on every fit) and 1.18 removed them (an
    OptimizeWarning, "Unknown solver options"): from 1.15 on nothing is
    passed, whatever the scikit-learn (1.6 passes ``iprint`` to every SciPy).
    """
    return {"iprint": value} if scipy_version() < (1, 15) else {}


def scipy_version():
    """The installed SciPy's (major, minor)."""
    match = re.match(r"(\d+)\.(\d+)", scipy.__version__)
    return (int(match[1]), int(match[2])) if match else (0, 0)
