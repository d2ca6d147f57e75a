"""Schemathesis, every check and every phase, against a real ``tcmkg serve``.

Writes the API tests' illustrative graph into a fresh on-disk store, serves it with
``tcmkg serve`` on a loopback port (writes enabled by a key the fuzzer is never given), and runs
``st run`` with all checks, the examples, coverage, fuzzing and stateful phases, and
``--examples`` (default 100) examples per operation, using ``bench/schemathesis.toml``. Prints
schemathesis's summary and a one-line count; exits non-zero on any failure.

    .venv/bin/python bench/bench_schemathesis.py [--examples 100] [--seed N]

A full run takes several minutes on two busy cores. ``tests/security/test_schema.py`` runs the
same command with fewer examples in CI.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "bench" / "schemathesis.toml"
sys.path.insert(0, str(REPO))

from serving import serve  # noqa: E402  (bench/ is on sys.path when run as a script)

from kg.store import open_store  # noqa: E402
from tests.api.support import fill  # noqa: E402


def filled_store(folder: Path) -> str:
    """An on-disk store holding the illustrative graph; its location."""
    location = f"oxigraph:{folder / 'store'}"
    store = open_store(location)
    try:
        fill(store)
    finally:
        store.close()
    return location


def schemathesis_command(url: str, examples: int, seed: int | None = None) -> list[str]:
    """The ``st run`` command: every check, every phase, ``examples`` per operation."""
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(CONFIG),
        "run",
        f"{url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(examples),
        "--workers",
        "1",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "60",
        "--no-color",
    ]
    if seed is not None:
        command += ["--seed", str(seed)]
    return command


def main() -> None:
    """Run schemathesis and print its summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tcmkg-schemathesis-") as tmp:
        key_hash = "sha256:" + hashlib.sha256(secrets.token_bytes(32)).hexdigest()
        proc, url = serve(filled_store(Path(tmp)), key_hash, REPO)
        try:
            began = time.monotonic()
            run = subprocess.run(
                schemathesis_command(url, args.examples, args.seed),
                capture_output=True,
                text=True,
                cwd=tmp,
            )
            seconds = time.monotonic() - began
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    output = run.stdout + run.stderr
    summary = output[output.find("SUMMARY") :] if "SUMMARY" in output else output
    print(summary.strip())
    cases = re.search(r"(\d+) generated", output)
    failures = re.search(r"(\d+) found (\d+) unique failures", output)
    print(
        f"\n{args.examples} examples per operation, all checks, stateful: "
        f"{cases.group(1) if cases else '?'} test cases, "
        f"{failures.group(2) if failures else 0} unique failures, exit code {run.returncode}, "
        f"{seconds:.0f} s"
    )
    if run.returncode != 0:
        print(output)
        raise SystemExit(run.returncode)


if __name__ == "__main__":
    main()
