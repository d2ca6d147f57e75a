"""``tcm_syndromes``: TCM syndromes (证候, "patterns") named in a text, grounded to the seed.

病证结合 research states its population by disease *and* syndrome: "patients with diabetic
nephropathy of qi–yin deficiency syndrome", "气虚血瘀型糖尿病肾病". This component finds such
syndrome mentions in English abstracts and in Chinese text and grounds each to a syndrome
concept of the seed vocabulary (``syndromes.tsv``: ``TCMKG.SYNDROME:…`` CURIEs). Mentions go to
``Doc._.tcm_syndromes`` (a list of :class:`SyndromeMention`), not to the entity mentions, so
the relation rules see the same document as before.

Names come from the seed: every English and Chinese name of each syndrome, pinyin names of
three syllables or more ("qi yin liang xu"), and a few forms generated from the English names
(:func:`english_variants`: "qi and yin deficiency" ↔ "qi–yin deficiency" ↔ "deficiency of qi and
yin" ↔ "deficiency of both qi and yin"; "spleen-kidney yang deficiency" ↔ "spleen and kidney
yang deficiency"; "qi deficiency and blood stasis" ↔ "… with …"). Matching folds case, and
every run of characters that are not letters or digits (hyphen, en dash, slash, spaces) is one
space; Chinese needs no word boundary.

A mention grows to take a following syndrome word ("syndrome", "pattern", "type", "zheng";
证, 型, 证型), and a short form defined right after it ("Qi deficiency and blood stasis (QDBS)")
makes each later use of that short form a mention of the same syndrome.

Precision comes first:

* a name whose words carry TCM meaning (qi, yin, yang, damp, phlegm, wind, deficiency …:
  :data:`TCM_WORDS`) is always a syndrome; "qi-yin deficiency" is;
* a name made of ordinary medical words ("blood stasis", "liver fire", "lung heat") is one only
  when a syndrome word follows it ("diabetic blood-stasis syndrome") or its sentence speaks
  of TCM (:data:`_TCM_CONTEXT`: TCM, Chinese medicine, syndrome, zheng, qi, yin, yang);
* a name that is also a plain symptom ("fluid retention", "food accumulation", "lung
  dryness": :data:`SUFFIX_ONLY`) needs the syndrome word itself;
* a single word ("heat", "stasis", "dampness") is never a syndrome: no seed name is one;
* a two-character Chinese name (气虚, 湿热) needs 证 or 型, 所致 or punctuation after it, since
  Chinese has no spaces: 脾虚 in 脾虚气陷证 and 湿热 in 湿热之邪 are no mention;
* a name right after the verb of a treatment principle ("removing blood stasis", "clearing
  damp-heat", "tonifying qi and yin") names what a remedy does, not a population: no mention.

A mention the text sets against the population — after "unlike", "compared with", "rather
than", "versus", "non-", or in a sentence about exclusion — is kept but marked ``contrast``;
:func:`population_syndromes` leaves it out.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import ahocorasick  # type: ignore[import-not-found]  # ships no type information
from spacy.language import Language
from spacy.tokens import Doc

from ingest.nlp.abbreviations import letters_in_order
from ingest.nlp.mentions import Mention, mentions_of
from ingest.nlp.sentences import sentence_bounds, sentence_of
from ingest.nlp.statements import AIM, BACKGROUND, METHOD, TITLE, TRADITIONAL_USE
from kg.model import EntityKind

__all__ = [
    "SUFFIX_ONLY",
    "TCM_WORDS",
    "SyndromeMention",
    "SyndromeRecogniser",
    "english_variants",
    "find_syndromes",
    "population_syndromes",
    "recogniser",
    "sentence_syndromes",
]

# Words that make a name a TCM syndrome wherever it stands.
TCM_WORDS = frozenset(
    {
        *("qi", "yin", "yang", "damp", "dampness", "phlegm", "wind", "zheng", "yangming"),
        *("shaoyang", "chong", "ren", "ying", "wei", "collaterals", "meridian", "channel"),
        *("energizer", "rheum", "summerheat", "bi", "vacuity", "deficiency", "fu", "xue"),
        *("counterflow", "insecurity", "impediment", "pericardium", "harassing", "harassment"),
        *("disharmony", "interacting", "interaction", "exuberant", "exuberance", "flaming"),
    }
)
# Names that are also plain symptoms or findings: a syndrome only with a syndrome word after.
SUFFIX_ONLY = frozenset(
    {
        *("fluid retention", "water retention", "food retention", "food accumulation"),
        *("retention of food", "intestinal dryness", "lung dryness", "dryness of the intestines"),
        *("liver depression", "heat toxicity", "toxic heat", "stomach heat", "lung heat"),
        *("heat in the lung", "heat in the blood", "heat in blood", "food stagnation"),
        *("water dampness retention", "retention of water dampness", "weak spleen"),
        *("yin exhaustion", "yang exhaustion", "yin depletion", "yang depletion"),
    }
)
# A syndrome word after a name: "qi-yin deficiency syndrome", "damp-heat pattern", "… type".
_SUFFIX_EN = re.compile(
    r"[\s\-–—]*(?:syndromes?|patterns?|types?|zheng|subtypes?)\b(?:[\s\-–—]*\(?\s*证\s*\)?)?",
    re.IGNORECASE,
)
_SUFFIX_ZH = re.compile(r"证型|证候|证|型")
# A two-character name in Chinese (气虚, 湿热) is a syndrome only as a word of its own: before
# 证 or 型 (taken into the mention), 所致 ("caused by"), punctuation or the end of the text.
_ZH_AFTER_SHORT = re.compile(r"(?:所致|引起|导致|[，。；、,;.）)\s]|$)")
# A sentence that speaks of TCM: a plainly medical name ("blood stasis") is a syndrome there.
_TCM_CONTEXT = re.compile(
    r"\b(?:TCM|Chinese medicine|traditional Chinese|syndromes?|zheng|qi|yin|yang|"
    r"syndrome differentiation|pattern differentiation|Kampo)\b",
    re.IGNORECASE,
)
# Set against the population: "unlike yang deficiency", "compared with …", "non-…".
_CONTRAST_BEFORE = re.compile(
    r"(?:\bunlike|\bcompared (?:with|to)|\bin contrast to|\brather than|\bother than|\bversus|"
    r"\bvs\.?|\bnon|\bexcept|\bexcluding|\bwithout)\b[\w\s()\-–'’]{0,40}$|\bnon[\-–\s]?$",
    re.IGNORECASE,
)
# A treatment principle names what it removes ("removing blood stasis", "clearing damp-heat",
# 活血化瘀): an action, not the syndrome of a population.
_ACTION_BEFORE = re.compile(
    r"\b(?:remov|resolv|dispel|eliminat|clear|dissipat|dissolv|transform|drain|expel|"
    r"reliev|dispers|activat|promot|tonif|nourish|warm|cool|purg|dry|expell)\w*"
    r"(?:\s+(?:the|of|and|blood|circulation))*\s*$",
    re.IGNORECASE,
)
_EXCLUSION = re.compile(r"\bexclu(?:ded|sion|ding)\b|排除", re.IGNORECASE)
_SHORT_FORM = re.compile(r"\s*[(\[]\s*([A-Z][A-Za-z]{1,9})\s*[)\];,]")
_NON_WORD = re.compile(r"[\W_]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# English words that name a body part or substance in a combined syndrome name ("spleen-kidney
# yang deficiency"): a hyphen between two of them reads as "and".
_ORGANS = frozenset(
    {"qi", "yin", "yang", "blood", "spleen", "kidney", "liver", "heart", "lung", "stomach"}
)
# Population cues: the sentence describes whom the study took.
_POPULATION = re.compile(
    r"\b(?:patients?|participants?|subjects?|cases?|enrolled|enroll|recruited|diagnosed|"
    r"volunteers?|individuals?|inclusion|included|randomi[sz]ed|rats?|mice|model|women|men|"
    r"children|adults?)\b|患者|病人|纳入|病例",
    re.IGNORECASE,
)
_POPULATION_ROLES = frozenset({TITLE, AIM, METHOD})
_NO_POPULATION_ROLES = frozenset({BACKGROUND, TRADITIONAL_USE})

if not Doc.has_extension("tcm_syndromes"):
    Doc.set_extension("tcm_syndromes", default=None)


@dataclass(frozen=True, slots=True)
class SyndromeMention:
    """A syndrome named in a text: ``text[start:end]`` (with its syndrome word) and its CURIE.

    ``contrast`` marks a syndrome the text sets against its population ("unlike yang
    deficiency"); ``abbreviation`` a later use of a short form defined for a syndrome.
    """

    start: int
    end: int
    text: str
    id: str
    sentence: int = 0
    contrast: bool = False
    abbreviation: bool = False


def _normalise(text: str) -> tuple[str, list[int]]:
    """Lower-cased text with every run of non-word characters one space, and for each of its
    characters the offset it comes from in ``text``."""
    out: list[str] = []
    where: list[int] = []
    last = 0
    for match in _NON_WORD.finditer(text):
        segment = text[last : match.start()]
        for i, char in enumerate(segment):
            low = char.lower()
            out.append(low[0] if low else char)
            where.append(last + i)
        out.append(" ")
        where.append(match.start())
        last = match.end()
    for i, char in enumerate(text[last:]):
        low = char.lower()
        out.append(low[0] if low else char)
        where.append(last + i)
    return "".join(out), where


def _key(name: str) -> str:
    return _normalise(name)[0].strip()


def english_variants(name: str) -> set[str]:
    """Other ways papers write an English syndrome name (normalised, see the module docs)."""
    key = _key(name)
    out = {key}
    words = key.split()
    if len(words) >= 3 and words[-1] == "deficiency":
        head = words[:-1]
        # "qi and yin deficiency" <-> "qi yin deficiency" (the hyphen folds to a space)
        if "and" in head:
            i = head.index("and")
            if 0 < i < len(head) - 1 and head[i - 1] in _ORGANS and head[i + 1] in _ORGANS:
                out.add(" ".join([*head[:i], *head[i + 1 :], "deficiency"]))
        elif head[0] in _ORGANS and head[1] in _ORGANS:
            out.add(" ".join([head[0], "and", *head[1:], "deficiency"]))
        pair = [w for w in head if w != "and"]
        if len(pair) == 2 and all(w in _ORGANS for w in pair):
            a, b = pair
            out |= {f"deficiency of {a} and {b}", f"deficiency of both {a} and {b}"}
            out |= {f"dual deficiency of {a} and {b}", f"{a} and {b} dual deficiency"}
    if " and " in key and not key.startswith(("deficiency", "dual")):
        first, _, second = key.partition(" and ")
        if len(first.split()) >= 2 and len(second.split()) >= 2:
            out.add(f"{first} with {second}")
            out.add(f"{first} {second}")
    return out


def _strength(key: str) -> str:
    """``strong`` (always a syndrome), ``context`` or ``suffix`` (see the module docs)."""
    if _CJK.search(key):
        return "strong"
    if key in SUFFIX_ONLY:
        return "suffix"
    if set(key.split()) & TCM_WORDS:
        return "strong"
    return "context"


class SyndromeRecogniser:
    """Finds the syndrome names of a set of concepts in a text (see the module docs)."""

    def __init__(self, names: Iterable[tuple[str, str]]) -> None:
        """``names``: (name, syndrome CURIE) pairs; a name of two syndromes is left out."""
        by_key: dict[str, set[str]] = {}
        for name, curie in names:
            variants = {_key(name)} if _CJK.search(name) else english_variants(name)
            for key in variants:
                if key and (len(key.split()) >= 2 or _CJK.search(key)):
                    by_key.setdefault(key, set()).add(curie)
        self.names: dict[str, str] = {k: next(iter(v)) for k, v in by_key.items() if len(v) == 1}
        self._automaton = ahocorasick.Automaton()
        for key, curie in self.names.items():
            self._automaton.add_word(key, (key, curie))
        if self.names:
            self._automaton.make_automaton()

    def find(
        self,
        text: str,
        sentences: Sequence[tuple[int, int]] | None = None,
    ) -> list[SyndromeMention]:
        """The syndrome mentions of ``text``, in order; ``sentences`` are its sentence bounds
        (else the whole text is one sentence)."""
        if not self.names:
            return []
        bounds = list(sentences) if sentences else [(0, len(text))]
        starts = [s for s, _ in bounds]

        def sentence(at: int) -> int:
            return max(0, bisect_right(starts, at) - 1)

        norm, where = _normalise(text)
        found: list[tuple[int, int, str, str]] = []  # normalised start, end, key, curie
        for end, (key, curie) in self._automaton.iter(norm):
            start = end - len(key) + 1
            if not _CJK.search(key[0]) and start > 0 and norm[start - 1].isalnum():
                continue
            if not _CJK.search(key[-1]) and end + 1 < len(norm) and norm[end + 1].isalnum():
                continue
            found.append((start, end + 1, key, curie))
        # the longest match wins, then the leftmost
        found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
        kept: list[tuple[int, int, str, str]] = []
        for item in found:
            if all(item[1] <= k[0] or item[0] >= k[1] for k in kept):
                kept.append(item)
        kept.sort()
        mentions: list[SyndromeMention] = []
        for n_start, n_end, key, curie in kept:
            start, end = where[n_start], where[n_end - 1] + 1
            suffix = (_SUFFIX_ZH if _CJK.search(key[-1]) else _SUFFIX_EN).match(text, end)
            if suffix:
                end = suffix.end()
            index = sentence(start)
            s_start, s_end = bounds[index]
            strength = _strength(key)
            if (
                len(key) == 2
                and _CJK.search(key)
                and not (suffix or _ZH_AFTER_SHORT.match(text, end))
            ):
                continue  # 脾虚 in 脾虚气陷证, 湿热 in 湿热之邪: part of another word
            if len(key) == 2 and _CJK.search(key) and text[start - 1 : start] in ("恶", "畏"):
                continue  # 恶风寒, "aversion to wind-cold": a symptom
            if strength == "suffix" and not suffix:
                continue
            if strength == "context" and not (suffix or _TCM_CONTEXT.search(text, s_start, s_end)):
                continue
            if _ACTION_BEFORE.search(text, max(s_start, start - 40), start):
                continue
            contrast = bool(
                _CONTRAST_BEFORE.search(text[s_start:start])
                or _EXCLUSION.search(text, s_start, s_end)
            )
            mentions.append(SyndromeMention(start, end, text[start:end], curie, index, contrast))
        return _with_short_forms(text, mentions, sentence)


def _with_short_forms(
    text: str, mentions: list[SyndromeMention], sentence: Callable[[int], int]
) -> list[SyndromeMention]:
    """``mentions`` plus later uses of a short form defined right after one of them."""
    added: list[SyndromeMention] = []
    taken = [(m.start, m.end) for m in mentions]
    for mention in mentions:
        defined = _SHORT_FORM.match(text, mention.end)
        if defined is None:
            continue
        short = defined.group(1)
        # the first letter at the start of the normalised name (_key drops hyphens)
        if len(short) < 2 or not letters_in_order(short, _key(mention.text)):
            continue
        use = re.compile(r"(?<![\w\-])" + re.escape(short) + r"(?![\w\-])")
        for match in use.finditer(text, defined.end()):
            start, end = match.start(), match.end()
            if any(not (end <= s or start >= e) for s, e in taken):
                continue
            suffix = _SUFFIX_EN.match(text, end)
            if suffix:
                end = suffix.end()
            index = sentence(start)
            taken.append((start, end))
            added.append(
                SyndromeMention(start, end, text[start:end], mention.id, index, False, True)
            )
    if not added:
        return mentions
    return sorted([*mentions, *added], key=lambda m: m.start)


@cache
def recogniser() -> SyndromeRecogniser:
    """The recogniser of the seed vocabulary's syndromes (read once)."""
    from ingest.vocabulary import load_seed
    from ingest.vocabulary.tcm_theory import ConceptKind

    theory = load_seed().theory
    concepts = theory.by_kind(ConceptKind.SYNDROME) if theory else []
    names: list[tuple[str, str]] = []
    for concept in concepts:
        for label in concept.labels:
            if label.lang == "zh-Latn-pinyin" and len(label.text.split()) < 3:
                continue  # "qi xu", "xuexu": too short to tell from other words in English
            names.append((label.text, concept.id))
        names.append((concept.label, concept.id))
    return SyndromeRecogniser(names)


def find_syndromes(text: str) -> list[SyndromeMention]:
    """The seed syndromes named in a plain text (one sentence), e.g. a catalogue's indication."""
    return recogniser().find(text)


def sentence_syndromes(
    mentions: Iterable[SyndromeMention], start: int, end: int
) -> tuple[str, ...]:
    """The syndromes (not set in contrast) named between two offsets, in text order."""
    return tuple(
        dict.fromkeys(
            m.id for m in mentions if start <= m.start and m.end <= end and not m.contrast
        )
    )


def population_syndromes(
    text: str,
    mentions: Sequence[SyndromeMention],
    bounds: Sequence[tuple[int, int]],
    roles: Sequence[str],
) -> tuple[str, ...]:
    """The syndromes a document states for its population, in text order.

    Those (not set in contrast) named in the title, in an aim or method sentence, or in any
    other sentence that says whom the study took (:data:`_POPULATION`: "patients", "enrolled",
    "rats" …), except background and traditional-use sentences, which speak of others.
    """
    out: list[str] = []
    for mention in mentions:
        if mention.contrast or mention.sentence >= len(bounds):
            continue
        role = roles[mention.sentence] if mention.sentence < len(roles) else ""
        start, end = bounds[mention.sentence]
        if role in _POPULATION_ROLES or (
            role not in _NO_POPULATION_ROLES and _POPULATION.search(text, start, end)
        ):
            out.append(mention.id)
    return tuple(dict.fromkeys(out))


class SyndromeComponent:
    """``tcm_syndromes``: fills ``Doc._.tcm_syndromes`` with the document's syndrome mentions."""

    def __init__(self, nlp: Language, name: str, enabled: bool) -> None:
        self.name = name
        self.enabled = enabled

    def __call__(self, doc: Doc) -> Doc:
        if not self.enabled:
            doc._.tcm_syndromes = []
            return doc
        sentence_of(doc)  # computes and keeps the bounds (the title a sentence of its own)
        found = recogniser().find(doc.text, sentence_bounds(doc))
        doc._.tcm_syndromes = found
        if found:
            doc._.tcm_mentions = _outside_syndromes(mentions_of(doc), found)
        return doc


# A syndrome's words are no entity of their own: the recogniser reads "deficiency and blood
# stasis syndrome" as a disease, and a claim "X treats deficiency and blood stasis syndrome"
# would name an ungrounded disease where the text names the syndrome 气虚血瘀证. Herbs and
# formulas are kept (no syndrome name holds one).
_KEPT_IN_SYNDROMES = frozenset(
    {EntityKind.HERB, EntityKind.FORMULA, EntityKind.HOSPITAL_PREPARATION}
)


def _outside_syndromes(
    mentions: list[Mention], syndromes: Sequence[SyndromeMention]
) -> list[Mention]:
    """``mentions`` without those that overlap a syndrome's words."""
    return [
        m
        for m in mentions
        if m.kind in _KEPT_IN_SYNDROMES
        or not any(s.start < m.end and m.start < s.end for s in syndromes)
    ]


@Language.factory("tcm_syndromes", default_config={"enabled": True})
def make_syndromes(nlp: Language, name: str, enabled: bool) -> SyndromeComponent:
    """The syndrome recogniser; ``enabled = false`` finds none."""
    return SyndromeComponent(nlp, name, enabled)
