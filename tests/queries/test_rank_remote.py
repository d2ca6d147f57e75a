"""Rankings on a SPARQL 1.1 server (Virtuoso from Debian on loopback), as on the embedded store."""

from __future__ import annotations

import pytest

from kg.store import GraphStore
from queries.explain import explain_candidate
from queries.indications import resolve_indication
from queries.rank import rank_candidates
from tests.queries.conftest import CONFIG
from tests.queries.test_rank import DM, DN, T2
from tests.queries.test_rank_cache import _build

pytestmark = pytest.mark.virtuoso


def test_a_server_ranks_exactly_like_the_embedded_store(
    virtuoso_store: GraphStore, memory_store: GraphStore
) -> None:
    _build(virtuoso_store)
    _build(memory_store)
    assert set(resolve_indication(virtuoso_store, "diabetes mellitus").terms) == {DM, DN, T2}
    assert set(resolve_indication(virtuoso_store, DM).terms) == {DM, DN, T2}
    remote = [r.to_json() for r in rank_candidates(virtuoso_store, DM, config=CONFIG)]
    local = [r.to_json() for r in rank_candidates(memory_store, DM, config=CONFIG)]
    assert remote == local and remote
    herb = remote[0]["candidate"]["id"]  # type: ignore[index]
    assert (
        explain_candidate(virtuoso_store, herb, "diabetes mellitus", CONFIG).to_json()
        == explain_candidate(memory_store, herb, "diabetes mellitus", CONFIG).to_json()
    )
