"""The evidence dossier: one self-contained HTML file a hospital committee can read.

A dossier holds the ranking row of one candidate for one indication, the evidence profile
chart (one row per study, grouped by design, placed by how much it counts for or against,
marker area ∝ sample size), the mechanism graph picture (candidate → compounds →
targets/pathways → indication, stroke width ∝ belief, hub nodes marked), every evidence item
with its citation, the safety flags, the scoring constants used, and the graph version (a
digest of the store's named graphs and their sizes) with the date.

Both charts are drawn here as inline SVG so the file needs no script, font or network; the web
page draws the same charts in the browser from :func:`mechanism_picture` and the explanation.
The HTML comes from a Jinja2 template kept with the web page's files (``api/templates``): it is
read as a file, so this module imports nothing of ``api``.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from pyoxigraph import Literal, NamedNode

from kg.iri import split_curie
from kg.model import EntityKind, StudyDesign
from kg.store import GraphStore
from queries.config import ScoringConfig
from queries.evidence import nodes, value_of
from queries.explain import Explanation, explain_in_context, resolve_candidate
from queries.rank import RankContext, ScoredEvidence, entity_info, prepare
from queries.scoring import Polarity

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "api" / "templates"
TEMPLATE_NAME = "dossier.html.j2"

# Constant queries, no user input: parameters are bound as VALUES by the store.
GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
NAMES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?entity ?name ?preferred WHERE {
  { ?entity skos:prefLabel ?name BIND(true AS ?preferred) }
  UNION { ?entity skos:altLabel ?name BIND(false AS ?preferred) }
  UNION { ?entity rdfs:label ?name BIND(false AS ?preferred) }
}
"""

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

# Layers of the mechanism picture, left to right, by entity kind.
LAYER_OF_KIND: dict[str, int] = {
    EntityKind.FORMULA.value: 0,
    EntityKind.HOSPITAL_PREPARATION.value: 0,
    EntityKind.HERB.value: 1,
    EntityKind.COMPOUND.value: 2,
    EntityKind.TARGET.value: 3,
    EntityKind.PATHWAY.value: 4,
    EntityKind.DISEASE.value: 5,
    EntityKind.OUTCOME.value: 5,
}
INDICATION_LAYER = 5


@dataclass(frozen=True, slots=True)
class GraphVersion:
    """Which graph a result came from: a digest of every named graph and its size, and when."""

    digest: str
    graphs: int
    quads: int
    date: str  # ISO date the version was read

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return dataclasses.asdict(self)


def graph_version(store: GraphStore, today: datetime.date | None = None) -> GraphVersion:
    """A short digest of the store's named graphs and their quad counts, with today's date.

    Replacing, adding or withdrawing any source record's graph changes the digest; re-ingesting
    the same records does not (graph IRIs and contents are deterministic).
    """
    sizes: list[tuple[str, int]] = []
    for row in store.select(GRAPH_SIZES).dicts():
        sizes.append((value_of(row.get("g")), int(value_of(row.get("n")) or 0)))
    sizes.sort()
    h = hashlib.sha256()
    for g, n in sizes:
        h.update(f"{g}\t{n}\n".encode())
    return GraphVersion(
        digest=h.hexdigest()[:16],
        graphs=len(sizes),
        quads=sum(n for _, n in sizes),
        date=(today or datetime.date.today()).isoformat(),
    )


@dataclass(frozen=True, slots=True)
class Names:
    """An entity's names by name system, preferred names first."""

    zh: tuple[str, ...] = ()
    pinyin: tuple[str, ...] = ()
    latin: tuple[str, ...] = ()
    english: tuple[str, ...] = ()
    other: tuple[str, ...] = ()

    def to_json(self) -> dict[str, list[str]]:
        """``{"zh": [...], "pinyin": [...], "latin": [...], "english": [...], "other": [...]}``."""
        return {k: list(v) for k, v in dataclasses.asdict(self).items()}


def _system(lang: str | None) -> str:
    tag = (lang or "").lower()
    if tag.startswith("zh-latn"):
        return "pinyin"
    if tag.startswith("zh"):
        return "zh"
    if tag == "la":
        return "latin"
    if tag.startswith("en"):
        return "english"
    return "other"


def entity_names(store: GraphStore, ids: Iterable[str]) -> dict[str, Names]:
    """Names of each entity (CURIEs) in every name system the graph holds."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    found: dict[str, dict[str, list[tuple[bool, str]]]] = defaultdict(lambda: defaultdict(list))
    iri_to_id = {n.value: c for c, n in zip(wanted, nodes(wanted), strict=True)}
    result = store.select(NAMES, {"entity": [NamedNode(i) for i in iri_to_id]})
    for row in result.dicts():
        name = row.get("name")
        if not isinstance(name, Literal):
            continue
        curie = iri_to_id.get(value_of(row.get("entity")))
        if curie is None:
            continue
        preferred = value_of(row.get("preferred")) == "true"
        found[curie][_system(name.language)].append((preferred, name.value))
    out: dict[str, Names] = {}
    for curie in wanted:
        systems = found.get(curie, {})
        out[curie] = Names(
            *(_ordered(systems.get(s, [])) for s in ("zh", "pinyin", "latin", "english", "other"))
        )
    return out


def _ordered(names: list[tuple[bool, str]]) -> tuple[str, ...]:
    """Preferred names first, then alphabetical; case variants of one name kept once."""
    seen: dict[str, str] = {}
    for _, text in sorted(names, key=lambda t: (not t[0], t[1].lower())):
        seen.setdefault(text.lower(), text)
    return tuple(seen.values())


def highlight(text: str, names: Iterable[str]) -> Markup:
    """``text`` HTML-escaped, with every occurrence of any of ``names`` wrapped in ``<mark>``."""
    wanted = sorted({n for n in names if len(n) >= 2}, key=len, reverse=True)
    if not wanted:
        return Markup(escape(text))
    pattern = re.compile("|".join(re.escape(n) for n in wanted), re.IGNORECASE)
    out: list[str] = []
    last = 0
    for m in pattern.finditer(text):
        out.append(escape(text[last : m.start()]))
        out.append(f"<mark>{escape(m.group(0))}</mark>")
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("".join(out))


@dataclass(frozen=True, slots=True)
class PictureNode:
    """A node of the mechanism picture."""

    id: str
    label: str
    kind: str
    layer: int  # column, left to right
    hub: float  # hub factor: 1 for a specific node, small for a hub (quercetin, TNF, AKT1)
    is_hub: bool


@dataclass(frozen=True, slots=True)
class PictureEdge:
    """An edge of the mechanism picture, weighted by the belief in its claim."""

    source: str
    target: str
    predicate: str
    belief: float


@dataclass(frozen=True, slots=True)
class MechanismPicture:
    """The union of a candidate's strongest mechanism paths, laid out in layers."""

    nodes: tuple[PictureNode, ...]
    edges: tuple[PictureEdge, ...]

    def to_json(self) -> dict[str, Any]:
        """``{"nodes": [...], "edges": [...]}``."""
        return {
            "nodes": [dataclasses.asdict(n) for n in self.nodes],
            "edges": [dataclasses.asdict(e) for e in self.edges],
        }


def mechanism_picture(ctx: RankContext, explanation: Explanation) -> MechanismPicture:
    """The nodes and edges of the explained candidate's strongest paths, with hubs marked."""
    graph = ctx.mechanism.graph
    ids: dict[str, None] = {}
    pairs: dict[tuple[str, str], None] = {}
    for path in explanation.paths:
        for n in path.nodes:
            ids[n] = None
        for u, v in zip(path.nodes, path.nodes[1:], strict=False):
            pairs[(u, v)] = None
    info = entity_info(ctx.store, list(ids)) if ids else {}
    candidate = explanation.row.candidate.id
    targets = set(ctx.indication.terms)
    picture_nodes: list[PictureNode] = []
    for n in ids:
        kind = info[n].kind if n in info else ""
        if n == candidate:
            layer = 0
        elif n in targets:
            layer = INDICATION_LAYER
        else:
            layer = LAYER_OF_KIND.get(kind, 2)
        hub = float(graph.nodes[n].get("hub", 1.0)) if n in graph else 1.0
        label = explanation.labels.get(n) or (info[n].label if n in info else n)
        picture_nodes.append(PictureNode(n, label, kind, layer, hub, hub < 1.0))
    edges = [
        PictureEdge(u, v, str(graph.edges[u, v]["predicate"]), float(graph.edges[u, v]["weight"]))
        for u, v in pairs
        if graph.has_edge(u, v)
    ]
    return MechanismPicture(tuple(picture_nodes), tuple(edges))


# -- citations ---------------------------------------------------------------------------------


def citation_url(source: str) -> str | None:
    """A reader's link for a source record: PubMed, ClinicalTrials.gov or DOI; None otherwise."""
    try:
        prefix, local = split_curie(source)
    except ValueError:
        return None
    if prefix == "PMID" and local.isdigit():
        return f"https://pubmed.ncbi.nlm.nih.gov/{local}/"
    if prefix == "NCT":
        return f"https://clinicaltrials.gov/study/{local}"
    if prefix == "DOI":
        return f"https://doi.org/{local}"
    return None


# -- charts (inline SVG) -----------------------------------------------------------------------

PLOT_LEFT = 260
PLOT_WIDTH = 380
ROW_HEIGHT = 22
FOR_COLOUR = "#1b7f3b"
AGAINST_COLOUR = "#b3261e"


def _design_rank(design: str) -> int:
    return DESIGN_ORDER.index(design) if design in DESIGN_ORDER else len(DESIGN_ORDER)


def profile_groups(
    evidence: Sequence[ScoredEvidence],
) -> list[tuple[str, list[ScoredEvidence]]]:
    """Evidence grouped by design, strongest design first; each group strongest item first."""
    groups: dict[str, list[ScoredEvidence]] = defaultdict(list)
    for e in evidence:
        groups[e.item.design.value].append(e)
    return [
        (d, sorted(groups[d], key=lambda e: (-int(e.polarity), -e.weight, e.item.source)))
        for d in sorted(groups, key=_design_rank)
    ]


def evidence_profile_svg(evidence: Sequence[ScoredEvidence]) -> str:
    """The evidence profile: one row per study, x = signed weight, marker area ∝ sample size."""
    groups = profile_groups(evidence)
    rows = sum(1 + len(items) for _, items in groups)
    height = 40 + rows * ROW_HEIGHT + 30
    width = PLOT_LEFT + PLOT_WIDTH + 20
    max_n = max((e.item.sample_size or 0 for e in evidence), default=0) or 1
    zero = PLOT_LEFT + PLOT_WIDTH / 2
    scale = PLOT_WIDTH / 2
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
            f"{escape(DESIGN_LABEL.get(design, design))} ({len(items)})</text>"
        )
        y += ROW_HEIGHT
        for e in items:
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
            if i.sample_size:
                # Area ∝ sample size: the radius grows with its square root.
                r = 3 + 9 * math.sqrt(i.sample_size / max_n)
                out.append(
                    f'<circle cx="{cx:.1f}" cy="{cy}" r="{r:.1f}" fill="{colour}" '
                    f'fill-opacity="0.75"><title>{escape(title)}</title></circle>'
                )
            else:
                out.append(
                    f'<circle cx="{cx:.1f}" cy="{cy}" r="4" fill="white" stroke="{colour}" '
                    f'stroke-width="2"><title>{escape(title)}</title></circle>'
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
    """The mechanism picture: layered columns, stroke width ∝ belief, hubs ringed and tagged."""
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
            f'<path d="{curve}" '
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
            f'<circle cx="{x:.0f}" cy="{y:.0f}" r="8" fill="{fill}" stroke="#333">'
            f"<title>{escape(title)}</title></circle>"
        )
        text = n.label if len(n.label) <= 24 else n.label[:23] + "…"
        out.append(
            f'<text x="{x:.0f}" y="{y - 14:.0f}" font-size="11" text-anchor="middle">'
            f"{escape(text)}{' (hub)' if n.is_hub else ''}</text>"
        )
    out.append("</svg>")
    return "".join(out)


# -- the dossier -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dossier:
    """Everything one dossier shows."""

    explanation: Explanation
    names: Names
    picture: MechanismPicture
    version: GraphVersion
    config: ScoringConfig
    indication_labels: dict[str, str]

    @property
    def mark_names(self) -> tuple[str, ...]:
        """Names highlighted in evidence sentences: the candidate's and the indication's."""
        n = self.names
        cand = self.explanation.row.candidate.label
        ind = (self.explanation.query, *self.indication_labels.values())
        return (cand, *n.zh, *n.pinyin, *n.latin, *n.english, *n.other, *ind)


def prepare_dossier(
    store: GraphStore,
    candidate: str,
    indication: str,
    config: ScoringConfig | None = None,
    on_step: Callable[[str], None] | None = None,
) -> Dossier:
    """Gather the explanation, names, mechanism picture and graph version of one candidate.

    ``on_step`` is told the name of each step as it starts (for a progress bar). Raises
    :class:`queries.explain.UnknownCandidateError` or
    :class:`queries.indications.UnknownIndicationError` for a name the graph does not hold.
    """
    step = on_step or (lambda _name: None)
    config = config or ScoringConfig()
    step("finding the candidate")
    cand = resolve_candidate(store, candidate)
    step("gathering evidence and mechanism")
    ctx = prepare(store, indication, config)
    step("explaining the ranking")
    explanation = explain_in_context(ctx, cand)
    step("reading names and graph version")
    names = entity_names(store, [cand.id])[cand.id]
    return Dossier(
        explanation=explanation,
        names=names,
        picture=mechanism_picture(ctx, explanation),
        version=graph_version(store),
        config=config,
        indication_labels={t: explanation.labels.get(t, t) for t in explanation.terms},
    )


DOSSIER_STEPS = 4  # calls of ``on_step`` made by :func:`prepare_dossier`


def config_rows(config: ScoringConfig) -> list[tuple[str, str]]:
    """Every scoring constant as (name, value) rows, tables flattened to ``name.key``."""
    rows: list[tuple[str, str]] = []
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if isinstance(value, Mapping):
            rows.extend((f"{f.name}.{k}", f"{v:g}") for k, v in sorted(value.items()))
        elif f.name == "reference_year" and value is None:
            rows.append((f.name, f"{config.now_year()} (the current year)"))
        else:
            rows.append((f.name, f"{value:g}" if isinstance(value, float) else str(value)))
    return rows


def _environment(template_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(template_dir)),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["citation_url"] = citation_url
    env.filters["design_label"] = lambda d: DESIGN_LABEL.get(str(d), str(d))
    return env


def render_dossier(dossier: Dossier, template_dir: Path = TEMPLATE_DIR) -> str:
    """The dossier as one self-contained HTML document (inline CSS and SVG, no script)."""
    ex = dossier.explanation
    row = ex.row
    template = _environment(template_dir).get_template(TEMPLATE_NAME)
    return template.render(
        ex=ex,
        row=row,
        names=dossier.names,
        version=dossier.version,
        groups=profile_groups(ex.evidence),
        profile_svg=Markup(evidence_profile_svg(ex.evidence)),
        mechanism_svg=Markup(mechanism_svg(dossier.picture)),
        picture=dossier.picture,
        config_rows=config_rows(dossier.config),
        config=dossier.config,
        indication_labels=dossier.indication_labels,
        label_of=lambda c: ex.labels.get(c, c),
        mark_names=dossier.mark_names,
        highlight=highlight,
    )


def build_dossier(
    store: GraphStore,
    candidate: str,
    indication: str,
    config: ScoringConfig | None = None,
) -> str:
    """The dossier of ``candidate`` for ``indication`` as one self-contained HTML document."""
    return render_dossier(prepare_dossier(store, candidate, indication, config))
