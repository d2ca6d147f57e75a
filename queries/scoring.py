"""Evidence scoring: the weight of one evidence item, the belief in a claim, its certainty.

The formulas are those of DESIGN §5 (the INDRA belief model with study-design priors), written
out with a worked example in ``docs/scoring.md``; every constant comes from
:class:`queries.config.ScoringConfig`.

How evidence counts for or against a claim (its *polarity*):

* a negated statement ("did not improve") is null evidence, whatever its direction;
* ``null`` evidence counts against the claim (it feeds B₋);
* ``harm`` counts against a ``treats`` claim (the candidate worsened the indication) but for a
  harm claim (``causes``, ``contraindicated_in``, ``interacts_with``: that is what they assert);
* ``benefit`` counts for the claim; ``unknown`` counts for it too — the extractor asserted the
  relation — but a ``treats`` item of unknown direction is weighted by
  ``unknown_direction_factor``, because for treatment the direction is the finding.
"""

from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

from kg.model import AgentType, Direction, Predicate
from kg.scoring_inputs import ScoringInputs
from queries.config import PRECLINICAL_DESIGNS, ScoringConfig

HARM_PREDICATES: frozenset[Predicate] = frozenset(
    {Predicate.CAUSES, Predicate.CONTRAINDICATED_IN, Predicate.INTERACTS_WITH}
)

NONHUMAN_SPECIES_WORDS = ("rat", "mouse", "mice", "rabbit", "dog", "zebrafish", "cell", "pig")


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence(ScoringInputs):
    """One evidence item of a claim as read from the graph: its claim and its scoring inputs.

    The scoring inputs (source, design, direction, sample size …) are those of
    :class:`kg.scoring_inputs.ScoringInputs`, the record's scoring fields; the sentence is read
    only for the items shown to a user.
    """

    evidence: str  # IRI of the evidence node
    subject: str
    predicate: Predicate
    object: str
    sentence: str | None = None
    # set by a ranking asked for a syndrome, from the study population's syndrome
    # (queries.traditional.population_factor); 1 otherwise
    population_factor: float = 1.0


class Polarity(IntEnum):
    """Whether an evidence item speaks for or against its claim."""

    AGAINST = -1
    NEUTRAL = 0
    FOR = 1


def is_human(item: Evidence) -> bool:
    """Whether an item is a human study (feeds the clinical axis) rather than preclinical."""
    if item.design in PRECLINICAL_DESIGNS:
        return False
    return item.species is None or _human_species(item.species)


@functools.lru_cache(maxsize=4096)
def _human_species(species: str) -> bool:
    # Few distinct species strings, asked about thousands of times per ranking.
    text = species.lower()
    return not any(word in text for word in NONHUMAN_SPECIES_WORDS)


def size_factor(n: int | None, human: bool, config: ScoringConfig) -> float:
    """``0.5 + 0.5·(1 − e^(−n/n0))``; ``size_factor_unknown`` when n is not reported."""
    if n is None or n <= 0:
        return config.size_factor_unknown
    n0 = config.n0_human if human else config.n0_nonhuman
    return 0.5 + 0.5 * (1.0 - math.exp(-n / n0))


def recency(year: int | None, config: ScoringConfig) -> float:
    """``floor + (1 − floor)·e^(−ln2·age/half_life)``; future years count as age 0."""
    age = config.unknown_year_age if year is None else max(0, config.now_year() - year)
    decay = math.exp(-math.log(2) * age / config.recency_half_life)
    return config.recency_floor + (1.0 - config.recency_floor) * decay


def polarity(item: Evidence) -> Polarity:
    """Whether ``item`` counts for or against its claim (rules in the module docs)."""
    if item.negated or item.direction is Direction.NULL:
        return Polarity.AGAINST
    if item.direction is Direction.HARM:
        return Polarity.FOR if item.predicate in HARM_PREDICATES else Polarity.AGAINST
    return Polarity.FOR


def evidence_weight(item: Evidence, config: ScoringConfig) -> float:
    """``r = design_prior × size_factor × recency × confidence`` (× hedging, statement role,
    population syndrome and direction factors)."""
    r = (
        config.prior(item.design)
        * size_factor(item.sample_size, is_human(item), config)
        * recency(item.year, config)
        * min(1.0, max(0.0, item.confidence))
    )
    if item.hedged:
        r *= config.hedged_factor
    if item.statement is not None:
        r *= config.statement_factors.get(item.statement, 1.0)
    r *= item.population_factor
    if (
        item.predicate is Predicate.TREATS
        and item.direction is Direction.UNKNOWN
        and not item.negated
    ):
        r *= config.unknown_direction_factor
    return min(1.0, r)


def unit_key(item: Evidence) -> str:
    """The independent unit of an item: its trial registry id(s), else its source record.

    Several papers reporting one NCT trial are one unit: they are not independent evidence.
    """
    if item.trials:
        return "trial:" + "|".join(sorted(item.trials))
    return item.source


def systematic_error(items: Sequence[Evidence], config: ScoringConfig) -> float:
    """s_g of one unit: curated if any item was curated by hand, text-mined if all were."""
    agents = {i.agent for i in items}
    table = config.systematic_error
    if AgentType.MANUAL_AGENT in agents:
        return table["curated"]
    if agents and agents <= {AgentType.TEXT_MINING_AGENT, AgentType.AUTOMATED_AGENT}:
        return table["text_mined"]
    return table["literature"]


class Certainty(IntEnum):
    """GRADE-like certainty of a body of evidence."""

    VERY_LOW = 1
    LOW = 2
    MODERATE = 3
    HIGH = 4

    @property
    def label(self) -> str:
        """The GRADE wording: High, Moderate, Low, Very low."""
        return self.name.replace("_", " ").capitalize()

    @classmethod
    def parse(cls, text: str) -> Certainty:
        """Read ``high``, ``Moderate``, ``very-low``, ``very_low`` … (case-insensitive)."""
        key = text.strip().upper().replace("-", "_").replace(" ", "_")
        try:
            return cls[key]
        except KeyError:
            choices = ", ".join(c.label for c in cls)
            raise ValueError(f"unknown certainty {text!r}: use one of {choices}") from None


@dataclass(frozen=True, slots=True)
class ClaimBelief:
    """The belief in a claim (or a body of claims) and the numbers behind it."""

    belief: float  # B₊·(1 − B₋)
    b_for: float  # B₊
    b_against: float  # B₋
    consistency: float | None  # Σr₊ / (Σr₊ + Σr₋); None without evidence
    units_for: int  # independent units with evidence for
    units_against: int
    by_design: dict[str, int]  # evidence items by study design
    participants: int  # total sample size over units (largest report per unit)

    @property
    def items(self) -> int:
        """Number of evidence items counted."""
        return sum(self.by_design.values())


EMPTY_BELIEF = ClaimBelief(0.0, 0.0, 0.0, None, 0, 0, {}, 0)


def group_units(items: Iterable[Evidence]) -> dict[str, list[Evidence]]:
    """Items grouped by independent unit (:func:`unit_key`), duplicates of one node dropped."""
    units: dict[str, list[Evidence]] = defaultdict(list)
    seen: set[str] = set()
    for item in items:
        if item.evidence in seen:
            continue
        seen.add(item.evidence)
        units[unit_key(item)].append(item)
    return units


def claim_belief(items: Iterable[Evidence], config: ScoringConfig) -> ClaimBelief:
    """Belief in a claim from its evidence: B₊ and B₋ by noisy-OR over independent units."""
    units = group_units(items)
    if not units:
        return EMPTY_BELIEF
    # Each item's polarity and weight are computed once: a ranking scores hundreds of claims.
    p_wrong_for = p_wrong_against = 1.0
    units_for = units_against = 0
    sum_for = sum_against = 0.0
    designs: Counter[str] = Counter()
    participants = 0
    for members in units.values():
        pro: list[Evidence] = []
        con: list[Evidence] = []
        miss_for = miss_against = 1.0
        for i in members:
            w = evidence_weight(i, config)
            side = polarity(i)
            if side is Polarity.FOR:
                pro.append(i)
                miss_for *= 1.0 - w
                sum_for += w
            elif side is Polarity.AGAINST:
                con.append(i)
                miss_against *= 1.0 - w
                sum_against += w
        # Each side of a unit is one noisy-OR term, with that side's own systematic error.
        if pro:
            units_for += 1
            s = systematic_error(pro, config)
            p_wrong_for *= s + (1.0 - s) * miss_for
        if con:
            units_against += 1
            s = systematic_error(con, config)
            p_wrong_against *= s + (1.0 - s) * miss_against
        designs.update(i.design.value for i in members)
        participants += max((i.sample_size or 0) for i in members)
    b_for = 1.0 - p_wrong_for
    b_against = 1.0 - p_wrong_against
    total = sum_for + sum_against
    return ClaimBelief(
        belief=b_for * (1.0 - b_against),
        b_for=b_for,
        b_against=b_against,
        consistency=sum_for / total if total > 0 else None,
        units_for=units_for,
        units_against=units_against,
        by_design=dict(designs),
        participants=participants,
    )


def certainty(items: Sequence[Evidence], config: ScoringConfig) -> Certainty:
    """GRADE-like certainty of human evidence for a claim.

    Start from the best design present (randomised: High; observational: Low; else Very low),
    go down one level for serious inconsistency (consistency below
    ``inconsistency_serious``), two for very serious, and one for imprecision (fewer than
    ``min_units_precise`` independent studies, or fewer participants than the
    ``optimal_information_size``). Preclinical evidence never raises certainty about people.
    """
    human = [i for i in items if is_human(i)]
    if not human:
        return Certainty.VERY_LOW
    start = max(int(config.certainty_start.get(i.design.value, 1)) for i in human)
    summary = claim_belief(human, config)
    level = start
    if summary.consistency is not None:
        if summary.consistency < config.inconsistency_very_serious:
            level -= 2
        elif summary.consistency < config.inconsistency_serious:
            level -= 1
    if (
        len(group_units(human)) < config.min_units_precise
        or summary.participants < config.optimal_information_size
    ):
        level -= 1
    return Certainty(max(int(Certainty.VERY_LOW), min(int(Certainty.HIGH), level)))
