"""Wrong-key flood: how fast ``/health`` answers while many clients send wrong API keys.

Starts a real ``tcmkg serve`` (in-memory store, an scrypt key hash made by this checkout's
``hash_key``) on a loopback port, measures ``GET /health`` alone, then again while ``--clients``
threads POST SPARQL updates with wrong keys for ``--seconds``. Prints the median and p95 of
``/health`` in both phases and how the wrong-key requests were answered.

    .venv/bin/python bench/bench_key_flood.py [--clients 32] [--seconds 15]

Not a test: run it by hand; the figures depend on the machine's load.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from api.security import hash_key  # noqa: E402


def free_port() -> int:
    """A loopback port the OS says is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(key_hash: str) -> tuple[subprocess.Popen[bytes], str]:
    """``tcmkg serve`` on a free loopback port with ``key_hash``; waits until it answers."""
    port = free_port()
    env = {**os.environ, "TCMKG_API_KEY_HASH": key_hash, "PYTHONPATH": str(REPO)}
    args = [sys.executable, "-m", "tcmkg", "serve", "--store", "memory:", "--port", str(port)]
    proc = subprocess.Popen(
        [*args, "--host", "127.0.0.1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def health_times(url: str, stop: threading.Event, out: list[float]) -> None:
    """Time ``GET /health`` every 50 ms until ``stop``."""
    with httpx.Client(base_url=url, timeout=60) as client:
        while not stop.is_set():
            began = time.perf_counter()
            client.get("/health").raise_for_status()
            out.append(time.perf_counter() - began)
            time.sleep(0.05)


def flood(url: str, stop: threading.Event, statuses: Counter[int], n: int) -> None:
    """Send SPARQL updates with wrong keys until ``stop``."""
    with httpx.Client(base_url=url, timeout=120) as client:
        i = 0
        while not stop.is_set():
            i += 1
            r = client.post(
                "/sparql",
                data={"update": "INSERT DATA { <urn:x> <urn:y> <urn:z> }"},
                headers={"Authorization": f"Bearer wrong-key-{n}-{i}"},
            )
            statuses[r.status_code] += 1


def phase(url: str, seconds: float, clients: int) -> tuple[list[float], Counter[int]]:
    """Health times (and wrong-key answers) over ``seconds`` with ``clients`` flooding."""
    stop = threading.Event()
    times: list[float] = []
    statuses: Counter[int] = Counter()
    threads = [
        threading.Thread(target=flood, args=(url, stop, statuses, n)) for n in range(clients)
    ]
    threads.append(threading.Thread(target=health_times, args=(url, stop, times)))
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return times, statuses


def describe(name: str, times: list[float]) -> str:
    """Median and p95 in milliseconds."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (
        f"{name:<28} n={len(times):>4}  median {statistics.median(times) * 1000:8.1f} ms  "
        f"p95 {p95 * 1000:8.1f} ms"
    )


def main() -> None:
    """Run both phases and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    key_hash = hash_key("the-right-key-for-this-benchmark")
    print(f"key hash: {key_hash.split(':')[0]} N={key_hash.split(':')[1]}")
    proc, url = start(key_hash)
    try:
        idle, _ = phase(url, 5.0, 0)
        busy, statuses = phase(url, args.seconds, args.clients)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(describe("/health, idle", idle))
    print(describe(f"/health, {args.clients} wrong-key clients", busy))
    answered = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))
    print(f"wrong-key requests in {args.seconds:g} s: {sum(statuses.values())} ({answered})")


if __name__ == "__main__":
    main()
