"""Harm review: every herb ``causes`` claim and every safety flag a ranking can show, on the
2,267 DFI abstracts (``../shared/data/dfi_pubmed_abstracts``), listed for a person to read.

The abstracts are ingested with ``tcmkg ingest`` (seed vocabulary, default pipeline) into a
temporary on-disk store; the store-wide harm projection that the ranking reads its safety flags
from (:func:`queries.mechanism.build_layer`) is then built from it, as ``tcmkg rank`` does.
Printed, one entry per claim and abstract (the claim, the PMID, each evidence sentence of that
abstract), since a verdict is about what the abstract says:

1. every ``causes`` claim whose subject is a Herb, Formula or HospitalPreparation, whatever
   its belief;
2. every harm claim (``causes`` → toxicity, ``contraindicated_in`` → contraindication,
   ``interacts_with`` → interaction) of such a subject with a belief above 0: exactly the claims
   :func:`queries.rank.safety_flags` turns into a flag on that candidate's row (a herb's also,
   at a discounted share, on the rows of the formulas and preparations that hold it), for
   every indication;

then the counts. Each entry has a stable key ``PMID subject predicate object`` (CURIEs). When
``bench/harm_review.md`` holds a verdict table (``| `key` | verdict | … |``), each line shows the
verdict given there, or ``NEW`` for an entry that was not reviewed, and the summary counts
real harms among the reviewed entries still listed (and lists reviewed ones no longer
extracted), so a re-run after a pipeline change needs reading only the new entries.

    nice .venv/bin/python bench/bench_harm_review.py [--store DIR] [--review FILE]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kg.model import EntityKind, Predicate  # noqa: E402
from kg.store import GraphStore, open_store  # noqa: E402
from queries.config import load_config  # noqa: E402
from queries.evidence import fetch_evidence, with_sentences  # noqa: E402
from queries.mechanism import build_layer  # noqa: E402
from queries.rank import SAFETY_KIND  # noqa: E402
from queries.scoring import HARM_PREDICATES, Evidence  # noqa: E402

DATA = Path(os.environ.get("TCMKG_SHARED_DATA", REPO.parent / "shared" / "data"))
CORPUS = DATA / "dfi_pubmed_abstracts" / "dfi_pubmed_abstracts.tsv"
REVIEW = Path(__file__).with_name("harm_review.md")
# The candidates a ranking flags: herbs, formulas and hospital preparations (DESIGN §6).
FLAGGED_KINDS = {
    EntityKind.HERB.value,
    EntityKind.FORMULA.value,
    EntityKind.HOSPITAL_PREPARATION.value,
}
# A verdict row: | `key` | real / misread / negated | … (negated: the claim is stored as "did
# not cause", raises no flag, and is counted apart from the share of real harms).
_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*(real|misread|negated)\s*\|", re.IGNORECASE)


@dataclass(frozen=True)
class Item:
    """One harm claim as one abstract supports it: the unit a verdict is given to."""

    key: str  # "PMID subject predicate object" (CURIEs)
    source: str
    subject: str
    subject_label: str
    predicate: str
    object: str
    object_label: str
    belief: float  # the claim's belief over all abstracts (what a flag shows); 0 raises none
    sentences: tuple[str, ...]  # the abstract's evidence sentences for the claim
    negated: int  # how many of them the pipeline read as negated

    def lines(self, verdict: str) -> str:
        """The plain lines of the item: verdict, key, labels, belief and each sentence."""
        kind = SAFETY_KIND.get(Predicate(self.predicate), self.predicate)
        head = (
            f"[{verdict:7s}] {self.key}\n"
            f"          {self.subject_label} --{self.predicate}--> {self.object_label} "
            f"({kind}, belief {self.belief:.2f}"
            + (f", {self.negated} negated" if self.negated else "")
            + ")"
        )
        return "\n".join([head, *(f"          > {s}" for s in self.sentences)])


def read_verdicts(path: Path) -> dict[str, str]:
    """Verdicts by entry key from a review file's table rows (`` | `key` | verdict | … ``)."""
    if not path.exists():
        return {}
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            out[match.group(1).strip()] = match.group(2).lower()
    return out


def ingest(corpus: Path, store: Path) -> None:
    """Ingest the corpus into an on-disk store with the project's own command."""
    command = [sys.executable, "-m", "tcmkg", "ingest", "--store", f"oxigraph:{store}"]
    command += ["--problems", str(store.parent / "ingest-problems.jsonl"), str(corpus)]
    print("running:", " ".join(command), flush=True)
    subprocess.run(command, check=True)


def harm_items(store: GraphStore) -> tuple[list[Item], list[Item]]:
    """The ``causes`` items of herb/formula/preparation subjects, and their flag-raising items."""
    layer = build_layer(store, load_config())
    entities = layer.entities
    beliefs: dict[tuple[str, str, str], float] = {}
    for subject, harms in layer.harms.items():
        for predicate, obj, belief in harms:
            beliefs[(subject, predicate.value, obj)] = belief.belief
    found = [
        e
        for e in fetch_evidence(store, sorted(HARM_PREDICATES))
        if entities.get(e.subject, ("", ""))[0] in FLAGGED_KINDS
    ]
    grouped: dict[str, list[Evidence]] = defaultdict(list)
    for e in with_sentences(store, found):
        grouped[f"{e.source} {e.subject} {e.predicate.value} {e.object}"].append(e)
    items = [_item(key, group, entities, beliefs) for key, group in grouped.items()]
    items.sort(key=lambda i: (i.subject_label.lower(), i.predicate, i.object_label.lower(), i.key))
    causes = [i for i in items if i.predicate == Predicate.CAUSES.value]
    flagged = [i for i in items if i.belief > 0.0]
    return causes, flagged


def _item(
    key: str,
    group: list[Evidence],
    entities: dict[str, tuple[str, str]],
    beliefs: dict[tuple[str, str, str], float],
) -> Item:
    e = group[0]
    predicate = e.predicate.value
    sentences = dict.fromkeys(" ".join((g.sentence or "(no sentence)").split()) for g in group)
    return Item(
        key=key,
        source=e.source,
        subject=e.subject,
        subject_label=entities.get(e.subject, ("", e.subject))[1],
        predicate=predicate,
        object=e.object,
        object_label=entities.get(e.object, ("", e.object))[1],
        belief=beliefs.get((e.subject, predicate, e.object), 0.0),
        sentences=tuple(sorted(sentences)),
        negated=sum(1 for g in group if g.negated),
    )


def report(title: str, items: Iterable[Item], verdicts: dict[str, str]) -> Counter[str]:
    """Print one list of items with their verdicts; return the verdict counts."""
    counts: Counter[str] = Counter()
    listed = list(items)
    print(f"\n{title}: {len(listed)} claims × abstracts")
    for item in listed:
        verdict = verdicts.get(item.key, "NEW")
        counts[verdict] += 1
        print(item.lines(verdict))
    return counts


def summary(title: str, counts: Counter[str]) -> None:
    """One line: reviewed items, real harms and their share, new items."""
    reviewed = counts["real"] + counts["misread"]
    share = f"{100 * counts['real'] / reviewed:.1f} %" if reviewed else "n/a"
    print(
        f"{title}: {sum(counts.values())} entries; real {counts['real']}, misread "
        f"{counts['misread']} (real share {share}), negated {counts['negated']}; "
        f"new since the review {counts['NEW']}"
    )


def main(argv: Iterable[str] | None = None) -> None:
    """Ingest (unless the store exists), list the items and print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument(
        "--store",
        type=Path,
        help="on-disk store folder: ingested into when absent, reused as it is when present "
        "(default: a temporary folder, removed at the end)",
    )
    parser.add_argument("--review", type=Path, default=REVIEW, help="verdict table to match")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not args.corpus.exists():
        sys.exit(f"third-party data not present: {args.corpus}")
    verdicts = read_verdicts(args.review)
    print(f"verdicts read from {args.review}: {len(verdicts)}")
    with tempfile.TemporaryDirectory(prefix="harm-review-") as scratch:
        path = args.store or Path(scratch) / "store"
        if path.exists():
            print(f"reusing the store at {path} (not ingested again)")
        else:
            ingest(args.corpus, path)
        store = open_store(f"oxigraph:{path}", must_exist=True, read_only=True)
        try:
            causes, flagged = harm_items(store)
        finally:
            store.close()
    subjects = "Herb/Formula/HospitalPreparation"
    c1 = report(f"(1) causes claims of a {subjects}", causes, verdicts)
    c2 = report(
        f"(2) harm claims that raise a safety flag (belief > 0) on a {subjects}", flagged, verdicts
    )
    both = {i.key: i for i in [*causes, *flagged]}
    c_all: Counter[str] = Counter(verdicts.get(k, "NEW") for k in both)
    print()
    summary("(1) causes", c1)
    summary("(2) safety flags", c2)
    summary("(1)+(2) distinct", c_all)
    gone = sorted(set(verdicts) - set(both))
    if gone:
        print(f"reviewed items no longer extracted: {len(gone)}")
        for key in gone:
            print(f"  [{verdicts[key]}] {key}")


if __name__ == "__main__":
    main()
