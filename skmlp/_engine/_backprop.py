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
"""

from .._tf import tf
from . import _losses

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

    @classmethod
    def of(cls, trainer):
        """A :class:`Backprop` for ``trainer``'s model, or None when a tape
        must differentiate it."""
        if not trainer.builtin:
            return None
        layers = trainer.dense_layers()
        names = [layer.activation.__name__ for layer in layers]
        if (
            not layers
            or any(name not in _DERIVATIVES for name in names[:-1])
            or names[-1] not in _OUTPUT
            or _OUTPUT[names[-1]][0] != trainer.config.loss
        ):
            return None
        backprop = cls(layers)
        variables = trainer.model.trainable_variables
        if sorted(map(id, backprop.params)) != sorted(map(id, variables)):
            return None  # weights outside the Dense layers' kernels and biases
        return backprop

    def loss_and_grads(self, config, values, x, y, w, alpha):
        """``(loss, p, grads)``: scikit-learn's loss of the batch with its L2
        penalty, the network's output, and the gradients of :attr:`params`.
        ``values``: the values of :attr:`params` (the variables', or L-BFGS's
        parameters)."""
        kernels, biases = values[0::2], values[1::2]
        outputs = [x]
        for kernel, bias, act in zip(kernels, biases, self.hidden + [self.output]):
            outputs.append(act(tf.nn.bias_add(tf.matmul(outputs[-1], kernel), bias)))
        p = outputs[-1]
        total = tf.reduce_sum(w)
        loss = _losses.batch_loss(config, kernels, alpha, y, p, w, total=total)
        delta = (p - y) * (w / total)[:, None]
        decay = alpha / total
        grads = [None] * len(values)
        for i in range(len(kernels) - 1, -1, -1):
            grads[2 * i] = tf.matmul(outputs[i], delta, transpose_a=True)
            if config.alpha:
                grads[2 * i] += decay * kernels[i]
            grads[2 * i + 1] = tf.reduce_sum(delta, axis=0)
            if i:
                delta = tf.matmul(delta, kernels[i], transpose_b=True)
                delta = self.derivatives[i - 1](outputs[i], delta)
        return loss, p, grads
