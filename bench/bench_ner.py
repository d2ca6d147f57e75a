"""Benchmark: entities and relations, dictionary alone vs. dictionary plus trained recogniser.

Both pipelines run in the same process on the same documents (read with the project's PubTator
reader); the dictionary-only one (``tcm_ner`` off) is the baseline. Development data, never
trained on (``tcmkg train-ner`` was run with both files as ``--exclude``):

* **BC5CDR dev** (``bc5cdr_train_dev/CDR_DevelopmentSet.PubTator.txt``): every chemical and
  disease mention, not only those the vocabulary covers;
* **BioRED dev** (``training/biored_train_dev/Dev.PubTator``): chemical, disease and gene
  mentions; document-level relations.

Entities: precision, recall and F1 of exact spans with the right type (Compound/Drug =
chemical, Disease = disease, Target = gene), and of spans that overlap a gold one of the type.

Relations: each extracted mention takes the ids of the gold mentions of its type it overlaps,
so a mention the model found without an id is still scored by what it names. A relation not
negated gives a document-level pair. On BioRED, ``treats`` is scored against chemical–disease
``Negative_Correlation``, ``causes`` against ``Positive_Correlation``, and any relation between
a chemical and a gene against any BioRED chemical–gene relation. Relations are printed for
three pipelines: the dictionary alone, the dictionary and the trained recogniser with the cue
rules (the relation classifier, trial-result effects and the consistency step off), and the
whole pipeline (``tcmkg extract``'s default). Two error
rates, of the chemical–disease pairs given a ``treats`` or ``causes`` relation: BC5CDR dev
``CID`` pairs (drug-induced) labelled ``treats``, and BioRED dev ``Negative_Correlation`` pairs
(protective) labelled ``causes``. Neither dev file was used to train or to choose a threshold
of the relation classifier (``ingest/nlp/relation_weights/TRAINED.md``); the errors on BC5CDR dev
were read to choose the consistency step's rule (``ingest/nlp/consistency.py``), so these are
development figures.

``--model DIR`` (repeatable) adds a column per recogniser directory made by ``tcmkg train-ner``:
the same pipeline as "dictionary + NER" with that model in place of the shipped one, in the
same run, so a retrained candidate is compared on the same documents and the same load.

    .venv/bin/python bench/bench_ner.py [--limit N] [--model DIR ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest.document import Annotation, Document  # noqa: E402
from ingest.extract import Extraction, Extractor  # noqa: E402
from ingest.nlp.pipeline import make_doc, pipeline_version  # noqa: E402
from ingest.problems import ProblemLog  # noqa: E402
from ingest.readers import read_documents  # noqa: E402
from kg.model import EntityKind, Predicate  # noqa: E402

DATA = Path(os.environ.get("TCMKG_SHARED_DATA", REPO.parent / "shared" / "data"))
BC5CDR_DEV = DATA / "bc5cdr_train_dev" / "CDR_DevelopmentSet.PubTator.txt"
BIORED_DEV = DATA / "training" / "biored_train_dev" / "Dev.PubTator"
GOLD_TYPES = {
    "Chemical": "chemical",
    "ChemicalEntity": "chemical",
    "Disease": "disease",
    "DiseaseOrPhenotypicFeature": "disease",
    "GeneOrGeneProduct": "gene",
}
RELATION_MODEL = "tcm_relation_model"
KIND_TYPES = {
    EntityKind.COMPOUND: "chemical",
    EntityKind.DRUG: "chemical",
    EntityKind.DISEASE: "disease",
    EntityKind.TARGET: "gene",
}


def prf(tp: int, n_pred: int, n_gold: int) -> str:
    """``P … R … F1 …`` of counts."""
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"P {p:.3f} R {r:.3f} F1 {f:.3f}"


def gold_of(document: Document, types: set[str]) -> list[tuple[int, int, str, Annotation]]:
    """The document's gold mentions of the scored types."""
    out = []
    for a in document.annotations:
        kind = GOLD_TYPES.get(a.type)
        if kind in types:
            out.append((a.start, a.end, kind, a))
    return out


def relation_lines(path: Path) -> dict[str, list[tuple[str, str, str]]]:
    """BioRED relation lines by document: (type, id1, id2), ids without prefix."""
    out: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            cells = line.rstrip("\n").split("\t")
            if len(cells) >= 4 and not cells[1].isdigit() and "|" not in cells[0]:
                out[f"PMID:{cells[0]}"].append((cells[1], cells[2], cells[3]))
    return out


def _bare(curie: str) -> str:
    return curie.split(":", 1)[-1]


class Scores:
    """Counts of one pipeline on one corpus."""

    def __init__(self) -> None:
        self.exact: Counter[str] = Counter()
        self.overlap: Counter[str] = Counter()
        self.pred: Counter[str] = Counter()
        self.gold: Counter[str] = Counter()
        self.rel_pred: Counter[str] = Counter()
        self.rel_tp: Counter[str] = Counter()
        self.rel_gold: Counter[str] = Counter()
        # Chemical–disease pairs with a relation, and of those the ones read the wrong way.
        self.wrong_way: Counter[str] = Counter()
        self.read: Counter[str] = Counter()

    def entities(
        self,
        extraction: Extraction,
        gold: list[tuple[int, int, str, Annotation]],
        types: set[str],
    ) -> None:
        """Count the extraction's mentions of the scored ``types`` against the gold ones."""
        gold_exact = {(s, e, k) for s, e, k, _ in gold}
        for _, _, k, _ in gold:
            self.gold[k] += 1
        for m in extraction.mentions:
            kind = KIND_TYPES.get(m.kind)
            if kind not in types:
                continue
            self.pred[kind] += 1
            if (m.start, m.end, kind) in gold_exact:
                self.exact[kind] += 1
            if any(s < m.end and m.start < e and k == kind for s, e, k, _ in gold):
                self.overlap[kind] += 1

    def relations(
        self,
        extraction: Extraction,
        gold: list[tuple[int, int, str, Annotation]],
        lines: list[tuple[str, str, str]],
    ) -> None:
        """Document-level chemical–disease and chemical–gene pairs against the gold relations."""
        ids_of: list[set[str]] = []
        kinds: list[str | None] = []
        for m in extraction.mentions:
            kind = KIND_TYPES.get(m.kind)
            kinds.append(kind)
            ids_of.append(
                {
                    _bare(i)
                    for s, e, k, a in gold
                    if k == kind and s < m.end and m.start < e
                    for i in a.ids
                }
            )
        chem = {_bare(i) for *_, k, a in gold if k == "chemical" for i in a.ids}
        dis = {_bare(i) for *_, k, a in gold if k == "disease" for i in a.ids}
        gene = {_bare(i) for *_, k, a in gold if k == "gene" for i in a.ids}
        want: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for rtype, a, b in lines:
            for x, y in ((a, b), (b, a)):
                if x in chem and y in dis and rtype == "Negative_Correlation":
                    want["treats"].add((x, y))
                if x in chem and y in dis and rtype in ("Positive_Correlation", "CID"):
                    want["causes"].add((x, y))
                if x in chem and y in gene:
                    want["chemical-gene"].add((x, y))
        got: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for r in extraction.relations:
            if r.negated:
                continue
            s, o = r.subject, r.object
            pair_kinds = (kinds[s], kinds[o])
            if pair_kinds == ("chemical", "disease") and r.predicate in (
                Predicate.TREATS,
                Predicate.CAUSES,
            ):
                name = "treats" if r.predicate is Predicate.TREATS else "causes"
                got[name].update((x, y) for x in ids_of[s] for y in ids_of[o])
            elif set(pair_kinds) == {"chemical", "gene"}:
                c, g = (s, o) if kinds[s] == "chemical" else (o, s)
                got["chemical-gene"].update((x, y) for x in ids_of[c] for y in ids_of[g])
        for name in ("treats", "causes", "chemical-gene"):
            self.rel_gold[name] += len(want[name])
            self.rel_pred[name] += len(got[name])
            self.rel_tp[name] += len(got[name] & want[name])
        read = got["treats"] | got["causes"]
        # Drug-induced pairs read as treatment; protective pairs read as harm.
        self.read["causes"] += len(want["causes"] & read)
        self.wrong_way["causes"] += len(want["causes"] & got["treats"])
        self.read["treats"] += len(want["treats"] & read)
        self.wrong_way["treats"] += len(want["treats"] & got["causes"])


def _rate(wrong: int, read: int) -> str:
    return f"{100 * wrong / read:.1f} % ({wrong}/{read})" if read else "- (0/0)"


def with_recogniser(model: Path) -> Extractor:
    """The default extractor with the recogniser of ``model`` (a ``tcmkg train-ner`` output
    directory) in place of the shipped one."""
    extractor = Extractor()
    extractor.nlp.replace_pipe("tcm_ner", "tcm_ner", config={"model": str(model)})
    extractor.version = pipeline_version(extractor.nlp)
    return extractor


def main() -> None:
    """Run the pipelines on both corpora and print the figures side by side."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="documents per corpus (0: all)")
    parser.add_argument(
        "--model",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="another recogniser (tcmkg train-ner output) to compare in the same run; repeatable",
    )
    args = parser.parse_args()
    missing = [p for p in (BC5CDR_DEV, BIORED_DEV) if not p.exists()]
    if missing:
        sys.exit(f"third-party data not present: {', '.join(map(str, missing))}")
    not_models = [m for m in args.model if not (m / "config.cfg").is_file()]
    if not_models:
        sys.exit(f"no recogniser model (config.cfg) in: {', '.join(map(str, not_models))}")
    # The same two loaded pipelines give the three columns: the relation classifier is switched
    # off (select_pipes) for the dictionary alone and for the rules.
    dictionary, trained = Extractor(models=False), Extractor()
    pipelines: dict[str, tuple[Extractor, list[str]]] = {
        "dictionary only": (dictionary, ["tcm_consistency"]),
        "dictionary + NER": (trained, [RELATION_MODEL, "tcm_effect", "tcm_consistency"]),
        "whole pipeline": (trained, []),
    }
    # Each candidate recogniser runs as "dictionary + NER" does, so its entity figures compare
    # with that column's.
    # Named by their directory, or by their whole path when two directories share a name.
    unique = len({m.name for m in args.model}) == len(args.model)
    candidates = {
        f"NER {model.name if unique else model}": (
            with_recogniser(model),
            [RELATION_MODEL, "tcm_effect", "tcm_consistency"],
        )
        for model in args.model
    }
    pipelines.update(candidates)
    corpora = {
        "BC5CDR dev": (BC5CDR_DEV, {"chemical", "disease"}),
        "BioRED dev": (BIORED_DEV, {"chemical", "disease", "gene"}),
    }
    table: dict[str, dict[str, Scores]] = {}
    for corpus, (path, types) in corpora.items():
        documents = list(read_documents([path], "pubtator", ProblemLog()))
        if args.limit:
            documents = documents[: args.limit]
        lines = relation_lines(path)
        print(f"\n{corpus}: {len(documents)} documents ({path.name}; not trained on)")
        results: dict[str, Scores] = {}
        for name, (extractor, off) in pipelines.items():
            scores = Scores()
            started = time.perf_counter()
            with extractor.nlp.select_pipes(disable=off):
                for document in documents:
                    extraction = extractor.extract(document)
                    gold = gold_of(document, types)
                    scores.entities(extraction, gold, types)
                    scores.relations(extraction, gold, lines.get(document.id, []))
            results[name] = scores
            print(f"  {name}: {len(documents) / (time.perf_counter() - started):.0f} abstracts/s")
        table[corpus] = results
        # the relation model changes no entity: the whole pipeline's column is left out
        entity_columns = [(n, s) for n, s in results.items() if n != "whole pipeline"]
        for kind in sorted(types):
            print(f"  {kind}")
            for name, s in entity_columns:
                print(
                    f"    {name:22s} exact {prf(s.exact[kind], s.pred[kind], s.gold[kind])}"
                    f" | overlap {prf(s.overlap[kind], s.pred[kind], s.gold[kind])}"
                )
        print("  all types")
        for name, s in entity_columns:
            tp, n_pred, n_gold = (sum(c.values()) for c in (s.exact, s.pred, s.gold))
            print(f"    {name:22s} exact {prf(tp, n_pred, n_gold)}")
        print(f"  relation model: {relation_model_cost(trained, documents):.2f} ms per abstract")
    biored = table["BioRED dev"]
    print("\nRelations on BioRED dev (document-level pairs)")
    for rel in ("treats", "causes", "chemical-gene"):
        for name, s in biored.items():
            print(
                f"  {rel:14s} {name:18s} {prf(s.rel_tp[rel], s.rel_pred[rel], s.rel_gold[rel])}"
                f" ({s.rel_tp[rel]}/{s.rel_pred[rel]} of {s.rel_gold[rel]})"
            )
    print("\nRead the wrong way (of the chemical–disease pairs given treats or causes)")
    for name in pipelines:
        cdr, bio = table["BC5CDR dev"][name], table["BioRED dev"][name]
        drug_induced = _rate(cdr.wrong_way["causes"], cdr.read["causes"])
        protective = _rate(bio.wrong_way["treats"], bio.read["treats"])
        print(
            f"  {name:18s} BC5CDR CID labelled treats {drug_induced}"
            f" | BioRED Negative_Correlation labelled causes {protective}"
        )


def relation_model_cost(extractor: Extractor, documents: list[Document]) -> float:
    """Milliseconds per abstract the relation classifier alone takes (on the rules' output)."""
    nlp = extractor.nlp
    component = nlp.get_pipe(RELATION_MODEL)
    rest = nlp.pipe_names[nlp.pipe_names.index(RELATION_MODEL) :]
    spent = 0.0
    with nlp.select_pipes(disable=rest):
        for document in documents:
            doc = nlp(make_doc(nlp, document.text, (), len(document.title)))
            started = time.perf_counter()
            component(doc)
            spent += time.perf_counter() - started
    return 1000 * spent / max(1, len(documents))


if __name__ == "__main__":
    main()
