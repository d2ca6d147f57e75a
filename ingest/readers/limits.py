"""Size limits every reader enforces, so that a giant field or line cannot exhaust memory."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReaderLimits:
    """Limits on input sizes; a record over a limit is skipped with a ``field.too_large`` problem.

    ``max_field_chars`` applies to each text field (title, abstract, summary). The byte limits
    bound what is held in memory at once: one physical line (PubTator, TSV/CSV, JSON Lines), one
    plain-text file, one whole JSON file (use JSON Lines above that).
    """

    max_field_chars: int = 1_000_000
    max_line_bytes: int = 16_000_000
    max_text_file_bytes: int = 16_000_000
    max_json_file_bytes: int = 512_000_000


DEFAULT_LIMITS = ReaderLimits()


def oversized_field(name: str, value: str, limits: ReaderLimits) -> str | None:
    """A message when ``value`` is above the field limit, else None."""
    if len(value) > limits.max_field_chars:
        return (
            f"{name} has {len(value):,} characters, above the limit of "
            f"{limits.max_field_chars:,}; record skipped"
        )
    return None
