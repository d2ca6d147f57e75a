"""Entity search by any name: an in-memory index of every label in the store.

SPARQL cannot compare names the way people write them (tone marks, spaces, Latin word order),
so the labels (``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel``, any language) are read
once into a map from the normalised name key (:func:`kg.names.normalise_name`, the rule every
name lookup uses) to every entity carrying that name. A name shared by several entities
returns all of them.

Reading every label of a store of millions of triples takes seconds, so an on-disk store keeps
the index in its cache folder (:meth:`kg.store.GraphStore.cache_folder`, beside the ranking's
projection) as gzip'd JSON, keyed by the store's state token
(:meth:`kg.store.GraphStore.state_token`): a server started again on an unchanged store reads
the index instead of building it. Any write, through the API or not, changes the token, so
the index is rebuilt (and saved again) at the next search; a saved index that cannot be read
is logged and rebuilt. A store without a cache folder (in memory, a SPARQL server) keeps the
index in memory only, rebuilt after the API writes to the store and when it is older than
``max_age`` seconds (another process may write to a shared store).
"""

from __future__ import annotations

import bisect
import itertools
import logging
import threading
import time
from pathlib import Path
from typing import Any, NamedTuple

from pyoxigraph import Literal, NamedNode

from api.models import SearchHit, SearchOut, SuggestionOut
from kg.iri import contract
from kg.names import normalise_name
from kg.sparql import load_query
from kg.store import GraphStore, in_process
from kg.terms import KIND_OF_CLASS
from queries.resolve import MAX_SUGGESTIONS, NameIndex, kind_rank
from queries.saved_index import (
    grouped,
    index_data,
    index_of,
    load_json_gz,
    save_json_gz,
    saved_file,
    split,
    texts,
)

LABELS_QUERY = "labels"
# What a saved index calls itself, and its layout's version: a file without both, or of
# another version, is not read.
_DISK_MAGIC = "tcmkg-label-index"
_DISK_FORMAT = 1
log = logging.getLogger(__name__)


class _Name(NamedTuple):
    # A tuple: a saved index is read back into hundreds of thousands of these.
    iri: str
    text: str


class LabelIndex:
    """Normalised name → entities; prefix search over the sorted keys."""

    def __init__(self, store: GraphStore, *, max_age: float = 300.0) -> None:
        self.store = store
        self.max_age = max_age
        self._lock = threading.Lock()
        self._built_at = -1.0
        self._generation = -1
        self._state: str | None = None  # the store state the index is of (on-disk stores)
        self._names: dict[str, list[_Name]] = {}
        self._keys: list[str] = []
        self._kind: dict[str, str] = {}
        self._label: dict[str, str] = {}
        self._index = NameIndex({}, {})

    def _build(self) -> None:
        names: dict[str, list[_Name]] = {}
        kind: dict[str, str] = {}
        label: dict[str, str] = {}
        with in_process():  # kept for the store state: no request's deadline applies
            result = self.store.select(load_query("api", LABELS_QUERY))
        for s, p, o, t in result.rows:
            if not isinstance(s, NamedNode):
                continue
            if isinstance(t, NamedNode) and t.value in KIND_OF_CLASS:
                kind[s.value] = KIND_OF_CLASS[t.value].value
            if not isinstance(o, Literal):
                continue
            if isinstance(p, NamedNode) and p.value.endswith("#label"):
                label.setdefault(s.value, o.value)
            key = normalise_name(o.value)
            if not key:
                continue
            bucket = names.setdefault(key, [])
            if all(n.iri != s.value for n in bucket):
                bucket.append(_Name(s.value, o.value))
        self._names = names
        # The resolver's index of the same names, for what the exact key misses: a species
        # with its authority, pinyin of a name held in characters (queries/resolve.py).
        self._index = NameIndex.build((n.iri, n.text) for bucket in names.values() for n in bucket)
        self._keys = sorted(names)
        self._kind = kind
        self._label = label

    def refresh(self, generation: int) -> None:
        """Renew the index when the store changed since it was made.

        A store with a cache folder: when its state token changed, from the index saved for
        the new state, else rebuilt (and saved). Any other store: rebuilt when ``generation``
        (the API's count of its own writes) changed or the index is older than ``max_age``.
        """
        with self._lock:
            folder = self.store.cache_folder()
            if folder is None:
                stale = time.monotonic() - self._built_at > self.max_age
                if stale or generation != self._generation:
                    self._build()
                    self._built_at = time.monotonic()
                    self._generation = generation
                return
            # Every write to an on-disk store, through the API or not, renews its token (only
            # this process can write it): the token alone says whether the index is current.
            state = self.store.state_token()
            if state == self._state:
                return
            file = saved_file(folder, "labels", state, _DISK_FORMAT)
            if not self._read(file, state):
                self._build()
                # Saved only if nothing was written while it was built (a write renews the
                # token): an index of a state half-way through a write is never kept.
                if self.store.state_token() == state:
                    self._write(file, state)
            self._state = state

    def _write(self, file: Path, state: str) -> None:
        """Save the index for later processes; a failure only costs the next one a rebuild."""
        # Column by column, entities by number (each IRI written once however many names it
        # has): flat lists of strings and numbers decode several times faster than small lists.
        pinyin = self._index.pinyin
        number: dict[str, int] = {}
        every_iri = itertools.chain(
            (n.iri for bucket in self._names.values() for n in bucket),
            self._kind,
            self._label,
            (iri for iris in self._index.iris.values() for iri in iris),
            (iri for iris in pinyin.values() for iri in iris),
        )
        for iri in every_iri:
            number.setdefault(iri, len(number))
        entities = list(number)
        data: dict[str, Any] = {
            "format": _DISK_MAGIC,
            "version": _DISK_FORMAT,
            "state": state,
            "entities": entities,
            "kinds": [self._kind.get(iri) for iri in entities],
            "labels": [self._label.get(iri) for iri in entities],
            "names": grouped({k: [n.iri for n in b] for k, b in self._names.items()}, number),
            "texts": [n.text for bucket in self._names.values() for n in bucket],
        }
        # The resolver's index as it was built: reading it back runs none of its name rules
        # (the pinyin of names in characters costs most).
        data.update(index_data(self._index, number))
        save_json_gz(file, data, "search index")

    def _read(self, file: Path, state: str) -> bool:
        """Take the index saved for ``state`` in ``file``; False when there is none to take.

        A file that cannot be read, is not a saved index of this format or is of another
        state is logged (naming it and why) and left to be replaced by the rebuild.
        """
        return (
            load_json_gz(file, _DISK_MAGIC, _DISK_FORMAT, state, "search index", self._take)
            is not None
        )

    def _take(self, data: dict[str, Any]) -> bool:
        """Install a saved index, checking every value's type (the file may be anyone's)."""
        entities = texts(data["entities"], "entities")
        kinds = _column(data["kinds"], len(entities), "kinds")
        labels = _column(data["labels"], len(entities), "labels")
        name_texts = texts(data["texts"], "texts")
        keys, counts, named = split(data["names"], entities, "names")
        if len(named) != len(name_texts):
            raise ValueError("names: not one text per name")
        each = map(_Name, named, name_texts)
        names = {key: list(itertools.islice(each, n)) for key, n in zip(keys, counts, strict=True)}
        index = index_of(data, entities)
        self._names = names
        self._index = index
        self._keys = sorted(names)
        self._kind = {iri: k for iri, k in zip(entities, kinds, strict=True) if k is not None}
        self._label = {iri: t for iri, t in zip(entities, labels, strict=True) if t is not None}
        return True

    def _hit(self, name: _Name, match: str) -> SearchHit:
        return SearchHit(
            id=contract(name.iri),
            iri=name.iri,
            kind=self._kind.get(name.iri),
            label=self._label.get(name.iri, name.text),
            matched_name=name.text,
            match="exact" if match == "exact" else "prefix",
        )

    def search(
        self, query: str, *, generation: int, kind: str | None = None, limit: int = 20
    ) -> SearchOut:
        """Every entity named ``query`` (all of them if shared), then prefix matches."""
        self.refresh(generation)
        key = normalise_name(query)
        hits: list[SearchHit] = []
        seen: set[str] = set()
        exact = self._names.get(key, []) if key else []
        if key and not exact:
            found = self._index.resolve(query, suggest=False).found
            exact = [_Name(iri, self._label.get(iri, query)) for iri in found]
        # Every entity of a shared name, ordered as the resolver orders kinds: the herb of
        # "licorice" before a compound of that name.
        exact = sorted(exact, key=lambda n: (kind_rank(self._kind.get(n.iri)), n.iri))
        for name in exact:
            if kind is None or self._kind.get(name.iri) == kind:
                hits.append(self._hit(name, "exact"))
                seen.add(name.iri)
        if key:
            start = bisect.bisect_left(self._keys, key)
            for other in self._keys[start:]:
                if len(hits) >= limit or not other.startswith(key):
                    break
                if other == key:
                    continue
                for name in self._names[other]:
                    if name.iri in seen or (kind is not None and self._kind.get(name.iri) != kind):
                        continue
                    hits.append(self._hit(name, "prefix"))
                    seen.add(name.iri)
        # Exact matches are never cut: an ambiguous name must show every candidate.
        n_exact = sum(1 for h in hits if h.match == "exact")
        hits = hits[: max(limit, n_exact)]
        suggestions = self._suggestions(key, kind) if key and not hits else []
        return SearchOut(
            query=query, key=key, ambiguous=len(exact) > 1, hits=hits, suggestions=suggestions
        )

    def _suggestions(self, key: str, kind: str | None) -> list[SuggestionOut]:
        """The resolver's near names of ``key`` (of ``kind`` only, when given), best first."""
        # Asked for more than shown: some near names may be of other kinds.
        limit = MAX_SUGGESTIONS if kind is None else 8 * MAX_SUGGESTIONS
        out = [
            SuggestionOut(id=contract(s.iri), name=s.name, score=s.score)
            for s in self._index.suggest(key, limit)
            if kind is None or self._kind.get(s.iri) == kind
        ]
        return out[:MAX_SUGGESTIONS]


def _column(value: object, length: int, what: str) -> list[str | None]:
    """A list of ``length`` texts or nulls (one per entity)."""
    if not isinstance(value, list) or len(value) != length:
        raise ValueError(f"{what}: not one value per entity")
    if not all(v is None or type(v) is str for v in value):
        raise ValueError(f"{what}: not texts")
    return value
