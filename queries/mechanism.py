"""The mechanistic axis: support for candidate → compound → target/pathway → indication.

Only the neighbourhood of the indication is projected (never the whole graph): starting from
the indication terms, each SPARQL step fetches one layer of claims with their evidence —
targets and pathways ``associated_with`` the indication, targets that ``participate_in`` those
pathways, compounds acting on those targets (``inhibits``/``activates``/``binds``), herbs,
formulas and preparations containing those compounds (``has_constituent``), and formulas and
preparations having those herbs as parts (``has_part``). The result is a networkx ``DiGraph``
with one edge per claim, weighted by the claim's belief (:func:`queries.scoring.claim_belief`).

Method (degree-weighted paths, written out in ``docs/scoring.md``):

* a path's weight is the product of its edge beliefs and of the *hub factor* of every node it
  passes through: ``h(v) = min(1, (d0 / deg(v)) ** a)`` where ``deg(v)`` is the number of
  distinct herbs containing a compound, compounds acting on a target, or targets in a pathway,
  counted over the whole graph; so quercetin (in hundreds of herbs) or TNF and AKT1 (hit by
  thousands of compounds) pass on a small fraction of what a specific compound or target does;
* a node's support is the noisy-OR over its out-edges of ``w(u, v) · h(v) · support(v)``
  (indication terms have support 1), computed once for every node in reverse topological
  order — the layered form of a noisy-OR over paths;
* composition edges (``has_part``) are definitions, not findings: their weight is
  ``formula_herb_share``, the discounted share of its herbs' support a formula inherits.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx
from pyoxigraph import NamedNode

from kg.iri import contract
from kg.model import Predicate
from kg.sparql import BindValue
from kg.store import GraphStore
from kg.terms import PREDICATE_IRI
from queries.config import ScoringConfig
from queries.evidence import CHUNK, fetch_evidence, nodes, value_of
from queries.library import query_text
from queries.scoring import Evidence, claim_belief

ACTS_ON = (Predicate.INHIBITS, Predicate.ACTIVATES, Predicate.BINDS)


@dataclass(frozen=True, slots=True)
class MechanismPath:
    """One path from a candidate to an indication term, with its weight."""

    nodes: tuple[str, ...]  # CURIEs, candidate first, indication term last
    predicates: tuple[str, ...]  # predicate names of the edges, in order
    weight: float  # Π edge belief × Π hub factor of the nodes passed through


def hub_factor(degree: int, config: ScoringConfig) -> float:
    """``min(1, (d0 / degree) ** a)``: 1 for specific nodes, small for hubs."""
    if degree <= config.hub_reference_degree:
        return 1.0
    return float((config.hub_reference_degree / degree) ** config.hub_exponent)


def _degrees(
    store: GraphStore, node_ids: Iterable[str], predicates: Sequence[Predicate]
) -> dict[str, int]:
    values = nodes(node_ids)
    out: dict[str, int] = {}
    preds: list[BindValue] = [NamedNode(PREDICATE_IRI[p]) for p in predicates]
    for i in range(0, len(values), CHUNK):
        result = store.select(
            query_text("in_degree"), {"node": values[i : i + CHUNK], "predicate": preds}
        )
        for row in result.dicts():
            out[contract(value_of(row["node"]))] = int(value_of(row["degree"]))
    return out


class MechanismGraph:
    """The projected neighbourhood of one indication, with node support computed once."""

    def __init__(self, graph: nx.DiGraph[str], targets: frozenset[str]) -> None:
        self.graph = graph
        self.targets = targets  # the indication terms
        self.support: dict[str, float] = self._support()

    def _support(self) -> dict[str, float]:
        support: dict[str, float] = {t: 1.0 for t in self.targets}
        for u in reversed(list(nx.topological_sort(self.graph))):
            if u in self.targets:
                continue
            miss = 1.0
            for v, data in self.graph.adj[u].items():
                miss *= 1.0 - data["weight"] * self.graph.nodes[v]["hub"] * support.get(v, 0.0)
            support[u] = 1.0 - miss
        return support

    def support_of(self, node: str) -> float:
        """Mechanistic support of a node (0 when it is not in the neighbourhood)."""
        return self.support.get(node, 0.0)

    def paths(self, candidate: str, limit: int) -> list[MechanismPath]:
        """The ``limit`` strongest paths from ``candidate`` to the indication, strongest first."""
        if candidate not in self.graph:
            return []
        best: list[tuple[float, int, MechanismPath]] = []  # min-heap of the best paths so far
        counter = 0

        def visit(node: str, trail: list[str], preds: list[str], weight: float) -> None:
            nonlocal counter
            if len(best) >= limit and weight <= best[0][0]:
                return  # weights only shrink along a path: this branch cannot enter the top
            if node in self.targets and len(trail) > 1:
                counter += 1
                path = MechanismPath(tuple(trail), tuple(preds), weight)
                if len(best) < limit:
                    heapq.heappush(best, (weight, counter, path))
                else:
                    heapq.heapreplace(best, (weight, counter, path))
                return
            edges = sorted(
                self.graph.adj[node].items(),
                key=lambda kv: -kv[1]["weight"] * self.graph.nodes[kv[0]]["hub"],
            )
            for nxt, data in edges:
                if nxt in trail:
                    continue
                w = weight * data["weight"] * self.graph.nodes[nxt]["hub"]
                visit(nxt, [*trail, nxt], [*preds, data["predicate"]], w)

        visit(candidate, [candidate], [], 1.0)
        return [p for _, _, p in sorted(best, key=lambda t: (-t[0], t[1]))]


def _edge_beliefs(
    items: Sequence[Evidence], config: ScoringConfig
) -> dict[tuple[str, str, str], float]:
    by_claim: dict[tuple[str, str, str], list[Evidence]] = defaultdict(list)
    for item in items:
        by_claim[(item.subject, item.predicate.value, item.object)].append(item)
    return {key: claim_belief(ev, config).belief for key, ev in by_claim.items()}


def build_mechanism_graph(
    store: GraphStore, terms: Sequence[str], config: ScoringConfig
) -> MechanismGraph:
    """Project the candidate → compound → target/pathway → indication neighbourhood of ``terms``."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    targets = frozenset(terms)
    for t in targets:
        graph.add_node(t, hub=1.0)

    def add(beliefs: dict[tuple[str, str, str], float]) -> set[str]:
        added: set[str] = set()
        for (s, p, o), belief in beliefs.items():
            if belief <= 0.0 or s == o or s in targets:
                continue
            graph.add_node(s, hub=graph.nodes[s]["hub"] if s in graph else 1.0)
            graph.add_edge(s, o, weight=belief, predicate=p)
            added.add(s)
        return added

    step1 = add(
        _edge_beliefs(
            fetch_evidence(store, [Predicate.ASSOCIATED_WITH], objects=list(targets)), config
        )
    )
    step2 = add(
        _edge_beliefs(
            fetch_evidence(store, [Predicate.PARTICIPATES_IN], objects=sorted(step1)), config
        )
    )
    acted_on = step1 | step2
    compounds = add(_edge_beliefs(fetch_evidence(store, ACTS_ON, objects=sorted(acted_on)), config))
    holders = add(
        _edge_beliefs(
            fetch_evidence(store, [Predicate.CONTAINS], objects=sorted(compounds)), config
        )
    )
    for whole, part in _composition(store, holders):
        if whole != part and whole not in targets:
            graph.add_node(whole, hub=graph.nodes[whole]["hub"] if whole in graph else 1.0)
            graph.add_edge(whole, part, weight=config.formula_herb_share, predicate="has_part")

    degree: dict[str, int] = {}
    degree.update(_degrees(store, acted_on, ACTS_ON))
    pathway_deg = _degrees(store, step1, [Predicate.PARTICIPATES_IN])
    for node, d in pathway_deg.items():
        degree[node] = max(degree.get(node, 0), d)
    for node, d in _degrees(store, compounds, [Predicate.CONTAINS]).items():
        degree[node] = max(degree.get(node, 0), d)
    for node, d in degree.items():
        if node in graph and node not in targets:
            graph.nodes[node]["hub"] = hub_factor(d, config)
    _break_cycles(graph)
    return MechanismGraph(graph, targets)


def _composition(store: GraphStore, parts: Iterable[str]) -> list[tuple[str, str]]:
    values = nodes(parts)
    pairs: list[tuple[str, str]] = []
    for i in range(0, len(values), CHUNK):
        result = store.select(query_text("composition"), {"part": values[i : i + CHUNK]})
        for row in result.dicts():
            pairs.append((contract(value_of(row["whole"])), contract(value_of(row["part"]))))
    return pairs


def _break_cycles(graph: nx.DiGraph[str]) -> None:
    """Drop the weakest edge of each cycle (rare: a node acting at two levels of the chain)."""
    while True:
        try:
            cycle = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            return
        u, v = min(cycle, key=lambda e: graph.edges[e[0], e[1]]["weight"])[:2]
        graph.remove_edge(u, v)


def path_support(paths: Sequence[MechanismPath]) -> float:
    """Noisy-OR of path weights (a display figure for explanations)."""
    return 1.0 - math.prod(1.0 - p.weight for p in paths)
