"""Reading claim evidence from the store into :class:`queries.scoring.Evidence` records."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from operator import attrgetter

from pyoxigraph import Literal, NamedNode

from kg.iri import CurieError, contract, expand, term
from kg.model import Predicate
from kg.scoring_inputs import SCORING_NAMES, MalformedInputsError, ScoringInputs, decode
from kg.sparql import BindValue
from kg.store import GraphStore, Term
from kg.terms import PREDICATE_IRI, PREDICATE_OF_IRI
from queries.library import query_text
from queries.scoring import Evidence

log = logging.getLogger(__name__)


def nodes(curies: Iterable[str]) -> list[BindValue]:
    """IRI nodes for CURIEs (or IRIs), de-duplicated, in a stable order.

    Raises :class:`kg.iri.CurieError` for an id that is not a CURIE with a known prefix or
    does not make a valid IRI (a space, a quote …): these ids come from users.
    """
    out: dict[str, None] = {}
    for c in curies:
        out[c if c.startswith(("http://", "https://")) else expand(c)] = None
    found: list[BindValue] = []
    for iri in out:
        try:
            found.append(NamedNode(iri))
        except ValueError as err:  # pyoxigraph's word for an invalid IRI
            raise CurieError(f"not a valid IRI: {iri!r}: {err}") from err
    return found


def value_of(term: Term | None) -> str:
    """The lexical value of an IRI or literal term ('' for None)."""
    return _text(term) or ""


def _text(term: Term | None) -> str | None:
    if term is None:
        return None
    return term.value if isinstance(term, NamedNode | Literal) else str(term)


def bindings_each(
    name: str, values: Sequence[BindValue] | None, fixed: dict[str, BindValue]
) -> Iterator[dict[str, BindValue]]:
    """One single-row binding per value (all of ``fixed`` plus ``name`` = value).

    Oxigraph joins a one-row ``VALUES`` block by index lookups but a many-row block by a hash
    join over the whole store, so several small queries beat one big one by far here.
    """
    if values is None:
        yield dict(fixed)
        return
    for value in values:
        yield {**fixed, name: value}


_Head = tuple[str, Predicate, str]


def _parsed(
    text: str, memo: dict[str, ScoringInputs | None], evidence: str
) -> ScoringInputs | None:
    """Decode a scoring-inputs literal once per distinct text (tables repeat one text a lot)."""
    if text in memo:
        return memo[text]
    try:
        found: ScoringInputs | None = decode(text)
    except MalformedInputsError as exc:
        # One unreadable literal must not stop a ranking; the item is left out and said so.
        log.warning(
            "evidence item %s: unreadable tcm:scoringInputs (%s): not counted", evidence, exc
        )
        found = None
    memo[text] = found
    return found


def fetch_evidence(
    store: GraphStore,
    predicates: Sequence[Predicate] | None,
    *,
    subjects: Sequence[str] | None = None,
    objects: Sequence[str] | None = None,
) -> list[Evidence]:
    """Evidence items of claims with these predicates and subjects/objects (CURIEs).

    ``None`` leaves predicates, subjects (or objects) open; an empty sequence matches nothing.
    Reading a few subjects' claims of any predicate is far faster with the predicates left
    open (the store looks the subjects up) than one predicate at a time. Items are
    read through their ``tcm:scoringInputs`` literal (``claim_scoring_inputs.rq``), so their
    ``sentence`` is None: :func:`with_sentences` adds it to the few items shown to a user.
    An item read twice (its claim reported in two graphs) is returned once.
    """
    subject_values = nodes(subjects) if subjects is not None else None
    object_values = nodes(objects) if objects is not None else None
    if subject_values == [] or object_values == []:
        return []
    query = query_text("claim_scoring_inputs")
    preds: list[dict[str, BindValue]] = (
        [{}]
        if predicates is None
        else [{"predicate": NamedNode(PREDICATE_IRI[p])} for p in predicates]
    )
    memo: dict[str, ScoringInputs | None] = {}
    curies: dict[str, str] = {}  # subjects and objects repeat from row to row
    found: dict[str, Evidence] = {}

    def curie(text: str) -> str:
        c = curies.get(text)
        if c is None:
            c = curies[text] = contract(text)
        return c

    for predicate in preds:
        for partial in bindings_each("subject", subject_values, predicate):
            for bindings in bindings_each("object", object_values, partial):
                result = store.select(query, bindings)
                col = {v: i for i, v in enumerate(result.variables)}
                i_s, i_p, i_o = col["subject"], col["predicate"], col["object"]
                i_e, i_in = col["evidence"], col["inputs"]
                for row in result.rows:
                    ev = _text(row[i_e]) or ""
                    if ev in found:
                        continue
                    inputs = _parsed(_text(row[i_in]) or "", memo, ev)
                    head = PREDICATE_OF_IRI.get(_text(row[i_p]) or "")
                    if inputs is None or head is None:
                        continue
                    found[ev] = _evidence(
                        ev,
                        (curie(_text(row[i_s]) or ""), head, curie(_text(row[i_o]) or "")),
                        inputs,
                    )
    return list(found.values())


_INPUTS = attrgetter(*SCORING_NAMES)


def _evidence(ev: str, head: _Head, inputs: ScoringInputs) -> Evidence:
    subject, predicate, obj = head
    values = dict(zip(SCORING_NAMES, _INPUTS(inputs), strict=True))
    return Evidence(evidence=ev, subject=subject, predicate=predicate, object=obj, **values)


TCM_SENTENCE = term("sentence")


def with_sentences(store: GraphStore, items: Sequence[Evidence]) -> list[Evidence]:
    """``items`` with their supporting sentence read from the store (one lookup per item)."""
    out: list[Evidence] = []
    for item in items:
        if item.sentence is not None:
            out.append(item)
            continue
        found = store.objects(item.evidence, TCM_SENTENCE)
        text = _text(found[0]) if found else None
        out.append(replace(item, sentence=text) if text is not None else item)
    return out
