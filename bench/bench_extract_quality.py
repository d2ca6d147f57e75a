"""Benchmark: extraction quality on data the project did not write.

1. **BC5CDR development set** (``../shared/data/bc5cdr_train_dev``, read with the project's
   PubTator reader): mention precision / recall / F1 for chemicals (our Compound and Drug) and
   diseases (our Disease; our Outcome type — blood pressure, mortality, HbA1c — holds outcome
   measures, which BC5CDR does not annotate), exact offsets and type,

   * overall, against every gold mention;
   * restricted to what the vocabulary covers: gold mentions whose MeSH id the vocabulary
     knows, and predicted mentions that carry a MeSH id;

   and the **drug-induced check**: over the dev set's CID pairs (chemical induces disease),
   the extracted relations between that chemical and that disease, and the share of them
   labelled ``treats`` (target: under 5 %). The CID lines are read here directly, as the
   project's reader keeps only mentions.

   Each figure is given twice: with the seed vocabulary alone, and with the seed vocabulary
   plus a dictionary built, in this run and in memory, from the BC5CDR *training* set's
   mention annotations (name → MeSH id) — never from the dev set it is scored on.

2. **Hand-annotated real abstracts** (text from ``../shared/data/dfi_pubmed_abstracts``):
   herb mention P/R/F1 (exact and overlapping offsets) and document-level herb relation
   P/R/F1, printed separately for set 1 (``tests/ingest/annotations/dfi_herbs.tsv``, 56
   abstracts, looked at while the extractor was tuned) and set 2 (``dfi_herbs_set2.tsv``, 40
   abstracts drawn by a fixed rule and annotated before the extractor was run on them; not used
   for tuning).

    .venv/bin/python bench/bench_extract_quality.py
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the annotation loader lives with the tests

from ingest.document import Document  # noqa: E402
from ingest.extract import Extraction, Extractor  # noqa: E402
from ingest.nlp.matcher import Term  # noqa: E402
from ingest.problems import ProblemLog  # noqa: E402
from ingest.readers import read_documents  # noqa: E402
from ingest.vocabulary import Vocabulary, load_seed  # noqa: E402
from kg.model import EntityKind, Predicate  # noqa: E402
from tests.ingest.annotations.dfi_gold import (  # noqa: E402
    SETS,
    Score,
    load_gold,
    score_relations,
    score_spans,
)

DATA = Path(os.environ.get("TCMKG_SHARED_DATA", REPO.parent / "shared" / "data"))
CHEMICAL = {EntityKind.COMPOUND, EntityKind.DRUG}
DISEASE = {EntityKind.DISEASE}
_CID = re.compile(r"^(\d+)\tCID\t(\S+)\t(\S+)\s*$")


def mesh_ids(vocabulary: Vocabulary) -> dict[str, set[str]]:
    """MeSH CURIEs of every vocabulary entity (its id, or its cross-references)."""
    out: dict[str, set[str]] = {}
    for entity in vocabulary.entities.values():
        ids = {i for i in (entity.id, *entity.xrefs) if i.startswith("MESH:")}
        if ids:
            out[entity.id] = ids
    return out


def training_terms(path: Path) -> Iterator[Term]:
    """Dictionary entries (name → MeSH id) from the BC5CDR training set's mentions."""
    for document in read_documents([path], "pubtator", ProblemLog()):
        for a in document.annotations:
            if len(a.text) < 3 or not a.ids:
                continue
            kind = EntityKind.DRUG if a.type == "Chemical" else EntityKind.DISEASE
            for curie in a.ids:
                yield Term(a.text, curie, kind, case_sensitive=a.text.isupper())


def cid_pairs(path: Path) -> dict[str, set[tuple[str, str]]]:
    """Chemical-induces-disease pairs per document, as MESH CURIEs."""
    pairs: dict[str, set[tuple[str, str]]] = defaultdict(set)
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            match = _CID.match(line)
            if match:
                pmid, chem, dis = match.groups()
                pairs[f"PMID:{pmid}"].add((f"MESH:{chem}", f"MESH:{dis}"))
    return pairs


def mention_mesh(
    extraction: Extraction, index: int, document: Document, vocab_mesh: dict[str, set[str]]
) -> set[str]:
    """MeSH ids of a mention: its entity's, plus the gold id of a gold mention it overlaps."""
    m = extraction.mentions[index]
    ids: set[str] = set()
    for curie in m.curies:
        ids |= vocab_mesh.get(curie, {curie} if curie.startswith("MESH:") else set())
    for a in document.annotations:
        if a.start < m.end and m.start < a.end:
            ids |= set(a.ids)
    return ids


def evaluate_bc5cdr(
    documents: list[Document],
    extractor: Extractor,
    vocab_mesh: dict[str, set[str]],
    covered: set[str],
    pairs: dict[str, set[tuple[str, str]]],
) -> None:
    """Print mention scores and the drug-induced check for one extractor."""
    gold: dict[str, dict[str, set[tuple[int, int]]]] = {"Chemical": {}, "Disease": {}}
    gold_covered: dict[str, dict[str, set[tuple[int, int]]]] = {"Chemical": {}, "Disease": {}}
    pred: dict[str, dict[str, set[tuple[int, int]]]] = {"Chemical": {}, "Disease": {}}
    pred_covered: dict[str, dict[str, set[tuple[int, int]]]] = {"Chemical": {}, "Disease": {}}
    induced: Counter[str] = Counter()
    for document in documents:
        ex = extractor.extract(document)
        for a in document.annotations:
            if a.type in gold:
                gold[a.type].setdefault(document.id, set()).add((a.start, a.end))
                if covered & set(a.ids):
                    gold_covered[a.type].setdefault(document.id, set()).add((a.start, a.end))
        for m in ex.mentions:
            kind = "Chemical" if m.kind in CHEMICAL else "Disease" if m.kind in DISEASE else None
            if kind is None:
                continue
            pred[kind].setdefault(document.id, set()).add((m.start, m.end))
            if any(vocab_mesh.get(c) or c.startswith("MESH:") for c in m.curies):
                pred_covered[kind].setdefault(document.id, set()).add((m.start, m.end))
        doc_pairs = pairs.get(document.id, set())
        for r in ex.relations:
            s_ids = mention_mesh(ex, r.subject, document, vocab_mesh)
            o_ids = mention_mesh(ex, r.object, document, vocab_mesh)
            if any((c, d) in doc_pairs for c in s_ids for d in o_ids):
                induced[r.predicate.value] += 1
    for kind in ("Chemical", "Disease"):
        print(f"  {kind:9s} overall    {score_spans(gold[kind], pred[kind])}")
        print(f"  {kind:9s} vocabulary {score_spans(gold_covered[kind], pred_covered[kind])}")
    total = sum(induced.values())
    treats = induced[Predicate.TREATS.value]
    share = treats / total if total else 0.0
    print(
        f"  drug-induced (CID) pairs: {total} extracted relations, {treats} labelled treats "
        f"= {100 * share:.1f} % (target < 5 %); by predicate: {dict(induced.most_common())}"
    )


# A plant the vocabulary holds is a Herb mention; one it does not is an Organism mention
# (a binomial the species recogniser found). The gold marks both as herbs (medicinal plants by
# name), so the figures are printed for Herb mentions alone and for Herb or Organism mentions.
HERB_KINDS = frozenset({EntityKind.HERB})
PLANT_KINDS = frozenset({EntityKind.HERB, EntityKind.ORGANISM})


def herb_scores(
    extractor: Extractor,
    annotations: Path,
    *,
    errors: bool = False,
    kinds: frozenset[EntityKind] = HERB_KINDS,
) -> tuple[Score, Score, Score, int]:
    """Herb mention (exact, overlap) and herb relation scores on one set of hand annotations,
    counting mentions of ``kinds``; ``errors`` prints each missed (``-``) and spurious (``+``)
    exact mention."""
    gold = load_gold(DATA / "dfi_pubmed_abstracts" / "dfi_pubmed_abstracts.tsv", annotations)
    pred: dict[str, list[tuple[int, int]]] = {}
    rels: dict[str, list[tuple[str, str, str]]] = {}
    for doc_id, entry in gold.items():
        ex = extractor.extract(entry.document)
        pred[doc_id] = [(m.start, m.end) for m in ex.mentions if m.kind in kinds]
        rels[doc_id] = [
            (ex.mentions[r.subject].text, r.predicate.value, ex.mentions[r.object].text)
            for r in ex.relations
            if ex.mentions[r.subject].kind in kinds
        ]
        if errors:
            text = entry.document.text
            for sign, spans in (
                ("-", set(entry.herbs) - set(pred[doc_id])),
                ("+", set(pred[doc_id]) - set(entry.herbs)),
            ):
                for start, end in sorted(spans):
                    print(f"    {sign} {doc_id} [{start}:{end}] {text[start:end]!r}")
    herbs = {k: v.herbs for k, v in gold.items()}
    return (
        score_spans(herbs, pred),
        score_spans(herbs, pred, overlap=True),
        score_relations({k: v.relations for k, v in gold.items()}, rels),
        len(gold),
    )


def main(argv: Iterable[str] | None = None) -> None:
    """Run both evaluations and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--herbs-only", action="store_true", help="only the hand-annotated DFI abstracts"
    )
    parser.add_argument(
        "--errors", action="store_true", help="list the missed and spurious herb mentions"
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.herbs_only:
        herb_report(Extractor(), errors=args.errors)
        return
    bc5 = DATA / "bc5cdr_train_dev"
    if not bc5.exists():
        sys.exit(f"third-party data not present: {bc5}")
    vocabulary = load_seed()
    vocab_mesh = mesh_ids(vocabulary)
    covered = set().union(*vocab_mesh.values())
    dev_path = bc5 / "CDR_DevelopmentSet.PubTator.txt"
    dev = list(read_documents([dev_path], "pubtator", ProblemLog()))
    pairs = cid_pairs(dev_path)
    print(f"BC5CDR development set: {len(dev)} documents, {sum(map(len, pairs.values()))} CID")
    print(f"seed vocabulary: {len(vocabulary)} entities, {len(covered)} MeSH ids")
    seed = Extractor()
    print("- seed vocabulary")
    evaluate_bc5cdr(dev, seed, vocab_mesh, covered, pairs)
    train = list(training_terms(bc5 / "CDR_TrainingSet.PubTator.txt"))
    print(f"- seed vocabulary + {len({t.name.lower() for t in train})} names from the training set")
    with_train = Extractor([*vocabulary.surface_names(), *train])
    evaluate_bc5cdr(dev, with_train, vocab_mesh, covered | {t.curie for t in train}, pairs)
    herb_report(seed, errors=args.errors)


def herb_report(extractor: Extractor, *, errors: bool = False) -> None:
    """Print the herb figures of each annotated set, the held-out set apart from the tuned one."""
    corpus = DATA / "dfi_pubmed_abstracts" / "dfi_pubmed_abstracts.tsv"
    if not corpus.exists():
        sys.exit(f"third-party data not present: {corpus}")
    for name, gold_file in SETS.items():
        use = "used for tuning" if name == "set 1" else "not used for tuning"
        print(f"hand-annotated real abstracts, {name} ({gold_file.name}, {use}):")
        exact, overlap, relations, n = herb_scores(extractor, gold_file, errors=errors)
        print(f"  abstracts        {n}")
        print(f"  herbs exact      {exact}")
        print(f"  herbs overlap    {overlap}")
        print(f"  herb relations   {relations}")
        exact, overlap, relations, n = herb_scores(extractor, gold_file, kinds=PLANT_KINDS)
        print(f"  herb or organism mentions: exact {exact}")
        print(f"  herb or organism mentions: overlap {overlap}")
        print(f"  herb or organism relations {relations}")


if __name__ == "__main__":
    main()
