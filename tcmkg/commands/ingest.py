"""``tcmkg ingest``: read → extract → write claims and evidence, one named graph per document.

Each document's graph is replaced in one transaction, so re-running on the same input changes
nothing and an interrupted run leaves no half-written record. Bad records are reported (file,
record, reason), written to the problems file as JSON Lines, and skipped.

Literature is matched against the seed vocabulary and the names of the herbs, formulas and
hospital preparations already imported into the store (``tcmkg import preparations``,
``tcmkg import symmap`` …), so a paper naming an imported preparation gives it evidence;
``--seed-only`` matches the seed vocabulary alone.

PubMed update files withdraw records too: each PMID of a file's ``DeleteCitation`` list has its
named graph dropped once the file's records before it are written (so a PMID both given and
deleted by one file ends up deleted). The summary counts the records withdrawn, and apart the
deletions of records the store did not hold (nothing to do).

Extraction runs in this process, on a local Dask cluster (``--workers N``) or on an existing
one (``--scheduler tcp://HOST:8786``); the results come back here and each record is written
in its own transaction. With ``--shards DIR`` whoever extracts a partition of documents writes
its records as an N-Quads file in DIR (a folder the workers and this process share), and this
process bulk-loads each file with the embedded store's bulk loader instead, all or nothing per
file (see :mod:`ingest.shards`).

Exit codes: 0 done (problems, if any, are reported), 2 usage error, unreadable input list,
a Dask scheduler that cannot be reached (the store is not opened), ``--shards`` with a store
that is not embedded or a shard folder a worker cannot write, or a store that cannot be opened
or written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ingest.document import Document
from ingest.pipeline import IngestSummary, ingest
from ingest.problems import ProblemLog
from ingest.readers import read_items
from ingest.shards import ShardWriteError
from ingest.vocabulary.store_terms import IngestVocabulary, ingest_vocabulary
from kg.settings import get_settings
from tcmkg.console import StoreOption, WaitOption, console, fail, opened_store
from tcmkg.inputs import (
    FORMAT_DEFAULT,
    FormatOption,
    InputsArgument,
    Models,
    ModelsOption,
    ProcessesOption,
    SchedulerOption,
    WorkersOption,
    check_inputs,
    document_progress,
    extraction_cluster,
    extraction_workers,
    report_problems,
    with_input_formats,
)

DEFAULT_PROBLEMS = "ingest-problems.jsonl"
# Store schemes whose bulk loader reads a file this process can read (--shards); a bare path
# is an embedded Oxigraph store too.
EMBEDDED = ("oxigraph", "memory")


def print_summary(
    summary: IngestSummary, problems_file: Path | None, vocabulary: IngestVocabulary | None = None
) -> None:
    """The closing summary: documents, claims, evidence items, withdrawals, problems by kind."""
    table = Table(title="tcmkg ingest")
    table.add_column("what")
    table.add_column("count", justify="right")
    if vocabulary is not None:
        table.add_row("entities named from the store", f"{vocabulary.store_entities:,}")
    table.add_row("documents read", f"{summary.documents:,}")
    table.add_row("documents written", f"{summary.written:,}")
    table.add_row("claims", f"{summary.claims:,}")
    table.add_row("evidence items", f"{summary.evidence:,}")
    table.add_row("relations left out (ambiguous name)", f"{summary.ambiguous_relations:,}")
    # Only inputs that list deletions (PubMed update files) get the rows about them.
    if summary.withdrawn or summary.deletions_not_held:
        table.add_row("records withdrawn (PubMed deletions)", f"{summary.withdrawn:,}")
    if summary.deletions_not_held:
        table.add_row("deletions of records not in the store", f"{summary.deletions_not_held:,}")
    for code, n in summary.problems.items():
        table.add_row(f"problem: {code}", f"{n:,}")
    console.print(table)
    if problems_file is not None:
        console.print(f"problems file: {problems_file}", highlight=False)
    else:
        console.print("no problems", highlight=False)


def ingest_command(
    inputs: InputsArgument,
    store: StoreOption = None,
    fmt: FormatOption = FORMAT_DEFAULT,
    workers: WorkersOption = 1,
    scheduler: SchedulerOption = None,
    processes: ProcessesOption = None,
    problems_file: Annotated[
        Path | None,
        typer.Option(
            "--problems",
            help="Where to write the problems found, as JSON Lines (always written when "
            f"given; else {DEFAULT_PROBLEMS} in the current folder, only if there are problems).",
            show_default=False,
        ),
    ] = None,
    seed_only: Annotated[
        bool,
        typer.Option(
            "--seed-only",
            help="Match the seed vocabulary only, not the herbs, formulas and hospital "
            "preparations imported into the store.",
        ),
    ] = False,
    wait: WaitOption = 0.0,
    models: ModelsOption = Models.TRAINED,
    shards: Annotated[
        Path | None,
        typer.Option(
            "--shards",
            help="Have each partition of documents written as an N-Quads file in this folder "
            "by whoever extracts it, and bulk-load the files into the store instead of "
            "writing record by record (embedded store only; on a cluster, a folder the "
            "workers and this process share).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Extract claims and evidence from documents and write them into the store."""
    paths = check_inputs(inputs)
    workers = extraction_workers(workers, processes, scheduler)
    location = store or get_settings().store_location()
    scheme, sep, _ = location.partition(":")
    if shards is not None and sep and scheme not in EMBEDDED:
        fail(
            "--shards loads N-Quads files with an embedded store's bulk loader; "
            f"{location} is not one (use oxigraph:PATH, or ingest without --shards)"
        )
    problems = ProblemLog(keep=get_settings().max_problems_kept)
    documents = read_items(paths, fmt, problems)
    # The cluster first: a scheduler that cannot be reached stops the run before the store
    # is opened (and the seed vocabulary written into it).
    with (
        extraction_cluster(workers, scheduler) as client,
        opened_store(location, wait=wait) as st,
        document_progress() as progress,
    ):
        vocabulary = ingest_vocabulary(st, seed_only=seed_only)
        task = progress.add_task("ingesting", total=None, rate="")

        done = 0

        def advance(_: Document) -> None:
            nonlocal done
            done += 1
            progress.advance(task)
            if done % 200 == 0:
                elapsed = progress.tasks[0].elapsed or 0.0
                progress.update(task, rate=f"{done / max(elapsed, 1e-9):,.0f} docs/s")

        try:
            summary = ingest(
                documents,
                st,
                problems,
                client=client,
                entities=vocabulary.entities,
                terms=vocabulary.terms,
                on_document=advance,
                models=models is Models.TRAINED,
                shards=shards,
            )
        except ShardWriteError as err:
            fail(str(err))
    if problems_file is None and len(problems):
        problems_file = Path(DEFAULT_PROBLEMS)
    if problems_file is not None:
        try:
            problems.write_jsonl(problems_file)
        except OSError as err:
            fail(f"{problems_file}: cannot write the problems file: {err.strerror}")
    report_problems(problems)
    print_summary(summary, problems_file, None if seed_only else vocabulary)


def register(app: typer.Typer) -> None:
    """Add the ``ingest`` command to the CLI."""
    app.command("ingest")(with_input_formats(ingest_command))
