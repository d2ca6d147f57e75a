"""The journal of graph writes of an on-disk store, saved for the processes that come after.

A store's journal (:meth:`kg.store.GraphStore.written_since`) says, for each write of named
graphs, the store state before it, the state after it and the graphs it replaced or dropped.
Held only in the writing process's memory, it let that process alone bring a projection of
the store (the ranking's mechanism layer) up to date after a write; another process — a
``tcmkg rank`` after a ``tcmkg ingest``, a server started after another process wrote — found
no projection for the new state and rebuilt it. An on-disk store therefore saves its journal
in its cache folder (:meth:`kg.store.GraphStore.cache_folder`, beside the saved projections),
and a later process reads it to go from a projection saved for an earlier state to the
current one.

Why a chain read from this file cannot be wrong:

* the states are the store's generation ids (``STORE/tcmkg/generation``), random and never
  reused, renewed at the start and again at the end of *every* write through tcmkg, journalled
  or not;
* an entry is made only for a write of named graphs that no other write overlapped (the
  store's own check: two renewals between the states, see ``GraphStore._journalled``);
  a bulk load, a SPARQL update, a load of a file renew the generation without an entry, so
  no chain runs across them;
* only one process can write an on-disk store at a time (RocksDB's lock on the folder; a
  second writer gets :class:`kg.store.StoreHeldError`), and only the process that holds it
  saves the journal; readers only read it;
* an entry states a fact about two states that never changes, so the only possible damage is
  a *missing* entry (a process killed before saving its journal, the file deleted, the bound
  below reached), and a missing link makes the chain end: the projection is rebuilt.

A program other than tcmkg that writes into the store folder must delete ``STORE/tcmkg/``, as
for the saved projections: that removes the journal and the generation with them.

The file is JSON, written whole to a temporary file and renamed into place, and bounded to the
newest :data:`LIMIT` entries. A file that cannot be read, or is not a journal of this layout,
is logged (naming it and why) and ignored: a projection then cannot be brought forward and is
rebuilt.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path

FILE_NAME = "journal.json"
# What a saved journal calls itself, and its layout's version: a file without both is not read.
_MAGIC = "tcmkg-graph-journal"
_FORMAT = 1
# Entries kept on disk, as many as the store keeps in memory (GraphStore._JOURNAL_LIMIT): a
# projection more writes behind than that is rebuilt anyway. Written at most once per
# checkpoint of the store (every 2 s while writes go on) and when it is closed, 4096 entries
# cost about 4 ms to write and 2 ms to read.
LIMIT = 4096

Journal = dict[str, tuple[str, frozenset[str]]]  # state before -> (state after, graphs)

log = logging.getLogger(__name__)


def _is_state(value: object) -> bool:
    # A generation id: 32 lower-case hex digits (kg.stores.oxigraph._read_generation).
    return (
        isinstance(value, str) and len(value) == 32 and all(c in "0123456789abcdef" for c in value)
    )


def read_journal(file: Path) -> Journal:
    """The journal saved in ``file``, oldest entry first (empty when there is none).

    A file that cannot be read or is not a saved journal is logged as a warning naming it
    and the reason, and taken as empty.
    """
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, ValueError) as err:
        log.warning("ignoring the saved journal of writes %s: unreadable (%s)", file, err)
        return {}
    try:
        return _entries(data)
    except ValueError as err:
        log.warning("ignoring the saved journal of writes %s: %s", file, err)
        return {}


def _entries(data: object) -> Journal:
    """The entries of a saved journal, every value checked (the file may be anyone's)."""
    if not isinstance(data, dict) or data.get("format") != _MAGIC:
        raise ValueError("not a saved journal of writes")
    if data.get("version") != _FORMAT:
        raise ValueError(f"layout version {data.get('version')!r}, not {_FORMAT}")
    rows = data.get("entries")
    if not isinstance(rows, list) or len(rows) > LIMIT:
        raise ValueError(f"entries: not a list of at most {LIMIT}")
    journal: Journal = {}
    afters: set[str] = set()
    for n, row in enumerate(rows, 1):
        if not isinstance(row, list) or len(row) != 3:
            raise ValueError(f"entry {n}: not [before, after, graphs]")
        before, after, graphs = row
        if not _is_state(before) or not _is_state(after) or before == after:
            raise ValueError(f"entry {n}: not two distinct store states")
        if not isinstance(graphs, list) or not all(type(g) is str and g for g in graphs):
            raise ValueError(f"entry {n}: graphs are not a list of names")
        # Each state is left by one write and reached by one: a second entry from or to the
        # same state cannot come from a store's own writes.
        if before in journal or after in afters:
            raise ValueError(f"entry {n}: a state is left or reached twice")
        journal[before] = (after, frozenset(graphs))
        afters.add(after)
    return journal


def write_journal(file: Path, journal: Mapping[str, tuple[str, frozenset[str]]]) -> None:
    """Save the newest :data:`LIMIT` entries of ``journal`` (oldest first) in ``file``.

    Written whole to a temporary file and renamed into place: a reader sees the old journal
    or the new one, and a crash leaves a temporary file that is never read. A failure is
    logged and only costs a later process a rebuild.
    """
    rows = [[before, after, sorted(graphs)] for before, (after, graphs) in journal.items()]
    data = {"format": _MAGIC, "version": _FORMAT, "entries": rows[-LIMIT:]}
    tmp = file.with_name(f"{file.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, file)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        log.info("could not save the journal of writes in %s: %s", file.parent, err)
