"""The ``tcmkg`` command line.

Each group of commands lives in its own module under :mod:`tcmkg.commands` and is listed in
``COMMAND_MODULES``; a new command is one module plus one line here.

Exit codes: 0 ok, 1 validation failure, 2 usage or runtime error.
"""

from __future__ import annotations

import importlib
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

from kg.store import GraphStore, StoreError, open_store
from tcmkg.settings import get_settings

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

app = typer.Typer(
    name="tcmkg",
    help="TCM evidence knowledge graph: graded, traceable evidence for herbs, formulas and "
    "hospital preparations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """TCM evidence knowledge graph: graded, traceable evidence for herbs, formulas and
    hospital preparations."""


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


COMMAND_MODULES: tuple[str, ...] = (
    "tcmkg.commands.store",
    "tcmkg.commands.serve",
    "tcmkg.commands.validate",
    "tcmkg.commands.demo",
    "tcmkg.commands.rank",
    "tcmkg.commands.dossier",
    "tcmkg.commands.importers",
    "tcmkg.commands.fetch",
    "tcmkg.commands.extract",
    "tcmkg.commands.ingest",
)


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)


_register_commands()


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
