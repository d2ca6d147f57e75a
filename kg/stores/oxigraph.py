"""Embedded Oxigraph backend: ``oxigraph:PATH`` on disk and ``memory:`` in memory."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import (
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    parse,
)

from kg.sparql import Bindings, bind
from kg.store import (
    GraphStore,
    QueryResult,
    QuerySyntaxError,
    ReaderSnapshot,
    SelectResult,
    StoreError,
    StoreHeldError,
    Term,
    evaluator,
    quads_to_update,
    register_backend,
)
from kg.stores import journal, sharing

_OPENINGS = itertools.count(1)
_OWN_FOLDER = "tcmkg"  # the project's own files inside an on-disk store's folder


class OxigraphStore(GraphStore):
    """Oxigraph through pyoxigraph: every query runs on Oxigraph's own SPARQL engine."""

    def __init__(self, path: Path | None, *, read_only: bool = False) -> None:
        self.location = f"oxigraph:{path}" if path else "memory:"
        self.path = path
        # Which opening of the store this is: a store closed, written by another process and
        # opened again must not match what was cached from its earlier opening.
        self._opening = next(_OPENINGS)
        self._generation: str | None = None  # on disk: the persistent token (see state_token)
        self._lock = threading.Lock()
        self._snapshot_lock = threading.Lock()
        self._snapshot: tuple[str, ReaderSnapshot] | None = None
        self._snapshot_dir: Path | None = None
        self._snapshots = itertools.count(1)
        # Publishing checkpoints for readers in other processes (see kg.stores.sharing): a
        # checkpoint is taken only between writes, so it never holds half a bulk load.
        self._gate = threading.Condition()
        self._active_writes = 0
        self._publishing = False
        self._publish_lock = threading.Lock()
        self._last_publish = 0.0
        self._dirty = False
        self._timer: threading.Timer | None = None
        self._checkpoint: sharing.Checkpoint | None = None
        # The journal of graph writes, saved for later processes (see kg.stores.journal).
        self._journal_lock = threading.Lock()
        self._journal_dirty = False
        self.read_only = read_only and path is not None
        self.read_note: str | None = None
        if path is None:
            self._open: Store | None = Store()
        elif read_only:
            self._open = self._open_for_reading(path)
        else:
            self._open = self._open_for_writing(path)
            self._generation = self._read_generation()
            # Entries saved by the processes that wrote before this one: saved again with this
            # one's, and they let a projection saved by an earlier process be brought forward.
            file = self._journal_file()
            assert file is not None
            self.__dict__["_journal"] = journal.read_journal(file)
            self._publish()
            self._last_publish = 0.0  # the first write is published at once

    def _open_for_writing(self, path: Path) -> Store:
        try:
            path.mkdir(parents=True, exist_ok=True)
            store = Store(str(path))
        except OSError as err:
            if _is_lock_error(err):
                raise StoreHeldError(sharing.held_message(self.location, path)) from err
            raise StoreError(f"cannot open store {self.location}: {err}") from err
        sharing.write_holder(path)
        return store

    def _open_for_reading(self, path: Path) -> Store:
        """Open the latest checkpoint of the store, read-only (see kg.stores.sharing).

        When no other process holds the store, this process publishes a checkpoint itself and
        lets the store go at once, so a reading command never keeps a writer waiting.
        """
        holder = None
        try:
            store: Store | None = Store(str(path))
        except OSError as err:
            if not _is_lock_error(err):
                raise StoreError(f"cannot open store {self.location}: {err}") from err
            store = None
        if store is not None:
            self._open = store
            sharing.write_holder(path)
            self._generation = self._read_generation()
            try:
                self._publish()
                checkpoint = sharing.current_checkpoint(path)
            finally:
                self._close_writable()
        else:
            holder = sharing.read_holder(path)
            # The holder publishes a checkpoint as soon as it has opened the store: give a
            # process that is just starting a moment to do so.
            deadline = time.monotonic() + _WAIT_FOR_CHECKPOINT
            checkpoint = sharing.current_checkpoint(path)
            while checkpoint is None and time.monotonic() < deadline:
                time.sleep(0.1)
                checkpoint = sharing.current_checkpoint(path)
        if checkpoint is None:
            who = holder.describe() if holder is not None else "another process"
            raise StoreHeldError(
                f"cannot read store {self.location}: it is locked by {who}, which publishes no "
                "copy for readers (an older tcmkg?); stop it or wait until it is done"
            )
        self._checkpoint = checkpoint
        self._generation = checkpoint.generation or None
        if holder is not None:
            self.read_note = (
                f"reading {self.location} as of {checkpoint.published} "
                f"(it is held by {holder.describe()})"
            )
        try:
            return Store.read_only(str(checkpoint.folder))
        except OSError as err:
            checkpoint.release()
            raise StoreError(f"cannot open store {self.location} to read: {err}") from err

    # -- change token ------------------------------------------------------------------------
    # An on-disk store keeps a generation id in a small file of its own folder (RocksDB
    # ignores files it did not write), renewed before and after every write. Projections
    # cached on disk by one process are then valid in the next one until anything is written,
    # and a process killed in the middle of a write leaves a generation no cache was made for.

    def _state_file(self) -> Path | None:
        return self.path / _OWN_FOLDER / "generation" if self.path is not None else None

    def _read_generation(self) -> str:
        file = self._state_file()
        assert file is not None
        try:
            text = file.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            text = ""
        if len(text) == 32 and all(c in "0123456789abcdef" for c in text):
            return text
        return self._new_generation()

    def _new_generation(self) -> str:
        file = self._state_file()
        assert file is not None
        generation = uuid.uuid4().hex
        if self.read_only and self._open is None:
            return generation
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            tmp = file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(generation + "\n", encoding="ascii")
            os.replace(tmp, file)
        except OSError:
            pass  # a read-only folder: the in-process counter still tells writes apart
        return generation

    def state_token(self) -> str:
        # Only this process can write the store (on disk it is locked to one process), so its
        # own writes are the whole story: no digest of the content is needed.
        with self._lock:
            if self._generation is not None:
                return self._generation
            return f"{self.location}#{self._opening}:{self._writes}"

    def cache_folder(self) -> Path | None:
        return self.path / _OWN_FOLDER / "cache" if self.path is not None else None

    # -- reader snapshots ----------------------------------------------------------------------
    # On disk, a snapshot is a RocksDB checkpoint (Store.backup: hard links to the immutable
    # table files, so it costs milliseconds and little space), opened read-only by the reader.
    # In memory, it is an N-Quads dump the reader loads: fine for the small stores `memory:` is
    # meant for (tests, quick experiments), not for millions of quads.

    def _snapshots_folder(self) -> Path:
        if self._snapshot_dir is None:
            if self.path is not None:
                folders = self.path / _OWN_FOLDER / "snapshots"
                # One folder per process; those of processes that are gone (a server killed
                # before it could clean up) are removed.
                for old in folders.glob("*") if folders.is_dir() else ():
                    if old.name.isdigit() and not sharing.process_alive(int(old.name)):
                        shutil.rmtree(old, ignore_errors=True)
                folder = folders / str(os.getpid())
                folder.mkdir(parents=True, exist_ok=True)
                self._snapshot_dir = folder
            else:
                self._snapshot_dir = Path(tempfile.mkdtemp(prefix="tcmkg-snapshots-"))
        return self._snapshot_dir

    def reader_snapshot(self) -> ReaderSnapshot:
        token = self.state_token()
        with self._snapshot_lock:
            if self._snapshot is not None and self._snapshot[0] == token:
                return self._snapshot[1]
            name = str(next(self._snapshots))
            try:
                if self.path is not None:
                    where = self._snapshots_folder() / name
                    self._store.backup(str(where))
                    snapshot = ReaderSnapshot("oxigraph", str(where))
                else:
                    where = self._snapshots_folder() / f"{name}.nq"
                    self._store.dump(str(where), RdfFormat.N_QUADS)
                    snapshot = ReaderSnapshot("nquads", str(where))
            except OSError as err:
                raise StoreError(f"{self.location}: cannot make a reader snapshot: {err}") from err
            self._snapshot = (token, snapshot)
            return snapshot

    @classmethod
    def open_snapshot(cls, snapshot: ReaderSnapshot) -> OxigraphStore:
        """A reader snapshot (see :meth:`reader_snapshot`) as an embedded store of its own.

        For a process that reads one frozen state (``kg.export_child``). A checkpoint nobody
        writes is opened read-only and never changed (opened like a live store it would get a
        holder file and checkpoints of its own); an N-Quads snapshot is loaded into memory.
        """
        store = cls(None)
        if snapshot.kind == "nquads":
            store._store.bulk_load(path=snapshot.where, format=RdfFormat.N_QUADS)
            return store
        try:
            store._open = Store.read_only(snapshot.where)
        except OSError as err:
            raise StoreError(f"snapshot {snapshot.where}: cannot open: {err}") from err
        store.read_only = True
        store.location = f"snapshot:{snapshot.where}"
        return store

    def cheap_reader_snapshots(self) -> bool:
        return self.path is not None

    def discard_reader_snapshot(self, snapshot: ReaderSnapshot) -> None:
        with self._snapshot_lock:
            if self._snapshot is not None and self._snapshot[1] == snapshot:
                return
        where = Path(snapshot.where)
        if where.is_dir():
            shutil.rmtree(where, ignore_errors=True)
        else:
            where.unlink(missing_ok=True)

    def _discard_all_snapshots(self) -> None:
        with self._snapshot_lock:
            self._snapshot = None
            if self._snapshot_dir is not None:
                shutil.rmtree(self._snapshot_dir, ignore_errors=True)
                self._snapshot_dir = None

    @property
    def _store(self) -> Store:
        if self._open is None:
            raise StoreError(f"{self.location}: the store is closed")
        return self._open

    @property
    def raw(self) -> Store:
        """The underlying pyoxigraph store (for benchmarks and the bulk path)."""
        return self._store

    def replace_graph(self, graph: str, quads: Sequence[Quad]) -> None:
        # One SPARQL update is one Oxigraph transaction: readers and a crash see the old graph
        # or the new one, never a mix.
        with self._journalled(frozenset([graph])):
            self.update(quads_to_update(graph, quads))

    def drop_graph(self, graph: str) -> None:
        with self._journalled(frozenset([graph])):
            self.update(f"DROP SILENT GRAPH {NamedNode(graph)}")

    def written_since(self, state: str) -> frozenset[str] | None:
        # Only one process writes the store at a time (on disk it is locked to one process):
        # its journal, with the entries the processes before it saved, is complete wherever it
        # has no gap, and a write it does not name leaves a gap (see kg.stores.journal).
        return self._journal_since(state)

    # -- the journal on disk (kg.stores.journal) ----------------------------------------------
    def _journal_file(self) -> Path | None:
        folder = self.cache_folder()
        return folder / journal.FILE_NAME if folder is not None else None

    def _journal_entries(self) -> dict[str, tuple[str, frozenset[str]]]:
        entries = super()._journal_entries()
        file = self._journal_file()
        if self.read_only and file is not None:
            # A reader writes nothing: the journal is the holder's (or the last holder's), as
            # saved with the checkpoint this process reads or after it.
            return {**journal.read_journal(file), **entries}
        return entries

    @contextmanager
    def _journalled(self, graphs: frozenset[str]) -> Iterator[None]:
        with super()._journalled(graphs):
            yield
        if self.path is None:
            return
        with self._journal_lock:
            self._journal_dirty = True
        # The journal is saved with each checkpoint for readers (_publish) and at close. A
        # write published at once was published before its entry was made: save it now, so
        # that a reader of that checkpoint finds the entry. Otherwise the pending checkpoint
        # saves it, and a burst of writes saves the journal once every PUBLISH_INTERVAL.
        with self._publish_lock:
            pending = self._timer is not None
        if not pending:
            self._save_journal()

    def _save_journal(self) -> None:
        file = self._journal_file()
        if file is None or self.read_only:
            return
        # One save at a time, each of the whole journal as it is: an older copy never lands
        # after a newer one.
        with self._journal_lock:
            if not self._journal_dirty:
                return
            self._journal_dirty = False
            journal.write_journal(file, self._journal_entries())

    @contextmanager
    def _writing(self) -> Iterator[None]:
        if self.read_only:
            raise StoreError(f"{self.location}: opened read-only, cannot write")
        with self._gate:
            while self._publishing:
                self._gate.wait()
            self._active_writes += 1
        try:
            with super()._writing():
                yield
        finally:
            with self._gate:
                self._active_writes -= 1
                self._gate.notify_all()
            self._wrote()

    # -- checkpoints for readers in other processes (kg.stores.sharing) ---------------------
    def _wrote(self) -> None:
        if self.path is None:
            return
        with self._publish_lock:
            self._dirty = True
            due = self._last_publish + sharing.PUBLISH_INTERVAL - time.monotonic()
            if due > 0:
                # Checkpoints cost a memtable flush (0.1-0.2 s on a 1M-triple store): while
                # writes follow each other, publish at most every PUBLISH_INTERVAL seconds,
                # and once more after the last one.
                if self._timer is None:
                    self._timer = threading.Timer(due, self._publish_if_dirty)
                    self._timer.daemon = True
                    self._timer.start()
                return
        self._publish()

    def _publish_if_dirty(self) -> None:
        with self._publish_lock:
            self._timer = None
            if not self._dirty or self._open is None:
                return
        self._publish()

    def _publish(self) -> None:
        """Publish a checkpoint of the store as it is between writes."""
        if self.path is None:
            return
        with self._publish_lock:
            if self._open is None:
                return
            with self._gate:
                self._publishing = True
                while self._active_writes:
                    self._gate.wait()
            try:
                self._dirty = False
                with self._lock:
                    generation = self._generation or ""
                # The journal first: a reader of this checkpoint finds its entries on disk.
                self._save_journal()
                sharing.publish(self.path, self._open.backup, generation)
            except OSError:
                self._dirty = True  # a full disk: readers keep the previous checkpoint
            finally:
                self._last_publish = time.monotonic()
                with self._gate:
                    self._publishing = False
                    self._gate.notify_all()

    def _close_writable(self) -> None:
        """Flush and release the store opened read-write, and remove what only it needed."""
        self._save_journal()  # before the store is released: the next holder reads it
        with self._publish_lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            store, self._open = self._open, None
        if store is None:
            return
        self._discard_all_snapshots()
        if self.path is not None:
            store.flush()
        # Dropping the last reference closes the database and releases its lock now, not when
        # a lingering reference (a traceback, a test runner) is collected.
        del store
        if self.path is not None:
            sharing.prune(self.path)
            sharing.clear_holder(self.path)

    def _renew(self) -> None:
        super()._renew()
        with self._lock:
            if self._generation is not None:
                self._generation = self._new_generation()

    def bulk_load(self, path: Path, fmt: RdfFormat | None = None, graph: str | None = None) -> None:
        with self._writing():
            try:
                self._store.bulk_load(
                    path=str(path),
                    format=fmt or RdfFormat.from_extension(path.suffix.lstrip(".")),
                    to_graph=NamedNode(graph) if graph else None,
                )
            except SyntaxError as err:
                raise StoreError(f"{path}: malformed RDF: {err.msg}") from err
            except (OSError, ValueError) as err:
                raise StoreError(f"{path}: cannot load: {err}") from err

    def _bulk_load_stream(
        self, data: BinaryIO, fmt: RdfFormat, graph: str | None, path: Path
    ) -> None:
        with self._writing():
            try:
                self._store.bulk_load(data, fmt, to_graph=NamedNode(graph) if graph else None)
            except SyntaxError as err:
                raise StoreError(f"{path}: malformed RDF: {err.msg}") from err
            except (OSError, ValueError, EOFError) as err:
                raise StoreError(f"{path}: cannot load: {err}") from err

    def bulk_extend(self, quads: Iterable[Quad]) -> int:
        counted = _Counted(quads)
        with self._writing():
            try:
                self._store.bulk_extend(counted)
            except OSError as err:
                raise StoreError(f"{self.location}: bulk write failed: {err}") from err
            return counted.n

    def load(self, data: bytes, fmt: RdfFormat, graph: str | None = None) -> int:
        try:
            # Parse fully into memory first, then insert in one transaction: a syntax error
            # half-way through a file leaves the store untouched.
            g = NamedNode(graph) if graph else None
            quads = [
                Quad(q.subject, q.predicate, q.object, g) if g else q
                for q in parse(data, format=fmt)
            ]
        except SyntaxError as err:
            raise StoreError(f"malformed {fmt.name}: {err.msg}") from err
        with self._writing():
            try:
                self._store.extend(quads)
            except OSError as err:
                raise StoreError(f"{self.location}: write failed: {err}") from err
            return len(quads)

    def update(self, sparql: str) -> None:
        with self._writing():
            try:
                self._store.update(sparql)
            except SyntaxError as err:
                raise QuerySyntaxError(f"SPARQL update syntax error: {err}") from err
            except OSError as err:
                raise StoreError(f"{self.location}: update failed: {err}") from err

    def query(self, sparql: str, bindings: Bindings | None = None) -> QueryResult:
        text = bind(sparql, bindings)
        elsewhere = evaluator()
        if elsewhere is not None:
            answer = elsewhere(self, text)
            if answer is not None:
                return answer
        try:
            result = self._store.query(text, use_default_graph_as_union=True)
        except SyntaxError as err:
            raise QuerySyntaxError(f"SPARQL syntax error: {err}") from err
        except OSError as err:
            raise StoreError(f"{self.location}: query failed: {err}") from err
        if isinstance(result, QueryBoolean):
            return bool(result)
        if isinstance(result, QueryTriples):
            return list(result)
        assert isinstance(result, QuerySolutions)
        variables = tuple(v.value for v in result.variables)
        rows = [tuple(sol[i] for i in range(len(variables))) for sol in result]
        return SelectResult(variables, rows)

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            return len(self._store)
        return sum(1 for _ in self._store.quads_for_pattern(None, None, None, NamedNode(graph)))

    def objects(self, subject: str, predicate: str) -> list[Term]:
        found: dict[Term, None] = {}
        for q in self._store.quads_for_pattern(NamedNode(subject), NamedNode(predicate), None):
            found[q.object] = None
        return list(found)

    def quads(self, graph: str | None = None) -> Iterator[Quad]:
        g = NamedNode(graph) if graph else None
        for q in self._store.quads_for_pattern(None, None, None, g):
            # Without a graph, the contract is "every named graph": skip the default graph.
            if g is not None or isinstance(q.graph_name, NamedNode):
                yield q

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, NamedNode))

    def dump(self, out: BinaryIO, fmt: RdfFormat, graph: str | None = None) -> None:
        if fmt.supports_datasets:
            if graph:
                self._store.dump(out, fmt, from_graph=NamedNode(graph))
            else:
                self._store.dump(out, fmt)
        else:
            if not graph:
                raise StoreError(f"{fmt.name} holds one graph: name the graph to export")
            self._store.dump(out, fmt, from_graph=NamedNode(graph))

    def close(self) -> None:
        if self.read_only:
            self._open = None
            if self._checkpoint is not None:
                self._checkpoint.release()
                self._checkpoint = None
            return
        self._close_writable()


_WAIT_FOR_CHECKPOINT = 5.0  # seconds a reader waits for a holder that is just starting


def _is_lock_error(err: OSError) -> bool:
    return "lock" in str(err).lower()


class _Counted:
    """An iterable that counts the quads it hands out (bulk_extend consumes it natively)."""

    def __init__(self, quads: Iterable[Quad]) -> None:
        self._quads = quads
        self.n = 0

    def __iter__(self) -> Iterator[Quad]:
        for q in self._quads:
            self.n += 1
            yield q


def _open_disk(rest: str, *, must_exist: bool = False, read_only: bool = False) -> GraphStore:
    if not rest:
        raise StoreError("oxigraph: needs a directory, e.g. oxigraph:./data/tcmkg")
    path = Path(rest).expanduser()
    # RocksDB writes CURRENT when it creates a database: a folder without it holds no store.
    if must_exist and not (path / "CURRENT").is_file():
        raise StoreError(
            f"no store at {path}: build one with `tcmkg ingest`, `tcmkg load`, `tcmkg import` "
            "or `tcmkg demo`, or name another with --store / TCMKG_STORE"
        )
    return OxigraphStore(path, read_only=read_only)


register_backend("oxigraph", _open_disk)


def _open_memory(rest: str, *, must_exist: bool = False, read_only: bool = False) -> GraphStore:
    # A memory store never exists before it is opened; must_exist does not apply to it.
    return OxigraphStore(None)


register_backend("memory", _open_memory)
