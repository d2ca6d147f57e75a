"""Every constant of evidence scoring and ranking, in one documented, overridable place.

The defaults follow DESIGN §5–6 and are written out with their formulas in ``docs/scoring.md``.
A user overrides any of them with a TOML file (``--config FILE`` on ``tcmkg rank``/``explain``,
or ``TCMKG_SCORING_CONFIG``) holding only the keys to change, e.g.::

    reference_year = 2024
    clinical_weight = 0.8

    [design_prior]
    cohort = 0.50

Unknown keys are refused with the file and key named, so a typo never silently keeps a default.
"""

from __future__ import annotations

import dataclasses
import datetime
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from kg.model import StudyDesign

# The one default of every interface that ranks — ``tcmkg rank``, ``GET /candidates`` and the
# page — so the same question gets the same answer everywhere: which candidates are ranked
# ("tcm": herbs, formulas and hospital preparations; "all" adds compounds) and how many rows.
DEFAULT_CANDIDATE_KIND = "tcm"
DEFAULT_ROWS = 20


class ScoringConfigError(ValueError):
    """A scoring configuration file that cannot be read or holds a bad key or value."""


def _frozen(mapping: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(mapping))


DEFAULT_STATEMENT_FACTORS: Mapping[str, float] = _frozen(
    {"aim": 0.3, "background": 0.5, "traditional_use": 0.5, "method": 0.5}
)

# DESIGN §5 table. Designs the table does not name get the prior of the row they resemble most:
# a systematic review is pooled like a meta-analysis; a cohort of unknown timing is scored as
# prospective (the table's better row) because abstracts rarely say; a narrative review,
# "other" and "unknown" are scored like expert opinion; a database edge like a prediction.
DEFAULT_DESIGN_PRIOR: Mapping[str, float] = _frozen(
    {
        StudyDesign.META_ANALYSIS: 0.90,
        StudyDesign.SYSTEMATIC_REVIEW: 0.90,
        StudyDesign.RCT: 0.80,
        StudyDesign.NON_RANDOMISED_TRIAL: 0.55,
        StudyDesign.COHORT: 0.55,
        StudyDesign.CASE_CONTROL: 0.45,
        StudyDesign.CASE_REPORT: 0.30,
        StudyDesign.ANIMAL: 0.25,
        StudyDesign.IN_VITRO: 0.15,
        StudyDesign.TRADITIONAL: 0.10,
        StudyDesign.REVIEW: 0.10,
        StudyDesign.OTHER: 0.10,
        StudyDesign.UNKNOWN: 0.10,
        StudyDesign.IN_SILICO: 0.05,
        StudyDesign.DATABASE: 0.05,
    }
)

# Systematic-error term s_g of one independent unit, by how its evidence was obtained.
DEFAULT_SYSTEMATIC_ERROR: Mapping[str, float] = _frozen(
    {"curated": 0.01, "literature": 0.05, "text_mined": 0.10}
)

# Designs whose evidence is not a human study: it never feeds the clinical axis.
PRECLINICAL_DESIGNS: frozenset[str] = frozenset(
    {StudyDesign.ANIMAL, StudyDesign.IN_VITRO, StudyDesign.IN_SILICO, StudyDesign.DATABASE}
)

# GRADE starting level by design (4 High, 3 Moderate, 2 Low, 1 Very low): randomised evidence
# starts High, observational Low, everything else Very low.
DEFAULT_CERTAINTY_START: Mapping[str, float] = _frozen(
    {
        StudyDesign.META_ANALYSIS: 4,
        StudyDesign.SYSTEMATIC_REVIEW: 4,
        StudyDesign.RCT: 4,
        StudyDesign.NON_RANDOMISED_TRIAL: 2,
        StudyDesign.COHORT: 2,
        StudyDesign.CASE_CONTROL: 2,
    }
)


@dataclass(frozen=True)
class ScoringConfig:
    """All scoring and ranking constants; see ``docs/scoring.md`` for where each one enters."""

    # -- per evidence item: r = prior × size_factor × recency × confidence (× modifiers) ---------
    design_prior: Mapping[str, float] = field(default_factory=lambda: DEFAULT_DESIGN_PRIOR)
    n0_human: float = 100.0  # sample size at which the size factor is 0.5 + 0.5·(1 − 1/e)
    n0_nonhuman: float = 10.0  # animal and cell studies
    size_factor_unknown: float = 0.5  # sample size not reported
    recency_floor: float = 0.7  # recency of a very old study
    recency_half_life: float = 15.0  # years for the recency bonus to halve
    reference_year: int | None = None  # "now" for recency; None: the current year
    unknown_year_age: float = 15.0  # age assumed when the year is unknown
    hedged_factor: float = 0.5  # "may improve", "suggests": speculative statements
    unknown_direction_factor: float = 0.5  # a `treats` item whose direction was not extracted
    # what the sentence does in its paper (ingest.nlp.statements): an aim is the paper's
    # question, background and traditional use are what others say, a method what was done;
    # none is a finding of the paper. Roles not listed (title, result, conclusion) count fully.
    statement_factors: Mapping[str, float] = field(
        default_factory=lambda: DEFAULT_STATEMENT_FACTORS
    )

    # A ranking asked for a syndrome (病证结合, queries/traditional.py): an item whose study
    # population has the queried syndrome or a narrower one counts fully, one with a broader
    # syndrome (a component of the queried one) this much, one naming another syndrome this
    # much; one that names none counts as without a syndrome (most papers do not say).
    syndrome_related_factor: float = 0.75
    syndrome_other_factor: float = 0.5

    # -- per claim --------------------------------------------------------------------------
    systematic_error: Mapping[str, float] = field(default_factory=lambda: DEFAULT_SYSTEMATIC_ERROR)

    # -- certainty (GRADE-like) ---------------------------------------------------------------
    certainty_start: Mapping[str, float] = field(default_factory=lambda: DEFAULT_CERTAINTY_START)
    inconsistency_serious: float = 0.8  # consistency below this: down one level
    inconsistency_very_serious: float = 0.5  # below this: down two levels
    optimal_information_size: int = 400  # total participants below this: imprecise
    min_units_precise: int = 2  # fewer independent studies than this: imprecise

    # -- mechanistic axis ---------------------------------------------------------------------
    hub_reference_degree: float = 5.0  # nodes with at most this many neighbours keep full weight
    hub_exponent: float = 0.5  # hub factor = (d0 / degree) ** exponent above d0
    formula_herb_share: float = 0.5  # share of its herbs' mechanistic support a formula inherits

    # -- blend and safety ---------------------------------------------------------------------
    clinical_weight: float = 0.7
    mechanistic_weight: float = 0.3
    safety_weight: float = 0.5  # score × (1 − safety_weight × safety belief)
    formula_herb_safety_share: float = 0.5  # a formula inherits this share of its herbs' harms

    # -- traditional axis (shown beside the others, never blended into the score) -----------
    # 1 − (1 − indicated)·(1 − traditional_action_weight·action match): a classical indication
    # for the syndrome is full support; actions matching its treatment principle at most this.
    traditional_action_weight: float = 0.5

    # -- output -------------------------------------------------------------------------------
    max_paths: int = 10  # mechanism paths kept per explained candidate

    def now_year(self) -> int:
        """The reference year for recency."""
        return self.reference_year or datetime.date.today().year

    def prior(self, design: str) -> float:
        """Design prior, falling back to the prior of ``unknown``."""
        return self.design_prior.get(design, self.design_prior.get(StudyDesign.UNKNOWN, 0.1))


_MAPPING_FIELDS = {"design_prior", "systematic_error", "certainty_start", "statement_factors"}


def _check_number(path: Path, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScoringConfigError(f"{path}: {key} must be a number, got {value!r}")
    if value < 0:
        raise ScoringConfigError(f"{path}: {key} must not be negative, got {value!r}")
    return float(value)


def load_config(path: Path | None = None) -> ScoringConfig:
    """The defaults, overridden by the TOML file at ``path`` when given."""
    if path is None:
        return ScoringConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ScoringConfigError(f"{path}: cannot read: {err.strerror or err}") from err
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ScoringConfigError(f"{path}: not valid TOML: {err}") from err
    return config_from_mapping(data, path)


def config_from_mapping(data: Mapping[str, Any], path: Path = Path("<config>")) -> ScoringConfig:
    """A configuration from the defaults and a mapping of overrides (as read from TOML)."""
    defaults = ScoringConfig()
    known = {f.name: f for f in dataclasses.fields(ScoringConfig)}
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ScoringConfigError(f"{path}: unknown scoring key {key!r}")
        if key in _MAPPING_FIELDS:
            if not isinstance(value, dict):
                raise ScoringConfigError(f"{path}: [{key}] must be a table")
            base = dict(getattr(defaults, key))
            for sub, number in value.items():
                if sub not in base:
                    raise ScoringConfigError(f"{path}: unknown key {sub!r} in [{key}]")
                base[sub] = _check_number(path, f"{key}.{sub}", number)
            changes[key] = _frozen(base)
        elif key == "reference_year":
            if not isinstance(value, int) or isinstance(value, bool):
                raise ScoringConfigError(f"{path}: reference_year must be an integer year")
            changes[key] = value
        elif key in {"optimal_information_size", "min_units_precise", "max_paths"}:
            changes[key] = int(_check_number(path, key, value))
        else:
            changes[key] = _check_number(path, key, value)
    return dataclasses.replace(defaults, **changes)
