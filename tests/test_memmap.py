"""Data larger than memory: large data is shuffled without a shuffle buffer."""

import numpy as np
from numpy.testing import assert_array_equal


def test_large_data_is_shuffled_in_constant_memory():
    """Beyond SHUFFLE_BUFFER_MAX_ROWS, each epoch is a new permutation,
    computed batch by batch, reproducible from the seed."""
    from skmlp import _keras

    n = _keras.SHUFFLE_BUFFER_MAX_ROWS + 500

    def epochs(seed):
        batches = _keras._index_batches(n, 256, True, seed)
        return [[b.numpy() for b in batches] for _ in range(2)]

    first, second = epochs(seed=3)
    assert [len(b) for b in first] == [256] * (n // 256) + [n % 256]
    first, second = np.concatenate(first), np.concatenate(second)
    assert_array_equal(np.sort(first), np.arange(n))
    assert_array_equal(np.sort(second), np.arange(n))
    assert not np.array_equal(first, second)  # a new order each epoch
    assert np.mean(np.abs(np.diff(first))) > n / 10  # not nearly sorted
    again = epochs(seed=3)
    assert_array_equal(np.concatenate(again[0]), first)
    assert_array_equal(np.concatenate(again[1]), second)
    assert not np.array_equal(np.concatenate(epochs(seed=4)[0]), first)
