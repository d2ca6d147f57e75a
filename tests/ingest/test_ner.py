"""The trained recogniser: how it joins the dictionary, and ``tcmkg train-ner`` on a tiny corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from typer.testing import CliRunner

from ingest.document import Annotation, Document
from ingest.extract import Extractor, extraction_bundle
from ingest.nlp.ner import SHIPPED_MODEL, NerModelError
from ingest.nlp.pipeline import build_pipeline
from ingest.nlp.training import corpus_labels, labelled_doc
from ingest.problems import ProblemLog
from ingest.readers.pubtator import read_pubtator
from kg.iri import is_ungrounded
from kg.model import EntityKind
from tcmkg.cli import app

runner = CliRunner()

# Written for these tests; illustrative, not from any paper. Ids are the project's own.
_TINY = [
    ("99000901", "Imatinib-induced hepatotoxicity", "Imatinib caused hepatotoxicity in mice."),
    ("99000902", "Sorafenib and rash", "Sorafenib was followed by rash and alopecia."),
    ("99000903", "Tacrolimus nephrotoxicity", "Tacrolimus led to nephrotoxicity in rats."),
]


def _pubtator(path: Path) -> Path:
    blocks = []
    for pmid, title, abstract in _TINY:
        text = f"{title} {abstract}"
        lines = [f"{pmid}|t|{title}", f"{pmid}|a|{abstract}"]
        for word, kind in ((title.split("-")[0].split()[0], "Chemical"),):
            start = text.index(word)
            lines.append(f"{pmid}\t{start}\t{start + len(word)}\t{word}\t{kind}\t-1")
        for word in ("hepatotoxicity", "rash", "alopecia", "nephrotoxicity"):
            start = text.find(word)
            if start >= 0:
                lines.append(f"{pmid}\t{start}\t{start + len(word)}\t{word}\tDisease\t-1")
        blocks.append("\n".join(lines))
    path.write_text("\n\n".join(blocks) + "\n\n", encoding="utf-8")
    return path


def test_model_mentions_join_the_dictionary_with_an_ungrounded_id() -> None:
    # "Dasatinib" is not in the shipped vocabulary; "nephrotoxicity" and "cisplatin" are.
    title = "Dasatinib and cisplatin induced nephrotoxicity and interstitial fibrosis in rats."
    document = Document(id="TCMKG.DOC:ner", title=title, abstract="")
    with_model = Extractor().extract(document)
    alone = Extractor(ner=False).extract(document)
    by_text = {m.text: m for m in with_model.mentions}
    assert "Dasatinib" not in {m.text for m in alone.mentions}
    dasatinib = by_text["Dasatinib"]
    assert dasatinib.kind is EntityKind.COMPOUND and dasatinib.candidates == ()
    assert dasatinib.ids == ("TCMKG.UNGROUNDED:compound-dasatinib",)
    # Every dictionary mention is kept as it was, with its id.
    grounded = [m for m in with_model.mentions if m.ids and not is_ungrounded(m.ids[0])]
    assert [(m.start, m.ids) for m in alone.mentions] == [(m.start, m.ids) for m in grounded]
    # An entity no vocabulary knows is written under the text's own spelling.
    bundle, _ = extraction_bundle(document, with_model)
    assert {e.label for e in bundle.entities if e.id == dasatinib.ids[0]} <= {"Dasatinib"}


def test_a_missing_model_directory_is_a_clear_error(tmp_path: Path) -> None:
    config = build_pipeline().config  # the shipped model loads
    assert config["components"]["tcm_ner"]["enabled"] is True
    assert (SHIPPED_MODEL / "TRAINED.md").is_file()
    with pytest.raises(NerModelError, match="no trained entity model"):
        nlp = spacy.blank("en")
        nlp.add_pipe("tcm_ner", config={"model": str(tmp_path / "nowhere")})


def test_a_disease_only_corpus_leaves_chemicals_and_genes_unlabelled() -> None:
    # NCBI Disease annotates diseases only: a chemical it does not mark is not "no entity".
    title = "Cisplatin worsened deafness; TP53 and IL6 were measured."
    start = title.index("deafness")
    document = Document(
        id="TCMKG.DOC:ncbi",
        title=title,
        abstract="",
        annotations=(Annotation(start, start + 8, "deafness", "SpecificDisease"),),
    )
    labels = corpus_labels([document])
    assert labels == frozenset({"DISEASE"})
    doc = labelled_doc(spacy.blank("en"), document, labels)
    iob = {t.text: t.ent_iob_ for t in doc}
    assert [(e.text, e.label_) for e in doc.ents] == [("deafness", "DISEASE")]
    assert iob["Cisplatin"] == ""  # missing: neither entity nor outside
    assert iob["TP53"] == "" and iob["IL6"] == ""
    assert iob["worsened"] == "O" and iob["measured"] == "O"


def test_train_ner_trains_a_loadable_model_on_a_tiny_corpus(tmp_path: Path) -> None:
    corpus = _pubtator(tmp_path / "tiny.PubTator")
    assert len(list(read_pubtator(corpus, ProblemLog()))) == 3
    out = tmp_path / "model"
    result = runner.invoke(
        app, ["train-ner", str(corpus), "--output", str(out), "--max-steps", "20"]
    )
    assert result.exit_code == 0, result.output
    assert "3 documents" in result.output
    assert "CHEMICAL 3" in result.output and "DISEASE 4" in result.output
    assert (out / "config.cfg").is_file() and "tiny.PubTator" in (out / "TRAINED.md").read_text()
    nlp = spacy.blank("en")
    nlp.add_pipe("tcm_ner", config={"model": str(out)})  # the pipeline takes it


def test_train_ner_names_a_missing_corpus(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["train-ner", str(tmp_path / "absent.txt"), "--output", str(tmp_path / "m")]
    )
    assert result.exit_code == 2
    assert "absent.txt: no such file" in result.output


def test_the_rest_of_a_dictionary_name_is_not_a_second_entity() -> None:
    title = (
        "Ginkgo biloba extract and berberine hydrochloride lowered blood pressure; "
        "cisplatin nephrotoxicity was milder."
    )
    mentions = Extractor().extract(Document(id="TCMKG.DOC:rest", title=title, abstract="")).mentions
    texts = [m.text for m in mentions]
    assert "extract" not in texts and "hydrochloride" not in texts
    assert {"Ginkgo biloba", "cisplatin", "nephrotoxicity"} <= set(texts)
    # The salt is named whole, and is the compound the dictionary knows.
    (salt,) = [m for m in mentions if m.text.startswith("berberine")]
    assert salt.text == "berberine hydrochloride" and salt.ids == ("PUBCHEM.COMPOUND:2353",)


def test_a_name_the_model_reads_wider_than_the_dictionary_keeps_the_wider_span() -> None:
    # BC5CDR annotates a name with its modifiers ("deep venous thrombosis"); the dictionary
    # knows only the head. A sentence written in that style, not quoted.
    title = "Deep venous thrombosis and coronary heart disease after oral contraceptives."
    mentions = Extractor().extract(Document(id="TCMKG.DOC:wide", title=title, abstract="")).mentions
    by_text = {m.text: m for m in mentions}
    assert "coronary heart disease" in by_text, sorted(by_text)
    assert "heart disease" not in by_text
    # a verb before the name is no part of it
    text = "Fang ji reduced type 2 diabetes in 3 patients."
    mentions = Extractor().extract(Document(id="TCMKG.DOC:verb", title=text, abstract="")).mentions
    assert "type 2 diabetes" in {m.text for m in mentions}


def test_a_short_form_of_a_herb_extract_is_no_disease() -> None:
    # Written in the style of the abstracts where the model read "GBE" as a disease.
    extractor = Extractor()
    text = (
        "Ginkgo biloba extract (GBE) and warfarin in rats. GBE did not alter the "
        "pharmacokinetics of warfarin, and GBE reduced platelet aggregation."
    )
    mentions = extractor.extract(Document(id="TCMKG.DOC:gbe", title="", abstract=text)).mentions
    assert not any(m.text == "GBE" and m.kind is not EntityKind.HERB for m in mentions)
    assert "Ginkgo biloba" in [m.text for m in mentions]


def test_a_short_form_no_text_defines_is_no_disease() -> None:
    # PMID 9113109 and PMID 16508142: a cell line and a group of bacteria, read as diseases
    # by the model, gave "Ginkgo biloba treats RAW" and "Zingiber officinale treats VRE".
    extractor = Extractor()
    for pmid, title, short in (
        (
            "9113109",
            "Ginkgo biloba extract (EGb 761): inhibitory effect on nitric oxide production in "
            "the macrophage cell line RAW 264.7.",
            "RAW",
        ),
        (
            "16508142",
            "An extract from ginger (root of Zingiber officinale) reduced the minimum inhibitory "
            "concentrations (MICs) of aminoglycosides in vancomycin-resistant enterococci (VRE).",
            "VRE",
        ),
    ):
        extraction = extractor.extract(Document(id=f"PMID:{pmid}", title=title, abstract=""))
        assert not [m for m in extraction.mentions if m.text == short]
        assert not [r for r in extraction.relations if extraction.mentions[r.object].text == short]


def test_a_short_form_the_text_defines_stays_a_disease() -> None:
    # PMID 31290076
    text = (
        "Prasterone: A Review in Vulvovaginal Atrophy. Vulvovaginal atrophy (VVA) is a "
        "progressive condition commonly seen in postmenopausal women."
    )
    mentions = Extractor().extract(Document(id="PMID:31290076", title=text, abstract="")).mentions
    vva = [m for m in mentions if m.text == "VVA"]
    assert [m.kind for m in vva] == [EntityKind.DISEASE]
    long_form = next(m for m in mentions if m.text == "Vulvovaginal atrophy")
    assert vva[0].ids == long_form.ids


def test_statistics_are_no_entities_but_a_defined_short_form_stays() -> None:
    extractor = Extractor()
    # PMID 15731182: relative risks
    risks = extractor.extract(
        Document(
            id="PMID:15731182",
            title="TRM was increased with female-to-male donation (RR, 2.5) and transplantation "
            "more than 1 year from diagnosis (RR, 2.3).",
            abstract="",
        )
    )
    assert not [m for m in risks.mentions if m.text == "RR"]
    # PMID 22791241: "CI" defined as a disease
    defined = extractor.extract(
        Document(
            id="PMID:22791241",
            title="Cognitive impairment in multiple sclerosis. Cognitive impairment (CI) is a "
            "serious complication of multiple sclerosis (MS).",
            abstract="",
        )
    )
    assert [m.kind for m in defined.mentions if m.text == "CI"] == [EntityKind.DISEASE]
