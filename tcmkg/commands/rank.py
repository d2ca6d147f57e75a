"""Ranking commands: `rank` (candidates for an indication) and `explain` (one row)."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kg.settings import get_settings
from queries.config import ScoringConfig, ScoringConfigError, load_config
from queries.explain import Explanation, UnknownCandidateError, explain_candidate
from queries.indications import UnknownIndicationError
from queries.rank import CandidateKind, RankedRow, SafetyFlag, rank_candidates
from queries.scoring import Certainty
from tcmkg.console import EXIT_ERROR, StoreOption, console, err_console, fail, opened_store


class RankFormat(StrEnum):
    """Output formats of ``rank``."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


class ExplainFormat(StrEnum):
    """Output formats of ``explain``."""

    TABLE = "table"
    JSON = "json"


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="TOML file overriding scoring constants (see docs/scoring.md). "
        "Also TCMKG_SCORING_CONFIG.",
        show_default=False,
    ),
]


def scoring_config(path: Path | None) -> ScoringConfig:
    """The scoring configuration from ``--config``, the settings, or the defaults."""
    try:
        return load_config(path or get_settings().scoring_config)
    except ScoringConfigError as err:
        fail(str(err), EXIT_ERROR)


def number(x: float) -> str:
    """A score for display: three decimals, or scientific notation when tiny."""
    if x == 0:
        return "0"
    return f"{x:.3f}" if x >= 0.001 else f"{x:.1e}"


def flag_text(flag: SafetyFlag) -> str:
    """One safety flag in words (``toxicity: Acute kidney injury (0.31)``)."""
    via = f" via {flag.via}" if flag.via else ""
    return f"{flag.kind}: {flag.object_label} ({number(flag.belief)}){via}"


def rank_table(rows: list[RankedRow], indication: str) -> Table:
    """The ranking as a rich table with both axes, blend, certainty, counts and safety."""
    table = Table(title=f"Candidates for {indication!r}", show_lines=False)
    for name, justify in [
        ("#", "right"),
        ("candidate", "left"),
        ("kind", "left"),
        ("clinical", "right"),
        ("mechanistic", "right"),
        ("score", "right"),
        ("certainty", "left"),
        ("for/against", "center"),
        ("safety", "left"),
    ]:
        # Ids and safety flags wrap rather than end in "…": a cropped id cannot be copied into
        # `tcmkg explain`, and a cropped flag hides what counts against the row.
        overflow = "fold" if name in ("candidate", "safety") else "ellipsis"
        table.add_column(name, justify=justify, overflow=overflow)  # type: ignore[arg-type]
    for i, row in enumerate(rows, 1):
        safety = "; ".join(flag_text(f) for f in row.safety) or "none found"
        table.add_row(
            str(i),
            f"{row.candidate.label}\n[dim]{row.candidate.id}[/]",
            row.candidate.kind,
            number(row.clinical),
            number(row.mechanistic),
            f"[bold]{number(row.score)}[/]",
            row.certainty.label,
            f"{row.supporting}/{row.contradicting}",
            f"[red]{safety}[/]" if row.safety else f"[dim]{safety}[/]",
        )
    return table


def rank_csv(rows: list[RankedRow]) -> str:
    """The ranking as CSV, one row per candidate."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "rank",
            "id",
            "label",
            "kind",
            "clinical",
            "mechanistic",
            "score",
            "certainty",
            "supporting",
            "contradicting",
            "safety",
        ]
    )
    for i, r in enumerate(rows, 1):
        writer.writerow(
            [
                i,
                r.candidate.id,
                r.candidate.label,
                r.candidate.kind,
                f"{r.clinical:.6g}",
                f"{r.mechanistic:.6g}",
                f"{r.score:.6g}",
                r.certainty.label,
                r.supporting,
                r.contradicting,
                "; ".join(flag_text(f) for f in r.safety),
            ]
        )
    return out.getvalue()


def print_explanation(exp: Explanation) -> None:
    """Print an explanation for a reader: summary, evidence, paths, what counts against."""
    row = exp.row
    terms = ", ".join(exp.labels.get(t, t) for t in exp.terms)
    console.print(
        f"[bold]{row.candidate.label}[/] ({row.candidate.id}, {row.candidate.kind}) for "
        f"[bold]{exp.query}[/] — covers: {terms}"
    )
    console.print(
        f"score {number(row.score)} = clinical {number(row.clinical)}, mechanistic "
        f"{number(row.mechanistic)}; certainty {row.certainty.label}; "
        f"{row.supporting} studies for, {row.contradicting} against"
    )
    table = Table(title="Evidence (strongest first)")
    for col in ("source", "year", "design", "n", "direction", "r", "counts", "sentence"):
        table.add_column(col, overflow="fold")
    for e in exp.evidence:
        i = e.item
        direction = i.direction.value + (" (negated)" if i.negated else "")
        table.add_row(
            i.source + ("".join(f"\n{t}" for t in i.trials)),
            str(i.year or "?"),
            i.design.value,
            str(i.sample_size or "?"),
            direction,
            number(e.weight),
            "[green]for[/]" if e.polarity > 0 else "[red]against[/]",
            i.sentence or "",
        )
    if exp.evidence:
        console.print(table)
    else:
        console.print("No direct treatment evidence.")
    if exp.paths:
        console.print("[bold]Mechanism paths[/] (strongest first):")
        for p in exp.paths:
            names = " → ".join(exp.labels.get(n, n) for n in p.nodes)
            console.print(f"  {number(p.weight)}  {names}")
    else:
        console.print("No mechanism paths to this indication.")
    against = [
        f"{e.item.source} ({e.item.design.value}, {e.item.direction.value})" for e in exp.against
    ]
    console.print("[bold]Counted against:[/] " + ("; ".join(against) or "no contradicting studies"))
    console.print(
        "[bold]Safety:[/] "
        + ("; ".join(flag_text(f) for f in exp.safety) or "no harm evidence found in the graph")
    )


def rank(
    indication: Annotated[
        str, typer.Argument(help="Indication: a name in any language, or a CURIE.")
    ],
    kind: Annotated[
        CandidateKind,
        typer.Option(
            help="Which candidates: tcm = herbs, formulas and preparations; all adds compounds."
        ),
    ] = CandidateKind.TCM,
    top: Annotated[int, typer.Option(min=1, help="Number of rows.")] = 20,
    min_certainty: Annotated[
        str | None,
        typer.Option(help="Drop rows below this certainty: high, moderate, low, very-low."),
    ] = None,
    fmt: Annotated[RankFormat, typer.Option("--format", help="Output format.")] = (
        RankFormat.TABLE
    ),
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Rank herbs, formulas, preparations and compounds for an indication, with both axes."""
    try:
        floor = Certainty.parse(min_certainty) if min_certainty else None
    except ValueError as err:
        fail(str(err))
    cfg = scoring_config(config)
    with opened_store(store, must_exist=True) as st:
        try:
            # On stderr, so that JSON and CSV output stays clean; the first request after a
            # change to the store projects its mechanism layer, which takes seconds on 1M triples.
            with err_console.status("ranking …"):
                rows = rank_candidates(st, indication, kind, top, floor, cfg)
        except UnknownIndicationError as err:
            fail(str(err.args[0]))
    if fmt is RankFormat.JSON:
        print(json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=2))
    elif fmt is RankFormat.CSV:
        print(rank_csv(rows), end="")
    else:
        console.print(rank_table(rows, indication))
        if not rows:
            console.print("No candidates with evidence for this indication.")


def explain(
    candidate: Annotated[str, typer.Argument(help="Herb, formula, preparation or compound.")],
    indication: Annotated[str, typer.Argument(help="Indication: a name or a CURIE.")],
    fmt: Annotated[ExplainFormat, typer.Option("--format", help="Output format.")] = (
        ExplainFormat.TABLE
    ),
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Show the evidence, mechanism paths and counter-evidence behind one ranked row."""
    cfg = scoring_config(config)
    with opened_store(store, must_exist=True) as st:
        try:
            with err_console.status("explaining …"):
                exp = explain_candidate(st, candidate, indication, cfg)
        except (UnknownIndicationError, UnknownCandidateError) as err:
            fail(str(err.args[0]))
    if fmt is ExplainFormat.JSON:
        print(json.dumps(exp.to_json(), ensure_ascii=False, indent=2))
    else:
        print_explanation(exp)


def register(app: typer.Typer) -> None:
    """Add ``rank`` and ``explain`` to the CLI."""
    app.command()(rank)
    app.command()(explain)
