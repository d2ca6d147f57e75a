"""The command line's output does not depend on the terminal it is started from.

With no terminal attached (a pipe, a script, CI) a message is one line whatever ``COLUMNS``
says, so a script can grep an error for the whole path it names, and no progress display is
drawn on stderr.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def run_plain(*args: str, columns: int = 40) -> subprocess.CompletedProcess[str]:
    """``python -m tcmkg ARGS`` with pipes for stdout and stderr and a narrow ``COLUMNS``."""
    env = {**os.environ, "COLUMNS": str(columns), "PYTHONPATH": str(REPO)}
    env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "tcmkg", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def deep_path(root: Path) -> Path:
    """A path longer than 200 characters under ``root`` (not created)."""
    path = root
    while len(str(path)) <= 220:
        path = path / "a-rather-long-folder-name"
    return path / "store"


def test_store_error_names_a_long_path_on_one_line(tmp_path: Path) -> None:
    missing = deep_path(tmp_path)
    result = run_plain("stats", "--store", f"oxigraph:{missing}")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    [line] = [x for x in lines if str(missing) in x]
    assert line.startswith("error: no store at"), result.stderr
    assert "build one with" in line, result.stderr
    assert "\x1b[" not in result.stderr  # no colour codes in a pipe


def test_dossier_folder_error_is_one_line(tmp_path: Path) -> None:
    missing = deep_path(tmp_path)
    output = missing / "dossier.html"
    result = run_plain("dossier", "Astragali Radix", "Diabetes Mellitus", "-o", str(output))
    assert result.returncode == 2, result.stderr
    assert f"error: {missing} does not exist: create the folder first" in result.stderr.splitlines()


def test_usage_error_names_a_long_path_on_one_line(tmp_path: Path) -> None:
    missing = deep_path(tmp_path) / "abstracts.tsv"
    result = run_plain("ingest", str(missing), "--store", "memory:")
    assert result.returncode == 2, result.stderr
    assert any(str(missing) in line for line in result.stderr.splitlines()), result.stderr


def test_tables_are_not_folded_to_a_narrow_terminal() -> None:
    query = "SELECT ?long WHERE { BIND('" + "x" * 150 + "' AS ?long) }"
    loaded = run_plain("query", query, "--store", "memory:")
    assert loaded.returncode == 0, loaded.stderr
    assert any("x" * 150 in line for line in loaded.stdout.splitlines()), loaded.stdout


def test_error_prints_brackets_in_a_path_as_they_are(tmp_path: Path) -> None:
    missing = tmp_path / "[bold]" / "[2024]" / "store"
    result = run_plain("stats", "--store", f"oxigraph:{missing}")
    assert result.returncode == 2, result.stderr
    assert f"error: no store at {missing}:" in result.stderr
