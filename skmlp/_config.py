"""TrainConfig: the typed, frozen description of one fit.

Built once per fit from the estimator's parameters and the encoded targets,
then read by attribute everywhere training happens (the optimizer, the loss,
the compiled loop, the stopping rule, the reuse key): no parameter is read
from a ``get_params()`` dict by string. Pure Python: no TensorFlow here.
"""

import math
import warnings
from dataclasses import dataclass, fields

#: The solvers scikit-learn's MLPs have.
SKLEARN_SOLVERS = {"sgd", "adam", "lbfgs"}
#: Keras optimizers reachable by name besides scikit-learn's solvers.
KERAS_SOLVERS = {"adamw", "adamax", "adagrad", "adadelta", "adafactor", "nadam"}
KERAS_SOLVERS |= {"rmsprop", "ftrl", "lion", "lamb"}


@dataclass(frozen=True)
class TrainConfig:
    """Everything a fit's training depends on, by name."""

    solver: str
    learning_rate: str  # the schedule of "sgd": constant, invscaling, adaptive
    learning_rate_init: float
    power_t: float
    momentum: float
    nesterovs_momentum: bool
    beta_1: float
    beta_2: float
    epsilon: float
    alpha: float
    batch_size: int
    shuffle: bool
    max_iter: int
    max_fun: int
    tol: float
    n_iter_no_change: float  # may be math.inf, as scikit-learn accepts
    early_stopping: bool
    verbose: int  # or True (scikit-learn's printing)
    loss: str  # the per-sample loss: see _engine._losses.PER_SAMPLE
    huber_delta: float
    kind: str  # binary, multiclass, multilabel or regression
    dtype: str  # "float32" or "float64": the network's and the data's

    @classmethod
    def from_params(cls, params, *, loss, kind, n_train, dtype, early_stopping):
        """The configuration of a fit on ``n_train`` training rows of the
        estimator whose ``get_params(deep=False)`` is ``params``."""
        # scikit-learn's batch size: "auto" is min(200, n); larger than n
        # warns and is clipped.
        batch_size, n = params["batch_size"], max(n_train, 1)
        if batch_size == "auto":
            batch_size = min(200, n)
        elif batch_size > n:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is "
                f"going to be clipped (batch_size={batch_size}, {n} samples).",
                UserWarning,
                stacklevel=6,
            )
        names = {f.name for f in fields(cls)}
        params = {k: v for k, v in params.items() if k in names}
        params.setdefault("huber_delta", 1.0)
        params.update(
            loss=loss,
            kind=kind,
            batch_size=int(min(max(batch_size, 1), n)),
            dtype=dtype,
            early_stopping=bool(early_stopping),
            # True stays True: scikit-learn's lines, not Keras's progress bar.
            verbose=params["verbose"]
            if isinstance(params["verbose"], bool)
            else int(params["verbose"]),
        )
        for name in ("learning_rate_init", "power_t", "momentum", "beta_1"):
            params[name] = float(params[name])
        for name in ("beta_2", "epsilon", "alpha", "tol", "huber_delta"):
            params[name] = float(params[name])
        n = params["n_iter_no_change"]
        params["n_iter_no_change"] = math.inf if n == math.inf else int(n)
        return cls(**params)

    def __post_init__(self):
        # Read on every path of a fit: plain attributes, derived once (not
        # fields: neither pickled nor passed to the constructor).
        sgd = self.solver == "sgd"
        derived = {
            "stochastic": self.solver != "lbfgs",
            "adaptive": sgd and self.learning_rate == "adaptive",
            "invscaling": sgd and self.learning_rate == "invscaling",
            # What a compiled training function depends on. alpha, the
            # learning rate and the stopping rule's numbers are variables or
            # arguments the function reads, so they are not part of it.
            "compiled_key": (
                self.solver,
                self.learning_rate,
                self.momentum,
                self.nesterovs_momentum,
                self.beta_1,
                self.beta_2,
                self.epsilon,
                self.loss,
                self.huber_delta,
                self.kind,
                self.dtype,
            ),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)
