"""The mechanistic axis: support for candidate → compound → target/pathway → indication.

The mechanism layer of the graph — ``has_constituent`` (herb contains compound),
``decreases_activity_of`` / ``increases_activity_of`` / ``directly_physically_interacts_with``
(compound acts on target), ``participates_in`` (target in pathway), ``associated_with``
(target or pathway and disease) and ``has_part`` (formula has herb) — is projected once into
plain adjacency dictionaries with one edge per claim, weighted by the claim's belief
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


Edge = tuple[float, str]  # (weight, predicate name)


@dataclass(frozen=True)
class MechanismLayer:
    """The store-wide projection: one edge per mechanism claim, and every entity's kind/label.

    Plain dictionaries rather than a networkx graph: building, sorting and walking them costs a
    fraction of networkx's per-edge overhead, and a command-line ``rank`` pays it on every run.
    """

    adj: dict[str, dict[str, Edge]]  # u -> v -> (weight, predicate)
    parents: dict[str, set[str]]  # v -> every u with an edge u -> v
    hub: dict[str, float]  # hub factor of every node with an incoming edge
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


def _profile(item: Evidence) -> tuple[object, ...]:
    """Every field of an item that its claim's belief depends on (all but ids and sentence)."""
    return (
        item.source,
        item.design,
        item.direction,
        item.sample_size,
        item.year,
        item.confidence,
        item.negated,
        item.hedged,
        item.species,
        item.agent,
        item.trials,
    )


def _beliefs(store: GraphStore, config: ScoringConfig) -> dict[tuple[str, str, str], float]:
    """Belief of every mechanism claim, keyed (subject, predicate name, object)."""
    by_claim: dict[tuple[str, str, str], dict[str, Evidence]] = defaultdict(dict)
    for item in fetch_evidence(store, MECHANISM_PREDICATES):
        # Keyed by item IRI: an item read twice (once per trial id) counts once.
        by_claim[(item.subject, item.predicate.value, item.object)].setdefault(item.evidence, item)
    # Table imports give thousands of claims the same evidence profile: score each profile once.
    memo: dict[tuple[object, ...], float] = {}
    out: dict[tuple[str, str, str], float] = {}
    for claim, items in by_claim.items():
        values = list(items.values())
        key = (claim[1], *(_profile(i) for i in values))
        belief = memo.get(key)
        if belief is None:
            belief = memo[key] = claim_belief(values, config).belief
        out[claim] = belief
    return out


def build_layer(store: GraphStore, config: ScoringConfig) -> MechanismLayer:
    """Project the whole mechanism layer of the store (see module docs)."""
    adj: dict[str, dict[str, Edge]] = defaultdict(dict)
    for (s, p, o), belief in _beliefs(store, config).items():
        if belief > 0.0 and s != o:
            adj[s][o] = (belief, p)
    for row in store.select(query_text("composition")).dicts():
        whole, part = contract(value_of(row["whole"])), contract(value_of(row["part"]))
        if whole != part:
            adj[whole][part] = (config.formula_herb_share, "has_part")
    order = _break_cycles(adj)
    parents: dict[str, set[str]] = defaultdict(set)
    degree: dict[str, int] = defaultdict(int)
    for u, out in adj.items():
        for v, (_, predicate) in out.items():
            parents[v].add(u)
            if predicate != "has_part":
                degree[v] += 1
    hub = {v: hub_factor(degree.get(v, 0), config) for v in parents}
    return MechanismLayer(dict(adj), dict(parents), hub, _entities(store), order)


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
        self.layer = layer
        self.targets = frozenset(terms)
        # Everything from which an indication term can be reached: a walk up the parent links.
        reach: set[str] = set()
        stack = [t for t in self.targets if t in layer.parents or t in layer.adj]
        while stack:
            node = stack.pop()
            if node in reach:
                continue
            reach.add(node)
            stack.extend(p for p in layer.parents.get(node, ()) if p not in reach)
        self.reach = frozenset(reach)
        self.support: dict[str, float] = self._support()
        self._graph: nx.DiGraph[str] | None = None

    def _support(self) -> dict[str, float]:
        # Walk the layer's cached order: nodes outside the neighbourhood have no support.
        layer = self.layer
        reach = self.reach
        support: dict[str, float] = {t: 1.0 for t in self.targets}
        for u in layer.order:
            if u not in reach or u in self.targets:
                continue
            miss = 1.0
            for v, (weight, _) in layer.adj.get(u, {}).items():
                s = support.get(v)
                if s:
                    miss *= 1.0 - weight * self._hub(v) * s
            support[u] = 1.0 - miss
        return support

    def _hub(self, node: str) -> float:
        # The indication itself is where paths end, not a hub they pass through.
        return 1.0 if node in self.targets else self.layer.hub.get(node, 1.0)

    @property
    def graph(self) -> nx.DiGraph[str]:
        """The neighbourhood as a networkx graph (node attribute hub; edge weight, predicate)."""
        if self._graph is None:
            graph: nx.DiGraph[str] = nx.DiGraph()
            for u in self.reach:
                graph.add_node(u, hub=self.layer.hub.get(u, 1.0))
            for u in self.reach:
                for v, (weight, predicate) in self.layer.adj.get(u, {}).items():
                    if v in self.reach:
                        graph.add_edge(u, v, weight=weight, predicate=predicate)
            self._graph = graph
        return self._graph

    def support_of(self, node: str) -> float:
        """Mechanistic support of a node (0 when it is not in the neighbourhood)."""
        return self.support.get(node, 0.0)

    def paths(self, candidate: str, limit: int) -> list[MechanismPath]:
        """The ``limit`` strongest paths from ``candidate`` to the indication, strongest first."""
        if candidate not in self.reach:
            return []
        adj = self.layer.adj
        reach = self.reach
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
                ((v, e) for v, e in adj.get(node, {}).items() if v in reach),
                key=lambda kv: -kv[1][0] * self._hub(kv[0]),
            )
            for nxt, (edge_weight, predicate) in edges:
                if nxt in trail:
                    continue
                w = weight * edge_weight * self._hub(nxt)
                visit(nxt, [*trail, nxt], [*preds, predicate], w)

        visit(candidate, [candidate], [], 1.0)
        return [p for _, _, p in sorted(best, key=lambda t: (-t[0], t[1]))]


def _topological(adj: dict[str, dict[str, Edge]]) -> tuple[list[str], set[str]]:
    """Kahn's order of the acyclic part, and the nodes left over (on or behind a cycle)."""
    indegree: dict[str, int] = defaultdict(int)
    for u, out in adj.items():
        indegree.setdefault(u, 0)
        for v in out:
            indegree[v] += 1
    ready = [n for n, d in indegree.items() if d == 0]
    order: list[str] = []
    while ready:
        u = ready.pop()
        order.append(u)
        for v in adj.get(u, ()):
            indegree[v] -= 1
            if indegree[v] == 0:
                ready.append(v)
    return order, {n for n, d in indegree.items() if d > 0}


def _break_cycles(adj: dict[str, dict[str, Edge]]) -> tuple[str, ...]:
    """Drop the weakest edge of each cycle (rare: a node acting at two levels of the chain).

    Returns the nodes in reverse topological order, indication side first.
    """
    order, left = _topological(adj)
    while left:
        rest: nx.DiGraph[str] = nx.DiGraph()
        for u in left:
            for v, (weight, _) in adj.get(u, {}).items():
                if v in left:
                    rest.add_edge(u, v, weight=weight)
        cycle = nx.find_cycle(rest)
        u, v = min(cycle, key=lambda e: rest.edges[e[0], e[1]]["weight"])[:2]
        del adj[u][v]
        order, left = _topological(adj)
    return tuple(reversed(order))
