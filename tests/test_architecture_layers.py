"""The shape of the house: every module imports on its own, and no package imports one above it.

The layers, lowest first (docs/architecture.md):

    ontologies  →  kg  →  ingest, queries  →  api  →  tcmkg (the command line)

A package may import its own modules and any package below it; ``ingest`` and ``queries`` sit
side by side and import neither each other nor anything above them. Imports are read from the
source (module level and inside functions alike), so a lazy import that crosses a layer is
caught as well as a top-level one.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# What each package may import of the project's own packages (besides itself).
ALLOWED: dict[str, frozenset[str]] = {
    "ontologies": frozenset(),
    "kg": frozenset({"ontologies"}),
    "ingest": frozenset({"ontologies", "kg"}),
    "queries": frozenset({"ontologies", "kg"}),
    "api": frozenset({"ontologies", "kg", "ingest", "queries"}),
    "tcmkg": frozenset({"ontologies", "kg", "ingest", "queries", "api"}),
}
PACKAGES = tuple(ALLOWED)


def _modules() -> list[tuple[str, Path]]:
    found = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found.append((".".join(parts), path))
    return found


MODULES = _modules()


def _imported_packages(path: Path, module: str) -> set[str]:
    """The project packages a module's source imports (absolute and relative imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    here = module.split(".")
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # A relative import stays inside the module's own package.
                base = here if is_package else here[:-1]
                found.add(base[: len(base) - node.level + 1][0])
            elif node.module:
                found.add(node.module.split(".")[0])
    return found & set(PACKAGES)


def test_the_layer_table_covers_every_package() -> None:
    on_disk = {p.name for p in REPO.iterdir() if (p / "__init__.py").is_file()}
    assert on_disk - {"tests", "bench"} == set(PACKAGES)


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_no_package_imports_one_above_it(module: str, path: Path) -> None:
    package = module.split(".")[0]
    crossing = _imported_packages(path, module) - ALLOWED[package] - {package}
    assert not crossing, (
        f"{path.relative_to(REPO)} ({package}) imports {sorted(crossing)}, which sit above it "
        f"or beside it; {package} may import only {sorted(ALLOWED[package]) or 'nothing'} "
        "of the project (docs/architecture.md)"
    )


# Run in a fresh interpreter: third-party libraries are imported once, then a child is forked
# per module, so each of ours is imported with none of the project's modules loaded before it
# (an import cycle shows as "partially initialized module") at the cost of a fork, not a start.
_IMPORT_EACH = r"""
import importlib, os, sys, traceback
for heavy in ("spacy", "pyoxigraph", "rdflib", "fastapi", "typer", "rich", "pydantic",
              "pydantic_settings", "lxml.etree", "networkx", "numpy", "jinja2", "pyshacl"):
    try:
        importlib.import_module(heavy)
    except ImportError:
        pass
failed = []
for name in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:
        try:
            importlib.import_module(name)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        failed.append(name)
print("FAILED:" + ",".join(failed))
"""


def test_every_module_imports_on_its_own() -> None:
    # ``python -m tcmkg`` runs the command line when imported: it is a script, not a module.
    names = [m for m, _ in MODULES if not m.endswith("__main__")]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH, *names],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    assert last.startswith("FAILED:"), done.stderr[-4000:]
    failed = [n for n in last.removeprefix("FAILED:").split(",") if n]
    assert not failed, f"modules that fail to import on their own: {failed}\n{done.stderr[-6000:]}"
