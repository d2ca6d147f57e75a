"""The seed vocabulary and the name index: every name of every herb, formula and the rest."""

from ingest.vocabulary.loader import (
    DATA_DIR,
    Vocabulary,
    VocabularyProblem,
    load_seed,
)
from ingest.vocabulary.names import NameIndex
from kg.names import normalise_name

__all__ = [
    "DATA_DIR",
    "NameIndex",
    "Vocabulary",
    "VocabularyProblem",
    "load_seed",
    "normalise_name",
]
