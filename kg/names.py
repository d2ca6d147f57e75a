"""Name normalisation: the one rule by which names are compared, wherever a name is looked up.

One herb has many spellings — characters (黄芪), pinyin with or without spaces and tone marks
(huang qi, Huángqí, huangqi), pharmaceutical Latin in two word orders (Astragali Radix, Radix
Astragali), English — and a user types any of them in any case. :func:`normalise_name` folds
every spelling of one name onto one key, and every place that compares names uses it: the
vocabulary's name index and the importers (``ingest``), the indication and candidate lookups
of ``rank``/``explain`` (``queries``), and the API's search (``api``). It lives here, in
``kg``, because both ``ingest`` and ``queries`` may import ``kg`` but not each other.

The rule, in order:

1. Unicode NFKC (full-width ``ＡＢＣ`` → ``ABC``), then tone marks and other combining marks
   dropped (``huáng`` → ``huang``, ``lǜ`` → ``lu``), then case folded;
2. every run of separators — whitespace, hyphens and dashes, ``_ / · . , ; : ' " ( ) [ ] { }``
   — splits the name into words, so ``Huang-Qi``, ``huang qi`` and ``HuangQi`` agree;
3. pharmaceutical Latin: the drug-part words (:data:`PART_WORDS`) and their qualifiers
   (:data:`QUALIFIERS`) are gathered, sorted, after the other words, so both word orders give
   one key; a name with no other word keeps its order;
4. English spelling variants fold onto one form (rule 4, :func:`fold_word`): plural onto
   singular (``pills`` → ``pill``, ``nephropathies`` → ``nephropathy``), British onto American
   spelling (``tumour`` → ``tumor``, ``anaemia`` → ``anemia``, ``oedema`` → ``edema``,
   ``sulphur`` → ``sulfur``), and a stray possessive ``s`` (``St John's wort``) is dropped;
   the Latin part words are left as they are;
5. traditional characters become simplified ones (``黃芪`` → ``黄芪``, ``高血壓`` → ``高血压``),
   from the character table of OpenCC (package ``opencc-python-reimplemented``, read once,
   no download);
6. the words are joined with nothing between them.

The key is for comparing names, never for display. Both sides of every comparison fold the
same way, so a fold that over-reaches (``diabetes`` → ``diabete``) never loses a match; it
could only join two different names, which the folds above are chosen not to do.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

import opencc  # type: ignore[import-untyped]

# Words that name the drug part of a plant, animal or mineral in pharmaceutical Latin. The
# modern order puts them last (Astragali Radix), the traditional order first (Radix Astragali);
# an importer that must tell the two orders apart reads this list (see
# ingest/importers/symmap.py).
PART_WORDS = frozenset(
    {
        *("radix", "rhizoma", "herba", "fructus", "semen", "folium", "flos", "cortex"),
        *("ramulus", "ramuli", "caulis", "pericarpium", "bulbus", "lignum", "resina"),
        *("spica", "concha", "cornu", "os", "squama", "stigma", "tuber", "thallus"),
        *("pollen", "medulla", "exocarpium", "endocarpium", "stamen", "cacumen"),
        *("retinervus", "periostracum", "calyx", "fasciculus", "arillus", "sclerotium"),
        *("pseudobulbus", "gelatina", "pulvis", "massa", "nodus", "nodi", "ootheca"),
        *("spora", "mel", "indigo", "galla", "carapax", "plastrum", "calculus"),
    }
)
# Words that float around the part words in a Latin name: processing (Praeparata), colour
# (Alba, Rubra) and connectives ("Radix et Rhizoma", "Ramulus cum Uncis"). They move with the
# part words when names are normalised, but do not by themselves make a name Latin.
QUALIFIERS = frozenset(
    {
        *("et", "cum", "uncis", "praeparata", "praeparatum", "rubra", "alba", "fermentata"),
        *("germinatus", "germinata", "carbonisatus", "naturalis"),
    }
)
_MOVABLE = PART_WORDS | QUALIFIERS
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_/·・.,;:'’\"()\[\]{}]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def has_cjk(text: str) -> bool:
    """True when the text contains Chinese characters."""
    return bool(_CJK.search(text))


def name_tokens(text: str) -> list[str]:
    """The words of a name (rules 1 and 2): folded, tone marks dropped, characters kept."""
    if text.isascii():
        # Most names are plain ASCII; they need no Unicode folding (the common, fast case).
        return [t for t in _SEPARATORS.split(text.lower()) if t]
    text = unicodedata.normalize("NFKC", text)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    # NFKD splits some characters into pieces; compose back so CJK and the rest compare as
    # their normal forms.
    stripped = unicodedata.normalize("NFKC", stripped).casefold()
    return [t for t in _SEPARATORS.split(stripped) if t]


def latin_word_order_free(tokens: list[str]) -> list[str]:
    """Rule 3: the other words in order, then the part words and qualifiers sorted.

    ``radix paeoniae alba`` and ``paeoniae radix alba`` both become ``paeoniae alba radix``;
    names with no part word (pinyin, English, characters) are left as they are.
    """
    parts = [t for t in tokens if t in _MOVABLE]
    if not parts or len(parts) == len(tokens):
        return tokens
    return [t for t in tokens if t not in _MOVABLE] + sorted(parts)


# Plural forms the suffix rules below would get wrong.
_IRREGULAR = {"leaves": "leaf", "teeth": "tooth", "feet": "foot", "children": "child"}
# Word endings that are not English plurals: Latin genitives and nouns (Astragali, Coptidis,
# Fructus), -ss words (abscess), -sis words (nephrosis).
_NOT_PLURAL = ("ss", "us", "is", "ys", "as", "os")
_BRITISH = (
    (re.compile(r"(?<=\w)ae(?=\w)"), "e"),  # anaemia, haem, aetiology, paediatric (not -ae)
    (re.compile(r"(?<=\w)oe(?=\w)"), "e"),  # oedema, oesophagus, diarrhoea, coeliac
    (re.compile(r"^oe(?=\w)"), "e"),
    (re.compile(r"^ae(?=\w)"), "e"),
    (re.compile(r"(?<=\w{2})our$"), "or"),  # tumour, colour, odour
    (re.compile(r"(?<=\w{2})([tb])re$"), r"\1er"),  # centre, fibre
    (re.compile(r"isation$"), "ization"),
    (re.compile(r"(?<=\w{3})ise$"), "ize"),
    (re.compile(r"yse$"), "yze"),
    (re.compile(r"sulph"), "sulf"),
    (re.compile(r"ageing"), "aging"),
)


def fold_word(word: str) -> str:
    """Rule 4 for one lower-case word: singular, American spelling (``Tumours`` → ``tumor``).

    Words that are not plain ASCII letters, and the Latin part words, are returned unchanged.
    """
    if not (word.isascii() and word.isalpha()) or word in _MOVABLE:
        return word
    if word in _IRREGULAR:
        word = _IRREGULAR[word]
    elif len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(_NOT_PLURAL):
        word = word[:-1]
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word


@cache
def _simplified_table() -> dict[int, str]:
    """Traditional → simplified character table (OpenCC's TSCharacters, first choice)."""
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 1 and len(parts[1]) == 1:
            table[ord(parts[0])] = parts[1]
    return table


def to_simplified(text: str) -> str:
    """Rule 5: traditional characters replaced by simplified ones (others unchanged)."""
    return text.translate(_simplified_table()) if has_cjk(text) else text


@lru_cache(maxsize=65536)
def normalise_name(text: str) -> str:
    """The lookup key of a name: every spelling of one name gives the same key.

    ::

        normalise_name("Radix Astragali") == normalise_name("astragali radix")
        normalise_name("Huáng-qí") == normalise_name("huang qi") == normalise_name("HuangQi")
        normalise_name("Diabetes  Mellitus") == normalise_name("diabetes mellitus")
        normalise_name(" 黄芪 ") == "黄芪"

    An empty key (a name of separators only) names nothing.
    """
    tokens = latin_word_order_free(name_tokens(text))
    if len(tokens) > 1:
        # "St John's wort": the possessive's "s" split off by the apostrophe.
        tokens = [t for t in tokens if t != "s"] or tokens
    return to_simplified("".join(fold_word(t) for t in tokens))


_BINOMIAL = re.compile(r"^\s*([A-Z][a-z]+)\s+(×\s*)?([a-z][a-z-]+)\b(.*)$")


def species_binomial(text: str) -> str | None:
    """The genus and species of a species name with more after them, else None.

    ``Astragalus membranaceus (Fisch.) Bunge`` → ``Astragalus membranaceus``: a name typed with
    its authority (or a variety) is looked up as the binomial when the full name is unknown.
    """
    found = _BINOMIAL.match(text)
    if found is None or not found.group(4).strip():
        return None
    return f"{found.group(1)} {found.group(3)}"
