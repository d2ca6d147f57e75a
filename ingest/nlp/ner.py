"""``tcm_ner``: the trained entity recogniser, beside the dictionary.

The dictionary (:mod:`ingest.nlp.matcher`) finds only names the vocabulary lists, but it finds
them precisely and gives their ids. The trained model (:mod:`ingest.nlp.training`, shipped in
``ner_model/``) finds chemicals, diseases and genes the vocabulary has never heard of. The two
are combined so that each does what it is good at:

* every dictionary mention is kept as it is (id, kind, ambiguity);
* a model mention is added only where it overlaps no dictionary mention and does not merely
  continue one of the same sort ("Ginkgo biloba extract": the dictionary's herb, not a second
  chemical called "extract"), with its kind
  (``CHEMICAL`` → Compound, ``DISEASE`` → Disease, ``GENE`` → Target);
* each added mention is grounded (:mod:`ingest.nlp.grounding`): the vocabulary's id when its
  name, normalised or near enough, is a vocabulary name of an agreeing kind, else a stable
  ungrounded id keyed on its kind and normalised name; a short form defined after it shares
  its id.

Grounding uses the dictionary's own names: the shipped vocabulary, or the names
:meth:`NerComponent.set_vocabulary` gives (:class:`ingest.extract.Extractor` passes the same
names as to the dictionary, a store's names included).

A claim needs one id on each side (:func:`ingest.extract.extraction_bundle`); one with an
ungrounded side is written only at a higher relation confidence
(:data:`ingest.extract.MIN_UNGROUNDED_CONFIDENCE`).

The model runs on the pipeline's own tokens (both are spaCy's blank English tokenizer), so it
costs one pass of its CNN and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from ingest.nlp.grounding import GroundsMentions, ground_abbreviations, grounded
from ingest.nlp.matcher import part_of_a_gene_name
from ingest.nlp.mentions import Mention, mentions_of
from ingest.nlp.sentences import sentence_of
from kg.model import EntityKind
from kg.names import normalise_name

SHIPPED_MODEL = Path(__file__).with_name("ner_model")
# What the model's label means, as the kinds a dictionary mention of the same thing has: a
# model chemical right beside a herb or compound name is the rest of that name ("Ginkgo biloba
# extract", "berberine hydrochloride"), not a second substance.
_SAME_THING: dict[str, frozenset[EntityKind]] = {
    "CHEMICAL": frozenset(
        {
            EntityKind.COMPOUND,
            EntityKind.DRUG,
            EntityKind.HERB,
            EntityKind.FORMULA,
            EntityKind.HOSPITAL_PREPARATION,
            EntityKind.ORGANISM,  # "Portulaca oleracea extract"
        }
    ),
    "DISEASE": frozenset({EntityKind.DISEASE, EntityKind.OUTCOME}),
    "GENE": frozenset({EntityKind.TARGET}),
}
# Words the model sometimes labels on their own that name no particular entity.
_GENERIC = frozenset(
    {
        "extract",
        "extracts",
        "drug",
        "drugs",
        "compound",
        "compounds",
        "agent",
        "agents",
        "disease",
        "diseases",
        "gene",
        "genes",
        "protein",
        "proteins",
        "herb",
        "herbs",
    }
)
KINDS: dict[str, EntityKind] = {
    "CHEMICAL": EntityKind.COMPOUND,
    "DISEASE": EntityKind.DISEASE,
    "GENE": EntityKind.TARGET,
}


class NerModelError(RuntimeError):
    """The recogniser's model directory is missing or is not a spaCy model."""


class NerComponent(GroundsMentions):
    """Adds the trained model's mentions that no dictionary mention overlaps."""

    def __init__(self, nlp: Language, name: str, model: str, enabled: bool) -> None:
        self.name = name
        self.enabled = enabled
        self.path = Path(model) if model else SHIPPED_MODEL
        self._procs: list[tuple[str, object]] = []
        if not enabled:
            return
        if not (self.path / "config.cfg").is_file():
            raise NerModelError(
                f"{self.path}: no trained entity model here (expected a spaCy model directory "
                "made by 'tcmkg train-ner'); set components.tcm_ner.enabled = false to extract "
                "with the dictionary alone"
            )
        try:
            model_nlp = spacy.load(self.path, exclude=["tokenizer"])
        except (OSError, ValueError) as error:
            raise NerModelError(f"{self.path}: not a loadable spaCy model: {error}") from error
        self._procs = list(model_nlp.pipeline)
        for label in KINDS:
            nlp.vocab.strings.add(label)

    def __call__(self, doc: Doc) -> Doc:
        if not self._procs:
            return doc
        for _, proc in self._procs:
            doc = proc(doc)  # type: ignore[operator]
        return self._add_mentions(doc)

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        """Batched: the model's layers run on a batch of documents at once, which is several
        times faster per document than one at a time (``nlp.pipe`` calls this)."""
        if not self._procs:
            yield from docs
            return
        stream: Iterable[Doc] = docs
        for _, proc in self._procs:
            stream = proc.pipe(stream, batch_size=batch_size)  # type: ignore[attr-defined]
        for doc in stream:
            yield self._add_mentions(doc)

    def _add_mentions(self, doc: Doc) -> Doc:
        found = mentions_of(doc)
        sentence = sentence_of(doc)
        taken = [(m.start, m.end) for m in found]
        extracts = _extract_short_forms(doc.text, found)
        added: list[Mention] = []
        for ent in doc.ents:
            kind = KINDS.get(ent.label_)
            start, end = ent.start_char, ent.end_char
            if kind is None or any(s < end and start < e for s, e in taken):
                continue
            text = doc.text[start:end]
            if len(text.strip()) < 2 or text.lower() in _GENERIC or not normalise_name(text):
                continue
            if text in extracts:
                continue  # "GBE" of "Ginkgo biloba extract (GBE)": the herb's extract
            if kind is EntityKind.DISEASE and part_of_a_gene_name(doc.text, end):
                continue  # "breast cancer resistance protein" names a transporter
            same = _SAME_THING[ent.label_]
            if any(
                m.kind in same and (0 <= start - m.end <= 1 or 0 <= m.start - end <= 1)
                for m in found
            ):
                continue  # the rest of a dictionary name beside it
            mention = Mention(start, end, text, kind, sentence=sentence(start))
            added.append(grounded(mention, self.grounder.ground(text, kind)))
        if added:
            merged = sorted([*found, *added], key=lambda m: (m.start, m.end))
            doc._.tcm_mentions = ground_abbreviations(doc.text, merged, added, sentence)
        return doc


# "Ginkgo biloba extract (GBE)", "garlic extracts (AGE)": a short form defined for a herb's
# extract. The model, which has seen such letters as disease abbreviations, would label it a
# disease; it names the herb's preparation, which the dictionary reads by the herb's name.
_EXTRACT_DEFINITION = re.compile(
    r"[\s-]+(?:\w+\s+){0,2}?extracts?\s*[(\[]\s*([A-Z][A-Za-z0-9-]{1,11})\s*[)\];,]"
)


def _extract_short_forms(text: str, found: list[Mention]) -> frozenset[str]:
    """Short forms the text defines for the extract of a herb (see above)."""
    out: set[str] = set()
    for m in found:
        if m.kind is EntityKind.HERB and (hit := _EXTRACT_DEFINITION.match(text, m.end)):
            out.add(hit.group(1))
    return frozenset(out)


@Language.factory("tcm_ner", default_config={"model": "", "enabled": True})
def make_ner(nlp: Language, name: str, model: str, enabled: bool) -> NerComponent:
    """The trained recogniser; ``model`` is a directory made by ``tcmkg train-ner`` (empty: the
    shipped one), ``enabled = false`` extracts with the dictionary alone."""
    return NerComponent(nlp, name, model, enabled)
