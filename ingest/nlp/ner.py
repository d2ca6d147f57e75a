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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import spacy
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc

from ingest.nlp.grounding import GroundsMentions, ground_abbreviations, grounded
from ingest.nlp.matcher import part_of_a_gene_name
from ingest.nlp.mentions import Mention, mentions_of
from ingest.nlp.sentences import sentence_of
from kg.iri import is_ungrounded
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
# Which dictionary mentions a model span may widen: a disease or outcome by a disease span, a
# compound or drug by a chemical span. Herbs and formulas keep the dictionary's span (their
# names carry parts and preparations the model does not know), genes too (a gene span around a
# symbol is mostly a protein complex or a family).
_WIDENED_KINDS: dict[str, frozenset[EntityKind]] = {
    "CHEMICAL": frozenset({EntityKind.COMPOUND, EntityKind.DRUG}),
    "DISEASE": frozenset({EntityKind.DISEASE}),
}
# What may stand before the dictionary's name in the wider span: words and hyphens, no
# bracket, comma or sentence break; after it: a short tail of words ("monophosphate",
# "of the liver") or nothing.
_MODIFIERS = re.compile(r"(?:[A-Za-z0-9][\w'’-]*[ -]){0,4}")
_TRAILERS = re.compile(r"(?:[ -][\w'’-]+){0,3}")
_OF_TAIL = re.compile(r" of (?:the )?[a-z]{3,}")


# Cell lines the model reads as genes (their names look like symbols). Papers name them with
# or without hyphens and in any case; the key drops both.
_CELL_LINES = frozenset(
    {
        *("hct116", "ht29", "sw48", "sw480", "sw620", "caco2", "hepg2", "huh7", "hep3b"),
        *("mcf7", "mdamb231", "mdamb468", "t47d", "skbr3", "hela", "a549", "h1299", "h460"),
        *("pc3", "du145", "lncap", "22rv1", "pc12", "sh5y5y", "shsy5y", "u87", "u87mg", "u251"),
        *("raw2647", "raw264", "thp1", "u937", "jurkat", "k562", "hl60", "molt4", "nb4"),
        *("hek293", "hek293t", "293t", "cos7", "cos1", "cho", "nih3t3", "3t3l1", "c2c12"),
        *("h9c2", "ins1", "min6", "l02", "lo2", "bv2", "hacat", "huvec", "huvecs", "b16"),
        *("b16f10", "4t1", "a2780", "skov3", "sgc7901", "bel7402", "mgc803", "ags", "kato3"),
        *("ea.hy926", "eahy926", "vero", "mdck", "hl7702", "ht22", "n2a", "neuro2a", "sk-n-sh"),
    }
)
_CELL_WORD = re.compile(r"(?:\s*(?:,|and|or)\s*(?:and\s+)?[A-Za-z0-9.-]+)*\s+cells?\b", re.I)


# Short names the model reads as entities that name none: assays and their read-outs
# ("DPPH", "FRAP", "TBARS", "IC50"), methods ("FTIR", "TLC", "ELISA"), statistics ("RR", "CI",
# "SMD"), study words ("TCM", "RCT"), animal models ("OVX", "HFD") and reagents ("BSA"). Keys
# are upper case without hyphens or spaces.
_NOT_ENTITIES = frozenset(
    {
        *("IC50", "EC50", "ED50", "LD50", "CC50", "GI50", "AUC", "AUC0", "CMAX", "TMAX", "MIC"),
        *("DPPH", "FRAP", "ABTS", "ORAC", "TBARS", "TEAC", "TPC", "TFC", "MTT", "CCK8"),
        *("FTIR", "TLC", "HPLC", "UPLC", "LCMS", "GCMS", "NMR", "ELISA", "PCR", "QPCR", "RTPCR"),
        *("TCM", "RCT", "RCTS", "CI", "SD", "SEM", "OR", "HR", "RR", "ANOVA", "QOL", "IQR"),
        *("SMD", "WMD", "MD", "OVX", "HFD", "BSA", "FBS", "PBS", "UV", "UVB"),
    }
)
# … and small molecules a paper measures or uses to induce a model ("H2O2", "PGE2", "GSH",
# "STZ", "TCDD"), which the model reads as genes: as agents of a claim these read wrong far
# more often than right, so they are not made compounds either.
_NOT_GENES = _NOT_ENTITIES | frozenset(
    {
        *("BMI", "H2O2", "CO2", "SO2", "NO2", "H2S", "NH3", "ATP", "ADP", "NADPH", "GSH", "GSSG"),
        *("PGE2", "PGD2", "PGF2", "TXB2", "STZ", "CCL4", "DSS", "LPS", "DMSO", "TCDD"),
    }
)
# Plant compounds named by short names the model reads as genes: a compound, not a target.
# Salts the model reads as genes ("potassium chloride (KCl)-induced") likewise.
_CHEMICAL_SHORT_NAMES = frozenset(
    {"EGCG", "EGC", "ECG", "CLA", "I3C", "DIM", "KCL", "NACL", "CACL2", "MGCL2", "LICL"}
)


def short_name_key(text: str) -> str:
    """The key of a short name in :data:`_NOT_ENTITIES`, :data:`_NOT_GENES` and
    :data:`_CHEMICAL_SHORT_NAMES`."""
    return re.sub(r"[\s-]", "", text).upper()


_SHORT_FORM = re.compile(r"[A-Za-z0-9-]{2,6}")


def _short_form(text: str) -> bool:
    return bool(_SHORT_FORM.fullmatch(text)) and sum(c.isupper() for c in text) >= 2


def _without_undefined_short_diseases(
    mentions: list[Mention], added: list[Mention]
) -> list[Mention]:
    """``mentions`` without the short forms ("HT", "OCT", "TD") the model read as diseases that
    neither the vocabulary nor a definition in the text ("tardive dyskinesia (TD)") names.

    Such a short form names a disease about one time in four on BC5CDR dev (56 of 329) and
    less than one in three on BioRED dev (21 of 72): most are methods, scores, groups or
    genes. A defined one shares its long form's id, which a longer mention of the text bears.
    """
    model = {(m.start, m.end) for m in added}
    longer_ids = {m.ids for m in mentions if m.ids and not _short_form(m.text)}
    return [
        m
        for m in mentions
        if not (
            (m.start, m.end) in model
            and m.kind is EntityKind.DISEASE
            and _short_form(m.text)
            and m.ids
            and is_ungrounded(m.ids[0])
            and m.ids not in longer_ids
        )
    ]


_CLOSED_THEN_PARTICIPLE = re.compile(r"\)-[a-z]+(?:ed|ing)\b")


def _balanced(text: str, start: int, end: int) -> tuple[int, int]:
    """The model reads "lipopolysaccharide (LPS)-induced" as one span "LPS)-induced": the name
    is the short form before the bracket. Other spans are kept as read ("(IL)-6" names IL-6,
    not "IL")."""
    if start == 0 or text[start - 1] != "(":
        return start, end
    close = text.find(")", start, end)
    if close <= start or "(" in text[start:close] or not _CLOSED_THEN_PARTICIPLE.match(text, close):
        return start, end
    return start, close


def cell_line(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` names a cell line: a known one, or a name followed by
    "cells" (alone or ending a list: "HCT-116, HT29, and SW48 cells")."""
    key = re.sub(r"[\s-]", "", text[start:end].lower())
    return key in _CELL_LINES or _CELL_WORD.match(text, end) is not None


def _modifier(word: str) -> bool:
    """Whether ``word`` may be part of a name around a dictionary name: not a function word,
    a single letter (a title run into the abstract: "type 2 diabetes A randomised …") or a
    verb form ("reduced type 2 diabetes"); a hyphenated participle ("drug-induced") is."""
    low = word.lower()
    if "-" in low:
        return True
    return len(low) > 1 and low not in STOP_WORDS and not low.endswith(("ed", "ing"))


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
        full = doc.text  # built from the tokens at each access: read once
        extracts = _extract_short_forms(full, found)
        added: list[Mention] = []
        widened: dict[Mention, Mention] = {}  # a dictionary mention -> the model's wider span
        for ent in doc.ents:
            kind = KINDS.get(ent.label_)
            start, end = ent.start_char, ent.end_char
            if kind is None:
                continue
            if any(s < end and start < e for s, e in taken):
                wider = self._wider(full, ent.label_, start, end, found, sentence)
                if wider is not None:
                    widened[wider[0]] = wider[1]
                continue
            start, end = _balanced(full, start, end)
            text = full[start:end]
            if len(text.strip()) < 2 or text.lower() in _GENERIC or not normalise_name(text):
                continue
            if text in extracts:
                continue  # "GBE" of "Ginkgo biloba extract (GBE)": the herb's extract
            if kind is EntityKind.DISEASE and part_of_a_gene_name(full, end):
                continue  # "breast cancer resistance protein" names a transporter
            same = _SAME_THING[ent.label_]
            if any(
                m.kind in same and (0 <= start - m.end <= 1 or 0 <= m.start - end <= 1)
                for m in found
            ):
                continue  # the rest of a dictionary name beside it
            key = short_name_key(text)
            if key in _NOT_ENTITIES:
                continue
            if kind is EntityKind.TARGET:
                if key in _NOT_GENES:
                    continue
                if key in _CHEMICAL_SHORT_NAMES:
                    kind = EntityKind.COMPOUND
            mention = Mention(start, end, text, kind, sentence=sentence(start))
            grounding = self.grounder.ground(text, kind)
            if (
                kind is EntityKind.TARGET
                and grounding.how == "ungrounded"
                and cell_line(full, start, end)
            ):
                continue  # "HCT-116, HT29, and SW48 cells" are cell lines, not genes
            added.append(grounded(mention, grounding))
        if added or widened:
            # A widened mention takes its head's place among the dictionary's mentions and
            # counts as recognised by the model.
            kept = [widened.get(m, m) for m in found]
            merged = sorted([*kept, *added], key=lambda m: (m.start, m.end))
            recognised = [*added, *widened.values()]
            grounded_all = ground_abbreviations(full, merged, recognised, sentence)
            doc._.tcm_mentions = _without_undefined_short_diseases(grounded_all, added)
        return doc

    def _wider(
        self,
        text: str,
        label: str,
        start: int,
        end: int,
        found: list[Mention],
        sentence: Callable[[int], int],
    ) -> tuple[Mention, Mention] | None:
        """The one dictionary mention the model's span widens, and the wider mention.

        The model reads a name with its modifiers ("coronary heart disease", "deep vein
        thrombosis", "cyclic adenosine monophosphate") where the dictionary knows only the
        head ("heart disease", "thrombosis", "adenosine"). The model's span is the name the
        paper uses; it takes the id its own text grounds to, else the head's id (the wider
        name is a kind of the head, so a claim about it is a claim about the head).
        """
        inside = [m for m in found if m.start < end and start < m.end]
        if len(inside) != 1:
            return None
        head = inside[0]
        if (
            head.kind not in _WIDENED_KINDS.get(label, frozenset())
            or head.start < start
            or head.end > end
            or (head.start, head.end) == (start, end)
        ):
            return None
        wide = text[start:end]
        before, after = text[start : head.start], text[head.end : end]
        if (
            not _MODIFIERS.fullmatch(before)
            or not _TRAILERS.fullmatch(after)
            or part_of_a_gene_name(text, end)
            or not all(_modifier(w) for w in before.split())
            or not (_OF_TAIL.fullmatch(after) or all(_modifier(w) for w in after.split()))
        ):
            return None
        grounding = self.grounder.ground(wide, head.kind)
        mention = Mention(start, end, wide, head.kind, sentence=sentence(start))
        if grounding.how == "ungrounded":
            return head, replace(mention, ids=head.ids, candidates=head.candidates)
        return head, grounded(mention, grounding)


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
