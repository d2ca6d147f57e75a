"""Abbreviation expansion: "Astragaloside IV (AS-IV) … AS-IV" names the same compound twice.

When a dictionary match is followed by a parenthesised short form whose letters appear in
order in the long form (the Schwartz–Hearst test, simplified), the short form and every later
use of it in the document become mentions of the same entity. Abbreviations are
document-local: "AS" means astragaloside in one abstract and ankylosing spondylitis in
another, which is why short forms are not dictionary names.

The ``tcm_abbreviations`` pipeline component adds the short forms, and their later uses, to
``Doc._.tcm_mentions``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from spacy.language import Language
from spacy.tokens import Doc

from ingest.nlp.mentions import Mention, mentions_of
from ingest.nlp.sentences import sentence_of
from kg.model import EntityKind

# "(AS-IV)" or "(AS-IV;" or "(AS-IV," right after the long form.
_DEFINITION = re.compile(r"\s*[(\[]\s*([A-Za-z0-9][A-Za-z0-9αβγκ\-]{0,11})\s*[)\];,]")
MAX_SHORT = 12
# A herb's mention is the plant's name ("hawthorn" in "hawthorn fruit (HF)"): the part word
# after it still belongs to the long form that the short form abbreviates.
_HERB_PART = re.compile(
    r"[\s-]+(?:roots?|rhizomes?|leaf|leaves|fruits?|berry|berries|seeds?|flowers?|barks?|stems?|peels?|bulbs?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Abbreviation:
    """A short form defined in the text, the long-form match that defines it, and where."""

    short: str
    long_form: Mention
    start: int  # offset of the short form inside the parentheses
    end: int


def letters_in_order(short: str, long_form: str) -> bool:
    """Each letter or digit of ``short`` in order in ``long_form``, the first at its start:
    whether ``short`` can abbreviate ``long_form`` ("QDBS", "qi deficiency blood stasis")."""
    chars = [c.lower() for c in short if c.isalnum()]
    text = long_form.lower()
    if not chars or not text or chars[0] != text[0]:
        return False
    pos = 0
    for c in chars:
        pos = text.find(c, pos)
        if pos < 0:
            return False
        pos += 1
    return True


def find_definitions(text: str, matches: list[Mention]) -> list[Abbreviation]:
    """Short forms defined in ``text`` right after a dictionary match."""
    found: list[Abbreviation] = []
    for match in matches:
        end = match.end
        if match.kind is EntityKind.HERB and (part := _HERB_PART.match(text, end)):
            end = part.end()
        m = _DEFINITION.match(text, end)
        if m is None:
            continue
        short = m.group(1)
        if not any(c.isupper() for c in short) or len(short) >= end - match.start:
            continue
        if letters_in_order(short, text[match.start : end]):
            found.append(Abbreviation(short, match, m.start(1), m.end(1)))
    return found


def expand_abbreviations(
    text: str, matches: list[Mention], sentence_of: Callable[[int], int]
) -> list[Mention]:
    """``matches`` plus the defined short forms and their later uses, sorted by offset.

    ``sentence_of`` gives the index of the sentence holding a character offset.

    A short form that overlaps an existing match is left to the dictionary's reading.
    """
    definitions = find_definitions(text, matches)
    if not definitions:
        return matches
    taken = [(m.start, m.end) for m in matches]
    added: list[Mention] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for abbr in definitions:
        pattern = re.compile(r"(?<![\w-])" + re.escape(abbr.short) + r"(?![\w])")
        for m in pattern.finditer(text, abbr.start):
            if free(m.start(), m.end()):
                taken.append((m.start(), m.end()))
                added.append(
                    replace(
                        abbr.long_form,
                        start=m.start(),
                        end=m.end(),
                        text=m.group(0),
                        sentence=sentence_of(m.start()),
                    )
                )
    if not added:
        return matches
    return sorted([*matches, *added], key=lambda m: m.start)


class AbbreviationComponent:
    """``tcm_abbreviations``: short forms defined in the text become mentions too."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        mentions = mentions_of(doc)
        if mentions:
            doc._.tcm_mentions = expand_abbreviations(doc.text, mentions, sentence_of(doc))
        return doc


@Language.factory("tcm_abbreviations")
def make_abbreviations(nlp: Language, name: str) -> AbbreviationComponent:
    """The abbreviation expander (it needs the dictionary's mentions before it)."""
    return AbbreviationComponent(nlp, name)
