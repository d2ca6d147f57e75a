"""Resuming a download where it stopped: per-query state kept beside the files it wrote.

A fetch writes its batches into the output folder one by one, each first to a temporary name
and then renamed, so a batch file either exists whole or not at all. After each batch the state
file (``.tcmkg-fetch.json``, hidden, so ``tcmkg ingest DIR`` never reads it) records what is
done. Running the same fetch again into the same folder reads that state and asks the service
only for what is missing; once a download has completed, the same fetch runs afresh.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

STATE_FILE = ".tcmkg-fetch.json"


class FetchProgress(Protocol):
    """Where a fetch reports progress; the CLI passes a rich progress bar behind this."""

    def start(self, label: str, total: int | None) -> None:
        """A new step begins, with ``total`` units (records) if known."""

    def advance(self, amount: int = 1) -> None:
        """``amount`` more units are done."""


class NoFetchProgress:
    """Shows nothing (library use, tests)."""

    def start(self, label: str, total: int | None) -> None:
        """Ignore the start of a step."""

    def advance(self, amount: int = 1) -> None:
        """Ignore progress."""


@dataclass
class FetchResult:
    """What one fetch did: files now holding the query's records, and how they got there."""

    source: str  # pubmed | ctgov
    query: str
    matches: int = 0  # records the service says match
    records: int = 0  # records in the files (fetched now or earlier)
    files: list[Path] = field(default_factory=list)
    fetched_batches: int = 0  # batches downloaded by this run
    resumed_batches: int = 0  # batches found done by an earlier, interrupted run
    requests: int = 0
    retries: int = 0
    notes: list[str] = field(default_factory=list)


def query_key(source: str, *parts: object) -> str:
    """A short stable key of one query and its options, naming its files and state."""
    joined = "\x1f".join([source, *("" if p is None else str(p) for p in parts)])
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:12]


def load_state(folder: Path, key: str) -> dict[str, Any] | None:
    """The saved state of query ``key`` in ``folder``, or None (absent or unreadable)."""
    try:
        data = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    entry = data.get(key) if isinstance(data, dict) else None
    return entry if isinstance(entry, dict) else None


def save_state(folder: Path, key: str, state: dict[str, Any]) -> None:
    """Record the state of query ``key`` (other queries' states in the folder are kept)."""
    path = folder / STATE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    data[key] = state
    write_atomically(path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


def write_atomically(path: Path, data: bytes, *, gzipped: bool = False) -> None:
    """Write ``path`` so that it exists whole or not at all, even if the process dies."""
    tmp = path.with_name(f".{path.name}.part")
    if gzipped:
        # mtime=0: the same batch gives the same bytes, so a re-fetch changes no file.
        with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
            out.write(data)
    else:
        tmp.write_bytes(data)
    os.replace(tmp, path)
