"""Fixtures: a fresh server per test, and one shared server with a finished build."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .harness import Server, Shipped, open_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A fresh server with tenants acme and globex (2 concurrent builds each, no token limit)."""
    yield from open_server(tmp_path / "data")


@pytest.fixture(scope="session")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shipped]:
    for server in open_server(tmp_path_factory.mktemp("shipped")):
        build_id = server.submit()
        yield Shipped(server, build_id, server.wait_finished(build_id))
