"""Grounding: the id of a mention that a recogniser found but the dictionary did not match.

The dictionary (:mod:`ingest.nlp.matcher`) gives ids to the names it matches, spelt as the
vocabulary spells them up to case, hyphens and spacing. The trained recogniser
(:mod:`ingest.nlp.ner`) and the species recogniser (:mod:`ingest.nlp.organisms`) find names
the dictionary missed. :class:`Grounder` gives each of them an id, trying in this order:

1. **normalised**: the mention's lookup key (:func:`kg.names.normalise_name`, the project's
   one name rule: case, tone marks, separators, Latin word order, plural and British
   spelling folded) equals the key of a vocabulary name of an agreeing kind
   (:data:`AGREEING`). "Tumours", "NF-kappaB" and "Nrf2" reach "tumor", "NF-κB"'s spelling
   "NFkappaB" and the gene symbol "NRF2", which the dictionary's case rule for short symbols
   and its word boundaries leave unmatched. A key that names several entities gives every
   one as a candidate and no id, as the dictionary does. A key of :data:`SHORT_KEY`
   characters or fewer must also be a vocabulary name letter for letter ("Akt" is AKT, but
   "AID" is not "AIDS", whose plural the rule folds away).
2. **fuzzy**: a near spelling of one vocabulary name of the same sort (:data:`FUZZY_KINDS`),
   scored by ``rapidfuzz.fuzz.ratio`` on the two keys, at least :data:`FUZZY_THRESHOLD`
   (0–100), only for keys of :data:`FUZZY_MIN_LENGTH` characters or more, only when the two
   keys hold the same digits (ginsenoside Rb1 is not Rb2), when neither merely extends the
   other ("dihydrotanshinone" is not "dihydrotanshinone I") and only when the best name is
   clearly better than the best name of any other entity (:data:`FUZZY_MARGIN`). Genes are
   never matched fuzzily: symbols one letter apart (IL6, IL8) are different genes.
3. **ungrounded**: otherwise a stable id keyed on the mention's kind and lookup key
   (:func:`kg.iri.ungrounded_curie`), the same for every spelling that normalises alike, in
   every document. Written to the graph, it is typed ``tcm:UngroundedEntity`` and labelled
   with the text's own spelling.

Abbreviations (step 0, per document, :func:`ground_abbreviations`): a short form defined right
after a recognised long form ("nuclear factor erythroid 2-related factor 2 (Nrf2)") names the
same entity as the long form, and every later use of it too; when only one of the two finds a
vocabulary entity, both take that entity's id.

The threshold is chosen for precision: a grounded mention can make a claim that enters the
rankings, and a wrong entity is worse than an ungrounded one. At 95 on keys of 8 characters or
more, one edit is allowed from 20 characters up (two from 40); shorter keys match only through
step 1.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process
from spacy.language import Language
from spacy.tokens import Doc

from ingest.nlp.abbreviations import find_definitions
from ingest.nlp.matcher import Term, TermSource
from ingest.nlp.mentions import Mention, mentions_of
from ingest.nlp.sentences import sentence_of
from kg.iri import is_ungrounded, ungrounded_curie
from kg.model import EntityKind
from kg.names import normalise_name

K = EntityKind
# The vocabulary kinds a recognised mention of each kind may be grounded to: what a paper may
# call by the recogniser's label. A model "chemical" may be a herb or formula name spelt
# otherwise ("Salviae Miltiorrhizae Radices"), a "disease" an outcome.
AGREEING: dict[EntityKind, frozenset[EntityKind]] = {
    K.COMPOUND: frozenset({K.COMPOUND, K.DRUG, K.HERB, K.FORMULA, K.HOSPITAL_PREPARATION}),
    K.DRUG: frozenset({K.COMPOUND, K.DRUG}),
    K.DISEASE: frozenset({K.DISEASE, K.OUTCOME}),
    K.OUTCOME: frozenset({K.DISEASE, K.OUTCOME}),
    K.TARGET: frozenset({K.TARGET}),
    K.ORGANISM: frozenset({K.ORGANISM}),
}
# Fuzzy matching is stricter about kind: the same sort of thing only.
FUZZY_KINDS: dict[EntityKind, frozenset[EntityKind]] = {
    K.COMPOUND: frozenset({K.COMPOUND, K.DRUG}),
    K.DRUG: frozenset({K.COMPOUND, K.DRUG}),
    K.DISEASE: frozenset({K.DISEASE, K.OUTCOME}),
    K.OUTCOME: frozenset({K.DISEASE, K.OUTCOME}),
    K.ORGANISM: frozenset({K.ORGANISM}),
}
FUZZY_THRESHOLD = 95.0
FUZZY_MIN_LENGTH = 8
# The best entity must score this much above the best other entity, or the name is left
# ungrounded rather than guessed.
FUZZY_MARGIN = 2.0
_DIGITS = re.compile(r"\d+")
# Keys this short are grounded only to a name with the same letters (see Grounder._ground).
SHORT_KEY = 4
_CACHE_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class Grounding:
    """What a recognised name was grounded to, and how.

    ``how`` is ``normalised``, ``fuzzy`` or ``ungrounded``; ``ids`` holds the one CURIE of a
    grounded or ungrounded name, ``candidates`` the CURIEs of a name several vocabulary
    entities share (then ``ids`` is empty).
    """

    kind: EntityKind
    how: str
    ids: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()


class Grounder:
    """Grounds recognised names against one vocabulary (the dictionary's names)."""

    def __init__(self, terms: TermSource) -> None:
        # key -> {curie: kind}, in vocabulary order
        self._by_key: dict[str, dict[str, EntityKind]] = {}
        # short key -> the names that give it, letters and digits only, upper case
        self._short: dict[str, set[str]] = {}
        for entry in terms:
            term = entry if isinstance(entry, Term) else Term(*entry)
            key = normalise_name(term.name)
            if key:
                self._by_key.setdefault(key, {}).setdefault(term.curie, term.kind)
                if len(key) <= SHORT_KEY:
                    self._short.setdefault(key, set()).add(_squash(term.name))
        # For fuzzy matching: per kind, the keys long enough to be compared.
        self._fuzzy: dict[EntityKind, list[str]] = {}
        for key, named in self._by_key.items():
            if len(key) >= FUZZY_MIN_LENGTH:
                for kind in set(named.values()):
                    self._fuzzy.setdefault(kind, []).append(key)
        self._cache: dict[tuple[str, str, EntityKind], Grounding] = {}
        self.size = len(self._by_key)

    def ground(self, text: str, kind: EntityKind) -> Grounding:
        """The grounding of the name ``text`` that a recogniser called a ``kind``."""
        # A name of separators only has no key; its own text keeps it apart from every other.
        key = normalise_name(text) or text.strip() or text
        # A short key's grounding depends on the letters as written (see _ground).
        squashed = _squash(text) if len(key) <= SHORT_KEY else ""
        cached = self._cache.get((key, squashed, kind))
        if cached is None:
            cached = self._ground(key, squashed, kind)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()  # bounded memory over any corpus; refilled as it goes
            self._cache[(key, squashed, kind)] = cached
        return cached

    def _ground(self, key: str, squashed: str, kind: EntityKind) -> Grounding:
        agreeing = AGREEING.get(kind, frozenset({kind}))
        named = {c: k for c, k in self._by_key.get(key, {}).items() if k in agreeing}
        if squashed and squashed not in self._short.get(key, set()):
            # Short names fold too far ("AID" → "aid", the key of "AIDS"): they must be a
            # vocabulary name letter for letter, in any case ("Akt" is AKT).
            named = {}
        if len(named) == 1:
            curie, found = next(iter(named.items()))
            return Grounding(found, "normalised", ids=(curie,))
        if len(named) > 1:
            # A shared name stays ambiguous: the kind of the first entity, every candidate.
            return Grounding(next(iter(named.values())), "normalised", candidates=tuple(named))
        fuzzy = self._fuzzy_match(key, kind)
        if fuzzy is not None:
            return fuzzy
        return Grounding(kind, "ungrounded", ids=(ungrounded_curie(kind.value, key),))

    def _fuzzy_match(self, key: str, kind: EntityKind) -> Grounding | None:
        kinds = FUZZY_KINDS.get(kind)
        if not kinds or len(key) < FUZZY_MIN_LENGTH:
            return None
        choices = [k for found in sorted(kinds) for k in self._fuzzy.get(found, ())]
        if not choices:
            return None
        digits = _DIGITS.findall(key)
        best: dict[str, tuple[float, EntityKind]] = {}
        for name, score, _ in process.extract(
            key, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD - FUZZY_MARGIN, limit=8
        ):
            if _DIGITS.findall(name) != digits or not _same_stem(key, name):
                continue
            for curie, found in self._by_key[name].items():
                if found in kinds and score > best.get(curie, (-1.0, found))[0]:
                    best[curie] = (score, found)
        if not best:
            return None
        ranked = sorted(best.items(), key=lambda item: -item[1][0])
        curie, (score, found) = ranked[0]
        if score < FUZZY_THRESHOLD:
            return None
        if len(ranked) > 1 and ranked[1][1][0] > score - FUZZY_MARGIN:
            return None  # two entities about as near: no guess
        return Grounding(found, "fuzzy", ids=(curie,))


def _squash(text: str) -> str:
    return re.sub(r"[\W_]", "", text).upper()


def _same_stem(key: str, name: str) -> bool:
    """False when one key only extends the other by more than an ``e`` ("tanshinone" and
    "tanshinonei" are tanshinone and tanshinone I; "sitagliptine" is sitagliptin)."""
    short, long = sorted((key, name), key=len)
    return not long.startswith(short) or long[len(short) :] == "e"


def grounded(mention: Mention, grounding: Grounding) -> Mention:
    """``mention`` with the kind, id or candidates of its grounding."""
    return replace(mention, kind=grounding.kind, ids=grounding.ids, candidates=grounding.candidates)


def ground_abbreviations(
    text: str,
    mentions: Sequence[Mention],
    recognised: Iterable[Mention],
    sentence_of: Callable[[int], int],
) -> list[Mention]:
    """``mentions`` with the short forms defined after a recognised long form grounded alike.

    ``recognised`` are the grounded mentions a recogniser added (a subset of ``mentions``).
    For each definition "long form (SF)" of one of them, every mention whose text is ``SF``
    from the definition on takes the long form's id and kind, or the long form takes the short
    form's when only the short form reached the vocabulary; a use of ``SF`` that no mention
    covers becomes one. Returns the mentions sorted by offset.
    """
    added = list(recognised)
    definitions = find_definitions(text, added)
    if not definitions:
        return list(mentions)
    spans = {(m.start, m.end) for m in added}  # a recogniser's own mentions, by offsets
    out = list(mentions)
    taken = [(m.start, m.end) for m in out]
    for abbr in definitions:
        long_form = abbr.long_form
        # The short form as read: a recogniser's mention or a dictionary one ("Nrf2").
        short = next((m for m in out if (m.start, m.end) == (abbr.start, abbr.end)), None)
        source = long_form
        if (
            short is not None
            and _ungrounded(long_form)
            and short.ids
            and not _ungrounded(short)
            and short.kind in AGREEING.get(long_form.kind, frozenset())
        ):
            source = short  # "…factor 2 (Nrf2)": the symbol is the vocabulary's
        for i, m in enumerate(out):
            same_long = m.start == long_form.start and m.end == long_form.end
            same_short = (
                m.start >= abbr.start and m.text == abbr.short and (m.start, m.end) in spans
            )
            if (same_long or same_short) and m is not source:
                out[i] = replace(m, kind=source.kind, ids=source.ids, candidates=source.candidates)
        pattern = re.compile(r"(?<![\w-])" + re.escape(abbr.short) + r"(?![\w])")
        for found in pattern.finditer(text, abbr.start):
            start, end = found.start(), found.end()
            if all(end <= s or start >= e for s, e in taken):
                taken.append((start, end))
                out.append(
                    replace(
                        source,
                        start=start,
                        end=end,
                        text=found.group(0),
                        sentence=sentence_of(start),
                        negated=False,
                    )
                )
    return sorted(out, key=lambda m: (m.start, m.end))


_SEED: list[Grounder] = []


def seed_grounder() -> Grounder:
    """A grounder over the shipped vocabulary's names (built once, on first use)."""
    if not _SEED:
        from ingest.vocabulary import load_seed

        _SEED.append(Grounder(load_seed().surface_names()))
    return _SEED[0]


class GroundsMentions:
    """A component whose mentions are grounded: against the shipped vocabulary's names unless
    :meth:`set_vocabulary` gives it the dictionary's own (a store's names too)."""

    _grounder: Grounder | None = None

    def set_vocabulary(self, terms: TermSource) -> None:
        """Ground against ``terms`` (the dictionary's names) instead of the shipped vocabulary."""
        self._grounder = Grounder(terms)

    @property
    def grounder(self) -> Grounder:
        """The grounder of this component's mentions."""
        if self._grounder is None:
            self._grounder = seed_grounder()
        return self._grounder


def _ungrounded(mention: Mention) -> bool:
    return bool(mention.ids) and is_ungrounded(mention.ids[0])


class AddsMentions(GroundsMentions):
    """A rule component that adds grounded mentions where no earlier mention is.

    Subclasses say what they find in :meth:`find`; this class skips a disabled component,
    hands it the spans already taken and merges what it adds into ``Doc._.tcm_mentions``.
    Earlier mentions of the kinds in :attr:`replaces` are handed over apart, as spans an added
    mention may cover; such a mention is then dropped for the added one.
    """

    replaces: frozenset[EntityKind] = frozenset()

    def __init__(self, nlp: Language, name: str, enabled: bool) -> None:
        self.name = name
        self.enabled = enabled

    def __call__(self, doc: Doc) -> Doc:
        if not self.enabled:
            return doc
        found = mentions_of(doc)
        # The sentence index is wanted only for a mention added, which most texts have none
        # of; reading the sentences of every document would cost more than the search.
        index: list[Callable[[int], int]] = []

        def sentence(at: int) -> int:
            if not index:
                index.append(sentence_of(doc))
            return index[0](at)

        taken = [(m.start, m.end) for m in found if m.kind not in self.replaces]
        soft = [(m.start, m.end) for m in found if m.kind in self.replaces]
        added = self.find(doc.text, taken, sentence, soft)
        if added:
            kept = [
                m
                for m in found
                if m.kind not in self.replaces
                or not any(a.start < m.end and m.start < a.end for a in added)
            ]
            doc._.tcm_mentions = sorted([*kept, *added], key=lambda m: (m.start, m.end))
        return doc

    def find(
        self,
        text: str,
        taken: list[tuple[int, int]],
        sentence: Callable[[int], int],
        replaceable: Sequence[tuple[int, int]] = (),
    ) -> list[Mention]:
        """The mentions to add to ``text``; ``taken`` holds the spans of the earlier ones
        (extend it with each span added), ``replaceable`` those an added mention may cover
        (of the kinds in :attr:`replaces`)."""
        raise NotImplementedError
