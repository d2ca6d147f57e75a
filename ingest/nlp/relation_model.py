"""``tcm_relation_model``: a trained classifier of sentence pairs, beside the cue rules.

The cue rules (:mod:`ingest.nlp.relations`) make a relation only where a cue pattern fires;
they are precise about harm but miss most relations a sentence states in other words. This
component reads every candidate pair of one sentence whose kinds allow an effect
(exposure–disease) or molecular (exposure–target) predicate and scores it with a multinomial
logistic regression over features of what the rules already know: the rule's own reading and
confidence, the cue words between and around the pair and where they stand, negation and
hedging, "-induced" participles glued to a word and disease-model phrases, the distance and
the mentions between, the order and kinds of the two, and the words of the sentence
(:func:`pair_features`). The weights are trained by ``tcmkg train-relations``
(:mod:`ingest.nlp.relation_training`) and shipped as JSON in ``relation_weights/``; inference is
a sum of weights and a softmax in numpy.

What the model may do, and why each is limited:

* **add** a relation to a pair the rules left alone, when the probability of its class passes
  that class's threshold. The thresholds were chosen on out-of-fold predictions on the
  training corpora for high precision, and a ``causes`` only at a threshold where that
  precision is at least 0.9: a wrong harm becomes a red safety flag. An added ``treats`` has
  direction benefit (null when a no-difference cue stands between the two), an added
  ``causes`` harm, a molecular one unknown; negation is read as the rules read it, and the
  confidence is the model's probability.
* **veto** a rule ``causes`` when the model is confident the pair states no harm (the
  probability of ``causes`` at most the veto threshold, chosen where the vetoed rule harms of
  the training corpora were at least 90 % not harms).
* never change a rule's predicate: a rule ``treats`` is never turned into ``causes``, and a
  pair the rules read keeps their reading unless vetoed.

``enabled = false`` in the config leaves the rules alone; ``model = ""`` is the shipped weights.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from spacy.language import Language
from spacy.tokens import Doc

from ingest.nlp import direction as dirn
from ingest.nlp.cues import CueList
from ingest.nlp.mentions import Mention, mentions_of
from ingest.nlp.negation import CueIndex, cue_index
from ingest.nlp.relations import Relation, document_lexicon, relation_roles
from ingest.nlp.sentences import sentence_bounds
from kg.model import Direction, Predicate

SHIPPED_MODEL = Path(__file__).with_name("relation_weights")
WEIGHTS_FILE = "weights.json"
FORMAT = "tcmkg-relation-model/1"
# The families the model reads and the classes of each. "associated" is a relation the corpus
# names without a direction (BioRED Association): learnt, so that such sentences do not teach
# the model "no relation", but never written, as no predicate of the graph fits it.
FAMILIES: dict[str, tuple[str, ...]] = {
    "effect": ("none", "treats", "causes", "associated"),
    "molecular": ("none", "inhibits", "activates", "binds", "associated"),
}
PREDICATES: dict[str, Predicate] = {
    "treats": Predicate.TREATS,
    "causes": Predicate.CAUSES,
    "inhibits": Predicate.INHIBITS,
    "activates": Predicate.ACTIVATES,
    "binds": Predicate.BINDS,
}

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MODEL_PHRASE = re.compile(
    r"[\w)]\s?-?\s?induced\s+(?:\w+\s+){0,3}(?:rats?|mice|models?|animals?|cells?)\b|"
    r"\binduction\b|\bmodels?\b",
    re.IGNORECASE,
)
# An "-induced"/"induced" participle right before the condition: the condition is a model
# made by whatever is named before it ("streptozotocin-induced diabetes").
_INDUCED_BEFORE = re.compile(r"induced\s*(?:\w+\s+){0,2}$", re.IGNORECASE)
_MEASURED = re.compile(
    r"\bbefore\b|\bbaseline\b|\b(?:measured|determined|assessed|evaluated|examined|"
    r"investigated|compared)\b",
    re.IGNORECASE,
)
_AIM = re.compile(
    r"\b(?:aim|aims|aimed|objective|purpose|we investigated|to investigate|to evaluate|"
    r"to examine|to determine|to assess|this study)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[;:]")
_ANTI = re.compile(r"anti-?\s?$", re.IGNORECASE)


class RelationModelError(RuntimeError):
    """The relation model's weights are missing or unreadable."""


@dataclass(frozen=True, slots=True)
class FamilyModel:
    """The weights of one family: class scores are ``coef[:, features].sum(1) + intercept``."""

    classes: tuple[str, ...]
    vocabulary: dict[str, int]
    coef: npt.NDArray[np.float64]  # (classes, features)
    intercept: npt.NDArray[np.float64]  # (classes,)
    thresholds: dict[str, float]  # class → least probability to add a relation of it
    veto_causes: float  # a rule causes with P(causes) at most this is dropped (-1: never)

    def probabilities(self, features: Sequence[str]) -> npt.NDArray[np.float64]:
        """The class probabilities of one pair's features."""
        index = [self.vocabulary[f] for f in features if f in self.vocabulary]
        scores = self.intercept + self.coef[:, index].sum(axis=1)
        scores = np.exp(scores - scores.max())
        result: npt.NDArray[np.float64] = scores / scores.sum()
        return result


@dataclass(frozen=True, slots=True)
class RelationWeights:
    """The trained weights of every family, and what the training run reported."""

    families: dict[str, FamilyModel]
    summary: dict[str, Any]


def weights_json(weights: RelationWeights) -> dict[str, Any]:
    """The JSON object of ``weights`` (what :func:`load_weights` reads)."""
    return {
        "format": FORMAT,
        "families": {
            name: {
                "classes": list(m.classes),
                "features": sorted(m.vocabulary, key=m.vocabulary.__getitem__),
                "coef": [[round(float(v), 5) for v in row] for row in m.coef],
                "intercept": [round(float(v), 5) for v in m.intercept],
                "thresholds": m.thresholds,
                "veto_causes": m.veto_causes,
            }
            for name, m in weights.families.items()
        },
        "summary": weights.summary,
    }


def load_weights(path: Path) -> RelationWeights:
    """The weights in ``path`` (a ``weights.json`` or the directory holding one).

    Raises :class:`RelationModelError` when the file is missing or is not such weights.
    """
    file = path / WEIGHTS_FILE if path.is_dir() else path
    if not file.is_file():
        raise RelationModelError(
            f"{file}: no relation model weights here (expected the {WEIGHTS_FILE} written by "
            "'tcmkg train-relations'); set components.tcm_relation_model.enabled = false to "
            "extract relations with the cue rules alone"
        )
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, expected {FORMAT!r}")
        families: dict[str, FamilyModel] = {}
        for name, raw in data["families"].items():
            classes = tuple(raw["classes"])
            if name not in FAMILIES or set(classes) - set(FAMILIES[name]):
                raise ValueError(f"unknown family or classes: {name} {classes}")
            coef = np.asarray(raw["coef"], dtype=np.float64)
            intercept = np.asarray(raw["intercept"], dtype=np.float64)
            features = list(raw["features"])
            if coef.shape != (len(classes), len(features)) or intercept.shape != (len(classes),):
                raise ValueError(f"{name}: weight shapes do not match the classes and features")
            families[name] = FamilyModel(
                classes=classes,
                vocabulary={f: i for i, f in enumerate(features)},
                coef=coef,
                intercept=intercept,
                thresholds={str(k): float(v) for k, v in raw["thresholds"].items()},
                veto_causes=float(raw["veto_causes"]),
            )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise RelationModelError(f"{file}: not relation model weights: {error}") from error
    return RelationWeights(families=families, summary=dict(data.get("summary", {})))


@dataclass(frozen=True, slots=True)
class Candidate:
    """A pair of mentions of one sentence that may take a predicate of ``family``."""

    first: int  # index of the earlier mention
    second: int
    family: str
    first_is_subject: bool
    sentence: tuple[int, int]
    features: tuple[str, ...]

    @property
    def subject(self) -> int:
        """Index of the subject mention (the exposure)."""
        return self.first if self.first_is_subject else self.second

    @property
    def object(self) -> int:
        """Index of the object mention."""
        return self.second if self.first_is_subject else self.first


def _stem(word: str) -> str:
    # Six letters keep a word's root and merge its forms ("reduced", "reduces", "reduction").
    return word[:6]


def _bin(value: int, edges: Sequence[int]) -> str:
    for edge in edges:
        if value <= edge:
            return f"<={edge}"
    return f">{edges[-1]}"


def pair_features(
    text: str,
    mentions: Sequence[Mention],
    first: int,
    second: int,
    between: Sequence[Mention],
    first_is_subject: bool,
    sentence: tuple[int, int],
    sentence_index: int,
    cues: CueList,
    negation: CueIndex,
    rule: Relation | None,
) -> tuple[str, ...]:
    """The features of one candidate pair (binary: present or not).

    ``first`` and ``second`` index ``mentions`` in text order; ``between`` are the mentions
    of the sentence between them; ``rule`` is the cue rules' relation of the pair, if any.
    """
    a, b = mentions[first], mentions[second]
    subject, obj = (a, b) if first_is_subject else (b, a)
    f: list[str] = [
        "order=" + ("subject_first" if first_is_subject else "object_first"),
        f"ks={subject.kind.value}",
        f"ko={obj.kind.value}",
        "s_named" if subject.curies else "s_model",
        "o_named" if obj.curies else "o_model",
        "gap" + _bin(b.start - a.end, (3, 15, 40, 80, 150)),
        "between" + _bin(len(between), (0, 1, 2)),
    ]
    if subject.ambiguous or obj.ambiguous:
        f.append("ambiguous")
    if rule is None:
        f.append("rule=none")
    else:
        f += [
            f"rule={rule.predicate.value}",
            f"rule={rule.predicate.value}/{rule.direction.value}",
            "rconf" + _bin(int(rule.confidence * 100), (40, 55, 70, 85)),
        ]
    if any(m.kind is subject.kind for m in between):
        f.append("between_same_kind_as_subject")
    if any(m.kind is obj.kind for m in between):
        f.append("between_same_kind_as_object")
    gap_text = text[a.end : b.start]
    lower_gap = gap_text.lower()
    words = _WORD.findall(lower_gap)
    if len(words) > 24:
        words = words[:12] + words[-12:]
    f += [f"bw={_stem(w)}" for w in words]
    f += [f"bf={w}" for w in words[:2]]
    f += [f"bl={w}" for w in words[-2:]]
    if not words:
        f.append("adjacent")
    found = cues.within(a.end, b.start)
    for n, cue in enumerate(found):
        glued = cue.start > 0 and text[cue.start - 1] == "-"
        for kind in cue.kinds:
            f.append(f"bc={kind}")
            if glued:
                f.append(f"bcg={kind}")
            if n == 0:
                f.append(f"bc1={kind}")
            if n == len(found) - 1:
                f.append(f"bcL={kind}")
            if cue.start - a.end <= 2:
                f.append(f"bc_glued_first={kind}")
    before = text[max(sentence[0], a.start - 40) : a.start]
    after = text[b.end : min(sentence[1], b.end + 40)]
    f += [f"pre={_stem(w)}" for w in _WORD.findall(before.lower())[-3:]]
    f += [f"post={_stem(w)}" for w in _WORD.findall(after.lower())[:3]]
    for cue in cues.within(max(sentence[0], a.start - 40), a.start):
        f += [f"pc={k}" for k in cue.kinds]
    for cue in cues.within(b.end, min(sentence[1], b.end + 40)):
        f += [f"qc={k}" for k in cue.kinds]
    if dirn.glued(text[a.end : a.end + 12]):
        f.append("first_glued")
    if dirn.glued(text[b.end : b.end + 12]):
        f.append("second_glued")
    if any(dirn.glued(text[m.end : m.end + 12]) for m in between):
        f.append("between_glued")
    if re.search(r"\w-\s?induc", gap_text):
        f.append("hyphen_induced_between")
    if _INDUCED_BEFORE.search(text[max(sentence[0], obj.start - 30) : obj.start]):
        f.append("object_after_induced")
    if _ANTI.search(text[max(sentence[0], obj.start - 6) : obj.start]):
        f.append("object_anti")
    sentence_text = text[sentence[0] : sentence[1]]
    if _MODEL_PHRASE.search(sentence_text):
        f.append("model_phrase")
    if _MEASURED.search(sentence_text):
        f.append("measured")
    if _AIM.search(sentence_text):
        f.append("aim")
    if _CLAUSE_BREAK.search(gap_text):
        f.append("clause_break")
    f.append("commas" + _bin(gap_text.count(","), (0, 1)))
    if negation.relation_negated(sentence[0], a.start, a.end, b.start):
        f.append("negated")
    if negation.hedged(*sentence):
        f.append("hedged")
    if sentence_index == 0:
        f.append("title")
    taken = [(m.start, m.end) for m in (a, b)]
    f += sorted(
        {
            f"sw={_stem(m.group())}"
            for m in _WORD.finditer(sentence_text.lower())
            if not any(s <= sentence[0] + m.start() < e for s, e in taken)
        }
    )
    return tuple(dict.fromkeys(f))


def candidates(
    doc: Doc,
    cues: CueList,
    wanted: Callable[[str, Relation | None], bool] | None = None,
) -> list[Candidate]:
    """Every pair of mentions of one sentence of ``doc`` that may take an effect or molecular
    predicate, with its features; ``cues`` are the document's cue words (the rules' relations
    are read from ``doc``). ``wanted(family, rule relation)`` may pass over pairs whose score
    could change nothing, before their features are computed."""
    mentions = mentions_of(doc)
    if len(mentions) < 2:
        return []
    bounds = sentence_bounds(doc)
    text = doc.text
    negation = cue_index(doc)
    rules: dict[tuple[int, int], Relation] = {}
    for r in doc._.tcm_relations or ():
        rules[(min(r.subject, r.object), max(r.subject, r.object))] = r
    by_sentence: dict[int, list[int]] = {}
    for i, m in enumerate(mentions):
        by_sentence.setdefault(m.sentence, []).append(i)
    out: list[Candidate] = []
    for s, indices in by_sentence.items():
        if len(indices) < 2 or s >= len(bounds):
            continue
        for x, i in enumerate(indices):
            a = mentions[i]
            for y in range(x + 1, len(indices)):
                j = indices[y]
                b = mentions[j]
                # As the rules: one entity named twice, or nested names, are no pair.
                if set(a.curies) & set(b.curies) or b.start < a.end:
                    continue
                roles = relation_roles(a, b)
                if roles is None or roles[0] not in FAMILIES:
                    continue
                rule = rules.get((i, j))
                if wanted is not None and not wanted(roles[0], rule):
                    continue
                between = [mentions[k] for k in indices[x + 1 : y]]
                features = pair_features(
                    text,
                    mentions,
                    i,
                    j,
                    between,
                    roles[1],
                    bounds[s],
                    s,
                    cues,
                    negation,
                    rule,
                )
                out.append(Candidate(i, j, roles[0], roles[1], bounds[s], features))
    return out


if not Doc.has_extension("tcm_vetoed"):
    # Pairs (earlier, later mention index) whose rule harm the model vetoed: a later component
    # that reads pairs the rules left unrelated should leave these alone too.
    Doc.set_extension("tcm_vetoed", default=None)


class RelationModelComponent:
    """Adds the relations the classifier is sure of and vetoes rule harms it is sure are not."""

    def __init__(self, nlp: Language, name: str, model: str, enabled: bool) -> None:
        self.name = name
        self.enabled = enabled
        self.path = Path(model) if model else SHIPPED_MODEL
        self.lexicon = document_lexicon()
        self.weights: RelationWeights | None = load_weights(self.path) if enabled else None

    def __call__(self, doc: Doc) -> Doc:
        if self.weights is None:
            return doc
        rules: list[Relation] = list(doc._.tcm_relations or ())
        by_pair = {(min(r.subject, r.object), max(r.subject, r.object)): r for r in rules}
        vetoed: set[tuple[int, int]] = set()
        added: list[Relation] = []
        if len(mentions_of(doc)) < 2:
            return doc
        negation = cue_index(doc)
        cues = CueList(self.lexicon.scan(doc.text))
        for candidate in candidates(doc, cues, self._wanted):
            model = self.weights.families.get(candidate.family)
            if model is None:
                continue
            p = model.probabilities(candidate.features)
            key = (candidate.first, candidate.second)
            rule = by_pair.get(key)
            if rule is not None:
                if (
                    rule.predicate is Predicate.CAUSES
                    and not rule.negated
                    and "causes" in model.classes
                    and p[model.classes.index("causes")] <= model.veto_causes
                ):
                    vetoed.add(key)
                continue
            relation = self._added(doc, cues, negation, candidate, model, p)
            if relation is not None:
                added.append(relation)
        doc._.tcm_vetoed = frozenset(vetoed)
        if not vetoed and not added:
            return doc
        kept = [
            r for r in rules if (min(r.subject, r.object), max(r.subject, r.object)) not in vetoed
        ]
        doc._.tcm_relations = sorted(
            [*kept, *added],
            key=lambda r: (r.sentence[0], min(r.subject, r.object), max(r.subject, r.object)),
        )
        return doc

    def _wanted(self, family: str, rule: Relation | None) -> bool:
        # Only a pair the model could change is scored: one the rules left alone, in a family
        # with a class it may add, or a rule harm it may veto. Feature extraction is most of
        # the component's cost.
        model = self.weights.families.get(family) if self.weights else None
        if model is None:
            return False
        if rule is None:
            return bool(model.thresholds)
        return rule.predicate is Predicate.CAUSES and not rule.negated and model.veto_causes >= 0

    @staticmethod
    def _added(
        doc: Doc,
        cues: CueList,
        negation: CueIndex,
        candidate: Candidate,
        model: FamilyModel,
        p: npt.NDArray[np.float64],
    ) -> Relation | None:
        best = int(np.argmax(p))
        label = model.classes[best]
        threshold = model.thresholds.get(label)
        if label not in PREDICATES or threshold is None or p[best] < threshold:
            return None
        mentions = mentions_of(doc)
        a, b = mentions[candidate.first], mentions[candidate.second]
        sentence = candidate.sentence
        negated = negation.relation_negated(sentence[0], a.start, a.end, b.start)
        predicate = PREDICATES[label]
        if predicate is Predicate.TREATS:
            null = any(
                dirn.effect_kind(c.kinds) is dirn.CueKind.NULL for c in cues.within(a.end, b.start)
            )
            direction = Direction.NULL if null or negated else Direction.BENEFIT
        elif predicate is Predicate.CAUSES:
            direction = Direction.NULL if negated else Direction.HARM
        else:
            direction = Direction.UNKNOWN
        return Relation(
            subject=candidate.subject,
            object=candidate.object,
            predicate=predicate,
            direction=direction,
            negated=negated,
            hedged=negation.hedged(*sentence),
            sentence=sentence,
            confidence=round(float(p[best]), 2),
        )


@Language.factory("tcm_relation_model", default_config={"model": "", "enabled": True})
def make_relation_model(
    nlp: Language, name: str, model: str, enabled: bool
) -> RelationModelComponent:
    """The relation classifier; ``model`` is a weights file or directory written by ``tcmkg
    train-relations`` (empty: the shipped one), ``enabled = false`` leaves the rules alone."""
    return RelationModelComponent(nlp, name, model, enabled)
