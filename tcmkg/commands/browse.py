"""``tcmkg browse`` and ``tcmkg syndromes``: the materia medica by TCM theory."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from queries.browse import (
    DEFAULT_LIMIT,
    BrowseKind,
    browse,
    search_syndromes,
)
from queries.resolve import UnknownNameError
from tcmkg.console import StoreOption, console, fail, opened_store, scoring_config


class BrowseFormat(StrEnum):
    """Output formats of ``browse`` and ``syndromes``."""

    TABLE = "table"
    JSON = "json"


FormatOption = Annotated[BrowseFormat, typer.Option("--format", help="Output format.")]
NameOption = Annotated[str | None, typer.Option(help="A name in characters, pinyin or English.")]


def _names(concepts: list[dict[str, Any]]) -> str:
    return ", ".join(
        f"{c['zh']} {c['label']}" if c.get("zh") else str(c["label"]) for c in concepts
    )


def browse_command(
    kind: Annotated[
        BrowseKind, typer.Argument(help="herb, formula, preparation or all.")
    ] = BrowseKind.HERB,
    action: Annotated[
        str | None,
        typer.Option(
            help="Action category (功效): 活血化瘀, 'huo xue hua yu', 'activate blood and resolve "
            "stasis'. Covers narrower actions (补虚 finds 补气 herbs). A formula's actions are "
            "those of its classical indications' treatment principles."
        ),
    ] = None,
    nature: Annotated[str | None, typer.Option(help="Nature (四气): 寒, cold, wei han …")] = None,
    flavour: Annotated[str | None, typer.Option(help="Flavour (五味): 苦, bitter …")] = None,
    meridian: Annotated[str | None, typer.Option(help="Meridian (归经): 肝, liver …")] = None,
    syndrome: Annotated[
        str | None, typer.Option(help="Indicated for this syndrome (or a narrower one).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Rows to show.")] = DEFAULT_LIMIT,
    fmt: FormatOption = BrowseFormat.TABLE,
    store: StoreOption = None,
) -> None:
    """List herbs, formulas or preparations by action, nature, flavour, meridian or syndrome.

    Filters combine: every one given must hold.
    """
    with opened_store(store, must_exist=True, read_only=True) as st:
        try:
            result = browse(
                st,
                kind,
                action=action,
                nature=nature,
                flavour=flavour,
                meridian=meridian,
                syndrome=syndrome,
                limit=limit,
                config=scoring_config(None),
            )
        except UnknownNameError as err:  # a syndrome or a filter value that names nothing
            fail(str(err.args[0]))
    if fmt is BrowseFormat.JSON:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    given = "; ".join(f"{k}: {_names([v])}" for k, v in result.filters.items()) or "no filter"
    table = Table(title=f"{kind.value} by {given} ({result.total})")
    for column in ("name", "kind", "actions", "nature · flavour · meridian", "toxicity", "for"):
        table.add_column(column, overflow="fold")
    for item in result.items:
        table.add_row(
            f"{item['label']}\n[dim]{item['id']}[/]",
            item["kind"],
            _names(item["actions"]),
            " · ".join(_names(item[k]) for k in ("natures", "flavours", "meridians") if item[k]),
            _names(item["toxicity"]),
            _names(item["indicated_for"]),
        )
    console.print(table)
    if result.total > len(result.items):
        console.print(f"… and {result.total - len(result.items):,} more (use --limit)")
    if not result.items:
        console.print("Nothing in the store passes these filters.")


def syndromes_command(
    name: Annotated[
        str, typer.Argument(help="Part of a name in characters, pinyin or English; '' for all.")
    ] = "",
    limit: Annotated[int, typer.Option(min=1, help="Rows to show.")] = 20,
    fmt: FormatOption = BrowseFormat.TABLE,
    store: StoreOption = None,
) -> None:
    """Find TCM syndromes (证候) by name, with their treatment principles."""
    with opened_store(store, must_exist=True, read_only=True) as st:
        found = search_syndromes(st, name, limit)
    if fmt is BrowseFormat.JSON:
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Syndromes matching {name!r}")
    for column in ("syndrome", "pinyin", "English", "treatment principle", "id"):
        table.add_column(column, overflow="fold")
    for s in found:
        p = s["principle"]
        table.add_row(
            s["zh"] or "",
            s["pinyin"] or "",
            s["label"],
            " ".join(x for x in (p["zh"], p["en"]) if x),
            s["id"],
        )
    console.print(table)
    if not found:
        console.print("No syndrome has a name like that.")


def register(app: typer.Typer) -> None:
    """Add ``browse`` and ``syndromes`` to the CLI."""
    app.command("browse")(browse_command)
    app.command("syndromes")(syndromes_command)
