"""Training the effect-direction classifier of :mod:`ingest.nlp.effect` from Evidence Inference.

Evidence Inference 2.0 (DeYoung et al. 2020; MIT licence) annotates, for an intervention, a
comparator and an outcome of a trial report, whether the outcome was significantly increased,
significantly decreased or not significantly different, with the evidence sentence. Each
prompt becomes one example: the features of :func:`ingest.nlp.effect.phrase_features` of its
evidence sentence, and its label.

**The held-out part.** A fixed fifth of the articles (by PMCID, drawn with
:data:`HOLDOUT_SEED`, whatever the training seed) is never trained on: all prompts of one
article are on one side, since an article's prompts share sentences and wording.
``bench/bench_effect.py`` scores the model there.

**The confidence threshold** that the pipeline component needs before it writes a direction is
chosen on the training part only: from out-of-fold readings (five folds by article), the
lowest probability at which the readings at or above it are right at least
:data:`THRESHOLD_TARGET` of the time.

Inputs that cannot be read raise :class:`EffectTrainingError` (a missing file, no usable
prompt); prompts without evidence, with no valid annotation, or with another label are left
out and counted.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ingest.nlp.effect import Effect, EffectModel, locate, phrase_features, tokenize

HOLDOUT_SEED = 12  # fixed: the held-out articles do not move with the training seed
HOLDOUT_SHARE = 0.2
THRESHOLD_TARGET = 0.9
DEFAULT_C = 1.0  # best of 0.1, 0.3, 1, 3 by five-fold accuracy on the training part
FOLDS = 5


class EffectTrainingError(ValueError):
    """Training data that cannot be used (missing, unreadable, or with no usable prompt)."""


@dataclass(frozen=True, slots=True)
class Prompt:
    """One Evidence Inference prompt with its evidence sentence and label."""

    prompt_id: str
    pmcid: str
    intervention: str
    comparator: str
    outcome: str
    label: Effect
    evidence: str
    in_abstract: bool


@dataclass
class PromptStats:
    """What reading a prompts file kept and left out."""

    read: int = 0
    kept: int = 0
    left_out: Counter[str] = field(default_factory=Counter)


_REQUIRED = ("prompt_id", "pmcid", "intervention", "comparator", "outcome", "label", "evidence")


def read_prompts(path: Path, stats: PromptStats | None = None) -> list[Prompt]:
    """The usable prompts of an Evidence Inference ``prompts.tsv``."""
    stats = stats if stats is not None else PromptStats()
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise EffectTrainingError(f"{path}: cannot read prompts ({exc.strerror})") from exc
    prompts = []
    with handle:
        rows = csv.DictReader(handle, delimiter="\t")
        missing = [c for c in _REQUIRED if c not in (rows.fieldnames or ())]
        if missing:
            raise EffectTrainingError(f"{path}: not a prompts table (no {', '.join(missing)})")
        labels = {e.value: e for e in Effect}
        for row in rows:
            stats.read += 1
            evidence = " ".join((row.get("evidence") or "").split())
            label = labels.get((row.get("label") or "").strip())
            if not evidence:
                stats.left_out["no evidence"] += 1
                continue
            if label is None:
                stats.left_out["other label"] += 1
                continue
            if (row.get("n_valid") or "").strip() == "0":
                stats.left_out["no valid annotation"] += 1
                continue
            prompts.append(
                Prompt(
                    prompt_id=row["prompt_id"],
                    pmcid=row["pmcid"],
                    intervention=row["intervention"] or "",
                    comparator=row["comparator"] or "",
                    outcome=row["outcome"] or "",
                    label=label,
                    evidence=evidence,
                    in_abstract=(row.get("evidence_in_abstract") or "").strip() == "1",
                )
            )
            stats.kept += 1
    if not prompts:
        raise EffectTrainingError(f"{path}: no usable prompt (evidence and a label)")
    return prompts


def split_by_article(
    prompts: Sequence[Prompt], share: float = HOLDOUT_SHARE, seed: int = HOLDOUT_SEED
) -> tuple[list[Prompt], list[Prompt]]:
    """``(train, held_out)``: a fixed ``share`` of the articles (PMCIDs) held out whole."""
    articles = sorted({p.pmcid for p in prompts})
    random.Random(seed).shuffle(articles)
    held = set(articles[: round(len(articles) * share)])
    return [p for p in prompts if p.pmcid not in held], [p for p in prompts if p.pmcid in held]


def example_features(prompt: Prompt) -> list[str]:
    """The classifier's features of one prompt's evidence."""
    return phrase_features(prompt.evidence, prompt.intervention, prompt.outcome, prompt.comparator)


_FLIPPED = {
    Effect.INCREASED: Effect.DECREASED,
    Effect.DECREASED: Effect.INCREASED,
    Effect.NO_DIFFERENCE: Effect.NO_DIFFERENCE,
}


def swapped(prompts: Sequence[Prompt]) -> list[Prompt]:
    """Each prompt whose comparator the sentence names, with the arms swapped and the label
    turned round: what rose under the intervention fell under the comparator.

    Most evidence sentences name the intervention first, so without these copies the model
    would learn the words of a sentence ("lower") rather than which arm they describe ("lower
    in the placebo group than in the X group").
    """
    out = []
    for p in prompts:
        tokens = tokenize(p.evidence)
        if not p.comparator or locate(tokens, p.comparator) is None:
            continue
        if locate(tokens, p.intervention) is None:
            continue
        out.append(
            replace(
                p,
                prompt_id=f"{p.prompt_id}-swapped",
                intervention=p.comparator,
                comparator=p.intervention,
                label=_FLIPPED[p.label],
            )
        )
    return out


def fit(
    prompts: Sequence[Prompt],
    *,
    c: float = DEFAULT_C,
    seed: int = 0,
    threshold: float = 0.5,
    trained: dict[str, Any] | None = None,
    swap: bool = True,
) -> EffectModel:
    """A multinomial logistic regression on ``prompts`` (scikit-learn, L2, ``C = c``), with
    their arm-swapped copies when ``swap`` (see :func:`swapped`)."""
    from scipy.sparse import csr_matrix  # type: ignore[import-untyped]  # no type information
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    examples = [*prompts, *(swapped(prompts) if swap else [])]
    rows = [example_features(p) for p in examples]
    names = sorted({f for row in rows for f in row})
    index = {n: i for i, n in enumerate(names)}
    indptr = [0]
    indices: list[int] = []
    for row in rows:
        indices.extend(index[f] for f in row)
        indptr.append(len(indices))
    x = csr_matrix(
        (np.ones(len(indices)), np.asarray(indices), np.asarray(indptr)),
        shape=(len(rows), len(names)),
    )
    labels = [e for e in Effect if any(p.label is e for p in prompts)]
    if len(labels) < 2:
        raise EffectTrainingError("training needs prompts of at least two labels")
    y = np.asarray([labels.index(p.label) for p in examples])
    classifier = LogisticRegression(C=c, max_iter=5000, random_state=seed)
    classifier.fit(x, y)
    coef = np.asarray(classifier.coef_, dtype=np.float64)
    intercept = np.asarray(classifier.intercept_, dtype=np.float64)
    if len(labels) == 2:
        # scikit-learn keeps one row for two classes: the second label's log-odds.
        coef = np.vstack([np.zeros_like(coef[0]), coef[0]])
        intercept = np.asarray([0.0, intercept[0]])
    return EffectModel(labels, names, coef, intercept, threshold, trained)


def out_of_fold(
    prompts: Sequence[Prompt],
    *,
    c: float = DEFAULT_C,
    seed: int = 0,
    folds: int = FOLDS,
    swap: bool = True,
) -> list[tuple[Prompt, Effect, float]]:
    """``(prompt, predicted, probability)`` of each prompt from a model not trained on its
    article (``folds`` folds by PMCID, drawn with ``seed``)."""
    articles = sorted({p.pmcid for p in prompts})
    random.Random(seed).shuffle(articles)
    fold_of = {a: i % folds for i, a in enumerate(articles)}
    found: list[tuple[Prompt, Effect, float]] = []
    for k in range(folds):
        train = [p for p in prompts if fold_of[p.pmcid] != k]
        test = [p for p in prompts if fold_of[p.pmcid] == k]
        if not train or not test or len({p.label for p in train}) < 2:
            continue
        model = fit(train, c=c, seed=seed, swap=swap)
        for p in test:
            reading = model.predict(example_features(p))
            found.append((p, reading.effect, reading.probability))
    return found


def choose_threshold(
    readings: Sequence[tuple[Prompt, Effect, float]], target: float = THRESHOLD_TARGET
) -> float:
    """The lowest probability at which the readings at or above it are right ≥ ``target``."""
    ordered = sorted(readings, key=lambda r: -r[2])
    best = 1.0
    right = 0
    for n, (prompt, predicted, probability) in enumerate(ordered, 1):
        right += prompt.label is predicted
        if right / n >= target and n >= 10:
            best = probability
    return round(min(best, 0.99), 2)


@dataclass(frozen=True, slots=True)
class TrainingReport:
    """What training read and measured (for ``TRAINED.md`` and the command's output)."""

    prompts: int
    train_prompts: int
    train_articles: int
    held_out_prompts: int
    held_out_articles: int
    labels: dict[str, int]
    left_out: dict[str, int]
    features: int
    swapped: int  # arm-swapped copies trained on (see :func:`swapped`)
    c: float
    seed: int
    threshold: float
    out_of_fold_accuracy: float
    out_of_fold_covered: float  # share of readings at or above the threshold
    out_of_fold_covered_accuracy: float


def train_effect_model(
    prompts_path: Path,
    *,
    seed: int = 0,
    c: float = DEFAULT_C,
    holdout: float = HOLDOUT_SHARE,
) -> tuple[EffectModel, TrainingReport]:
    """Train on the prompts not held out; the threshold from out-of-fold readings of those."""
    stats = PromptStats()
    prompts = read_prompts(prompts_path, stats)
    train, held = split_by_article(prompts, holdout)
    if not train:
        raise EffectTrainingError(f"{prompts_path}: no prompt left to train on after the hold-out")
    readings = out_of_fold(train, c=c, seed=seed, folds=min(FOLDS, len({p.pmcid for p in train})))
    threshold = choose_threshold(readings) if readings else 0.5
    right = [r[0].label is r[1] for r in readings]
    covered = [r[0].label is r[1] for r in readings if r[2] >= threshold]
    report = TrainingReport(
        prompts=len(prompts),
        train_prompts=len(train),
        train_articles=len({p.pmcid for p in train}),
        held_out_prompts=len(held),
        held_out_articles=len({p.pmcid for p in held}),
        labels=dict(Counter(p.label.value for p in train)),
        left_out=dict(stats.left_out),
        features=0,
        swapped=len(swapped(train)),
        c=c,
        seed=seed,
        threshold=threshold,
        out_of_fold_accuracy=round(sum(right) / len(right), 3) if right else 0.0,
        out_of_fold_covered=round(len(covered) / len(readings), 3) if readings else 0.0,
        out_of_fold_covered_accuracy=round(sum(covered) / len(covered), 3) if covered else 0.0,
    )
    trained = {
        "corpus": "Evidence Inference 2.0 train split (prompts.tsv)",
        "train_prompts": report.train_prompts,
        "train_articles": report.train_articles,
        "held_out_articles": report.held_out_articles,
        "holdout_seed": HOLDOUT_SEED,
        "holdout_share": holdout,
        "seed": seed,
        "C": c,
        "threshold_target": THRESHOLD_TARGET,
    }
    model = fit(train, c=c, seed=seed, threshold=threshold, trained=trained)
    report = replace(report, features=len(model.index))
    return model, report
