"""The hand-annotated DFI abstracts: both sets fit the real text and do not overlap."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import shared_data
from tests.ingest.annotations.dfi_gold import (
    ANNOTATIONS,
    SET2,
    SETS,
    AnnotationError,
    draw_set2,
    load_gold,
)


def _corpus() -> Path:
    return shared_data("dfi_pubmed_abstracts", "dfi_pubmed_abstracts.tsv")


def _pmids(annotations: Path) -> set[str]:
    return {
        line.split("\t", 1)[0]
        for line in annotations.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_offset_fits_the_real_abstract(name: str) -> None:
    # load_gold raises on any span whose text is not the recorded surface name.
    gold = load_gold(_corpus(), SETS[name])
    assert len(gold) == {"set 1": 56, "set 2": 40}[name]
    for entry in gold.values():
        text = entry.document.text
        for start, end in entry.herbs:
            assert text[start:end].strip() == text[start:end] != ""


def test_no_abstract_is_in_both_sets() -> None:
    assert not _pmids(ANNOTATIONS) & _pmids(SET2)


def test_set2_is_the_documented_draw() -> None:
    assert sorted(draw_set2(_corpus())) == sorted(_pmids(SET2))


def test_set2_names_herbs_every_way_papers_do() -> None:
    gold = load_gold(_corpus(), SET2)
    surfaces = {entry.document.text[s:e] for entry in gold.values() for s, e in entry.herbs}
    assert {"Magnoliae Cortex", "Rhizoma Coptidis"} <= surfaces  # Latin pharmaceutical
    assert {"Coriandrum sativum", "H. sabdariffa"} <= surfaces  # binomial, abbreviated genus
    assert {"garlic", "green tea", "St John's wort", "Ashwagandha"} <= surfaces  # common
    assert sum(1 for entry in gold.values() if not entry.herbs) == 7  # food-only abstracts


def test_a_shifted_offset_is_refused(tmp_path: Path) -> None:
    row = next(
        line for line in SET2.read_text(encoding="utf-8").splitlines() if "\tentity\t" in line
    )
    pmid, kind, start, end, label, surface = row.split("\t")
    shifted = tmp_path / "shifted.tsv"
    shifted.write_text(
        "\t".join([pmid, kind, str(int(start) + 1), str(int(end) + 1), label, surface]) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(AnnotationError, match="not 'Liqustri lucidi Fructus'"):
        load_gold(_corpus(), shifted)
