"""``tcmkg serve``: the REST API and SPARQL endpoint over HTTP; ``--hash-key`` makes a key hash."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from api.security import KeyHashError, hash_key, new_key, parse_key_hash
from kg.settings import get_settings
from kg.store import StoreError
from tcmkg.console import EXIT_ERROR, StoreOption, console, err_console, fail


def _read_key() -> str:
    if sys.stdin.isatty():
        entered: str = typer.prompt(
            "API key to hash (empty: generate a new one)",
            default="",
            hide_input=True,
            show_default=False,
        )
        return entered.strip()
    return sys.stdin.readline().strip()


def serve(
    store: StoreOption = None,
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (TCMKG_API_HOST).", show_default=False)
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (TCMKG_API_PORT).", show_default=False)
    ] = None,
    hash_key_: Annotated[
        bool,
        typer.Option(
            "--hash-key",
            help="Read an API key from the terminal or standard input (or generate one), print "
            "the TCMKG_API_KEY_HASH line that enables write endpoints, and exit.",
        ),
    ] = False,
) -> None:
    """Serve the REST API (OpenAPI at /docs) and the SPARQL 1.1 endpoint at /sparql."""
    if hash_key_:
        key = _read_key()
        if not key:
            key = new_key()
            console.print(f"new API key (give it to clients, it is not stored): {key}")
        console.print(f"TCMKG_API_KEY_HASH={hash_key(key)}", highlight=False, soft_wrap=True)
        return

    import uvicorn

    from api.app import create_app

    settings = get_settings()
    if settings.api_key_hash:
        try:
            parse_key_hash(settings.api_key_hash)
        except KeyHashError as err:
            # One line whatever the terminal width, so a log or a supervisor shows all of it.
            err_console.print(
                f"[bold red]error:[/] TCMKG_API_KEY_HASH is unusable: {err}",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(EXIT_ERROR) from None
    location = store or settings.store_location()
    try:
        app = create_app(location, settings)
    except (StoreError, KeyHashError) as err:
        fail(str(err))
    bind_host = host or settings.api_host
    bind_port = port if port is not None else settings.api_port
    writes = "enabled" if settings.api_key_hash else "disabled (no TCMKG_API_KEY_HASH)"
    console.print(
        f"tcmkg API on http://{bind_host}:{bind_port}  (docs /docs, SPARQL /sparql, "
        f"writes {writes})",
        highlight=False,
    )
    # X-Forwarded-For is not trusted (uvicorn trusts it from loopback by default): wrong API
    # keys are counted per TCP peer, and a header must not give a client a fresh budget.
    uvicorn.run(app, host=bind_host, port=bind_port, log_level="info", proxy_headers=False)


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the CLI."""
    app.command()(serve)
