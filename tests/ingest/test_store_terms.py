"""Literature naming an imported hospital preparation is recognised by later ingests.

The texts below are written for these tests: illustrative, not real studies; their ids are
the project's own (``TCMKG.DOC:``), never PMIDs.
"""

from __future__ import annotations

import json
from pathlib import Path

from pyoxigraph import NamedNode
from typer.testing import CliRunner

from ingest.document import Document
from ingest.examples import EXAMPLE_CATALOGUE
from ingest.extract import Extractor
from ingest.importers.preparations import import_preparations
from ingest.pipeline import ingest
from ingest.problems import ProblemLog
from ingest.vocabulary import load_seed
from ingest.vocabulary.store_terms import ingest_vocabulary, store_terms
from kg import iri
from kg.model import Direction, Entity, EntityKind, Label, StudyDesign
from kg.store import GraphStore, Term, open_store
from kg.terms import DESIGN_IRI, DIRECTION_IRI
from kg.writer import entity_quads, vocabulary_quads
from tcmkg.cli import app

runner = CliRunner()

# The illustrative catalogue's 芪丹降糖颗粒 states 2型糖尿病 and 糖尿病肾病 only; the paper below
# reports a benefit in diabetic retinopathy, so any clinical evidence there comes from the paper.
PREPARATION = iri.preparation_curie(
    "示例中医医院", "Qi Dan Jiang Tang Keli", "Shili Zhongyi Yiyuan"
)
INDICATION = "diabetic retinopathy"
RETINOPATHY = "MESH:D003930"
DOC_ID = "store-terms-001"
TITLE = "[Illustrative, not a real study] 芪丹降糖颗粒 in diabetic retinopathy"
ABSTRACT = (
    "METHODS: In this randomised controlled trial, 120 patients with diabetic retinopathy "
    "received Qi Dan Jiang Tang Keli or placebo for 24 weeks. RESULTS: 芪丹降糖颗粒 improved "
    "diabetic retinopathy compared with placebo. Illustrative abstract written for a tcmkg "
    "test; not a real study, its figures are invented."
)

# A second paper, on a seed herb, so that the indication is in the store in either run.
HERB_DOC = (
    "store-terms-002",
    "[Illustrative, not a real study] Astragali Radix in diabetic retinopathy",
    "METHODS: A cohort of 80 patients with diabetic retinopathy was followed for a year. "
    "RESULTS: Astragali Radix improved diabetic retinopathy. Illustrative abstract written for "
    "a tcmkg test; not a real study, its figures are invented.",
)

CLAIM_EVIDENCE = """
PREFIX biolink: <https://w3id.org/biolink/vocab/>
PREFIX tcm: <https://w3id.org/tcmkg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?design ?direction WHERE {
  ?claim biolink:subject ?subject ; biolink:predicate biolink:treats ; biolink:object ?object ;
         tcm:hasEvidence ?evidence .
  ?evidence prov:wasDerivedFrom ?source ; tcm:studyDesign ?design ; tcm:direction ?direction .
}
"""


def write_corpus(folder: Path) -> Path:
    path = folder / "papers.tsv"
    rows = [(DOC_ID, TITLE, ABSTRACT), HERB_DOC]
    lines = ["id\tyear\ttitle\tabstract", *(f"{i}\t2022\t{t}\t{a}" for i, t, a in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def claim_evidence(location: str, source: str) -> list[tuple[Term, Term]]:
    """(design, direction) of every evidence item from ``source`` for the preparation's claim."""
    store = open_store(location)
    try:
        result = store.select(
            CLAIM_EVIDENCE,
            {
                "subject": NamedNode(iri.expand(PREPARATION)),
                "object": NamedNode(iri.expand(RETINOPATHY)),
                "source": NamedNode(iri.expand(source)),
            },
        )
        return [(row["design"], row["direction"]) for row in result.dicts()]
    finally:
        store.close()


def ranked_clinical(location: str) -> dict[str, float]:
    """Clinical axis by candidate id, from ``tcmkg rank … --kind preparation --format json``."""
    done = runner.invoke(
        app,
        ["rank", INDICATION, "--kind", "preparation", "--format", "json", "--store", location],
    )
    assert done.exit_code == 0, done.output
    return {row["candidate"]["id"]: row["clinical"] for row in json.loads(done.stdout)}


def build(tmp_path: Path, *ingest_options: str) -> str:
    """A store with the illustrative catalogue imported, then the test paper ingested."""
    location = f"oxigraph:{tmp_path / 'store'}"
    imported = runner.invoke(
        app, ["import", "preparations", str(EXAMPLE_CATALOGUE), "--store", location]
    )
    assert imported.exit_code == 0, imported.output
    corpus = write_corpus(tmp_path)
    problems = str(tmp_path / "problems.jsonl")
    ingested = runner.invoke(
        app,
        ["ingest", str(corpus), "--store", location, "--problems", problems, *ingest_options],
    )
    assert ingested.exit_code == 0, ingested.output
    return location


def test_a_paper_naming_an_imported_preparation_gives_it_clinical_evidence(
    tmp_path: Path,
) -> None:
    location = build(tmp_path)
    evidence = claim_evidence(location, f"TCMKG.DOC:{DOC_ID}")
    # One item per sentence naming it (by pinyin, then by its characters), both from the RCT.
    assert evidence, "no treats claim from the preparation with the paper's evidence"
    rct, benefit = (
        NamedNode(DESIGN_IRI[StudyDesign.RCT]),
        NamedNode(DIRECTION_IRI[Direction.BENEFIT]),
    )
    assert evidence == [(rct, benefit), (rct, benefit)]
    assert ranked_clinical(location).get(PREPARATION, 0.0) > 0.0


def test_seed_only_ingest_does_not_see_the_catalogue(tmp_path: Path) -> None:
    location = build(tmp_path, "--seed-only")
    assert claim_evidence(location, f"TCMKG.DOC:{DOC_ID}") == []
    assert ranked_clinical(location).get(PREPARATION, 0.0) == 0.0


def test_a_name_shared_by_seed_and_store_stays_ambiguous(
    tmp_path: Path, memory_store: GraphStore
) -> None:
    # A hospital's own preparation of a classical formula, under the formula's name.
    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text(
        "name_zh,name_pinyin,hospital,composition,indications\n"
        "六味地黄丸,Liu Wei Di Huang Wan,测试医院,熟地黄 24g；山药 12g,糖尿病肾病\n",
        encoding="utf-8",
    )
    report = import_preparations(catalogue, memory_store, load_seed())
    assert report.entities == 1
    vocabulary = ingest_vocabulary(memory_store)
    assert vocabulary.terms is not None
    prep = iri.preparation_curie("测试医院", "Liu Wei Di Huang Wan")
    formula = iri.formula_curie("liu wei di huang wan")
    extraction = Extractor(vocabulary.terms).extract(
        Document(
            id="TCMKG.DOC:store-terms-002",
            title="",
            abstract="Liu Wei Di Huang Wan improved albuminuria in diabetic nephropathy.",
        )
    )
    mention = next(m for m in extraction.mentions if m.text == "Liu Wei Di Huang Wan")
    assert set(mention.candidates) == {formula, prep} and mention.ids == ()

    problems = ProblemLog()
    summary = ingest(
        [Document(id="TCMKG.DOC:store-terms-002", title="", abstract=extraction.text)],
        memory_store,
        problems,
        entities=vocabulary.entities,
        terms=vocabulary.terms,
    )
    assert summary.ambiguous_relations >= 1 and summary.claims == 0  # no guess written


def test_only_herbs_formulas_and_preparations_are_read_by_default(
    memory_store: GraphStore,
) -> None:
    compound = Entity(
        "TCMKG.COMPOUND:test-compound",
        EntityKind.COMPOUND,
        "testosterol",
        (Label("testosterol", "en"),),
    )
    herb = Entity(
        iri.herb_curie("Testae Radix"),
        EntityKind.HERB,
        "Testae Radix",
        (Label("Testae Radix", "la", True), Label("试验草", "zh")),
    )
    memory_store.replace_graph(
        iri.vocabulary_graph("imported"), list(vocabulary_quads([compound, herb], "imported"))
    )
    # A record graph's labels are a paper's spellings, not a vocabulary: never read.
    record_graph = iri.graph_iri("TCMKG.DOC:store-terms-003")
    spelt = Entity(iri.herb_curie("Alia Radix"), EntityKind.HERB, "alia radx")
    memory_store.replace_graph(record_graph, list(entity_quads(spelt, record_graph)))
    default = set(store_terms(memory_store))
    assert ("试验草", herb.id, EntityKind.HERB) in default
    assert ("Testae Radix", herb.id, EntityKind.HERB) in default
    assert not any(curie in (compound.id, spelt.id) for _, curie, _ in default)
    with_compounds = set(store_terms(memory_store, {EntityKind.COMPOUND}))
    assert ("testosterol", compound.id, EntityKind.COMPOUND) in with_compounds

    vocabulary = ingest_vocabulary(memory_store)
    assert vocabulary.entities[herb.id].label == "Testae Radix"  # its rdfs:label names it
    assert vocabulary.store_entities == 1
