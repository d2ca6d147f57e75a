"""Benchmark: does the relation reader get harm and benefit the right way round?

Entity recognition is taken out of the question: every gold chemical and disease mention of a
document is handed to the relation component as if the dictionary had found it, so the figures
measure only how the pipeline reads the words between two mentions. Development data, read
with the project's PubTator reader (relation lines read here, as the reader keeps mentions):

* **BC5CDR dev** (``../shared/data/bc5cdr_train_dev/CDR_DevelopmentSet.PubTator.txt``): every
  CID pair (chemical induces disease) is a harm;
* **BioRED dev** (``../shared/data/training/biored_train_dev/Dev.PubTator``): chemical–disease
  ``Positive_Correlation`` is a harm, ``Negative_Correlation`` a protective effect (treats or
  protects against), as the BioRED guidelines define them.

For each gold pair the extracted claims between its chemical and its disease (not negated)
are read at document level. Printed, for this version and, in the same run, for the reading
with the harm guards of :func:`ingest.nlp.relations._not_a_harm_of_pair` and the harm
confidence floor switched off (the reading before they were written):

* drug-induced pairs labelled ``treats`` (share of those given any effect claim; target ≤ 1 %);
* protective pairs labelled ``causes`` (target ≤ 3 %);
* how many gold pairs of each kind get the right claim (recall), and precision/recall/F1 of
  ``causes`` and ``treats`` over BioRED's chemical–disease pairs.

These corpora were looked at while the guards were written (development figures), and the
guards were tuned on the DFI abstracts, not on these.

    .venv/bin/python bench/bench_direction.py
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from spacy.language import Language  # noqa: E402

from ingest.document import Document  # noqa: E402
from ingest.nlp import relations  # noqa: E402
from ingest.nlp.mentions import Mention  # noqa: E402
from ingest.nlp.pipeline import build_pipeline, make_doc  # noqa: E402
from ingest.problems import ProblemLog  # noqa: E402
from ingest.readers import read_documents  # noqa: E402
from kg.model import EntityKind, Predicate  # noqa: E402

DATA = Path(os.environ.get("TCMKG_SHARED_DATA", REPO.parent / "shared" / "data"))
BC5CDR_DEV = DATA / "bc5cdr_train_dev" / "CDR_DevelopmentSet.PubTator.txt"
BIORED_DEV = DATA / "training" / "biored_train_dev" / "Dev.PubTator"
KINDS = {
    "Chemical": EntityKind.COMPOUND,
    "ChemicalEntity": EntityKind.COMPOUND,
    "Disease": EntityKind.DISEASE,
    "DiseaseOrPhenotypicFeature": EntityKind.DISEASE,
}


def _key(curie: str) -> str:
    return curie.split(":", 1)[-1]


@dataclass
class Gold:
    """Document-level chemical–disease pairs of one corpus, by label."""

    harm: dict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    protective: dict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))


def read_gold(path: Path, chemicals: dict[str, set[str]], diseases: dict[str, set[str]]) -> Gold:
    """Relation lines of a PubTator file; ``chemicals``/``diseases`` give each document's ids."""
    gold = Gold()
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            cells = line.rstrip("\n").split("\t")
            if len(cells) < 4 or cells[1] not in {
                "CID",
                "Positive_Correlation",
                "Negative_Correlation",
            }:
                continue
            doc = f"PMID:{cells[0]}"
            a, b = cells[2], cells[3]
            if a in diseases[doc] and b in chemicals[doc]:
                a, b = b, a
            if a not in chemicals[doc] or b not in diseases[doc]:
                continue  # a gene, variant or chemical–chemical pair
            target = gold.protective if cells[1] == "Negative_Correlation" else gold.harm
            target[doc].add((a, b))
    return gold


def gold_mentions(document: Document, doc_sentences: list[tuple[int, int]]) -> list[Mention]:
    """The document's gold chemical and disease mentions, as pipeline mentions."""
    out: list[Mention] = []
    for ann in document.annotations:
        kind = KINDS.get(ann.type)
        if kind is None or not ann.ids:
            continue
        sentence = next(
            (i for i, (s, e) in enumerate(doc_sentences) if s <= ann.start < e),
            len(doc_sentences) - 1,
        )
        out.append(
            Mention(
                start=ann.start,
                end=ann.end,
                text=ann.text,
                kind=kind,
                ids=tuple(_key(i) for i in ann.ids),
                sentence=sentence,
            )
        )
    return sorted(out, key=lambda m: (m.start, m.end))


def claims(nlp: Language, document: Document) -> dict[tuple[str, str], set[Predicate]]:
    """Effect claims (not negated) between gold mentions, by (chemical id, disease id)."""
    doc = make_doc(nlp, document.text)
    out: dict[tuple[str, str], set[Predicate]] = defaultdict(set)
    for name, proc in nlp.pipeline:
        doc = proc(doc)
        if name == "sentencizer":
            bounds = [(s.start_char, s.end_char) for s in doc.sents]
        if name == "tcm_dictionary":
            gold = gold_mentions(document, bounds)
            doc._.tcm_mentions = gold
        if name == "tcm_ner":
            # The recogniser may widen a name it reads longer ("coronary heart disease" around
            # "heart disease"); here the gold spans stay as they are, so that only the relation
            # reading is measured. Mentions it adds elsewhere stay, as in the pipeline.
            added = [
                m
                for m in doc._.tcm_mentions
                if not any(g.start < m.end and m.start < g.end for g in gold)
            ]
            doc._.tcm_mentions = sorted([*gold, *added], key=lambda m: (m.start, m.end))
    mentions: list[Mention] = doc._.tcm_mentions
    for r in doc._.tcm_relations:
        if r.negated or r.predicate not in (Predicate.TREATS, Predicate.CAUSES):
            continue
        s, o = mentions[r.subject], mentions[r.object]
        for chem in s.ids:
            for dis in o.ids:
                out[(chem, dis)].add(r.predicate)
    return out


@contextmanager
def guards_off() -> Iterator[None]:
    """The reading before the harm guards: every harm cue counts, no confidence floor."""
    saved = relations._not_a_harm_of_pair
    relations._not_a_harm_of_pair = lambda *args, **kwargs: False
    try:
        yield
    finally:
        relations._not_a_harm_of_pair = saved


@dataclass
class Tally:
    """Counts over gold pairs."""

    harm_pairs: int = 0
    harm_read: int = 0  # given any effect claim
    harm_as_causes: int = 0
    harm_as_treats: int = 0
    protective_pairs: int = 0
    protective_read: int = 0
    protective_as_treats: int = 0
    protective_as_causes: int = 0
    causes_claims: int = 0  # every (doc, pair) with a causes claim among gold-typed pairs
    treats_claims: int = 0


def score(
    nlp: Language, documents: list[Document], gold: Gold, tally: Tally, count_claims: bool
) -> None:
    """Add one corpus' figures to ``tally``."""
    for document in documents:
        found = claims(nlp, document)
        for pair in gold.harm.get(document.id, set()):
            got = found.get(pair, set())
            tally.harm_pairs += 1
            tally.harm_read += bool(got)
            tally.harm_as_causes += Predicate.CAUSES in got
            tally.harm_as_treats += Predicate.TREATS in got
        for pair in gold.protective.get(document.id, set()):
            got = found.get(pair, set())
            tally.protective_pairs += 1
            tally.protective_read += bool(got)
            tally.protective_as_treats += Predicate.TREATS in got
            tally.protective_as_causes += Predicate.CAUSES in got
        if count_claims:
            tally.causes_claims += sum(Predicate.CAUSES in p for p in found.values())
            tally.treats_claims += sum(Predicate.TREATS in p for p in found.values())


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} % ({part}/{whole})" if whole else "   n/a"


def _prf(tp: int, predicted: int, gold: int) -> str:
    p = tp / predicted if predicted else 0.0
    r = tp / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"P {p:.2f}  R {r:.2f}  F1 {f:.2f}"


def load(path: Path) -> tuple[list[Document], Gold]:
    """A corpus' documents and its gold pairs."""
    problems = ProblemLog()
    documents = list(read_documents([path], "pubtator", problems))
    chemicals: dict[str, set[str]] = defaultdict(set)
    diseases: dict[str, set[str]] = defaultdict(set)
    for d in documents:
        for ann in d.annotations:
            kind = KINDS.get(ann.type)
            target = chemicals if kind is EntityKind.COMPOUND else diseases
            if kind is not None:
                target[d.id].update(_key(i) for i in ann.ids)
    return documents, read_gold(path, chemicals, diseases)


def main() -> int:
    """Print the figures; exit 0 even when a target is missed (this is a measurement)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="documents per corpus (0: all)")
    args = parser.parse_args()
    missing = [p for p in (BC5CDR_DEV, BIORED_DEV) if not p.exists()]
    if missing:
        print(f"skipped: {', '.join(map(str, missing))} not found")
        return 0
    corpora = {"BC5CDR dev": load(BC5CDR_DEV), "BioRED dev": load(BIORED_DEV)}
    if args.limit:
        corpora = {k: (d[: args.limit], g) for k, (d, g) in corpora.items()}
    nlp = build_pipeline()
    results: dict[str, dict[str, Tally]] = {}
    for label, floor in (("this version", None), ("guards off (baseline)", 0.0)):
        component = nlp.get_pipe("tcm_relations")
        saved = component.min_harm_confidence  # type: ignore[attr-defined]
        if floor is not None:
            component.min_harm_confidence = floor  # type: ignore[attr-defined]
        results[label] = {}
        context = guards_off() if floor is not None else _nothing()
        with context:
            for name, (documents, gold) in corpora.items():
                tally = Tally()
                score(nlp, documents, gold, tally, count_claims=name == "BioRED dev")
                results[label][name] = tally
        component.min_harm_confidence = saved  # type: ignore[attr-defined]
    for label, by_corpus in results.items():
        print(f"== {label}")
        for name, t in by_corpus.items():
            print(f"  {name}: {len(corpora[name][0])} documents (gold mentions)")
            print(f"    drug-induced pairs labelled treats : {_pct(t.harm_as_treats, t.harm_read)}")
            print(
                f"    drug-induced pairs read as causes  : {_pct(t.harm_as_causes, t.harm_pairs)}"
            )
            if t.protective_pairs:
                print(
                    "    protective pairs labelled causes   : "
                    f"{_pct(t.protective_as_causes, t.protective_read)}"
                )
                print(
                    "    protective pairs read as treats    : "
                    f"{_pct(t.protective_as_treats, t.protective_pairs)}"
                )
            if name == "BioRED dev":
                print(
                    f"    causes vs Positive_Correlation     : "
                    f"{_prf(t.harm_as_causes, t.causes_claims, t.harm_pairs)}"
                )
                print(
                    f"    treats vs Negative_Correlation     : "
                    f"{_prf(t.protective_as_treats, t.treats_claims, t.protective_pairs)}"
                )
    return 0


@contextmanager
def _nothing() -> Iterator[None]:
    yield


if __name__ == "__main__":
    raise SystemExit(main())
