"""What ``tcmkg extract`` and ``tcmkg ingest`` share: the inputs, ``--format``, where extraction
runs (``--workers``, ``--scheduler``), the document progress display and the problem report.

``--format`` offers the input formats registered in :mod:`ingest.readers` when the app is built
(:func:`format_help` and :data:`ingest.readers.format_names`), so a new reader needs no edit here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from ingest.problems import ProblemLog
from ingest.readers import AUTO, format_names, reader_formats
from tcmkg.console import err_console, fail, progress_display, with_choices

if TYPE_CHECKING:
    from distributed import Client

InputsArgument = Annotated[
    list[Path],
    typer.Argument(help="Input files or folders (folders are read recursively).", exists=False),
]
FormatOption = Annotated[
    str, typer.Option("--format", "-f", help="Input format; auto detects each file's.")
]
WorkersOption = Annotated[
    int,
    typer.Option(
        "--workers",
        min=1,
        help="Extract on a local Dask cluster of this many worker processes (1: in this process).",
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Extract on the existing Dask cluster whose scheduler is at this address "
        "(tcp://HOST:8786); its workers need the same tcmkg installed. The store is written "
        "by this process.",
        show_default=False,
    ),
]
# The name --workers had before extraction ran on Dask; scripts still give it.
ProcessesOption = Annotated[
    int | None,
    typer.Option("--processes", "-p", min=1, hidden=True, help="Alias of --workers."),
]
FORMAT_DEFAULT = AUTO


class Models(StrEnum):
    """Which recognisers extraction runs: ``--models``."""

    TRAINED = "trained"
    NONE = "none"


ModelsOption = Annotated[
    Models,
    typer.Option(
        "--models",
        help="trained: the dictionary, the rules and the shipped trained models (entity "
        "recogniser, relation classifier, effect direction); none: the dictionary and the "
        "rules alone, several times faster.",
        case_sensitive=False,
    ),
]


def extraction_workers(workers: int, processes: int | None, scheduler: str | None) -> int:
    """The worker count from ``--workers`` and its alias ``--processes``; exit 2 on a clash.

    ``--scheduler`` names a cluster that has its own workers, so it takes no ``--workers``
    count above 1.
    """
    if processes is not None:
        if workers not in (1, processes):
            fail(f"--processes is an alias of --workers: give one (got {processes} and {workers})")
        workers = processes
    if scheduler is not None and workers > 1:
        fail(
            f"--scheduler {scheduler} runs on that cluster's workers; --workers {workers} "
            "starts a local cluster instead: give one or the other"
        )
    return workers


@contextmanager
def extraction_cluster(workers: int, scheduler: str | None) -> Iterator[Client | None]:
    """The Dask client extraction runs on (None: in this process), closed on leaving.

    Exits 2 with the address when the scheduler cannot be reached, before anything is read
    or written.
    """
    if scheduler is None and workers <= 1:
        yield None
        return
    from ingest.cluster import ClusterUnavailableError, dask_client, worker_threads

    with ExitStack() as stack:
        try:
            client = stack.enter_context(dask_client(workers, scheduler))
        except ClusterUnavailableError as err:
            fail(str(err))
        where = (
            f"the Dask cluster at {scheduler}" if scheduler is not None else "a local Dask cluster"
        )
        err_console.print(
            f"extracting on {where} ({worker_threads(client)} worker(s))", highlight=False
        )
        yield client


def format_help() -> str:
    """The ``--format`` help: every registered format with its description."""
    described = "; ".join(f"{fmt.name} ({fmt.description})" for fmt in reader_formats())
    return f"Input format: {AUTO} (detect each file's); {described}."


def with_input_formats(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` with its ``fmt`` option offering the formats registered now."""
    return with_choices(command, "fmt", format_names(), help=format_help())


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


# The evaluation sets a training command leaves out (tcmkg train-ner, train-relations).
ExcludeOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--exclude",
        help="PubTator files whose documents are left out of training (evaluation sets).",
    ),
]


def check_corpora(corpora: Iterable[Path], exclude: Iterable[Path] | None) -> list[Path]:
    """The excluded files as a list, or exit 2 naming the first corpus or excluded file that
    is not a file."""
    left_out = list(exclude or [])
    for path in [*corpora, *left_out]:
        if not path.is_file():
            fail(f"{path}: no such file")
    return left_out


def report_problems(problems: ProblemLog, shown: int = 10) -> None:
    """Print the first problems and a count by code to stderr."""
    if not problems:
        return
    for problem in list(problems)[:shown]:
        err_console.print(f"[yellow]problem:[/] {escape(str(problem))}", highlight=False)
    if len(problems) > shown:
        err_console.print(f"… and {len(problems) - shown} more", highlight=False)
    counts = ", ".join(f"{code} {n}" for code, n in problems.counts().items())
    err_console.print(f"problems by kind: {counts}", highlight=False)
