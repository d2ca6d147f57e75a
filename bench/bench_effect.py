"""Benchmark: effect direction of trial results, on the held-out part of Evidence Inference.

Evidence Inference 2.0's train split (``../shared/data/training/evidence_inference_train/
prompts.tsv``) annotates, per intervention / comparator / outcome of a trial report, whether the
outcome was significantly increased, significantly decreased or not significantly different,
with the evidence sentence. ``tcmkg train-effect`` holds a fixed fifth of its articles out of
training (by PMCID, :func:`ingest.nlp.effect_training.split_by_article`); every figure here is
on that held-out part. Printed in one run:

1. **Direction (3 classes)** of the classifier (:mod:`ingest.nlp.effect`) beside the rule-only
   reading: what the cue words of :mod:`ingest.nlp.direction` say on the same sentence (the
   first null, harm or benefit cue of the sentence; a benefit cue that names a fall —
   "reduced", "lowered", "alleviated" … — reads *decreased*, another benefit or a harm cue
   reads the way the outcome's polarity says, a null cue reads *no difference*; a sentence
   with no cue, or whose cue needs an unknown polarity, has no reading and counts as wrong).
   Target of the issue: accuracy ≥ 0.80. Also the classifier's accuracy on the readings at or
   above the pipeline's confidence threshold, and the share they cover.
2. **Benefit / null / harm** where the annotated outcome's polarity is known
   (:func:`ingest.nlp.effect.outcome_polarity`): gold from the label and the polarity; the
   classifier's reading mapped the same way; the rule-only reading is its cue's direction.
3. **End to end**: each held-out evidence sentence run alone through ``tcmkg extract``'s
   pipeline (:class:`ingest.extract.Extractor`, dictionary and trained recogniser) with and
   without ``tcm_effect``: how many sentences get any treats/causes relation, how many have an
   exposure and an outcome/disease mention at all (without both no relation is possible), and
   how the directions of the relations agree with the gold benefit/null/harm where the
   annotated outcome's polarity is known.

The threshold and the regularisation were chosen on the training part only (out-of-fold);
these are development figures on data of the same corpus, not a held-out evaluation of the
project.

    .venv/bin/python bench/bench_effect.py [--model PATH]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest.document import Document  # noqa: E402
from ingest.extract import Extractor  # noqa: E402
from ingest.nlp import direction as dirn  # noqa: E402
from ingest.nlp.cues import Lexicon  # noqa: E402
from ingest.nlp.effect import (  # noqa: E402
    Effect,
    EffectModel,
    Polarity,
    benefit_of,
    locate,
    outcome_polarity,
    tokenize,
)
from ingest.nlp.effect_training import (  # noqa: E402
    Prompt,
    example_features,
    read_prompts,
    split_by_article,
)
from ingest.nlp.relations import CONDITIONS, EXPOSURES  # noqa: E402
from kg.model import Direction, Predicate  # noqa: E402

DATA = Path(os.environ.get("TCMKG_SHARED_DATA", REPO.parent / "shared" / "data"))
PROMPTS = DATA / "training" / "evidence_inference_train" / "prompts.tsv"
# Benefit cue words that name a fall of what they act on ("reduced pain"); the others
# ("improved", "restored", "effective") say only that the change was good.
_FALL = ("reduc", "decreas", "lower", "suppress", "inhibit", "attenuat", "alleviat", "diminish")
_FALL_MORE = ("abolish", "mitigat", "reliev", "prevent", "relief")
SHORT = {
    Effect.INCREASED: "increased",
    Effect.DECREASED: "decreased",
    Effect.NO_DIFFERENCE: "no difference",
}


def rule_cue(sentence: str, lexicon: Lexicon) -> tuple[dirn.CueKind, str] | None:
    """The first null, harm or benefit cue of ``sentence`` and its words."""
    for cue in lexicon.scan(sentence):
        kind = dirn.effect_kind(cue.kinds)
        if kind is not None and kind is not dirn.CueKind.EXPOSURE:
            return kind, cue.text.lower()
    return None


def rule_effect(cue: tuple[dirn.CueKind, str] | None, polarity: Polarity) -> Effect | None:
    """The three-class reading of a cue (see the module docs); None when it says none."""
    if cue is None:
        return None
    kind, word = cue
    if kind is dirn.CueKind.NULL:
        return Effect.NO_DIFFERENCE
    if kind is dirn.CueKind.BENEFIT and word.startswith(_FALL + _FALL_MORE):
        return Effect.DECREASED
    if polarity is Polarity.UNKNOWN:
        return None
    good_is_up = polarity is Polarity.MORE_IS_BETTER
    went_good = kind is dirn.CueKind.BENEFIT
    return Effect.INCREASED if good_is_up == went_good else Effect.DECREASED


def _ratio(right: int, total: int) -> str:
    return f"{right / total:.3f} ({right}/{total})" if total else "n/a"


def direction_figures(held: list[Prompt], model: EffectModel) -> None:
    """Sections 1 and 2 of the module docs."""
    lexicon = Lexicon(dirn.LEXICON)
    model_right = rule_right = rule_read = 0
    confident = confident_right = 0
    confusion: Counter[tuple[str, str]] = Counter()
    benefit_total = benefit_model = benefit_rule = 0
    benefit_confusion: Counter[tuple[str, str, str]] = Counter()
    for p in held:
        reading = model.predict(example_features(p))
        polarity = outcome_polarity(p.outcome)
        cue = rule_cue(p.evidence, lexicon)
        rule = rule_effect(cue, polarity)
        model_right += reading.effect is p.label
        rule_right += rule is p.label
        rule_read += rule is not None
        confusion[(SHORT[p.label], SHORT[reading.effect])] += 1
        if reading.probability >= model.threshold:
            confident += 1
            confident_right += reading.effect is p.label
        if polarity is not Polarity.UNKNOWN:
            gold = benefit_of(p.label, polarity)
            mine = benefit_of(reading.effect, polarity)
            theirs = dirn.direction_of(cue[0]) if cue else Direction.UNKNOWN
            benefit_total += 1
            benefit_model += mine is gold
            benefit_rule += theirs is gold
            benefit_confusion[("model", gold.value, mine.value)] += 1
            benefit_confusion[("rules", gold.value, theirs.value)] += 1
    n = len(held)
    print(f"held-out prompts: {n} of {len({p.pmcid for p in held})} articles")
    print("1. direction, 3 classes (target >= 0.80)")
    print(f"   classifier            accuracy {_ratio(model_right, n)}")
    print(
        f"   rule-only (cue words) accuracy {_ratio(rule_right, n)}; a reading on {rule_read}/{n}"
    )
    print(
        f"   classifier at p >= {model.threshold}: covers {_ratio(confident, n)}, "
        f"accuracy {_ratio(confident_right, confident)}"
    )
    labels = [SHORT[e] for e in Effect]
    print("   confusion (gold rows, classifier columns): " + " | ".join(labels))
    for gold in labels:
        print(f"     {gold:14} " + " ".join(f"{confusion[(gold, p)]:5d}" for p in labels))
    print(
        f"2. benefit / null / harm where the outcome's polarity is known ({benefit_total} of {n})"
    )
    print(f"   classifier + polarity accuracy {_ratio(benefit_model, benefit_total)}")
    print(f"   rule-only cue direction accuracy {_ratio(benefit_rule, benefit_total)}")
    for who in ("model", "rules"):
        wrong = {
            (g, r): c for (w, g, r), c in benefit_confusion.items() if w == who and g != r and c
        }
        print(
            f"   {who} errors (gold->read): "
            + ", ".join(f"{g}->{r} {c}" for (g, r), c in sorted(wrong.items()))
        )


def _shares_word(mention: str, annotated: str) -> bool:
    """Whether a mention's text shares a content word with an annotated phrase."""
    return locate(tokenize(mention), annotated) is not None


def end_to_end(held: list[Prompt]) -> None:
    """Section 3 of the module docs."""
    extractor = Extractor()
    docs = [Document(id=f"TCMKG.DOC:ei-{p.prompt_id}", title=p.evidence, abstract="") for p in held]
    both = 0
    counts: dict[str, int] = {}
    agree: dict[str, Counter[str]] = {}
    for label, disabled in (("rules only", ["tcm_effect"]), ("with tcm_effect", [])):
        started = time.perf_counter()
        with extractor.nlp.select_pipes(disable=disabled):
            extractions = list(extractor.extract_all(docs))
        seconds = time.perf_counter() - started
        related = right_pair = 0
        verdicts: Counter[str] = Counter()
        pair_verdicts: Counter[str] = Counter()
        for p, extraction in zip(held, extractions, strict=True):
            mentions = extraction.mentions
            if label == "rules only":
                both += any(m.kind in EXPOSURES for m in mentions) and any(
                    m.kind in CONDITIONS for m in mentions
                )
            effect = [
                r
                for r in extraction.relations
                if r.predicate in (Predicate.TREATS, Predicate.CAUSES)
                and mentions[r.subject].kind in EXPOSURES
                and mentions[r.object].kind in CONDITIONS
            ]
            related += bool(effect)
            # The annotated pair: the exposure shares a word with the intervention, the
            # condition with the outcome (the relation names what the annotator named).
            annotated = [
                r
                for r in effect
                if _shares_word(mentions[r.subject].text, p.intervention)
                and _shares_word(mentions[r.object].text, p.outcome)
            ]
            right_pair += bool(annotated)
            gold_null = benefit_of(p.label, Polarity.UNKNOWN)  # null for no difference
            for r in annotated:
                read = Direction.HARM if r.predicate is Predicate.CAUSES else r.direction
                if gold_null is Direction.NULL:
                    pair_verdicts["agree" if read is Direction.NULL else f"null->{read.value}"] += 1
                elif outcome_polarity(p.outcome) is not Polarity.UNKNOWN:
                    gold = benefit_of(p.label, outcome_polarity(p.outcome))
                    pair_verdicts["agree" if read is gold else f"{gold.value}->{read.value}"] += 1
            polarity = outcome_polarity(p.outcome)
            if not effect or polarity is Polarity.UNKNOWN:
                continue
            gold = benefit_of(p.label, polarity)
            for r in effect:
                read = Direction.HARM if r.predicate is Predicate.CAUSES else r.direction
                verdicts["agree" if read is gold else f"{gold.value}->{read.value}"] += 1
        counts[label] = related
        agree[label] = verdicts
        print(
            f"   {label:16} sentences with a treats/causes relation: {_ratio(related, len(held))}"
            f"  ({seconds:.1f} s)"
        )
        print(
            f"   {label:16} ... of the annotated intervention on the annotated outcome: "
            f"{_ratio(right_pair, len(held))}; their directions vs gold (null, or polarity "
            f"known): agree {_ratio(pair_verdicts['agree'], sum(pair_verdicts.values()))}"
            + "".join(f", {k} {v}" for k, v in sorted(pair_verdicts.items()) if k != "agree")
        )
    print(
        f"   sentences with an exposure and an outcome/disease mention: {_ratio(both, len(held))}"
    )
    for label, verdicts in agree.items():
        total = sum(verdicts.values())
        print(
            f"   {label:16} relation directions vs gold (outcome polarity known): agree "
            f"{_ratio(verdicts['agree'], total)}; "
            + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items()) if k != "agree")
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="", help="effect model (default: the shipped one)")
    parser.add_argument("--prompts", type=Path, default=PROMPTS)
    parser.add_argument("--no-pipeline", action="store_true", help="skip the end-to-end part")
    args = parser.parse_args()
    if not args.prompts.is_file():
        print(f"skipped: {args.prompts} is not present", file=sys.stderr)
        return 0
    model = EffectModel.load(args.model)
    _, held = split_by_article(read_prompts(args.prompts))
    direction_figures(held, model)
    if not args.no_pipeline:
        print("3. end to end (tcmkg extract's pipeline, each evidence sentence alone)")
        end_to_end(held)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
