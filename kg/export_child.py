"""Write one dump of a store's reader snapshot to standard output, at idle CPU priority.

``GET /export`` runs this as a child process (``python -m kg.export_child PARENT KIND WHERE
FORMAT [GRAPH]``) so that a long export (minutes on a multi-million-triple store) reads one
frozen state of the store, takes only CPU time the server's own work leaves free, and can be
stopped at once by killing it. ``KIND`` and ``WHERE`` are those of a
:class:`kg.store.ReaderSnapshot`: ``oxigraph`` and a store folder opened read-only, or
``nquads`` and a file loaded into a memory store. ``FORMAT`` is a format registered by
:mod:`kg.export`, written by the same function as ``tcmkg export`` uses, so the bytes are the
same as an export of the live store in the same state.

Before any real work the child:

* asks the kernel to kill it when the server (the thread that started it) dies
  (``PR_SET_PDEATHSIG``); where that is not available, a thread watches the parent instead;
* lowers its priority to the idle scheduling class (``SCHED_IDLE``; where not permitted, it
  stays at nice 5).

Exit status 0: the dump is complete. Anything else: the dump on standard output is incomplete
and standard error says why.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
USAGE = "usage: python -m kg.export_child PARENT_PID oxigraph|nquads WHERE FORMAT [GRAPH]"


def _watch_parent(parent: int) -> None:
    # Without PR_SET_PDEATHSIG: a child whose server died must not go on exporting.
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


def tie_to_parent(parent: int) -> None:
    """Die when ``parent`` dies: by the kernel's parent-death signal, else by a watcher thread."""
    tied = False
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        tied = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    # The parent may have died before the signal was asked for: then nobody would send it.
    if os.getppid() != parent:
        os._exit(1)
    if not tied:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def lower_priority() -> None:
    """Run on CPU time nothing else wants: the idle class, or at least nice 5."""
    # The same choice as the query workers (api.sparql_sandbox): nice 5 alone still takes a
    # fair share of a core from the server's cheap routes.
    with contextlib.suppress(OSError):
        os.nice(5)
    with contextlib.suppress(OSError, AttributeError):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def write_dump(kind: str, where: str, format_name: str, graph: str | None) -> None:
    """Open the snapshot ``(kind, where)`` and write ``format_name`` of it to standard output."""
    # Imported here: the priority is lowered before the import costs anything.
    from kg.export import export_format
    from kg.store import ReaderSnapshot, StoreError
    from kg.stores.oxigraph import OxigraphStore

    fmt = export_format(format_name)
    if graph is not None and fmt.whole_store:
        raise StoreError(f"{format_name} covers the whole store: drop the graph")
    store = OxigraphStore.open_snapshot(ReaderSnapshot(kind, where))
    with os.fdopen(sys.stdout.fileno(), "wb", buffering=64 * 1024, closefd=False) as out:
        fmt.write(store, out, graph)
    store.close()


def main(argv: list[str]) -> int:
    """Run the child; return its exit status."""
    if len(argv) not in (4, 5) or not argv[0].isdigit() or argv[1] not in ("oxigraph", "nquads"):
        print(USAGE, file=sys.stderr)
        return 2
    tie_to_parent(int(argv[0]))
    lower_priority()
    try:
        write_dump(argv[1], argv[2], argv[3], argv[4] if len(argv) == 5 else None)
    except BrokenPipeError:
        return 1  # the server stopped reading: nobody wants the rest
    except Exception as err:  # any failure means an incomplete dump: say which and why
        print(f"export {argv[3]} of {argv[2]} failed: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
