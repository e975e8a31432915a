"""The Keras optimizer of a fit, from its :class:`~skmlp._config.TrainConfig`.

Keras's SGD (with momentum and Nesterov's momentum) and Adam make the same
updates as scikit-learn's ``SGDOptimizer`` and ``AdamOptimizer``. The learning
rate stays a variable the compiled loop reads, so the schedules scikit-learn
applies at the end of an epoch ("invscaling", "adaptive") and Keras callbacks
(ReduceLROnPlateau, LearningRateScheduler) change it between steps, and a
reused compiled function serves any initial rate.
"""

from .._tf import keras


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
