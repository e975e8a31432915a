"""Rows of a file-backed array, read from disk as training needs them.

``fit`` and ``partial_fit`` on a C-contiguous 2-D :class:`numpy.memmap` never
load it whole: X is validated chunk by chunk, then each batch's rows are read
from the file (``os.pread``) while the network trains, and ``predict`` runs chunk by
chunk. Reading through the file, not the mapping, keeps the process's
resident memory small: every page of a mapping the process touches counts in
its resident set until the kernel reclaims it. Plain NumPy and the operating
system only; the training loop (``_engine._train.Batches``) calls :meth:`read`.
"""

import mmap
import os

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.validation import validate_data

#: Bytes read at a time when X is scanned (validation) or predicted in chunks.
CHUNK_BYTES = 32 << 20
#: Chunks of ``predict`` hold at least this many rows (Keras's batched path).
MIN_PREDICT_ROWS = 4096


class FileRows:
    """Rows of a C-ordered 2-D array stored in a file, read on demand.

    Parameters
    ----------
    path : str
        The file.
    offset : int
        Byte offset of the first row in the file.
    n_rows, n_features : int
        Shape of the array in the file.
    dtype : numpy.dtype
        Its element type (any bool, integer or float type).
    rows : ndarray of int or None, default=None
        Which rows of the file, in this order, make up this set (a training
        split); None: all of them.
    """

    ndim = 2

    def __init__(self, path, offset, n_rows, n_features, dtype, rows=None):
        self.path, self.offset, self.dtype = path, offset, np.dtype(dtype)
        self.n_rows, self.n_features, self.rows = n_rows, n_features, rows
        self.row_bytes = n_features * self.dtype.itemsize

    @classmethod
    def from_memmap(cls, X):
        """The rows of ``X`` if it is a memmap they can be streamed from, else None.

        That is a 2-D, C-contiguous, non-empty memmap of a bool, integer or
        float type, opened read-only or read-write on a named file (a
        copy-on-write memmap's changes are not in the file), on a system with
        ``os.pread``.
        """
        if not (
            isinstance(X, np.memmap)
            and X.ndim == 2
            and X.size
            and X.flags.c_contiguous
            and X.dtype.kind in "biuf"
            and X.mode in ("r", "r+", "w+")
            and hasattr(os, "pread")
        ):
            return None
        # The memmap numpy.memmap created maps the file from `offset` on; X may
        # be a view of it (a reshape, a slice of rows).
        root = X
        while isinstance(root.base, np.ndarray):
            root = root.base
        if not isinstance(root, np.memmap) or not isinstance(root.base, mmap.mmap):
            return None
        if not isinstance(root.filename, str | os.PathLike):  # None: no file name
            return None
        offset = root.offset + X.ctypes.data - root.ctypes.data
        path = os.fspath(root.filename)
        return cls(path, offset, X.shape[0], X.shape[1], X.dtype)

    @property
    def shape(self):
        n = self.n_rows if self.rows is None else len(self.rows)
        return (n, self.n_features)

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, key):
        """Rows ``key`` (a slice or integer positions), loaded as float32."""
        if isinstance(key, slice):
            key = np.arange(*key.indices(len(self)))
        return self.read(key)

    def take(self, positions):
        """The subset of rows at ``positions``, still on disk."""
        positions = np.asarray(positions, dtype=np.int64)
        rows = positions if self.rows is None else self.rows[positions]
        return FileRows(
            self.path, self.offset, self.n_rows, self.n_features, self.dtype, rows
        )

    def read(self, positions, dtype=np.float32):
        """The rows at ``positions``, in that order, as an array of ``dtype``.

        Rows are read in file order, runs of consecutive rows in one call.
        """
        positions = np.asarray(positions, dtype=np.int64).reshape(-1)
        rows = positions if self.rows is None else self.rows[positions]
        order = None
        if np.any(rows[1:] < rows[:-1]):
            order = np.argsort(rows, kind="stable")
            rows = rows[order]
        raw = np.empty((len(rows), self.n_features), dtype=self.dtype)
        if len(rows):
            breaks = np.flatnonzero(np.diff(rows) != 1) + 1
            starts = np.concatenate([[0], breaks]).tolist()
            stops = np.concatenate([breaks, [len(rows)]]).tolist()
            buffer = memoryview(raw.reshape(-1).view(np.uint8))
            b, fd = self.row_bytes, os.open(self.path, os.O_RDONLY)
            try:
                for start, stop, row in zip(starts, stops, rows[starts].tolist()):
                    _read_exactly(
                        fd, buffer[start * b : stop * b], self.offset + row * b
                    )
            finally:
                os.close(fd)
        if order is None:
            return raw.astype(dtype, copy=False)
        out = np.empty(raw.shape, dtype=dtype)
        out[order] = raw
        return out

    def chunks(self, min_rows=1, dtype=None):
        """Consecutive chunks of about ``CHUNK_BYTES`` (at least ``min_rows``
        rows), as arrays of ``dtype`` (default: the file's)."""
        n = len(self)
        per_chunk = max(min_rows, CHUNK_BYTES // max(self.row_bytes, 1))
        n_chunks = -(-n // per_chunk)
        bounds = np.linspace(0, n, n_chunks + 1).astype(np.int64)
        for start, stop in zip(bounds[:-1], bounds[1:]):
            yield self.read(np.arange(start, stop), dtype=dtype or self.dtype)


def _read_exactly(fd, buffer, offset):
    """Fill ``buffer`` with the file's bytes from ``offset`` on."""
    while len(buffer):
        if hasattr(os, "preadv"):
            n = os.preadv(fd, [buffer], offset)
        else:
            data = os.pread(fd, len(buffer), offset)
            n = len(data)
            buffer[:n] = data
        if n == 0:
            raise OSError(
                f"The file of X ended at byte {offset}: it was truncated while "
                "being read; keep the file unchanged during fit and predict."
            )
        buffer, offset = buffer[n:], offset + n


def validate(estimator, rows, y, reset, dtype=np.float32):
    """Validate a streamed X (``rows``) and y as ``validate_data`` would, with
    its error messages, reading X chunk by chunk; return the validated y.

    ``validate_data`` checks the shape, the number and names of features and
    y against a stand-in of X's shape that takes no memory; the values of X
    are then checked one chunk at a time.
    """
    stand_in = np.broadcast_to(np.zeros(1, dtype=dtype), rows.shape)
    _, y = validate_data(
        estimator,
        stand_in,
        y,
        reset=reset,
        multi_output=True,
        ensure_all_finite=False,
        dtype=dtype,
    )
    for chunk in rows.chunks():
        check_array(chunk, dtype=dtype, estimator=estimator, input_name="X")
    return y


def split(X, train, held_out, dtype):
    """``X[train]``, ``X[held_out]``; of streamed rows, only the held-out
    ones are loaded, in ``dtype`` (the training's: read in another, a float64
    file's rows would be rounded)."""
    if isinstance(X, FileRows):
        return X.take(train), X.read(held_out, dtype=dtype)
    return X[train], X[held_out]


def predict_in_chunks(rows, forward):
    """``forward`` of each chunk of ``rows``, stacked (``predict`` on a memmap).

    The chunks keep the file's dtype: ``forward`` validates and converts them
    as it would X whole.
    """
    return np.concatenate(
        [forward(chunk) for chunk in rows.chunks(min_rows=MIN_PREDICT_ROWS)]
    )
