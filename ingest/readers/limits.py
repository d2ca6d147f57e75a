"""Size limits every reader enforces, so that a giant field or line cannot exhaust memory."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReaderLimits:
    """Limits on input sizes; a record over a limit is skipped with a ``field.too_large`` problem.

    ``max_field_chars`` applies to each text field (title, abstract, summary). The byte limits
    bound what is held in memory at once: one physical line (PubTator, TSV/CSV), one plain-text
    file, one JSON record (a study of a JSON file, read as a stream, or a line of JSON Lines;
    counted as the memory its value takes, so a list of millions of empty objects is large),
    and ``max_json_depth`` how deeply a JSON record may nest.

    A gzip file may give at most ``max_decompressed_bytes``, and once it has given
    ``min_bytes_for_ratio`` no more than ``max_compression_ratio`` bytes per compressed byte
    (text and XML compress 5 to 20 times; gzip's ceiling, about 1,030, means a bomb); past
    either limit the rest of the file is not read and an ``input.too_large`` problem says so.
    """

    max_field_chars: int = 1_000_000
    max_line_bytes: int = 16_000_000
    max_text_file_bytes: int = 16_000_000
    max_json_record_bytes: int = 8_000_000
    max_json_depth: int = 64
    max_decompressed_bytes: int = 4_000_000_000
    max_compression_ratio: int = 100
    min_bytes_for_ratio: int = 16_000_000


DEFAULT_LIMITS = ReaderLimits()


def oversized_field(name: str, value: str, limits: ReaderLimits) -> str | None:
    """A message when ``value`` is above the field limit, else None."""
    if len(value) > limits.max_field_chars:
        return (
            f"{name} has {len(value):,} characters, above the limit of "
            f"{limits.max_field_chars:,}; record skipped"
        )
    return None
