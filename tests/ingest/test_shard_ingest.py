"""``tcmkg ingest --shards DIR``: partitions written as N-Quads shards by whoever extracts them,
bulk-loaded by the writing process. The store must end up as when written record by record.

Real pipeline, real on-disk Oxigraph stores, and a real local Dask cluster for the cluster
runs; inputs are a few documents of the bundled illustrative corpus and documents written here
(illustrative text, placeholder ids).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.document import Deletion, Document, ReadItem
from ingest.pipeline import IngestSummary, Outcome, extract_documents, ingest
from ingest.problems import ProblemLog
from ingest.shards import Shard, ShardError, ShardSpec, load_shard, write_shard
from ingest.vocabulary import load_seed
from kg import iri
from kg.model import RecordKind
from kg.store import GraphStore, open_store
from tcmkg.cli import app
from tests.ingest.test_dask_ingest import DiesOnce, example_documents, example_file, quads_of

runner = CliRunner()


def doc(key: str, abstract: str, *, source: str | None = None, index: int = 1) -> Document:
    """A PubMed-like document of placeholder PMID ``key`` (99,000,000 and above)."""
    return Document(
        id=f"PMID:{key}",
        title="Berberine in type 2 diabetes.",
        abstract=abstract,
        source=source,
        record_index=index,
    )


def too_long() -> Document:
    """A document longer than the pipeline takes: its extraction fails (declared error)."""
    return Document(
        id="TCMKG.DOC:book",
        title="A book",
        abstract="Berberine reduced HbA1c. " * 40_001,
        source="book.txt",
        record_index=3,
    )


def run(items: list[ReadItem], store: GraphStore, **kwargs: object) -> tuple[IngestSummary, list]:
    log = ProblemLog()
    summary = ingest(items, store, log, models=False, **kwargs)
    return summary, [(p.code, p.file, p.record, p.message) for p in log]


def both_ways(tmp_path: Path, items: list[ReadItem], partition: int = 2) -> tuple[set, set]:
    """The quads of a store written record by record and of one written from shards."""
    found = []
    for name, kwargs in (
        ("records", {}),
        ("shards", {"shards": tmp_path / "shard-files", "partition": partition}),
    ):
        store = open_store(f"oxigraph:{tmp_path / name}")
        try:
            run(items, store, **kwargs)
            found.append(set(store.quads()))
        finally:
            store.close()
    return found[0], found[1]


def test_shards_give_the_store_and_report_of_record_by_record_writing(tmp_path: Path) -> None:
    items: list[ReadItem] = [
        doc("99000501", "Berberine reduced HbA1c in 60 patients.", index=1),
        doc("99000502", "Ginseng reduced fatigue in 40 patients with cancer.", index=2),
        too_long(),
        # The same PMID again in the same partition: the later version replaces the earlier.
        doc("99000501", "Berberine lowered fasting glucose in 30 patients.", index=4),
        # Deleted after being written; the deletion sits inside what would be one partition.
        Deletion(id="PMID:99000502", source="update.xml", position=1),
        doc("99000503", "Huang Qi attenuated nephrotoxicity in rats.", index=5),
    ]
    shard_dir = tmp_path / "shard-files"
    outcomes = []
    for name, kwargs in (("records", {}), ("shards", {"shards": shard_dir, "partition": 8})):
        store = open_store(f"oxigraph:{tmp_path / name}")
        try:
            outcomes.append((*run(items, store, **kwargs), set(store.quads())))
        finally:
            store.close()
    (by_record, problems, quads), (by_shard, shard_problems, shard_quads) = outcomes
    assert shard_quads == quads
    assert by_shard == by_record
    assert (by_shard.documents, by_shard.written, by_shard.withdrawn) == (5, 4, 1)
    assert shard_problems == problems
    assert [p[0] for p in problems] == ["extract.failed"]
    assert problems[0][1] == "book.txt" and "record 3 (TCMKG.DOC:book)" in problems[0][2]
    # The later version of PMID 99000501 (30 patients) replaced the earlier (60).
    values = {q.object.value for q in shard_quads}
    assert "30" in values and "60" not in values
    assert list(shard_dir.iterdir()) == []  # loaded shards are removed


def test_a_record_ingested_again_from_a_shard_replaces_its_graph(tmp_path: Path) -> None:
    first = [doc("99000511", "Berberine reduced HbA1c in 60 patients.")]
    second = [doc("99000511", "Ginseng reduced fatigue in 40 patients with cancer.")]
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    try:
        run(first, store, shards=tmp_path / "s")
        once = set(store.quads())
        run(first, store, shards=tmp_path / "s")
        assert set(store.quads()) == once  # a re-run adds nothing
        run(second, store, shards=tmp_path / "s")
        revised = set(store.quads(iri.graph_iri("PMID:99000511")))
    finally:
        store.close()
    fresh = open_store(f"oxigraph:{tmp_path / 'fresh'}")
    try:
        run(second, fresh)
        assert revised == set(fresh.quads(iri.graph_iri("PMID:99000511")))
    finally:
        fresh.close()


def test_a_duplicate_file_id_is_skipped_across_shards(tmp_path: Path) -> None:
    items: list[ReadItem] = [
        Document(id="TCMKG.DOC:abstract", title="A", abstract="Berberine reduced HbA1c.",
                 source="a/abstract.txt", record_index=1, kind=RecordKind.DOCUMENT),
        Document(id="TCMKG.DOC:abstract", title="B", abstract="Ginseng reduced fatigue.",
                 source="b/abstract.txt", record_index=1, kind=RecordKind.DOCUMENT),
    ]  # fmt: skip
    for partition in (1, 2):  # in two shards, and twice in one
        by_record, by_shard = both_ways(tmp_path / str(partition), items, partition)
        assert by_shard == by_record
        texts = {q.object.value for q in by_shard}
        assert "A" in texts and "B" not in texts  # the second file's is skipped


def seeded_store(tmp_path: Path, name: str) -> GraphStore:
    """An on-disk store holding two records written record by record."""
    store = open_store(f"oxigraph:{tmp_path / name}")
    run([doc("99000521", "Berberine reduced HbA1c in 60 patients.")], store)
    return store


def a_shard(tmp_path: Path, abstract: str) -> Shard:
    """The shard of partition 0 of a run, holding the record of PMID 99000521."""
    spec = ShardSpec(str(tmp_path / "shards"), "run", load_seed().entities)
    outcomes = list(extract_documents([doc("99000521", abstract)], models=False))
    return write_shard(spec, 0, outcomes)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[: len(b) // 2], id="truncated"),
        pytest.param(lambda b: b.replace(b"<", b"", 1), id="malformed"),
        pytest.param(lambda b: b"", id="emptied"),
    ],
)
def test_a_corrupt_shard_is_named_and_leaves_the_store_as_it_was(tmp_path: Path, damage) -> None:
    store = seeded_store(tmp_path, "store")
    try:
        before, token = set(store.quads()), store.state_token()
        shard = a_shard(tmp_path, "Ginseng reduced fatigue in 40 patients with cancer.")
        path = Path(shard.path)
        path.write_bytes(damage(path.read_bytes()))
        with pytest.raises(ShardError, match=re.escape(str(path)) + ".*altered"):
            load_shard(store, shard)
        assert set(store.quads()) == before and store.state_token() == token
        assert path.exists()  # kept for inspection
    finally:
        store.close()


def test_a_malformed_shard_is_refused_before_the_store_is_touched(tmp_path: Path) -> None:
    store = seeded_store(tmp_path, "store")
    try:
        before, token = set(store.quads()), store.state_token()
        shard = a_shard(tmp_path, "Ginseng reduced fatigue in 40 patients with cancer.")
        path = Path(shard.path)
        bad = path.read_bytes().replace(b"<", b"", 1)
        path.write_bytes(bad)
        # A shard its worker wrote malformed (the checksum is the file's): the parse refuses it.
        forged = replace(shard, sha256=hashlib.sha256(bad).hexdigest())
        with pytest.raises(ShardError, match=re.escape(str(path)) + ": malformed N-Quads"):
            load_shard(store, forged)
        assert set(store.quads()) == before and store.state_token() == token
    finally:
        store.close()


def test_a_run_reports_a_damaged_shard_and_writes_the_other_partitions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The second partition's file is damaged after its worker wrote it (a disk or a copy gone
    # wrong): the run names it and goes on. The store is the real one; only the file is hurt.
    import ingest.pipeline

    def damaging(spec: ShardSpec, partition: int, outcomes: list[Outcome]) -> Shard:
        shard = write_shard(spec, partition, outcomes)
        if partition == 1:
            path = Path(shard.path)
            path.write_bytes(path.read_bytes()[:-40])
        return shard

    monkeypatch.setattr(ingest.pipeline, "write_shard", damaging)
    items: list[ReadItem] = [
        doc("99000531", "Berberine reduced HbA1c in 60 patients.", source="a.xml", index=1),
        doc("99000532", "Ginseng reduced fatigue in 40 patients.", source="a.xml", index=2),
        doc("99000533", "Huang Qi attenuated nephrotoxicity in rats.", source="a.xml", index=3),
    ]
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    try:
        summary, problems = run(items, store, shards=tmp_path / "s", partition=1)
        graphs = store.named_graphs()
    finally:
        store.close()
    assert (summary.documents, summary.written) == (3, 2)
    ((code, file, record, message),) = problems
    assert code == "shard.unloadable" and file.endswith("-000001.nq") and Path(file).exists()
    assert "record 2 (PMID:99000532)" in record
    assert "altered since its worker wrote it" in message
    assert "none of its 1 documents (read from a.xml) is written" in message
    assert iri.graph_iri("PMID:99000532") not in graphs
    assert {iri.graph_iri("PMID:99000531"), iri.graph_iri("PMID:99000533")} <= set(graphs)


def test_a_shard_that_is_missing_is_reported_by_the_run_and_the_rest_goes_on(
    tmp_path: Path,
) -> None:
    store = seeded_store(tmp_path, "store")
    try:
        shard = a_shard(tmp_path, "Ginseng reduced fatigue in 40 patients with cancer.")
        Path(shard.path).unlink()
        with pytest.raises(ShardError, match=r"not found .*shared"):
            load_shard(store, shard)
    finally:
        store.close()


def test_a_partition_written_again_replaces_its_own_shard(tmp_path: Path) -> None:
    store = seeded_store(tmp_path, "store")
    try:
        old = a_shard(tmp_path, "Berberine reduced HbA1c in 60 patients.")
        new = a_shard(tmp_path, "Ginseng reduced fatigue in 40 patients with cancer.")
        assert old.path == new.path
        files = list((tmp_path / "shards").iterdir())
        assert [f.name for f in files] == ["run-000000.nq"]  # no temporary file left
        with pytest.raises(ShardError):
            load_shard(store, old)  # its file was replaced
        load_shard(store, new)
        assert any(
            q.object.value.startswith("Ginseng reduced fatigue")
            for q in store.quads(iri.graph_iri("PMID:99000521"))
        )
    finally:
        store.close()


def test_a_shard_load_changes_the_state_and_breaks_the_graph_journal(tmp_path: Path) -> None:
    # Projections cached by store state must rebuild: the bulk loader names no graph, so the
    # journal may not claim that only some graphs changed.
    store = seeded_store(tmp_path, "store")
    try:
        token = store.state_token()
        run([doc("99000522", "Ginseng reduced fatigue.")], store, shards=tmp_path / "s")
        assert store.state_token() != token
        assert store.written_since(token) is None
    finally:
        store.close()
    again = open_store(f"oxigraph:{tmp_path / 'store'}")  # a later process sees the gap too
    try:
        assert again.written_since(token) is None
    finally:
        again.close()


def test_cli_ingest_with_shards_on_a_local_cluster(tmp_path: Path) -> None:
    table = example_file(tmp_path)
    shard_dir = tmp_path / "shard-files"
    problems = ["--problems", str(tmp_path / "p.jsonl")]
    records = f"oxigraph:{tmp_path / 'records'}"
    result = runner.invoke(app, ["ingest", str(table), "--store", records, *problems])
    assert result.exit_code == 0, result.output
    location = f"oxigraph:{tmp_path / 'sharded'}"
    args = ["ingest", str(table), "--store", location, "--workers", "2", "--shards", str(shard_dir)]
    for _ in range(2):  # the second run changes nothing
        result = runner.invoke(app, [*args, *problems])
        assert result.exit_code == 0, result.output
        assert "documents written" in result.output
        assert quads_of(location) == quads_of(records)
        assert list(shard_dir.iterdir()) == []


def test_a_worker_dying_mid_partition_has_its_shard_written_again(tmp_path: Path) -> None:
    flag = tmp_path / "died"
    documents: list[ReadItem] = list(example_documents(6))
    dying = documents[3]
    assert isinstance(dying, Document)
    fields = {f: getattr(dying, f) for f in Document.__dataclass_fields__}
    documents[3] = DiesOnce(**fields, flag=str(flag))
    stores = []
    for name, kwargs in (
        ("records", {}),
        ("shards", {"shards": tmp_path / "s", "partition": 2, "workers": 2}),
    ):
        store = open_store(f"oxigraph:{tmp_path / name}")
        try:
            summary, problems = run(documents, store, **kwargs)
            assert problems == [] and summary.written == 6
            stores.append(set(store.quads()))
        finally:
            store.close()
    assert flag.exists()  # a worker did die
    assert stores[0] == stores[1]


def test_cli_refuses_shards_for_a_sparql_server(tmp_path: Path) -> None:
    table = example_file(tmp_path, 2)
    result = runner.invoke(
        app,
        ["ingest", str(table), "--store", "sparql:http://127.0.0.1:9/sparql", "--shards",
         str(tmp_path / "s")],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "--shards" in result.output and "embedded store" in result.output


def test_cli_names_a_shard_folder_that_cannot_be_written(tmp_path: Path) -> None:
    table = example_file(tmp_path, 2)
    taken = tmp_path / "taken"
    taken.write_text("a file where the folder should be\n", encoding="utf-8")
    store = tmp_path / "store"
    result = runner.invoke(
        app, ["ingest", str(table), "--store", f"oxigraph:{store}", "--shards", str(taken)]
    )
    assert result.exit_code == 2, result.output
    assert f"cannot make the shard folder {taken}" in result.output
    assert "Traceback" not in result.output
