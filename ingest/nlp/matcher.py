"""Dictionary entity matching: every vocabulary name found in a text, fast and tolerant.

An Aho–Corasick automaton (pyahocorasick) over case- and hyphen-folded names finds every
dictionary name in one pass over the text; measured on this machine it runs about 40 times
faster than spaCy's EntityRuler over a 20k-name dictionary. Folding keeps the text's length,
so automaton offsets are offsets into the original text.

Rules, in the order they are applied:

* case- and hyphen-tolerant: ``Huang-Qi``, ``huang qi`` and ``HUANG QI`` all match ``Huang Qi``;
* short or all-capital names (gene symbols, abbreviations such as ``MET`` or ``CAT``) match
  with their case only, so the word "met" is not the MET gene;
* word boundaries: a Latin-script match may not start or end inside a word; names in Chinese
  characters need no boundary, as Chinese is written without spaces;
* a plural ``s`` after a name is part of the match (``seizures`` for ``seizure``);
* every character that is not a letter or digit counts as one space, so ``IL-6``,
  ``IL 6`` and ``IL/6`` are one name, while a spelling with other spacing (``St Johns wort``
  for ``St. John's wort``) needs its own dictionary entry;
* overlapping matches: the longest wins, then the leftmost.
* a name shared by a pathway and another entity (KEGG's disease pathways) takes the other
  entity's kind; both stay candidates.

Herbs are plants, and papers name them by species, part and common name; the component
(:class:`DictionaryComponent`) reads each herb match as a plant:

* a species names the raw drug(s) of that plant, not their processed forms (*Glycyrrhiza
  glabra* is 甘草, not 炙甘草), and with no part said keeps every drug of the plant
  (ambiguous); a part said beside it ("leaves of Morus alba", "Zingiber officinale Roscoe
  rhizome", past a botanical authority) keeps the drug of that part, or none (:func:`by_part`:
  persimmon leaves are not Kaki Calyx);
* the mention is the plant's name: "licorice root" is the mention "licorice" with the herb of
  the root (:func:`plant_name`); the genus abbreviated ("G. biloba", with var./subsp.) and a
  pharmaceutical Latin name with its first word cut to an initial after its full form
  ("Dioscoreae Rhizoma … D. rhizoma", :func:`abbreviated_latin`) name the same herb;
* a three-word Latin name shortened by its epithet ("Fructus Schisandrae") names every drug
  of the genus with that part, unless some name is spelt exactly so;
* a one-word common name used as a colour, a dye or a person's name ("ginger-colored",
  "turmeric yellow", "Mr. Ginger") is no herb (:func:`not_a_plant`), nor is a short all-capital
  acronym that spells a lower-case name ("MINT").

The ``tcm_dictionary`` pipeline component (:class:`DictionaryComponent`) puts the matches of
a document in ``Doc._.tcm_mentions`` (see :mod:`ingest.nlp.mentions`); an ambiguous name
keeps every candidate and no id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import ahocorasick  # type: ignore[import-not-found]  # ships no type information
from spacy.language import Language
from spacy.tokens import Doc

from ingest.nlp.mentions import Mention
from ingest.nlp.sentences import sentence_of
from kg.model import EntityKind
from kg.names import PART_WORDS, QUALIFIERS

# Everything but letters and digits folds to a space: hyphens, dashes, slashes and brackets are
# then all word boundaries, and "Huang-Qi" reads as "huang qi".
_NON_WORD = re.compile(r"[\W_]")
_ABBREVIATIONS = frozenset({"st", "var", "subsp", "ssp", "cv", "sp", "f"})
# A species name: "Ginkgo biloba", "Astragalus membranaceus var. mongholicus".
_BINOMIAL = re.compile(
    r"^[A-Z][a-z]{2,} [a-z][a-z-]{2,}(?: (?:var|subsp|ssp)\.? [a-z][a-z-]{2,})?$"
)
# A formula's dosage form is written in English or in pinyin, and papers mix the two
# ("Xiaoyao powder", "Xiaoyao San", "Xiaoyaosan"): each name also matches with the other word
# of its group, and with its syllables run together (Kampo: "Hochu-ekki-to", "Hochuekkito").
_FORM_GROUPS = (
    ("decoction", "tang"),
    ("pill", "pills", "wan"),
    ("powder", "san"),
    ("granule", "granules", "keli"),
    ("capsule", "capsules", "jiaonang"),
    ("tablet", "tablets", "pian"),
    ("drink", "yin"),
    ("dripping pill", "dripping pills", "dropping pill", "dropping pills", "di wan"),
    ("injection", "zhu she ye"),
    ("oral liquid", "kou fu ye"),
)
_FORM_WORDS = {word: group for group in _FORM_GROUPS for word in group}
_HAS_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
# Names up to this length that carry capitals are matched with their case (gene symbols,
# abbreviations); longer names are matched case-insensitively.
SHORT_NAME = 5


@dataclass(frozen=True, slots=True)
class Term:
    """One dictionary entry: a name and the entity it names."""

    name: str
    curie: str
    kind: EntityKind
    case_sensitive: bool = False


@dataclass(frozen=True, slots=True)
class Match:
    """A dictionary name found in a text: ``text[start:end]``, and every entry it may name."""

    start: int
    end: int
    terms: tuple[Term, ...]

    @property
    def curies(self) -> tuple[str, ...]:
        """Distinct CURIEs of the entries, in dictionary order."""
        return tuple(dict.fromkeys(t.curie for t in self.terms))

    @property
    def ambiguous(self) -> bool:
        """True when the name names more than one entity."""
        return len(self.curies) > 1

    @property
    def kind(self) -> EntityKind:
        """The kind of the first entry that is not a pathway, else of the first entry.

        KEGG names its disease pathways after the disease (``Hepatitis B``, ``Alzheimer
        disease``); prose that uses the bare name means the disease, and the pathway is still
        among the candidates of the ambiguous match.
        """
        for term in self.terms:
            if term.kind is not EntityKind.PATHWAY:
                return term.kind
        return self.terms[0].kind


TermSource = Iterable[Term | tuple[str, str, EntityKind]]


def fold(text: str) -> str:
    """Lower-case ``text`` and turn non-word characters into spaces, keeping its length."""
    lowered = text.lower()
    if len(lowered) != len(text):
        # A few characters (e.g. "İ") lower-case to two; fold those one by one to keep offsets.
        lowered = "".join(c.lower()[0] for c in text)
    return _NON_WORD.sub(" ", lowered)


def _fold_case_kept(text: str) -> str:
    return _NON_WORD.sub(" ", text).strip()


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FFFF


def needs_case(name: str) -> bool:
    """Whether ``name`` must match with its case: short names with capitals, all-capital names."""
    letters = [c for c in name if c.isalpha()]
    if not letters or any(_is_cjk(c) for c in letters):
        return False
    has_upper = any(c.isupper() for c in letters)
    all_upper = all(c.isupper() for c in letters)
    return (has_upper and len(name) <= SHORT_NAME) or (all_upper and len(letters) >= 2)


# Latin endings of one epithet in its other genders, which papers mix up ("Panax
# quinquefolium" for quinquefolius, "Alisma orientalis" for orientale, "Platycodon
# grandiflorum" for grandiflorus), and the genitive of the drug name ("Salvia
# miltiorrhizae"): no genus holds two species whose names differ so.
_EPITHET_ENDINGS = (("us", "um", "a", "ae"), ("is", "e"))


def _epithet_endings(epithet: str) -> set[str]:
    """The other-gender spellings of a species epithet (``grandiflorus`` → ``grandiflorum``)."""
    if len(epithet) < 6:
        return set()
    for group in _EPITHET_ENDINGS:
        for ending in group:
            if epithet.endswith(ending):
                stem = epithet[: -len(ending)]
                return {stem + other for other in group if other != ending}
    return set()


def _paired_syllables(syllables: list[str]) -> list[tuple[str, ...]]:
    """Pinyin syllables joined two by two as papers write them: an even count pairs up
    ("Fufang Danshen"); an odd count leaves one alone at either end ("Xiao Chaihu",
    "Xiaochai Hu" is not written but costs nothing)."""

    def pairs(part: list[str]) -> tuple[str, ...]:
        return tuple(part[i] + part[i + 1] for i in range(0, len(part), 2))

    if len(syllables) % 2 == 0:
        return [pairs(syllables)]
    return [(syllables[0], *pairs(syllables[1:])), (*pairs(syllables[:-1]), syllables[-1])]


def _formula_variants(words: list[str]) -> set[str]:
    """Other spellings of a formula name (folded words): dosage form swapped, syllables joined.

    Papers also pair the syllables of a pinyin name into words ("Fufang Danshen Dripping Pill"
    for fu fang dan shen di wan, "Buyang Huanwu decoction", "Xiao Chaihu Tang"), so a name of
    three to six syllables before its form also matches paired.
    """
    words = [w for w in words if w]
    if len(words) < 2:
        return set()
    base: list[str] = words
    group: tuple[str, ...] = ()
    for size in (3, 2, 1):  # the form may be several words ("dripping pill", "di wan")
        tail = " ".join(words[-size:])
        if len(words) > size and tail in _FORM_WORDS:
            base, group = words[:-size], _FORM_WORDS[tail]
            break
    stems = {tuple(words)}
    stems |= {(*base, *form.split()) for form in group}
    if 3 <= len(base) <= 6 and all(len(w) <= 6 for w in base):
        forms = group or (" ".join(words[len(base) :]),)
        for paired in _paired_syllables(base):
            stems |= {(*paired, *form.split()) for form in forms}
    out = {" ".join(w for w in stem if w) for stem in stems}
    for stem in stems:
        stem = tuple(w for w in stem if w)
        joined = "".join(stem)
        if len(joined) >= 8 and len(stem) >= 2:  # short joined names ("erchen") are too easily met
            out.add(joined)
            out.add(f"{''.join(stem[:-1])} {stem[-1]}")  # "Xiaoyao san", "Yokukan san"
    return out


def _latin_without_epithet(words: list[str]) -> set[str]:
    """A pharmaceutical Latin name of three words also written without its middle word.

    Older papers shorten "Fructus Schisandrae Chinensis" to "Fructus Schisandrae" and
    "Salviae Miltiorrhizae Radix" to "Salviae Radix"; the short name then belongs to every drug
    of the genus that has that part (Schisandrae Chinensis and Sphenantherae Fructus both), and
    stays ambiguous among them. A qualifier is never the word dropped ("Radix Ginseng Rubra" is
    not "Radix Ginseng").
    """
    words = [w for w in words if w]
    if len(words) != 3 or words[1] in QUALIFIERS:
        return set()
    if words[2] in PART_WORDS and words[0] not in PART_WORDS:
        return {f"{words[0]} {words[2]}"}
    if words[0] in PART_WORDS and words[2] not in QUALIFIERS | PART_WORDS:
        return {f"{words[0]} {words[1]}"}
    return set()


class DictionaryMatcher:
    """Finds dictionary names in texts; build once, then call :meth:`find` per text."""

    def __init__(self, terms: TermSource) -> None:
        by_key: dict[str, list[Term]] = {}
        # Shortened Latin names ("Fructus Schisandrae") count only where no name is spelt so:
        # "Dioscoreae Rhizoma" is 山药, not every Dioscorea rhizome.
        shortened: dict[str, list[Term]] = {}
        for entry in terms:
            term = entry if isinstance(entry, Term) else self.term(*entry)
            key = fold(term.name).strip()
            if len(key) < 2:
                continue  # one-letter names would match everywhere
            for variants, table in (
                (self._variants(key, term), by_key),
                (
                    _latin_without_epithet(key.split(" "))
                    if term.kind is EntityKind.HERB
                    else set(),
                    shortened,
                ),
            ):
                for variant in variants:
                    bucket = table.setdefault(variant, [])
                    if term not in bucket:
                        bucket.append(term)
        for variant, bucket in shortened.items():
            by_key.setdefault(variant, bucket)
        # Two automata: names in Chinese characters would give the Latin automaton's root
        # hundreds of children, which slows every step of the search about sevenfold; the
        # Chinese one runs only on texts that hold Chinese characters.
        self._latin = ahocorasick.Automaton()
        self._cjk = ahocorasick.Automaton()
        for key, bucket in by_key.items():
            if _is_cjk(key[0]) or _is_cjk(key[-1]):
                self._cjk.add_word(key, (len(key), False, tuple(bucket)))
            else:
                # Latin-script keys are searched with a space either side, so that the
                # automaton reports only whole-word matches and Python checks no boundary.
                self._latin.add_word(f" {key} ", (len(key) + 2, True, tuple(bucket)))
        self.size = len(by_key)
        self._by_key = {key: tuple(bucket) for key, bucket in by_key.items()}
        for automaton in (self._latin, self._cjk):
            if len(automaton):
                automaton.make_automaton()

    @staticmethod
    def _variants(key: str, term: Term) -> set[str]:
        words = key.split(" ")
        keys = {key, " ".join(w for w in words if w)}  # "st. john" written "st john"
        # Abbreviations inside names are written with or without their full stop.
        keys |= {" ".join(w + " " if w in _ABBREVIATIONS else w for w in words if w) for _ in (0,)}
        if term.kind is EntityKind.HERB and _BINOMIAL.match(term.name):
            # Botanists abbreviate the genus after its first use: "G. biloba".
            # Folded, "A. membranaceus var. mongholicus" is "a  membranaceus var  mongholicus".
            genus, _, rest = key.partition(" ")
            epithet, _, after = rest.partition(" ")
            for spelt in {epithet, *_epithet_endings(epithet)}:
                written = f"{spelt} {after}".strip()
                keys.add(f"{genus} {written}")
                abbreviated = " ".join(
                    w + " " if w in _ABBREVIATIONS else w for w in written.split()
                )
                keys.add(f"{genus[0]}  {abbreviated}")
        if term.kind is EntityKind.FORMULA:
            keys |= _formula_variants(words)
        # The plural "s" of a word name (seizure -> seizures) still names it.
        keys |= {k + "s" for k in keys if len(k) >= 4 and k[-1].isalpha() and k[-1] != "s"}
        # "mulberry leaves" for "mulberry leaf", "goji berries" for "goji berry"
        keys |= {k[:-1] + "ves" for k in keys if k.endswith(" leaf")}
        keys |= {
            k[:-1] + "ies" for k in keys if len(k) >= 5 and k[-1] == "y" and k[-2] not in "aeiou "
        }
        return keys

    def names(self, text: str) -> tuple[Term, ...]:
        """The entries called exactly ``text`` (folded), without looking into a longer text."""
        return self._by_key.get(" ".join(fold(text).split()), ())

    @staticmethod
    def term(name: str, curie: str, kind: EntityKind) -> Term:
        """A dictionary entry, with its case rule decided from the name."""
        return Term(name=name, curie=curie, kind=kind, case_sensitive=needs_case(name))

    def find(self, text: str) -> list[Match]:
        """Non-overlapping dictionary matches in ``text``, sorted by start offset."""
        if not self.size or not text:
            return []
        found: list[tuple[int, int, tuple[Term, ...]]] = []
        if len(self._latin):
            # Offsets in the padded text are one more than in ``text``.
            for last, (length, _, terms) in self._latin.iter(f" {fold(text)} "):
                self._keep(text, last - length + 1, last - 1, terms, found)
        if len(self._cjk) and _HAS_CJK.search(text):
            for last, (length, _, terms) in self._cjk.iter(fold(text)):
                self._keep(text, last - length + 1, last + 1, terms, found)
        return self._resolve_overlaps(found)

    def _keep(
        self,
        text: str,
        start: int,
        end: int,
        terms: tuple[Term, ...],
        found: list[tuple[int, int, tuple[Term, ...]]],
    ) -> None:
        kept = self._case_filter(text[start:end], terms)
        if kept:
            found.append((start, end, kept))

    @staticmethod
    def _case_filter(surface: str, terms: tuple[Term, ...]) -> tuple[Term, ...]:
        if surface.isupper() and len(surface) <= SHORT_NAME:
            # A short word in capitals is an acronym ("MINT", "KAVA"), not a name written in
            # lower case in the dictionary ("mint", "kava").
            terms = tuple(t for t in terms if not t.name.islower())
        if not any(t.case_sensitive for t in terms):
            return terms
        kept_surface = _fold_case_kept(surface)
        return tuple(
            t
            for t in terms
            if not t.case_sensitive
            or kept_surface == _fold_case_kept(t.name)
            or kept_surface.rstrip("sS") == _fold_case_kept(t.name)
        )

    @staticmethod
    def _resolve_overlaps(found: list[tuple[int, int, tuple[Term, ...]]]) -> list[Match]:
        if len(found) <= 1:
            return [Match(s, e, t) for s, e, t in found]
        found.sort(key=lambda m: (m[0] - m[1], m[0]))  # longest first, then leftmost
        chosen: list[tuple[int, int, tuple[Term, ...]]] = []
        for cand in found:
            s, e = cand[0], cand[1]
            if all(e <= cs or s >= ce for cs, ce, _ in chosen):
                chosen.append(cand)
        chosen.sort(key=lambda m: m[0])
        return [Match(s, e, t) for s, e, t in chosen]


# Plant parts as papers name them, with the Latin word of the herb names (and so of the herbs'
# CURIE slugs) that names the same part: a species is several herbs, one per part used.
# English "root" also covers rhizomes ("ginger root", "turmeric root"), so it keeps the
# candidates of either word ("Curcuma longa root": 姜黄 and 郁金 both stay).
_PARTS: dict[str, tuple[str, ...]] = {
    "root": ("radix", "rhizoma"),
    "roots": ("radix", "rhizoma"),
    "root bark": ("cortex",),
    "rhizome": ("rhizoma",),
    "rhizomes": ("rhizoma",),
    "bark": ("cortex",),
    "stem bark": ("cortex",),
    "fruit": ("fructus",),
    "fruits": ("fructus",),
    "berry": ("fructus",),
    "berries": ("fructus",),
    "seed": ("semen",),
    "seeds": ("semen",),
    "leaf": ("folium",),
    "leaves": ("folium",),
    "flower": ("flos",),
    "flowers": ("flos",),
    "stem": ("caulis",),
    "stems": ("caulis",),
    "twig": ("ramulus",),
    "twigs": ("ramulus",),
    "peel": ("pericarpium",),
    "pericarp": ("pericarpium",),
    "bulb": ("bulbus",),
    "bulbs": ("bulbus",),
    "aerial part": ("herba",),
    "aerial parts": ("herba",),
    "whole plant": ("herba",),
}
_AERIAL = frozenset({"folium", "flos", "caulis", "ramulus"})
_PART_WORDS = "|".join(sorted((re.escape(p) for p in _PARTS), key=len, reverse=True))
# A botanical authority between a species and the part: "Zingiber officinale Roscoe rhizome",
# "Astragalus membranaceus (Fisch.) Bunge root", "Panax ginseng C.A. Meyer roots".
_AUTHORITY = (
    r"(?:\s*\(?(?:[A-Z][a-z]*\.?(?:\s?[A-Z][a-z]*\.)*|ex|et|&)\)?)"
    r"{1,5}(?=\s)"
)
_PART_AFTER = re.compile(rf"\s+({_PART_WORDS})\b", re.IGNORECASE)
_PART_AFTER_AUTHORITY = re.compile(rf"{_AUTHORITY}\s+({_PART_WORDS})\b")
_PART_BEFORE = re.compile(rf"\b({_PART_WORDS})\s+of\s+(?:the\s+)?$", re.IGNORECASE)
# Words after a common name that make it something else: a colour ("ginger-colored",
# "turmeric yellow", a dye), a hair colour, a likeness.
_NOT_A_PLANT_AFTER = re.compile(
    r"[\s-]*(?:colou?r(?:ed)?|haired|like|yellow|orange|brown|red)\b", re.IGNORECASE
)
# "a clove of garlic" counts garlic, not cloves.
_MEASURE_OF = re.compile(r"\s+of\s+(?:fresh\s+|raw\s+)?garlic\b", re.IGNORECASE)
# A title before a name makes it a person ("Mr. Ginger", "Dr Ginger").
_PERSON_BEFORE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+$")
# Pharmaceutical Latin qualifiers that make one drug of a species a processed form of another
# (炙甘草 is 甘草 fried with honey, 红参 is steamed 人参): a species names the raw drug.
_PROCESSED = frozenset(
    {"praeparata", "praeparatum", "melle", "rubra", "carbonisata", "carbonisatus", "tosta"}
)


def stated_part(text: str, start: int, end: int) -> tuple[str, ...] | None:
    """The Latin part words of the plant part named right beside ``text[start:end]``.

    "the fruit of Lycium barbarum", "Lycium barbarum fruit", "Zingiber officinale Roscoe
    rhizome" → the part's Latin words (``("fructus",)``); ``None`` when the sentence names no
    part there.
    """
    after = _PART_AFTER.match(text, end) or _PART_AFTER_AUTHORITY.match(text, end)
    before = _PART_BEFORE.search(text[max(0, start - 30) : start])
    found = after or before
    return _PARTS[found.group(1).lower()] if found else None


def _is_species(surface: str) -> bool:
    """Whether a matched text is a species name, written out or with its genus abbreviated."""
    name = re.sub(r"^([A-Z])\.\s*", r"\1xx ", surface.strip())  # "G. biloba" → "Gxx biloba"
    return bool(_BINOMIAL.match(name))


def _raw_drugs(curies: tuple[str, ...]) -> tuple[str, ...]:
    """``curies`` without the processed forms of another of them (a species is the raw drug).

    A candidate whose slug is another's plus processing words (``glycyrrhizae-radix-et-
    rhizoma-praeparata-cum-melle`` beside ``glycyrrhizae-radix-et-rhizoma``) is dropped.
    Red peony and white peony (``paeoniae-radix-rubra`` / ``-alba``) extend no other candidate
    and both stay.
    """
    slugs = {c: c.rpartition(":")[2] for c in curies}
    kept = tuple(
        c
        for c in curies
        if not any(
            other != c
            and slugs[c].startswith(slugs[other] + "-")
            and set(slugs[c][len(slugs[other]) + 1 :].split("-")) & _PROCESSED
            for other in curies
        )
    )
    return kept or curies


def _narrowed(mention: Mention, kept: tuple[str, ...]) -> Mention:
    if kept == mention.curies:
        return mention
    return replace(
        mention,
        ids=kept if len(kept) == 1 else (),
        candidates=kept if len(kept) > 1 else (),
    )


def by_part(text: str, mention: Mention) -> Mention | None:
    """A herb mention narrowed to the herbs of the plant part the sentence names.

    Keeps the candidates whose name holds the part (one left: it becomes the id); ``None``
    when a part is named that none of its herbs is — "persimmon leaves" are not Kaki Calyx,
    and a wrong herb is worse than none. Without a named part the mention keeps every herb of
    the species (it stays ambiguous), except the processed forms of another candidate: a
    species names the raw drug (*Glycyrrhiza glabra* is 甘草, not 炙甘草).
    """
    if mention.kind is not EntityKind.HERB:
        return mention
    if _is_species(mention.text):
        mention = _narrowed(mention, _raw_drugs(mention.curies))
    part = stated_part(text, mention.start, mention.end)
    if part is None:
        return mention
    words = fold(mention.text).split()
    if any(w in part for w in words):
        return mention  # the name says the part itself ("Radix Astragali")
    kept = tuple(c for c in mention.curies if set(part) & set(c.rpartition(":")[2].split("-")))
    if not kept and set(part) & _AERIAL:
        # A Herba drug is the aerial parts: "Andrographis paniculata leaves" are that herb.
        kept = tuple(c for c in mention.curies if "herba" in c.rpartition(":")[2].split("-"))
    return _narrowed(mention, _raw_drugs(kept)) if kept else None


def not_a_plant(text: str, start: int, end: int) -> bool:
    """Whether the herb name at ``text[start:end]`` is used for something else here.

    "ginger-colored", "turmeric yellow" (a dye) and "Mr. Ginger" name a colour and a person,
    "a clove of garlic" a measure; a species name ("Curcuma longa") is never read this way.
    """
    surface = text[start:end]
    if _is_species(surface) or " " in surface.strip():
        return False
    return bool(
        _NOT_A_PLANT_AFTER.match(text, end)
        or _MEASURE_OF.match(text, end)
        or _PERSON_BEFORE.search(text[:start])
    )


def mention_from_match(text: str, match: Match, sentence: int) -> Mention:
    """A mention for a dictionary match; an ambiguous name keeps every candidate, no id."""
    curies = match.curies
    return Mention(
        start=match.start,
        end=match.end,
        text=text[match.start : match.end],
        kind=match.kind,
        ids=curies if len(curies) == 1 else (),
        candidates=curies if len(curies) > 1 else (),
        sentence=sentence,
    )


_ENGLISH_PARTS = sorted(_PARTS, key=len, reverse=True)


def plant_name(matcher: DictionaryMatcher, text: str, mention: Mention) -> Mention:
    """A herb mention whose name ends in an English part word, cut to the plant's name.

    "licorice root", "Ginkgo biloba leaf": the mention is the plant (``licorice``, ``Ginkgo
    biloba``), as papers and annotators read it, and keeps the herb of the whole name (the
    part decides which drug of the plant it is). Only cut where the rest is itself a name of
    a herb, so "Astragalus root" becomes "Astragalus" but a name that is nothing without its
    part word stays whole.
    """
    if mention.kind is not EntityKind.HERB:
        return mention
    lowered = mention.text.lower()
    for part in _ENGLISH_PARTS:
        if lowered.endswith(" " + part) and len(lowered) > len(part) + 1:
            stem = mention.text[: -len(part)].rstrip(" -")
            if any(t.kind is EntityKind.HERB for t in matcher.names(stem)):
                return replace(mention, end=mention.start + len(stem), text=stem)
            break
    return mention


def abbreviated_latin(
    text: str, mentions: list[Mention], sentence: Callable[[int], int]
) -> list[Mention]:
    """Later uses of a pharmaceutical Latin name with its first word cut to an initial.

    "Dioscoreae Rhizoma … D. rhizoma extract": papers abbreviate the first word of a Latin
    drug name as botanists do the genus, but only after writing it out, so the short form
    names the drug of the full name that came before it in the same document.
    """
    taken = [(m.start, m.end) for m in mentions]
    added: list[Mention] = []
    seen: set[str] = set()
    for mention in mentions:
        words = mention.text.split()
        if mention.kind is not EntityKind.HERB or len(words) != 2:
            continue
        first, second = words
        if second.lower() not in PART_WORDS or not first[:1].isupper() or first in seen:
            continue
        seen.add(first)
        pattern = re.compile(
            rf"(?<![\w.]){re.escape(first[0])}\.\s?{re.escape(second)}\b", re.IGNORECASE
        )
        for m in pattern.finditer(text, mention.end):
            if m.group(0)[0] != first[0]:
                continue  # the initial keeps its capital
            if all(m.end() <= s or m.start() >= e for s, e in taken):
                taken.append((m.start(), m.end()))
                added.append(
                    replace(
                        mention,
                        start=m.start(),
                        end=m.end(),
                        text=m.group(0),
                        sentence=sentence(m.start()),
                    )
                )
    return sorted([*mentions, *added], key=lambda m: m.start) if added else mentions


_ABBREVIATED_GENUS = re.compile(r"^([A-Z])\.\s?([a-z][a-z-]+)")


def abbreviated_genus(text: str, mentions: list[Mention]) -> list[Mention]:
    """An abbreviated genus ("C. sinensis") read as the species written out in the document.

    "G. biloba" is matched everywhere, but an initial fits many genera: "C. sinensis" is
    *Camellia*, *Citrus* or *Cordyceps sinensis*. Where the document writes the species out,
    the short form names the herb(s) of that species; where it writes out a species the
    vocabulary does not know ("Spiraea japonica … S. japonica"), the short form is that
    species too and is no herb of the vocabulary.
    """
    written: dict[tuple[str, str], set[str]] = {}
    for mention in mentions:
        if mention.kind is EntityKind.HERB and _BINOMIAL.match(mention.text):
            genus, epithet = mention.text.split()[:2]
            written.setdefault((genus[0], epithet.lower()), set()).update(mention.curies)
    kept: list[Mention] = []
    for mention in mentions:
        short = _ABBREVIATED_GENUS.match(mention.text) if mention.kind is EntityKind.HERB else None
        if short is not None:
            initial, epithet = short.group(1), short.group(2)
            known = written.get((initial, epithet.lower()))
            if known is not None:
                narrowed = tuple(c for c in mention.curies if c in known)
                mention = _narrowed(mention, narrowed) if narrowed else mention
            elif re.search(rf"\b{initial}[a-z]{{2,}}\s+{re.escape(epithet)}\b", text):
                continue  # the species written out is one the vocabulary does not hold
        kept.append(mention)
    return kept


# A disease name that begins the name of a gene or protein ("breast cancer resistance protein",
# "multiple endocrine neoplasia type 1 gene", "Wilms tumor 1 protein") is no mention of the
# disease: a finding about the protein is no finding about the disease.
_PART_OF_A_GENE_NAME = re.compile(
    r"[\s-]+(?:(?:resistance|susceptibility|suppressor|associated|related)[\s-]+)?"
    r"(?:(?:type\s+)?\d+[A-Za-z]?\s+)?(?:proteins?|genes?|antigens?)\b",
    re.IGNORECASE,
)


def part_of_a_gene_name(text: str, end: int) -> bool:
    """Whether a disease name ending at ``end`` begins the name of a gene or protein."""
    return _PART_OF_A_GENE_NAME.match(text, end) is not None


class DictionaryComponent:
    """``tcm_dictionary``: mentions of vocabulary names, in ``Doc._.tcm_mentions``."""

    def __init__(self, nlp: Language, name: str, use_seed: bool) -> None:
        self.name = name
        self.matcher = DictionaryMatcher(())
        if use_seed:
            from ingest.vocabulary import load_seed

            self.set_terms(load_seed().surface_names())

    def set_terms(self, terms: TermSource) -> None:
        """Replace the dictionary by ``terms``."""
        self.matcher = DictionaryMatcher(terms)

    def mentions(self, text: str, sentence: Callable[[int], int]) -> list[Mention]:
        """The dictionary mentions of ``text``, herbs read as plants (see :func:`by_part`)."""
        found: list[Mention] = []
        for match in self.matcher.find(text):
            mention: Mention | None = mention_from_match(text, match, sentence(match.start))
            if (
                mention is not None
                and mention.kind is EntityKind.DISEASE
                and part_of_a_gene_name(text, mention.end)
            ):
                continue  # "breast cancer resistance protein" names a transporter
            if mention is not None and mention.kind is EntityKind.HERB:
                if not_a_plant(text, mention.start, mention.end):
                    continue
                mention = by_part(text, plant_name(self.matcher, text, mention))
            if mention is not None:
                found.append(mention)
        return abbreviated_latin(text, abbreviated_genus(text, found), sentence)

    def __call__(self, doc: Doc) -> Doc:
        doc._.tcm_mentions = self.mentions(doc.text, sentence_of(doc))
        return doc


@Language.factory("tcm_dictionary", default_config={"use_seed": True})
def make_dictionary(nlp: Language, name: str, use_seed: bool) -> DictionaryComponent:
    """The dictionary matcher; ``use_seed`` loads the bundled seed vocabulary as its names.

    A pipeline built with ``use_seed = false`` matches nothing until
    :meth:`DictionaryComponent.set_terms` gives it names (a store's vocabulary, say).
    """
    return DictionaryComponent(nlp, name, use_seed)
