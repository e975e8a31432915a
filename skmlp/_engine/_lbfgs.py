"""solver="lbfgs": scikit-learn's full-batch L-BFGS-B on skmlp's networks.

SciPy's ``minimize(method="L-BFGS-B")`` drives it, with scikit-learn's
options (``maxiter=max_iter``, ``maxfun=max_fun``, ``gtol=tol``); each
function evaluation is one compiled TensorFlow call that returns the loss
(scikit-learn's, with its penalty) and its gradient over the whole training
set at the flat parameter vector (:func:`compiled_loss_and_grad`).
The optimum is written into the Keras model's variables at the end.

SciPy's own steps run in one BLAS thread (:func:`one_blas_thread`): on
vectors of a few thousand parameters a second OpenBLAS thread saves nothing,
and its spinning competed with TensorFlow's threads for the cores (wine,
on a loaded 2-core machine: 62 ms a fit, 28 ms in one thread; scikit-learn's
MLPClassifier, without TensorFlow's threads, 20 and 18 ms).
"""

import contextlib
import re
import threading

import numpy as np
import scipy
import scipy.optimize
from threadpoolctl import ThreadpoolController

from .._tf import tf
from . import _losses


def minimize(trainer, X, Y, W):
    """Fit ``trainer``'s model; return ``(n_iter, loss, message)``.

    ``message`` is scikit-learn's ConvergenceWarning text when ``max_iter`` or
    ``max_fun`` stopped it, else None: the estimator warns after committing
    the fit (recording warnings with ``warnings.catch_warnings`` is not
    thread-safe, so nothing here warns).
    """
    config = trainer.config
    Xt, Yt, Wt = (tf.convert_to_tensor(a, trainer.dtype) for a in (X, Y, W))
    loss_and_grad = compiled_loss_and_grad(trainer, Y.shape[1], X.shape[0])

    def fun(flat):
        loss, grad = loss_and_grad(tf.constant(flat, tf.float64), Xt, Yt, Wt)
        return float(loss), grad.numpy()

    x0 = parameter_vector(trainer)
    verbose = config.verbose is True or config.verbose >= 1
    with one_blas_thread():
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
    set_parameter_vector(trainer, result.x)  # the optimum, into the model
    n_iter = min(result.nit, config.max_iter)  # SciPy's nit may exceed maxiter
    return n_iter, float(result.fun), _convergence_message(result, n_iter, config)


#: The process's BLAS libraries (found once: looking them up costs ~1 ms).
_BLAS = []


@contextlib.contextmanager
def one_blas_thread():
    """The BLAS libraries limited to one thread in this block, and put back
    as they were after it (threadpoolctl's ``limit``, as scikit-learn's own
    estimators use it) -- in the main thread only: OpenBLAS takes a thread
    count set from another thread for that thread alone (measured: the main
    thread kept its own), so a limit set there could not be lifted for the
    whole process. A fit in another thread runs with the BLAS as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if not _BLAS:
        _BLAS.append(ThreadpoolController())
    with _BLAS[0].limit(limits=1, user_api="blas"):
        yield


def parameter_vector(trainer):
    """The values of ``trainer.lbfgs_parameters()``, as one float64 vector."""
    values = trainer.read(trainer.lbfgs_parameters())
    return np.concatenate([np.ravel(v).astype(np.float64) for v in values])


def set_parameter_vector(trainer, flat):
    """Write ``flat`` (a vector as :func:`parameter_vector` gives) into the
    variables of ``trainer.lbfgs_parameters()``."""
    variables = trainer.lbfgs_parameters()
    parts = np.split(np.asarray(flat), np.cumsum(_sizes(variables))[:-1])
    values = [
        part.reshape(v.shape).astype(v.dtype)
        for v, part in zip(variables, parts, strict=True)
    ]
    trainer.assign(variables, values)


def _sizes(variables):
    return [int(np.prod(v.shape)) for v in variables]


def compiled_loss_and_grad(trainer, n_outputs, n_rows):
    """The compiled ``f(flat, X, Y, W) -> (loss, flat gradient)`` at the
    float64 parameter vector ``flat`` (the values of
    ``trainer.lbfgs_parameters()``). The built-in stack's is a pure function
    of ``flat``; a custom model's writes ``flat`` into its variables first,
    for a tape to differentiate the model's call. ``n_rows``: the rows of
    ``X`` (the blocks of its products)."""
    blocks = trainer._blocks(n_rows)
    variables = trainer.lbfgs_parameters()
    sizes = _sizes(variables)
    backprop, config, alpha = trainer.backprop, trainer.config, trainer.alpha

    def values(flat):
        return [
            tf.reshape(tf.cast(part, v.dtype), v.shape)
            for v, part in zip(variables, tf.split(flat, sizes), strict=True)
        ]

    def loss_and_grad(flat, X, Y, W):
        if backprop is not None:
            loss, _, grads = backprop.loss_and_grads(
                config, values(flat), X, Y, W, alpha, blocks
            )
        else:
            for variable, value in zip(variables, values(flat), strict=True):
                variable.assign(value)
            with tf.GradientTape() as tape:
                p = trainer.model(X, training=True)
                loss = _losses.batch_loss(config, trainer.kernels, alpha, Y, p, W)
            grads = tape.gradient(loss, variables)
        flat_grad = tf.concat(
            [tf.reshape(tf.cast(g, tf.float64), [-1]) for g in grads], 0
        )
        return tf.cast(loss, tf.float64), flat_grad

    signature = (
        tf.TensorSpec([None], tf.float64),
        tf.TensorSpec([None, trainer.n_features], trainer.dtype),
        tf.TensorSpec([None, n_outputs], trainer.dtype),
        tf.TensorSpec([None], trainer.dtype),
    )
    return trainer.compiled(
        ("lbfgs", n_outputs, blocks),
        lambda: tf.function(loss_and_grad, input_signature=signature, autograph=False),
    )


def _convergence_message(result, n_iter, config):
    """scikit-learn's ``_check_optimize_result`` warning text, or None."""
    if result.status == 0:
        return None
    message = (
        f"lbfgs failed to converge after {n_iter} iteration(s) "
        f"(status={result.status}):\n{result.message}\n"
    )
    if n_iter == config.max_iter:
        message += (
            "\nIncrease the number of iterations to improve the convergence "
            f"(max_iter={config.max_iter})."
        )
    return message + (
        "\nYou might also want to scale the data as shown in:\n"
        "    https://scikit-learn.org/stable/modules/preprocessing.html"
    )


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
