"""Scaling out: many fits in parallel (joblib's processes, a Dask cluster),
data-parallel training (tf.distribute), and data larger than memory.

Each parallel search must give exactly the scores of the same search run one
fit after the other: the fits are seeded and independent of where they run.
"""

import numpy as np
import pytest
from joblib import Parallel, delayed
from numpy.testing import assert_allclose
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV

from skmlp import MLPKerasClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X, Y = make_classification(
    n_samples=120, n_features=6, n_informative=4, n_classes=3, random_state=0
)
GRID = {"alpha": [1e-4, 1e-1], "hidden_layer_sizes": [(4,), (8,)]}  # 4 candidates


def _search(n_jobs):
    est = MLPKerasClassifier(max_iter=15, random_state=0)
    return GridSearchCV(est, GRID, cv=2, n_jobs=n_jobs).fit(X, Y)


@pytest.fixture(scope="module")
def sequential_scores():
    return _search(1).cv_results_["mean_test_score"]


def _worker_threads():
    import os

    from skmlp import _tf

    tf = _tf.tf
    return (
        os.environ.get("OMP_NUM_THREADS"),
        tf.config.threading.get_intra_op_parallelism_threads(),
        tf.config.threading.get_inter_op_parallelism_threads(),
    )


def test_tf_thread_count_from_environment():
    from skmlp._tf import tf_thread_count

    assert tf_thread_count({}) is None
    assert tf_thread_count({"OMP_NUM_THREADS": "2"}) == 2
    assert tf_thread_count({"OMP_NUM_THREADS": "2", "SKMLP_TF_THREADS": "3"}) == 3
    assert tf_thread_count({"OMP_NUM_THREADS": "2", "SKMLP_TF_THREADS": "0"}) is None
    assert tf_thread_count({"OMP_NUM_THREADS": "x"}) is None
    assert (
        tf_thread_count({"OMP_NUM_THREADS": "2", "TF_NUM_INTRAOP_THREADS": "4"}) is None
    )


def test_loky_workers_cap_tensorflow_threads():
    """joblib gives each of n_jobs workers cpu_count() // n_jobs threads;
    TensorFlow, started in the worker by skmlp, uses that many."""
    got = Parallel(n_jobs=2)(delayed(_worker_threads)() for _ in range(2))
    for omp, intra, inter in got:
        assert omp is not None
        assert intra == inter == int(omp)


def test_grid_search_n_jobs_2_equals_sequential(sequential_scores):
    search = _search(2)
    assert_allclose(search.cv_results_["mean_test_score"], sequential_scores)


def test_grid_search_on_dask_cluster_equals_sequential(sequential_scores):
    pytest.importorskip("distributed")
    from _dask import dask_backend

    with dask_backend():
        search = _search(-1)
    assert_allclose(search.cv_results_["mean_test_score"], sequential_scores)


# -- data-parallel training (tf.distribute) --------------------------------------

_MIRRORED = r"""
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import pickle
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from skmlp import MLPKerasClassifier
X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0, stratify=y)
kw = dict(hidden_layer_sizes=(32,), max_iter=15, batch_size=64, random_state=0)
single = MLPKerasClassifier(**kw).fit(Xtr, ytr)
mirrored = MLPKerasClassifier(distribution="mirrored", **kw).fit(Xtr, ytr)
assert mirrored.model_.distribute_strategy.num_replicas_in_sync == 2
copy = pickle.loads(pickle.dumps(mirrored))
assert (copy.predict(Xte) == mirrored.predict(Xte)).all()
# Each replica's loss is its share of the whole batch's: the training (and
# the loss reported) is the single-device one, up to rounding.
for a, b in zip(single.coefs_, mirrored.coefs_):
    assert abs(a - b).max() < 1e-4, abs(a - b).max()
assert max(abs(a - b) / a for a, b in zip(
    single.loss_curve_, mirrored.loss_curve_)) < 1e-2
print("ACC", single.score(Xte, yte), mirrored.score(Xte, yte),
      len(mirrored.loss_curve_))
"""


def _run_python(code, env=None, timeout=120):
    import os
    import subprocess
    import sys

    full_env = {**os.environ, **(env or {})}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
def test_mirrored_strategy_matches_single_device_accuracy():
    out = _run_python(_MIRRORED)
    line = [w for w in out.splitlines() if w.startswith("ACC")][-1].split()
    single, mirrored = float(line[1]), float(line[2])
    assert abs(single - mirrored) <= 0.02, (single, mirrored)
    assert int(line[3]) == 15


_MULTI_WORKER = r"""
import json
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from skmlp import MLPKerasClassifier
X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0, stratify=y)
kw = dict(hidden_layer_sizes=(32,), max_iter=8, batch_size=64, random_state=0)
# The strategy must come first: TensorFlow has not started yet.
workers = MLPKerasClassifier(distribution="multi_worker", **kw).fit(Xtr, ytr)
assert workers.model_.distribute_strategy.num_replicas_in_sync == 2
single = MLPKerasClassifier(**kw).fit(Xtr, ytr)
print("RESULT", json.dumps({
    "accuracy": workers.score(Xte, yte),
    "single_accuracy": single.score(Xte, yte),
    "loss_curve": workers.loss_curve_,
    "single_loss_curve": single.loss_curve_,
}))
"""


def _free_ports(n):
    import socket

    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@pytest.mark.slow
def test_multi_worker_strategy_matches_single_device():
    """Two worker processes on 127.0.0.1, described by TF_CONFIG, train one
    model: both end with the same model, which is the single-device one."""
    import json
    import os
    import subprocess
    import sys

    cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(2)]}
    processes = []
    for index in range(2):
        task = {"type": "worker", "index": index}
        env = {
            **os.environ,
            "TF_CONFIG": json.dumps({"cluster": cluster, "task": task}),
        }
        processes.append(
            subprocess.Popen(
                [sys.executable, "-c", _MULTI_WORKER],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    try:
        outputs = [p.communicate(timeout=120) for p in processes]
    finally:  # a worker waiting for a dead peer would wait for ever
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.communicate()
    results = []
    for p, (out, err) in zip(processes, outputs):
        assert p.returncode == 0, err[-3000:]
        line = [w for w in out.splitlines() if w.startswith("RESULT")][-1]
        results.append(json.loads(line.split(" ", 1)[1]))
    first, second = results
    assert first["loss_curve"] == second["loss_curve"]
    assert first["accuracy"] == second["accuracy"]
    assert abs(first["accuracy"] - first["single_accuracy"]) <= 0.02, first
    assert_allclose(first["loss_curve"], first["single_loss_curve"], rtol=1e-2)


def test_distribution_spec_is_a_parameter():
    from sklearn.base import clone

    est = MLPKerasClassifier(distribution="mirrored")
    assert clone(est).get_params()["distribution"] == "mirrored"


# -- data larger than memory ------------------------------------------------------


@pytest.mark.slow
def test_partial_fit_over_memmap_chunks_matches_fit(tmp_path):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    Xd, yd = load_digits(return_X_y=True)
    Xd = StandardScaler().fit_transform(Xd).astype(np.float32)
    Xtr, Xte, ytr, yte = train_test_split(Xd, yd, random_state=0, stratify=yd)
    path = tmp_path / "X.f32"
    Xtr.tofile(path)
    Xmm = np.memmap(path, dtype=np.float32, mode="r").reshape(-1, Xd.shape[1])
    kw = dict(hidden_layer_sizes=(32,), batch_size=64, random_state=0)
    whole = MLPKerasClassifier(max_iter=20, n_iter_no_change=100, **kw).fit(Xtr, ytr)
    chunked = MLPKerasClassifier(**kw)
    classes = np.unique(yd)
    for _ in range(20):
        for start in range(0, len(Xmm), 256):
            chunked.partial_fit(
                np.asarray(Xmm[start : start + 256]),
                ytr[start : start + 256],
                classes=classes,
            )
    assert abs(whole.score(Xte, yte) - chunked.score(Xte, yte)) <= 0.02
