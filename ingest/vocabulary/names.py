"""The name index: every normalised name of the vocabulary to every entity carrying it.

Names are compared by the project's one normalisation rule, :func:`kg.names.normalise_name`
(case, tone marks, spaces and hyphens, punctuation, the two word orders of pharmaceutical
Latin); :class:`NameIndex` maps each key to every entity that carries the name, so a name
shared by two herbs (pinyin "fangji": 防己 and 广防己) keeps both candidates.
"""

from __future__ import annotations

from collections.abc import Iterator

from kg.names import has_cjk, name_tokens, normalise_name

__all__ = ["NameIndex", "has_cjk", "name_tokens", "normalise_name"]


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
