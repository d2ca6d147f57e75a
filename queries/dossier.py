"""What an evidence dossier shows, gathered from the graph (data only; no HTML, no SVG).

A dossier holds the ranking row of one candidate for one indication, the evidence behind it,
the mechanism picture (candidate → compounds → targets/pathways → indication, edges weighted
by belief, hub nodes marked), the candidate's names in every name system, the safety flags,
the scoring constants used, and the graph version (a digest of the store's named graphs and
their sizes) with the date. :func:`prepare_dossier` gathers it; :mod:`api.presentation` lays
it out, as the dossier file and on the web page.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pyoxigraph import Literal

from kg.model import EntityKind
from kg.store import GraphStore
from queries.config import ScoringConfig
from queries.evidence import nodes, value_of
from queries.explain import Explanation, explain_in_context, resolve_candidate
from queries.library import query_text
from queries.rank import RankContext, entity_info, prepare

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
    for row in store.select(query_text("graph_sizes")).dicts():
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
    entities = nodes(wanted)
    iri_to_id = {n.value: c for c, n in zip(wanted, entities, strict=True)}
    result = store.select(query_text("entity_names"), {"entity": entities})
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
        return mark_names(self.explanation, self.names)


def mark_names(explanation: Explanation, names: Names) -> tuple[str, ...]:
    """Names to highlight in evidence sentences: the candidate's, and the indication's terms'."""
    cand = explanation.row.candidate.label
    ind = (explanation.query, *(explanation.labels.get(t, t) for t in explanation.terms))
    n = names
    return (cand, *n.zh, *n.pinyin, *n.latin, *n.english, *n.other, *ind)


def prepare_dossier(
    store: GraphStore,
    candidate: str,
    indication: str,
    config: ScoringConfig | None = None,
    on_step: Callable[[str], None] | None = None,
    *,
    syndrome: str | None = None,
) -> Dossier:
    """Gather the explanation, names, mechanism picture and graph version of one candidate.

    ``on_step`` is told the name of each step as it starts (for a progress bar). Raises
    :class:`queries.explain.UnknownCandidateError` or
    :class:`queries.indications.UnknownIndicationError` for a name the graph does not hold.
    ``syndrome``: the row of a ranking within that syndrome (population weights, traditional
    axis); :class:`queries.traditional.UnknownSyndromeError` when no syndrome has the name.
    """
    step = on_step or (lambda _name: None)
    config = config or ScoringConfig()
    step("finding the candidate")
    cand = resolve_candidate(store, candidate)
    step("gathering evidence and mechanism")
    ctx = prepare(store, indication, config, syndrome=syndrome)
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
