"""A real ``tcmkg serve`` process on 127.0.0.1 for the security tests, and what it uses.

Kept small on purpose: :func:`start` runs the server on a free port over a given store with
the test API key configured, :func:`stop` ends it, and :func:`rss_mb` / :func:`cpu_seconds`
read the memory and CPU time of the server and of the processes it started from ``/proc``.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent.parent
API_KEY = "test-key-for-the-security-tests-only"
API_KEY_HASH = "sha256:" + hashlib.sha256(API_KEY.encode()).hexdigest()

_PROCESSES: dict[int, subprocess.Popen[bytes]] = {}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(store: str, env: dict[str, str] | None = None) -> tuple[str, int]:
    """Serve ``store`` (a location) with ``tcmkg serve``; return (base URL, process id).

    ``env`` adds or overrides ``TCMKG_*`` settings; the API key hash is set unless given.
    """
    port = _free_port()
    # The server reads only the settings given here, whatever the test runner's environment.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TCMKG_")}
    environment.update(
        {
            "PYTHONPATH": str(REPO),
            "TCMKG_API_KEY_HASH": API_KEY_HASH,
            "TCMKG_API_HOST": "127.0.0.1",
            "NO_COLOR": "1",
        }
    )
    environment.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "tcmkg", "serve", "--store", store, "--port", str(port)],
        cwd=REPO,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"tcmkg serve exited with {proc.returncode}: {err[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("tcmkg serve did not answer /health within 60 s")
        time.sleep(0.1)
    _PROCESSES[proc.pid] = proc
    return url, proc.pid


def stop(pid: int) -> None:
    """Stop the server (SIGTERM, then SIGKILL after 10 s) and wait for it."""
    proc = _PROCESSES.pop(pid)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stderr is not None:
        proc.stderr.close()


def children(pid: int) -> list[int]:
    """The process ids of ``pid``'s children (the query workers)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its live children, in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for one in [pid, *children(pid)]:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # Fields 14 and 15 of stat (utime, stime); the split starts at field 3.
        total += (int(fields[11]) + int(fields[12])) / tick
    return total
