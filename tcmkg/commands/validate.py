"""``tcmkg validate``: check a store or RDF files against the project's SHACL shapes.

Exit codes: 0 every input conforms, 1 some input breaks a shape (report grouped by shape),
2 some input cannot be read (named with the reason; the other inputs are still validated).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from kg.store import StoreError
from kg.validate import (
    ValidationInputError,
    ValidationReport,
    validate_file,
    validate_store,
)
from tcmkg.console import (
    EXIT_ERROR,
    EXIT_INVALID,
    EXIT_OK,
    StoreOption,
    console,
    err_console,
    opened_store,
)
from tcmkg.views import DEFAULT_SHOWN, print_report


def validate(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="RDF files to validate (.ttl, .nt, .nq, .trig, .jsonld, .rdf). Without files "
            "(or with --store) the store is validated.",
            show_default=False,
        ),
    ] = None,
    store: StoreOption = None,
    show: Annotated[
        int, typer.Option("--show", min=1, help="Results to print per shape.")
    ] = DEFAULT_SHOWN,
) -> None:
    """Validate a store or RDF files against the SHACL shapes of the tcmkg ontology."""
    reports: list[ValidationReport] = []
    unreadable = 0
    for path in files or []:
        try:
            with console.status(f"validating {path} …"):
                reports.append(validate_file(path))
        except ValidationInputError as err:
            unreadable += 1
            err_console.print(f"[bold red]error:[/] {escape(str(err))}", highlight=False)
    if store is not None or not files:
        with opened_store(store, must_exist=True, read_only=True) as st:
            try:
                with console.status(f"validating store {st.location} …"):
                    reports.append(validate_store(st))
            except StoreError as err:
                unreadable += 1
                err_console.print(f"[bold red]error:[/] {escape(str(err))}", highlight=False)
    for report in reports:
        print_report(report, console, show)
    if unreadable:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_OK if all(r.conforms for r in reports) else EXIT_INVALID)


def register(app: typer.Typer) -> None:
    """Add ``validate`` to the CLI."""
    app.command()(validate)
