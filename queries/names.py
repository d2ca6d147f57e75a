"""Finding entities of the store by name, under the project's one normalisation rule.

SPARQL cannot fold names the way :func:`kg.names.normalise_name` does (tone marks, spacing,
the word orders of pharmaceutical Latin), so a lookup reads the labels of the entities it may
return with one library query (``indication_names.rq``, ``candidate_lookup.rq``) and compares
them in Python. A name shared by several entities returns all of them, never one chosen.

A table of names is kept per store and reused until the store's
:meth:`~kg.store.GraphStore.state_token` changes: reading every label costs far more than one
lookup (about half a second for the seed vocabulary's 7,000 candidate names, seconds once
SymMap is imported), and a served page looks names up again and again. An on-disk store also
keeps the table in its cache folder (:mod:`queries.saved_index`), so that a new process (each
``tcmkg rank``) reads it instead of the labels.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator

from kg.store import GraphStore, in_process
from queries.evidence import value_of
from queries.library import query_text
from queries.resolve import NameIndex
from queries.saved_index import read_index, saved_file, write_index

# The table of names is the resolver's index (queries/resolve.py): exact names, species,
# pinyin, then suggestions.
NameTable = NameIndex


_TABLES: weakref.WeakKeyDictionary[GraphStore, dict[tuple[str, str, str], NameTable]] = (
    weakref.WeakKeyDictionary()
)
_LOCK = threading.Lock()


def name_table(
    store: GraphStore, query: str, entity: str, *, state: str | None = None
) -> NameTable:
    """The names of what library query ``query`` returns (``entity`` column, ``label`` column).

    ``state`` is the store's state token when the caller holds it already; the table is kept
    for the store until the token changes.
    """
    if state is None:
        state = store.state_token()
    key = (query, entity, state)
    with _LOCK:
        held = _TABLES.get(store, {}).get(key)
    if held is not None:
        return held
    table = _saved_or_read(store, query, entity, state)
    with _LOCK:
        # One state per store is current: tables of an older state are dropped.
        tables = {k: v for k, v in _TABLES.get(store, {}).items() if k[2] == state}
        tables[key] = table
        _TABLES[store] = tables
    return table


def _saved_or_read(store: GraphStore, query: str, entity: str, state: str) -> NameTable:
    """The table saved beside an on-disk store for ``state``, else read (and saved)."""
    folder = store.cache_folder()
    file = saved_file(folder, f"names-{query}-{entity}", state) if folder is not None else None
    if file is not None:
        saved = read_index(file, state)
        if saved is not None:
            return saved
    with in_process():  # kept for the store state: no request's deadline applies
        table = _read(store, query, entity)
    # Saved only if nothing was written while it was read: a table of a state half-way
    # through a write is never kept.
    if file is not None and store.state_token() == state:
        write_index(file, f"names-{query}-{entity}", state, table)
    return table


def _read(store: GraphStore, query: str, entity: str) -> NameTable:
    def pairs() -> Iterator[tuple[str, str]]:
        for row in store.select(query_text(query)).dicts():
            label = row.get("label")
            if label is not None:
                yield value_of(row[entity]), value_of(label)

    return NameIndex.build(pairs())
