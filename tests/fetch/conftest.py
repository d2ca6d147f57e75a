"""The replay server fixture: a fresh fake PubMed and ClinicalTrials.gov for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fetch.replay import ReplayService, serve


@pytest.fixture
def service() -> Iterator[ReplayService]:
    """A running replay server on 127.0.0.1 with the synthetic fixtures loaded."""
    svc = ReplayService()
    server, thread = serve(svc)
    yield svc
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
