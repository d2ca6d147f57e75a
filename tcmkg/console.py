"""What every ``tcmkg`` command shares: the consoles, ``fail``, ``--store`` and the progress bar.

Commands import this module, never :mod:`tcmkg.cli`, so that each command module imports on its
own and the CLI imports its commands, not the other way round.

Exit codes: 0 ok, 1 validation failure, 2 usage or runtime error.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from copy import copy
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from typer.models import ParameterInfo

from kg.settings import get_settings
from kg.store import GraphStore, StoreError, open_store
from queries.config import ScoringConfig, ScoringConfigError, load_config

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_ERROR = 2


# Wide enough that no table a command prints is folded to fit: when nothing shows the output
# (a pipe, a file, CI), a line is a line, whatever COLUMNS says.
_PLAIN_WIDTH = 10_000


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except ValueError:  # a closed stream
        return False


def _console(*, stderr: bool) -> Console:
    """A console that lays out for the terminal it writes to, and for none when there is none.

    On a terminal rich fits text and tables to its width. Anywhere else (pipes, files, CI logs)
    messages are never wrapped (soft wrap) and tables are as wide as their content, so the output
    is the same whatever the width of the terminal the command was started from and a script
    can grep an error for a whole path.
    """
    if _is_terminal(sys.stderr if stderr else sys.stdout):
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=_PLAIN_WIDTH, soft_wrap=True)


console = _console(stderr=False)
err_console = _console(stderr=True)


def shows_progress() -> bool:
    """Whether progress displays are drawn: only when stderr is a terminal to draw them on."""
    return err_console.is_terminal


def progress_display(*columns: ProgressColumn | str, transient: bool = True) -> Progress:
    """A progress display on stderr, drawn only when stderr is a terminal (else disabled)."""
    return Progress(
        *columns, console=err_console, transient=transient, disable=not shows_progress()
    )


StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Store location: oxigraph:PATH (default under the user data folder), memory:, "
        "or sparql:QUERY_URL[;update=UPDATE_URL]. Also TCMKG_STORE.",
        show_default=False,
    ),
]


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="TOML file overriding scoring constants (see docs/scoring.md). "
        "Also TCMKG_SCORING_CONFIG.",
        show_default=False,
    ),
]

# Every command that ranks (rank, explain, dossier) takes the syndrome the same way.
SyndromeOption = Annotated[
    str | None,
    typer.Option(
        help="Rank within a TCM syndrome (病证结合): its name in characters, pinyin or "
        "English (qi-yin deficiency, 气阴两虚证). Studies of that syndrome's patients count "
        "fully, of another syndrome less; adds the traditional axis."
    ),
]

WaitOption = Annotated[
    float,
    typer.Option(
        "--wait",
        help="Seconds to wait while another process (a server, an ingest) holds the store "
        "before giving up; by default give up at once, naming that process.",
        min=0,
    ),
]


def scoring_config(path: Path | None) -> ScoringConfig:
    """The scoring configuration from ``--config``, the settings, or the defaults."""
    try:
        return load_config(path or get_settings().scoring_config)
    except ScoringConfigError as err:
        fail(str(err), EXIT_ERROR)


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """Print an error message to stderr and exit with ``code``."""
    # The message is text, not markup: a path such as "runs/[2024]/store" is printed as it is.
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def opened_store(
    location: str | None, *, must_exist: bool = False, read_only: bool = False, wait: float = 0.0
) -> Iterator[GraphStore]:
    """Open the store named by ``--store`` (or the settings); exit 2 with the reason on failure.

    Commands that only read pass ``must_exist`` so that a mistyped path is an error, not an
    empty answer from a new store, and ``read_only`` so that they read while another process
    holds the store (see :func:`kg.store.open_store`); writing commands pass their ``--wait``.
    """
    where = location or get_settings().store_location()
    try:
        store = open_store(where, must_exist=must_exist, read_only=read_only, wait=wait)
    except StoreError as err:
        fail(str(err))
    if store.read_note and err_console.is_terminal:
        err_console.print(f"note: {store.read_note}", highlight=False)
    try:
        yield store
    except StoreError as err:
        fail(str(err))
    finally:
        store.close()


def task_progress() -> Progress:
    """The progress bar of long commands (load, import, fetch): on stderr, gone when done."""
    return progress_display(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )


class NamedChoice:
    """A parser that takes one of the registered names or an older spelling (``aliases``).

    An alias is passed on as it was typed, for the command to resolve; anything else is a
    usage error listing the names.
    """

    def __init__(self, names: Sequence[str], aliases: Sequence[str] = ()) -> None:
        self.names = tuple(names)
        self.aliases = tuple(aliases)

    def __call__(self, value: object) -> str:
        """``value`` if it is a name or an alias, else ValueError listing the names."""
        if isinstance(value, str) and (value in self.names or value in self.aliases):
            return value
        raise ValueError(f"{value!r} is not one of {', '.join(self.names)}")


def with_choices(
    command: Callable[..., None],
    param: str,
    names: Sequence[str],
    aliases: Sequence[str] = (),
    help: str | None = None,
) -> Callable[..., None]:
    """``command`` with its ``param`` (a ``str`` option or argument) limited to ``names``.

    The help is ``help`` (which should name them), else the parameter's own help followed by
    the names.

    Commands call this in their ``register`` so that choices read from a registry are the
    ones registered when the app is built, not when the module was imported. ``help``
    replaces the parameter's help (to describe the names).
    """
    signature = inspect.signature(command, eval_str=True)
    old = signature.parameters[param]
    infos = [m for m in getattr(old.annotation, "__metadata__", ()) if isinstance(m, ParameterInfo)]
    if len(infos) != 1:
        raise TypeError(f"{command.__name__}: {param} needs one typer.Option or typer.Argument")
    info = copy(infos[0])
    info.parser = NamedChoice(names, aliases)
    info.help = help or f"{info.help or ''} One of: {', '.join(names)}.".strip()
    parameters = [
        p.replace(annotation=Annotated[str, info]) if p.name == param else p
        for p in signature.parameters.values()
    ]

    @functools.wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> None:
        command(*args, **kwargs)

    wrapped.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return wrapped
