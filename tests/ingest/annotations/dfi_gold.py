"""Hand annotations of real abstracts from ``../shared/data/dfi_pubmed_abstracts``.

``dfi_herbs.tsv`` (written by the project) keeps only ids, offsets, labels and herb names:
the abstracts' text is read at run time from the third-party file through the project's
own table reader, and every offset is checked against it.

Annotation rules:

* **Herb** — every mention of a medicinal plant or herbal drug by name: Latin binomial
  (``Ginkgo biloba``, abbreviated ``G. biloba``; without the botanical authority), English
  or pinyin name (``licorice``, ``St. John's wort``, ``Danshen``). An extract of a herb counts
  as the herb (``Ginkgo biloba`` in "Ginkgo biloba extract"); herb names inside a formula or
  product name (``Fufang Danshen Dripping Pill``) do not; foods (onion, grapefruit) do not.
* **relations** — document-level triples (subject name, predicate, object name) that the
  abstract states plainly, in the extract interface's predicate names.

Two sets, no PMID in both: ``dfi_herbs.tsv`` (set 1, 56 abstracts, looked at while the
extractor was tuned) and ``dfi_herbs_set2.tsv`` (set 2, 40 abstracts drawn by
:func:`draw_set2` and annotated from the text before any extractor was run on them; held out
from tuning). Set 2 lists every abstract with a ``document`` row, so an abstract that names no
herb still counts against false positives. Cases the rules above leave open were decided in
set 2 as set 1 does them:

* a Latin pharmaceutical name is a herb name, whole (``Fructus Ligustri lucidi``,
  ``Magnoliae Cortex``, also misspelt as in the title ``Liqustri lucidi Fructus``); a genus
  alone used as the herb's name counts (``Cnidium``, ``Curcuma`` in "Curcuma oil",
  ``lavender`` in "lavender oil"), as does an abbreviated pinyin name (``H. qin``);
* the span is the name only: no authority (``Coriandrum sativum`` of "Coriandrum sativum
  Linn."), no part or preparation word (``bearberry`` of "bearberry leaf"); a herb name inside
  a fraction's name counts (``Cnidium Monnier`` in "Total Coumarins of Cnidium Monnier", as
  ``Panax notoginseng`` in "Panax notoginseng saponins" in set 1); acronyms that the text
  defines (``FLL``, ``SBT``, ``A.S.``, like ``GBE`` in set 1) do not;
* a plant, medicinal mushroom or seaweed counts when the abstract gives it or its extract as a
  remedy or tests it for a pharmacological effect (``Tremella fuciformis``, ``Laminaria
  japonica``, ``Aralia elata``); one studied as food or as the source of a food's composition
  (quinoa seeds, potato tubers, onion in a diet, a turnip named as the source of a synthetic
  compound's lead) or as a model organism (``Arabidopsis thaliana``) does not.
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ingest.document import Document
from ingest.problems import ProblemLog
from ingest.readers import read_documents

ANNOTATIONS = Path(__file__).with_name("dfi_herbs.tsv")
SET2 = Path(__file__).with_name("dfi_herbs_set2.tsv")
SETS = {"set 1": ANNOTATIONS, "set 2": SET2}  # set 1 was used for tuning, set 2 was not

_PARTS = "Radix|Rhizoma|Herba|Fructus|Semen|Cortex|Folium|Flos|Pericarpium|Ramulus|Bulbus|Caulis"
# The two strata of draw_set2 that make sure set 2 has Latin pharmaceutical names and
# binomials with an authority, not only the common names most abstracts use.
PHARMACEUTICAL_NAME = re.compile(
    rf"\b({_PARTS})\s+[A-Z][a-z]+|\b[A-Z][a-z]+(ae|i|is)\s+({_PARTS})\b"
)
AUTHORITY = re.compile(
    r"\b[A-Z][a-z]+ [a-z]{3,}\s+(\([A-Z][a-z]*\.?\)\s*)?"
    r"(L\.|Linn\b|Bunge|Thunb|Maxim|Willd|Roxb|Lam\.|Benth|Burk)"
)
SET2_SEED = 12
SET2_SIZES = (5, 10, 25)  # pharmaceutical name, authority, the rest


def draw_set2(corpus: Path, exclude: Path = ANNOTATIONS) -> list[str]:
    """The PMIDs of set 2, drawn from the corpus file by a fixed rule (text only, no extractor).

    Among the records the corpus flags ``herbal_keyword_match`` = 1 and set 1 does not hold,
    in PMID order, split into three strata by title + abstract — a Latin pharmaceutical name,
    else a binomial followed by a botanical authority, else the rest — ``SET2_SIZES`` records
    are sampled from each in turn with one ``random.Random(SET2_SEED)``.
    """
    taken = {line.split("\t", 1)[0] for line in exclude.read_text(encoding="utf-8").splitlines()}
    with corpus.open(encoding="utf-8", newline="") as handle:
        records = [
            r
            for r in csv.DictReader(handle, delimiter="\t")
            if r["herbal_keyword_match"] == "1" and r["pmid"] not in taken
        ]
    records.sort(key=lambda r: int(r["pmid"]))
    text = {r["pmid"]: f"{r['title']} {r['abstract']}" for r in records}
    pharmaceutical = [r["pmid"] for r in records if PHARMACEUTICAL_NAME.search(text[r["pmid"]])]
    authority = [
        r["pmid"]
        for r in records
        if r["pmid"] not in pharmaceutical and AUTHORITY.search(text[r["pmid"]])
    ]
    rest = [r["pmid"] for r in records if r["pmid"] not in {*pharmaceutical, *authority}]
    rng = random.Random(SET2_SEED)
    drawn: list[str] = []
    for stratum, size in zip((pharmaceutical, authority, rest), SET2_SIZES, strict=True):
        drawn += rng.sample(stratum, size)
    return drawn


@dataclass
class GoldDocument:
    """The gold herb mentions and relations of one abstract, with its text."""

    document: Document
    herbs: list[tuple[int, int]] = field(default_factory=list)
    relations: list[tuple[str, str, str]] = field(default_factory=list)


class AnnotationError(ValueError):
    """An annotation that does not fit the text it annotates."""


def load_gold(corpus: Path, annotations: Path = ANNOTATIONS) -> dict[str, GoldDocument]:
    """The annotated documents by PMID CURIE; raises AnnotationError on any offset mismatch."""
    rows = [
        line.rstrip("\n").split("\t")
        for line in annotations.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    wanted = {f"PMID:{row[0]}" for row in rows}
    documents = {d.id: d for d in read_documents([corpus], "tsv", ProblemLog()) if d.id in wanted}
    gold: dict[str, GoldDocument] = {}
    for number, row in enumerate(rows, 1):
        pmid = f"PMID:{row[0]}"
        if pmid not in documents:
            raise AnnotationError(f"{annotations.name}: row {number}: {pmid} not in {corpus}")
        entry = gold.setdefault(pmid, GoldDocument(documents[pmid]))
        text = entry.document.text
        if row[1] == "document":
            continue
        if row[1] == "entity":
            start, end, surface = int(row[2]), int(row[3]), row[5]
            if text[start:end] != surface:
                raise AnnotationError(
                    f"{annotations.name}: row {number}: {pmid} [{start}:{end}] is "
                    f"{text[start:end]!r}, not {surface!r}"
                )
            entry.herbs.append((start, end))
        elif row[1] == "relation":
            subject, predicate, obj = row[2], row[3], row[4]
            lowered = text.lower()
            if subject.lower() not in lowered or obj.lower() not in lowered:
                raise AnnotationError(f"{annotations.name}: row {number}: names not in {pmid}")
            entry.relations.append((subject.lower(), predicate, obj.lower()))
        else:
            raise AnnotationError(f"{annotations.name}: row {number}: unknown kind {row[1]!r}")
    return gold


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 from counts."""

    true_positives: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __str__(self) -> str:
        return (
            f"P {self.precision:.3f}  R {self.recall:.3f}  F1 {self.f1:.3f}  "
            f"(tp {self.true_positives}, predicted {self.predicted}, gold {self.gold})"
        )


def score_spans(
    gold: Mapping[str, Iterable[tuple[int, int]]],
    predicted: Mapping[str, Iterable[tuple[int, int]]],
    *,
    overlap: bool = False,
) -> Score:
    """Mention-level score: exact offsets, or (``overlap=True``) any shared character."""
    tp = n_pred = n_gold = 0
    for doc_id in set(gold) | set(predicted):
        g = set(gold.get(doc_id, ()))
        p = set(predicted.get(doc_id, ()))
        n_gold += len(g)
        n_pred += len(p)
        if overlap:
            tp += sum(1 for ps, pe in p if any(ps < ge and gs < pe for gs, ge in g))
        else:
            tp += len(g & p)
    return Score(tp, n_pred, n_gold)


def _same_name(a: str, b: str) -> bool:
    return a == b or a in b or b in a


def score_relations(
    gold: Mapping[str, Iterable[tuple[str, str, str]]],
    predicted: Mapping[str, Iterable[tuple[str, str, str]]],
) -> Score:
    """Document-level relation score; names match when one contains the other (any case)."""
    tp = n_pred = n_gold = 0
    for doc_id in gold:
        g = set(gold[doc_id])
        p = {(s.lower(), pr, o.lower()) for s, pr, o in predicted.get(doc_id, ())}
        n_gold += len(g)
        n_pred += len(p)
        tp += sum(
            1
            for gs, gp, go in g
            if any(pp == gp and _same_name(ps, gs) and _same_name(po, go) for ps, pp, po in p)
        )
    return Score(tp, n_pred, n_gold)
