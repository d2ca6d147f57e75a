"""``tcmkg extract``: JSON Lines of entities, relations and study design per document.

This is the evaluation interface: one JSON object per document, in input order, with the
shape fixed by :data:`ingest.extract.JSON_SCHEMA`. A bad record is reported (file, record,
reason) and skipped; the rest of the input is still extracted.

The PMIDs of a PubMed update file's ``DeleteCitation`` list are not documents: they give no
line of output (every line stays a document of the schema) and are counted in the closing
message on stderr. ``tcmkg ingest`` is the command that withdraws them from a store.

Extraction runs in this process, on a local Dask cluster (``--workers N``) or on an existing
one (``--scheduler tcp://HOST:8786``); the output is in input order either way.

Exit codes: 0 done (problems, if any, are reported), 2 usage error, unreadable output, no
input at all, or a Dask scheduler that cannot be reached.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from ingest.document import Deletion, Document, ReadItem
from ingest.pipeline import extract_documents
from ingest.problems import ProblemCode, ProblemLog
from ingest.readers import read_items
from kg.settings import get_settings
from tcmkg.console import err_console, fail, opened_store
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


def extract(
    inputs: InputsArgument,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Output JSON Lines file ('-' for stdout).")
    ],
    fmt: FormatOption = FORMAT_DEFAULT,
    workers: WorkersOption = 1,
    scheduler: SchedulerOption = None,
    processes: ProcessesOption = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="Match the names this store's vocabulary holds (what 'tcmkg import' added) "
            "besides the shipped ones; the store is only read. Without it: the shipped names.",
            show_default=False,
        ),
    ] = None,
    models: ModelsOption = Models.TRAINED,
) -> None:
    """Extract entities, relations and study design from documents, as JSON Lines."""
    from ingest.extract import extraction_json  # imports spaCy: only when extracting

    paths = check_inputs(inputs)
    workers = extraction_workers(workers, processes, scheduler)
    problems = ProblemLog(keep=get_settings().max_problems_kept)
    deletions = 0

    def documents_only(items: Iterable[ReadItem]) -> Iterator[Document]:
        nonlocal deletions
        for item in items:
            if isinstance(item, Deletion):
                deletions += 1  # a withdrawal has no text to extract: no output line
            else:
                yield item

    terms = None
    if store is not None:
        from ingest.vocabulary.store_terms import ingest_vocabulary

        with opened_store(store, must_exist=True, read_only=True) as st:
            terms = ingest_vocabulary(st, write_seed=False).terms
    documents = documents_only(read_items(paths, fmt, problems))
    written = 0
    # The cluster before the output: a scheduler that cannot be reached leaves it as it was.
    with extraction_cluster(workers, scheduler) as client:
        try:
            out = (
                typer.get_text_stream("stdout")
                if str(output) == "-"
                else output.open("w", encoding="utf-8")
            )
        except OSError as err:
            fail(f"{output}: cannot write: {err.strerror}")
        with out, document_progress() as progress:
            task = progress.add_task("extracting", total=None, rate="")
            for outcome in extract_documents(
                documents, client=client, terms=terms, models=models is Models.TRAINED
            ):
                progress.advance(task)
                if outcome.extraction is None:
                    problems.report(
                        ProblemCode.EXTRACT_FAILED,
                        outcome.document.source or "-",
                        f"record {outcome.document.record_index} ({outcome.document.id})",
                        f"extraction failed: {outcome.error}",
                    )
                    continue
                out.write(json.dumps(extraction_json(outcome.extraction), ensure_ascii=False))
                out.write("\n")
                written += 1
                if written % 200 == 0:
                    elapsed = progress.tasks[0].elapsed or 0.0
                    progress.update(task, rate=f"{written / max(elapsed, 1e-9):,.0f} docs/s")
    report_problems(problems)
    skipped = (
        f"; {deletions:,} DeleteCitation PMID(s) skipped (tcmkg ingest withdraws them)"
        if deletions
        else ""
    )
    err_console.print(
        f"extracted {written:,} document(s) to {output}; {len(problems):,} problem(s){skipped}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the ``extract`` command to the CLI."""
    app.command("extract")(with_input_formats(extract))
