"""``tcmkg train-relations``: train the relation classifier from annotated PubTator corpora.

Runs the extraction pipeline (cue rules included, the relation model off) over every document
of the corpora, labels each candidate pair by the document-level relations the corpus states
(BioRED's typed relations; a corpus whose relations are all ``CID`` is read as BC5CDR: harms
only), leaves out the documents of the ``--exclude`` files (evaluation sets), fits the model
with thresholds chosen on out-of-fold predictions (see :mod:`ingest.nlp.relation_training`)
and writes ``weights.json`` and ``TRAINED.md`` to ``--output``. Name that directory in
``components.tcm_relation_model.model`` of the pipeline config, or write it to
``ingest/nlp/relation_weights`` to replace the shipped model.

Exit codes: 0 trained, 2 a corpus cannot be read or gives no labelled pair of two classes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ingest.problems import ProblemLog
from tcmkg.console import console, fail
from tcmkg.inputs import ExcludeOption, check_corpora, report_problems


def train_relations(
    corpora: Annotated[
        list[Path],
        typer.Argument(
            help="PubTator files with gold mentions and relations to train on.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Directory for the trained weights.")
    ],
    exclude: ExcludeOption = None,
    folds: Annotated[
        int,
        typer.Option("--folds", min=2, help="Document folds for choosing the thresholds."),
    ] = 5,
    c: Annotated[
        float, typer.Option("--c", min=0.0001, help="Inverse L2 regularisation strength.")
    ] = 0.5,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (folds and solver).")] = 0,
) -> None:
    """Train the relation classifier used beside the cue rules."""
    from ingest.nlp.relation_model import WEIGHTS_FILE, weights_json
    from ingest.nlp.relation_training import collect_examples, train_relation_model

    left_out = check_corpora(corpora, exclude)
    problems = ProblemLog()
    examples, read = collect_examples(corpora, exclude=left_out, problems=problems)
    report_problems(problems)
    console.print(
        f"corpus: {sum(read.documents.values())} documents, {len(examples)} candidate pairs; "
        f"{read.skipped_excluded} documents left out as in --exclude, "
        f"{read.skipped_duplicate} read in an earlier corpus",
        highlight=False,
    )
    weights = train_relation_model(examples, folds=folds, c=c, seed=seed)
    if not weights.families:
        fail("no labelled pair of two classes to train on in " + ", ".join(map(str, corpora)))
    weights.summary["corpora"] = [p.name for p in corpora]
    weights.summary["excluded"] = [p.name for p in left_out]
    weights.summary["documents"] = dict(read.documents)
    weights.summary["pairs"] = dict(sorted(read.labels.items()))
    weights.summary["left_out"] = dict(read.left_out)
    output.mkdir(parents=True, exist_ok=True)
    (output / WEIGHTS_FILE).write_text(
        json.dumps(weights_json(weights), separators=(",", ":")), encoding="utf-8"
    )
    lines = []
    for family, report in weights.summary["families"].items():
        for label, value in report.items():
            if isinstance(value, dict) and "threshold" in value:
                lines.append(f"- {family} / {label}: {json.dumps(value)}")
        console.print(
            f"{family}: {report['features']} features; thresholds "
            + json.dumps(weights.families[family].thresholds)
            + f"; veto of rule causes at P(causes) <= {weights.families[family].veto_causes}",
            highlight=False,
        )
    (output / "TRAINED.md").write_text(
        "# How these relation weights were trained\n\n"
        f"    tcmkg train-relations {' '.join(sys.argv[2:]) if len(sys.argv) > 2 else ''}\n\n"
        f"- corpora: {', '.join(p.name for p in corpora)}\n"
        f"- left out (evaluation sets): {', '.join(p.name for p in left_out) or 'none'}\n"
        f"- documents: {dict(read.documents)}; {read.skipped_excluded} left out as in the "
        f"evaluation sets, {read.skipped_duplicate} read in an earlier corpus\n"
        f"- candidate pairs by family/label: {dict(sorted(read.labels.items()))}\n"
        f"- left out: {dict(read.left_out)}\n"
        f"- {folds} document folds for the thresholds, C {c}, seed {seed}\n"
        "- out-of-fold figures (thresholds, veto):\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )
    console.print(f"weights written to {output / WEIGHTS_FILE}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``train-relations`` to the CLI."""
    app.command("train-relations")(train_relations)
