"""What rankings keep between requests and between runs, and when they must let it go.

A ranking reads evidence through each item's ``tcm:scoringInputs`` literal and projects the
mechanism layer once per store state; an on-disk store saves that projection for the next
process. These tests check that the saved projection gives exactly the ranking a fresh build
gives, that any write (in this process or another) retires it, and that a damaged cache file
only costs a rebuild.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kg.model import Direction, EntityKind, Predicate, StudyDesign
from kg.store import GraphStore, open_store
from queries import mechanism
from queries.evidence import fetch_evidence
from queries.explain import explain_candidate
from queries.rank import rank_candidates
from tests.queries.conftest import CONFIG, GraphBuilder
from tests.queries.test_rank import DM, DN, T2, diseases, mechanism_graph


def _build(store: GraphStore) -> str:
    """A small graph with clinical, mechanistic and harm evidence; returns the main herb."""
    g = GraphBuilder(store)
    herb, _, _ = mechanism_graph(g, hub_degree=6)
    g.claim("TCMKG.DOC:rct", herb, Predicate.TREATS, DN, n=200, year=2021)
    g.claim("TCMKG.DOC:null", herb, Predicate.TREATS, T2, direction=Direction.NULL, n=80)
    g.claim(
        "TCMKG.DOC:tox",
        herb,
        Predicate.CAUSES,
        DN,
        design=StudyDesign.CASE_REPORT,
        direction=Direction.HARM,
    )
    g.write()
    return herb


def _ranking(store: GraphStore) -> list[dict[str, object]]:
    return [r.to_json() for r in rank_candidates(store, DM, config=CONFIG)]


def _forget_process_cache() -> None:
    # What a new process starts with: nothing in memory.
    mechanism._CACHE.clear()


def test_saved_projection_ranks_exactly_like_a_fresh_build(tmp_path: Path) -> None:
    location = f"oxigraph:{tmp_path / 'store'}"
    store = open_store(location)
    _build(store)
    built = _ranking(store)
    store.close()
    _forget_process_cache()
    folder = tmp_path / "store" / "tcmkg" / "cache"
    assert len(list(folder.glob("layer-*.npz"))) == 1, "the first ranking saves its projection"

    store = open_store(location, must_exist=True)
    calls: list[int] = []
    real_build = mechanism.build_layer

    def counting_build(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real_build(*args, **kwargs)  # type: ignore[arg-type]

    mechanism.build_layer = counting_build  # type: ignore[assignment]
    try:
        again = _ranking(store)
    finally:
        mechanism.build_layer = real_build
    store.close()
    assert calls == [], "a second process reads the saved projection instead of building it"
    assert again == built
    assert any(r["safety"] for r in again), "harm claims survive the round trip"
    assert any(r["mechanism"]["path_support"] for r in again)  # type: ignore[index]


def test_a_write_retires_the_saved_projection(tmp_path: Path) -> None:
    location = f"oxigraph:{tmp_path / 'store'}"
    store = open_store(location)
    herb = _build(store)
    before = store.state_token()
    first = {r["candidate"]["id"]: r for r in _ranking(store)}  # type: ignore[index]
    # Another "process" adds a compound acting on the specific target: a new mechanism path.
    store.close()
    _forget_process_cache()
    store = open_store(location)
    assert store.state_token() == before, "nothing written: the same state in a new opening"
    g = GraphBuilder(store)
    diseases(g)
    other = g.entity("TCMKG.HERB:newcomer", EntityKind.HERB, "Newcomer")
    c = g.entity("PUBCHEM.COMPOUND:77", EntityKind.COMPOUND, "compound seventy-seven")
    g.entity("NCBIGene:100", EntityKind.TARGET, "SPECIFIC1")
    g.claim("TCMKG.TABLE:new", other, Predicate.CONTAINS, c, design=StudyDesign.DATABASE)
    g.claim("TCMKG.DOC:new", c, Predicate.INHIBITS, "NCBIGene:100", design=StudyDesign.IN_VITRO)
    g.write()
    assert store.state_token() != before
    second = {r["candidate"]["id"]: r for r in _ranking(store)}  # type: ignore[index]
    assert other not in first and other in second
    assert second[herb]["score"] == pytest.approx(first[herb]["score"])  # type: ignore[index]
    store.close()
    assert len(list((tmp_path / "store" / "tcmkg" / "cache").glob("layer-*.npz"))) == 1


def test_a_damaged_cache_file_only_costs_a_rebuild(tmp_path: Path) -> None:
    location = f"oxigraph:{tmp_path / 'store'}"
    store = open_store(location)
    _build(store)
    built = _ranking(store)
    store.close()
    _forget_process_cache()
    (file,) = (tmp_path / "store" / "tcmkg" / "cache").glob("layer-*.npz")
    with np.load(file, allow_pickle=False) as saved:
        arrays = {name: saved[name] for name in saved.files}
    arrays["src"] = arrays["src"].astype(np.float64)  # not node numbers
    with file.open("wb") as out:
        np.savez(out, **arrays)
    store = open_store(location)
    assert _ranking(store) == built
    store.close()
    _forget_process_cache()
    file.write_bytes(b"\x00\xff{")
    store = open_store(location)
    assert _ranking(store) == built
    store.close()


def test_the_year_is_part_of_what_a_projection_depends_on(tmp_path: Path) -> None:
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    _build(store)
    rank_candidates(store, DM, config=CONFIG)
    later = type(CONFIG)(reference_year=2040)
    old = mechanism.mechanism_layer(store, CONFIG)
    new = mechanism.mechanism_layer(store, later)
    assert old is not new
    # Older evidence weighs less in 2040: every mechanism edge belief is lower.
    for u, out in new.adj.items():
        for v, (weight, predicate) in out.items():
            if predicate != "has_part":
                assert weight < old.adj[u][v][0]
    store.close()


def test_rankings_read_items_through_their_scoring_inputs(graph: GraphBuilder) -> None:
    herb = _build(graph.store)
    items = fetch_evidence(graph.store, [Predicate.TREATS], subjects=[herb])
    by_source = {i.source: i for i in items}
    rct = by_source["TCMKG.DOC:rct"]
    assert (rct.design, rct.direction, rct.sample_size, rct.year) == (
        StudyDesign.RCT,
        Direction.BENEFIT,
        200,
        2021,
    )
    assert rct.sentence is None, "sentences are read only for what is shown"
    exp = explain_candidate(graph.store, herb, DM, CONFIG)
    assert all(e.item.sentence for e in exp.evidence)


def test_an_unreadable_scoring_inputs_literal_drops_that_item_only(
    graph: GraphBuilder, caplog: pytest.LogCaptureFixture
) -> None:
    herb = _build(graph.store)
    graph.store.update(
        """PREFIX tcm: <https://w3id.org/tcmkg/ontology#>
        DELETE { GRAPH ?g { ?e tcm:scoringInputs ?old } }
        INSERT { GRAPH ?g { ?e tcm:scoringInputs "{\\"v\\":1,\\"n\\":\\"many\\"}" } }
        WHERE { GRAPH ?g { ?e tcm:scoringInputs ?old ; tcm:sampleSize 80 } }"""
    )
    items = fetch_evidence(graph.store, [Predicate.TREATS], subjects=[herb])
    assert [i.source for i in items] == ["TCMKG.DOC:rct"]
    assert "unreadable tcm:scoringInputs" in caplog.text
    rows = rank_candidates(graph.store, DM, config=CONFIG)
    assert rows and rows[0].candidate.id == herb
