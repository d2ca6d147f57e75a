"""``tcmkg validate``: check a store or RDF files against the project's SHACL shapes.

Exit codes: 0 every input conforms, 1 some input breaks a shape (report grouped by shape),
2 some input cannot be read (named with the reason; the other inputs are still validated).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kg.store import StoreError
from kg.validate import (
    ValidationInputError,
    ValidationReport,
    ValidationResult,
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

# Enough rows per shape to see the pattern; the count says how many more there are.
DEFAULT_SHOWN = 10

_STYLE = {"Violation": "bold red", "Warning": "yellow", "Info": "cyan"}


def _row(result: ValidationResult) -> tuple[str, ...]:
    where = ", ".join(result.graphs) if result.graphs else ""
    value = "" if result.value is None else result.value
    if len(value) > 60:
        value = value[:57] + "…"
    return (
        f"[{_STYLE.get(result.severity, '')}]{result.severity}[/]",
        result.focus,
        result.path or "",
        value,
        result.message,
        where,
    )


def print_report(report: ValidationReport, out: Console, shown: int = DEFAULT_SHOWN) -> None:
    """Print a validation report: a verdict line, then one table per failing shape."""
    n_viol, n_warn = len(report.violations), len(report.warnings)
    verdict = "[bold green]valid[/]" if report.conforms else "[bold red]invalid[/]"
    out.print(
        f"{report.source}: {verdict} — {report.triples:,} triples, {n_viol:,} violation(s), "
        f"{n_warn:,} warning(s), {report.seconds:.2f} s",
        highlight=False,
    )
    if report.triples == 0:
        out.print("  (no data to validate: is this the store or file you meant?)", highlight=False)
    for shape, results in report.by_shape().items():
        if shown <= 0:
            out.print(f"  {shape}: {len(results):,} (tcmkg validate lists them)", highlight=False)
            continue
        table = Table(title=f"{shape} ({len(results):,})", title_justify="left", expand=False)
        for column in ("severity", "focus node", "path", "value", "message", "record"):
            table.add_column(column, overflow="fold")
        for result in results[:shown]:
            table.add_row(*_row(result))
        if len(results) > shown:
            table.caption = f"… and {len(results) - shown:,} more (use --show to see more)"
        out.print(table)


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
            err_console.print(f"[bold red]error:[/] {err}", highlight=False)
    if store is not None or not files:
        with opened_store(store, must_exist=True) as st:
            try:
                with console.status(f"validating store {st.location} …"):
                    reports.append(validate_store(st))
            except StoreError as err:
                unreadable += 1
                err_console.print(f"[bold red]error:[/] {err}", highlight=False)
    for report in reports:
        print_report(report, console, show)
    if unreadable:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_OK if all(r.conforms for r in reports) else EXIT_INVALID)


def register(app: typer.Typer) -> None:
    """Add ``validate`` to the CLI."""
    app.command()(validate)
