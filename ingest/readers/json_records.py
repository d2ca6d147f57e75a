"""Streaming the records of a JSON file: one value at a time, each of bounded size and depth.

A JSON file of study records is either one record (an object), a list of records, or a page
object holding its records in a list under one key (``{"studies": [...]}``). :func:`json_records`
reads such a file as a stream of parser events (``ijson``, whose C backend does the parsing)
and builds one record at a time, so memory holds one record whatever the file size:

- a record whose built value passes ``max_json_record_bytes`` (strings by their length, every
  other value by a fixed cost, so a list of millions of empty objects counts too) is skipped,
  reported as :class:`TooLarge`, and reading goes on with the next record;
- nesting deeper than ``max_json_depth`` ends the file (:class:`JsonStreamError`): a parser
  given a million ``[`` otherwise spends memory on each level;
- more than twice the record limit of input without a single parser event (one giant string
  or number) ends the file too, since the parser holds a token whole.

Records before a broken part are kept: a file cut short yields its complete records and then
raises :class:`JsonStreamError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import ijson

from ingest.problems import ProblemCode
from ingest.readers.opening import GuardedStream, check_bom

_CHUNK = 1 << 16
# Memory a built value costs beyond its characters: an object or list, a number, a string.
_CONTAINER_COST = 64
_SCALAR_COST = 32
_STRING_COST = 50
_START = frozenset({"start_map", "start_array"})
_END = frozenset({"end_map", "end_array"})


class JsonStreamError(Exception):
    """The rest of the JSON stream cannot be read; ``line`` is where reading stopped.

    ``line`` is None when the problem concerns the file as a whole (nesting too deep).
    """

    def __init__(self, code: ProblemCode, message: str, line: int | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line


class _TokenTooLargeError(Exception):
    """More input than the limit arrived without one parser event."""


@dataclass(frozen=True, slots=True)
class TooLarge:
    """A record skipped for its size: about ``size`` bytes built when it passed the limit."""

    size: int


class JsonRecord(NamedTuple):
    """One record of the file: its 1-based number and value, or why it was skipped.

    ``whole`` is True for a record that is the file's one top-level object (not an element of
    a list), which a caller may want to check for the shape of a record.
    """

    number: int
    value: Any
    line: int
    skipped: TooLarge | None = None
    whole: bool = False


def _record(fields: tuple[int, Any, int, TooLarge | None, bool]) -> JsonRecord:
    """A record made without the Python-level ``__new__`` of a named tuple (hot path)."""
    return tuple.__new__(JsonRecord, fields)


class _MeteredReader:
    """The byte stream the parser reads: counts bytes and lines, refuses a token too large."""

    def __init__(self, stream: GuardedStream, first: bytes, token_limit: int) -> None:
        self._stream = stream
        self._pending = first
        self._token_limit = token_limit
        self.total = 0
        self.mark = 0  # ``total`` when the consumer last saw progress
        self.newlines = 0

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""  # ijson probes with read(0) whether the stream gives bytes or text
        if self.total - self.mark > self._token_limit:
            raise _TokenTooLargeError
        if self._pending:
            data, self._pending = self._pending, b""
        else:
            data = self._stream.read(size if size > 0 else _CHUNK)
        self.total += len(data)
        self.newlines += data.count(b"\n")
        return data

    @property
    def line(self) -> int:
        """The line the parser has read up to (exact at the end of the input)."""
        return self.newlines + 1


def first_bytes(stream: GuardedStream) -> bytes:
    """The first chunk of ``stream``, without a UTF-8 byte order mark (UTF-16 is refused)."""
    return check_bom(stream.read(_CHUNK))


def json_records(
    stream: GuardedStream, first: bytes, *, page_key: str, max_record_bytes: int, max_depth: int
) -> Iterator[JsonRecord]:
    """The records of the JSON value in ``first`` + ``stream``, one at a time.

    ``page_key`` names the list of records in a page object. A top-level object without it
    is one record. Raises :class:`JsonStreamError` when the rest of the stream cannot be read
    (malformed, too deep, a token too large) and :class:`~ingest.readers.opening.InputError`
    when the stream itself breaks.
    """
    reader = _MeteredReader(stream, first, 2 * max_record_bytes + _CHUNK)
    events: Iterator[tuple[str, Any]] = ijson.basic_parse(reader, use_float=True)
    builder = _Builder(reader, max_record_bytes, max_depth)
    try:
        event, value = next(events)
        if event == "start_array":
            yield from _elements(events, builder, reader)
            return
        if event != "start_map":
            raise JsonStreamError(
                ProblemCode.JSON_MALFORMED,
                f"the file holds a single {event} value, not an object or a list",
                None,
            )
        # Build the top object as one record, unless it turns out to be a page.
        top: dict[str, Any] = {}
        builder.start(top)
        for event, value in events:
            if event == "map_key" and builder.depth == 1 and value == page_key:
                event, value = next(events)  # StopIteration: caught below
                if event == "start_array":
                    yield from _elements(events, builder, reader)
                    _skip_rest(events, reader)
                    return
                builder.key(page_key)  # not a list: an ordinary member of a single record
                if builder.add(event, value):
                    break
                continue
            if builder.add(event, value):
                break
        built = builder.finish()
        yield JsonRecord(1, built[0], reader.line, built[1], whole=True)
        _skip_rest(events, reader)
    except StopIteration:
        raise JsonStreamError(
            ProblemCode.JSON_MALFORMED, "the JSON ends before its value does", reader.line
        ) from None
    except _TokenTooLargeError:
        raise JsonStreamError(
            ProblemCode.FIELD_TOO_LARGE,
            f"a single JSON value is larger than {2 * max_record_bytes:,} bytes; the rest of "
            "the file is not read",
            reader.line,
        ) from None
    except ijson.JSONError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        code = ProblemCode.ENCODING_INVALID if "utf" in reason.lower() else None
        raise JsonStreamError(
            code or ProblemCode.JSON_MALFORMED, f"JSON does not parse: {reason}", reader.line
        ) from None


def _elements(
    events: Iterator[tuple[str, Any]], builder: _Builder, reader: _MeteredReader
) -> Iterator[JsonRecord]:
    """Each element of the list whose ``start_array`` was just read, as a record."""
    index = 0
    for event, value in events:
        if event == "end_array":
            return
        index += 1
        reader.mark = reader.total
        if event not in _START:
            yield _record((index, value, reader.newlines + 1, None, False))
            continue
        # An empty object or list needs no builder: the common case of a hostile file of
        # millions of '{}' stays cheap.
        following = next(events, None)
        if following is None:
            break
        inner, inner_value = following
        if inner in _END:
            empty: dict[str, Any] | list[Any] = {} if event == "start_map" else []
            yield _record((index, empty, reader.newlines + 1, None, False))
            continue
        builder.start({} if event == "start_map" else [])
        if not builder.add(inner, inner_value):
            for inner, inner_value in events:
                if builder.add(inner, inner_value):
                    break
        built, skipped = builder.finish()
        yield JsonRecord(index, built, reader.line, skipped)
    raise JsonStreamError(ProblemCode.JSON_MALFORMED, "a list is never closed", reader.line)


def _skip_rest(events: Iterator[tuple[str, Any]], reader: _MeteredReader) -> None:
    """Read to the end of the input (so trailing garbage is noticed), building nothing."""
    for _ in events:
        reader.mark = reader.total


class _Builder:
    """Builds one record from parser events, counting its cost; skips it past the limit."""

    def __init__(self, reader: _MeteredReader, limit: int, max_depth: int) -> None:
        self._reader = reader
        self._limit = limit
        self._max_depth = max_depth
        self._stack: list[Any] = []
        self._keys: list[str | None] = []
        self._root: Any = None
        self._size = 0
        self._skipping = False

    @property
    def depth(self) -> int:
        """How many containers of the record are open."""
        return len(self._stack)

    def start(self, root: dict[str, Any] | list[Any]) -> None:
        """Begin a record whose opening event was already read."""
        self._root = root
        self._stack = [root]
        self._keys = [None]
        self._size = _CONTAINER_COST
        self._skipping = False

    def key(self, name: str) -> None:
        """Set the key of the next member of the innermost object."""
        self._keys[-1] = name

    def add(self, event: str, value: Any) -> bool:
        """Take one event; True when it closes the record."""
        if event == "map_key":
            if not self._skipping:
                self._keys[-1] = value
                self._size += len(value) + _STRING_COST
            return False
        if event in _END:
            self._stack.pop()
            self._keys.pop()
            return not self._stack
        if self._skipping:
            self._reader.mark = self._reader.total
            if event in _START:
                self._stack.append(None)
                self._keys.append(None)
            return False
        if event in _START:
            if len(self._stack) >= self._max_depth:
                raise JsonStreamError(
                    ProblemCode.JSON_MALFORMED,
                    f"JSON is nested too deeply (more than {self._max_depth} levels); the "
                    "rest of the file is not read",
                    None,
                )
            child: Any = {} if event == "start_map" else []
            self._size += _CONTAINER_COST
            self._put(child)
            self._stack.append(child)
            self._keys.append(None)
        else:
            self._size += len(value) + _STRING_COST if event == "string" else _SCALAR_COST
            self._put(value)
        if self._size > self._limit:
            # Past the limit: let go of what was built and only track where the record ends.
            self._skipping = True
            self._root = None
            self._stack = [None] * len(self._stack)
        return False

    def _put(self, value: Any) -> None:
        container = self._stack[-1]
        if isinstance(container, list):
            container.append(value)
        else:
            container[self._keys[-1]] = value

    def finish(self) -> tuple[Any, TooLarge | None]:
        """The record built, or None and why it was skipped."""
        root, self._root = self._root, None
        if self._skipping:
            return None, TooLarge(self._size)
        return root, None


__all__ = ["JsonRecord", "JsonStreamError", "TooLarge", "first_bytes", "json_records"]
