"""What every ``tcmkg`` command shares: the consoles, ``fail``, ``--store`` and the progress bar.

Commands import this module, never :mod:`tcmkg.cli`, so that each command module imports on its
own and the CLI imports its commands, not the other way round.

Exit codes: 0 ok, 1 validation failure, 2 usage or runtime error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from kg.settings import get_settings
from kg.store import GraphStore, StoreError, open_store

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_ERROR = 2


def _width(stream: object) -> int | None:
    # Rich falls back to 80 columns when output is not a terminal (make, pipes, CI logs), which
    # truncates the ranking tables; wide tables read better in a log than clipped ones.
    if os.environ.get("COLUMNS") or getattr(stream, "isatty", lambda: False)():
        return None
    return 160


console = Console(width=_width(sys.stdout))
err_console = Console(stderr=True, width=_width(sys.stderr))


StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Store location: oxigraph:PATH (default under the user data folder), memory:, "
        "or sparql:QUERY_URL[;update=UPDATE_URL]. Also TCMKG_STORE.",
        show_default=False,
    ),
]


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """Print an error message to stderr and exit with ``code``."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def opened_store(location: str | None, *, must_exist: bool = False) -> Iterator[GraphStore]:
    """Open the store named by ``--store`` (or the settings); exit 2 with the reason on failure.

    Commands that only read pass ``must_exist`` so that a mistyped path is an error, not an
    empty answer from a new store.
    """
    where = location or get_settings().store_location()
    try:
        store = open_store(where, must_exist=must_exist)
    except StoreError as err:
        fail(str(err))
    try:
        yield store
    except StoreError as err:
        fail(str(err))
    finally:
        store.close()


def task_progress() -> Progress:
    """The progress bar of long commands (load, import, fetch): on stderr, gone when done."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
