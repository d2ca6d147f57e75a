"""``tcmkg dossier``: the evidence dossier of one candidate as one self-contained HTML file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

from api.presentation import render_dossier
from kg.iri import CurieError
from queries.dossier import DOSSIER_STEPS, prepare_dossier
from queries.explain import UnknownCandidateError
from queries.resolve import UnknownNameError
from tcmkg.console import (
    ConfigOption,
    StoreOption,
    SyndromeOption,
    console,
    fail,
    opened_store,
    progress_display,
    scoring_config,
)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so no half-written dossier is left."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dossier(
    candidate: Annotated[
        str, typer.Argument(help="Herb, formula, preparation or compound: a name or a CURIE.")
    ],
    indication: Annotated[
        str, typer.Argument(help="Indication: a name in any language or a CURIE.")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="HTML file to write.", show_default=False)
    ],
    syndrome: SyndromeOption = None,
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Write the evidence dossier of a candidate for an indication: one self-contained HTML file
    with the ranking row, evidence profile, mechanism graph, every evidence item with its
    citation, safety, the scoring formula and parameters, and the graph version and date."""
    cfg = scoring_config(config)
    if output.is_dir():
        fail(f"{output} is a folder: give the HTML file to write")
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        fail(f"{folder} does not exist: create the folder first")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with (
        opened_store(store, must_exist=True, read_only=True) as st,
        progress_display(*columns, TimeElapsedColumn()) as progress,
    ):
        task = progress.add_task("dossier", total=DOSSIER_STEPS + 1)
        started = False

        def step(name: str) -> None:
            nonlocal started
            progress.update(task, advance=1 if started else 0, description=name)
            started = True

        try:
            prepared = prepare_dossier(
                st, candidate, indication, cfg, on_step=step, syndrome=syndrome
            )
        except (UnknownCandidateError, UnknownNameError) as err:
            fail(str(err.args[0]))
        except (CurieError, ValueError) as err:
            fail(f"{candidate!r} for {indication!r}: {err}")
        step("writing the dossier")
        try:
            write_atomically(folder / output.name, render_dossier(prepared))
        except OSError as err:
            fail(f"cannot write {output}: {err.strerror or err}")
        step("done")
    row = prepared.explanation.row
    console.print(
        f"dossier of {row.candidate.label} ({row.candidate.id}) for {indication!r}: "
        f"{len(prepared.explanation.evidence)} evidence items, {len(row.safety)} safety flag(s), "
        f"graph version {prepared.version.digest} → {output}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``dossier`` to the CLI."""
    app.command()(dossier)
