"""Grounding: every recognised name gets an id, the vocabulary's or a stable ungrounded one.

Sentences are quoted from abstracts of the DFI corpus (PubMed) unless said otherwise.
"""

from __future__ import annotations

import pytest
from pyoxigraph import Literal, NamedNode

from ingest.document import Document
from ingest.extract import (
    JSON_SCHEMA,
    Extraction,
    Extractor,
    claimable,
    extraction_bundle,
    extraction_json,
)
from ingest.nlp.grounding import Grounder, seed_grounder
from ingest.nlp.mentions import Mention
from kg import iri
from kg.iri import RDF, RDFS, is_ungrounded, ungrounded_curie
from kg.model import EntityKind
from kg.names import normalise_name
from kg.store import GraphStore
from kg.terms import UNGROUNDED_CLASS
from kg.validate import validate_store
from kg.writer import bundle_quads

K = EntityKind
DELTAMETHRIN = (
    "Evaluating the protective efficacy of Silybum marianum against deltamethrin induced "
    "hepatotoxicity in piscine model."
)


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def _extract(extractor: Extractor, text: str, pmid: str = "1") -> tuple[Document, Extraction]:
    document = Document(id=f"PMID:{pmid}", title=text, abstract="")
    return document, extractor.extract(document)


def _mention(extraction: Extraction, text: str) -> Mention:
    return next(m for m in extraction.mentions if m.text == text)


# --- the grounder on the shipped vocabulary --------------------------------------------------


def test_another_spelling_of_a_vocabulary_name_gets_its_id() -> None:
    grounder = seed_grounder()
    tumor = grounder.ground("tumor", K.DISEASE)
    assert tumor.how == "normalised" and tumor.ids and not is_ungrounded(tumor.ids[0])
    # British spelling and plural fold onto the vocabulary's name (kg.names).
    assert grounder.ground("Tumours", K.DISEASE).ids == tumor.ids
    # A gene symbol in the case papers write it: the dictionary matches symbols with their
    # case only, grounding a model's gene mention does not.
    assert grounder.ground("Akt", K.TARGET).ids == ("NCBIGene:207",)
    # The INN spelling of a drug, one letter apart: a fuzzy match of the same kind.
    sitagliptin = grounder.ground("sitagliptine", K.COMPOUND)
    assert sitagliptin.how == "fuzzy" and sitagliptin.kind is K.DRUG
    assert sitagliptin.ids == grounder.ground("sitagliptin", K.DRUG).ids


def test_near_names_that_are_other_entities_stay_ungrounded() -> None:
    grounder = seed_grounder()
    # "AID" normalises like "AIDS" (plural folded), but a short name must match letter for letter.
    assert is_ungrounded(grounder.ground("AID", K.DISEASE).ids[0])
    # Tanshinone I and dihydrotanshinone are different compounds.
    assert is_ungrounded(grounder.ground("dihydrotanshinone", K.COMPOUND).ids[0])
    # A name must agree in kind: a disease name is not a gene, and genes never match fuzzily.
    assert grounder.ground("Akt", K.DISEASE).how == "ungrounded"


def test_an_unknown_name_gets_a_stable_id_keyed_on_kind_and_normalised_name() -> None:
    grounder = Grounder([("berberine", "MESH:D001599", K.COMPOUND)])
    one = grounder.ground("Gentamicin", K.COMPOUND)
    assert one.how == "ungrounded"
    assert one.ids == grounder.ground("gentamicin", K.COMPOUND).ids
    assert one.ids == (ungrounded_curie("Compound", normalise_name("gentamicin")),)
    assert one.ids != grounder.ground("gentamicin", K.DISEASE).ids
    # Greek letters are spelt out, not dropped: β-sitosterol is not sitosterol.
    beta = grounder.ground("β-sitosterol", K.COMPOUND).ids[0]
    assert beta == "TCMKG.UNGROUNDED:compound-betasitosterol"
    assert beta != grounder.ground("sitosterol", K.COMPOUND).ids[0]
    assert iri.expand(beta).startswith(iri.ID + "ungrounded/")


# --- the pipeline ------------------------------------------------------------------------------


def test_a_model_chemical_spelt_otherwise_gets_the_vocabulary_id(extractor: Extractor) -> None:
    _, extraction = _extract(
        extractor,
        "Antidiabetic efficacy of trigonelline is comparable to glibenclamide treatment and "
        "more effective than sitagliptine therapy.",
    )
    sitagliptine = _mention(extraction, "sitagliptine")
    assert sitagliptine.kind is K.DRUG
    assert sitagliptine.ids == seed_grounder().ground("sitagliptin", K.DRUG).ids
    assert not is_ungrounded(sitagliptine.ids[0])


def test_the_same_unknown_chemical_has_one_id_across_documents(extractor: Extractor) -> None:
    _, first = _extract(
        extractor,
        "As a therapeutic agent, gentamicin imparts direct toxicity to kidney, resulting in "
        "acute tubular necrosis.",
        "1",
    )
    _, second = _extract(
        extractor,
        "Kiwi fruit (Actinidia deliciosa) ameliorates gentamicin-induced nephrotoxicity in "
        "albino mice via the activation of Nrf2 and the inhibition of NF-κB.",
        "2",
    )
    one, two = _mention(first, "gentamicin"), _mention(second, "gentamicin")
    assert one.ids == two.ids and len(one.ids) == 1 and is_ungrounded(one.ids[0])
    out = extraction_json(first)
    entity = next(e for e in out["entities"] if e["text"] == "gentamicin")
    assert entity["ids"] == list(one.ids) and entity["type"] == "Compound"


def test_a_short_form_takes_the_vocabulary_id_of_its_long_form(extractor: Extractor) -> None:
    # Written for this test.
    _, extraction = _extract(
        extractor,
        "Nuclear factor erythroid 2-related factor 2 (Nrf2) was activated by sulforaphane.",
    )
    long_form = _mention(extraction, "Nuclear factor erythroid 2-related factor 2")
    assert long_form.kind is K.TARGET
    assert long_form.ids == _mention(extraction, "Nrf2").ids == ("NCBIGene:4780",)


def test_a_store_written_from_an_extraction_holds_the_ungrounded_entity(
    extractor: Extractor, memory_store: GraphStore
) -> None:
    document, extraction = _extract(extractor, DELTAMETHRIN)
    deltamethrin = _mention(extraction, "deltamethrin")
    assert is_ungrounded(deltamethrin.ids[0])
    bundle, _ = extraction_bundle(document, extraction)
    claim = next(c for c in bundle.claims if c.subject == deltamethrin.ids[0])
    assert claim.predicate.value == "causes"
    memory_store.replace_graph(iri.graph_iri(document.id), bundle_quads(bundle))
    node = NamedNode(iri.expand(deltamethrin.ids[0]))
    labels = {
        q.object
        for q in memory_store.quads()
        if q.subject == node and q.predicate.value == RDFS + "label"
    }
    assert labels == {Literal("deltamethrin")}
    types = {
        q.object.value
        for q in memory_store.quads()
        if q.subject == node and q.predicate.value == RDF + "type"
    }
    assert {UNGROUNDED_CLASS, iri.term("Compound")} <= types
    report = validate_store(memory_store)
    assert report.conforms, report.results


def test_claims_with_an_ungrounded_end_need_a_name_and_a_cue() -> None:
    def ungrounded(text: str, kind: EntityKind) -> Mention:
        return Mention(
            0, len(text), text, kind, ids=(ungrounded_curie(kind.value, normalise_name(text)),)
        )

    assert claimable(ungrounded("deltamethrin", K.COMPOUND))
    assert claimable(ungrounded("endotoxin shock", K.DISEASE))
    # An abbreviation the text does not define names different things in different papers.
    assert not claimable(ungrounded("CP", K.COMPOUND))
    assert not claimable(ungrounded("inflammatory", K.DISEASE))
    assert not claimable(ungrounded("suppression of", K.DISEASE))
    # The same short form defined in the text carries its long form's id, and may.
    defined = Mention(
        0, 2, "CP", K.COMPOUND, ids=(ungrounded_curie("Compound", "cyclophosphamide"),)
    )
    assert claimable(defined)


def test_the_json_schema_lists_every_entity_kind() -> None:
    kinds = JSON_SCHEMA["properties"]["entities"]["items"]["properties"]["type"]["enum"]
    assert set(kinds) == {k.value for k in EntityKind}
