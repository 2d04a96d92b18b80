"""Fixtures of the Dask tests: one LocalCluster of two worker processes per test module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kit.dask import dask_registry

from workbench.engine.registry import StageRegistry
from workbench.engine.run.dask_executor import local_cluster


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """Started like a run's embedded cluster (a lost worker is not re-run by Dask)."""
    with local_cluster(2) as started:
        yield started


@pytest.fixture(scope="module")
def address(cluster: Any) -> str:
    return str(cluster.scheduler_address)


@pytest.fixture(scope="session")
def registry() -> StageRegistry:
    return dask_registry()
