"""``tcmkg extract`` and ``tcmkg ingest`` end to end: real readers, real pipeline, real store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pyoxigraph import Quad
from typer.testing import CliRunner

from ingest.document import Document
from ingest.pipeline import ingest
from ingest.problems import ProblemLog
from kg import iri
from kg.store import GraphStore, open_store
from tcmkg.cli import app
from tests.conftest import shared_data

runner = CliRunner()

# Written for these tests; illustrative, not from any paper. Ids are the project's own.
ROWS = [
    ("doc-1", "Berberine in type 2 diabetes", "Berberine reduced HbA1c in 60 patients."),
    ("doc-2", "Huang Qi", "Huang Qi attenuated cisplatin-induced nephrotoxicity in rats."),
    ("doc-3", "", ""),  # a record with no text: reported and skipped
    ("doc-4", "Fang ji", "Fang ji reduced type 2 diabetes; berberine inhibited IL-6."),
]


def write_table(path: Path) -> Path:
    lines = ["id\ttitle\tabstract"] + ["\t".join(row) for row in ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def quads_of(location: str) -> set[Quad]:
    store = open_store(location)
    try:
        return set(store.quads())
    finally:
        store.close()


def test_extract_writes_one_json_object_per_good_document(tmp_path: Path) -> None:
    table = write_table(tmp_path / "docs.tsv")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["extract", str(table), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [obj["id"] for obj in lines] == ["TCMKG.DOC:doc-1", "TCMKG.DOC:doc-2", "TCMKG.DOC:doc-4"]
    assert "record.empty" in result.output  # the bad record is named, the run went on
    first = lines[0]
    assert first["text"] == "Berberine in type 2 diabetes Berberine reduced HbA1c in 60 patients."
    entities = first["entities"]
    found = {
        (entities[r["subject"]]["text"], r["predicate"], entities[r["object"]]["text"])
        for r in first["relations"]
    }
    assert ("Berberine", "treats", "HbA1c") in found
    # The title, though it has no full stop, is a sentence of its own.
    assert all(r["sentence"][0] > 0 for r in first["relations"])


def test_extract_models_none_runs_the_dictionary_and_rules_alone(tmp_path: Path) -> None:
    # Written for this test: "zonisamide" is in no shipped dictionary; the trained recogniser
    # finds it as a chemical and grounds it to a stable id of its own.
    table = tmp_path / "docs.tsv"
    table.write_text(
        "id\ttitle\tabstract\ndoc-z\tZonisamide in epilepsy\t"
        "Zonisamide reduced seizure frequency in 40 patients with epilepsy.\n",
        encoding="utf-8",
    )
    found = {}
    for models in ("trained", "none"):
        out = tmp_path / f"{models}.jsonl"
        result = runner.invoke(app, ["extract", str(table), "-o", str(out), "--models", models])
        assert result.exit_code == 0, result.output
        (line,) = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
        found[models] = {e["text"]: e["ids"] for e in line["entities"]}
    assert found["trained"]["Zonisamide"] == ["TCMKG.UNGROUNDED:compound-zonisamide"]
    assert "Zonisamide" not in found["none"] and "epilepsy" in found["none"]
    bad = runner.invoke(app, ["extract", str(table), "-o", "x", "--models", "bert"])
    assert bad.exit_code == 2 and "bert" in bad.output


def test_extract_on_two_workers_gives_the_same_output(tmp_path: Path) -> None:
    table = write_table(tmp_path / "docs.tsv")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    exe = [sys.executable, "-m", "tcmkg"]
    for out, procs in ((one, "1"), (two, "2")):
        done = subprocess.run(
            [*exe, "extract", str(table), "-o", str(out), "--workers", procs],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
    assert one.read_bytes() == two.read_bytes()


def test_extract_usage_errors_exit_2(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["extract", str(tmp_path / "nope.tsv"), "-o", "x.jsonl"])
    assert missing.exit_code == 2 and "no such file" in missing.output
    table = write_table(tmp_path / "docs.tsv")
    bad_format = runner.invoke(app, ["extract", str(table), "-o", "x", "--format", "docx"])
    assert bad_format.exit_code == 2


def test_ingest_writes_claims_per_document_graph_and_is_idempotent(tmp_path: Path) -> None:
    table = write_table(tmp_path / "docs.tsv")
    location = f"oxigraph:{tmp_path / 'store'}"
    problems = tmp_path / "problems.jsonl"
    args = ["ingest", str(table), "--store", location, "--problems", str(problems)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "claims" in first.output and "evidence items" in first.output
    (problem,) = [json.loads(line) for line in problems.read_text(encoding="utf-8").splitlines()]
    assert problem["code"] == "record.empty" and problem["file"].endswith("docs.tsv")
    before = quads_of(location)
    graphs = {q.graph_name.value for q in before}
    assert iri.graph_iri("TCMKG.DOC:doc-1") in graphs
    assert iri.graph_iri("TCMKG.DOC:doc-3") not in graphs  # the bad record wrote nothing
    # The claim is in the record's own graph, with its evidence sentence.
    doc1 = {q for q in before if q.graph_name.value == iri.graph_iri("TCMKG.DOC:doc-1")}
    assert any(q.object.value == "Berberine reduced HbA1c in 60 patients." for q in doc1)
    # "Fang ji" is ambiguous (防己 or 广防己): no claim names either candidate.
    fangji = {
        iri.expand("TCMKG.HERB:stephaniae-tetrandrae-radix"),
        iri.expand("TCMKG.HERB:aristolochiae-fangchi-radix"),
    }
    # (The shipped vocabulary's graph names both herbs; no other graph mentions them.)
    seed_graph = iri.vocabulary_graph("seed")
    assert not any(q.subject.value in fangji for q in before if q.graph_name.value != seed_graph)

    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert quads_of(location) == before


def test_ingest_reports_an_unreadable_file_and_goes_on(tmp_path: Path) -> None:
    table = write_table(tmp_path / "docs.tsv")
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<?xml version='1.0'?><PubmedArticleSet><PubmedArticle><Med")
    location = f"oxigraph:{tmp_path / 'store'}"
    problems = tmp_path / "problems.jsonl"
    result = runner.invoke(
        app, ["ingest", str(broken), str(table), "--store", location, "--problems", str(problems)]
    )
    assert result.exit_code == 0, result.output
    codes = {json.loads(line)["code"] for line in problems.read_text().splitlines()}
    assert "xml.malformed" in codes
    graphs = {q.graph_name.value for q in quads_of(location)}
    assert iri.graph_iri("TCMKG.DOC:doc-4") in graphs


def test_problems_file_by_default_only_when_there_are_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    clean = tmp_path / "clean.txt"
    clean.write_text("Astragali Radix improved proteinuria in diabetic nephropathy.\n", "utf-8")
    location = f"oxigraph:{tmp_path / 'store'}"
    result = runner.invoke(app, ["ingest", str(clean), "--store", location])
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output
    assert not (tmp_path / "ingest-problems.jsonl").exists()
    table = write_table(tmp_path / "docs.tsv")  # holds one empty record
    result = runner.invoke(app, ["ingest", str(table), "--store", location])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "ingest-problems.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line)["code"] for line in lines] == ["record.empty"]


def test_ingest_real_abstracts_sample(tmp_path: Path) -> None:
    source = shared_data("dfi_pubmed_abstracts", "dfi_pubmed_abstracts.tsv")
    sample = tmp_path / "sample.tsv"
    with source.open(encoding="utf-8") as lines:
        sample.write_text("".join(next(lines) for _ in range(41)), encoding="utf-8")
    location = f"oxigraph:{tmp_path / 'store'}"
    result = runner.invoke(
        app, ["ingest", str(sample), "--store", location, "--problems", str(tmp_path / "p")]
    )
    assert result.exit_code == 0, result.output
    graphs = {q.graph_name.value for q in quads_of(location)}
    # One graph per abstract, plus the shipped vocabulary's graph the ingest writes beside them.
    vocabulary = {g for g in graphs if g.startswith(iri.VOCABULARY_GRAPH + "/")}
    assert vocabulary == {iri.vocabulary_graph("seed")}
    assert len(graphs - vocabulary) == 40


def test_a_record_the_graph_cannot_hold_is_reported_and_the_rest_written(
    memory_store: GraphStore,
) -> None:
    good = Document(id="TCMKG.DOC:good", title="Berberine", abstract="Berberine reduced HbA1c.")
    bad = Document(
        id="not a curie",  # no prefix: no named graph can be minted for it
        title="Berberine",
        abstract="Berberine reduced HbA1c.",
        source="hostile.tsv",
        record_index=7,
    )
    log = ProblemLog()
    summary = ingest([bad, good], memory_store, log)
    assert (summary.documents, summary.written) == (2, 1)
    (problem,) = list(log)
    assert problem.code == "record.unwritable"
    assert problem.file == "hostile.tsv" and "record 7" in problem.record
    assert memory_store.named_graphs() == [iri.graph_iri("TCMKG.DOC:good")]
    assert summary.claims == 1 and summary.evidence == 1


def test_two_text_files_with_one_name_keep_the_first_and_report_the_second(
    tmp_path: Path,
) -> None:
    for folder, text in (("a", "Huang Qi reduced proteinuria."), ("b", "Berberine lowered HbA1c.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "abstract.txt").write_text(f"{text}\n", encoding="utf-8")
    location = f"oxigraph:{tmp_path / 'store'}"
    problems = tmp_path / "problems.jsonl"
    folders = [str(tmp_path / "a"), str(tmp_path / "b")]
    result = runner.invoke(
        app, ["ingest", *folders, "--store", location, "--problems", str(problems)]
    )
    assert result.exit_code == 0, result.output
    assert "withdrawn" not in result.output, "text files carry no deletions to count"
    (problem,) = [json.loads(line) for line in problems.read_text("utf-8").splitlines()]
    assert problem["code"] == "record.duplicate"
    assert problem["file"].endswith(str(Path("b") / "abstract.txt"))
    assert str(Path("a") / "abstract.txt") in problem["message"]
    sentences = {
        q.object.value for q in quads_of(location) if q.predicate.value == iri.term("sentence")
    }
    assert sentences == {"Huang Qi reduced proteinuria."}, "the first file's record is kept"


def test_ingested_graphs_conform_to_the_ontology_shapes(memory_store: GraphStore) -> None:
    from kg.validate import validate_store

    documents = [
        Document(id=f"TCMKG.DOC:{doc_id}", title=title, abstract=abstract, year=2024)
        for doc_id, title, abstract in ROWS
        if abstract
    ]
    summary = ingest(documents, memory_store, ProblemLog())
    assert summary.claims >= 3
    report = validate_store(memory_store)
    assert report.conforms, [str(r) for r in report.violations][:5]


def test_extract_with_store_matches_the_names_its_imports_added(tmp_path: Path) -> None:
    # A hospital preparation exists only in the store that imported the catalogue: extract
    # finds it with --store, and the shipped names alone do not.
    catalogue = Path(__file__).resolve().parents[2] / "ingest" / "examples"
    location = f"oxigraph:{tmp_path / 'store'}"
    imported = runner.invoke(
        app,
        [
            "import",
            "preparations",
            str(catalogue / "preparations_catalogue.csv"),
            "--store",
            location,
        ],
    )
    assert imported.exit_code == 0, imported.output
    table = tmp_path / "in.tsv"
    table.write_text(
        "id\ttitle\tabstract\n"
        "doc-p\tQi Dan Jiang Tang Keli\tQi Dan Glucose-Lowering Granules lowered HbA1c.\n",
        encoding="utf-8",
    )
    before = quads_of(location)

    def preparations(args: list[str]) -> list[str]:
        out = tmp_path / "out.jsonl"
        result = runner.invoke(app, ["extract", str(table), "-o", str(out), *args])
        assert result.exit_code == 0, result.output
        line = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
        return [e["text"] for e in line["entities"] if e["type"] == "HospitalPreparation"]

    assert preparations([]) == []
    assert preparations(["--store", location]) == [
        "Qi Dan Jiang Tang Keli",
        "Qi Dan Glucose-Lowering Granules",
    ]
    assert quads_of(location) == before  # extract only reads the store
    missing = runner.invoke(
        app, ["extract", str(table), "-o", "-", "--store", f"oxigraph:{tmp_path / 'nowhere'}"]
    )
    assert missing.exit_code == 2
