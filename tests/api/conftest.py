"""Fixtures for the HTTP API tests: the illustrative graph in a store, the app, a live server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from api.app import create_app
from kg.store import GraphStore, open_store
from tests.api.support import LiveServer, fill, settings, start_server


@pytest.fixture
def filled_store() -> Iterator[GraphStore]:
    """A fresh in-memory store holding the illustrative graph."""
    store = open_store("memory:")
    fill(store)
    yield store
    store.close()


@pytest.fixture
def app(filled_store: GraphStore) -> FastAPI:
    """The API over the illustrative graph, writes enabled with :data:`API_KEY`."""
    return create_app(filled_store, settings())


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    """One real server per test module, over its own copy of the illustrative graph."""
    store = open_store("memory:")
    fill(store)
    server = start_server(create_app(store, settings()), store)
    yield server
    server.stop()
    store.close()
