"""Opening input files: gzip by its magic bytes, broken streams as data, lines of bounded size.

Every reader opens its file through :func:`open_binary`, so a ``.gz`` file is read
transparently, a ``.gz`` that is not gzip or a gzip stream cut short becomes an
:class:`InputError` with a problem code (never a bare ``zlib.error``), and
:func:`iter_lines` never holds more than one bounded line in memory.
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

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CHUNK = 1 << 16
_PREFIX_BYTES = 200


class InputError(Exception):
    """The input stream itself is broken or unreadable; reading the file stops here."""

    def __init__(self, code: ProblemCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class GuardedStream:
    """A binary stream whose read errors (I/O, bad gzip data) surface as :class:`InputError`."""

    def __init__(self, raw: BinaryIO, *, gzipped: bool) -> None:
        self._raw = raw
        self.gzipped = gzipped
        self._error: InputError | None = None

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
            pieces.append(piece)
            got += len(piece)
        return b"".join(pieces)

    def readline(self, size: int = -1) -> bytes:
        """Read one line, at most ``size`` bytes of it when ``size`` is positive."""
        try:
            return self._raw.readline(size)
        except (OSError, EOFError, zlib.error) as exc:
            raise self._failed(exc) from exc


@contextmanager
def open_binary(path: Path) -> Iterator[GuardedStream]:
    """Open ``path`` for reading bytes, gunzipping when it starts with the gzip magic bytes.

    Raises :class:`InputError` when the file cannot be opened, or is named ``.gz`` but is not
    gzip (reading it as plain text would hide a broken download).
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
                yield GuardedStream(unzipped, gzipped=True)  # type: ignore[arg-type]
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
