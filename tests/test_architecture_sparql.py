"""Every SPARQL query lives in a ``.rq`` file, read by the one loader (``kg.sparql.load_query``).

The Python of the product's packages holds no query text: a string constant (docstrings
aside) that looks like SPARQL — a query or update keyword followed by ``WHERE`` or ``{``, or a
``PREFIX`` declaration — is a failure naming its file and line. The few places that build SPARQL
from other text rather than hold a query are listed below with their reason.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.sparql import query_file
from tests.conftest import REPO

PACKAGES = ("kg", "ingest", "queries", "api", "tcmkg")

# Whole files still holding inline SPARQL, each with its reason.
ALLOWED_FILES: dict[str, str] = {}
# Functions that build SPARQL around a caller's query or a data payload, holding no query.
ALLOWED_FUNCTIONS: dict[tuple[str, str], str] = {
    ("kg/sparql.py", "paged_query"): "wraps a caller's .rq query as a sub-query to page it",
    ("kg/sparql.py", "count_query"): "wraps a caller's .rq query as a sub-query to count it",
    ("kg/sparql.py", "insert_data_statements"): "a write: data serialised as INSERT DATA",
    ("kg/store.py", "quads_to_update"): "a write: a graph's data serialised as INSERT DATA",
}

_KEYWORD = r"\b(?:SELECT|CONSTRUCT|ASK|DESCRIBE|INSERT|DELETE)\b"
SPARQL = re.compile(
    rf"{_KEYWORD}[\s\S]{{0,300}}?(?:\bWHERE\b|\{{)|^\s*PREFIX\s+[\w-]*:\s*<",
    re.MULTILINE,
)


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring constants of a module, its classes and functions."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _text(node: ast.AST) -> str | None:
    """The text of a string constant, or of an f-string's constant parts (``{}`` for the rest)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
            for v in node.values
        )
    return None


def sparql_literals(source: str) -> Iterator[tuple[int, str, str]]:
    """(line, enclosing function, text) of each string literal in ``source`` that is SPARQL."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    inside: dict[int, str] = {}
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(fn):
                inside[id(node)] = fn.name  # innermost wins: walk visits outer functions first
    parts = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in ast.walk(tree):
        if id(node) in docs or id(node) in parts:
            continue
        text = _text(node)
        if text is not None and SPARQL.search(text):
            yield getattr(node, "lineno", 0), inside.get(id(node), ""), text


def _python_files() -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((REPO / package).rglob("*.py"))


def test_the_detector_finds_queries_and_leaves_prose() -> None:
    source = '''
"""Module docstring: SELECT ?x WHERE { ?x ?p ?o } is documentation, not a query."""
Q = "SELECT ?s WHERE { ?s ?p ?o }"
def f(g):
    return f"ASK {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"
P = """
PREFIX tcm: <https://w3id.org/tcmkg/ontology#>
"""
NOTE = "Select the herbs where the evidence is strongest; delete nothing."
HELP = "ASK queries give true or false."
'''
    found = sorted((line, fn) for line, fn, _ in sparql_literals(source))
    assert found == [(3, ""), (5, "f"), (6, "")]


def test_no_sparql_in_python_outside_rq_files() -> None:
    offenders: list[str] = []
    for path in _python_files():
        rel = path.relative_to(REPO).as_posix()
        if rel in ALLOWED_FILES:
            continue
        for line, function, text in sparql_literals(path.read_text(encoding="utf-8")):
            if (rel, function) in ALLOWED_FUNCTIONS:
                continue
            first = text.strip().splitlines()[0][:70]
            offenders.append(f"{rel}:{line} ({function or 'module'}): {first!r}")
    assert not offenders, "SPARQL belongs in a .rq file:\n" + "\n".join(offenders)


def _rq_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (REPO / package).rglob("*.rq"))


@pytest.mark.parametrize("path", _rq_files(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_rq_file_sits_in_an_rq_folder_and_documents_itself(path: Path) -> None:
    # rq/ of its package, so that the one loader finds it: load_query("ingest.fetch", name).
    assert path.parent.name == "rq", f"{path}: .rq files live in their package's rq/ folder"
    package = ".".join(path.parent.parent.relative_to(REPO).parts)
    q = query_file(package, path.stem)
    assert q.text == path.read_text(encoding="utf-8")
    assert q.description, f"{path}: no header comment (purpose, parameters)"
    assert "parameters" in q.description.lower(), f"{path}: header names no parameters"
