"""scikit-learn's backpropagation of the built-in Dense stack, in TensorFlow.

For the network skmlp builds itself (Dense layers with scikit-learn's hidden
activations, and an output activation that is the canonical link of the loss:
softmax with the multiclass log-loss, the logistic with the binary log-loss,
the identity with the squared error, the exponential with the Poisson
deviance), the gradient is computed as scikit-learn's ``_backprop`` computes
it: the output error ``p - y`` weighted by the samples, carried back through
each layer's derivative. That is a few ops a layer where a ``GradientTape``
records dozens (the clipped log, the softmax's own gradient), and it is
scikit-learn's gradient exactly, for L-BFGS too. (For several outputs of the
squared error, scikit-learn's gradient is that of the loss summed over the
outputs, not averaged: this follows it.)

Any other model, activation or loss is differentiated by a ``GradientTape``.

Float64 products on the CPU go through Eigen, which spreads a product over
the intra-op threads once it passes about 7 x 10^5 multiply-adds; on a
training step's products, up to a few million multiply-adds, the threads'
hand-off costs more than it saves (measured on 2 cores: 200x64 @ 64x100
takes 67-73 us threaded, 43 us as two blocks of 100 rows, NumPy 31 us). So
such a float64 product is taken in blocks of rows small enough for one
thread each (:func:`row_blocks`), ops the executor runs side by side (the
digits default fit: 17-35% faster in A/B runs). Float32 products (oneDNN),
GPUs and larger products keep one op.
"""

from .._tf import has_gpu, tf
from . import _losses

#: A float64 product of at least BLOCKED_MACS[0] and under BLOCKED_MACS[1]
#: multiply-adds is taken in blocks of rows of at most BLOCK_MACS each.
BLOCKED_MACS = (700_000, 3_000_000)
BLOCK_MACS = 650_000


def row_blocks(rows, fan_in, fan_out):
    """The number of blocks of rows a float64 layer's products are taken in
    at ``rows`` rows a batch (1: whole)."""
    macs = rows * fan_in * fan_out
    if not BLOCKED_MACS[0] <= macs < BLOCKED_MACS[1]:
        return 1
    return -(-macs // BLOCK_MACS)


#: Hidden activations (Keras names) and their derivative, from the layer's
#: output ``h`` and the error ``delta`` reaching it.
_DERIVATIVES = {
    "linear": lambda h, delta: delta,
    "relu": lambda h, delta: tf.raw_ops.ReluGrad(gradients=delta, features=h),
    "tanh": lambda h, delta: tf.raw_ops.TanhGrad(y=h, dy=delta),
    "sigmoid": lambda h, delta: tf.raw_ops.SigmoidGrad(y=h, dy=delta),
}
_HIDDEN = {
    "linear": lambda z: z,
    "relu": tf.nn.relu,
    "tanh": tf.math.tanh,
    "sigmoid": tf.math.sigmoid,
}
#: Output activation -> (the loss whose canonical link it is, the activation).
_OUTPUT = {
    "softmax": ("multiclass_log_loss", tf.nn.softmax),
    "sigmoid": ("binary_log_loss", tf.math.sigmoid),
    "linear": ("squared_error", lambda z: z),
    "exponential": ("poisson", tf.math.exp),
}


class Backprop:
    """The loss and gradients of a Dense stack (see the module's docstring).

    ``layers``: the model's Dense layers, in order.
    """

    def __init__(self, layers):
        #: The kernels and biases, in layer order: the order of the values
        #: and gradients of :meth:`loss_and_grads`.
        self.params = [v for layer in layers for v in (layer.kernel, layer.bias)]
        names = [layer.activation.__name__ for layer in layers]
        self.hidden = [_HIDDEN[name] for name in names[:-1]]
        self.derivatives = [_DERIVATIVES[name] for name in names[:-1]]
        self.output = _OUTPUT[names[-1]][1]
        self.shapes = [tuple(layer.kernel.shape) for layer in layers]
        self.blocked = layers[0].kernel.dtype == "float64" and not has_gpu()

    def blocks(self, rows):
        """Per layer, the number of blocks of rows its products are taken in
        at batches of ``rows`` rows (see :func:`row_blocks`): a trace-time
        variant of the graphs that call :meth:`loss_and_grads`."""
        if not self.blocked:
            return (1,) * len(self.shapes)
        return tuple(row_blocks(rows, *shape) for shape in self.shapes)

    @classmethod
    def of(cls, layers, model, config):
        """A :class:`Backprop` for ``model`` (``layers``: its Dense layers),
        or None when a tape must differentiate it."""
        names = [layer.activation.__name__ for layer in layers]
        if (
            not layers
            or any(name not in _DERIVATIVES for name in names[:-1])
            or names[-1] not in _OUTPUT
            or _OUTPUT[names[-1]][0] != config.loss
        ):
            return None
        backprop = cls(layers)
        variables = model.trainable_variables
        if sorted(map(id, backprop.params)) != sorted(map(id, variables)):
            return None  # weights outside the Dense layers' kernels and biases
        return backprop

    def loss_and_grads(self, config, values, x, y, w, alpha, blocks=None):
        """``(loss, p, grads)``: scikit-learn's loss of the batch with its L2
        penalty, the network's output, and the gradients of :attr:`params`.
        ``values``: the values of :attr:`params` (the variables', or L-BFGS's
        parameters); ``blocks``: :meth:`blocks` (None: every product whole)."""
        kernels, biases = values[0::2], values[1::2]
        blocks = blocks or (1,) * len(kernels)
        # The blocks' sizes, once for each number of blocks (every product
        # of the batch cuts the same rows).
        sizes = {q: row_sizes(tf.shape(x)[0], q) for q in set(blocks) if q > 1}
        outputs = [x]
        layers = zip(kernels, biases, self.hidden + [self.output], blocks)
        for kernel, bias, act, q in layers:
            z = rows_matmul(outputs[-1], kernel, q, sizes=sizes.get(q))
            outputs.append(act(tf.nn.bias_add(z, bias)))
        p = outputs[-1]
        total = tf.reduce_sum(w)
        loss = _losses.batch_loss(config, kernels, alpha, y, p, w, total=total)
        delta = (p - y) * tf.expand_dims(w / total, 1)
        decay = alpha / total
        grads = [None] * len(values)
        for i in range(len(kernels) - 1, -1, -1):
            q = blocks[i]
            grads[2 * i] = outer_matmul(outputs[i], delta, q, sizes=sizes.get(q))
            if config.alpha:
                grads[2 * i] += decay * kernels[i]
            grads[2 * i + 1] = tf.reduce_sum(delta, axis=0)
            if i:
                delta = rows_matmul(
                    delta, kernels[i], q, sizes=sizes.get(q), transpose_b=True
                )
                delta = self.derivatives[i - 1](outputs[i], delta)
        return loss, p, grads


def row_sizes(n, p):
    """The sizes of ``p`` blocks of ``n`` rows (differing by at most 1)."""
    return n // p + tf.cast(tf.range(p) < n % p, n.dtype)


def _row_parts(t, p, sizes):
    if sizes is None:
        sizes = row_sizes(tf.shape(t)[0], p)
    return tf.split(t, sizes, axis=0, num=p)


def rows_matmul(a, b, p=1, *, sizes=None, transpose_b=False):
    """``a @ b`` (``b`` transposed with ``transpose_b``), as ``p`` products
    of blocks of ``a``'s rows (the same numbers, row by row); ``sizes``: the
    blocks' :func:`row_sizes`, if already computed."""
    if p == 1:
        return tf.matmul(a, b, transpose_b=transpose_b)
    parts = _row_parts(a, p, sizes)
    return tf.concat([tf.matmul(x, b, transpose_b=transpose_b) for x in parts], 0)


def outer_matmul(a, b, p=1, *, sizes=None):
    """``a.T @ b``, as the sum of the products of ``p`` blocks of rows."""
    if p == 1:
        return tf.matmul(a, b, transpose_a=True)
    if sizes is None:
        sizes = row_sizes(tf.shape(a)[0], p)
    pairs = zip(_row_parts(a, p, sizes), _row_parts(b, p, sizes), strict=True)
    return tf.add_n([tf.matmul(x, y, transpose_a=True) for x, y in pairs])
