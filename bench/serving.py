"""A real ``tcmkg serve`` for the benchmarks that measure the server over HTTP.

The server runs the code of ``checkout`` (this one, or an older version for a before/after
figure) on a free loopback port; :func:`serve` returns once ``/health`` answers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """A loopback port the OS says is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(location: str, key_hash: str, checkout: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``tcmkg serve`` of ``checkout`` over ``location`` with ``key_hash``; its process and URL."""
    port = free_port()
    env = {**os.environ, "TCMKG_API_KEY_HASH": key_hash, "PYTHONPATH": str(checkout)}
    args = [sys.executable, "-m", "tcmkg", "serve", "--store", location, "--port", str(port)]
    proc = subprocess.Popen(
        [*args, "--host", "127.0.0.1"],
        env=env,
        cwd=checkout,  # `python -m` puts the working folder first on the path
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
