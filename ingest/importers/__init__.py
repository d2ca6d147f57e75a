"""Importers of curated tables: each table format is one module, registered here by name.

An importer reads a file or folder of a known third-party format, resolves its names through
the vocabulary (:mod:`ingest.vocabulary`), and writes its entities and database-evidence edges
into the store, one named graph per table file, replaced as a whole on re-import. Bad rows
become problems (:mod:`ingest.problems`) naming the file and line; the rest is imported.

A new table format is one new module plus one line in :data:`IMPORTERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.importers.formulas import import_formulas
from ingest.importers.herb_properties import import_herb_properties
from ingest.importers.preparations import import_preparations
from ingest.importers.report import GraphWrite, ImportReport, NoProgress, Progress
from ingest.importers.symmap import import_symmap
from ingest.importers.tcmsp import import_tcmsp
from ingest.vocabulary import Vocabulary
from kg.store import GraphStore

Importer = Callable[[Path, GraphStore, Vocabulary, Progress | None], ImportReport]

IMPORTERS: dict[str, Importer] = {
    "symmap": import_symmap,
    "tcmsp": import_tcmsp,
    "formulas": import_formulas,
    "herb-properties": import_herb_properties,
    "preparations": import_preparations,
}

__all__ = [
    "IMPORTERS",
    "GraphWrite",
    "ImportReport",
    "Importer",
    "NoProgress",
    "Progress",
    "import_formulas",
    "import_herb_properties",
    "import_symmap",
    "import_tcmsp",
]
