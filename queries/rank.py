"""Ranking candidates (herbs, formulas, hospital preparations, compounds) for an indication.

Each row shows two axes separately, then their blend (DESIGN §6, ``docs/scoring.md``):

* **clinical** — belief in *candidate treats indication* from human studies (the indication's
  synonyms and narrower terms included);
* **mechanistic** — ``1 − (1 − path support)·(1 − preclinical belief)``: support through
  compound → target/pathway paths (:mod:`queries.mechanism`) together with direct animal, cell
  and in-silico evidence for the treatment claim;
* **score** — ``(w_c·clinical + w_m·mechanistic) × (1 − w_s·safety)``, where *safety* is the
  noisy-OR of the beliefs of the candidate's harm claims (``causes`` → toxicity,
  ``contraindicated_in`` → contraindication, ``interacts_with`` → interaction) and, for a
  formula or preparation, a discounted share of its herbs' harm claims. Safety flags are always
  listed with the row, and so are the Pharmacopoeia toxicity grades of the candidate or its
  herbs (有小毒 / 有毒 / 有大毒, with their source table): shown, not scored — a grade speaks of
  the crude drug, not of evidence about this use.

Asked for a syndrome as well (病证结合, :mod:`queries.traditional`), each evidence item is
weighed by its study population's syndrome, and a third axis is shown:

* **traditional** — the candidate's classical indication for the syndrome and the match of its
  actions with the syndrome's treatment principle; beside the other two, never in the score.

A formula's clinical evidence is its own; its herbs' clinical evidence is never added to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from kg.iri import contract, expand
from kg.model import EntityKind, Predicate
from kg.scoring_inputs import ranked_json
from kg.store import GraphStore
from kg.terms import KIND_OF_CLASS
from queries.config import DEFAULT_CANDIDATE_KIND, DEFAULT_ROWS, ScoringConfig
from queries.evidence import fetch_evidence, nodes, value_of, with_sentences
from queries.indications import IndicationTerms, resolve_indication
from queries.library import query_text
from queries.mechanism import MechanismGraph, MechanismLayer, mechanism_layer
from queries.scoring import (
    Certainty,
    ClaimBelief,
    Evidence,
    Polarity,
    certainty,
    claim_belief,
    evidence_weight,
    is_human,
    polarity,
)
from queries.traditional import (
    GradedToxicity,
    PopulationMatch,
    SyndromeQuery,
    TheoryLayer,
    TraditionalSupport,
    graded_toxicity,
    population_factor,
    population_match,
    resolve_syndrome,
    theory_layer,
    traditional_support,
)


class CandidateKind(StrEnum):
    """Which kinds of candidate to rank (``--kind``)."""

    HERB = "herb"
    FORMULA = "formula"
    PREPARATION = "preparation"
    COMPOUND = "compound"
    TCM = "tcm"  # herbs, formulas and preparations: the default, compounds only on request
    ALL = "all"

    def entity_kinds(self) -> frozenset[EntityKind]:
        """The entity kinds this choice covers."""
        table = {
            CandidateKind.HERB: {EntityKind.HERB},
            CandidateKind.FORMULA: {EntityKind.FORMULA},
            CandidateKind.PREPARATION: {EntityKind.HOSPITAL_PREPARATION},
            CandidateKind.COMPOUND: {EntityKind.COMPOUND},
        }
        if self is CandidateKind.TCM:
            return frozenset(CANDIDATE_KINDS) - {EntityKind.COMPOUND}
        return frozenset(table.get(self, set(CANDIDATE_KINDS)))


# The default of every interface (queries/config.py): tcmkg rank, GET /candidates, the page.
DEFAULT_KIND = CandidateKind(DEFAULT_CANDIDATE_KIND)


CANDIDATE_KINDS: tuple[EntityKind, ...] = (
    EntityKind.HERB,
    EntityKind.FORMULA,
    EntityKind.HOSPITAL_PREPARATION,
    EntityKind.COMPOUND,
)

SHOWN_EVIDENCE = 3  # evidence items shown with each ranked row (with their sentences)

SAFETY_KIND: dict[Predicate, str] = {
    Predicate.CAUSES: "toxicity",
    Predicate.CONTRAINDICATED_IN: "contraindication",
    Predicate.INTERACTS_WITH: "interaction",
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A ranked entity: CURIE, display label, kind (``Herb``, ``Formula`` …)."""

    id: str
    label: str
    kind: str

    def to_json(self) -> dict[str, str]:
        """``{"id", "label", "kind"}``."""
        return {"id": self.id, "label": self.label, "kind": self.kind}


@dataclass(frozen=True, slots=True)
class SafetyFlag:
    """A harm claim about a candidate (or, for a formula, about one of its herbs)."""

    kind: str  # toxicity | contraindication | interaction
    object: str  # CURIE of the adverse effect, condition or drug
    object_label: str
    belief: float
    studies: int  # independent units reporting it
    via: str | None = None  # the herb it comes from, for a formula or preparation

    def to_json(self) -> dict[str, Any]:
        """JSON form of the flag."""
        return {
            "kind": self.kind,
            "object": {"id": self.object, "label": self.object_label},
            "belief": self.belief,
            "studies": self.studies,
            "via": self.via,
        }


@dataclass(frozen=True, slots=True)
class GradeFlag:
    """A Pharmacopoeia toxicity grade of the candidate or, for a formula, of one of its herbs."""

    herb: str  # CURIE of the graded herb
    herb_label: str
    grade: str  # IRI of the grade (tcm:ToxicityToxic …)
    grade_label: str  # English: slightly toxic | toxic | highly toxic
    grade_zh: str | None  # 有小毒 | 有毒 | 有大毒
    grade_pinyin: str | None
    source: str  # CURIE of the table that grades it
    via: str | None = None  # the herb, for a formula or preparation

    def to_json(self) -> dict[str, Any]:
        """JSON form of the grade."""
        return {
            "herb": {"id": self.herb, "label": self.herb_label},
            "grade": {
                "id": contract(self.grade),
                "label": self.grade_label,
                "zh": self.grade_zh,
                "pinyin": self.grade_pinyin,
            },
            "source": self.source,
            "via": self.via,
        }


@dataclass(frozen=True, slots=True)
class Population:
    """The study population's syndromes of an evidence item, and how they weigh in a ranking."""

    syndromes: tuple[dict[str, Any], ...] = ()  # id, label, zh, pinyin of each
    match: PopulationMatch = PopulationMatch.NO_QUERY
    factor: float = 1.0

    def to_json(self) -> dict[str, Any]:
        """``{"syndromes": [...], "match": ..., "factor": ...}``."""
        return {"syndromes": list(self.syndromes), "match": self.match.value, "factor": self.factor}


@dataclass(frozen=True, slots=True)
class ScoredEvidence:
    """An evidence item with its weight r, its polarity and the axis it feeds."""

    item: Evidence
    weight: float
    polarity: Polarity
    axis: str  # clinical | preclinical
    population: Population = Population()

    def to_json(self) -> dict[str, Any]:
        """JSON form: source, year, design, sample_size, direction, sentence and the scoring."""
        i = self.item
        return {
            **ranked_json(i),
            "sentence": i.sentence,
            "indication": i.object,
            "weight": self.weight,
            "counts": "for" if self.polarity is Polarity.FOR else "against",
            "axis": self.axis,
            "population": self.population.to_json(),
        }


@dataclass(frozen=True)
class RankedRow:
    """One ranked candidate with both axes, the blend, certainty, counts and safety flags."""

    candidate: Candidate
    clinical: float
    mechanistic: float
    score: float
    certainty: Certainty
    supporting: int  # independent studies for (direct treatment evidence, any design)
    contradicting: int  # independent studies against (null, harm, negated)
    safety: tuple[SafetyFlag, ...]
    safety_belief: float
    path_support: float
    preclinical: float
    consistency: float | None
    by_design: dict[str, int]
    evidence: tuple[ScoredEvidence, ...] = field(repr=False)  # strongest first
    grades: tuple[GradeFlag, ...] = ()  # Pharmacopoeia toxicity grades: shown, not scored
    # the traditional axis, when a syndrome was asked for (its reasons named, as JSON)
    traditional: float | None = None
    traditional_detail: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def to_json(self, evidence_limit: int = SHOWN_EVIDENCE) -> dict[str, Any]:
        """The row as JSON (names other tools rely on: keep them)."""
        return {
            "candidate": self.candidate.to_json(),
            "clinical": self.clinical,
            "mechanistic": self.mechanistic,
            "score": self.score,
            "certainty": self.certainty.label,
            "supporting": self.supporting,
            "contradicting": self.contradicting,
            "safety": [f.to_json() for f in self.safety],
            "safety_belief": self.safety_belief,
            "toxicity_grades": [g.to_json() for g in self.grades],
            "traditional": self.traditional,
            "traditional_detail": self.traditional_detail,
            "consistency": self.consistency,
            "by_design": dict(sorted(self.by_design.items())),
            "mechanism": {
                "path_support": self.path_support,
                "preclinical": self.preclinical,
            },
            "top_evidence": [e.to_json() for e in self.evidence[:evidence_limit]],
        }


def entity_info(store: GraphStore, ids: Sequence[str]) -> dict[str, Candidate]:
    """Kind and label of entities (CURIEs); entities with no project class are left out."""
    out: dict[str, Candidate] = {}
    query = query_text("entity_labels")
    for value in nodes(ids):
        for row in store.select(query, {"entity": value}).dicts():
            kind = KIND_OF_CLASS.get(value_of(row.get("class")))
            if kind is None:
                continue
            curie = contract(value_of(row["entity"]))
            out[curie] = Candidate(curie, value_of(row.get("label")) or curie, kind.value)
    return out


def scored(
    items: Sequence[Evidence],
    config: ScoringConfig,
    theory: TheoryLayer | None = None,
    syndrome: SyndromeQuery | None = None,
) -> tuple[ScoredEvidence, ...]:
    """Items with weight, polarity, axis and population; supporting first, strongest first."""
    out = [
        ScoredEvidence(
            i,
            evidence_weight(i, config),
            polarity(i),
            "clinical" if is_human(i) else "preclinical",
            population_of(i, theory, syndrome),
        )
        for i in items
    ]
    return tuple(sorted(out, key=lambda s: (-int(s.polarity), -s.weight, s.item.source)))


def population_of(
    item: Evidence,
    theory: TheoryLayer | None,
    syndrome: SyndromeQuery | None,
) -> Population:
    """The item's population syndromes, named, and how they weigh for the queried syndrome.

    The factor shown is the one :func:`prepare` applied to the item's weight.
    """
    if theory is None or (not item.syndromes and syndrome is None):
        return Population()
    match = population_match(item.syndromes, syndrome)
    named = tuple(theory.concept_json(s) for s in item.syndromes)
    return Population(named, match, item.population_factor)


@dataclass
class RankContext:
    """What one ranking request has computed, reused by explanations."""

    store: GraphStore
    indication: IndicationTerms
    config: ScoringConfig
    mechanism: MechanismGraph
    direct: dict[str, list[Evidence]]  # candidate -> evidence of its treats claims
    layer: MechanismLayer  # store-wide projection: composition, entity kinds and labels
    theory: TheoryLayer | None = None  # the store's TCM theory
    syndrome: SyndromeQuery | None = None  # the syndrome asked for, if any
    _axes: dict[str, tuple[ClaimBelief, ClaimBelief]] = field(default_factory=dict, repr=False)

    def axes(self, cid: str) -> tuple[ClaimBelief, ClaimBelief]:
        """Beliefs from a candidate's human and its preclinical treatment evidence (memoised)."""
        found = self._axes.get(cid)
        if found is None:
            items = self.direct.get(cid, ())
            human = [i for i in items if is_human(i)]
            pre = [i for i in items if not is_human(i)]
            found = (claim_belief(human, self.config), claim_belief(pre, self.config))
            self._axes[cid] = found
        return found

    def parts(self, whole: str) -> list[str]:
        """The herbs of a formula or preparation (from the whole store, not the neighbourhood)."""
        out = self.layer.adj.get(whole, {})
        return sorted(v for v, (_, predicate) in out.items() if predicate == "has_part")

    def candidate(self, curie: str) -> Candidate | None:
        """Kind and label of an entity known to the projection."""
        found = self.layer.entities.get(curie)
        return Candidate(curie, found[1], found[0]) if found else None


def prepare(
    store: GraphStore,
    indication: str,
    config: ScoringConfig,
    *,
    exact: bool = False,
    syndrome: str | None = None,
) -> RankContext:
    """Resolve the indication, fetch its treatment evidence and project its mechanism graph.

    ``exact``: the matched terms only, without their synonyms and narrower terms.
    ``syndrome``: a syndrome's name (any language) or CURIE: each item is weighed by its
    study population's syndrome and the traditional axis is computed. Raises
    :class:`queries.traditional.UnknownSyndromeError` when no syndrome has that name.
    """
    state = store.state_token()
    terms = resolve_indication(store, indication, state=state, exact=exact)
    # Without a syndrome only the Pharmacopoeia grades are read (the safety column).
    theory = theory_layer(store, state, full=syndrome is not None)
    query = resolve_syndrome(store, syndrome, state=state) if syndrome is not None else None
    direct: dict[str, list[Evidence]] = defaultdict(list)
    for item in fetch_evidence(store, [Predicate.TREATS], objects=list(terms.terms)):
        if query is not None:
            match = population_match(item.syndromes, query)
            item = replace(item, population_factor=population_factor(match, config))
        direct[item.subject].append(item)
    layer = mechanism_layer(store, config, state)
    mechanism = MechanismGraph(layer, terms.terms)
    return RankContext(store, terms, config, mechanism, dict(direct), layer, theory, query)


def safety_flags(ctx: RankContext, ids: Sequence[str]) -> dict[str, tuple[list[SafetyFlag], float]]:
    """Safety flags and combined safety belief of each candidate in ``ids``.

    The harm claims come from the store-wide projection (:attr:`MechanismLayer.harms`), which
    holds every harm claim with its belief.
    """
    config = ctx.config
    harms = ctx.layer.harms
    out: dict[str, tuple[list[SafetyFlag], float]] = {}
    for c in ids:
        flags: list[SafetyFlag] = []
        miss = 1.0
        sources = [(c, None, 1.0)] + [
            (h, h, config.formula_herb_safety_share) for h in ctx.parts(c)
        ]
        for subject, via, share in sources:
            for p, o, belief in harms.get(subject, ()):
                if belief.belief <= 0.0:
                    continue
                found = ctx.candidate(o)
                label = found.label if found is not None else o
                flags.append(
                    SafetyFlag(SAFETY_KIND[p], o, label, belief.belief, belief.units_for, via)
                )
                miss *= 1.0 - share * belief.belief
        flags.sort(key=lambda f: (f.via is not None, -f.belief, f.object))
        out[c] = (flags, 1.0 - miss)
    return out


def grade_flags(ctx: RankContext, candidate: str) -> tuple[GradeFlag, ...]:
    """Pharmacopoeia toxicity grades of the candidate and (named as ``via``) of its herbs."""
    theory = ctx.theory
    if theory is None:
        return ()
    out: list[GradeFlag] = []
    for herb, via in [(candidate, None)] + [(h, h) for h in ctx.parts(candidate)]:
        for graded in graded_toxicity(theory, herb):
            out.append(_grade_flag(ctx, theory, graded, via))
    return tuple(out)


def _grade_flag(
    ctx: RankContext, theory: TheoryLayer, graded: GradedToxicity, via: str | None
) -> GradeFlag:
    found = ctx.candidate(graded.herb)
    grade = theory.concept_json(graded.grade)
    return GradeFlag(
        herb=graded.herb,
        herb_label=found.label if found is not None else graded.herb,
        grade=graded.grade,
        grade_label=str(grade["label"]),
        grade_zh=grade["zh"],
        grade_pinyin=grade["pinyin"],
        source=graded.source,
        via=via,
    )


def traditional_axis(ctx: RankContext, candidate: str) -> TraditionalSupport | None:
    """The candidate's traditional axis for the queried syndrome (None: no syndrome asked)."""
    if ctx.syndrome is None or ctx.theory is None:
        return None
    return traditional_support(
        ctx.theory, ctx.syndrome, candidate, ctx.parts(candidate), ctx.config
    )


def build_row(
    ctx: RankContext, cand: Candidate, flags: list[SafetyFlag], safety_belief: float
) -> RankedRow:
    """The ranked row of one candidate, given its safety flags."""
    config = ctx.config
    items = ctx.direct.get(cand.id, [])
    human, pre = ctx.axes(cand.id)
    clinical = human.belief
    preclinical = pre.belief
    paths = ctx.mechanism.support_of(cand.id)
    mechanistic = 1.0 - (1.0 - paths) * (1.0 - preclinical)
    overall = claim_belief(items, config)
    blend = config.clinical_weight * clinical + config.mechanistic_weight * mechanistic
    support = traditional_axis(ctx, cand.id)
    return RankedRow(
        candidate=cand,
        clinical=clinical,
        mechanistic=mechanistic,
        score=blend * (1.0 - config.safety_weight * safety_belief),
        certainty=certainty(items, config),
        supporting=overall.units_for,
        contradicting=overall.units_against,
        safety=tuple(flags),
        safety_belief=safety_belief,
        path_support=paths,
        preclinical=preclinical,
        consistency=overall.consistency,
        by_design=overall.by_design,
        evidence=scored(items, config, ctx.theory, ctx.syndrome),
        grades=grade_flags(ctx, cand.id),
        traditional=support.score if support is not None else None,
        traditional_detail=(
            support.to_json(ctx.theory) if support is not None and ctx.theory else None
        ),
    )


def _pre_score(ctx: RankContext, cid: str) -> float:
    """Score before the safety penalty: an upper bound of the final score."""
    config = ctx.config
    human, pre = ctx.axes(cid)
    mech = 1.0 - (1.0 - ctx.mechanism.support_of(cid)) * (1.0 - pre.belief)
    return config.clinical_weight * human.belief + config.mechanistic_weight * mech


def with_row_sentences(store: GraphStore, row: RankedRow, limit: int | None) -> RankedRow:
    """``row`` with the sentences of its first ``limit`` evidence items (all when None).

    Rankings read evidence without sentences (one literal per item); only the items a user
    will see are worth a lookup each.
    """
    shown = row.evidence if limit is None else row.evidence[:limit]
    filled = with_sentences(store, [e.item for e in shown])
    evidence = tuple(replace(e, item=i) for e, i in zip(shown, filled, strict=True))
    return replace(row, evidence=evidence + row.evidence[len(shown) :])


def rank_in_context(
    ctx: RankContext,
    kind: CandidateKind = CandidateKind.TCM,
    top: int = 20,
    min_certainty: Certainty | None = None,
) -> list[RankedRow]:
    """Rank the candidates of a prepared context (see :func:`rank_candidates`)."""
    wanted = {k.value for k in kind.entity_kinds()}
    entities = ctx.layer.entities
    targets = ctx.mechanism.targets
    pool = set(ctx.direct) | {n for n, s in ctx.mechanism.support.items() if s > 0}
    # Kinds are filtered on the projection's plain tuples: the neighbourhood of a common
    # indication holds thousands of compounds and targets that are not asked for.
    info = {
        c: Candidate(c, found[1], found[0])
        for c in pool
        if c not in targets and (found := entities.get(c)) is not None and found[0] in wanted
    }
    ordered = sorted(((_pre_score(ctx, c), c) for c in info), key=lambda t: (-t[0], t[1]))
    rows: list[RankedRow] = []
    batch = top
    start = 0
    # Safety only lowers a score, so once the top rows so far all beat the next pre-safety
    # score, no later candidate can enter: safety is fetched for as few candidates as possible.
    while start < len(ordered):
        chunk = [c for _, c in ordered[start : start + batch]]
        safety = safety_flags(ctx, chunk)
        for c in chunk:
            row = build_row(ctx, info[c], *safety[c])
            if min_certainty is None or row.certainty >= min_certainty:
                rows.append(row)
        start += batch
        rows.sort(key=lambda r: (-r.score, r.candidate.label, r.candidate.id))
        if start >= len(ordered) or (len(rows) >= top and rows[top - 1].score > ordered[start][0]):
            break
    return [with_row_sentences(ctx.store, row, SHOWN_EVIDENCE) for row in rows[:top]]


def rank_candidates(
    store: GraphStore,
    indication: str,
    kind: CandidateKind | None = None,
    top: int = DEFAULT_ROWS,
    min_certainty: Certainty | None = None,
    config: ScoringConfig | None = None,
    *,
    exact: bool = False,
    syndrome: str | None = None,
) -> list[RankedRow]:
    """Candidates for ``indication`` (a name in any language, a CURIE or an IRI), best first.

    ``syndrome``: rank for the indication within that syndrome (see :func:`prepare`).
    Raises :class:`queries.indications.UnknownIndicationError` when no indication has that name
    and :class:`queries.traditional.UnknownSyndromeError` when no syndrome has that one.
    """
    ctx = prepare(store, indication, config or ScoringConfig(), exact=exact, syndrome=syndrome)
    return rank_in_context(ctx, kind or DEFAULT_KIND, top, min_certainty)


def is_curie_or_iri(text: str) -> bool:
    """Whether ``text`` names an entity by CURIE or IRI rather than by a label."""
    if text.startswith(("http://", "https://")):
        return True
    try:
        expand(text)
    except ValueError:
        return False
    return True
