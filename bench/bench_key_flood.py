"""Wrong-key flood: how fast ``/health`` answers while many clients send wrong API keys.

Starts a real ``tcmkg serve`` (in-memory store, an scrypt key hash made by this checkout's
``hash_key``) on a loopback port, probes ``GET /health`` every 100 ms alone, then again while
``--clients`` connections (in another process) POST SPARQL updates with wrong keys for
``--seconds``. Prints the median, p95 and worst ``/health`` time in both phases and how the
wrong-key requests were answered.

    .venv/bin/python bench/bench_key_flood.py [--clients 32] [--seconds 15]
    # the same flood against an older version, e.g. for a before/after:
    git worktree add /tmp/old COMMIT
    .venv/bin/python bench/bench_key_flood.py --checkout /tmp/old --scrypt-n 16384

Not a test: run it by hand; the figures depend on the machine's load.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from serving import serve  # noqa: E402  (bench/ is on sys.path when run as a script)

from api.security import hash_key  # noqa: E402
from tests.security.test_keys import flood  # noqa: E402


def phase(url: str, seconds: float, clients: int) -> tuple[list[float], dict[int, int]]:
    """/health times over ``seconds`` while ``clients`` send wrong keys (another process).

    A probe starts every 100 ms whether or not the previous one has been answered, as
    independent users would, so a server that stalls for a second shows ten slow answers, not
    one.
    """
    times: list[float] = []
    flooding = flood(url, clients, seconds) if clients else None
    time.sleep(1.0 if flooding else 0.0)  # the flood's clients start
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)

    def probe(client: httpx.Client) -> None:
        began = time.perf_counter()
        client.get("/health").raise_for_status()
        times.append(time.perf_counter() - began)

    end = time.monotonic() + seconds - (1.0 if flooding else 0.0)
    with (
        httpx.Client(base_url=url, timeout=120, limits=limits) as client,
        ThreadPoolExecutor(max_workers=200) as probes,
    ):
        while time.monotonic() < end:
            probes.submit(probe, client)
            time.sleep(0.1)
    if flooding is None:
        return times, {}
    report = json.loads(flooding.communicate()[0])
    return times, {int(k): v for k, v in report["statuses"].items()}


def describe(name: str, times: list[float]) -> str:
    """Median, p95 and worst in milliseconds."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (
        f"{name:<30} n={len(times):>4}  median {statistics.median(times) * 1000:7.1f} ms  "
        f"p95 {p95 * 1000:7.1f} ms  max {ordered[-1] * 1000:7.1f} ms"
    )


def main() -> None:
    """Run both phases and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument(
        "--checkout",
        type=Path,
        default=REPO,
        help="source tree whose server to run (e.g. an older version, for a before/after)",
    )
    parser.add_argument(
        "--scrypt-n", type=int, default=0, help="scrypt N of the key hash (default: hash_key's)"
    )
    args = parser.parse_args()
    key = "the-right-key-for-this-benchmark"
    if args.scrypt_n:
        salt = secrets.token_bytes(16)
        digest = hashlib.scrypt(key.encode(), salt=salt, n=args.scrypt_n, r=8, p=1, dklen=32)
        key_hash = f"scrypt:{args.scrypt_n}:8:1:{salt.hex()}:{digest.hex()}"
    else:
        key_hash = hash_key(key)
    print(f"server: {args.checkout}; key hash: scrypt N={key_hash.split(':')[1]}")
    proc, url = serve("memory:", key_hash, args.checkout)
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
