"""Opening input files: gzip by its magic bytes, broken streams as data, lines of bounded size.

Every reader opens its file through :func:`open_binary`, so a ``.gz`` file is read
transparently, a ``.gz`` that is not gzip or a gzip stream cut short becomes an
:class:`InputError` with a problem code (never a bare ``zlib.error``), and
:func:`iter_lines` never holds more than one bounded line in memory.

A gzip stream is also held to the decompression limits of
:class:`~ingest.readers.limits.ReaderLimits`: once it has given more than
``max_decompressed_bytes``, or more than ``min_bytes_for_ratio`` at more than
``max_compression_ratio`` bytes per compressed byte (a decompression bomb: 2.4 MB of gzip can
hold 2.5 GB of one repeated byte), reading stops with an ``input.too_large`` problem naming the
limit. Records read before it are kept.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ingest.problems import ProblemCode
from ingest.readers.limits import DEFAULT_LIMITS, ReaderLimits

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CHUNK = 1 << 16
_PREFIX_BYTES = 200
# How often (in decompressed bytes) the compression ratio is checked: it costs a seek call.
_RATIO_CHECK_EVERY = 1 << 20


class InputError(Exception):
    """The input stream itself is broken or unreadable; reading the file stops here."""

    def __init__(self, code: ProblemCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class GuardedStream:
    """A binary stream whose read errors (I/O, bad gzip data) surface as :class:`InputError`.

    When ``compressed`` (the gzip file underneath) is given, the decompression limits of
    ``limits`` are enforced as the stream is read.
    """

    def __init__(
        self,
        raw: BinaryIO,
        *,
        gzipped: bool,
        compressed: BinaryIO | None = None,
        limits: ReaderLimits = DEFAULT_LIMITS,
    ) -> None:
        self._raw = raw
        self.gzipped = gzipped
        self._error: InputError | None = None
        self._compressed = compressed
        self._limits = limits
        self.decompressed = 0
        self._next_ratio_check = limits.min_bytes_for_ratio

    def _count(self, data: bytes) -> bytes:
        """Count decompressed bytes; raise when a decompression limit is passed."""
        if self._compressed is None:
            return data
        self.decompressed += len(data)
        limits = self._limits
        if self.decompressed > limits.max_decompressed_bytes:
            self._error = InputError(
                ProblemCode.INPUT_TOO_LARGE,
                f"gzip content is larger than the limit of {limits.max_decompressed_bytes:,} "
                "bytes decompressed; the rest of the file is not read",
            )
            raise self._error
        if self.decompressed >= self._next_ratio_check:
            self._next_ratio_check = self.decompressed + _RATIO_CHECK_EVERY
            try:
                packed = max(self._compressed.tell(), 1)
            except OSError:
                return data
            ratio = self.decompressed / packed
            if ratio > limits.max_compression_ratio:
                self._error = InputError(
                    ProblemCode.INPUT_TOO_LARGE,
                    f"gzip content expands {ratio:,.0f} times ({packed:,} bytes gave "
                    f"{self.decompressed:,}), above the compression-ratio limit of "
                    f"{limits.max_compression_ratio:,}: a decompression bomb?; the rest of the "
                    "file is not read",
                )
                raise self._error
        return data

    def _failed(self, exc: BaseException) -> InputError:
        if self.gzipped:
            return InputError(
                ProblemCode.GZIP_INVALID, f"gzip stream is corrupt or cut short: {exc}"
            )
        return InputError(ProblemCode.FILE_UNREADABLE, f"read failed: {exc}")

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all when negative).

        When the stream breaks part-way, the bytes before the break are returned first and the
        error is raised on the next call, so that a reader keeps every record before a cut.
        """
        if self._error is not None:
            raise self._error
        if not self.gzipped:
            try:
                return self._raw.read(size)
            except OSError as exc:
                raise self._failed(exc) from exc
        if size < 0:
            # Never all at once: a bomb must meet its limit before it fills memory.
            size = self._limits.max_decompressed_bytes + 1
        pieces: list[bytes] = []
        wanted = size if size >= 0 else None
        got = 0
        while wanted is None or got < wanted:
            try:
                piece = self._raw.read1(_CHUNK if wanted is None else wanted - got)  # type: ignore[attr-defined]
            except (OSError, EOFError, zlib.error) as exc:
                self._error = self._failed(exc)
                if not pieces:
                    raise self._error from exc
                break
            if not piece:
                break
            try:
                pieces.append(self._count(piece))
            except InputError:
                if not pieces:
                    raise
                break  # the error is raised on the next call
            got += len(piece)
        return b"".join(pieces)

    def readline(self, size: int = -1) -> bytes:
        """Read one line, at most ``size`` bytes of it when ``size`` is positive."""
        if self._error is not None:
            raise self._error
        try:
            return self._count(self._raw.readline(size))
        except (OSError, EOFError, zlib.error) as exc:
            raise self._failed(exc) from exc


@contextmanager
def open_binary(path: Path, limits: ReaderLimits = DEFAULT_LIMITS) -> Iterator[GuardedStream]:
    """Open ``path`` for reading bytes, gunzipping when it starts with the gzip magic bytes.

    Raises :class:`InputError` when the file cannot be opened, or is named ``.gz`` but is not
    gzip (reading it as plain text would hide a broken download); reading a gzip stream
    raises it when the decompression limits of ``limits`` are passed.
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(
            ProblemCode.FILE_UNREADABLE, f"cannot open: {exc.strerror or exc}"
        ) from exc
    try:
        try:
            magic = handle.read(2)
            handle.seek(0)
        except OSError as exc:
            raise InputError(ProblemCode.FILE_UNREADABLE, f"read failed: {exc}") from exc
        if magic == GZIP_MAGIC:
            with gzip.GzipFile(fileobj=handle, mode="rb") as unzipped:
                yield GuardedStream(
                    unzipped,  # type: ignore[arg-type]
                    gzipped=True,
                    compressed=handle,
                    limits=limits,
                )
        elif path.suffix.lower() == ".gz":
            raise InputError(
                ProblemCode.GZIP_INVALID,
                f"named .gz but is not gzip (starts with {magic!r}); file skipped",
            )
        else:
            yield GuardedStream(handle, gzipped=False)
    finally:
        handle.close()


def head(path: Path, size: int = _CHUNK) -> bytes:
    """The first ``size`` bytes of the (gunzipped) content of ``path``."""
    with open_binary(path) as stream:
        return stream.read(size)


def logical_name(path: Path) -> str:
    """The file name without a trailing ``.gz`` (``pubmed25n0001.xml.gz`` -> ``…xml``)."""
    name = path.name
    return name[:-3] if name.lower().endswith(".gz") else name


def check_bom(first: bytes) -> bytes:
    """Strip a UTF-8 byte order mark; refuse UTF-16 text with a clear reason."""
    if first.startswith(UTF8_BOM):
        return first[len(UTF8_BOM) :]
    if first.startswith(_UTF16_BOMS):
        raise InputError(
            ProblemCode.ENCODING_INVALID,
            "file is UTF-16 (byte order mark found); save it as UTF-8; file skipped",
        )
    return first


@dataclass(frozen=True, slots=True)
class RawLine:
    """One physical line: its 1-based number and bytes, or ``data is None`` when too long.

    ``prefix`` holds the first bytes of a line too long to keep, so that a reader can still
    name the record it belongs to.
    """

    number: int
    data: bytes | None
    size: int
    prefix: bytes = b""


def iter_lines(stream: GuardedStream, max_line_bytes: int) -> Iterator[RawLine]:
    """Physical lines of ``stream`` (line ends kept), a BOM stripped from the first.

    A line longer than ``max_line_bytes`` is consumed in chunks and yielded with ``data=None``
    and its size, so a giant line costs time but not memory.
    """
    number = 0
    while True:
        data = stream.readline(max_line_bytes + 1)
        if not data:
            return
        number += 1
        if number == 1:
            data = check_bom(data)
        if len(data) > max_line_bytes and not data.endswith(b"\n"):
            size, prefix = len(data), data[:_PREFIX_BYTES]
            del data
            while True:
                rest = stream.readline(_CHUNK)
                size += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
            yield RawLine(number, None, size, prefix)
        else:
            yield RawLine(number, data, len(data))


def decode_utf8(data: bytes) -> tuple[str, str | None]:
    """Decode UTF-8; on failure return the text with U+FFFD and the reason."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 4]
        reason = f"invalid UTF-8 at byte {exc.start} of the line ({bad!r}): {exc.reason}"
        return data.decode("utf-8", errors="replace"), reason
