"""Shared test fixtures: stores, and the third-party data folder beside the checkout."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.store import GraphStore, open_store

REPO = Path(__file__).resolve().parent.parent
# ../shared/data beside the checkout; a user's fresh clone has none, and tests that need it skip.
SHARED_DATA = Path(os.environ.get("TCMKG_SHARED_DATA", REPO.parent / "shared" / "data"))
IN_CI = os.environ.get("CI") == "true"

# The Virtuoso server fixture (remote-store contract tests). pytest accepts plugin lists only
# in the top-level conftest.
pytest_plugins = ["tests.virtuoso"]


def shared_data(*parts: str) -> Path:
    """Path into ../shared/data, or skip the test (saying why) when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"third-party data not present: {path} (only beside the development checkout)")
    return path


@pytest.fixture
def memory_store() -> Iterator[GraphStore]:
    """A fresh in-memory Oxigraph store."""
    store = open_store("memory:")
    yield store
    store.close()


@pytest.fixture
def disk_store(tmp_path: Path) -> Iterator[GraphStore]:
    """A fresh on-disk Oxigraph store in a temporary directory."""
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    yield store
    store.close()
