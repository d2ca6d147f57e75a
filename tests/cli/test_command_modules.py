"""Commands are thin wrappers that stand alone: none imports the CLI or another command.

``tcmkg/cli.py`` imports each command module; a command module that imported ``tcmkg.cli`` or
another command would bring back the import cycle and the use-case code hidden in commands.
Shared command-line helpers live in ``tcmkg/console.py``, ``tcmkg/inputs.py`` and
``tcmkg/views.py``; use cases live in the packages below the CLI.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tcmkg.cli import COMMANDS
from tests.conftest import REPO

COMMAND_FILES = sorted((REPO / "tcmkg" / "commands").glob("*.py"))


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("path", COMMAND_FILES, ids=[p.stem for p in COMMAND_FILES])
def test_a_command_imports_neither_the_cli_nor_another_command(path: Path) -> None:
    wrong = {
        name
        for name in _imports(path)
        if name == "tcmkg.cli" or name.startswith(("tcmkg.cli.", "tcmkg.commands"))
    }
    assert not wrong, f"{path.relative_to(REPO)} imports {sorted(wrong)}"


def test_every_command_module_is_registered_by_the_cli() -> None:
    registered = {register.__module__ for register in COMMANDS}
    on_disk = {f"tcmkg.commands.{p.stem}" for p in COMMAND_FILES if p.stem != "__init__"}
    assert registered == on_disk
