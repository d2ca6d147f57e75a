"""How the CLI shows rankings, explanations and validation reports (rich tables and lines).

Shared by ``rank``/``explain``, ``validate`` and ``demo``, which print the same things.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from rich.console import Console
from rich.table import Table

from kg.validate import ValidationReport, ValidationResult
from queries.explain import Explanation
from queries.rank import GradeFlag, RankedRow, SafetyFlag, ScoredEvidence
from queries.traditional import PopulationMatch, TheoryConcept
from tcmkg.console import console

# Enough rows per shape to see the pattern; the count says how many more there are.
DEFAULT_SHOWN = 10

_STYLE = {"Violation": "bold red", "Warning": "yellow", "Info": "cyan"}


def _row(result: ValidationResult) -> tuple[str, ...]:
    where = ", ".join(result.graphs) if result.graphs else ""
    value = "" if result.value is None else result.value
    if len(value) > 60:
        value = value[:57] + "…"
    return (
        f"[{_STYLE.get(result.severity, '')}]{result.severity}[/]",
        result.focus,
        result.path or "",
        value,
        result.message,
        where,
    )


def print_report(report: ValidationReport, out: Console, shown: int = DEFAULT_SHOWN) -> None:
    """Print a validation report: a verdict line, then one table per failing shape."""
    n_viol, n_warn = len(report.violations), len(report.warnings)
    verdict = "[bold green]valid[/]" if report.conforms else "[bold red]invalid[/]"
    out.print(
        f"{report.source}: {verdict} — {report.triples:,} triples, {n_viol:,} violation(s), "
        f"{n_warn:,} warning(s), {report.seconds:.2f} s",
        highlight=False,
    )
    if report.triples == 0:
        out.print("  (no data to validate: is this the store or file you meant?)", highlight=False)
    for shape, results in report.by_shape().items():
        if shown <= 0:
            out.print(f"  {shape}: {len(results):,} (tcmkg validate lists them)", highlight=False)
            continue
        table = Table(title=f"{shape} ({len(results):,})", title_justify="left", expand=False)
        for column in ("severity", "focus node", "path", "value", "message", "record"):
            table.add_column(column, overflow="fold")
        for result in results[:shown]:
            table.add_row(*_row(result))
        if len(results) > shown:
            table.caption = f"… and {len(results) - shown:,} more (use --show to see more)"
        out.print(table)


def number(x: float) -> str:
    """A score for display: three decimals, or scientific notation when tiny."""
    if x == 0:
        return "0"
    return f"{x:.3f}" if x >= 0.001 else f"{x:.1e}"


def flag_text(flag: SafetyFlag) -> str:
    """One safety flag in words (``toxicity: Acute kidney injury (0.31)``)."""
    via = f" via {flag.via}" if flag.via else ""
    return f"{flag.kind}: {flag.object_label} ({number(flag.belief)}){via}"


def grade_text(grade: GradeFlag) -> str:
    """A Pharmacopoeia toxicity grade in words (``有毒 toxic: Aconiti … (table …)``)."""
    herb = f"its herb {grade.herb_label}" if grade.via else grade.herb_label
    zh = f"{grade.grade_zh} " if grade.grade_zh else ""
    return f"Pharmacopoeia {zh}{grade.grade_label}: {herb} ({grade.source})"


def safety_text(row: RankedRow) -> str:
    """Harm flags, then Pharmacopoeia toxicity grades, in words ('' when neither)."""
    return "; ".join([flag_text(f) for f in row.safety] + [grade_text(g) for g in row.grades])


def syndrome_name(syndrome: TheoryConcept) -> str:
    """A syndrome in English and characters: ``qi and yin deficiency (气阴两虚证)``."""
    return f"{syndrome.label} ({syndrome.zh})" if syndrome.zh else syndrome.label


def print_syndrome_note(syndrome: TheoryConcept) -> None:
    """What a ranking within ``syndrome`` adds, said under its table."""
    principle = " ".join(p for p in (syndrome.principle_zh, syndrome.principle_en) if p)
    console.print(
        f"syndrome: {syndrome_name(syndrome)}, {syndrome.id}; treatment principle: "
        f"{principle or 'none recorded'}. Traditional axis: classical indication for the "
        "syndrome and actions matching its principle; shown, not in the score. Pharmacopoeia "
        "toxicity grades are shown in the safety column, not scored.",
        highlight=False,
    )


def rank_table(
    rows: list[RankedRow], indication: str, syndrome: TheoryConcept | None = None
) -> Table:
    """The ranking as a rich table with the axes, blend, certainty, counts and safety.

    Within a ``syndrome`` the traditional axis is a column of its own.
    """
    within = f" within {syndrome_name(syndrome)}" if syndrome is not None else ""
    title = f"Candidates for {indication!r}{within}"
    table = Table(title=title, show_lines=False)
    columns = [
        ("#", "right"),
        ("candidate", "left"),
        ("kind", "left"),
        ("clinical", "right"),
        ("mechanistic", "right"),
        *([("traditional", "right")] if syndrome is not None else []),
        ("score", "right"),
        ("certainty", "left"),
        ("for/against", "center"),
        ("safety", "left"),
    ]
    for name, justify in columns:
        # Ids and safety flags wrap rather than end in "…": a cropped id cannot be copied into
        # `tcmkg explain`, and a cropped flag hides what counts against the row.
        overflow = "fold" if name in ("candidate", "safety") else "ellipsis"
        table.add_column(name, justify=justify, overflow=overflow)  # type: ignore[arg-type]
    for i, row in enumerate(rows, 1):
        safety = safety_text(row) or "none found"
        traditional = [number(row.traditional or 0.0)] if syndrome is not None else []
        table.add_row(
            str(i),
            f"{row.candidate.label}\n[dim]{row.candidate.id}[/]",
            row.candidate.kind,
            number(row.clinical),
            number(row.mechanistic),
            *traditional,
            f"[bold]{number(row.score)}[/]",
            row.certainty.label,
            f"{row.supporting}/{row.contradicting}",
            f"[red]{safety}[/]" if row.safety or row.grades else f"[dim]{safety}[/]",
        )
    return table


def rank_csv(rows: list[RankedRow]) -> str:
    """The ranking as CSV, one row per candidate."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "rank",
            "id",
            "label",
            "kind",
            "clinical",
            "mechanistic",
            "score",
            "certainty",
            "supporting",
            "contradicting",
            "safety",
            "toxicity_grades",
            "traditional",
        ]
    )
    for i, r in enumerate(rows, 1):
        writer.writerow(
            [
                i,
                r.candidate.id,
                r.candidate.label,
                r.candidate.kind,
                f"{r.clinical:.6g}",
                f"{r.mechanistic:.6g}",
                f"{r.score:.6g}",
                r.certainty.label,
                r.supporting,
                r.contradicting,
                "; ".join(flag_text(f) for f in r.safety),
                "; ".join(grade_text(g) for g in r.grades),
                "" if r.traditional is None else f"{r.traditional:.6g}",
            ]
        )
    return out.getvalue()


def print_explanation(exp: Explanation) -> None:
    """Print an explanation for a reader: summary, evidence, paths, what counts against."""
    row = exp.row
    terms = ", ".join(exp.labels.get(t, t) for t in exp.terms)
    console.print(
        f"[bold]{row.candidate.label}[/] ({row.candidate.id}, {row.candidate.kind}) for "
        f"[bold]{exp.query}[/] — covers: {terms}"
    )
    console.print(
        f"score {number(row.score)} = clinical {number(row.clinical)}, mechanistic "
        f"{number(row.mechanistic)}; certainty {row.certainty.label}; "
        f"{row.supporting} studies for, {row.contradicting} against"
    )
    if exp.syndrome is not None and row.traditional_detail is not None:
        print_traditional(exp.syndrome, row.traditional_detail)
    table = Table(title="Evidence (strongest first)")
    for col in (
        "source",
        "year",
        "design",
        "n",
        "population",
        "direction",
        "r",
        "counts",
        "sentence",
    ):
        table.add_column(col, overflow="fold")
    for e in exp.evidence:
        i = e.item
        direction = i.direction.value + (" (negated)" if i.negated else "")
        table.add_row(
            i.source + ("".join(f"\n{t}" for t in i.trials)),
            str(i.year or "?"),
            i.design.value,
            str(i.sample_size or "?"),
            population_text(e),
            direction,
            number(e.weight),
            "[green]for[/]" if e.polarity > 0 else "[red]against[/]",
            i.sentence or "",
        )
    if exp.evidence:
        console.print(table)
    else:
        console.print("No direct treatment evidence.")
    if exp.paths:
        console.print("[bold]Mechanism paths[/] (strongest first):")
        for p in exp.paths:
            names = " → ".join(exp.labels.get(n, n) for n in p.nodes)
            console.print(f"  {number(p.weight)}  {names}")
    else:
        console.print("No mechanism paths to this indication.")
    against = [
        f"{e.item.source} ({e.item.design.value}, {e.item.direction.value})" for e in exp.against
    ]
    console.print("[bold]Counted against:[/] " + ("; ".join(against) or "no contradicting studies"))
    console.print(
        "[bold]Safety:[/] "
        + ("; ".join(flag_text(f) for f in exp.safety) or "no harm evidence found in the graph")
    )
    if row.grades:
        console.print(
            "[bold]Pharmacopoeia toxicity (shown, not scored):[/] "
            + "; ".join(grade_text(g) for g in row.grades)
        )


def population_text(scored: ScoredEvidence) -> str:
    """The study population's syndromes and the weight they earned (``气阴两虚证 ×1``)."""
    pop = scored.population
    names = ", ".join(str(s.get("zh") or s.get("label")) for s in pop.syndromes)
    if pop.match is PopulationMatch.NO_QUERY:
        return names or "syndrome not said"
    return f"{names or 'syndrome not said'} ({pop.match.value} ×{number(pop.factor)})"


def print_traditional(syndrome: dict[str, Any], detail: dict[str, Any]) -> None:
    """The traditional axis of an explained row and what it rests on."""
    principle = syndrome.get("principle") or {}
    indicated = "; ".join(
        f"{c['zh'] or c['label']} ({c['source']})" for c in detail["indicated_for"]
    )
    matched = ", ".join(c["zh"] or c["label"] for c in detail["matched_actions"])
    wanted = ", ".join(c["zh"] or c["label"] for c in detail["principle_actions"])
    console.print(
        f"traditional {number(detail['score'])} within {syndrome['label']} "
        f"({syndrome.get('zh') or ''}; principle {principle.get('zh') or ''} "
        f"{principle.get('en') or ''}): classical indication: {indicated or 'none'}; actions "
        f"matching the principle: {matched or 'none'} of {wanted or 'none'} — not in the score",
        highlight=False,
    )
