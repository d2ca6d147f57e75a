"""The project ontology (OWL, Turtle) and its SHACL shapes, shipped as package data.

Use these functions rather than paths relative to the checkout, so that an installed package
finds the files too.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

ONTOLOGY_FILE = "tcmkg.ttl"
SHAPES_FILE = "shapes.ttl"


def _resource(name: str) -> Traversable:
    return resources.files(__name__).joinpath(name)


def ontology_path() -> Traversable:
    """The ontology file (``tcmkg.ttl``) inside the installed package."""
    return _resource(ONTOLOGY_FILE)


def shapes_path() -> Traversable:
    """The SHACL shapes file (``shapes.ttl``) inside the installed package."""
    return _resource(SHAPES_FILE)


def ontology_bytes() -> bytes:
    """The ontology as Turtle bytes (UTF-8)."""
    return ontology_path().read_bytes()


def shapes_bytes() -> bytes:
    """The SHACL shapes as Turtle bytes (UTF-8)."""
    return shapes_path().read_bytes()
