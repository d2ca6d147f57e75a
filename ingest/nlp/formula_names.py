"""``tcm_formula_names``: formulas and patent medicines named in pinyin that the vocabulary lacks.

The vocabulary lists the classical formulas and the best-known patent medicines; papers name
hundreds more, always the same way: a pinyin name, then a dosage form ("Qili Qiangxin
capsules", "Shenqi Fuzheng injection", "Yiqi Huoxue decoction", "Jianpi Yishen formula",
"Wenxin Keli"). This component marks such a name as a ``Formula`` mention when no earlier
mention covers it, so that what the paper says of it is read like what it says of a known
formula.

Precision comes from the name, not from a list:

* the form word is a dosage form in English or pinyin (:data:`FORMS`: decoction, tang, pill,
  wan, powder, san, granule, keli, capsule, tablet, injection, oral liquid, formula, recipe …);
* before it stand one to four words that are each **pinyin through and through** — every word
  splits into syllables of Mandarin (the 400-odd syllables :mod:`pypinyin` knows) — the first
  capitalised, with at least two syllables in all;
* no word is an English word that happens to split into syllables ("Chinese", "China",
  "human", "women", "open": :data:`NOT_PINYIN`), and a name of one word needs two syllables
  ("Wenxin", not "Shen").

Each name is grounded like every recognised name (:mod:`ingest.nlp.grounding`), on a key that
joins its syllables and names its form by the first word of its group, so "Qili Qiangxin
capsules" and "Qiliqiangxin capsule" are one formula; a name the vocabulary knows spelt so takes
the vocabulary's id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache

from spacy.language import Language

from ingest.nlp.grounding import AddsMentions, grounded
from ingest.nlp.mentions import Mention
from kg.model import EntityKind

# Dosage forms, each group named by its first word in the grounding key.
FORMS: tuple[tuple[str, ...], ...] = (
    ("decoction", "decoctions", "tang"),
    ("pill", "pills", "wan", "pellet", "pellets"),
    ("powder", "powders", "san"),
    ("granule", "granules", "keli"),
    ("capsule", "capsules", "jiaonang"),
    ("tablet", "tablets", "pian"),
    ("drink", "yin"),
    ("dripping pill", "dripping pills", "dropping pill", "dropping pills", "diwan"),
    ("injection", "injections", "zhusheye"),
    ("oral liquid", "koufuye", "liquid", "mixture", "syrup"),
    ("formula", "formulae", "formulas", "recipe", "prescription", "fang"),
    ("paste", "ointment", "plaster", "gao"),
    ("pill", "dan"),
)
_GROUP = {word: group[0] for group in FORMS for word in group}
_FORM = "|".join(sorted((re.escape(w).replace(r"\ ", " ") for w in _GROUP), key=len, reverse=True))
# The form word is found first (it is rare), then the one to four words before it; the words
# are checked one by one below.
_FORM_WORD = re.compile(rf"(?<=[ -])(?:{_FORM})(?![\w-])", re.IGNORECASE)
_WORDS_BEFORE = re.compile(r"(?<![\w-])((?:[A-Za-z]+[ -]){1,4})$")
_WORD = re.compile(r"[A-Za-z]+")
# English words that split into pinyin syllables and stand before a form word in papers.
NOT_PINYIN = frozenset(
    {
        *("chinese", "china", "human", "women", "men", "open", "manage", "banana", "tea"),
        *("anti", "he", "she", "we", "me", "a", "an", "and", "or", "in", "on", "to", "an"),
        *("the", "our", "new", "old", "one", "two", "ten", "den", "pen", "hen", "gene"),
        *("bone", "tone", "zone", "cane", "lane", "nine", "mine", "line", "pine", "wine"),
        *("tang", "wan", "san", "yin", "dan", "gao", "fang", "pian", "liquid", "oral"),
        *("kampo", "sino", "jin", "ling", "ming", "ping", "ting", "sang", "bang", "gang"),
        *("lung", "hang", "long", "song", "ban", "can", "fan", "man", "pan", "ran", "tan"),
        *("van", "bin", "pin", "tin", "win", "sun", "run", "gun", "bun", "nun", "pun"),
        *("shin", "chin", "thin", "then", "when", "ten", "zen", "yen", "hence", "since"),
        *("saline", "same", "shine", "machine", "marine", "sine", "amine", "guanine", "maine"),
        *("beijing", "shanghai", "taiwan", "hunan", "henan", "gansu", "xinjiang", "tianjin"),
    }
)


@cache
def pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (from :mod:`pypinyin`'s character table)."""
    from pypinyin import Style, pinyin_dict
    from pypinyin.style import convert

    out: set[str] = set()
    for readings in pinyin_dict.pinyin_dict.values():
        for reading in readings.split(","):
            syllable = convert(reading, Style.NORMAL, strict=False)
            # "n", "m", "ng", "hm" (interjections) would let English words split ("gelatin").
            if syllable.isalpha() and syllable.isascii() and re.search("[aeiouv]", syllable):
                out.add(syllable)
    return frozenset(out)


def syllable_count(word: str) -> int:
    """How many pinyin syllables ``word`` splits into (the fewest), or 0 when it does not."""
    word = word.lower()
    syllables = pinyin_syllables()
    best = [0] + [-1] * len(word)  # best[i]: fewest syllables covering word[:i]
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            if best[start] >= 0 and word[start:end] in syllables:
                count = best[start] + 1
                if best[end] < 0 or count < best[end]:
                    best[end] = count
    return max(best[-1], 0)


def formula_name(words: list[str]) -> list[str] | None:
    """The longest run of pinyin words at the end of ``words`` that reads as a formula's name
    (see the module docs), or None."""
    kept: list[str] = []
    for word in reversed(words):
        if word.lower() in NOT_PINYIN or not syllable_count(word):
            break
        kept.insert(0, word)
    while kept and not kept[0][:1].isupper():
        kept.pop(0)
    if not kept or sum(syllable_count(w) for w in kept) < 2:
        return None
    return kept


# A herb's pinyin name before a classical form names the formula called after that herb
# ("Huangqin Tang", "Gegen decoction"): the formula, not the herb, is what the paper studied.
# Other forms of one herb ("Danshen injection", "Huangqi granules") are the herb's own
# preparations and stay the herb's.
_CLASSICAL_FORMS = frozenset({"decoction", "pill", "powder", "drink"})


class FormulaNameComponent(AddsMentions):
    """Marks pinyin formula names with a dosage form that no earlier mention covers, or whose
    words are a herb's name before a classical form (module docs)."""

    replaces = frozenset({EntityKind.HERB})

    def find(
        self,
        text: str,
        taken: list[tuple[int, int]],
        sentence: Callable[[int], int],
        replaceable: Sequence[tuple[int, int]] = (),
    ) -> list[Mention]:
        """The formula names of ``text`` (module docs)."""
        added = self._hyphenated(text, taken, sentence)
        for match in _FORM_WORD.finditer(text):
            window = max(0, match.start() - 80)
            before = _WORDS_BEFORE.search(text, window, match.start())
            if before is None:
                continue
            spans = list(_WORD.finditer(text, before.start(1), before.end(1)))
            name = formula_name([w.group() for w in spans])
            if name is None:
                continue
            form = match.group()
            # The name starts at its first kept word; the words before it are no part of it.
            start, end = spans[len(spans) - len(name)].start(), match.end()
            if any(s < end and start < e for s, e in taken):
                continue
            group = _GROUP[re.sub(r"\s+", " ", form.lower())]
            herbs = [(s, e) for s, e in replaceable if s < end and start < e]
            if herbs and (
                group not in _CLASSICAL_FORMS
                or not all(start <= s and e <= match.start() for s, e in herbs)
            ):
                continue
            key = "".join(name).lower() + " " + group
            mention = Mention(
                start, end, text[start:end], EntityKind.FORMULA, sentence=sentence(start)
            )
            taken.append((start, end))
            added.append(grounded(mention, self.grounder.ground(key, EntityKind.FORMULA)))
        return added

    def _hyphenated(
        self, text: str, taken: list[tuple[int, int]], sentence: Callable[[int], int]
    ) -> list[Mention]:
        """Kampo and Korean names split by hyphens ("Hange-koboku-to", "Rikkunshi-to",
        "Yoku-kan-san") where the vocabulary holds the name written whole ("Hangekobokuto"):
        the dictionary reads a hyphen as a space and so misses them. Only a vocabulary name
        is taken: a hyphenated word is no formula by its shape alone."""
        added: list[Mention] = []
        for match in _HYPHENATED_NAME.finditer(text):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            grounding = self.grounder.ground(match.group(), EntityKind.FORMULA)
            if grounding.how != "normalised" or grounding.kind is not EntityKind.FORMULA:
                continue
            mention = Mention(
                start, end, match.group(), EntityKind.FORMULA, sentence=sentence(start)
            )
            taken.append((start, end))
            added.append(grounded(mention, grounding))
        return added


# A Kampo or Korean formula name written in hyphenated parts, the last its form ("-to", "-san",
# "-gan", "-tang", "-hwan"): "Hange-koboku-to", "Dang-gui-su-san", "Bojungikki-tang".
_HYPHENATED_NAME = re.compile(
    r"(?<![\w-])[A-Z][a-z]+(?:-[a-z]+)*-(?:to|san|gan|tang|hwan)(?![\w-])"
)


@Language.factory("tcm_formula_names", default_config={"enabled": True})
def make_formula_names(nlp: Language, name: str, enabled: bool) -> FormulaNameComponent:
    """The pinyin formula-name recogniser; ``enabled = false`` leaves formulas to the
    dictionary alone."""
    return FormulaNameComponent(nlp, name, enabled)
