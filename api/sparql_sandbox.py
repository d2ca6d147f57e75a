"""Evaluating user SPARQL queries in sandboxed child processes.

A query a client sends may be expensive in ways no check before it can see (a cartesian
product, a string doubled thirty times), and a running Oxigraph evaluation cannot be stopped
from Python. So user queries are evaluated in a small pool of child processes, each of which:

* leaves the network first: it moves itself into a new, empty network namespace (``unshare``
  with ``CLONE_NEWNET``; where that is not permitted, with ``CLONE_NEWUSER`` as well), so the
  engine cannot reach any host even if the guard before it were bypassed; where neither works
  the server logs a warning once and relies on :mod:`api.sparql_guard`;
* runs under a memory bound (``RLIMIT_DATA``, ``TCMKG_QUERY_MEMORY_MB``): an evaluation that
  needs more fails its allocation and the child dies, not the server. ``RLIMIT_DATA`` counts
  the memory a process can write (heap, anonymous maps, thread stacks) but not address space
  merely reserved; ``RLIMIT_AS`` counts the latter too, and RocksDB then cannot even start
  its threads under a few hundred megabytes;
* runs in the idle scheduling class (``SCHED_IDLE``; where not permitted, at nice 5), so it
  gets only CPU time the server's own work (health checks, cheap routes) leaves free;
* opens the store's reader snapshot (:meth:`kg.store.GraphStore.reader_snapshot`) and keeps it
  open between queries, imports nothing but pyoxigraph, and stops after ``max_rows`` + 1 rows.

The server sends a query to an idle child and waits until the deadline. Past it, the child is
killed (SIGKILL), so the evaluation really stops, and a fresh child replaces it. A child that
dies on its own (memory bound, stack overflow) is reported with the reason and replaced too.

A SPARQL update cannot run in a read-only snapshot, and a running Oxigraph update cannot be
stopped either. So an update is first *rehearsed* by a child on a private, writable copy of the
current snapshot (:func:`_writable_copy`: hard links to RocksDB's immutable table files and
copies of the few small files beside them, so it costs milliseconds), under the same deadline,
memory bound and network ban as a query. Past the deadline the child is killed and the copy
removed: the live store was never touched. Only an update whose rehearsal finished is then
applied to the live store (see :meth:`api.query_runner.QueryRunner.rehearse_update`).

This file is also the child's program (run as a script, so that importing it in the child
does not import the ``api`` package): it must import only the standard library and pyoxigraph.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import pickle
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import IO, Any

_HEADER = struct.Struct("!Q")
# Namespaces from <linux/sched.h>.
_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000

log = logging.getLogger(__name__)


# -- messages ------------------------------------------------------------------------------
def _send(stream: IO[bytes], message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(stream: IO[bytes], n: int) -> bytes:
    chunks = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _receive(stream: IO[bytes]) -> Any:
    (size,) = _HEADER.unpack(_read_exact(stream, _HEADER.size))
    return pickle.loads(_read_exact(stream, size))  # our own child's answer


# -- the child -----------------------------------------------------------------------------
def _leave_network() -> str:
    """Move this process into a new, empty network namespace; say how (or why not)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(_CLONE_NEWNET) == 0:
        return "netns"
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0:
        try:
            with open("/proc/self/setgroups", "w") as f:
                f.write("deny")
            with open("/proc/self/uid_map", "w") as f:
                f.write(f"{uid} {uid} 1")
            with open("/proc/self/gid_map", "w") as f:
                f.write(f"{gid} {gid} 1")
        except OSError:
            pass  # the namespace is entered all the same; only the id mapping is missing
        return "userns+netns"
    return f"none ({os.strerror(ctypes.get_errno())})"


def _watch_parent(parent: int) -> None:
    # A child whose server died (even by SIGKILL) must not go on computing.
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def _writable_copy(checkpoint: str, copy: str) -> None:
    """A writable copy of a RocksDB checkpoint folder that never changes the checkpoint.

    Table files (``.sst``, ``.blob``) are immutable once written, so they are hard-linked
    (RocksDB's own checkpoints do the same); every other file (MANIFEST, CURRENT, OPTIONS,
    write-ahead logs) is copied, because a store opened for writing appends to them.
    """
    os.mkdir(copy)
    for name in os.listdir(checkpoint):
        source = os.path.join(checkpoint, name)
        if not os.path.isfile(source) or name == "LOCK":
            continue
        target = os.path.join(copy, name)
        if name.endswith((".sst", ".blob")):
            try:
                os.link(source, target)
                continue
            except OSError:
                pass  # a file system without hard links: copy, slower but the same
        shutil.copy2(source, target)


def _rehearse(ox: Any, kind: str, where: str, update: str, copy: str) -> tuple[Any, ...]:
    """Apply ``update`` to a private copy of the snapshot and throw the copy away."""
    try:
        if kind == "oxigraph":
            _writable_copy(where, copy)
            store = ox.Store(copy)
        else:
            store = ox.Store()
            store.bulk_load(path=where, format=ox.RdfFormat.N_QUADS)
        store.update(update)
        del store  # closes the copy before it is removed
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    return ("updated",)


def _child_main() -> None:  # pragma: no cover - runs in the child process
    parent = int(sys.argv[1])
    memory_mb = int(sys.argv[2])
    idle = sys.argv[3] == "idle"
    network = _leave_network()  # first, while the process has a single thread
    # A child that dies of the memory bound must not spend seconds writing a core file.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # User queries yield the CPU to the server's own work (health checks, cheap routes): the
    # idle scheduling class runs them only on CPU time nothing else wants (nice 5 alone left
    # cheap routes 7-90x slower beside four expensive queries on two cores; bench_load.py).
    if idle:
        os.nice(5)
        with contextlib.suppress(OSError):  # not permitted here: nice 5 still applies
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    import pyoxigraph as ox

    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    _send(stdout, ("ready", network))
    opened: tuple[str, Any] | None = None
    while True:
        try:
            request = _receive(stdin)
        except EOFError:
            return
        kind, where, query, options, max_rows = request
        try:
            if "rehearse" in options:
                answer: tuple[Any, ...] = _rehearse(ox, kind, where, query, options["rehearse"])
                _send(stdout, answer)
                continue
            if opened is None or opened[0] != where:
                opened = None  # close the old snapshot before opening the new one
                if kind == "oxigraph":
                    store = ox.Store.read_only(where)
                else:
                    store = ox.Store()
                    store.bulk_load(path=where, format=ox.RdfFormat.N_QUADS)
                opened = (where, store)
            kwargs: dict[str, Any] = {}
            if options.get("union"):
                kwargs["use_default_graph_as_union"] = True
            if "default" in options:
                kwargs["default_graph"] = [ox.NamedNode(g) for g in options["default"]]
                kwargs["named_graphs"] = [ox.NamedNode(g) for g in options["named"]]
            result = opened[1].query(query, **kwargs)
            if isinstance(result, ox.QueryBoolean):
                answer = ("ask", bool(result))
            elif isinstance(result, ox.QueryTriples):
                triples = []
                for triple in result:
                    triples.append(triple)
                    if len(triples) > max_rows:
                        raise _TooLargeError
                answer = ("graph", triples)
            else:
                variables = tuple(v.value for v in result.variables)
                width = range(len(variables))
                rows = []
                for solution in result:
                    rows.append(tuple(solution[i] for i in width))
                    if len(rows) > max_rows:
                        raise _TooLargeError
                answer = ("select", variables, rows)
            result = None
        except _TooLargeError:
            answer = ("too_large",)
        except SyntaxError as err:
            answer = ("syntax", str(err))
        except MemoryError:
            answer = ("memory",)
        except (OSError, ValueError, RuntimeError) as err:
            answer = ("error", f"{type(err).__name__}: {err}")
        _send(stdout, answer)


class _TooLargeError(Exception):
    pass


# -- the server side -----------------------------------------------------------------------
class SandboxError(Exception):
    """A query could not be evaluated; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


_warned_network = False


def _idle_launcher() -> tuple[str, ...]:
    """A command prefix that starts a program in the idle scheduling class, if there is one.

    The child lowers its own priority first thing, but the interpreter's start-up and imports
    before that (tens of milliseconds of CPU) would run at the server's priority; with a
    replacement started after every query killed at its deadline, that start-up competed with
    the cheap routes. ``chrt`` (util-linux) sets the class before the program runs; a
    ``preexec_fn`` could too, but is not safe in a server with threads.
    """
    chrt = shutil.which("chrt")
    if chrt is None:
        return ()
    try:
        done = subprocess.run([chrt, "--idle", "0", "true"], capture_output=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return ()
    return (chrt, "--idle", "0") if done.returncode == 0 else ()


_IDLE_LAUNCHER = _idle_launcher()


class _Child:
    """One warm child process and the snapshot it has open."""

    def __init__(self, memory_mb: int, idle: bool = True) -> None:
        self.proc = subprocess.Popen(
            [
                *(_IDLE_LAUNCHER if idle else ()),
                sys.executable,
                "-s",
                os.path.abspath(__file__),
                str(os.getpid()),
                str(memory_mb),
                "idle" if idle else "normal",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            close_fds=True,
            # No backtrace on a failed allocation: printing one takes seconds and fills the
            # pipe; few malloc arenas keep the address space small.
            env={**os.environ, "RUST_BACKTRACE": "0", "MALLOC_ARENA_MAX": "2"},
        )
        self.holds: str | None = None
        self.ready = False
        self.network = "unknown"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def warm(self) -> bool:
        """Whether the child has started (said it is ready), without waiting."""
        if self.ready:
            return True
        assert self.proc.stdout is not None
        if not select.select([self.proc.stdout.fileno()], [], [], 0)[0]:
            return False
        try:
            self.wait_ready(time.monotonic() + 1.0)
        except (TimeoutError, ChildDiedError):
            return False
        return True

    def wait_ready(self, deadline: float) -> None:
        if not self.ready:
            kind, self.network = self._answer(deadline)
            assert kind == "ready"
            self.ready = True
            global _warned_network
            if self.network.startswith("none") and not _warned_network:
                _warned_network = True
                log.warning(
                    "query workers cannot leave the network (%s): SERVICE and LOAD are refused "
                    "by the query guard only",
                    self.network,
                )

    def _answer(self, deadline: float) -> Any:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise TimeoutError
        try:
            return _receive(self.proc.stdout)
        except EOFError:
            raise ChildDiedError(self._death()) from None

    def _death(self) -> str:
        code = self.proc.wait()
        assert self.proc.stderr is not None
        err = self.proc.stderr.read(65536).decode("utf-8", "replace")
        # A failed allocation (Rust), or RocksDB unable to start a thread under the bound.
        if any(m in err for m in ("memory allocation", "MemoryError", "temporarily unavailable")):
            return "memory"
        if "overflowed its stack" in err or code == -signal.SIGSEGV:
            return "stack"
        return f"exit {code}: {err.strip()[-300:]}"

    def ask(self, request: tuple[Any, ...], deadline: float) -> Any:
        assert self.proc.stdin is not None
        try:
            _send(self.proc.stdin, request)
        except (BrokenPipeError, OSError):
            raise ChildDiedError(self._death()) from None
        self.holds = request[1]
        return self._answer(deadline)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


class ChildDiedError(Exception):
    """The child process ended while evaluating; the message is the reason."""


class ShareExhaustedError(TimeoutError):
    """The client's own earlier queries held its share of the workers until the deadline."""


class SandboxPool:
    """A fixed number of warm children that evaluate queries one at a time each.

    ``per_client``: how many children one client may hold at once (0: no bound). The children
    cannot be shared out while they compute, and a query past its deadline is the only one
    that can be stopped, so fairness is kept at the door: with two children and a bound of one,
    a client sending expensive queries back to back holds one child and waits for it, and
    everybody else's queries find the other free. ``idle``: children run in the idle
    scheduling class (user queries) or at the server's own priority (the routes' queries).

    ``spare``: children kept warm beyond ``workers``, which still bounds the evaluations at
    once. A child killed at a deadline takes a second or more to be replaced (interpreter,
    store opening, in the idle class on a busy machine); without a spare, the next query of
    the client that lost it took the child another client had just given back, and that
    client's small queries waited for the replacement (stalls of 1.5 s, bench_load.py). A
    warm child is taken before one still starting.
    """

    def __init__(
        self,
        workers: int,
        memory_mb: int,
        *,
        per_client: int = 0,
        idle: bool = True,
        spare: int = 0,
    ) -> None:
        self.memory_mb = memory_mb
        self.per_client = per_client
        self.idle = idle
        self._slots = threading.BoundedSemaphore(max(1, workers))
        self._free: list[_Child] = []
        self._freed = threading.Condition()
        self._all: set[_Child] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._share = threading.Condition()
        self._holding: dict[str, int] = {}
        for _ in range(max(1, workers) + max(0, spare)):
            self._add()

    def _add(self) -> None:
        child = _Child(self.memory_mb, self.idle)
        with self._lock:
            if self._closed:
                child.kill()
                return
            self._all.add(child)
        self._give(child)

    def _give(self, child: _Child) -> None:
        with self._freed:
            self._free.append(child)
            self._freed.notify()

    def _take(self, deadline: float) -> _Child:
        """A free child, a warm one first; TimeoutError when none is free by the deadline."""
        with self._freed:
            while not self._free:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                self._freed.wait(remaining)
            chosen = next((c for c in self._free if c.warm()), self._free[0])
            self._free.remove(chosen)
            return chosen

    def _replace(self, child: _Child) -> None:
        child.kill()
        with self._lock:
            self._all.discard(child)
        # Started in the background: the request that lost its child is answered at once.
        threading.Thread(target=self._add, name="sparql-sandbox-spawn", daemon=True).start()

    def held(self) -> set[str]:
        """The snapshots the children have open."""
        with self._lock:
            return {c.holds for c in self._all if c.holds is not None}

    def pids(self) -> list[int]:
        """The children's process ids."""
        with self._lock:
            return [c.pid for c in self._all]

    @contextlib.contextmanager
    def _share_of(self, client: str | None, deadline: float) -> Iterator[None]:
        """Count a running query against ``client``; wait while it holds its share already."""
        if client is None or self.per_client <= 0:
            yield
            return
        with self._share:
            while self._holding.get(client, 0) >= self.per_client:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ShareExhaustedError
                self._share.wait(remaining)
            self._holding[client] = self._holding.get(client, 0) + 1
        try:
            yield
        finally:
            with self._share:
                left = self._holding[client] - 1
                if left:
                    self._holding[client] = left
                else:
                    del self._holding[client]
                self._share.notify_all()

    def run(
        self,
        snapshot: tuple[str, str],
        query: str,
        options: dict[str, Any],
        max_rows: int,
        deadline: float,
        client: str | None = None,
    ) -> tuple[Any, ...]:
        """Evaluate in a child; return its answer tuple or raise SandboxError.

        ``snapshot`` is (kind, where): "oxigraph" and a read-only store folder, or "nquads"
        and a file to load. ``client`` names who asks (an address), for the per-client share.

        Raises TimeoutError when no child is free or the answer did not come by the deadline,
        ShareExhaustedError (a TimeoutError) when the client's own queries held its share of
        the children until the deadline.
        """
        with self._share_of(client, deadline), self._slot(deadline):
            return self._evaluate((*snapshot, query, options, max_rows), deadline)

    @contextlib.contextmanager
    def _slot(self, deadline: float) -> Iterator[None]:
        """One of the ``workers`` evaluations at once (a spare child does not add one)."""
        if not self._slots.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise TimeoutError
        try:
            yield
        finally:
            self._slots.release()

    def _evaluate(self, request: tuple[Any, ...], deadline: float) -> tuple[Any, ...]:
        child = self._take(deadline)
        try:
            child.wait_ready(deadline)
            answer: tuple[Any, ...] = child.ask(request, deadline)
        except TimeoutError:
            self._replace(child)  # SIGKILL: the evaluation stops now
            raise
        except ChildDiedError as err:
            self._replace(child)
            reason = str(err)
            if reason == "memory":
                raise SandboxError(
                    f"query exceeded the memory limit of {self.memory_mb:,} MB "
                    "(TCMKG_QUERY_MEMORY_MB); add LIMIT or narrow the patterns",
                    503,
                ) from None
            if reason == "stack":
                raise SandboxError(
                    "query nests too deeply for the query engine; flatten it", 422
                ) from None
            raise SandboxError(f"query evaluation failed ({reason})", 503) from None
        except BaseException:
            self._replace(child)
            raise
        self._give(child)
        return answer

    def close(self) -> None:
        """Stop every child."""
        with self._lock:
            self._closed = True
            children = list(self._all)
            self._all.clear()
        for child in children:
            child.kill()


if __name__ == "__main__":
    _child_main()
