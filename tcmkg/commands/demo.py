"""``tcmkg demo``: the main job on bundled illustrative data, end to end, in a fresh store.

It loads the ontology, the seed vocabulary (herbs, formulas with their composition, compounds,
targets, diseases …) and the small illustrative graph, imports the illustrative hospital
preparation catalogue (invented hospital, names and approval numbers), ingests the bundled
illustrative corpus (abstracts written by the project, not real studies) through the same
extraction pipeline as ``tcmkg ingest`` — so abstracts naming a catalogue preparation give it
evidence — validates the store against the SHACL shapes, prints what it holds, ranks
candidates for the example indication, explains the top row, ranks the preparations on their
own, and says how to serve or query the result. The data and the loading live in
:mod:`ingest.examples`; this module only drives them and prints.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
from rich.table import Table

from ingest.examples import EXAMPLE_CATALOGUE
from ingest.examples.demo import (
    EXAMPLE_INDICATION,
    EXAMPLE_SYNDROME,
    corpus_record_ids,
    count_by_class,
    demo_graphs,
    demo_steps,
    load_catalogue,
    load_corpus,
    load_demo,
)
from kg import iri
from kg.model import EntityKind
from kg.settings import user_data_dir
from kg.store import GraphStore
from kg.terms import ENTITY_CLASS
from kg.validate import validate_store
from queries.config import ScoringConfig
from queries.explain import explain_in_context
from queries.rank import CandidateKind, prepare, rank_in_context
from tcmkg.console import (
    EXIT_INVALID,
    StoreOption,
    WaitOption,
    console,
    fail,
    opened_store,
    progress_display,
)
from tcmkg.views import (
    DEFAULT_SHOWN,
    print_explanation,
    print_report,
    print_syndrome_note,
    rank_table,
)

_COLUMNS = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())


def default_demo_location() -> str:
    """The demo's own store, beside (never inside) the user's main store."""
    return f"oxigraph:{user_data_dir() / 'demo'}"


def _load_demo(store: GraphStore) -> None:
    with progress_display(*_COLUMNS) as progress:
        task = progress.add_task("loading illustrative graph", total=demo_steps())
        load_demo(store, on_step=lambda: progress.advance(task))


def _load_catalogue(store: GraphStore) -> None:
    """Import the illustrative hospital preparation catalogue and say what it holds."""
    report = load_catalogue(store)
    console.print(
        f"illustrative hospital catalogue: {report.entities} preparations, {report.claims} "
        f"composition and indication edges ({EXAMPLE_CATALOGUE.name})",
        highlight=False,
    )


def _load_corpus(store: GraphStore) -> None:
    with progress_display(*_COLUMNS) as progress:
        task = progress.add_task(
            "ingesting the illustrative corpus", total=len(corpus_record_ids())
        )
        problems = load_corpus(store, on_document=lambda _doc: progress.advance(task))
    for problem in problems:
        console.print(f"[yellow]{escape(str(problem))}[/]", highlight=False)


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
    show_syndrome_ranking(store)


def show_syndrome_ranking(store: GraphStore) -> None:
    """Rank the example indication within the example syndrome (病证结合): studies of that
    syndrome's patients count fully, of another less; the traditional axis is a column."""
    ctx = prepare(store, EXAMPLE_INDICATION, ScoringConfig(), syndrome=EXAMPLE_SYNDROME)
    rows = rank_in_context(ctx, CandidateKind.TCM, top=10)
    if ctx.syndrome is None or not rows:
        return
    console.print()
    console.print(rank_table(rows, EXAMPLE_INDICATION, ctx.syndrome.concept))
    print_syndrome_note(ctx.syndrome.concept)


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
    wait: WaitOption = 0.0,
) -> None:
    """Build the bundled illustrative data in a fresh store, validate it, rank and explain."""
    started = time.perf_counter()
    location = store or default_demo_location()
    if store is None:
        # The default demo store is the demo's own: emptied each run, under its lock (never
        # deleted, which would pull it from under another process that holds it).
        force = True
    with opened_store(location, wait=wait) as st:
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
        _load_demo(st)
        if preparations:
            _load_catalogue(st)
        _load_corpus(st)
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
        f'tcmkg rank "{EXAMPLE_INDICATION}" --syndrome 气阴两虚证 --store {where}',
        f"tcmkg browse herb --action 活血化瘀 --store {where}",
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
