"""The Keras optimizer of a fit, from its :class:`~skmlp._config.TrainConfig`.

Keras's SGD (with momentum and Nesterov's momentum) and Adam make the same
updates as scikit-learn's ``SGDOptimizer`` and ``AdamOptimizer``. The learning
rate stays a variable the compiled loop reads, so the schedules scikit-learn
applies at the end of an epoch ("invscaling", "adaptive") and Keras callbacks
(ReduceLROnPlateau, LearningRateScheduler) change it between steps, and a
reused compiled function serves any initial rate.

A step of these two applies Keras's update with TensorFlow's fused kernels
(:func:`fused_update`: ``ResourceApplyAdam``, ``ResourceApplyKerasMomentum``,
``ResourceApplyGradientDescent``) on the Keras optimizer's own variables, and
counts the step in its ``iterations`` as Keras does: the optimizer's state
stays Keras's (``model_.fit``, pickles, ``partial_fit``). The kernels compute
Keras's formulas (equal up to float rounding); Keras's ``apply_gradients``
traces about 20 ops a variable, and its tracing was a third of a first fit.
"""

from .. import _keras_private
from .._tf import keras, tf


def make_optimizer(config):
    lr = config.learning_rate_init
    if config.solver in ("sgd", "lbfgs"):  # lbfgs: model_.fit's optimizer
        return keras.optimizers.SGD(
            learning_rate=lr,
            momentum=config.momentum,
            nesterov=config.nesterovs_momentum,
        )
    if config.solver == "adam":
        return keras.optimizers.Adam(
            learning_rate=lr,
            beta_1=config.beta_1,
            beta_2=config.beta_2,
            epsilon=config.epsilon,
        )
    return keras.optimizers.get(
        {"class_name": config.solver, "config": {"learning_rate": lr}}
    )


def invscaling_rate(config, samples_seen):
    """scikit-learn's "invscaling" rate after ``samples_seen`` samples
    (it updates the rate at the end of each epoch)."""
    return config.learning_rate_init / (samples_seen + 1) ** config.power_t


def learning_rate(optimizer):
    return float(optimizer.learning_rate.numpy())


def set_learning_rate(optimizer, value):
    optimizer.learning_rate.assign(float(value))


def fused_update(optimizer, variables):
    """``update(grads, params)``: one step of ``optimizer`` (Keras's SGD or
    Adam, made by :func:`make_optimizer` and built on ``variables``) by
    TensorFlow's fused kernels, for ``params`` among ``variables``; None for
    any other optimizer (the caller keeps ``apply_gradients``)."""
    kind = type(optimizer)
    if kind is keras.optimizers.SGD and not optimizer.momentum:
        slots = []
    elif kind in (keras.optimizers.SGD, keras.optimizers.Adam):
        slots = _keras_private.optimizer_slots(optimizer, variables)
    else:
        return None
    if slots is None or not _plain(optimizer, variables):
        return None
    index = {id(v): i for i, v in enumerate(variables)}
    handles = [[s.value.handle for s in slot] for slot in slots]
    apply = _adam if kind is keras.optimizers.Adam else _sgd
    step = optimizer.iterations

    def update(grads, params):
        dtype = params[0].dtype
        lr = tf.cast(read_variable(optimizer.learning_rate), dtype)
        ops = apply(optimizer, dtype, lr, read_variable(step))
        for grad, param in zip(grads, params, strict=True):
            i = index[id(param)]
            ops(param.value.handle, [h[i] for h in handles], grad)
        # After the updates, as Keras counts the step.
        tf.raw_ops.AssignAddVariableOp(
            resource=step.value.handle, value=tf.constant(1, step.dtype)
        )

    return update


def read_variable(variable):
    """A Keras variable's value, read once by TensorFlow's own op (Keras's
    conversion adds ops, and is slow to trace); a tensor as it is (a
    learning-rate schedule's)."""
    if not isinstance(variable, keras.Variable):
        return variable
    return tf.raw_ops.ReadVariableOp(
        resource=variable.value.handle, dtype=variable.dtype
    )


def _plain(optimizer, variables):
    """Whether ``apply_gradients`` would only apply ``update_step``: no
    clipping, weight decay, EMA, loss scale, accumulation, AMSGrad or
    constraint, and every variable of one dtype."""
    return (
        optimizer.clipnorm is None
        and optimizer.clipvalue is None
        and optimizer.global_clipnorm is None
        and optimizer.weight_decay is None
        and not optimizer.use_ema
        and optimizer.loss_scale_factor is None
        and not optimizer.gradient_accumulation_steps
        and not getattr(optimizer, "amsgrad", False)
        and all(getattr(v, "constraint", None) is None for v in variables)
        and len({v.dtype for v in variables}) == 1
    )


def _adam(optimizer, dtype, lr, iterations):
    """Keras's Adam step: ``alpha = lr sqrt(1 - b2^t) / (1 - b1^t)``,
    ``m += (g - m)(1 - b1)``, ``v += (g^2 - v)(1 - b2)``,
    ``var -= m alpha / (sqrt(v) + eps)``, as ``ApplyAdam`` computes it."""
    beta_1 = tf.constant(optimizer.beta_1, dtype)
    beta_2 = tf.constant(optimizer.beta_2, dtype)
    epsilon = tf.constant(optimizer.epsilon, dtype)
    t = tf.cast(iterations + 1, dtype)
    beta_1_power, beta_2_power = tf.pow(beta_1, t), tf.pow(beta_2, t)

    def apply(var, slots, grad):
        m, v = slots
        tf.raw_ops.ResourceApplyAdam(
            var=var,
            m=m,
            v=v,
            beta1_power=beta_1_power,
            beta2_power=beta_2_power,
            lr=lr,
            beta1=beta_1,
            beta2=beta_2,
            epsilon=epsilon,
            grad=tf.cast(grad, dtype),
        )

    return apply


def _sgd(optimizer, dtype, lr, iterations):
    """Keras's SGD step: ``m = m momentum - g lr``, then ``var += m``
    (Nesterov: ``var += m momentum - g lr``); without momentum
    ``var -= g lr``."""
    momentum = tf.constant(optimizer.momentum, dtype)

    def apply(var, slots, grad):
        grad = tf.cast(grad, dtype)
        if not slots:
            tf.raw_ops.ResourceApplyGradientDescent(var=var, alpha=lr, delta=grad)
            return
        tf.raw_ops.ResourceApplyKerasMomentum(
            var=var,
            accum=slots[0],
            lr=lr,
            grad=grad,
            momentum=momentum,
            use_nesterov=bool(optimizer.nesterov),
        )

    return apply
