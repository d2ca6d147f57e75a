"""Resolving an indication typed by a user to the set of indication terms a query covers.

A name matches any label of an indication or outcome (``rdfs:label``, ``skos:prefLabel``,
``skos:altLabel``, in any language) under the project's one normalisation rule,
:func:`kg.names.normalise_name` (case, tone marks, spacing, hyphens and punctuation), the rule
the vocabulary and the API's search use too. The matched terms are widened to their synonyms
(``skos:exactMatch`` either way) and their narrower terms (``skos:broader`` at any depth). A
CURIE or IRI is taken as the term itself and widened the same way.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from pyoxigraph import NamedNode

from kg.iri import CurieError, contract, expand
from kg.names import normalise_name
from kg.store import GraphStore
from queries.evidence import value_of
from queries.library import query_text
from queries.names import name_table
from queries.resolve import UnknownNameError, did_you_mean


class UnknownIndicationError(UnknownNameError):
    """No indication or outcome in the store has that name; ``suggestions`` are near names."""


@dataclass(frozen=True, slots=True)
class IndicationTerms:
    """The query as typed, the terms it matched, and every term it covers (CURIEs)."""

    query: str
    matched: tuple[str, ...]
    terms: tuple[str, ...]


def _as_iri(text: str) -> str | None:
    if text.startswith(("http://", "https://")):
        return text
    try:
        return expand(text)
    except CurieError:
        return None


_RESOLVED: dict[tuple[str, str, str], IndicationTerms] = {}
_RESOLVED_MAX = 512
_LOCK = threading.Lock()


def resolve_indication(
    store: GraphStore, name: str, *, state: str | None = None, exact: bool = False
) -> IndicationTerms:
    """The indication terms covered by ``name``; raises UnknownIndicationError if none.

    ``state``: the store's :meth:`~kg.store.GraphStore.state_token`; with it, an answer is
    reused until the store changes (a served page asks for the same indication again and
    again, and the label match reads every indication label). ``exact``: cover only the
    matched terms, not their synonyms and narrower terms (``tcmkg rank --exact``).
    """
    if state is None:
        return _exact(_resolve(store, name, None), exact)
    key = (store.location, state, name)
    with _LOCK:
        found = _RESOLVED.get(key)
    if found is not None:
        return _exact(found, exact)
    found = _resolve(store, name, state)
    with _LOCK:
        if len(_RESOLVED) >= _RESOLVED_MAX:
            _RESOLVED.clear()  # simple bound: a new store state makes old entries useless anyway
        _RESOLVED[key] = found
    return _exact(found, exact)


def _exact(found: IndicationTerms, exact: bool) -> IndicationTerms:
    """With ``exact``, only the terms the name matched (no synonyms' or narrower terms)."""
    return IndicationTerms(found.query, found.matched, found.matched) if exact else found


def _resolve(store: GraphStore, name: str, state: str | None) -> IndicationTerms:
    iri = _as_iri(name.strip())
    if iri is not None:
        try:
            NamedNode(iri)
        except ValueError as err:  # pyoxigraph's word for an invalid IRI: the user's text
            raise UnknownIndicationError(f"no indication {name!r}: not a valid IRI") from err
        matched: tuple[str, ...] = (iri,)
    else:
        if not normalise_name(name):
            raise UnknownIndicationError(f"empty indication name {name!r}")
        resolution = name_table(store, "indication_names", "term", state=state).resolve(name)
        matched = resolution.found
        if not matched:
            offer = did_you_mean([s.name for s in resolution.suggestions])
            raise UnknownIndicationError(
                f"no indication named {name!r} in the store" + (f"; {offer}" if offer else ""),
                resolution.suggestions,
            )
    terms: dict[str, None] = {}
    roots: dict[str, None] = {}
    if matched:
        bindings = {"root": [NamedNode(i) for i in matched]}
        for row in store.select(query_text("indication_terms"), bindings).dicts():
            terms[contract(value_of(row["term"]))] = None
            roots[contract(value_of(row["root"]))] = None
    if not terms:
        raise UnknownIndicationError(
            f"no indication named {name!r} in the store (labels are matched in any language, "
            "ignoring case, tone marks, spacing and punctuation)"
        )
    # A stable order on every store (servers return rows in their own order): the terms the
    # name matched first, then the others, each by id.
    found = tuple(sorted(roots))
    covered = tuple(sorted(terms, key=lambda t: (t not in roots, t)))
    return IndicationTerms(query=name, matched=found, terms=covered)
