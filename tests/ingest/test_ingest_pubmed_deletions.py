"""PubMed update files withdraw records: ``DeleteCitation`` drops their graphs from the store.

End to end through ``tcmkg ingest`` / ``tcmkg extract`` on small update files written here, with
the real reader, pipeline and Oxigraph store. PMIDs are placeholders (99,000,000 and above) and
the text is illustrative, not from any paper.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from pyoxigraph import Quad
from typer.testing import CliRunner

from ingest.document import Deletion, Document
from ingest.pipeline import ingest
from ingest.problems import ProblemLog
from kg import iri
from kg.store import GraphStore, open_store
from tcmkg.cli import app

runner = CliRunner()

A = "99000401"
B = "99000402"
C = "99000403"
NOT_HELD = "99000499"
TEXT = {
    A: ("Berberine in type 2 diabetes.", "Berberine reduced HbA1c in 60 patients."),
    B: (
        "Huang Qi and the kidney.",
        "Huang Qi attenuated cisplatin-induced nephrotoxicity in rats.",
    ),
    C: ("Ginseng and fatigue.", "Ginseng reduced fatigue in 40 patients with cancer."),
}


def pubmed_file(path: Path, records: Sequence[str], deleted: Sequence[str] = ()) -> Path:
    """A PubmedArticleSet of ``records`` (PMIDs of :data:`TEXT`), then ``deleted``'s list."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<PubmedArticleSet>"]
    for pmid in records:
        title, abstract = TEXT[pmid]
        parts.append(
            f'<PubmedArticle><MedlineCitation><PMID Version="1">{pmid}</PMID><Article>'
            f"<Journal><JournalIssue><PubDate><Year>2023</Year></PubDate></JournalIssue>"
            f"</Journal><ArticleTitle>{title}</ArticleTitle><Abstract>"
            f"<AbstractText>{abstract}</AbstractText></Abstract></Article></MedlineCitation>"
            "</PubmedArticle>"
        )
    if deleted:
        parts.append("<DeleteCitation>")
        parts += [f'<PMID Version="1">{pmid}</PMID>' for pmid in deleted]
        parts.append("</DeleteCitation>")
    parts.append("</PubmedArticleSet>")
    data = ("\n".join(parts) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def graphs_of(location: str) -> dict[str, set[Quad]]:
    store = open_store(location)
    try:
        found: dict[str, set[Quad]] = {}
        for quad in store.quads():
            found.setdefault(quad.graph_name.value, set()).add(quad)
        return found
    finally:
        store.close()


def run_ingest(path: Path, location: str, tmp_path: Path, *extra: str) -> str:
    problems = tmp_path / f"problems-{path.name}.jsonl"
    result = runner.invoke(
        app, ["ingest", str(path), "--store", location, "--problems", str(problems), *extra]
    )
    assert result.exit_code == 0, result.output
    return result.output


def row(output: str, label: str) -> int:
    """The count of one row of the summary table."""
    match = re.search(re.escape(label) + r"\D*?(\d[\d,]*)", output)
    assert match, output
    return int(match.group(1).replace(",", ""))


def graph(pmid: str) -> str:
    return iri.graph_iri(f"PMID:{pmid}")


def test_update_file_withdraws_the_deleted_record_and_keeps_the_others(tmp_path: Path) -> None:
    location = f"oxigraph:{tmp_path / 'store'}"
    run_ingest(pubmed_file(tmp_path / "pubmed24n0001.xml", [A, B]), location, tmp_path)
    before = graphs_of(location)
    assert {graph(A), graph(B)} <= set(before)
    assert any(q.object.value == TEXT[A][1] for q in before[graph(A)])

    update = pubmed_file(tmp_path / "pubmed24n1001.xml", [C], [A, NOT_HELD])
    output = run_ingest(update, location, tmp_path)
    assert row(output, "records withdrawn (PubMed deletions)") == 1
    assert row(output, "deletions of records not in the store") == 1
    after = graphs_of(location)
    assert graph(A) not in after
    assert after[graph(B)] == before[graph(B)], "the record not deleted is untouched"
    assert graph(C) in after
    # Nothing of the withdrawn record is left anywhere: its evidence sentence is gone.
    assert not any(q.object.value == TEXT[A][1] for quads in after.values() for q in quads)

    # Applying the same update again changes nothing.
    again = run_ingest(update, location, tmp_path)
    assert row(again, "records withdrawn (PubMed deletions)") == 0
    assert graphs_of(location) == after


def test_malformed_pmid_in_delete_citation_is_reported_and_the_rest_applied(
    tmp_path: Path,
) -> None:
    location = f"oxigraph:{tmp_path / 'store'}"
    run_ingest(pubmed_file(tmp_path / "pubmed24n0001.xml", [A, B]), location, tmp_path)
    update = pubmed_file(tmp_path / "pubmed24n1001.xml", [C], ["PMID-oops", A])
    output = run_ingest(update, location, tmp_path)
    assert row(output, "records withdrawn (PubMed deletions)") == 1
    assert row(output, "problem: record.no_id") == 1
    lines = (tmp_path / f"problems-{update.name}.jsonl").read_text("utf-8").splitlines()
    (problem,) = [json.loads(line) for line in lines]
    assert problem["code"] == "record.no_id"
    assert problem["file"] == str(update)
    assert problem["record"] == "DeleteCitation entry 1, line 5"
    assert "'PMID-oops' is not a PMID" in problem["message"]
    graphs = graphs_of(location)
    assert graph(A) not in graphs and {graph(B), graph(C)} <= set(graphs)


def test_gzipped_update_file_withdraws_too(tmp_path: Path) -> None:
    location = f"oxigraph:{tmp_path / 'store'}"
    run_ingest(pubmed_file(tmp_path / "pubmed24n0001.xml.gz", [A, B]), location, tmp_path)
    update = pubmed_file(tmp_path / "pubmed24n1001.xml.gz", [], [B])
    output = run_ingest(update, location, tmp_path)
    assert row(output, "records withdrawn (PubMed deletions)") == 1
    graphs = graphs_of(location)
    assert graph(B) not in graphs and graph(A) in graphs


def test_two_workers_withdraw_the_same_records(tmp_path: Path) -> None:
    # The update both gives A (revised) and deletes it: PubMed applies deletions after the
    # file's records, so A ends up deleted, on a local Dask cluster as in one process.
    baseline = pubmed_file(tmp_path / "pubmed24n0001.xml", [A, B])
    update = pubmed_file(tmp_path / "pubmed24n1001.xml", [A, C], [A])
    stores = []
    for workers in ("1", "2"):
        location = f"oxigraph:{tmp_path / f'store{workers}'}"
        run_ingest(baseline, location, tmp_path, "--workers", workers)
        output = run_ingest(update, location, tmp_path, "--workers", workers)
        assert row(output, "records withdrawn (PubMed deletions)") == 1
        stores.append(graphs_of(location))
    assert graph(A) not in stores[0]
    assert {graph(B), graph(C)} <= set(stores[0])
    assert stores[0] == stores[1]


def test_deletions_apply_in_input_order(memory_store: GraphStore) -> None:
    def document(pmid: str) -> Document:
        return Document(id=f"PMID:{pmid}", title=TEXT[pmid][0], abstract=TEXT[pmid][1])

    # A deleted by one file and given again by a later one is written; B given then deleted
    # is gone; a deletion before any document works.
    items = [Deletion(f"PMID:{NOT_HELD}"), document(B), Deletion(f"PMID:{A}"), document(A)]
    items += [document(C), Deletion(f"PMID:{B}")]
    pooled = open_store("memory:")
    try:
        for workers, store in ((1, memory_store), (2, pooled)):
            summary = ingest(items, store, ProblemLog(), workers=workers)
            assert (summary.documents, summary.written) == (3, 3)
            assert (summary.withdrawn, summary.deletions_not_held) == (1, 2)
            assert sorted(store.named_graphs()) == sorted([graph(A), graph(C)])
    finally:
        pooled.close()


@pytest.mark.virtuoso
@pytest.mark.slow
def test_deletions_withdraw_records_from_a_sparql_server(virtuoso_store: GraphStore) -> None:
    def document(pmid: str) -> Document:
        return Document(id=f"PMID:{pmid}", title=TEXT[pmid][0], abstract=TEXT[pmid][1])

    ingest([document(A), document(B)], virtuoso_store, ProblemLog())
    assert {graph(A), graph(B)} <= set(virtuoso_store.named_graphs())
    deletions = [Deletion(f"PMID:{A}"), Deletion(f"PMID:{NOT_HELD}")]
    summary = ingest([document(C), *deletions], virtuoso_store, ProblemLog())
    assert (summary.withdrawn, summary.deletions_not_held) == (1, 1)
    graphs = set(virtuoso_store.named_graphs())
    assert graph(A) not in graphs and {graph(B), graph(C)} <= graphs


def test_a_deletion_of_a_record_that_is_not_a_pmid_is_reported_and_not_applied(
    memory_store: GraphStore,
) -> None:
    kept = Document(id="TCMKG.DOC:kept", title="Berberine", abstract="Berberine reduced HbA1c.")
    log = ProblemLog()
    deletion = Deletion("TCMKG.DOC:kept", source="update.xml", position=3, line=9)
    summary = ingest([kept, deletion], memory_store, log)
    assert (summary.withdrawn, summary.deletions_not_held) == (0, 0)
    (problem,) = list(log)
    assert problem.code == "record.no_id" and problem.file == "update.xml"
    assert problem.record == "DeleteCitation entry 3, line 9 (TCMKG.DOC:kept)"
    assert memory_store.named_graphs() == [iri.graph_iri("TCMKG.DOC:kept")]


def test_extract_skips_deletions_and_keeps_one_line_per_document(tmp_path: Path) -> None:
    update = pubmed_file(tmp_path / "pubmed24n1001.xml", [A, C], [B, NOT_HELD])
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["extract", str(update), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [obj["id"] for obj in lines] == [f"PMID:{A}", f"PMID:{C}"]
    assert "2 DeleteCitation PMID(s) skipped" in result.output
