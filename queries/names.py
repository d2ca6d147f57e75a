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
from collections.abc import Iterator, Mapping
from pathlib import Path

from pyoxigraph import NamedNode

from kg.store import GraphStore, in_process
from queries.evidence import value_of
from queries.library import query_text
from queries.resolve import NameIndex
from queries.saved_index import read_index, read_saved, saved_file, write_index

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
    with _LOCK:
        earlier = [(k[2], t) for k, t in _TABLES.get(store, {}).items() if k[:2] == key[:2]]
    table = _saved_or_read(store, query, entity, state, earlier)
    with _LOCK:
        # One state per store is current: tables of an older state are dropped.
        tables = {k: v for k, v in _TABLES.get(store, {}).items() if k[2] == state}
        tables[key] = table
        _TABLES[store] = tables
    return table


# A table is brought forward over at most this many written graphs (each costs a few entity
# lookups); a longer way rereads every label, which also forgets the names of entities that a
# rewritten record no longer mentions (see _brought_forward).
MAX_FORWARD_GRAPHS = 256


def _saved_or_read(
    store: GraphStore,
    query: str,
    entity: str,
    state: str,
    earlier: list[tuple[str, NameTable]],
) -> NameTable:
    """The table for ``state``: saved beside an on-disk store, else an earlier state's table
    (held here or saved) brought forward over the graphs written since, else read; saved."""
    folder = store.cache_folder()
    prefix = f"names-{query}-{entity}"
    file = saved_file(folder, prefix, state) if folder is not None else None
    if file is not None:
        saved = read_index(file, state)
        if saved is not None:
            return saved
        # Any other state's saved table (the one of this state, if it is there, was refused).
        others = [f for f in _saved_files(folder, prefix) if f != file]
        earlier = earlier + [got for f in others if (got := read_saved(f))]
    table = None
    for old_state, old in earlier:
        graphs = store.written_since(old_state)
        if graphs is not None and len(graphs) <= MAX_FORWARD_GRAPHS:
            with in_process():
                table = _brought_forward(store, query, entity, old, graphs)
            break
    if table is None:
        with in_process():  # kept for the store state: no request's deadline applies
            table = _read(store, query, entity)
    # Saved only if nothing was written while it was read: a table of a state half-way
    # through a write is never kept.
    if file is not None and store.state_token() == state:
        write_index(file, state, table)
    return table


def _saved_files(folder: Path | None, prefix: str) -> list[Path]:
    return sorted(folder.glob(f"{prefix}-*.json.gz")) if folder is not None else []


def _brought_forward(
    store: GraphStore, query: str, entity: str, old: NameTable, graphs: frozenset[str]
) -> NameTable:
    """``old`` with the names of every entity the ``graphs`` written since type or label read again.

    Every name of those entities comes from the store as it is now (all of its graphs), so a
    name added or changed is found and an entity no graph types any more has no names. Names
    only a rewritten record gave an entity it no longer mentions stay until the table is read
    whole again; a typed name that matches only such a name finds no indication terms (those
    are read from the store as it is) and is reported as unknown.
    """
    if not graphs:
        return old
    # The entities those graphs type or label (what the ranking's projection reads of them too).
    rows = store.select(query_text("graph_entities"), {"g": [NamedNode(g) for g in sorted(graphs)]})
    touched = {value_of(row["entity"]) for row in rows.dicts()}
    if not touched:
        return old
    fresh = store.select(query_text(query), {entity: [NamedNode(i) for i in sorted(touched)]})
    new = NameIndex.build(
        (value_of(row[entity]), value_of(row["label"]))
        for row in fresh.dicts()
        if row.get("label") is not None
    )
    return merged(old, touched, new)


def merged(old: NameTable, touched: set[str], new: NameTable) -> NameTable:
    """``old`` without the entities ``touched``, joined with ``new`` (their names now)."""

    def join(
        before: Mapping[str, tuple[str, ...]], after: Mapping[str, tuple[str, ...]]
    ) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for key, iris in before.items():
            kept = tuple(i for i in iris if i not in touched)
            if kept:
                out[key] = kept
        for key, iris in after.items():
            out[key] = tuple(sorted({*out.get(key, ()), *iris}))
        return out

    iris = join(old.iris, new.iris)
    shown = {k: old.shown[k] for k in iris if k in old.shown}
    for key, text in new.shown.items():
        if key not in shown or (len(text), text) < (len(shown[key]), shown[key]):
            shown[key] = text
    return NameIndex(iris, shown, join(old.pinyin, new.pinyin), tuple(sorted(iris)))


def _read(store: GraphStore, query: str, entity: str) -> NameTable:
    def pairs() -> Iterator[tuple[str, str]]:
        for row in store.select(query_text(query)).dicts():
            label = row.get("label")
            if label is not None:
                yield value_of(row[entity]), value_of(label)

    return NameIndex.build(pairs())
