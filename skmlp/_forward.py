"""The NumPy forward pass over fitted Dense weights.

Plain functions and lookup tables only, as scikit-learn's
``neural_network/_base.py``. Predicting a few rows through Keras costs tens of
milliseconds of graph dispatch; the same rows through NumPy cost microseconds.
Every function computes in float32, as the Keras model does, so both paths
agree to float32 rounding.
"""

import numpy as np


def _logistic(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _softplus(z):
    return np.logaddexp(z, np.zeros((), dtype=z.dtype))


def _gelu(z):
    from scipy.special import erf

    return (0.5 * z * (1.0 + erf(z / np.sqrt(np.float32(2.0))))).astype(z.dtype)


def _elu(z):
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


def _selu(z):
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return (scale * np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))).astype(
        z.dtype
    )


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


#: Keras activation name -> NumPy function. A model whose activations are all
#: here can be evaluated without TensorFlow.
ACTIVATIONS = {
    "linear": lambda z: z,
    "sigmoid": _logistic,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "relu6": lambda z: np.clip(z, 0, 6),
    "elu": _elu,
    "selu": _selu,
    "gelu": _gelu,
    "softplus": _softplus,
    "softsign": lambda z: z / (1 + np.abs(z)),
    "silu": lambda z: z * _logistic(z),
    "swish": lambda z: z * _logistic(z),
    "exponential": np.exp,
    "softmax": _softmax,
}


def forward(X, coefs, intercepts, activations):
    """Evaluate a stack of Dense layers on ``X`` in float32.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    coefs, intercepts : lists of ndarray
        Layer ``i`` maps its input through ``act(h @ coefs[i] + intercepts[i])``.
    activations : list of str
        The Keras activation name of each layer.

    Returns
    -------
    out : ndarray of shape (n_samples, n_outputs), float32
    """
    h = np.asarray(X, dtype=np.float32)
    for W, b, act in zip(coefs, intercepts, activations, strict=True):
        h = ACTIVATIONS[act](h @ W + b)
    return h
