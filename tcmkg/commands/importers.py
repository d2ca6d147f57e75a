"""Import commands: ``tcmkg import symmap DIR``, ``tcmkg import tcmsp DIR``,
``tcmkg import formulas FILE``, ``tcmkg import herb-properties FILE``.

Each import extends the vocabulary and writes its table edges as database evidence, one named
graph per table file, replaced as a whole on re-import (so re-running changes nothing). Bad rows
are reported with their file and line and the rest is imported; a table that lacks a required
column imports nothing and the command exits 2.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    Progress,
    TaskID,
)
from rich.table import Table

from ingest.importers import (
    ImportReport,
    import_formulas,
    import_herb_properties,
    import_symmap,
    import_tcmsp,
)
from ingest.importers.report import Progress as ImportProgress
from ingest.importers.symmap import read_symmap
from ingest.vocabulary import Vocabulary, load_seed
from kg.store import GraphStore
from tcmkg.console import (
    EXIT_ERROR,
    StoreOption,
    WaitOption,
    console,
    err_console,
    fail,
    opened_store,
    task_progress,
)

import_app = typer.Typer(
    name="import",
    help="Import curated tables (SymMap, TCMSP, formula compositions, herb properties) as "
    "database evidence.",
    no_args_is_help=True,
)

ProblemsOption = Annotated[
    Path | None,
    typer.Option("--problems", help="Also write the problems found to this file (JSON Lines)."),
]
SymmapOption = Annotated[
    Path | None,
    typer.Option(
        "--symmap",
        help="SymMap folder whose herb table is read first, so that more herb names resolve.",
        exists=True,
        file_okay=False,
    ),
]
SHOWN_PROBLEMS = 20


class _RichProgress:
    """The importers' progress hook shown as a rich progress bar."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def start(self, label: str, total: int | None) -> None:
        if self.task is not None:
            self.progress.update(self.task, visible=False)
        self.task = self.progress.add_task(label, total=total)

    def advance(self, amount: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, amount)


def _vocabulary(symmap: Path | None) -> Vocabulary:
    vocabulary = load_seed()
    if symmap is not None:
        scratch = ImportReport("symmap", str(symmap))
        read_symmap(symmap, vocabulary, scratch, tables=("symmap_v2_SMHB.tsv",))
        for problem in scratch.problems:
            err_console.print(f"[yellow]{escape(str(problem))}[/]", highlight=False)
    return vocabulary


def _finish(report: ImportReport, problems_file: Path | None) -> None:
    """Print the summary and the problems; exit 2 when a table could not be used at all."""
    problems = list(report.problems)
    for problem in problems[:SHOWN_PROBLEMS]:
        colour = "red" if problem.severity == "error" else "yellow"
        err_console.print(f"[{colour}]{problem}[/]", highlight=False)
    if len(problems) > SHOWN_PROBLEMS:
        err_console.print(
            f"… and {len(problems) - SHOWN_PROBLEMS:,} more problems"
            + (f" (all in {problems_file})" if problems_file else " (use --problems FILE)"),
            highlight=False,
        )
    if problems_file is not None:
        try:
            report.problems.write_jsonl(problems_file)
        except OSError as err:
            fail(f"{problems_file}: cannot write the problems file: {err.strerror}")
    table = Table(title=f"tcmkg import {report.importer} {report.source}")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("rows read", f"{report.rows:,}")
    table.add_row("entities written", f"{report.entities:,}")
    table.add_row("edges written", f"{report.claims:,}")
    for graph in report.graphs:
        table.add_row(f"triples in {graph.graph}", f"{graph.quads:,}")
    for code, n in report.problems.counts().items():
        table.add_row(f"problem: {code}", f"{n:,}")
    console.print(table)
    if report.failed:
        fail("a table could not be imported (see the problems above); nothing of it was written")
    if not report.graphs:
        fail("nothing was imported", EXIT_ERROR)


@import_app.command("symmap")
def symmap_command(
    directory: Annotated[
        Path, typer.Argument(help="Folder of SymMap v2 tables (symmap_v2_SM*.tsv).")
    ],
    store: StoreOption = None,
    problems_file: ProblemsOption = None,
    wait: WaitOption = 0.0,
) -> None:
    """Import SymMap v2: names of herbs, ingredients, targets and diseases; TCM syndromes and
    symptoms; each herb's nature, flavours, toxicity, meridians and class as TCM theory claims."""
    if not directory.is_dir():
        fail(f"{directory}: not a folder")
    vocabulary = load_seed()
    with opened_store(store, wait=wait) as st, task_progress() as progress:
        report = import_symmap(directory, st, vocabulary, _RichProgress(progress))
    _finish(report, problems_file)


@import_app.command("tcmsp")
def tcmsp_command(
    directory: Annotated[
        Path,
        typer.Argument(help="Folder of the TCMSP tables (tcmsp_herb_molecule.tsv, …)."),
    ],
    store: StoreOption = None,
    entities: Annotated[
        Path | None,
        typer.Option(
            "--entities",
            help="TCMSP entity folder (tcmsp_ingredients.tsv for OB/DL, tcmsp_herbs.tsv); "
            "default: a tcmsp_entities folder beside DIR, if present.",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    symmap: SymmapOption = None,
    problems_file: ProblemsOption = None,
    wait: WaitOption = 0.0,
) -> None:
    """Import TCMSP herb–compound (constituent) and compound–target (predicted) edges."""
    if not directory.is_dir():
        fail(f"{directory}: not a folder")
    vocabulary = _vocabulary(symmap)
    with opened_store(store, wait=wait) as st, task_progress() as progress:
        report = import_tcmsp(directory, st, vocabulary, _RichProgress(progress), entities)
    _finish(report, problems_file)


def _import_file(
    importer: Callable[[Path, GraphStore, Vocabulary, ImportProgress], ImportReport],
    file: Path,
    store: str | None,
    symmap: Path | None,
    problems_file: Path | None,
    wait: float = 0.0,
) -> None:
    """Run a one-file table importer with the vocabulary, a progress bar and the summary."""
    if not file.is_file():
        fail(f"{file}: not a file")
    vocabulary = _vocabulary(symmap)
    with opened_store(store, wait=wait) as st, task_progress() as progress:
        report = importer(file, st, vocabulary, _RichProgress(progress))
    _finish(report, problems_file)


@import_app.command("formulas")
def formulas_command(
    file: Annotated[
        Path,
        typer.Argument(help="Formula composition table (formula_cn, formula_pinyin, herb_cn, …)."),
    ],
    store: StoreOption = None,
    symmap: SymmapOption = None,
    problems_file: ProblemsOption = None,
    wait: WaitOption = 0.0,
) -> None:
    """Import formula compositions (formula has_part herb, with doses)."""
    _import_file(import_formulas, file, store, symmap, problems_file, wait)


@import_app.command("herb-properties")
def herb_properties_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="Herb property table (Herb_cn_name, Herb_name_pinyin, Property, Flavor, Meridian)."
        ),
    ],
    store: StoreOption = None,
    symmap: SymmapOption = None,
    problems_file: ProblemsOption = None,
    wait: WaitOption = 0.0,
) -> None:
    """Import herbs' nature, flavours and meridians (性味归经) as TCM theory claims."""
    _import_file(import_herb_properties, file, store, symmap, problems_file, wait)


@import_app.command("preparations")
def preparations_command(
    file: Annotated[
        Path,
        typer.Argument(help="A hospital's preparation catalogue (.csv or .xlsx; see the README)."),
    ],
    store: StoreOption = None,
    symmap: SymmapOption = None,
    problems_file: ProblemsOption = None,
    wait: WaitOption = 0.0,
) -> None:
    """Import hospital preparations (医疗机构制剂): composition, doses and stated indications."""
    from ingest.importers.preparations import import_preparations

    _import_file(import_preparations, file, store, symmap, problems_file, wait)


def register(app: typer.Typer) -> None:
    """Add the ``import`` command group to the CLI."""
    app.add_typer(import_app, name="import")
