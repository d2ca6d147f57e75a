"""The ``tcmkg`` command line.

Each group of commands lives in its own module under :mod:`tcmkg.commands` and is listed in
:data:`COMMANDS`; a new command is one module plus one line there. Commands share the consoles,
``fail`` and ``--store`` through :mod:`tcmkg.console` and never import this module.

The app is built by :func:`build_app`, which asks each command to register itself at that
moment: choices that come from a registry (input and export formats) are read then, so a format
registered before the app is built is offered with no further edit.

Exit codes: 0 ok, 1 validation failure, 2 usage or runtime error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import typer

from tcmkg.commands import (
    browse,
    demo,
    dossier,
    extract,
    fetch,
    importers,
    ingest,
    rank,
    serve,
    store,
    train,
    train_effect,
    train_relations,
)
from tcmkg.commands import validate as validate_command
from tcmkg.console import EXIT_ERROR, EXIT_INVALID, EXIT_OK, err_console, shows_progress

COMMANDS: tuple[Callable[[typer.Typer], None], ...] = (
    store.register,
    serve.register,
    validate_command.register,
    demo.register,
    rank.register,
    browse.register,
    dossier.register,
    importers.register,
    fetch.register,
    extract.register,
    ingest.register,
    train.register,
    train_effect.register,
    train_relations.register,
)


def build_app() -> typer.Typer:
    """A fresh ``tcmkg`` app with every command registered (registries are read now)."""
    built = typer.Typer(
        name="tcmkg",
        help="TCM evidence knowledge graph: graded, traceable evidence for herbs, formulas and "
        "hospital preparations.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        # Rich draws usage errors in a box as wide as the terminal, folding a long path over
        # lines; with nothing to draw on they are click's plain one-line messages.
        rich_markup_mode="rich" if shows_progress() else None,
    )

    @built.callback()
    def _root() -> None:
        """TCM evidence knowledge graph: graded, traceable evidence for herbs, formulas and
        hospital preparations."""

    for register in COMMANDS:
        register(built)
    return built


app = build_app()


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)


__all__ = ["COMMANDS", "EXIT_ERROR", "EXIT_INVALID", "EXIT_OK", "app", "build_app", "main"]
