"""The project's SPARQL query library: the ``.rq`` files in ``queries/rq/``.

Each file is runnable as it is by any SPARQL 1.1 user (unbound parameters match everything);
the product binds its parameters with :func:`kg.sparql.bind` (a ``VALUES`` block), never by
formatting text into the query. The files are read by the project's one loader,
:func:`kg.sparql.load_query`; these are its calls for this folder.
"""

from __future__ import annotations

from kg.sparql import UnknownQueryError, load_query
from kg.sparql import query_names as _names_in

__all__ = ["UnknownQueryError", "query_names", "query_text"]

PACKAGE = "queries"


def query_text(name: str) -> str:
    """The text of ``queries/rq/<name>.rq``; :class:`UnknownQueryError` when there is none."""
    return load_query(PACKAGE, name)


def query_names() -> list[str]:
    """Names of every query in the library."""
    return _names_in(PACKAGE)
