"""
==================================================
The perceptron, the logic gates, and XOR
==================================================

Chapter 10 of *Hands-On Machine Learning* starts from the simplest artificial
neuron, the threshold logic unit (TLU): it computes ``z = w . x + b`` and
outputs a step of ``z``. :class:`~skmlp.StepPerceptron` trains a layer of TLUs
with Rosenblatt's rule, exactly as in the book, with either step function:
``"heaviside"`` (0 or 1) or ``"sign"`` (-1, 0 or +1).

A single TLU draws a straight line through the feature space, so it can learn
AND and OR but not XOR: Minsky and Papert's objection. Stacking a hidden layer
of neurons with a smooth activation, trained by backpropagation, removes it:
:class:`~skmlp.MLPKerasClassifier` learns XOR with four hidden units.
"""

# %%
# Setup
# -----
import warnings

from sklearn.exceptions import ConvergenceWarning

# The networks train for a fixed, small number of epochs on purpose: do not
# warn that they have not converged.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris
from sklearn.inspection import DecisionBoundaryDisplay

from skmlp import HistoryDisplay, MLPKerasClassifier, StepPerceptron

GRID = 200  # resolution of the decision-boundary plots
# sphinx_gallery_start_ignore
# SKMLP_EXAMPLES_QUICK=1 (set by tests/test_examples.py) makes every example of
# this gallery run in a few seconds: fewer epochs, less data, coarser plots.
# This block, and the others like it, are hidden from the rendered gallery.
import os

QUICK = os.environ.get("SKMLP_EXAMPLES_QUICK") == "1"
if QUICK:
    GRID = 50
# sphinx_gallery_end_ignore

# %%
# A TLU on the iris data set
# --------------------------
# As in the book: is a flower an *Iris setosa*, judging by its petal length and
# width? The two classes are linearly separable, so the perceptron rule
# converges: an epoch passes with no error (``converged_``), and ``errors_``
# lists the misclassified samples of each epoch.
iris = load_iris(as_frame=True)
X = iris.data[["petal length (cm)", "petal width (cm)"]].to_numpy()
y = (iris.target == 0).to_numpy().astype(int)  # 1 for Iris setosa

X_new = [[2, 0.5], [3, 1]]
perceptrons = {}
for step in ("heaviside", "sign"):
    clf = StepPerceptron(step=step, random_state=42).fit(X, y)
    perceptrons[step] = clf
    print(
        f"step={step!r}: errors_={clf.errors_}, converged_={clf.converged_}, "
        f"w={clf.coef_.ravel().round(2)}, b={clf.intercept_.round(2)}, "
        f"predict({X_new}) = {clf.predict(X_new)}"
    )

# %%
# Both units separate the classes perfectly; with ``step="sign"`` the rule
# trains on -1/+1 targets, and a sample exactly on the line counts as an error.
# :class:`~sklearn.inspection.DecisionBoundaryDisplay` draws the line.
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True, layout="constrained")
for ax, (step, clf) in zip(axes, perceptrons.items()):
    DecisionBoundaryDisplay.from_estimator(
        clf,
        X,
        response_method="predict",
        grid_resolution=GRID,
        alpha=0.3,
        cmap="coolwarm",
        ax=ax,
        xlabel="Petal length (cm)",
        ylabel="Petal width (cm)",
    )
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolor="k", s=20)
    ax.set_title(f'StepPerceptron(step="{step}"): {clf.n_iter_} epochs')

# %%
# The logic gates
# ---------------
# AND and OR are linearly separable, XOR is not. The perceptron rule finds AND
# and OR in a few epochs; on XOR the error count never reaches zero, and the
# fit stops once it stops improving, unconverged.
X_gates = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
gates = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "XOR": [0, 1, 1, 0]}
gate_perceptrons = {}
for name, y_gate in gates.items():
    clf = StepPerceptron(random_state=42).fit(X_gates, y_gate)
    gate_perceptrons[name] = clf
    print(
        f"{name:>3}: predict={clf.predict(X_gates)}, target={y_gate}, "
        f"converged_={clf.converged_}, errors_={clf.errors_}"
    )
# sphinx_gallery_start_ignore
assert gate_perceptrons["AND"].converged_ and gate_perceptrons["OR"].converged_
assert not gate_perceptrons["XOR"].converged_
# sphinx_gallery_end_ignore


def plot_gate(clf, X, y, ax, title, response_method="predict"):
    """The decision regions of ``clf`` over the unit square, and the 4 inputs."""
    DecisionBoundaryDisplay.from_estimator(
        clf,
        X,
        response_method=response_method,
        grid_resolution=GRID,
        eps=0.5,
        alpha=0.3,
        cmap="coolwarm",
        ax=ax,
        xlabel="$x_1$",
        ylabel="$x_2$",
    )
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolor="k", s=80)
    ax.set_title(title)


fig, axes = plt.subplots(1, 3, figsize=(12, 4), layout="constrained")
for ax, (name, clf) in zip(axes, gate_perceptrons.items()):
    status = "converged" if clf.converged_ else "not converged"
    plot_gate(clf, X_gates, gates[name], ax, f"{name}: {status}")

# %%
# The error count of each epoch shows the difference: AND and OR reach zero,
# XOR keeps failing on at least two of the four inputs.
# :class:`~skmlp.HistoryDisplay` plots ``errors_`` per epoch.
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for name, clf in gate_perceptrons.items():
    display = HistoryDisplay.from_estimator(clf, ax=ax)
    display.line_["errors"].set_label(name)
ax.legend()
ax.set_ylabel("Misclassified inputs")
_ = ax.set_title("StepPerceptron.errors_")

# %%
# A multi-layer perceptron solves XOR
# -----------------------------------
# One hidden layer of four ``tanh`` units is enough. With plain SGD (and
# scikit-learn's default momentum of 0.9), a learning rate of 1.0 and a fixed
# ``random_state``, the network classifies all four inputs correctly after
# about 50 epochs, from any seed we tried.
mlp = MLPKerasClassifier(
    hidden_layer_sizes=(4,),
    activation="tanh",
    solver="sgd",
    learning_rate_init=1.0,
    max_iter=300,
    random_state=0,
).fit(X_gates, gates["XOR"])
print(
    f"predict={mlp.predict(X_gates)}, accuracy={mlp.score(X_gates, gates['XOR'])}, "
    f"epochs={mlp.n_iter_}"
)
# sphinx_gallery_start_ignore
assert mlp.score(X_gates, gates["XOR"]) == 1.0
# sphinx_gallery_end_ignore

# %%
# The hidden layer bends the boundary: the network's probability of class 1
# is high on the two inputs where exactly one of :math:`x_1, x_2` is 1.
fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
plot_gate(
    mlp,
    X_gates,
    gates["XOR"],
    axes[0],
    "MLPKerasClassifier on XOR",
    response_method="predict_proba",
)
HistoryDisplay.from_estimator(mlp, ax=axes[1], name="Learning curves")
axes[1].grid(True)
plt.show()
