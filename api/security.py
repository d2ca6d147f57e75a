"""API keys for the write endpoints (``POST /ingest``, SPARQL Update).

Only a hash of the key is configured (``TCMKG_API_KEY_HASH``), never the key itself. Two forms
are accepted:

* ``scrypt:N:R:P:SALT_HEX:HASH_HEX`` — what ``tcmkg serve --hash-key`` prints (salted, slow);
* ``sha256:HEX`` — plain SHA-256, acceptable for long random keys only.

:func:`parse_key_hash` refuses, at start-up, every hash that cannot work or cannot be safe: a
digest or salt too short, parameters scrypt rejects or that would take more memory than the
cap, a cost no server could pay per request. Comparison is in constant time. With no hash
configured the write endpoints are disabled.

:class:`KeyVerifier` checks a presented key without ever blocking the event loop: scrypt runs
on a pool of its own (:data:`KEY_CHECK_THREADS` threads), at most :data:`MAX_PENDING_CHECKS`
checks wait for it, and a client that keeps sending wrong keys is refused for a while without
any hash being computed. A key that was verified is remembered for :data:`REMEMBER_SECONDS`
(under an HMAC with a per-process secret, never the key itself), so a writer sending many
requests pays scrypt once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import math
import os
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum

log = logging.getLogger(__name__)

# scrypt cost of new hashes: N=2^17, r=8, p=1 is OWASP's current guidance for keys people may
# type (128 MiB and a fraction of a second per check). Checks are rare (a verified key is
# remembered) and never run on the event loop, so the server pays little for it.
SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1
# Hashes made before the cost was raised used N=2^14: still accepted, with a warning at start.
LEGACY_SCRYPT_N = 2**14
# Memory any one check may take (passed to scrypt as maxmem); the default cost needs ~128 MiB.
SCRYPT_MAXMEM = 256 * 1024 * 1024
# Work (N·r·p) allowed: twice the default's, so a check stays well under a few seconds.
MAX_SCRYPT_WORK = 2 * SCRYPT_N * SCRYPT_R * SCRYPT_P
MIN_SCRYPT_WORK = LEGACY_SCRYPT_N * SCRYPT_R
MIN_SALT_BYTES = 16
MIN_DIGEST_BYTES = 16
MAX_DIGEST_BYTES = 64
SHA256_BYTES = 32
_KEY_BYTES = 32
# Longest key looked at: keys are 43 characters when generated; anything far longer is refused
# before hashing, so a megabyte header cannot become a megabyte of HMAC and scrypt input.
MAX_KEY_CHARS = 1024

# Verification limits (per process).
KEY_CHECK_THREADS = 2  # scrypt computations at once: 2 × 128 MiB at the default cost
KEY_CHECK_NICE = 10  # added niceness of the threads computing scrypt (Linux)
MAX_PENDING_CHECKS = 16  # checks running or waiting; past that, 503 at once
FAILURE_LIMIT = 10  # wrong keys a client may send ...
FAILURE_WINDOW_SECONDS = 60.0  # ... in this many seconds before it is refused (429)
MAX_TRACKED_CLIENTS = 4096  # clients whose recent failures are remembered (least recent dropped)
REMEMBER_SECONDS = 300.0  # how long a verified key is accepted without scrypt
MAX_REMEMBERED_KEYS = 8


class KeyHashError(ValueError):
    """A configured key hash that cannot be read; the message says which part is wrong."""


@dataclass(frozen=True)
class KeyHash:
    """A parsed key hash: the algorithm, its parameters and the digest to compare with."""

    algorithm: str
    digest: bytes
    salt: bytes = b""
    n: int = 0
    r: int = 0
    p: int = 0

    def matches(self, key: str) -> bool:
        """Whether ``key`` hashes to this digest (constant-time comparison).

        With scrypt this takes a fraction of a second and 128 MiB: never call it on the event
        loop (:class:`KeyVerifier` runs it on its own pool).
        """
        return hmac.compare_digest(_derive(self, key.encode("utf-8")), self.digest)

    @property
    def weak(self) -> bool:
        """Whether this is a scrypt hash below the current cost (made by an older version)."""
        return self.algorithm == "scrypt" and self.n * self.r * self.p < SCRYPT_N * SCRYPT_R


def scrypt_memory(n: int, r: int, p: int) -> int:
    """Bytes scrypt needs for these parameters (as OpenSSL counts them against maxmem)."""
    return 128 * r * (n + 2) + 128 * r * p


def _derive(spec: KeyHash, key: bytes) -> bytes:
    if spec.algorithm == "sha256":
        return hashlib.sha256(key).digest()
    return hashlib.scrypt(
        key,
        salt=spec.salt,
        n=spec.n,
        r=spec.r,
        p=spec.p,
        maxmem=SCRYPT_MAXMEM,
        dklen=len(spec.digest),
    )


def _hex(text: str, what: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError as err:
        raise KeyHashError(f"malformed key hash: {what} is not hexadecimal ({err})") from err


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError as err:
        raise KeyHashError(f"malformed key hash: scrypt {what} {text!r} is not a number") from err


def _check_scrypt(n: int, r: int, p: int, salt: bytes, digest: bytes) -> None:
    if n < 2 or n & (n - 1):
        raise KeyHashError(f"scrypt N={n} must be a power of two")
    if r < 1 or p < 1:
        raise KeyHashError(f"scrypt parameters R={r} and P={p} must be >= 1")
    memory = scrypt_memory(n, r, p)
    if memory > SCRYPT_MAXMEM:
        raise KeyHashError(
            f"scrypt N={n}, R={r}, P={p} needs {memory / 2**20:.0f} MiB per check, over the "
            f"{SCRYPT_MAXMEM // 2**20} MiB cap"
        )
    work = n * r * p
    if work > MAX_SCRYPT_WORK:
        raise KeyHashError(
            f"scrypt N={n}, R={r}, P={p} costs {work / (SCRYPT_N * SCRYPT_R):.0f}× the default "
            "per check; at most 2× is accepted"
        )
    if work < MIN_SCRYPT_WORK:
        raise KeyHashError(
            f"scrypt N={n}, R={r}, P={p} is too cheap (at least N={LEGACY_SCRYPT_N} with "
            f"R={SCRYPT_R}); make a new hash with `tcmkg serve --hash-key`"
        )
    if len(salt) < MIN_SALT_BYTES:
        raise KeyHashError(
            f"scrypt salt is {len(salt)} bytes; at least {MIN_SALT_BYTES} "
            f"({2 * MIN_SALT_BYTES} hex digits)"
        )
    if not MIN_DIGEST_BYTES <= len(digest) <= MAX_DIGEST_BYTES:
        raise KeyHashError(
            f"scrypt digest is {len(digest)} bytes; it must be {MIN_DIGEST_BYTES} to "
            f"{MAX_DIGEST_BYTES} ({2 * MIN_DIGEST_BYTES} to {2 * MAX_DIGEST_BYTES} hex digits)"
        )


def parse_key_hash(text: str) -> KeyHash:
    """Read a configured key hash; raise KeyHashError naming what is wrong.

    A hash that could never match, would match wrong keys (a short digest), or would fail or
    exhaust memory on every check is refused here, at start-up, not on the first write.
    """
    algorithm, _, rest = text.strip().partition(":")
    if algorithm == "sha256":
        digest = _hex(rest, "the sha256 digest")
        if len(digest) != SHA256_BYTES:
            raise KeyHashError(
                f"sha256 key hash must be 64 hex digits (32 bytes); it has {len(rest)} digits"
            )
        return KeyHash("sha256", digest)
    if algorithm == "scrypt":
        parts = rest.split(":")
        if len(parts) != 5:
            raise KeyHashError(
                f"scrypt key hash must be scrypt:N:R:P:SALT_HEX:HASH_HEX; it has {len(parts)} "
                "fields after 'scrypt:'"
            )
        n, r, p = _int(parts[0], "N"), _int(parts[1], "R"), _int(parts[2], "P")
        salt, digest = _hex(parts[3], "the scrypt salt"), _hex(parts[4], "the scrypt digest")
        _check_scrypt(n, r, p, salt, digest)
        return KeyHash("scrypt", digest, salt, n, r, p)
    raise KeyHashError(f"unknown key hash algorithm {algorithm!r}: use scrypt: or sha256:")


def hash_key(key: str, *, salt: bytes | None = None) -> str:
    """The ``scrypt:…`` hash of ``key`` to put in ``TCMKG_API_KEY_HASH``."""
    if not key:
        raise ValueError("an API key cannot be empty")
    salt = salt if salt is not None else secrets.token_bytes(16)
    spec = KeyHash("scrypt", b"\0" * _KEY_BYTES, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    digest = _derive(spec, key.encode("utf-8"))
    return f"scrypt:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}:{salt.hex()}:{digest.hex()}"


def new_key() -> str:
    """A fresh random API key (256 bits, URL-safe)."""
    return secrets.token_urlsafe(_KEY_BYTES)


class Verdict(Enum):
    """The outcome of checking a presented key."""

    ACCEPTED = "accepted"
    WRONG = "wrong"
    # Too many wrong keys from this client recently: refused without checking.
    LOCKED_OUT = "locked out"
    # Too many checks already running or waiting: refused without checking.
    BUSY = "busy"


@dataclass(frozen=True)
class KeyCheck:
    """A verdict and, when refused without checking, the seconds after which to retry."""

    verdict: Verdict
    retry_after: int = 0


class _Failures:
    """Recent wrong-key times and checks in flight per client, for at most ``capacity`` clients.

    A check in flight counts against the client's budget (it may fail), so a client opening
    many connections at once cannot start more checks than its remaining failures.
    """

    def __init__(self, limit: int, window: float, capacity: int) -> None:
        self.limit = limit
        self.window = window
        self.capacity = capacity
        self._times: OrderedDict[str, deque[float]] = OrderedDict()
        self._in_flight: dict[str, int] = {}

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._times.get(client)
        if times is None:
            times = deque(maxlen=self.limit)
            self._times[client] = times
            while len(self._times) > self.capacity:
                self._times.popitem(last=False)
        self._times.move_to_end(client)
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def reserve(self, client: str, now: float) -> int:
        """0 when the client may have a check (counted in flight), else seconds to wait."""
        times = self._recent(client, now)
        in_flight = self._in_flight.get(client, 0)
        if len(times) + in_flight < self.limit:
            self._in_flight[client] = in_flight + 1
            return 0
        oldest = times[0] if times else now
        return max(1, math.ceil(oldest + self.window - now))

    def settle(self, client: str, now: float, *, failed: bool) -> None:
        """End a check reserved by :meth:`reserve`, remembering a failure."""
        left = self._in_flight.get(client, 0) - 1
        if left > 0:
            self._in_flight[client] = left
        else:
            self._in_flight.pop(client, None)
        if failed:
            self._recent(client, now).append(now)

    def __len__(self) -> int:
        return len(self._times)


def _lower_priority() -> None:
    # A key check is background work: at a lower priority (Linux schedules each thread on its
    # own) it takes the CPU only when the event loop and the query threads leave it idle, so a
    # flood of wrong keys cannot slow the requests that have no key.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), KEY_CHECK_NICE)


class KeyVerifier:
    """Checks presented keys against one :class:`KeyHash`, off the event loop and rate-limited.

    Clients are told apart by their address (the TCP peer); behind a reverse proxy every client
    shares the proxy's budget, but a key verified recently is accepted without being counted.
    """

    def __init__(
        self,
        key_hash: KeyHash,
        *,
        threads: int = KEY_CHECK_THREADS,
        max_pending: int = MAX_PENDING_CHECKS,
        failure_limit: int = FAILURE_LIMIT,
        failure_window: float = FAILURE_WINDOW_SECONDS,
        max_clients: int = MAX_TRACKED_CLIENTS,
        remember_seconds: float = REMEMBER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.key_hash = key_hash
        self._pool = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="key-check", initializer=_lower_priority
        )
        self._max_pending = max_pending
        self._pending = 0
        self._failures = _Failures(failure_limit, failure_window, max_clients)
        self._remember_seconds = remember_seconds
        # Keyed on an HMAC of the key with a secret that lives only in this process, so the
        # table never holds a key or anything an offline guess could be checked against.
        self._secret = secrets.token_bytes(32)
        self._remembered: OrderedDict[bytes, float] = OrderedDict()
        self._clock = clock
        # Every table is touched from the event loop only, but the lock keeps them sound if a
        # caller uses the verifier from threads as well.
        self._lock = threading.Lock()

    def _tag(self, key: str) -> bytes:
        return hmac.new(self._secret, key.encode("utf-8"), hashlib.sha256).digest()

    def _remembered_now(self, tag: bytes, now: float) -> bool:
        expires = self._remembered.get(tag)
        if expires is None:
            return False
        if expires <= now:
            del self._remembered[tag]
            return False
        return True

    def _remember(self, tag: bytes, now: float) -> None:
        self._remembered[tag] = now + self._remember_seconds
        self._remembered.move_to_end(tag)
        while len(self._remembered) > MAX_REMEMBERED_KEYS:
            self._remembered.popitem(last=False)

    @property
    def tracked_clients(self) -> int:
        """How many clients' recent failures are being remembered (bounded)."""
        return len(self._failures)

    async def check(self, key: str, client: str) -> KeyCheck:
        """Whether ``key`` is the configured key, sent by ``client`` (an address)."""
        if len(key) > MAX_KEY_CHARS:
            # No configured key is this long: wrong, without hashing a megabyte.
            with self._lock:
                retry = self._failures.reserve(client, self._clock())
                if retry:
                    return KeyCheck(Verdict.LOCKED_OUT, retry)
                self._failures.settle(client, self._clock(), failed=True)
            return KeyCheck(Verdict.WRONG)
        tag = self._tag(key)
        with self._lock:
            now = self._clock()
            if self._remembered_now(tag, now):
                return KeyCheck(Verdict.ACCEPTED)
            retry = self._failures.reserve(client, now)
            if retry:
                return KeyCheck(Verdict.LOCKED_OUT, retry)
            if self._pending >= self._max_pending:
                self._failures.settle(client, now, failed=False)
                return KeyCheck(Verdict.BUSY, 1)
            self._pending += 1
        future = self._pool.submit(self.key_hash.matches, key)

        def settle(done: Future[bool]) -> None:
            # Runs when the computation ends, even if the client has gone: until then it
            # counts as pending, so disconnecting cannot queue more work than the bound.
            ok = not done.cancelled() and done.exception() is None and done.result()
            with self._lock:
                self._pending -= 1
                now = self._clock()
                self._failures.settle(client, now, failed=not ok)
                if ok:
                    self._remember(tag, now)

        future.add_done_callback(settle)
        ok = await asyncio.wrap_future(future)
        return KeyCheck(Verdict.ACCEPTED if ok else Verdict.WRONG)

    def close(self) -> None:
        """Stop the pool (checks in progress finish)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def warn_if_weak(key_hash: KeyHash) -> None:
    """Log a warning for a hash made with the old, cheaper scrypt cost."""
    if key_hash.weak:
        log.warning(
            "TCMKG_API_KEY_HASH uses scrypt N=%d (below the current N=%d): it still works; "
            "make a new hash with `tcmkg serve --hash-key` when convenient",
            key_hash.n,
            SCRYPT_N,
        )
