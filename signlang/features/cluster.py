"""Extraction past one machine: joblib's Dask backend on a `distributed` cluster.

With `extract.backend: dask` the extract stage's parallel map runs on the Dask scheduler at
`extract.scheduler_address` (tcp://host:8786), or on a LocalCluster of worker processes on
this machine when it is null. Workers of a remote cluster must see the videos and the
project's `data/keypoints/` at the same absolute paths (a shared filesystem) and have the
project installed (`pip install -e .`): each worker writes its clip's cache file itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from signlang.errors import SignlangError


def _client(scheduler_address: str | None, workers: int):
    """A distributed Client on the scheduler at `scheduler_address`, or on a new LocalCluster
    of `workers` single-threaded processes (one Holistic each) listening on 127.0.0.1 only."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise SignlangError(
            "extract.backend: dask needs the `distributed` package: pip install -e '.[dask]'"
        ) from None
    if scheduler_address:
        try:
            return Client(scheduler_address, timeout="30s")
        except OSError as exc:
            raise SignlangError(
                f"extract.scheduler_address: cannot reach the Dask scheduler at {scheduler_address!r}: {exc}"
            ) from None
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, silence_logs=logging.WARNING,
    )
    return Client(cluster)


@contextmanager
def dask_backend(scheduler_address: str | None, workers: int) -> Iterator[int]:
    """Make joblib's Parallel run on Dask inside the block; yields the n_jobs to ask for
    (-1 on a remote cluster: every worker thread the scheduler has)."""
    from joblib import parallel_config

    client = _client(scheduler_address, workers)
    try:
        with parallel_config(backend="dask"):
            yield -1 if scheduler_address else workers
    finally:
        cluster = None if scheduler_address else client.cluster
        client.close()
        if cluster is not None:
            cluster.close()
