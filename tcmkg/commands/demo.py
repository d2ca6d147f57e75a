"""``tcmkg demo``: the main job on bundled illustrative data, end to end, in a fresh store.

It loads the ontology, the seed vocabulary (herbs, formulas with their composition, compounds,
targets, diseases …) and the small illustrative graph (:mod:`kg.illustrative`), imports the
illustrative hospital preparation catalogue (``ingest/examples/preparations_catalogue.csv``:
invented hospital, names and approval numbers), ingests the bundled illustrative corpus
(``ingest/examples/``: abstracts written by the project, not real studies) through the same
extraction pipeline as ``tcmkg ingest`` — so abstracts naming a catalogue preparation give it
evidence — validates the store against the SHACL shapes, prints what it holds, ranks
candidates for the example indication, explains the top row, ranks the preparations on their
own, and says how to serve or query the result.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Annotated

import typer
from pyoxigraph import Literal, NamedNode, RdfFormat
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

import ingest as ingest_package
import ontologies
from ingest.importers.preparations import EXAMPLE_CATALOGUE, example_graphs, import_preparations
from ingest.pipeline import ingest
from ingest.problems import ProblemLog
from ingest.readers import read_documents
from ingest.vocabulary import load_seed
from ingest.vocabulary.store_terms import ingest_vocabulary
from ingest.vocabulary.tcm_theory import TcmTheory, concept_quads, table_graphs
from kg import iri
from kg.illustrative import VOCABULARY_SOURCE, illustrative_bundles, illustrative_entities
from kg.model import Claim, Entity, EntityKind, RecordBundle, RecordKind, SourceRecord
from kg.settings import user_data_dir
from kg.store import GraphStore
from kg.terms import ENTITY_CLASS
from kg.validate import validate_store
from kg.writer import bundle_quads, vocabulary_quads
from queries.config import ScoringConfig
from queries.explain import explain_in_context
from queries.rank import CandidateKind, prepare, rank_in_context
from tcmkg.commands.rank import print_explanation, rank_table
from tcmkg.commands.validate import DEFAULT_SHOWN, print_report
from tcmkg.console import EXIT_INVALID, StoreOption, console, fail, opened_store

# Constant queries with no user input; the class to count is bound as a VALUES parameter.
COUNT_BY_CLASS = """
SELECT ?cls (COUNT(DISTINCT ?node) AS ?n) WHERE { ?node a ?cls } GROUP BY ?cls
"""


CORPUS_FILE = (
    Path(ingest_package.__file__).resolve().parent / "examples" / "illustrative_corpus.tsv"
)
SEED_SOURCE = "seed"
EXAMPLE_INDICATION = "diabetic nephropathy"


@cache
def seed_bundles() -> tuple[RecordBundle, ...]:
    """The seed vocabulary's own claims (formula compositions …), one bundle per seed table."""
    by_source: dict[str, list[Claim]] = {}
    for claim in load_seed().claims:
        for item in claim.evidence:
            by_source.setdefault(item.source, []).append(
                Claim(claim.subject, claim.predicate, claim.object, (item,))
            )
    return tuple(
        RecordBundle(SourceRecord(source, RecordKind.TABLE, title=f"tcmkg {source}"), (), tuple(c))
        for source, c in sorted(by_source.items())
    )


@cache
def seed_theory() -> TcmTheory:
    """The seed's TCM theory: syndromes, action categories and their curated claims."""
    return load_seed().theory or TcmTheory()


@cache
def corpus_record_ids() -> tuple[str, ...]:
    """Ids of the bundled corpus' documents, as the table reader mints them."""
    return tuple(d.id for d in read_documents([CORPUS_FILE], "tsv", ProblemLog()))


def default_demo_location() -> str:
    """The demo's own store, beside (never inside) the user's main store."""
    return f"oxigraph:{user_data_dir() / 'demo'}"


def demo_graphs() -> set[str]:
    """Named graphs the demo writes; anything else in a store belongs to someone else."""
    graphs = {
        iri.ONTOLOGY_GRAPH,
        iri.vocabulary_graph(VOCABULARY_SOURCE),
        iri.vocabulary_graph(SEED_SOURCE),
    }
    graphs.update(iri.graph_iri(b.record.id) for b in seed_bundles())
    graphs.update(graph for graph, _ in table_graphs(seed_theory()))
    graphs.update(iri.graph_iri(b.record.id) for b in illustrative_bundles())
    graphs.update(iri.graph_iri(r) for r in corpus_record_ids())
    graphs.update(example_graphs())  # the illustrative hospital catalogue
    return graphs


def _load_catalogue(store: GraphStore) -> None:
    """Import the illustrative hospital preparation catalogue and say what it holds."""
    report = import_preparations(EXAMPLE_CATALOGUE, store, load_seed())
    console.print(
        f"illustrative hospital catalogue: {report.entities} preparations, {report.claims} "
        f"composition and indication edges ({EXAMPLE_CATALOGUE.name})",
        highlight=False,
    )


def _second_to(seed: Entity | None, entity: Entity) -> Entity:
    """``entity`` with its preferred labels demoted where ``seed`` prefers one in that language."""
    if seed is None:
        return entity
    taken = {label.lang for label in seed.labels if label.preferred}
    labels = tuple(
        replace(label, preferred=False) if label.preferred and label.lang in taken else label
        for label in entity.labels
    )
    return replace(entity, labels=labels)


def load_demo(store: GraphStore) -> None:
    """Write the ontology, the seed and illustrative vocabularies and the illustrative graph.

    One transaction per graph.
    """
    bundles = illustrative_bundles()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("loading illustrative graph", total=len(bundles) + 2)
        store.load(ontologies.ontology_bytes(), RdfFormat.TURTLE, graph=iri.ONTOLOGY_GRAPH)
        progress.advance(task)
        # For entities the seed vocabulary describes, its preferred names stay the preferred
        # ones: a second preferred label in one language would make SHACL warn.
        seeded = load_seed().entities
        concepts = seed_theory().concepts.values()
        store.replace_graph(
            iri.vocabulary_graph(SEED_SOURCE),
            list(vocabulary_quads(seeded.values(), SEED_SOURCE))
            + list(concept_quads(concepts, iri.vocabulary_graph(SEED_SOURCE))),
        )
        own = [_second_to(seeded.get(e.id), e) for e in illustrative_entities()]
        vocabulary = list(vocabulary_quads(own, VOCABULARY_SOURCE))
        store.replace_graph(iri.vocabulary_graph(VOCABULARY_SOURCE), vocabulary)
        progress.advance(task)
        for bundle in bundles:
            store.replace_graph(iri.graph_iri(bundle.record.id), bundle_quads(bundle))
            progress.advance(task)


def load_corpus(store: GraphStore) -> None:
    """Write the seed tables and ingest the bundled illustrative corpus into ``store``.

    Run after :func:`load_demo`, which writes the vocabularies the corpus is matched against.
    """
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        # The seed vocabulary graph itself is written by load_demo, with the illustrative one.
        for bundle in seed_bundles():
            store.replace_graph(iri.graph_iri(bundle.record.id), bundle_quads(bundle))
        for graph, quads in table_graphs(seed_theory()):
            store.replace_graph(graph, quads)
        task = progress.add_task(
            "ingesting the illustrative corpus", total=len(corpus_record_ids())
        )
        # Seed names and the names already in the store (the illustrative catalogue's
        # preparations, when it was imported first), as `tcmkg ingest` matches them.
        vocabulary = ingest_vocabulary(store)
        problems = ProblemLog()
        ingest(
            read_documents([CORPUS_FILE], "tsv", problems),
            store,
            problems,
            entities=vocabulary.entities,
            terms=vocabulary.terms,
            on_document=lambda _doc: progress.advance(task),
        )
    for problem in problems:
        console.print(f"[yellow]{problem}[/]", highlight=False)


def show_ranking(store: GraphStore) -> None:
    """Rank candidates for the example indication, explain the top row, then rank the
    hospital preparations on their own (when any is ranked)."""
    ctx = prepare(store, EXAMPLE_INDICATION, ScoringConfig())
    rows = rank_in_context(ctx, CandidateKind.TCM, top=10)
    console.print(rank_table(rows, EXAMPLE_INDICATION))
    if rows:
        console.print(f"\n[bold]Why {rows[0].candidate.label} comes first[/]")
        print_explanation(explain_in_context(ctx, rows[0].candidate))
    preparations = rank_in_context(ctx, CandidateKind.PREPARATION, top=5)
    if preparations:
        table = rank_table(preparations, EXAMPLE_INDICATION)
        table.title = f"Hospital preparations for {EXAMPLE_INDICATION!r} (illustrative catalogue)"
        console.print(table)


def count_by_class(store: GraphStore, classes: list[str]) -> dict[str, int]:
    """Distinct nodes typed with each class (0 for a class with none)."""
    result = store.select(COUNT_BY_CLASS, {"cls": [NamedNode(c) for c in classes]})
    counts = dict.fromkeys(classes, 0)
    for row in result.dicts():
        cls, n = row.get("cls"), row.get("n")
        if isinstance(cls, NamedNode) and isinstance(n, Literal):
            counts[cls.value] = int(n.value)
    return counts


def print_statistics(store: GraphStore) -> None:
    """Quads, graphs, entities by kind, claims and evidence items in the store."""
    kinds = {kind: ENTITY_CLASS[kind][0] for kind in EntityKind}
    extra = [iri.term("Claim"), iri.term("EvidenceItem")]
    counts = count_by_class(store, [*kinds.values(), *extra])
    table = Table(title=f"illustrative graph in {store.location}", title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("quads", f"{store.count():,}")
    table.add_row("named graphs", f"{len(store.named_graphs()):,}")
    for kind, cls in kinds.items():
        table.add_row(f"  {kind.value}", f"{counts[cls]:,}")
    table.add_row("claims", f"{counts[extra[0]]:,}")
    table.add_row("evidence items", f"{counts[extra[1]]:,}")
    console.print(table)


def demo(
    store: StoreOption = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Empty the --store even if it holds graphs the demo did not write."
        ),
    ] = False,
    preparations: Annotated[
        bool,
        typer.Option(
            "--preparations/--no-preparations",
            help="Import the illustrative hospital preparation catalogue (before the corpus, "
            "so that abstracts naming its preparations give them evidence).",
        ),
    ] = True,
) -> None:
    """Build the bundled illustrative data in a fresh store, validate it, rank and explain."""
    started = time.perf_counter()
    location = store or default_demo_location()
    if store is None:
        # The default demo store is the demo's own: start it afresh each run.
        shutil.rmtree(user_data_dir() / "demo", ignore_errors=True)
    with opened_store(location) as st:
        foreign = sorted(set(st.named_graphs()) - demo_graphs())
        if foreign and not force:
            fail(
                f"{st.location} holds {len(foreign):,} graph(s) the demo did not write "
                f"(e.g. {foreign[0]}); the demo empties its store: choose an empty store or "
                "pass --force"
            )
        st.update("CLEAR ALL")
        console.print(
            "[bold]tcmkg demo[/] — ILLUSTRATIVE data written by the project (no real studies)",
            highlight=False,
        )
        load_demo(st)
        if preparations:
            _load_catalogue(st)
        load_corpus(st)
        report = validate_store(st)
        # Violations are shown in full; warnings (e.g. the illustrative and the seed vocabulary
        # both giving an English preferred name) only as a count, so the ranking stays in view.
        print_report(report, console, shown=len(report.violations) and DEFAULT_SHOWN)
        print_statistics(st)
        show_ranking(st)
        where = st.location
    console.print(f"done in {time.perf_counter() - started:.1f} s.", highlight=False)
    if where.startswith("memory:"):
        console.print(
            "(a memory: store ends with the command; use --store oxigraph:PATH to keep it)"
        )
    lines = [
        f'tcmkg rank "{EXAMPLE_INDICATION}" --store {where} --format json',
        f'tcmkg explain "Liu Wei Di Huang Wan" "{EXAMPLE_INDICATION}" --store {where}',
        f'tcmkg rank "{EXAMPLE_INDICATION}" --kind preparation --store {where}',
        f"tcmkg serve --store {where}    (REST API at /docs, SPARQL 1.1 at /sparql)",
        f"tcmkg query --store {where} queries/rq/candidate_evidence_counts.rq",
        f"tcmkg validate --store {where}",
        f"tcmkg stats --store {where}",
        "tcmkg --help    (every command)",
    ]
    console.print("Try next (the data above are illustrative, not real studies):")
    for line in lines:
        console.print(f"  {line}", highlight=False, markup=False)
    if not report.conforms:
        raise typer.Exit(EXIT_INVALID)


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the CLI."""
    app.command()(demo)
