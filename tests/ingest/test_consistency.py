"""One reading per agent and disease within a document (``tcm_consistency``), on sentences
written in the style of the abstracts where the double reading was seen (not quoted)."""

from __future__ import annotations

import pytest

from ingest.document import Document
from ingest.extract import Extractor


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def _relations(
    extractor: Extractor, text: str, *, consistency: bool = True
) -> set[tuple[str, str, str]]:
    off = [] if consistency else ["tcm_consistency"]
    with extractor.nlp.select_pipes(disable=off):
        extraction = extractor.extract(Document(id="PMID:1", title="", abstract=text))
    m = extraction.mentions
    return {
        (m[r.subject].text.lower(), r.predicate.value, m[r.object].text.lower())
        for r in extraction.relations
        if not r.negated
    }


def test_an_inducer_is_not_read_as_treating_its_own_harm(extractor: Extractor) -> None:
    text = (
        "Haloperidol-induced catalepsy in rats. Intracollicular injection of MK-801 previous to "
        "systemic injections of haloperidol significantly attenuated the catalepsy."
    )
    # The cue rules alone read the second sentence pair by pair: the inducer "treats" it.
    assert ("haloperidol", "treats", "catalepsy") in _relations(extractor, text, consistency=False)
    read = _relations(extractor, text)
    assert ("haloperidol", "causes", "catalepsy") in read
    assert ("haloperidol", "treats", "catalepsy") not in read


def test_the_agent_that_protects_keeps_its_treatment_reading(extractor: Extractor) -> None:
    read = _relations(
        extractor,
        "Berberine attenuated cisplatin-induced nephrotoxicity in rats. "
        "Berberine reduced nephrotoxicity markers.",
    )
    assert ("berberine", "treats", "nephrotoxicity") in read
    assert ("cisplatin", "causes", "nephrotoxicity") in read
    assert ("cisplatin", "treats", "nephrotoxicity") not in read


def test_an_aim_sentence_gives_no_molecular_relation(extractor: Extractor) -> None:
    text = (
        "The present study was conducted to evaluate the effect of Ginkgo biloba extract on "
        "the synthesis of nitric oxide induced by interferon-gamma in macrophages. "
        "Ginkgo biloba extract inhibited iNOS expression."
    )
    # The cue rules alone read a relation to interferon-gamma in the aim sentence.
    assert any(
        o == "interferon-gamma" for _, _, o in _relations(extractor, text, consistency=False)
    )
    read = _relations(extractor, text)
    assert not any(o == "interferon-gamma" for _, _, o in read)
    assert ("ginkgo biloba", "inhibits", "inos") in read
