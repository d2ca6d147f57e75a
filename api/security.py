"""API keys for the write endpoints (``POST /ingest``, SPARQL Update).

Only a hash of the key is configured (``TCMKG_API_KEY_HASH``), never the key itself. Two forms
are accepted:

* ``scrypt:N:R:P:SALT_HEX:HASH_HEX`` — what ``tcmkg serve --hash-key`` prints (salted, slow);
* ``sha256:HEX`` — plain SHA-256, acceptable for long random keys only.

Comparison is in constant time. With no hash configured the write endpoints are disabled.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

# scrypt cost: ~16 MiB and tens of milliseconds per check; writes are rare, so this is cheap
# for the server and expensive for anyone guessing keys offline from a leaked hash.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_KEY_BYTES = 32


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
        """Whether ``key`` hashes to this digest (constant-time comparison)."""
        return hmac.compare_digest(_derive(self, key.encode("utf-8")), self.digest)


def _derive(spec: KeyHash, key: bytes) -> bytes:
    if spec.algorithm == "sha256":
        return hashlib.sha256(key).digest()
    return hashlib.scrypt(
        key,
        salt=spec.salt,
        n=spec.n,
        r=spec.r,
        p=spec.p,
        maxmem=256 * 1024 * 1024,
        dklen=len(spec.digest),
    )


def parse_key_hash(text: str) -> KeyHash:
    """Read a configured key hash; raise KeyHashError naming what is wrong."""
    algorithm, _, rest = text.strip().partition(":")
    try:
        if algorithm == "sha256":
            digest = bytes.fromhex(rest)
            if len(digest) != 32:
                raise KeyHashError("sha256 key hash must be 64 hex digits")
            return KeyHash("sha256", digest)
        if algorithm == "scrypt":
            parts = rest.split(":")
            if len(parts) != 5:
                raise KeyHashError("scrypt key hash must be scrypt:N:R:P:SALT_HEX:HASH_HEX")
            n, r, p = (int(x) for x in parts[:3])
            if n < 2 or n & (n - 1) or r < 1 or p < 1:
                raise KeyHashError("scrypt parameters: N must be a power of two, R and P >= 1")
            return KeyHash("scrypt", bytes.fromhex(parts[4]), bytes.fromhex(parts[3]), n, r, p)
    except ValueError as err:
        if isinstance(err, KeyHashError):
            raise
        raise KeyHashError(f"malformed key hash: {err}") from err
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
