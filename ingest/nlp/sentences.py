"""Sentences of a document: spaCy's ``sentencizer``, with a title always a sentence of its own.

The caller says where the title ends (``Doc._.tcm_title_end``, set before the pipeline runs);
the sentence offsets are computed once per document and kept in ``Doc._.tcm_sentences`` for
every component that asks. Sentence indexes (``Mention.sentence``) index this list.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable

from spacy.tokens import Doc

for _name in ("tcm_title_end", "tcm_sentences"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


def sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """Character offsets ``(start, end)`` of the document's sentences (computed once)."""
    bounds: list[tuple[int, int]] | None = doc._.tcm_sentences
    if bounds is None:
        bounds = [(s.start_char, s.end_char) for s in doc.sents] if len(doc) else []
        title_end: int | None = doc._.tcm_title_end
        if title_end:
            # A title without a full stop is still a sentence of its own: split there.
            split: list[tuple[int, int]] = []
            for start, end in bounds:
                if start < title_end < end:
                    split += [(start, title_end), (title_end + 1, end)]
                else:
                    split.append((start, end))
            bounds = [(s, e) for s, e in split if e > s]
        doc._.tcm_sentences = bounds
    return bounds


def sentence_of(doc: Doc) -> Callable[[int], int]:
    """A function from a character offset to the index of the sentence that holds it."""
    starts = [s for s, _ in sentence_bounds(doc)]
    return lambda at: max(0, bisect_right(starts, at) - 1)
