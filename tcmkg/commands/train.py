"""``tcmkg train-ner``: train the entity recogniser from annotated PubTator corpora.

Reads every corpus with the project's PubTator reader, leaves out the documents of the
``--exclude`` files (evaluation sets), writes spaCy training files and runs spaCy's trainer
with ``ingest/nlp/ner.cfg``; the best model is copied to ``--output`` together with
``TRAINED.md`` (the command, the corpora and what was read). Name that directory in
``components.tcm_ner.model`` of the pipeline config, or copy it to ``ingest/nlp/ner_model`` to
replace the shipped model (``ingest/nlp/ner_model/TRAINED.md`` gives the command that made it).

Exit codes: 0 trained, 2 a corpus cannot be read or holds no annotated document.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ingest.problems import ProblemLog
from tcmkg.console import console, fail, shows_progress
from tcmkg.inputs import ExcludeOption, check_corpora, report_problems


def train_ner(
    corpora: Annotated[
        list[Path],
        typer.Argument(help="PubTator files with gold mentions to train on.", show_default=False),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Directory for the trained model.")
    ],
    exclude: ExcludeOption = None,
    max_steps: Annotated[
        int, typer.Option("--max-steps", min=1, help="Training steps at most.")
    ] = 12000,
    patience: Annotated[
        int,
        typer.Option(
            "--patience", min=1, help="Stop after this many steps without a better score."
        ),
    ] = 2000,
    eval_every: Annotated[
        int, typer.Option("--eval-every", min=1, help="Steps between scores on the held-out tenth.")
    ] = 250,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (split and training).")] = 0,
) -> None:
    """Train the chemical / disease / gene recogniser used beside the dictionary."""
    from ingest.nlp.training import build_corpus, train

    left_out = check_corpora(corpora, exclude)
    if not shows_progress():
        # spaCy's trainer colours its table; with no terminal the codes would fill the log.
        os.environ.setdefault("ANSI_COLORS_DISABLED", "1")
    problems = ProblemLog()
    with tempfile.TemporaryDirectory(prefix="tcmkg-train-") as work:
        work_dir = Path(work)
        stats = build_corpus(
            corpora, work_dir / "corpus", exclude=left_out, seed=seed, problems=problems
        )
        report_problems(problems)
        if stats.train == 0 or not stats.mentions:
            fail("no annotated document to train on in " + ", ".join(map(str, corpora)))
        console.print(
            f"corpus: {stats.documents} documents ({stats.train} train, {stats.dev} held out), "
            f"{stats.skipped_overlap} left out as in --exclude; mentions "
            + ", ".join(f"{k} {v}" for k, v in sorted(stats.mentions.items()))
            + f"; {stats.missing_tokens} tokens unlabelled (types the corpus does not annotate)",
            highlight=False,
        )
        best = train(
            work_dir / "corpus",
            work_dir / "out",
            max_steps=max_steps,
            patience=patience,
            eval_frequency=min(eval_every, max_steps),
            seed=seed,
        )
        if output.exists():
            shutil.rmtree(output)
        shutil.copytree(best, output)
    (output / "TRAINED.md").write_text(
        "# How this model was trained\n\n"
        f"    tcmkg train-ner {' '.join(sys.argv[2:]) if len(sys.argv) > 2 else ''}\n\n"
        f"- corpora: {', '.join(p.name for p in corpora)}\n"
        f"- left out (evaluation sets): {', '.join(p.name for p in left_out) or 'none'}\n"
        f"- documents: {stats.train} train, {stats.dev} held out for the best step, "
        f"{stats.skipped_overlap} left out as in the evaluation sets\n"
        f"- mentions: {dict(sorted(stats.mentions.items()))}; gold mentions off token "
        f"boundaries: {stats.dropped_mentions}\n"
        f"- steps: at most {max_steps}, patience {patience}, scored every {eval_every}, "
        f"seed {seed}\n",
        encoding="utf-8",
    )
    console.print(f"model written to {output}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``train-ner`` to the CLI."""
    app.command("train-ner")(train_ner)
