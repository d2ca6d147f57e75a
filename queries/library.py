"""The project's SPARQL query library: the ``.rq`` files in ``queries/rq/``.

Each file is runnable as it is by any SPARQL 1.1 user (unbound parameters match everything);
the product binds its parameters with :func:`kg.sparql.bind` (a ``VALUES`` block), never by
formatting text into the query.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


class UnknownQueryError(KeyError):
    """No ``.rq`` file of that name in the library."""


@cache
def query_text(name: str) -> str:
    """The text of ``queries/rq/<name>.rq``."""
    path = resources.files("queries").joinpath("rq", f"{name}.rq")
    if not path.is_file():
        raise UnknownQueryError(f"no query {name!r} in the library")
    return path.read_text(encoding="utf-8")


def query_names() -> list[str]:
    """Names of every query in the library."""
    folder = resources.files("queries").joinpath("rq")
    return sorted(p.name[:-3] for p in folder.iterdir() if p.name.endswith(".rq"))
