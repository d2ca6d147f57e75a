"""``tcmkg train-effect``: train the effect-direction classifier from Evidence Inference.

Reads Evidence Inference's ``prompts.tsv``, holds out a fixed fifth of its articles (by PMCID;
never trained on, scored by ``bench/bench_effect.py``), trains the multinomial logistic
regression of :mod:`ingest.nlp.effect` on the rest with scikit-learn, chooses the confidence
threshold from out-of-fold readings of the training part, and writes ``effect_model.json``
(weights read with numpy alone) and ``TRAINED.md`` (the command and the figures) to
``--output``. Name that file in ``components.tcm_effect.model`` of the pipeline config, or write
to ``ingest/nlp/effect_model`` to replace the shipped model.

Exit codes: 0 trained, 2 the prompts cannot be read or hold no usable prompt.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from tcmkg.console import console, fail


def train_effect(
    prompts: Annotated[
        Path,
        typer.Argument(
            help="Evidence Inference prompts.tsv (label and evidence sentence per prompt).",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Directory for the trained model.")
    ],
    seed: Annotated[int, typer.Option("--seed", help="Random seed (folds and solver).")] = 0,
    c: Annotated[
        float, typer.Option("--c", min=1e-6, help="Inverse L2 regularisation strength.")
    ] = 1.0,
    holdout: Annotated[
        float,
        typer.Option("--holdout", min=0.0, max=0.9, help="Share of articles held out of training."),
    ] = 0.2,
) -> None:
    """Train the increased / decreased / no-difference classifier of trial results."""
    from ingest.nlp.effect_training import EffectTrainingError, train_effect_model

    if not prompts.is_file():
        fail(f"{prompts}: no such file")
    try:
        model, report = train_effect_model(prompts, seed=seed, c=c, holdout=holdout)
    except EffectTrainingError as exc:
        fail(str(exc))
    output.mkdir(parents=True, exist_ok=True)
    (output / "effect_model.json").write_text(
        json.dumps(model.to_json(), separators=(",", ":")) + "\n", encoding="utf-8"
    )
    command = " ".join(sys.argv[2:]) if len(sys.argv) > 2 else ""
    left_out = ", ".join(f"{k} {v}" for k, v in sorted(report.left_out.items())) or "none"
    (output / "TRAINED.md").write_text(
        "# How this model was trained\n\n"
        "The effect-direction classifier of `tcm_effect` (`ingest/nlp/effect.py`): multinomial\n"
        "logistic regression (scikit-learn, L2) over the features of `effect.features`, trained\n"
        "on Evidence Inference 2.0's train split (MIT licence) by the project's command:\n\n"
        f"    tcmkg train-effect {command}\n\n"
        f"- prompts: {report.prompts} usable (left out: {left_out})\n"
        f"- trained on {report.train_prompts} prompts of {report.train_articles} articles; "
        f"held out: {report.held_out_prompts} prompts of {report.held_out_articles} articles "
        f"(by PMCID, fixed hold-out seed, never trained on; see `bench/bench_effect.py`)\n"
        f"- labels trained on: {dict(sorted(report.labels.items()))}\n"
        f"- with {report.swapped} arm-swapped copies (the prompts whose sentence names both "
        "arms, intervention and comparator exchanged and the label turned round)\n"
        f"- features: {report.features}; C = {report.c}; seed {report.seed}\n"
        f"- five-fold (by article) accuracy on the training part: "
        f"{report.out_of_fold_accuracy}\n"
        f"- confidence threshold {report.threshold} (lowest probability at which out-of-fold "
        f"readings of the training part are right ≥ 90 %): covers "
        f"{report.out_of_fold_covered:.1%} of readings, {report.out_of_fold_covered_accuracy} "
        "right\n",
        encoding="utf-8",
    )
    console.print(
        f"trained on {report.train_prompts} prompts ({report.held_out_prompts} held out); "
        f"out-of-fold accuracy {report.out_of_fold_accuracy}, threshold {report.threshold}; "
        f"model written to {output}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``train-effect`` to the CLI."""
    app.command("train-effect")(train_effect)
