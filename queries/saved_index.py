"""Name indexes saved beside an on-disk store, so that a new process reads instead of rebuilding.

Building a :class:`~queries.resolve.NameIndex` reads every label of the store with a SPARQL
query and runs the name rules (normalisation, pinyin) on each: seconds on a store with SymMap
and TCMSP imported, paid again by every new process (each ``tcmkg rank`` resolving its
indication). The index is saved in the store's cache folder
(:meth:`kg.store.GraphStore.cache_folder`) as gzip'd JSON keyed by the store's state token;
any write changes the token, so an index of an older state is never read.

A saved file may have been damaged or written by anyone with access to the folder: every value
is checked before use (types, counts, numbers in range) and a file that fails is logged,
naming it and why, and rebuilt. Files are written to a temporary name and renamed into place
once whole.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import logging
import os
import threading
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from queries.resolve import NameIndex

log = logging.getLogger(__name__)

_MAGIC = "tcmkg-name-index"
_FORMAT = 1
T = TypeVar("T")


def grouped(groups: Mapping[str, Sequence[str]], number: Mapping[str, int]) -> dict[str, Any]:
    """A map of keys to IRIs as three flat lists: keys, group sizes, entity numbers.

    Flat lists of strings and numbers decode several times faster than many small lists, and
    each IRI is written once however many names it has.
    """
    return {
        "keys": list(groups),
        "counts": [len(iris) for iris in groups.values()],
        "entities": [number[iri] for iris in groups.values() for iri in iris],
    }


def split(value: object, entities: list[str], what: str) -> tuple[list[str], list[int], list[str]]:
    """The keys, group sizes and IRIs of a map saved by :func:`grouped`, each checked."""
    if not isinstance(value, dict):
        raise ValueError(f"{what}: not a map")
    keys = texts(value["keys"], what)
    counts = value["counts"]
    if not isinstance(counts, list) or len(counts) != len(keys):
        raise ValueError(f"{what}: not one count per key")
    if not all(type(c) is int and c > 0 for c in counts):
        raise ValueError(f"{what}: counts are not positive numbers")
    numbers = value["entities"]
    if not isinstance(numbers, list) or len(numbers) != sum(counts):
        raise ValueError(f"{what}: counts do not add up to the entities")
    if not all(type(n) is int for n in numbers):
        raise ValueError(f"{what}: not entity numbers")
    if numbers and (min(numbers) < 0 or max(numbers) >= len(entities)):
        raise ValueError(f"{what}: entity number out of range")
    return keys, counts, [entities[n] for n in numbers]


def ungrouped(value: object, entities: list[str], what: str) -> dict[str, tuple[str, ...]]:
    """The map of keys to IRIs saved by :func:`grouped`."""
    keys, counts, iris = split(value, entities, what)
    each = iter(iris)
    return {key: tuple(itertools.islice(each, n)) for key, n in zip(keys, counts, strict=True)}


def texts(value: object, what: str) -> list[str]:
    """``value`` checked to be a list of texts."""
    if not isinstance(value, list) or not all(type(v) is str for v in value):
        raise ValueError(f"{what}: not a list of texts")
    return value


def index_data(index: NameIndex, number: dict[str, int]) -> dict[str, Any]:
    """The JSON-ready form of ``index``; its IRIs are numbered into ``number`` (extended)."""
    for iri in itertools.chain(
        (i for iris in index.iris.values() for i in iris),
        (i for iris in index.pinyin.values() for i in iris),
    ):
        number.setdefault(iri, len(number))
    return {
        "iris": grouped(index.iris, number),
        "shown": dict(index.shown),
        "pinyin": grouped(index.pinyin, number),
    }


def index_of(data: Mapping[str, Any], entities: list[str]) -> NameIndex:
    """The index saved by :func:`index_data` (entity numbers into ``entities``), checked."""
    iris = ungrouped(data["iris"], entities, "iris")
    shown = data["shown"]
    if not isinstance(shown, dict) or not all(type(t) is str for t in shown.values()):
        raise ValueError("shown: not texts")
    if not iris.keys() <= shown.keys():
        raise ValueError("shown: a name key without a name to show")
    pinyin = ungrouped(data["pinyin"], entities, "pinyin")
    return NameIndex(iris, shown, pinyin, tuple(sorted(iris)))


def saved_file(folder: Path, prefix: str, state: str, version: int = _FORMAT) -> Path:
    """The file of the index named ``prefix``, of layout ``version``, for the store state
    ``state`` (the name index's layout unless another is given)."""
    key = hashlib.sha256(f"{version}\n{prefix}\n{state}".encode()).hexdigest()[:32]
    return folder / f"{prefix}-{key}.json.gz"


def save_json_gz(file: Path, data: Mapping[str, Any], what: str) -> None:
    """Write ``data`` to ``file`` as gzip'd JSON, whole or not at all, and remove the files of
    other states beside it (same name before the last ``-``); a failure is only logged (it
    costs the next process a rebuild)."""
    tmp = file.with_name(f"{file.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    prefix = file.name.rsplit("-", 1)[0]
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        # dumps, not dump: only the former runs json's C encoder; level 1 since a caller waits
        # and these names compress nearly as well as at 9.
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        with gzip.open(tmp, "wb", compresslevel=1) as out:
            out.write(text.encode("utf-8"))
        os.replace(tmp, file)  # renamed into place only once whole: a crash leaves a tmp file
        for old in file.parent.glob(f"{prefix}-*.json.gz"):
            if old != file:
                old.unlink(missing_ok=True)  # files of earlier states are never read again
    except OSError as err:
        tmp.unlink(missing_ok=True)
        log.info("could not save the %s in %s: %s", what, file.parent, err)


def load_json_gz(
    file: Path,
    magic: str,
    version: int,
    state: str | None,
    what: str,
    take: Callable[[dict[str, Any]], T],
) -> T | None:
    """What ``take`` makes of the file saved by :func:`save_json_gz`; None when there is none.

    The file must say it is ``magic`` of layout ``version`` (and of ``state``, when given);
    a file that cannot be read, fails those checks or that ``take`` refuses (ValueError,
    KeyError, TypeError, IndexError) is logged as a warning naming it and why.
    """
    try:
        with gzip.open(file, "rb") as f:
            data = json.loads(f.read().decode("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, EOFError, zlib.error, ValueError) as err:
        log.warning("ignoring the saved %s %s: unreadable (%s)", what, file, err)
        return None
    try:
        if not isinstance(data, dict) or data.get("format") != magic:
            raise ValueError(f"not a saved {what}")
        if data.get("version") != version:
            raise ValueError(f"layout version {data.get('version')!r}, not {version}")
        if not isinstance(data.get("state"), str) or (state is not None and data["state"] != state):
            raise ValueError("saved for another state of the store")
        return take(data)
    except (ValueError, KeyError, TypeError, IndexError) as err:
        log.warning("ignoring the saved %s %s: %s", what, file, err)
        return None


def write_index(file: Path, state: str, index: NameIndex) -> None:
    """Save ``index`` for later processes; a failure only costs the next one a rebuild."""
    number: dict[str, int] = {}
    body = index_data(index, number)
    data = {"format": _MAGIC, "version": _FORMAT, "state": state, "entities": list(number)}
    data.update(body)
    save_json_gz(file, data, "name index")


def read_index(file: Path, state: str) -> NameIndex | None:
    """The index saved for ``state`` in ``file``; None when there is none to take.

    A file that cannot be read, is not a saved name index of this format or is of another
    state is logged (naming it and why) and left to be replaced by the rebuild.
    """
    got = read_saved(file, state)
    return got[1] if got is not None else None


def read_saved(file: Path, state: str | None = None) -> tuple[str, NameIndex] | None:
    """The state and index saved in ``file`` (of ``state`` only, when given); None when there
    is none to take (logged, as :func:`read_index` says)."""

    def take(data: dict[str, Any]) -> tuple[str, NameIndex]:
        return data["state"], index_of(data, texts(data["entities"], "entities"))

    return load_json_gz(file, _MAGIC, _FORMAT, state, "name index", take)
