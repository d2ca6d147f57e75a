"""The mechanistic axis: support for candidate → compound → target/pathway → indication.

The mechanism layer of the graph — ``has_constituent`` (herb contains compound),
``decreases_activity_of`` / ``increases_activity_of`` / ``directly_physically_interacts_with``
(compound acts on target), ``participates_in`` (target in pathway), ``associated_with``
(target or pathway and disease) and ``has_part`` (formula has herb) — is projected once into a
networkx ``DiGraph`` with one edge per claim, weighted by the claim's belief
(:func:`queries.scoring.claim_belief`). The projection is cached per store and rebuilt when the
store's set of named graphs changes (a record or table added or withdrawn), so a request only
walks the neighbourhood of its indication: the nodes from which an indication term can be
reached.

Method (degree-weighted paths, written out in ``docs/scoring.md``):

* a path's weight is the product of its edge beliefs and of the *hub factor* of every node it
  passes through: ``h(v) = min(1, (d0 / deg(v)) ** a)`` where ``deg(v)`` is the number of
  distinct subjects pointing at ``v`` in the layer (herbs containing a compound, compounds
  acting on a target, targets in a pathway; composition edges not counted) — so quercetin (in
  hundreds of herbs) or TNF and AKT1 (hit by thousands of compounds) pass on a small fraction
  of what a specific compound or target does;
* a node's support is the noisy-OR over its out-edges of ``w(u, v) · h(v) · support(v)``
  (indication terms have support 1), computed for every node of the neighbourhood in reverse
  topological order — the layered form of a noisy-OR over paths;
* composition edges (``has_part``) are definitions, not findings: their weight is
  ``formula_herb_share``, the discounted share of its herbs' support a formula inherits.
"""

from __future__ import annotations

import hashlib
import heapq
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from kg.iri import contract
from kg.model import Predicate
from kg.store import GraphStore
from kg.terms import KIND_OF_CLASS
from queries.config import ScoringConfig
from queries.evidence import fetch_evidence, value_of
from queries.library import query_text
from queries.scoring import Evidence, claim_belief

ACTS_ON = (Predicate.INHIBITS, Predicate.ACTIVATES, Predicate.BINDS)
MECHANISM_PREDICATES = (
    Predicate.CONTAINS,
    *ACTS_ON,
    Predicate.PARTICIPATES_IN,
    Predicate.ASSOCIATED_WITH,
)


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


@dataclass(frozen=True)
class MechanismLayer:
    """The store-wide projection: one edge per mechanism claim, and every entity's kind/label."""

    graph: nx.DiGraph[str]  # edge attributes: weight, predicate; node attribute: hub
    entities: dict[str, tuple[str, str]]  # CURIE -> (kind value, label)
    order: tuple[str, ...]  # nodes in reverse topological order (indication side first)


def _entities(store: GraphStore) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for row in store.select(query_text("entity_labels")).dicts():
        kind = KIND_OF_CLASS.get(value_of(row.get("class")))
        if kind is not None:
            curie = contract(value_of(row["entity"]))
            out[curie] = (kind.value, value_of(row.get("label")) or curie)
    return out


def build_layer(store: GraphStore, config: ScoringConfig) -> MechanismLayer:
    """Project the whole mechanism layer of the store (see module docs)."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    by_claim: dict[tuple[str, str, str], list[Evidence]] = defaultdict(list)
    for item in fetch_evidence(store, MECHANISM_PREDICATES):
        by_claim[(item.subject, item.predicate.value, item.object)].append(item)
    for (s, p, o), items in by_claim.items():
        belief = claim_belief(items, config).belief
        if belief > 0.0 and s != o:
            graph.add_edge(s, o, weight=belief, predicate=p)
    for row in store.select(query_text("composition")).dicts():
        whole, part = contract(value_of(row["whole"])), contract(value_of(row["part"]))
        if whole != part:
            graph.add_edge(whole, part, weight=config.formula_herb_share, predicate="has_part")
    _break_cycles(graph)
    for node in graph:
        degree = sum(
            1 for u in graph.predecessors(node) if graph.edges[u, node]["predicate"] != "has_part"
        )
        graph.nodes[node]["hub"] = hub_factor(degree, config)
    order = tuple(reversed(list(nx.topological_sort(graph))))
    return MechanismLayer(graph, _entities(store), order)


_CACHE: dict[tuple[int, str], tuple[str, ScoringConfig, MechanismLayer]] = {}
_LOCK = threading.Lock()


def _state(store: GraphStore) -> str:
    digest = hashlib.sha256()
    for graph in store.named_graphs():
        digest.update(graph.encode("utf-8") + b"\n")
    return digest.hexdigest()


def mechanism_layer(store: GraphStore, config: ScoringConfig) -> MechanismLayer:
    """The cached projection of ``store``, rebuilt when its named graphs or the config change."""
    key = (id(store), store.location)
    state = _state(store)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached[0] == state and cached[1] == config:
            return cached[2]
    layer = build_layer(store, config)
    with _LOCK:
        _CACHE[key] = (state, config, layer)
    return layer


class MechanismGraph:
    """The neighbourhood of one indication in the layer, with node support computed once."""

    def __init__(self, layer: MechanismLayer, terms: Iterable[str]) -> None:
        full = layer.graph
        self.targets = frozenset(terms)
        reach: set[str] = set()
        for t in self.targets:
            if t in full:
                reach.add(t)
                reach |= nx.ancestors(full, t)
        self.graph: nx.DiGraph[str] = full.subgraph(reach)
        self.support: dict[str, float] = self._support(layer, reach)

    def _support(self, layer: MechanismLayer, reach: set[str]) -> dict[str, float]:
        # Walk the full graph's cached order rather than sorting the subgraph view: views are
        # slow to iterate, and nodes outside the neighbourhood have no support to pass on.
        full = layer.graph
        support: dict[str, float] = {t: 1.0 for t in self.targets}
        for u in layer.order:
            if u not in reach or u in self.targets:
                continue
            miss = 1.0
            for v, data in full.adj[u].items():
                s = support.get(v)
                if s:
                    miss *= 1.0 - data["weight"] * self._hub_in(full, v) * s
            support[u] = 1.0 - miss
        return support

    def _hub_in(self, graph: nx.DiGraph[str], node: str) -> float:
        return 1.0 if node in self.targets else float(graph.nodes[node]["hub"])

    def _hub(self, node: str) -> float:
        # The indication itself is where paths end, not a hub they pass through.
        return 1.0 if node in self.targets else float(self.graph.nodes[node]["hub"])

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
                key=lambda kv: -kv[1]["weight"] * self._hub(kv[0]),
            )
            for nxt, data in edges:
                if nxt in trail:
                    continue
                w = weight * data["weight"] * self._hub(nxt)
                visit(nxt, [*trail, nxt], [*preds, data["predicate"]], w)

        visit(candidate, [candidate], [], 1.0)
        return [p for _, _, p in sorted(best, key=lambda t: (-t[0], t[1]))]


def _break_cycles(graph: nx.DiGraph[str]) -> None:
    """Drop the weakest edge of each cycle (rare: a node acting at two levels of the chain)."""
    while True:
        try:
            cycle = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            return
        u, v = min(cycle, key=lambda e: graph.edges[e[0], e[1]]["weight"])[:2]
        graph.remove_edge(u, v)
