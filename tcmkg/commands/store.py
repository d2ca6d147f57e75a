"""Store commands: ``stats``."""

from __future__ import annotations

import typer
from rich.table import Table

from tcmkg.cli import StoreOption, console, opened_store


def stats(store: StoreOption = None) -> None:
    """Print the number of quads and named graphs in the store."""
    with opened_store(store) as st:
        table = Table(title=f"tcmkg store {st.location}")
        table.add_column("what")
        table.add_column("count", justify="right")
        table.add_row("quads", f"{st.count():,}")
        table.add_row("named graphs", f"{len(st.named_graphs()):,}")
        console.print(table)


def register(app: typer.Typer) -> None:
    """Add the store commands to the CLI."""
    app.command()(stats)
