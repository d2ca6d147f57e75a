"""The curated-table importers: ``tcmkg import symmap|tcmsp|formulas`` on the real tables.

The third-party tables live beside the development checkout (``../shared/data``) and these
tests skip without them; hostile-input tests use small tables the tests write themselves.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import NamedNode
from typer.testing import CliRunner

from ingest.importers import import_formulas, import_symmap, import_tcmsp
from ingest.importers.graph_load import ClaimTemplates, quad_lines
from ingest.importers.tcmsp import (
    HERB_MOLECULE,
    ID_MAP,
    MOLECULE_TARGET,
    constituent_evidence,
    target_evidence,
)
from ingest.problems import ProblemCode
from ingest.vocabulary import Vocabulary, load_seed
from kg import iri
from kg.model import Claim, EntityKind, EvidenceItem, Predicate
from kg.store import GraphStore, open_store
from kg.writer import claim_quads, node
from tcmkg.cli import app
from tests.conftest import shared_data

runner = CliRunner()

HEADER = "formula_cn\tformula_pinyin\therb_cn\tdose\ttype\n"

# Claim evidence as the importers write it, read back through SPARQL.
EVIDENCE_QUERY = """
PREFIX biolink: <https://w3id.org/biolink/vocab/>
PREFIX tcm: <https://w3id.org/tcmkg/ontology#>
SELECT ?design ?dose ?level ?confidence WHERE {
  ?claim biolink:subject ?s ; biolink:object ?o ; tcm:hasEvidence ?ev .
  ?ev tcm:studyDesign ?design ; biolink:knowledge_level ?level ; tcm:confidence ?confidence .
  OPTIONAL { ?ev tcm:dose ?dose }
}
"""


@pytest.fixture(scope="module")
def seed() -> Vocabulary:
    """The bundled seed vocabulary (fresh copies are made where a test extends it)."""
    return load_seed()


def herb_id(vocabulary: Vocabulary, chinese: str) -> str:
    """The seed herb carrying ``chinese`` as its characters."""
    (herb,) = vocabulary.find_herb(chinese)
    return herb.id


def evidence_rows(store: GraphStore, subject: str, obj: str) -> list[dict[str, str]]:
    """Evidence of the claim subject -> object, as plain strings."""
    result = store.select(EVIDENCE_QUERY, {"s": node(subject), "o": node(obj)})
    return [{k: v.value for k, v in row.items()} for row in result.dicts()]


def has_edge(store: GraphStore, subject: str, predicate: Predicate, obj: str) -> bool:
    from kg.terms import PREDICATE_IRI

    answer = store.query(
        "ASK { ?s ?p ?o }",
        {"s": node(subject), "p": NamedNode(PREDICATE_IRI[predicate]), "o": node(obj)},
    )
    return answer is True


# --- the fast claim writer ------------------------------------------------------------------


@pytest.mark.parametrize(
    "claim",
    [
        Claim("TCMKG.COMPOUND:mol000098", Predicate.BINDS, "NCBIGene:7124", (target_evidence(),)),
        Claim("TCMKG.HERB:a", Predicate.CONTAINS, "PUBCHEM.COMPOUND:1", (constituent_evidence(),)),
        Claim(
            "TCMKG.FORMULA:x",
            Predicate.HAS_PART,
            "TCMKG.HERB:y",
            (EvidenceItem(source="TCMKG.TABLE:t", dose='24 g {x} "q" \\ 克'),),
        ),
    ],
)
def test_fast_claim_text_is_exactly_the_writers(claim: Claim) -> None:
    graph = iri.graph_iri("TCMKG.TABLE:t")
    fast = ClaimTemplates(graph).lines(claim).splitlines()
    reference = "".join(quad_lines(claim_quads(claim, graph))).splitlines()
    assert sorted(fast) == sorted(reference)


# --- formulas -------------------------------------------------------------------------------


def test_formula_table_gives_has_part_edges_with_doses(seed: Vocabulary) -> None:
    table = shared_data("tcmnp_tcmsp", "formula_composition.tsv")
    store = open_store("memory:")
    report = import_formulas(table, store, load_seed())
    assert not report.failed and report.claims > 2500
    formula = iri.formula_curie("liu wei di huang wan")
    shudi = herb_id(seed, "熟地黄")
    assert has_edge(store, formula, Predicate.HAS_PART, shudi)
    (evidence,) = evidence_rows(store, formula, shudi)
    assert evidence["dose"] == "24 g"
    assert evidence["design"].endswith("#TraditionalUse")
    assert evidence["level"] == "knowledge_assertion"
    # Herb names the vocabulary lacks are reported with their row, not guessed.
    unresolved = [p for p in report.problems if p.code == ProblemCode.NAME_UNRESOLVED]
    assert unresolved and all(p.record.startswith("line ") for p in unresolved)


def test_reimporting_a_formula_table_changes_nothing(tmp_path: Path) -> None:
    table = tmp_path / "compositions.tsv"
    table.write_text(
        HEADER
        + "左金丸\tzuo jin wan\t黄连\t180克\ttcmp\n左金丸\tzuo jin wan\t吴茱萸\t30克\ttcmp\n",
        encoding="utf-8",
    )
    store = open_store("memory:")
    import_formulas(table, store, load_seed())
    first = store.count()
    import_formulas(table, store, load_seed())
    assert store.count() == first > 0
    # A row removed from the table disappears from the store on re-import.
    table.write_text(HEADER + "左金丸\tzuo jin wan\t黄连\t180克\ttcmp\n", encoding="utf-8")
    import_formulas(table, store, load_seed())
    vocabulary = load_seed()
    formula = iri.formula_curie("zuo jin wan")
    graph = iri.graph_iri(iri.own_curie("TCMKG.TABLE", "formulas-compositions"))
    in_graph = store.query(
        "ASK { GRAPH ?g { ?s ?p ?o } }",
        {"g": NamedNode(graph), "s": node(formula), "o": node(herb_id(vocabulary, "吴茱萸"))},
    )
    assert in_graph is False
    assert has_edge(store, formula, Predicate.HAS_PART, herb_id(vocabulary, "黄连"))


def test_bad_rows_are_reported_by_line_and_the_rest_imported(tmp_path: Path) -> None:
    table = tmp_path / "bad.tsv"
    table.write_bytes(
        (
            HEADER
            + "左金丸\tzuo jin wan\t黄连\t180克\ttcmp\n"  # line 2: good
            + "左金丸\tzuo jin wan\t不存在草\t3克\ttcmp\n"  # line 3: unknown herb
            + "左金丸\tzuo jin wan\t吴茱萸\n"  # line 4: too few cells
        ).encode("utf-8")
        + "左金丸\tzuo jin wan\t".encode()
        + b"\xff\xfe\t1\xe5\x85\x8b\ttcmp\n"  # line 5: not UTF-8
        + "左金丸\tzuo jin wan\t吴茱萸\t30克\ttcmp\n".encode()  # line 6: good
    )
    store = open_store("memory:")
    report = import_formulas(table, store, load_seed())
    by_line = {p.record: p for p in report.problems}
    assert by_line["line 3"].code == ProblemCode.NAME_UNRESOLVED
    assert "不存在草" in by_line["line 3"].message
    assert by_line["line 4"].code == ProblemCode.RECORD_INVALID
    assert by_line["line 5"].code == ProblemCode.ENCODING_INVALID
    assert all(p.file == str(table) for p in report.problems)
    assert report.claims == 2


def test_cli_refuses_a_table_without_a_required_column(tmp_path: Path) -> None:
    table = tmp_path / "no_herbs.tsv"
    table.write_text("formula_cn\tformula_pinyin\tdose\n左金丸\tzuo jin wan\t30克\n", "utf-8")
    store = tmp_path / "store"
    result = runner.invoke(app, ["import", "formulas", str(table), "--store", f"oxigraph:{store}"])
    assert result.exit_code == 2
    assert "herb_cn" in result.output and "column.missing" in result.output
    with open_store(f"oxigraph:{store}") as st:
        assert st.count() == 0


def test_cli_imports_formulas_and_prints_a_summary(tmp_path: Path) -> None:
    table = tmp_path / "compositions.tsv"
    table.write_text(HEADER + "左金丸\tzuo jin wan\t黄连\t180克\ttcmp\n", encoding="utf-8")
    store = tmp_path / "store"
    problems = tmp_path / "problems.jsonl"
    result = runner.invoke(
        app,
        [
            "import",
            "formulas",
            str(table),
            "--store",
            f"oxigraph:{store}",
            "--problems",
            str(problems),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "edges written" in result.output
    assert problems.exists()
    with open_store(f"oxigraph:{store}") as st:
        assert has_edge(
            st, iri.formula_curie("zuo jin wan"), Predicate.HAS_PART, herb_id(load_seed(), "黄连")
        )


# --- TCMSP ----------------------------------------------------------------------------------


def _head(source: Path, target: Path, rows: int) -> None:
    with source.open(encoding="utf-8") as src, target.open("w", encoding="utf-8") as out:
        for i, line in enumerate(src):
            if i > rows:
                break
            out.write(line)


@pytest.fixture
def tcmsp_slice(tmp_path: Path) -> Iterator[Path]:
    """The first rows of the TCMSP tables (a scratch copy for the test run only)."""
    source = shared_data("tcmnp_tcmsp")
    folder = tmp_path / "tcmnp_tcmsp"
    folder.mkdir()
    for name, rows in ((HERB_MOLECULE, 1500), (MOLECULE_TARGET, 3000), (ID_MAP, 20000)):
        _head(source / name, folder / name, rows)
    yield folder


def test_tcmsp_reimport_is_idempotent(tcmsp_slice: Path) -> None:
    store = open_store("memory:")
    first = import_tcmsp(tcmsp_slice, store, load_seed(), entities_dir=None)
    count = store.count()
    second = import_tcmsp(tcmsp_slice, store, load_seed(), entities_dir=None)
    assert not first.failed and first.claims > 1000
    assert store.count() == count
    assert second.claims == first.claims
    graphs = set(store.named_graphs())
    assert iri.graph_iri("TCMKG.TABLE:tcmsp-herb-molecule") in graphs
    assert iri.graph_iri("TCMKG.TABLE:tcmsp-molecule-target") in graphs


@pytest.mark.slow
def test_full_tcmsp_import(tmp_path: Path, seed: Vocabulary) -> None:
    folder = shared_data("tcmnp_tcmsp")
    shared_data("tcmsp_entities")
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    started = time.perf_counter()
    report = import_tcmsp(folder, store, load_seed())
    elapsed = time.perf_counter() - started
    print(f"full TCMSP import: {report.rows:,} rows, {report.quads:,} triples, {elapsed:.1f} s")
    assert not report.failed
    assert report.rows > 170_000 and report.claims > 150_000
    # Quercetin is a seed compound: TCMSP's MOL000098 lands on its PubChem id, with a xref.
    (quercetin,) = [e for e in seed.lookup("quercetin") if e.kind == EntityKind.COMPOUND]
    assert quercetin.id == "PUBCHEM.COMPOUND:5280343"
    assert store.query(
        "ASK { ?c <http://www.w3.org/2004/02/skos/core#exactMatch> ?m }",
        {"c": node(quercetin.id), "m": node("TCMSP.MOL:MOL000098")},
    )
    # 黄芩 contains baicalin; baicalin is predicted to bind some target, as a prediction.
    baicalin = next(e for e in seed.lookup("baicalin") if e.kind == EntityKind.COMPOUND)
    assert has_edge(store, herb_id(seed, "黄芩"), Predicate.CONTAINS, baicalin.id)
    levels = store.select(
        """PREFIX biolink: <https://w3id.org/biolink/vocab/>
        PREFIX tcm: <https://w3id.org/tcmkg/ontology#>
        SELECT DISTINCT ?level WHERE { ?claim biolink:subject ?s ;
          biolink:predicate biolink:directly_physically_interacts_with ; tcm:hasEvidence ?ev .
          ?ev biolink:knowledge_level ?level }""",
        {"s": node(baicalin.id)},
    )
    assert [row[0].value for row in levels.rows if row[0] is not None] == ["prediction"]
    store.close()


# --- SymMap ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_symmap_names_merge_with_seed_entities(seed: Vocabulary) -> None:
    folder = shared_data("symmap_v2")
    store = open_store("memory:")
    vocabulary = load_seed()
    report = import_symmap(folder, store, vocabulary)
    assert not report.failed and report.entities > 50_000
    graph = iri.vocabulary_graph("symmap")
    # The import also writes the shipped vocabulary's own graph, so the store knows every name,
    # and the herb table's TCM theory claims in the table's own graph.
    theory = iri.graph_iri("TCMKG.TABLE:symmap-herb-properties")
    assert sorted(store.named_graphs()) == sorted([iri.vocabulary_graph("seed"), graph, theory])
    huangqi = herb_id(seed, "黄芪")
    names = store.select(
        "SELECT ?n WHERE { GRAPH ?g { ?h <http://www.w3.org/2004/02/skos/core#altLabel> ?n } }",
        {"g": NamedNode(graph), "h": node(huangqi)},
    )
    assert "Huangqi" in {row[0].value for row in names.rows if row[0] is not None}
    # TNF has no NCBI id in SymMap; the seed's gene id is used, not a second TNF.
    assert [e.id for e in vocabulary.lookup("TNF") if e.kind == EntityKind.TARGET] == [
        "NCBIGene:7124"
    ]
    count = store.count()
    import_symmap(folder, store, load_seed())
    assert store.count() == count
