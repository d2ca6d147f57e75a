"""Entity mentions found in a document: what the NLP components hand to each other.

``Doc._.tcm_mentions`` holds the document's mentions, sorted by offset: the dictionary
component (:mod:`ingest.nlp.matcher`) fills it, later components add to it or mark it.
``Span._.tcm_mentions`` gives the mentions inside any span (a sentence, say).
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span

from kg.model import EntityKind


@dataclass(frozen=True, slots=True)
class Mention:
    """A named entity in a text: ``text[start:end]``, its kind and what it may name.

    ``ids`` holds the one CURIE of an unambiguous name; an ambiguous name has no ``ids`` and
    lists every CURIE it may name in ``candidates`` — it is never resolved silently.
    """

    start: int
    end: int
    text: str
    kind: EntityKind
    ids: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    negated: bool = False
    sentence: int = 0  # index of the sentence that holds it

    @property
    def ambiguous(self) -> bool:
        """True when the mention names several entities and none was chosen."""
        return not self.ids and len(self.candidates) > 1

    @property
    def curies(self) -> tuple[str, ...]:
        """The CURIE(s) the mention may name."""
        return self.ids or self.candidates


def mentions_of(doc: Doc) -> list[Mention]:
    """The mentions the pipeline has found in ``doc`` so far (empty before the dictionary)."""
    mentions: list[Mention] | None = doc._.tcm_mentions
    return mentions or []


def _span_mentions(span: Span) -> list[Mention]:
    return [
        m for m in mentions_of(span.doc) if m.start >= span.start_char and m.end <= span.end_char
    ]


if not Doc.has_extension("tcm_mentions"):
    Doc.set_extension("tcm_mentions", default=None)
if not Span.has_extension("tcm_mentions"):
    Span.set_extension("tcm_mentions", getter=_span_mentions)
