"""``tcmkg fetch pubmed|trials`` and ``tcmkg sync``: bring the literature in from the live services.

These commands need internet access (NCBI E-utilities, the ClinicalTrials.gov API v2); the
service addresses, the NCBI API key and contact e-mail come from the settings
(``TCMKG_NCBI_API_KEY``, ``TCMKG_NCBI_EMAIL``, ``TCMKG_NCBI_BASE_URL``,
``TCMKG_CTGOV_BASE_URL``). A fetch writes files that ``tcmkg ingest`` reads and resumes an
interrupted download when run again into the same folder; ``sync`` re-runs a store's saved
queries and ingests only what is new or revised.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    Progress,
    TaskID,
)
from rich.table import Table

from ingest.fetch.ctgov import TrialsClient, fetch_trials
from ingest.fetch.http import FetchError
from ingest.fetch.pubmed import PubMedClient, fetch_pubmed
from ingest.fetch.state import FetchResult
from ingest.fetch.sync import SyncOutcome, remove_query, save_query, saved_queries, sync_store
from kg.settings import get_settings, user_data_dir
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


class _Bar:
    """The fetch progress hook, drawn as a rich progress bar."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def start(self, label: str, total: int | None) -> None:
        if self._task is None:
            self._task = self._progress.add_task(label, total=total)
        else:
            self._progress.reset(self._task, total=total, description=label)

    def advance(self, amount: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)


def _retry_note(reason: str, delay: float) -> None:
    err_console.print(f"[yellow]retrying in {delay:.1f} s:[/] {escape(reason)}", highlight=False)


def pubmed_client() -> PubMedClient:
    """A PubMed client configured from the settings."""
    settings = get_settings()
    client = PubMedClient(
        settings.ncbi_base_url, api_key=settings.ncbi_api_key, email=settings.ncbi_email
    )
    client.http.on_retry = _retry_note
    return client


def trials_client() -> TrialsClient:
    """A ClinicalTrials.gov client configured from the settings."""
    client = TrialsClient(get_settings().ctgov_base_url)
    client.http.on_retry = _retry_note
    return client


def _since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--since {value!r} is not a date (YYYY-MM-DD)")


QueryArgument = Annotated[str, typer.Argument(help="The search, in the service's own syntax.")]
SinceOption = Annotated[
    str | None,
    typer.Option("--since", help="Only records added or revised on or after this date."),
]
MaxOption = Annotated[
    int | None, typer.Option("--max", min=1, help="Fetch at most this many records.")
]
OutOption = Annotated[
    Path,
    typer.Option(
        "--output",
        "-o",
        help="Folder for the downloaded files (an interrupted download "
        "resumes when run again into the same folder).",
    ),
]


def _report(result: FetchResult, folder: Path) -> None:
    for note in result.notes:
        err_console.print(f"[yellow]note:[/] {escape(str(note))}", highlight=False)
    console.print(
        f"{result.records:,} records ({result.matches:,} match) in {len(result.files)} files "
        f"in {folder}: {result.fetched_batches} fetched now, {result.resumed_batches} from an "
        f"earlier run; {result.requests} requests, {result.retries} retried",
        highlight=False,
    )
    console.print(f"next: tcmkg ingest {folder}", highlight=False, markup=False)


def _run_fetch(download: Callable[[_Bar], FetchResult], output: Path) -> None:
    """Run one download with a progress bar; a failure keeps what was fetched, for resuming."""
    with task_progress() as progress:
        try:
            result = download(_Bar(progress))
        except FetchError as exc:
            fail(f"{exc} (what was downloaded is kept; run again to resume)")
    _report(result, output)


def fetch_pubmed_command(
    query: QueryArgument,
    output: OutOption,
    since: SinceOption = None,
    max_records: MaxOption = None,
) -> None:
    """Download PubMed records (PubMed XML, .xml.gz batches of up to 200) for a search."""
    client = pubmed_client()
    _run_fetch(
        lambda bar: fetch_pubmed(
            query, output, since=_since(since), max_records=max_records, client=client, progress=bar
        ),
        output,
    )


def fetch_trials_command(
    query: QueryArgument,
    output: OutOption,
    since: SinceOption = None,
    max_records: MaxOption = None,
) -> None:
    """Download ClinicalTrials.gov study records (API v2 JSON pages) for a search."""
    client = trials_client()
    _run_fetch(
        lambda bar: fetch_trials(
            query, output, since=_since(since), max_records=max_records, client=client, progress=bar
        ),
        output,
    )


# -- sync -----------------------------------------------------------------------------------


class Source(StrEnum):
    """Services a saved query can run against."""

    PUBMED = "pubmed"
    TRIALS = "trials"


_SOURCE_NAME = {Source.PUBMED: "pubmed", Source.TRIALS: "ctgov"}


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


def _print_outcomes(outcomes: list[SyncOutcome]) -> None:
    table = Table(title="tcmkg sync")
    for column in ("query", "fetched", "new", "revised", "unchanged", "retracted", "withdrawn"):
        table.add_column(column, justify="left" if column == "query" else "right")
    table.add_column("problems", justify="right")
    for o in outcomes:
        c = o.counts
        name = f"{o.query.source}: {o.query.text}"
        if o.error:
            table.add_row(name, f"[red]failed: {o.error}[/]", "", "", "", "", "", "")
            continue
        table.add_row(
            name,
            *(
                f"{n:,}"
                for n in (
                    c.fetched,
                    c.new,
                    c.revised,
                    c.unchanged,
                    c.retracted,
                    c.withdrawn,
                    c.problems,
                )
            ),
        )
    console.print(table)
    for o in outcomes:
        for problem in list(o.problems)[:20]:
            err_console.print(f"[yellow]problem:[/] {escape(str(problem))}", highlight=False)


sync_app = typer.Typer(
    help="Keep a store current: re-run its saved PubMed and ClinicalTrials.gov queries and "
    "ingest only what is new or revised (needs internet access).",
    no_args_is_help=False,
)


@sync_app.callback(invoke_without_command=True)
def sync_command(
    ctx: typer.Context,
    store: StoreOption = None,
    max_records: MaxOption = None,
    work: Annotated[
        Path | None,
        typer.Option("--work", help="Folder for downloads in progress (resumed if interrupted)."),
    ] = None,
    wait: WaitOption = 0.0,
) -> None:
    """Run every saved query of the store (see `tcmkg sync add`)."""
    if ctx.invoked_subcommand is not None:
        return
    folder = work or user_data_dir() / "sync"
    with opened_store(store, wait=wait) as st:
        if not saved_queries(st):
            fail('the store has no saved queries: add one with tcmkg sync add pubmed "QUERY"')
        with task_progress() as progress:
            outcomes = sync_store(
                st,
                folder,
                pubmed=pubmed_client(),
                trials=trials_client(),
                max_records=max_records,
                progress=_Bar(progress),
            )
        _print_outcomes(outcomes)
    if any(o.error for o in outcomes):
        raise typer.Exit(EXIT_ERROR)


@sync_app.command("add")
def sync_add(
    source: Annotated[Source, typer.Argument(help="pubmed or trials.")],
    query: QueryArgument,
    since: SinceOption = None,
    store: StoreOption = None,
) -> None:
    """Save a query in the store; `tcmkg sync` will run it."""
    with opened_store(store) as st:
        try:
            saved = save_query(st, _SOURCE_NAME[source], query, _since(since))
        except ValueError as exc:
            fail(str(exc))
    console.print(f"saved {saved.id}: {saved.source}: {saved.text}", highlight=False)


@sync_app.command("list")
def sync_list(store: StoreOption = None) -> None:
    """List the store's saved queries with their last run and its counts."""
    with opened_store(store) as st:
        queries = saved_queries(st)
    table = Table(title="saved queries")
    for column in ("id", "source", "query", "runs", "last run", "last: new", "revised", "error"):
        table.add_column(column)
    for q in queries:
        table.add_row(
            q.id,
            q.source,
            q.text,
            str(q.runs),
            _when(q.last_run),
            str(q.last.new),
            str(q.last.revised),
            q.error or "",
        )
    console.print(table)


@sync_app.command("remove")
def sync_remove(
    query_id: Annotated[str, typer.Argument(help="The saved query's id (see `sync list`).")],
    store: StoreOption = None,
) -> None:
    """Forget a saved query (the records it brought in stay in the store)."""
    with opened_store(store) as st:
        if not remove_query(st, query_id):
            fail(f"no saved query {query_id!r} in {st.location}")
    console.print(f"removed {query_id}", highlight=False)


fetch_app = typer.Typer(
    help="Download literature from PubMed or ClinicalTrials.gov (needs internet access).",
    no_args_is_help=True,
)
fetch_app.command("pubmed")(fetch_pubmed_command)
fetch_app.command("trials")(fetch_trials_command)


def register(app: typer.Typer) -> None:
    """Add ``fetch`` and ``sync`` to the CLI."""
    app.add_typer(fetch_app, name="fetch")
    app.add_typer(sync_app, name="sync")
