"""tcmkg: the console script (``tcmkg``) and settings of the TCM evidence knowledge graph."""

__version__ = "0.1.0"
