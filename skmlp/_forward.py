"""The NumPy forward pass over fitted Dense weights, and the activation table.

Plain functions and lookup tables only, as scikit-learn's
``neural_network/_base.py``. ``ACTIVATIONS`` is skmlp's one table of
activation names: Keras's names, with scikit-learn's four as aliases
(``SKLEARN_NAMES``). Predicting a few rows through TensorFlow costs tens of
microseconds of dispatch or more; the same rows through NumPy cost a few.
Every function keeps the dtype of its input (float32 or float64), as the
Keras model computes in the dtype it was trained in.
"""

import numpy as np


def _logistic(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _softplus(z):
    return np.logaddexp(z, np.zeros((), dtype=z.dtype))


def _gelu(z):
    from scipy.special import erf

    return (0.5 * z * (1.0 + erf(z / np.sqrt(z.dtype.type(2.0))))).astype(z.dtype)


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


#: Keras activation name -> NumPy function. A Dense stack whose activations
#: are all here is evaluated without TensorFlow.
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


def _logistic_inplace(z):
    z *= 0.5
    np.tanh(z, out=z)
    z += 1.0
    z *= 0.5
    return z


def _softmax_inplace(z):
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


#: In-place versions of the common activations, for arrays the forward pass
#: owns (each layer's fresh product): no allocation per layer.
_INPLACE = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0, out=z),
    "tanh": lambda z: np.tanh(z, out=z),
    "sigmoid": _logistic_inplace,
    "softmax": _softmax_inplace,
}

#: scikit-learn's activation names -> Keras's.
SKLEARN_NAMES = {"identity": "linear", "logistic": "sigmoid", "tanh": "tanh"}
SKLEARN_NAMES["relu"] = "relu"
#: Keras's names -> what scikit-learn calls them in ``out_activation_``.
SKLEARN_OUT_NAMES = {"sigmoid": "logistic", "linear": "identity", "exponential": "exp"}

#: Rows evaluated at a time. A chunk's hidden activations stay in the CPU's
#: cache (2,048 rows of 300 float64 units: 4.9 MB) between one layer's
#: product and the next, where a pass over every row at once streams them
#: through memory: 30,000 rows through digits' (300, 100) network took 77 ms
#: in chunks of 16,384 rows and 66 ms in chunks of 2,048; 10,000 rows 26 and
#: 22 ms (AMD EPYC, 2 cores; 784 features and float32 gain 3-8%). It also
#: bounds the memory of a prediction.
CHUNK_ROWS = 2048


def keras_activation(name):
    """The Keras name of a scikit-learn or Keras activation name."""
    return SKLEARN_NAMES.get(name, name)


def forward(X, coefs, intercepts, activations):
    """Evaluate a stack of Dense layers on ``X`` in the weights' dtype.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    coefs, intercepts : lists of ndarray
        Layer ``i`` maps its input through ``act(h @ coefs[i] + intercepts[i])``.
    activations : list of str
        The Keras activation name of each layer.

    Returns
    -------
    out : ndarray of shape (n_samples, n_outputs), in the dtype of ``coefs``
    """
    dtype = coefs[0].dtype
    X = np.asarray(X, dtype=dtype)
    if X.shape[0] > CHUNK_ROWS:
        return np.concatenate(
            [
                forward(X[i : i + CHUNK_ROWS], coefs, intercepts, activations)
                for i in range(0, X.shape[0], CHUNK_ROWS)
            ]
        )
    h = X
    for W, b, act in zip(coefs, intercepts, activations, strict=True):
        h = h @ W  # a new array: the in-place activations never touch X
        h += b
        h = _INPLACE[act](h) if act in _INPLACE else ACTIVATIONS[act](h)
    return h
