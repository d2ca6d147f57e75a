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
4. the words are joined with nothing between them.

Characters are kept as they are (traditional and simplified characters are different keys). The
key is for comparing names, never for display.
"""

from __future__ import annotations

import re
import unicodedata

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


def normalise_name(text: str) -> str:
    """The lookup key of a name: every spelling of one name gives the same key.

    ::

        normalise_name("Radix Astragali") == normalise_name("astragali radix")
        normalise_name("Huáng-qí") == normalise_name("huang qi") == normalise_name("HuangQi")
        normalise_name("Diabetes  Mellitus") == normalise_name("diabetes mellitus")
        normalise_name(" 黄芪 ") == "黄芪"

    An empty key (a name of separators only) names nothing.
    """
    return "".join(latin_word_order_free(name_tokens(text)))
