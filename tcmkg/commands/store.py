"""Store commands: ``stats``, ``query``, ``load`` and ``export``.

Every command takes ``--store``; errors name what and where and exit with code 2.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, BinaryIO, cast

import typer
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, serialize
from rich.markup import escape
from rich.progress import (
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from ingest.load.backfill import FillReport, fill_scoring_inputs
from ingest.vocabulary.store_seed import ensure_seed_vocabulary
from kg import iri
from kg.export import EXPORT_ALIASES, export, export_format, export_formats
from kg.sparql import BindValue, QueryTextError, parse_param
from kg.store import GraphStore, QueryResult, SelectResult, StoreError, Term
from tcmkg.console import (
    StoreOption,
    WaitOption,
    console,
    err_console,
    fail,
    opened_store,
    progress_display,
    task_progress,
    with_choices,
)


class ResultFormat(StrEnum):
    """Output formats of ``tcmkg query``."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    TSV = "tsv"


def stats(store: StoreOption = None) -> None:
    """Print the number of quads and named graphs in the store."""
    with opened_store(store, must_exist=True, read_only=True) as st:
        table = Table(title=f"tcmkg store {st.location}")
        table.add_column("what")
        table.add_column("count", justify="right")
        table.add_row("quads", f"{st.count():,}")
        table.add_row("named graphs", f"{len(st.named_graphs()):,}")
        console.print(table)


# -- query ----------------------------------------------------------------------------------


def _query_text(query: str) -> str:
    """The query itself, or the contents of the ``.rq`` file it names."""
    path = Path(query)
    looks_like_file = path.suffix.lower() in (".rq", ".sparql") and "\n" not in query
    if looks_like_file or (len(query) < 4096 and "{" not in query and path.is_file()):
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            fail(f"{path}: no such query file")
        except UnicodeDecodeError as err:
            fail(f"{path}: not UTF-8 text: {err}")
        except OSError as err:
            fail(f"{path}: cannot read: {err.strerror or err}")
    return query


def _plain(term: Term | None) -> str:
    """A term as SPARQL CSV writes it: IRI, lexical form or blank node label."""
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, NamedNode | Literal):
        return term.value
    return str(term)


def _compact(term: Term | None) -> str:
    """A term for a table on screen: CURIE where a known prefix covers an IRI."""
    if isinstance(term, NamedNode):
        return iri.contract(term.value)
    return _plain(term)


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != iri.XSD + "string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


def format_select(result: SelectResult, fmt: ResultFormat) -> str:
    """SELECT results as SPARQL 1.1 JSON, CSV or TSV text (``table`` is printed by rich)."""
    if fmt is ResultFormat.JSON:
        bindings = [
            {v: _json_term(t) for v, t in zip(result.variables, row, strict=True) if t is not None}
            for row in result.rows
        ]
        doc = {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    if fmt is ResultFormat.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(result.variables)
        writer.writerows([_plain(t) for t in row] for row in result.rows)
        return buffer.getvalue()
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def _print_result(result: QueryResult, fmt: ResultFormat) -> None:
    if isinstance(result, bool):
        if fmt is ResultFormat.JSON:
            sys.stdout.write(json.dumps({"head": {}, "boolean": result}) + "\n")
        else:
            sys.stdout.write(("true" if result else "false") + "\n")
        return
    if isinstance(result, list):
        # A graph result is written as N-Triples whatever the table format asked.
        data = serialize(result, format=RdfFormat.N_TRIPLES) if result else b""
        sys.stdout.buffer.write(data or b"")
        sys.stdout.flush()
        return
    if fmt is ResultFormat.TABLE:
        table = Table(*result.variables, caption=f"{len(result):,} rows")
        for row in result.rows:
            table.add_row(*(_compact(t) for t in row))
        console.print(table)
        return
    sys.stdout.write(format_select(result, fmt))


def query(
    sparql: Annotated[str, typer.Argument(help="SPARQL query text, or a .rq file.")],
    fmt: Annotated[
        ResultFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ResultFormat.TABLE,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            help="Bind a variable: name=value. <IRI> or a known CURIE is an IRI, anything "
            "else a string. Repeat for several.",
        ),
    ] = None,
    store: StoreOption = None,
) -> None:
    """Run a SPARQL query on the store's own engine and print the results."""
    text = _query_text(sparql)
    bindings: dict[str, BindValue] = {}
    for item in param or []:
        try:
            name, value = parse_param(item)
        except ValueError as err:
            fail(str(err))
        bindings[name] = value
    with opened_store(store, must_exist=True, read_only=True) as st:
        try:
            result = st.query(text, bindings or None)
        except QueryTextError as err:
            fail(f"cannot bind parameters: {err}")
        _print_result(result, fmt)


# -- load -----------------------------------------------------------------------------------


def load(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="RDF files: .ttl .nt .nq .trig .jsonld .rdf/.owl, optionally .gz.",
            show_default=False,
        ),
    ],
    graph: Annotated[
        str | None, typer.Option("--graph", help="Load every statement into this named graph.")
    ] = None,
    bulk: Annotated[
        bool,
        typer.Option(
            "--bulk",
            help="Use the store's bulk loader (big files; each file is checked first, "
            "but not loaded in one transaction).",
        ),
    ] = False,
    scoring_inputs: Annotated[
        bool,
        typer.Option(
            "--scoring-inputs/--no-scoring-inputs",
            help="Afterwards, give every evidence item without a tcm:scoringInputs literal the "
            "one the writer makes (rankings read only that literal).",
        ),
    ] = True,
    vocabulary: Annotated[
        bool,
        typer.Option(
            "--vocabulary/--no-vocabulary",
            help="Afterwards, write the shipped vocabulary's names and disease hierarchy "
            "(its own versioned named graph) unless the store holds this version, so every "
            "name of a loaded entity finds it, as after ingest or import.",
        ),
    ] = True,
    store: StoreOption = None,
    wait: WaitOption = 0.0,
) -> None:
    """Load RDF files; a malformed file is reported and nothing of it is written.

    Evidence items written by an older tcmkg or by another tool lack the tcm:scoringInputs
    literal that rankings read; after loading, each such item gets it, made from the item's
    own triples, and values that cannot be read are reported. The shipped vocabulary's names
    and disease hierarchy are written too when the store lacks this version of them.
    """
    if graph is not None:
        try:
            NamedNode(graph)
        except ValueError as err:
            fail(f"--graph {graph!r} is not an IRI: {err}")
    failures = 0
    total = 0
    with (
        opened_store(store, wait=wait) as st,
        task_progress() as progress,
    ):
        task = progress.add_task("loading", total=len(files))
        for path in files:
            progress.update(task, description=f"loading {path.name}")
            try:
                n = st.load_file(path, graph, bulk=bulk)
            except StoreError as err:
                failures += 1
                message = str(err)
                if str(path) not in message:
                    message = f"{path}: {message}"
                err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
            else:
                total += n
                progress.console.print(f"{path}: {n:,} statements", highlight=False)
            progress.advance(task)
        filled = _fill_scoring_inputs(st, progress) if scoring_inputs and total else None
        # Names travel with the data: a dump without the shipped vocabulary's graph (or with
        # an older version of it) gets this version, so its diseases are found by every name
        # and widened to their narrower terms, as after ingest or import.
        seeded = vocabulary and bool(total) and ensure_seed_vocabulary(st)
    err_console.print(
        f"loaded {total:,} statements from {len(files) - failures} of {len(files)} files",
        highlight=False,
    )
    if filled is not None:
        _print_fill(filled)
    if seeded:
        err_console.print("wrote the shipped vocabulary's names and hierarchy", highlight=False)
    if failures:
        raise typer.Exit(2)


SHOWN_FILL_PROBLEMS = 20  # as the import commands: the first ones, then how many more


def _fill_scoring_inputs(st: GraphStore, progress: Progress) -> FillReport:
    """Run :func:`ingest.load.backfill.fill_scoring_inputs` behind a progress bar of its graphs."""
    task = progress.add_task("looking for evidence items without scoring inputs", total=None)

    def advance(done: int, todo: int) -> None:
        progress.update(task, description="adding scoring inputs", completed=done, total=todo)

    try:
        return fill_scoring_inputs(st, advance)
    except StoreError as err:
        fail(
            f"adding scoring inputs to loaded evidence items failed: {err}. The files are "
            "loaded and the graphs filled so far stay filled; load again to finish."
        )


def _print_fill(report: FillReport) -> None:
    """One line of what the fill added, then its problems; nothing when nothing was missing."""
    if not (report.filled or report.skipped or report.problems):
        return
    line = f"added scoring inputs to {report.filled:,} evidence items in {report.graphs:,} graphs"
    if report.skipped:
        line += f"; {report.skipped:,} left without (not ranked)"
    err_console.print(line, highlight=False)
    for problem in report.problems[:SHOWN_FILL_PROBLEMS]:
        err_console.print(f"[red]{escape(problem)}[/]", highlight=False, soft_wrap=True)
    more = len(report.problems) - SHOWN_FILL_PROBLEMS
    if more > 0:
        err_console.print(f"[red]… and {more:,} more problems[/]", highlight=False)


# -- export ---------------------------------------------------------------------------------


class _CountingWriter:
    """A binary sink that forwards writes and shows the bytes written on a progress bar."""

    def __init__(self, out: BinaryIO, progress: Progress, task: TaskID) -> None:
        self._out, self._progress, self._task = out, progress, task

    def write(self, data: bytes) -> int:
        n = self._out.write(data)
        self._progress.advance(self._task, len(data))
        return n

    def flush(self) -> None:
        self._out.flush()


def export_command(
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help="Export format.")],
    output: Annotated[
        Path,
        typer.Argument(
            metavar="OUTPUT",
            help="File to write (.gz compresses; - for standard output), or a directory for "
            "kgx (nodes.jsonl and edges.jsonl).",
        ),
    ],
    graph: Annotated[
        str | None,
        typer.Option("--graph", help="Export only this named graph (RDF formats)."),
    ] = None,
    store: StoreOption = None,
) -> None:
    """Export the store as an RDF dump or as KGX nodes/edges JSON Lines."""
    name = fmt
    with (
        opened_store(store, must_exist=True, read_only=True) as st,
        progress_display(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            DownloadColumn(),
            TimeElapsedColumn(),
        ) as progress,
    ):
        task = progress.add_task(f"exporting {name}", total=None)
        if str(output) == "-":
            if name in EXPORT_ALIASES:
                fail(f"{name} writes two files: give a directory, not -")
            chosen = export_format(name)
            if graph is not None and chosen.whole_store:
                fail(f"{name} export covers the whole store: drop --graph")
            writer = _CountingWriter(sys.stdout.buffer, progress, task)
            chosen.write(st, cast(BinaryIO, writer), graph)
            writer.flush()
            return

        def report(kind: str, n: int) -> None:
            progress.update(task, description=f"exporting {kind}: {n:,}")

        counts = export(st, name, output, graph, progress=report)
    if counts is not None:
        err_console.print(
            f"wrote {counts[0]:,} nodes and {counts[1]:,} edges to {output}", highlight=False
        )
    else:
        err_console.print(f"wrote {output} ({output.stat().st_size:,} bytes)", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the store commands to the CLI."""
    app.command()(stats)
    app.command()(query)
    app.command()(load)
    names = [fmt.name for fmt in export_formats()]
    described = "; ".join(f"{fmt.name} ({fmt.description})" for fmt in export_formats())
    aliases = "; ".join(f"{alias} ({what})" for alias, what in EXPORT_ALIASES.items())
    help_text = f"Export format: {described}; also {aliases}."
    app.command("export")(
        with_choices(export_command, "fmt", names, list(EXPORT_ALIASES), help_text)
    )
