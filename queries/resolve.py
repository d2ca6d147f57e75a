"""The resolver: from a name as a person types it to the entities it names, or suggestions.

Every entry point that takes a name — ``tcmkg rank``/``explain``/``dossier``, ``GET /search``,
``GET /candidates`` and its evidence, the dossier and the page's suggestions — finds entities
through the functions here, on top of the one name rule :func:`kg.names.normalise_name`
(case, tone marks, spacing, punctuation, Latin word order, plural, British spelling,
traditional characters). The steps, in order:

1. **exact**: the typed name's key equals the key of one of an entity's names (its label or
   any synonym: ``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel``, in any language);
2. **species**: a species name typed with its authority or variety
   (``Astragalus membranaceus (Fisch.) Bunge``) is tried as its binomial;
3. **pinyin**: a name in pinyin matches an entity known only by characters (``pypinyin``
   reads the characters);
4. otherwise nothing is found and up to :data:`MAX_SUGGESTIONS` **suggestions** are given,
   each with a score from 0 to 100 (``rapidfuzz``): names that begin with what was typed
   first (shortest first, so "Diabe" suggests Diabetes Mellitus before its subtypes), then
   names within a few typing errors ("diabtes"). A suggestion is never taken as the answer.

A name several entities share returns all of them; which one is meant is the caller's
choice to ask, never made silently (:data:`KIND_ORDER` only orders them).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process

from kg.names import has_cjk, normalise_name, species_binomial

MAX_SUGGESTIONS = 5
# Below this score a near name is not worth suggesting (fuzz.ratio of the name keys).
MIN_SCORE = 70.0
# How entities of different kinds sharing one name are listed: a herb before its compound
# ("licorice" the root before the compound a paper may abbreviate so), then formulas,
# preparations, compounds; the rest after.
KIND_ORDER: tuple[str, ...] = ("Herb", "Formula", "HospitalPreparation", "Compound")
# Characters names longer than this are descriptions, not names: no pinyin key is made.
_MAX_PINYIN_CHARS = 16


def kind_rank(kind: str | None) -> int:
    """Position of ``kind`` in :data:`KIND_ORDER` (unknown kinds last)."""
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


@lru_cache(maxsize=65536)
def pinyin_key(label: str) -> str | None:
    """The key of a name in characters read as pinyin (``黄芪`` → ``huangqi``), else None."""
    if not has_cjk(label) or len(label) > _MAX_PINYIN_CHARS:
        return None
    key = normalise_name(" ".join(lazy_pinyin(label)))
    return key if key and key.isascii() else None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A name close to the one typed: the entity's IRI, the name that matched, a 0–100 score."""

    iri: str
    name: str
    score: float


class UnknownNameError(LookupError):
    """No entity of the kind asked for has the name typed; ``suggestions`` are near names.

    The one shape of every "not found" of the resolver's callers (indications, syndromes), so
    that each interface reports them alike (the API's 404 body lists the suggestions).
    """

    def __init__(self, message: str, suggestions: tuple[Suggestion, ...] = ()) -> None:
        super().__init__(message)
        self.suggestions = suggestions


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a typed name resolved to: IRIs found (several: ambiguous), how, and suggestions."""

    query: str
    key: str
    found: tuple[str, ...]
    how: str  # "exact", "species", "pinyin" or "" when nothing was found
    suggestions: tuple[Suggestion, ...] = ()

    @property
    def ambiguous(self) -> bool:
        """True when the name is shared by more than one entity."""
        return len(self.found) > 1


@dataclass(frozen=True)
class NameIndex:
    """Name keys → IRIs of the entities carrying the name, with the text to show for each key."""

    iris: Mapping[str, tuple[str, ...]]
    shown: Mapping[str, str]  # key → one name with that key, as written
    pinyin: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    keys: tuple[str, ...] = ()  # sorted keys of ``iris``, for prefix suggestions

    @classmethod
    def build(cls, names: Iterable[tuple[str, str]]) -> NameIndex:
        """The index of ``(iri, name)`` pairs (every name of every entity, any order)."""
        found: dict[str, set[str]] = {}
        shown: dict[str, str] = {}
        pinyin: dict[str, set[str]] = {}
        for iri, text in names:
            key = normalise_name(text)
            if not key:
                continue
            found.setdefault(key, set()).add(iri)
            # The shortest spelling of a key is shown (a label rather than a long variant).
            if key not in shown or (len(text), text) < (len(shown[key]), shown[key]):
                shown[key] = text
            alt = pinyin_key(text)
            if alt:
                pinyin.setdefault(alt, set()).add(iri)
        return cls(
            {k: tuple(sorted(v)) for k, v in found.items()},
            shown,
            {k: tuple(sorted(v)) for k, v in pinyin.items()},
            tuple(sorted(found)),
        )

    def find(self, name: str) -> tuple[str, ...]:
        """IRIs of the entities called ``name`` (steps 1–3), empty when none."""
        return self.resolve(name, suggest=False).found

    def resolve(self, name: str, *, suggest: bool = True) -> Resolution:
        """Steps 1–4 for ``name``: the entities it names, or suggestions when there are none."""
        key = normalise_name(name)
        if not key:
            return Resolution(name, key, (), "")
        if key in self.iris:
            return Resolution(name, key, self.iris[key], "exact")
        binomial = species_binomial(name)
        if binomial is not None:
            hit = self.iris.get(normalise_name(binomial))
            if hit:
                return Resolution(name, key, hit, "species")
        if key.isascii() and key in self.pinyin:
            return Resolution(name, key, self.pinyin[key], "pinyin")
        return Resolution(name, key, (), "", self.suggest(key) if suggest else ())

    def suggest(self, key: str, limit: int = MAX_SUGGESTIONS) -> tuple[Suggestion, ...]:
        """Up to ``limit`` entities with names near the name key ``key``, best first."""
        scored: dict[str, float] = {}
        # Names that begin with what was typed: the shorter the rest, the higher the score.
        start = bisect.bisect_left(self.keys, key)
        for other in self.keys[start : start + 200]:
            if not other.startswith(key):
                break
            scored[other] = 90.0 + 10.0 * len(key) / len(other)
        for other, score, _ in process.extract(
            key, self.keys, scorer=fuzz.ratio, limit=4 * limit, score_cutoff=MIN_SCORE
        ):
            scored[other] = max(scored.get(other, 0.0), float(score))
        ordered = sorted(scored.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))
        out: list[Suggestion] = []
        seen: set[str] = set()
        for other, score in ordered:
            for iri in self.iris[other]:
                if iri not in seen:
                    seen.add(iri)
                    out.append(Suggestion(iri, self.shown[other], round(score, 1)))
        return tuple(out[:limit])


def order_by_kind(iris: Sequence[str], kinds: Mapping[str, str]) -> list[str]:
    """``iris`` ordered by :data:`KIND_ORDER` of their kinds, then by IRI."""
    return sorted(iris, key=lambda i: (kind_rank(kinds.get(i)), i))


def did_you_mean(suggestions: Sequence[str]) -> str:
    """The sentence that offers suggestions ("did you mean …?"), empty when there are none."""
    if not suggestions:
        return ""
    return "did you mean: " + "; ".join(suggestions) + "?"
