"""Data larger than memory: fit, partial_fit and predict on a numpy.memmap
read X from its file batch by batch (skmlp/_source.py), never whole.

Streaming changes where the rows come from, not which: a fit on a memmap gives
the fit on the same array in memory, bit for bit, and bad values raise the
same errors.
"""

import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification

from skmlp import MLPKerasClassifier, MLPKerasRegressor, _source

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X, Y = make_classification(
    n_samples=600, n_features=8, n_informative=5, n_classes=3, random_state=0
)


def _memmap(path, array, offset=0):
    """``array`` written to ``path`` after ``offset`` bytes, mapped read-only."""
    with open(path, "wb") as f:
        f.write(b"\0" * offset)
        array.tofile(f)
    return np.memmap(path, dtype=array.dtype, mode="r", offset=offset).reshape(
        array.shape
    )


def _assert_same_fit(a, b):
    assert a.loss_curve_ == b.loss_curve_
    for u, v in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert_array_equal(u, v)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_fit_on_memmap_equals_fit_on_array(tmp_path, early_stopping):
    """Streamed batches (read from the file) and the compiled in-memory epoch
    train the same network, bit for bit."""
    # float64 on disk (converted batch by batch), after a 24-byte header.
    Xmm = _memmap(tmp_path / "X.f64", X, offset=24)
    assert _source.FileRows.from_memmap(Xmm) is not None
    kw = dict(hidden_layer_sizes=(8,), max_iter=4, batch_size=64, random_state=0)
    kw["early_stopping"] = early_stopping
    on_disk = MLPKerasClassifier(**kw).fit(Xmm, Y)
    in_memory = MLPKerasClassifier(**kw).fit(np.asarray(Xmm), Y)
    _assert_same_fit(on_disk, in_memory)
    assert on_disk.validation_scores_ == in_memory.validation_scores_
    assert on_disk.n_features_in_ == 8 and not hasattr(on_disk, "feature_names_in_")


def test_streamed_rows_are_shuffled_anew_each_epoch_from_the_seed():
    """Each epoch of streamed rows is a new permutation, reproducible from the
    fit's seed and the epoch (the compiled epoch draws the same one)."""
    from skmlp._engine import Batches

    n = 2548
    data = Batches(np.zeros((n, 1)), np.zeros((n, 1)), np.ones(n), 3, "float64")

    def epoch(seed, e):
        rows = data.batch_rows(np.array([seed, e]), 256, True)
        return [np.asarray(b) for b in rows]

    first, second = epoch(3, 0), epoch(3, 1)
    assert [len(b) for b in first] == [256] * (n // 256) + [n % 256]
    first, second = np.concatenate(first), np.concatenate(second)
    assert_array_equal(np.sort(first), np.arange(n))
    assert_array_equal(np.sort(second), np.arange(n))
    assert not np.array_equal(first, second)  # a new order each epoch
    assert np.mean(np.abs(np.diff(first))) > n / 10  # not nearly sorted
    assert_array_equal(np.concatenate(epoch(3, 0)), first)
    assert not np.array_equal(np.concatenate(epoch(4, 0)), first)


def test_partial_fit_on_memmap_rows_equals_partial_fit_on_array(tmp_path):
    """A slice of rows of a memmap (a view at an offset into the file) streams
    the right rows, through the regressor's partial_fit, with sample weights."""
    Xmm = _memmap(tmp_path / "X.f32", X.astype(np.float32))
    target, weight = X[:, 0] - X[:, 1], np.linspace(0.5, 2.0, len(X))
    kw = dict(hidden_layer_sizes=(8,), batch_size=32, random_state=0)
    on_disk, in_memory = MLPKerasRegressor(**kw), MLPKerasRegressor(**kw)
    for start in (100, 350):
        rows = slice(start, start + 250)
        on_disk.partial_fit(Xmm[rows], target[rows], weight[rows])
        in_memory.partial_fit(np.array(Xmm[rows]), target[rows], weight[rows])
    _assert_same_fit(on_disk, in_memory)


def test_predict_on_memmap_runs_in_chunks(tmp_path, monkeypatch):
    Xmm = _memmap(tmp_path / "X.f64", X)
    clf = MLPKerasClassifier(hidden_layer_sizes=(8,), max_iter=2, random_state=0)
    clf.fit(X, Y)
    expected = clf.predict_proba(X)
    read = []
    real_chunks = _source.FileRows.chunks
    monkeypatch.setattr(_source, "CHUNK_BYTES", 100 * 8 * 8)
    monkeypatch.setattr(_source, "MIN_PREDICT_ROWS", 100)

    def chunks(self, *args, **kwargs):
        for chunk in real_chunks(self, *args, **kwargs):
            read.append(len(chunk))
            yield chunk

    monkeypatch.setattr(_source.FileRows, "chunks", chunks)
    assert_allclose(clf.predict_proba(Xmm), expected, rtol=1e-5, atol=1e-6)
    assert read == [100] * 6


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.nan, "Input X contains NaN."),
        (np.inf, "Input X contains infinity or a value too large"),
    ],
)
def test_bad_values_in_memmap_raise_the_in_memory_errors(
    tmp_path, monkeypatch, bad, message
):
    # A few rows per chunk: the bad value sits in a late chunk.
    monkeypatch.setattr(_source, "CHUNK_BYTES", 50 * 8 * 8)
    X_bad = X.copy()
    X_bad[-3, 5] = bad
    Xmm = _memmap(tmp_path / "X.f64", X_bad)
    clf = MLPKerasClassifier(max_iter=1)
    with pytest.raises(ValueError, match=re.escape(message)) as on_disk:
        clf.fit(Xmm, Y)
    with pytest.raises(ValueError) as in_memory:
        MLPKerasClassifier(max_iter=1).fit(np.asarray(Xmm), Y)
    assert str(on_disk.value) == str(in_memory.value)
    assert not hasattr(clf, "n_features_in_")  # the failed fit changed nothing


def test_other_memmaps_are_loaded(tmp_path):
    """Copy-on-write memmaps (changes not in the file), non-contiguous views
    and 1-D memmaps take the in-memory path."""
    path = tmp_path / "X.f64"
    _memmap(path, X)
    cow = np.memmap(path, dtype=np.float64, mode="c").reshape(X.shape)
    full = np.memmap(path, dtype=np.float64, mode="r").reshape(X.shape)
    assert _source.FileRows.from_memmap(full) is not None
    assert _source.FileRows.from_memmap(cow) is None
    assert _source.FileRows.from_memmap(full[:, :4]) is None
    assert _source.FileRows.from_memmap(full.reshape(-1)) is None
    assert _source.FileRows.from_memmap(np.asarray(full)) is None
    cow[:, 0] = 0.0  # in memory only: a fit must see it
    a = MLPKerasClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    b = MLPKerasClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    _assert_same_fit(a.fit(cow, Y), b.fit(np.array(cow), Y))


# -- resident memory of a fit on a file larger than it may grow ------------------

_RSS = r"""
import sys, threading, time
import numpy as np
import psutil
from skmlp import MLPKerasClassifier

path, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
X = np.memmap(path, dtype=np.float32, mode="r", shape=(n, d))
y = np.load(path + ".y.npy")
kw = dict(hidden_layer_sizes=(8,), batch_size=4096, max_iter=1, random_state=0)
# Warm up on the first rows: TensorFlow's kernels, the traced train step.
MLPKerasClassifier(**kw).fit(X[:8192], y[:8192])
process = psutil.Process()
rss0 = process.memory_info().rss
try:  # Linux: reset the high-water mark (VmHWM) to the current RSS
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    exact = True
except OSError:
    exact = False
peak, done = [rss0], threading.Event()

def sample():
    while not done.is_set():
        peak[0] = max(peak[0], process.memory_info().rss)
        time.sleep(0.005)

sampler = threading.Thread(target=sample)
sampler.start()
start = time.perf_counter()
clf = MLPKerasClassifier(**kw).fit(X, y)
accuracy = float(np.mean(clf.predict(X) == y))
seconds = time.perf_counter() - start
done.set()
sampler.join()
if exact:
    with open("/proc/self/status") as f:
        hwm = [int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM")][0]
    peak[0] = max(peak[0], hwm)
print("RESULT", peak[0] - rss0, seconds, accuracy, clf.t_)
"""


@pytest.mark.slow
def test_fit_on_memmap_file_keeps_resident_memory_small(tmp_path):
    """Fit and predict on a 2 GB memmap: the process's resident memory grows by
    less than 500 MB, a quarter of the file (loading X would grow it by the
    file, and by as much again for a float32 copy)."""
    pytest.importorskip("psutil")  # the subprocess samples RSS with it
    n, d = 2**19, 1024  # 2 GiB of float32
    size = n * d * 4
    free = shutil.disk_usage(tmp_path).free
    if free < size + (1 << 30):
        pytest.skip(f"needs {size / 2**30 + 1:.0f} GiB free in {tmp_path}")
    path = tmp_path / "X.f32"
    rng = np.random.default_rng(0)
    w = rng.standard_normal(d).astype(np.float32)
    y = np.empty(n, dtype=np.int64)
    with open(path, "wb") as f:
        for start in range(0, n, 8192):
            chunk = rng.random((8192, d), dtype=np.float32) - np.float32(0.5)
            y[start : start + 8192] = chunk @ w > 0
            chunk.tofile(f)
    np.save(str(path) + ".y.npy", y)
    done = subprocess.run(
        [sys.executable, "-c", _RSS, str(path), str(n), str(d)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = [w for w in done.stdout.splitlines() if w.startswith("RESULT")][-1]
    growth, seconds, accuracy, t = (float(v) for v in line.split()[1:])
    print(f"RSS growth {growth / 2**20:.0f} MiB for a {size / 2**20:.0f} MiB file; ")
    print(f"fit + predict {seconds:.1f} s, training accuracy {accuracy:.3f}")
    assert t == n  # one epoch over every row
    assert accuracy > 0.75  # it learned from the rows it read
    assert growth < 500e6, f"RSS grew by {growth / 2**20:.0f} MiB"
