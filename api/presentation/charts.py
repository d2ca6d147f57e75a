"""The two charts of a candidate's evidence, drawn as inline SVG for the page and the dossier.

* the evidence profile: one row per study, grouped by design (strongest first), placed by how
  much it counts for (right) or against (left), marker area ∝ sample size;
* the mechanism graph: candidate → compounds → targets/pathways → indication in columns,
  stroke width ∝ belief, hub nodes ringed and tagged.

Each marker carries ``data-index``, the position of its evidence item in the explanation
(``GET /candidates/{id}/evidence``), so that the page can tie it to the item's card. The SVG
needs no script, font or network.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from xml.sax.saxutils import escape

from kg.model import StudyDesign
from queries.dossier import INDICATION_LAYER, MechanismPicture, PictureNode
from queries.rank import ScoredEvidence
from queries.scoring import Polarity

# Designs in the order a reader weighs them: strongest first (evidence profile rows).
DESIGN_ORDER: tuple[str, ...] = tuple(d.value for d in StudyDesign)
DESIGN_LABEL: dict[str, str] = {
    "meta_analysis": "Meta-analysis",
    "systematic_review": "Systematic review",
    "rct": "Randomised controlled trial",
    "non_randomised_trial": "Non-randomised trial",
    "cohort": "Cohort study",
    "case_control": "Case-control study",
    "case_report": "Case report / series",
    "animal": "Animal study",
    "in_vitro": "In vitro / cell study",
    "in_silico": "In silico prediction",
    "review": "Narrative review",
    "traditional": "Classical text / consensus",
    "database": "Database edge",
    "other": "Other",
    "unknown": "Design not stated",
}

PLOT_LEFT = 260
PLOT_WIDTH = 380
ROW_HEIGHT = 22
FOR_COLOUR = "#1b7f3b"
AGAINST_COLOUR = "#b3261e"


def design_label(design: str) -> str:
    """A reader's name for a study design value (``rct`` → ``Randomised controlled trial``)."""
    return DESIGN_LABEL.get(str(design), str(design))


def _design_rank(design: str) -> int:
    return DESIGN_ORDER.index(design) if design in DESIGN_ORDER else len(DESIGN_ORDER)


def indexed_groups(
    evidence: Sequence[ScoredEvidence],
) -> list[tuple[str, list[tuple[int, ScoredEvidence]]]]:
    """Evidence by design, strongest design first, each item with its position in ``evidence``."""
    groups: dict[str, list[tuple[int, ScoredEvidence]]] = defaultdict(list)
    for index, e in enumerate(evidence):
        groups[e.item.design.value].append((index, e))

    def strongest(pair: tuple[int, ScoredEvidence]) -> tuple[int, float, str]:
        e = pair[1]
        return (-int(e.polarity), -e.weight, e.item.source)

    return [(d, sorted(groups[d], key=strongest)) for d in sorted(groups, key=_design_rank)]


def evidence_profile_svg(evidence: Sequence[ScoredEvidence], *, interactive: bool = False) -> str:
    """The evidence profile: one row per study, x = signed weight, marker area ∝ sample size.

    ``interactive`` puts each marker in the keyboard's tab order (the page, where a marker
    opens its card); a printed dossier has nothing to focus.
    """
    groups = indexed_groups(evidence)
    rows = sum(1 + len(items) for _, items in groups)
    height = 40 + rows * ROW_HEIGHT + 30
    width = PLOT_LEFT + PLOT_WIDTH + 20
    max_n = max((e.item.sample_size or 0 for e in evidence), default=0) or 1
    zero = PLOT_LEFT + PLOT_WIDTH / 2
    scale = PLOT_WIDTH / 2
    focus = ' tabindex="0"' if interactive else ""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart evidence-profile" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="Evidence profile: {len(evidence)} evidence items by design and direction">',
        f'<line x1="{zero}" y1="28" x2="{zero}" y2="{height - 30}" stroke="#555" '
        'stroke-dasharray="3 3"/>',
        f'<text x="{PLOT_LEFT}" y="18" font-size="11" fill="{AGAINST_COLOUR}">'
        "◀ counts against</text>",
        f'<text x="{PLOT_LEFT + PLOT_WIDTH}" y="18" font-size="11" text-anchor="end" '
        f'fill="{FOR_COLOUR}">counts for ▶</text>',
    ]
    y = 40
    for design, items in groups:
        out.append(
            f'<text x="4" y="{y + 14}" font-size="12" font-weight="bold">'
            f"{escape(design_label(design))} ({len(items)})</text>"
        )
        y += ROW_HEIGHT
        for index, e in items:
            i = e.item
            sign = 1 if e.polarity is Polarity.FOR else -1
            cx = zero + sign * e.weight * scale
            cy = y + ROW_HEIGHT / 2
            colour = FOR_COLOUR if sign > 0 else AGAINST_COLOUR
            label = f"{i.source}" + (f" ({i.year})" if i.year else "")
            n_text = f"n={i.sample_size}" if i.sample_size else "n not reported"
            title = f"{label}, {i.direction.value}, {n_text}, weight {e.weight:.2f}"
            out.append(
                f'<text x="14" y="{cy + 4}" font-size="11">{escape(label[:40])}</text>'
                f'<line x1="{zero}" y1="{cy}" x2="{cx:.1f}" y2="{cy}" stroke="{colour}" '
                'stroke-width="1.5"/>'
            )
            marker = f'class="marker" data-index="{index}"{focus}'
            if i.sample_size:
                # Area ∝ sample size: the radius grows with its square root.
                r = 3 + 9 * math.sqrt(i.sample_size / max_n)
                out.append(
                    f'<circle {marker} cx="{cx:.1f}" cy="{cy}" r="{r:.1f}" fill="{colour}" '
                    f'fill-opacity="0.75"><title>{escape(title)}</title></circle>'
                )
            else:
                out.append(
                    f'<circle {marker} cx="{cx:.1f}" cy="{cy}" r="4" fill="white" '
                    f'stroke="{colour}" stroke-width="2"><title>{escape(title)}</title></circle>'
                )
            y += ROW_HEIGHT
    axis_y = height - 24
    for tick in (-1.0, -0.5, 0.0, 0.5, 1.0):
        x = zero + tick * scale
        out.append(
            f'<text x="{x}" y="{axis_y + 14}" font-size="10" text-anchor="middle">'
            f"{abs(tick):.1f}</text>"
        )
    out.append(
        f'<line x1="{PLOT_LEFT}" y1="{axis_y}" x2="{PLOT_LEFT + PLOT_WIDTH}" y2="{axis_y}" '
        'stroke="#555"/>'
    )
    out.append("</svg>")
    return "".join(out)


def mechanism_svg(picture: MechanismPicture) -> str:
    """The mechanism picture: layered columns, stroke width ∝ belief, hubs ringed and tagged.

    An empty string when the picture has no node (no path from the candidate).
    """
    if not picture.nodes:
        return ""
    layers = sorted({n.layer for n in picture.nodes})
    column = {layer: i for i, layer in enumerate(layers)}
    by_layer: dict[int, list[PictureNode]] = defaultdict(list)
    for n in picture.nodes:
        by_layer[n.layer].append(n)
    tallest = max(len(v) for v in by_layer.values())
    col_width = 170
    row_height = 56
    width = 2 * 90 + col_width * max(1, len(layers) - 1)
    height = 40 + row_height * tallest
    pos: dict[str, tuple[float, float]] = {}
    for layer, members in by_layer.items():
        members.sort(key=lambda n: n.label.lower())
        gap = height / (len(members) + 1)
        for k, n in enumerate(members):
            pos[n.id] = (90 + column[layer] * col_width, gap * (k + 1))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart mechanism-graph" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="Mechanism graph: {len(picture.nodes)} nodes, {len(picture.edges)} edges">'
    ]
    for e in picture.edges:
        if e.source not in pos or e.target not in pos:
            continue
        (x1, y1), (x2, y2) = pos[e.source], pos[e.target]
        mid = (x1 + x2) / 2
        curve = f"M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
        out.append(
            f'<path class="edge" d="{curve}" '
            f'fill="none" stroke="#3a6ea5" stroke-opacity="0.7" '
            f'stroke-width="{1 + 7 * e.belief:.1f}">'
            f"<title>{escape(f'{e.source} {e.predicate} {e.target}: belief {e.belief:.2f}')}"
            "</title></path>"
        )
    for n in picture.nodes:
        x, y = pos[n.id]
        fill = "#f2c14e" if n.layer == 0 else "#8fb8de" if n.layer < INDICATION_LAYER else "#e07a5f"
        title = f"{n.label} ({n.kind or 'entity'}, {n.id})"
        if n.is_hub:
            title += f": hub, passes on ×{n.hub:.2f}"
            out.append(
                f'<circle cx="{x:.0f}" cy="{y:.0f}" r="13" fill="none" stroke="#b3261e" '
                'stroke-width="2" stroke-dasharray="3 2" class="hub"/>'
            )
        out.append(
            f'<circle class="node" cx="{x:.0f}" cy="{y:.0f}" r="8" fill="{fill}" stroke="#333">'
            f"<title>{escape(title)}</title></circle>"
        )
        text = n.label if len(n.label) <= 24 else n.label[:23] + "…"
        out.append(
            f'<text x="{x:.0f}" y="{y - 14:.0f}" font-size="11" text-anchor="middle">'
            f"{escape(text)}{' (hub)' if n.is_hub else ''}</text>"
        )
    out.append("</svg>")
    return "".join(out)
