"""Sharing an on-disk Oxigraph store between one writing process and any number of readers.

RocksDB lets one process open a store read-write and locks it against every other. So that a
reading command (``tcmkg rank``, ``stats``, ``query``, ``export``, …) never waits for the
process that holds the store (``tcmkg serve``, a long ``tcmkg ingest``):

* the holder writes ``STORE/tcmkg/holder.json`` (its process id and command line) when it opens
  the store, so that a second writer is told who holds it;
* the holder publishes a checkpoint of the store (``Store.backup``: hard links to RocksDB's
  immutable files, consistent, tens of milliseconds) under ``STORE/tcmkg/published/NAME/`` when
  it opens it and after its writes (at most every :data:`PUBLISH_INTERVAL` seconds, and once
  more after the last write), then switches ``published/CURRENT`` to it;
* a reader opens the checkpoint ``CURRENT`` names with ``Store.read_only`` (nobody writes a
  checkpoint, so this is safe) and holds a shared lock on its ``reader.lock`` while it reads;
  the holder removes an older checkpoint only when it can take that lock exclusively.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

PUBLISH_INTERVAL = 2.0  # seconds between two checkpoints while writes go on (see README)
OWN_FOLDER = "tcmkg"
_HOLDER = "holder.json"
# Seconds a second writer waits for a new holder to write its file (see held_message).
_HOLDER_GRACE = 2.0
_PUBLISHED = "published"
_POINTER = "CURRENT"
_READER_LOCK = "reader.lock"
_INFO = "checkpoint.json"


@dataclass(frozen=True)
class Holder:
    """The process that holds a store read-write, as it described itself."""

    pid: int
    command: str
    since: str

    def describe(self) -> str:
        """``process 1234 (tcmkg serve --store …) since 2026-12-02T05:00:00Z``."""
        return f"process {self.pid} ({self.command}) since {self.since}"


def _own(path: Path) -> Path:
    return path / OWN_FOLDER


def process_alive(pid: int) -> bool:
    """Whether a process with this id is running (one owned by another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write_atomically(file: Path, text: str) -> None:
    tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, file)


def write_holder(path: Path) -> None:
    """Record this process as the holder of the store at ``path`` (best effort)."""
    command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "python"
    info = {"pid": os.getpid(), "command": command, "since": _now()}
    with contextlib.suppress(OSError):
        _own(path).mkdir(parents=True, exist_ok=True)
        _write_atomically(_own(path) / _HOLDER, json.dumps(info) + "\n")


def clear_holder(path: Path) -> None:
    """Remove the holder file if this process wrote it."""
    holder = read_holder(path)
    if holder is not None and holder.pid == os.getpid():
        with contextlib.suppress(OSError):
            (_own(path) / _HOLDER).unlink()


def read_holder(path: Path) -> Holder | None:
    """The live process that holds the store at ``path``, if it said so (None if unknown)."""
    try:
        info = json.loads((_own(path) / _HOLDER).read_text(encoding="utf-8"))
        holder = Holder(int(info["pid"]), str(info["command"]), str(info["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return holder if process_alive(holder.pid) else None


def held_message(location: str, path: Path) -> str:
    """What a second writer is told: who holds the store and what to do instead."""
    holder = read_holder(path)
    # A holder writes its file just after it takes the lock: a writer that meets the lock in
    # between waits a moment for the name rather than saying "another process".
    deadline = time.monotonic() + _HOLDER_GRACE
    while holder is None and time.monotonic() < deadline:
        time.sleep(0.05)
        holder = read_holder(path)
    who = holder.describe() if holder is not None else "another process"
    return (
        f"cannot open store {location} for writing: it is locked by {who}. Send records to "
        "a running server with POST /ingest, stop that process, or run the command again "
        "with --wait SECONDS to wait until the store is free"
    )


# -- checkpoints ------------------------------------------------------------------------------


@dataclass
class Checkpoint:
    """A published checkpoint a reader opened: its folder, what it holds, and the reader's lock."""

    folder: Path
    generation: str
    published: str
    lock: IO[bytes]

    def release(self) -> None:
        """Let the checkpoint go; remove it if it is no longer the current one and unread."""
        with contextlib.suppress(OSError, ValueError):
            self.lock.close()
        try:
            current = (self.folder.parent / _POINTER).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            current = None
        if current != self.folder.name:
            # Only this folder: no reader opens it again (readers go through CURRENT), and one
            # that got there before finds it renamed and goes back to CURRENT.
            _remove_unread(self.folder)


def publish(path: Path, backup: object, generation: str) -> str:
    """Make a checkpoint of the store with ``backup(folder)`` and make it the current one.

    Returns the checkpoint's name. Older checkpoints no reader holds are removed.
    """
    folder = _own(path) / _PUBLISHED
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns():020d}-{os.getpid()}"
    tmp = folder / f"{name}.tmp"
    assert callable(backup)
    backup(str(tmp))  # RocksDB creates the folder; a crash leaves a .tmp the next holder drops
    info = {"generation": generation, "published": _now()}
    (tmp / _INFO).write_text(json.dumps(info) + "\n", encoding="utf-8")
    (tmp / _READER_LOCK).touch()
    os.replace(tmp, folder / name)
    _write_atomically(folder / _POINTER, name + "\n")
    prune(path, keep=name)
    return name


def prune(path: Path, keep: str | None = None) -> None:
    """Remove the checkpoints other than ``keep`` that no reader holds."""
    folder = _own(path) / _PUBLISHED
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if entry.name in (keep, _POINTER) or not entry.is_dir():
            continue
        if entry.name.endswith(".tmp"):
            pid = entry.name.removesuffix(".tmp").rpartition("-")[2]
            if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):
                shutil.rmtree(entry, ignore_errors=True)
            continue
        if entry.name.startswith("."):
            # Being removed by another process; left behind if that process was killed.
            pid = entry.name.removesuffix(".removed").rpartition(".")[2]
            if pid.isdigit() and not process_alive(int(pid)):
                shutil.rmtree(entry, ignore_errors=True)
            continue
        _remove_unread(entry)
    if keep is None:
        with contextlib.suppress(OSError):
            (folder / _POINTER).unlink()


def _remove_unread(entry: Path) -> None:
    """Remove a checkpoint folder unless a reader holds its lock."""
    try:
        lock = (entry / _READER_LOCK).open("rb")
    except FileNotFoundError:
        if (entry / "CURRENT").exists() or not entry.exists():
            return  # being removed by another process, or gone already
        shutil.rmtree(entry, ignore_errors=True)  # an incomplete checkpoint
        return
    except OSError:
        return
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return  # a reader has it open
        # Renamed while locked: a reader that got the lock after us finds its folder gone
        # and goes back to CURRENT.
        doomed = entry.with_name(f".{entry.name}.{os.getpid()}.removed")
        try:
            os.replace(entry, doomed)
        except OSError:
            return
    shutil.rmtree(doomed, ignore_errors=True)


def current_checkpoint(path: Path) -> Checkpoint | None:
    """Take a shared lock on the current published checkpoint; None if there is none."""
    folder = _own(path) / _PUBLISHED
    for _ in range(50):  # the holder may switch CURRENT between our reads: try again
        try:
            name = (folder / _POINTER).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        where = folder / name
        try:
            lock = (where / _READER_LOCK).open("rb")
        except OSError:
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_SH)
            info = json.loads((where / _INFO).read_text(encoding="utf-8"))
            if not (where / "CURRENT").is_file():
                raise OSError("checkpoint removed")
        except (OSError, ValueError):
            lock.close()
            continue
        return Checkpoint(where, str(info.get("generation", "")), str(info.get("published")), lock)
    return None
