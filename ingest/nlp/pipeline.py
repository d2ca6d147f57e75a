"""The extraction pipeline: spaCy's blank English tokenizer and sentencizer plus the project's
components, assembled from the versioned config shipped beside this module (``config.cfg``).

Each component is a ``@Language.factory`` registered in the module that holds its logic, with
a typed default config, and registers the ``Doc``/``Span`` extensions it fills:

``sentencizer``
    spaCy's rule-based sentence splitter (offsets: :mod:`ingest.nlp.sentences`, which keeps a
    title a sentence of its own).
``tcm_dictionary`` (:mod:`ingest.nlp.matcher`)
    ``Doc._.tcm_mentions``: dictionary mentions of the vocabulary's names
    (``Span._.tcm_mentions``: those inside a span, see :mod:`ingest.nlp.mentions`).
``tcm_organisms`` (:mod:`ingest.nlp.organisms`)
    adds species binomials no dictionary mention covers, as Organism mentions.
``tcm_formula_names`` (:mod:`ingest.nlp.formula_names`)
    adds formulas named in pinyin with a dosage form that the vocabulary lacks, as Formula
    mentions.
``tcm_abbreviations`` (:mod:`ingest.nlp.abbreviations`)
    adds short forms defined in the text, and their later uses, to ``Doc._.tcm_mentions``.
``tcm_ner`` (:mod:`ingest.nlp.ner`)
    adds the trained model's chemical, disease and gene mentions that overlap no dictionary
    mention, each grounded to a vocabulary id or a stable ungrounded one
    (:mod:`ingest.nlp.grounding`; how they combine: ``docs/extraction.md``).
``tcm_negation`` (:mod:`ingest.nlp.negation`)
    marks negated mentions; ``Doc._.tcm_hedged`` (computed on access): one flag per
    sentence.
``tcm_study_design`` (:mod:`ingest.nlp.design`)
    ``Doc._.tcm_study``: design (from ``Doc._.tcm_publication_types`` first), sample size,
    species.
``tcm_relations`` (:mod:`ingest.nlp.relations`)
    ``Doc._.tcm_relations``: relations between mentions of one sentence, by cue rules.
``tcm_relation_model`` (:mod:`ingest.nlp.relation_model`)
    the trained relation classifier: adds pairs the rules missed above a precision threshold
    and vetoes rule harms it finds very unlikely.
``tcm_effect`` (:mod:`ingest.nlp.effect`)
    effect direction of trial results (trained on Evidence Inference) with the outcome's
    polarity; adds treats relations on result sentences the rules missed.
``tcm_consistency`` (:mod:`ingest.nlp.consistency`)
    drops a treats reading of an agent against a harm the same document says it induces.

``Doc._.tcm_statements`` (:mod:`ingest.nlp.statements`, computed on access) gives each
sentence its role in the paper (result, aim, background …), stored with each evidence item.
The three components that run a trained model (:data:`MODEL_COMPONENTS`) are left out by
``build_pipeline(models=False)`` (``--models none``), and :func:`pipeline_version` names each
model that runs in every evidence item.

Documents go through ``nlp.pipe`` (:func:`pipe`, :meth:`ingest.extract.Extractor.extract_all`);
what a record says about itself (publication types, where its title ends) is set on the
``Doc`` first (:func:`make_doc`). The pipeline is named and versioned in the config
(:data:`PIPELINE_NAME`, :data:`PIPELINE_VERSION`); the version goes into every evidence item
the pipeline produces, so evidence from an older extractor can be found and replaced.

A new component is one module of this package (its factory beside its logic) plus its entry in
``config.cfg``: every module of the package is imported before the pipeline is built, so its
factory is registered without any edit here.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import pkgutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from thinc.api import Config

from ingest.nlp.design import StudyInfo, study_of
from ingest.nlp.matcher import DictionaryComponent, TermSource

CONFIG_PATH = Path(__file__).with_name("config.cfg")
_SETTINGS: dict[str, Any] = Config().from_disk(CONFIG_PATH, interpolate=False)["tcmkg"]
PIPELINE_NAME: str = _SETTINGS["name"]
PIPELINE_VERSION: str = _SETTINGS["version"]
METHOD = "tcmkg.extract"

__all__ = [
    "CONFIG_PATH",
    "METHOD",
    "MODEL_COMPONENTS",
    "PIPELINE_NAME",
    "PIPELINE_VERSION",
    "StudyInfo",
    "TermSource",
    "build_pipeline",
    "make_doc",
    "pipe",
    "pipeline_version",
    "run",
    "study_of",
]


@functools.cache
def _register_factories() -> None:
    """Import every module of this package, so each registers its component's factory and its
    ``Doc`` extensions.

    Done when the first pipeline is built, not when this module is imported: a module of the
    package that needs this one (a training command reads ``make_doc``) may then import it
    without a cycle.
    """
    package = __name__.rpartition(".")[0]
    for module in pkgutil.iter_modules([str(CONFIG_PATH.parent)]):
        importlib.import_module(f"{package}.{module.name}")


# The components that run a trained model, and the short name each has in the version.
MODEL_COMPONENTS: dict[str, str] = {
    "tcm_ner": "ner",
    "tcm_relation_model": "relations",
    "tcm_effect": "effect",
}


def build_pipeline(
    terms: TermSource | None = None,
    *,
    min_confidence: float = 0.0,
    ner: bool = True,
    models: bool = True,
) -> Language:
    """The extraction pipeline of ``config.cfg``; ``terms`` replaces the seed vocabulary as the
    dictionary, relations below ``min_confidence`` are dropped, ``ner=False`` leaves the
    trained recogniser out, and ``models=False`` every trained model (:data:`MODEL_COMPONENTS`:
    the dictionary and the rules alone, for speed)."""
    _register_factories()
    overrides: dict[str, Any] = {
        "components.tcm_dictionary.use_seed": terms is None,
        "components.tcm_relations.min_confidence": min_confidence,
        "components.tcm_ner.enabled": ner and models,
    }
    if not models:
        for name in MODEL_COMPONENTS:
            overrides[f"components.{name}.enabled"] = False
    config = spacy.util.load_config(CONFIG_PATH, overrides=overrides)
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    if terms is not None:
        component = nlp.get_pipe("tcm_dictionary")
        if not isinstance(component, DictionaryComponent):
            raise TypeError(f"tcm_dictionary is a {type(component).__name__}, not the matcher")
        component.set_terms(terms)
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = PIPELINE_VERSION
    return nlp


@functools.cache
def _digest(path: Path) -> str:
    """The first 8 hex digits of the SHA-256 of a model file, or of a model directory's files
    (their paths and contents, in path order)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:8]


def pipeline_version(nlp: Language) -> str:
    """The extractor's version as evidence items record it: the pipeline's name and version,
    then each trained model that runs, by its short name and a digest of its files.

    ``tcmkg_extract-1.5.0+ner.1a2b3c4d+relations.5e6f7a8b+effect.9c0d1e2f``; with the models
    off (``models=False``), ``tcmkg_extract-1.5.0``. Evidence from another model, or from a
    model retrained on other data, can so be found and replaced.
    """
    parts = [f"{PIPELINE_NAME}-{PIPELINE_VERSION}"]
    for name, short in MODEL_COMPONENTS.items():
        if name not in nlp.pipe_names:
            continue
        component = nlp.get_pipe(name)
        path = getattr(component, "path", None)
        if getattr(component, "enabled", False) and isinstance(path, Path) and path.exists():
            parts.append(f"{short}.{_digest(path)}")
    return "+".join(parts)


def make_doc(
    nlp: Language,
    text: str,
    publication_types: Iterable[str] = (),
    title_end: int | None = None,
) -> Doc:
    """A tokenised document, not yet through the pipeline, carrying what its record says.

    ``publication_types`` are the record's (PubMed's) publication types, read by the study
    design component before any text cue; ``title_end`` is the length of the title within
    ``text``, and the title is then always a sentence of its own.
    """
    doc = nlp.make_doc(text)
    doc._.tcm_publication_types = tuple(publication_types)
    doc._.tcm_title_end = title_end
    return doc


def run(
    nlp: Language,
    text: str,
    publication_types: Iterable[str] = (),
    title_end: int | None = None,
) -> Doc:
    """Run the pipeline on one text (see :func:`make_doc` for the other arguments)."""
    return nlp(make_doc(nlp, text, publication_types, title_end))


def pipe(nlp: Language, items: Iterable[tuple[str, tuple[str, ...]]]) -> Iterator[Doc]:
    """Run the pipeline over ``(text, publication_types)`` pairs with ``nlp.pipe``, streaming."""
    return nlp.pipe(make_doc(nlp, text, types) for text, types in items)
