"""Name normalisation and the name index: every surface name of an entity to its candidates.

One herb has many names — characters (黄芪), pinyin with or without spaces and tone marks
(huang qi, Huángqí, huangqi), pharmaceutical Latin in two word orders (Astragali Radix, Radix
Astragali), English, botanical binomials. :func:`normalise_name` folds all the spellings of one
name onto one key; :class:`NameIndex` maps keys to every entity that carries the name, so a
name shared by two herbs (pinyin "fangji": 防己 and 广防己) keeps both candidates.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

# Pharmaceutical Latin puts the part of the plant first in the traditional order (Radix
# Astragali) and last in the modern one (Astragali Radix), and qualifiers (Alba, Praeparata)
# float. Gathering the part words at the end in a fixed order makes every order one key. Only
# words that name a drug part or its processing are moved, so pinyin and English names (which
# almost never contain them) keep their order.
_PART_WORDS = frozenset(
    {
        "radix",
        "rhizoma",
        "herba",
        "fructus",
        "semen",
        "folium",
        "flos",
        "cortex",
        "ramulus",
        "ramuli",
        "caulis",
        "pericarpium",
        "bulbus",
        "lignum",
        "resina",
        "spica",
        "concha",
        "cornu",
        "os",
        "squama",
        "stigma",
        "tuber",
        "thallus",
        "pollen",
        "medulla",
        "exocarpium",
        "endocarpium",
        "stamen",
        "cacumen",
        "retinervus",
        "periostracum",
        "calyx",
        "fasciculus",
        "arillus",
        "sclerotium",
        "pseudobulbus",
        "gelatina",
        "et",  # "Radix et Rhizoma …"
        "praeparata",
        "praeparatum",
        "rubra",
        "alba",
        "cum",
        "uncis",
        "pulvis",
        "massa",
        "fermentata",
        "germinatus",
        "germinata",
        "carbonisatus",
        "nodus",
        "nodi",
        "ootheca",
        "spora",
        "mel",
        "indigo",
        "naturalis",
        "galla",
    }
)
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_/·・.,;:'’\"()\[\]{}]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def has_cjk(text: str) -> bool:
    """True when the text contains Chinese characters."""
    return bool(_CJK.search(text))


def name_tokens(text: str) -> list[str]:
    """Split a name into lower-case ASCII-folded tokens (characters are kept as they are).

    NFKC first, so full-width letters (ＡＢＣ) and compatibility forms fold to plain ones; then
    NFKD and dropping combining marks removes pinyin tone marks (huáng → huang, lǜ → lu).
    """
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


def _latin_word_order_free(tokens: list[str]) -> list[str]:
    """Fold both Latin word orders: the other words in order, then the part words sorted.

    ``radix paeoniae alba`` and ``paeoniae radix alba`` both become ``paeoniae alba radix``;
    names with no part word (pinyin, English, characters) are left as they are.
    """
    parts = [t for t in tokens if t in _PART_WORDS]
    if not parts or len(parts) == len(tokens):
        return tokens
    return [t for t in tokens if t not in _PART_WORDS] + sorted(parts)


def normalise_name(text: str) -> str:
    """The lookup key of a name: every spelling of one name gives the same key.

    Folds case, full-width characters, tone marks, spaces, hyphens and punctuation, and the
    two word orders of pharmaceutical Latin::

        normalise_name("Radix Astragali") == normalise_name("astragali radix")
        normalise_name("Huáng-qí") == normalise_name("huang qi") == normalise_name("HuangQi")
        normalise_name("黄芪") == "黄芪"

    The key is for comparing names, not for display.
    """
    return "".join(_latin_word_order_free(name_tokens(text)))


class NameIndex:
    """Normalised name → every entity id that carries it, in the order they were added."""

    def __init__(self) -> None:
        self._ids: dict[str, list[str]] = {}

    def add(self, name: str, entity_id: str) -> None:
        """Record that ``entity_id`` is called ``name``."""
        key = normalise_name(name)
        if not key:
            return
        ids = self._ids.setdefault(key, [])
        if entity_id not in ids:
            ids.append(entity_id)

    def get(self, name: str) -> list[str]:
        """Every entity id called ``name`` (empty when none)."""
        return list(self._ids.get(normalise_name(name), ()))

    def is_ambiguous(self, name: str) -> bool:
        """True when more than one entity is called ``name``."""
        return len(self._ids.get(normalise_name(name), ())) > 1

    def ambiguous_keys(self) -> Iterator[tuple[str, list[str]]]:
        """Every normalised name shared by several entities, with their ids."""
        for key, ids in self._ids.items():
            if len(ids) > 1:
                yield key, list(ids)

    def __len__(self) -> int:
        return len(self._ids)
