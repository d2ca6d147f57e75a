"""What an import run reports back: tables written, counts, and a progress hook for the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ingest.problems import ProblemLog


class Progress(Protocol):
    """Where an importer reports progress; the CLI passes a rich progress bar behind this."""

    def start(self, label: str, total: int | None) -> None:
        """A new step begins, with ``total`` units of work (rows) if known."""

    def advance(self, amount: int = 1) -> None:
        """``amount`` more units of the current step are done."""


class NoProgress:
    """A progress hook that shows nothing (library use, tests)."""

    def start(self, label: str, total: int | None) -> None:
        """Ignore the start of a step."""

    def advance(self, amount: int = 1) -> None:
        """Ignore progress."""


@dataclass
class GraphWrite:
    """One named graph an import replaced, and what went into it."""

    graph: str
    rows: int  # table rows read for it (0 for vocabulary graphs)
    quads: int  # quads written


@dataclass
class ImportReport:
    """The summary of one import run: graphs written, entities and claims, problems found."""

    importer: str
    source: str
    graphs: list[GraphWrite] = field(default_factory=list)
    entities: int = 0
    claims: int = 0
    rows: int = 0
    problems: ProblemLog = field(default_factory=ProblemLog)
    failed: bool = False  # a table could not be used at all (missing column, unreadable)

    @property
    def quads(self) -> int:
        """Quads written over all graphs."""
        return sum(g.quads for g in self.graphs)
