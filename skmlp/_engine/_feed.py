"""Feeding a fit's rows to the training loop."""

import numpy as np

from .._tf import tf


class Batches:
    """The training rows of a fit, and how each epoch's batches are cut.

    In memory, X, Y and W are tensors made once per fit and shuffled inside
    the compiled epoch. A :class:`skmlp._source.FileRows` X is read from its
    file batch by batch, in the same order.
    """

    def __init__(self, X, Y, W, seed, dtype):
        self.n, self.seed = X.shape[0], int(seed)
        self.n_outputs = Y.shape[1]
        self.in_graph = isinstance(X, np.ndarray)
        self._rows = X
        if self.in_graph:
            self.X = tf.convert_to_tensor(X, dtype)
        self.Y = tf.convert_to_tensor(Y, dtype)
        self.W = tf.convert_to_tensor(W, dtype)
        self._np_dtype = np.dtype(dtype)

    def batch_rows(self, seed, batch_size, shuffle):
        order = tf.range(self.n)
        if shuffle:
            order = tf.random.experimental.stateless_shuffle(order, seed)
        order = order.numpy()
        for start in range(0, self.n, batch_size):
            yield order[start : start + batch_size]

    def take(self, rows):
        if self.in_graph:
            x = tf.gather(self.X, rows)
        else:
            x = self._rows.read(rows, dtype=self._np_dtype)
        return x, tf.gather(self.Y, rows), tf.gather(self.W, rows)
