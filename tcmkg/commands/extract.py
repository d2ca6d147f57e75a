"""``tcmkg extract``: JSON Lines of entities, relations and study design per document.

This is the evaluation interface: one JSON object per document, in input order, with the
shape fixed by :data:`ingest.extract.JSON_SCHEMA`. A bad record is reported (file, record,
reason) and skipped; the rest of the input is still extracted.

The PMIDs of a PubMed update file's ``DeleteCitation`` list are not documents: they give no
line of output (every line stays a document of the schema) and are counted in the closing
message on stderr. ``tcmkg ingest`` is the command that withdraws them from a store.

Exit codes: 0 done (problems, if any, are reported), 2 usage error, unreadable output, or no
input at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from ingest.document import Deletion, Document, ReadItem
from ingest.pipeline import extract_documents
from ingest.problems import ProblemCode, ProblemLog
from ingest.readers import read_items
from kg.settings import get_settings
from tcmkg.console import err_console, fail, progress_display


class InputFormat(StrEnum):
    """Input formats ``extract`` and ``ingest`` read (``auto`` detects each file's)."""

    AUTO = "auto"
    PUBMED_XML = "pubmed-xml"
    PUBTATOR = "pubtator"
    TSV = "tsv"
    TEXT = "text"
    CTGOV = "ctgov"


InputsArgument = Annotated[
    list[Path],
    typer.Argument(help="Input files or folders (folders are read recursively).", exists=False),
]
FormatOption = Annotated[
    InputFormat, typer.Option("--format", "-f", help="Input format; auto detects each file's.")
]
ProcessesOption = Annotated[
    int, typer.Option("--processes", "-p", min=1, help="Worker processes for extraction.")
]


def document_progress() -> Progress:
    """A progress display for a stream of documents of unknown length (on stderr)."""
    return progress_display(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        transient=False,
    )


def check_inputs(inputs: Iterable[Path]) -> list[Path]:
    """The inputs, or exit 2 naming the first that does not exist."""
    paths = list(inputs)
    for path in paths:
        if not path.exists():
            fail(f"{path}: no such file or folder")
    return paths


def report_problems(problems: ProblemLog, shown: int = 10) -> None:
    """Print the first problems and a count by code to stderr."""
    if not problems:
        return
    for problem in list(problems)[:shown]:
        err_console.print(f"[yellow]problem:[/] {problem}", highlight=False)
    if len(problems) > shown:
        err_console.print(f"… and {len(problems) - shown} more", highlight=False)
    counts = ", ".join(f"{code} {n}" for code, n in problems.counts().items())
    err_console.print(f"problems by kind: {counts}", highlight=False)


def extract(
    inputs: InputsArgument,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Output JSON Lines file ('-' for stdout).")
    ],
    fmt: FormatOption = InputFormat.AUTO,
    processes: ProcessesOption = 1,
) -> None:
    """Extract entities, relations and study design from documents, as JSON Lines."""
    from ingest.extract import extraction_json  # imports spaCy: only when extracting

    paths = check_inputs(inputs)
    problems = ProblemLog(keep=get_settings().max_problems_kept)
    deletions = 0

    def documents_only(items: Iterable[ReadItem]) -> Iterator[Document]:
        nonlocal deletions
        for item in items:
            if isinstance(item, Deletion):
                deletions += 1  # a withdrawal has no text to extract: no output line
            else:
                yield item

    documents = documents_only(read_items(paths, fmt.value, problems))
    written = 0
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
        for outcome in extract_documents(documents, processes=processes):
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
    app.command()(extract)
