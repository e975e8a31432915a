"""Shared by the test modules: joblib on a local two-worker Dask cluster."""

from contextlib import contextmanager


@contextmanager
def dask_backend():
    """joblib's ``dask`` backend on two one-thread worker processes on
    127.0.0.1 (searches with ``n_jobs=-1`` run their fits there)."""
    from distributed import Client, LocalCluster
    from joblib import parallel_config

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster),
        parallel_config(backend="dask"),
    ):
        yield
