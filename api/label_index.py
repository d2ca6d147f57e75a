"""Entity search by any name: an in-memory index of every label in the store.

SPARQL cannot compare names the way people write them (tone marks, spaces, Latin word order),
so the labels (``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel``, any language) are read
once into a map from the normalised name key (:func:`kg.names.normalise_name`, the rule every
name lookup uses) to every entity carrying that name. A name shared by several entities
returns all of them. The index is rebuilt after the API writes to the store
and when it is older than ``max_age`` seconds (another process may write to a shared store).
"""

from __future__ import annotations

import bisect
import threading
import time
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from api.models import SearchHit, SearchOut, SuggestionOut
from kg.iri import contract
from kg.names import normalise_name
from kg.sparql import load_query
from kg.store import GraphStore, in_process
from kg.terms import KIND_OF_CLASS
from queries.resolve import MAX_SUGGESTIONS, NameIndex, kind_rank

LABELS_QUERY = "labels"


@dataclass(frozen=True)
class _Name:
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
        """Rebuild when the store changed (``generation``) or the index is stale."""
        with self._lock:
            stale = time.monotonic() - self._built_at > self.max_age
            if stale or generation != self._generation:
                self._build()
                self._built_at = time.monotonic()
                self._generation = generation

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
