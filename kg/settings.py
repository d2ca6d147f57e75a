"""Settings, read from the environment (prefix ``TCMKG_``) or a ``.env`` file.

Every setting has a sensible default, so the product runs with no configuration.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


def user_data_dir() -> Path:
    """The user's data folder for tcmkg (``$XDG_DATA_HOME/tcmkg`` or ``~/.local/share/tcmkg``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tcmkg"


class Settings(BaseSettings):
    """Product settings; each can be set as ``TCMKG_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="TCMKG_", env_file=".env", extra="ignore")

    store: str = ""  # empty: oxigraph:<user data dir>/store
    scoring_config: Path | None = None  # TOML file overriding scoring constants
    # HTTP API (`tcmkg serve`). Write endpoints are disabled while api_key_hash is empty;
    # make a hash with `tcmkg serve --hash-key`.
    api_key_hash: str = ""
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    query_timeout_seconds: float = 30.0
    # REST reads (GET) on an embedded on-disk store: their store queries are evaluated by
    # route_workers worker processes, killed at this deadline from the request's start.
    route_timeout_seconds: float = 30.0
    route_workers: int = 2
    max_result_rows: int = 100_000
    # User SPARQL queries run in sandboxed worker processes (see api/sparql_sandbox.py).
    query_workers: int = 2
    # How many of those one client (one address) may hold at once, so that a client sending
    # expensive queries back to back leaves the others a worker. Unset: one fewer than
    # query_workers (at least one); 0: no bound.
    query_workers_per_client: int | None = None
    query_memory_mb: int = 1024  # address-space bound of each query worker
    query_max_depth: int = 64  # deepest nesting of ( { [ in a query or update
    max_query_bytes: int = 1_048_576  # SPARQL query/update request bodies
    max_upload_bytes: int = 104_857_600  # POST /ingest uploads
    max_ingest_jobs: int = 8  # upload jobs queued or running at once; more get 429
    # Problems listed in full by `tcmkg ingest`/`extract` and each job; the rest are counted.
    max_problems_kept: int = 1_000
    # Literature services (`tcmkg fetch`, `tcmkg sync`). An NCBI API key raises the allowed
    # rate from 3 to 10 requests/s; NCBI asks for an e-mail to contact about heavy use.
    ncbi_api_key: str = ""
    ncbi_email: str = ""
    ncbi_base_url: str = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
    ctgov_base_url: str = "https://clinicaltrials.gov/api/v2"

    def workers_per_client(self) -> int:
        """The per-client share of query workers in force (0: no bound)."""
        if self.query_workers_per_client is not None:
            return max(0, self.query_workers_per_client)
        return max(1, self.query_workers - 1)

    def store_location(self) -> str:
        """The store location string to open when ``--store`` is not given."""
        return self.store or f"oxigraph:{user_data_dir() / 'store'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
