"""Ranking commands: `rank` (candidates for an indication) and `explain` (one row)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from queries.config import DEFAULT_ROWS
from queries.explain import UnknownCandidateError, explain_candidate, other_kinds
from queries.indications import UnknownIndicationError
from queries.rank import DEFAULT_KIND, CandidateKind, prepare, rank_in_context
from queries.scoring import Certainty
from queries.traditional import UnknownSyndromeError
from tcmkg.console import (
    ConfigOption,
    StoreOption,
    SyndromeOption,
    console,
    err_console,
    fail,
    opened_store,
    scoring_config,
)
from tcmkg.views import print_explanation, print_syndrome_note, rank_csv, rank_table


class RankFormat(StrEnum):
    """Output formats of ``rank``."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


class ExplainFormat(StrEnum):
    """Output formats of ``explain``."""

    TABLE = "table"
    JSON = "json"


def rank(
    indication: Annotated[
        str, typer.Argument(help="Indication: a name in any language, or a CURIE.")
    ],
    kind: Annotated[
        CandidateKind,
        typer.Option(
            help="Which candidates: tcm = herbs, formulas and preparations; all adds compounds."
        ),
    ] = DEFAULT_KIND,
    top: Annotated[int, typer.Option(min=1, help="Number of rows.")] = DEFAULT_ROWS,
    min_certainty: Annotated[
        str | None,
        typer.Option(help="Drop rows below this certainty: high, moderate, low, very-low."),
    ] = None,
    fmt: Annotated[RankFormat, typer.Option("--format", help="Output format.")] = (
        RankFormat.TABLE
    ),
    exact: Annotated[
        bool,
        typer.Option(
            "--exact", help="The indication term only, without its synonyms and narrower terms."
        ),
    ] = False,
    syndrome: SyndromeOption = None,
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Rank herbs, formulas, preparations and compounds for an indication, with both axes.

    With --syndrome, for the indication within that syndrome, with a third, traditional axis.
    """
    try:
        floor = Certainty.parse(min_certainty) if min_certainty else None
    except ValueError as err:
        fail(str(err))
    cfg = scoring_config(config)
    with opened_store(store, must_exist=True, read_only=True) as st:
        try:
            # On stderr, so that JSON and CSV output stays clean; the first request after a
            # change to the store projects its mechanism layer, which takes seconds on 1M triples.
            with err_console.status("ranking …"):
                ctx = prepare(st, indication, cfg, exact=exact, syndrome=syndrome)
                rows = rank_in_context(ctx, kind, top, floor)
        except (UnknownIndicationError, UnknownSyndromeError) as err:
            fail(str(err.args[0]))
    if fmt is RankFormat.JSON:
        print(json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=2))
    elif fmt is RankFormat.CSV:
        print(rank_csv(rows), end="")
    else:
        named = ctx.syndrome.concept if ctx.syndrome is not None else None
        console.print(rank_table(rows, indication, named))
        if named is not None:
            print_syndrome_note(named)
        # What the name covered: the matched terms, their synonyms and narrower terms.
        covered = [(c.label if (c := ctx.candidate(t)) else t) for t in ctx.indication.terms]
        console.print("covers: " + "; ".join(covered), highlight=False)
        if not rows:
            console.print("No candidates with evidence for this indication.")


def explain(
    candidate: Annotated[str, typer.Argument(help="Herb, formula, preparation or compound.")],
    indication: Annotated[str, typer.Argument(help="Indication: a name or a CURIE.")],
    fmt: Annotated[ExplainFormat, typer.Option("--format", help="Output format.")] = (
        ExplainFormat.TABLE
    ),
    syndrome: SyndromeOption = None,
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Show the evidence, mechanism paths and counter-evidence behind one ranked row."""
    cfg = scoring_config(config)
    with opened_store(store, must_exist=True, read_only=True) as st:
        try:
            with err_console.status("explaining …"):
                exp = explain_candidate(st, candidate, indication, cfg, syndrome=syndrome)
                # A name of several kinds explains the first (the herb of "licorice") and says
                # that the others exist, as the API's also_named does.
                others = other_kinds(st, candidate, exp.row.candidate)
        except (UnknownIndicationError, UnknownCandidateError, UnknownSyndromeError) as err:
            fail(str(err.args[0]))
    if fmt is ExplainFormat.JSON:
        answer = exp.to_json()
        answer["also_named"] = [c.to_json() for c in others]
        print(json.dumps(answer, ensure_ascii=False, indent=2))
    else:
        print_explanation(exp)
        for other in others:
            print(
                f"also named {candidate!r}: {other.label} ({other.kind}, {other.id}); "
                "ask for it by its id to explain it"
            )


def register(app: typer.Typer) -> None:
    """Add ``rank`` and ``explain`` to the CLI."""
    app.command()(rank)
    app.command()(explain)
