"""The mechanistic axis: support for candidate → compound → target/pathway → indication.

The mechanism layer of the graph — ``has_constituent`` (herb contains compound),
``decreases_activity_of`` / ``increases_activity_of`` / ``directly_physically_interacts_with``
(compound acts on target), ``participates_in`` (target in pathway), ``associated_with``
(target or pathway and disease) and ``has_part`` (formula has herb) — is projected once into
plain adjacency dictionaries with one edge per claim, weighted by the claim's belief
(:func:`queries.scoring.claim_belief`). The projection is cached per store state
(:meth:`kg.store.GraphStore.state_token`) — in memory, and for an on-disk store also in its
folder for the next process (``STORE/tcmkg/cache/layer-<key>.npz``: numpy arrays, read
without unpickling anything and checked before use) — and after a write of record graphs it is
updated for those graphs rather than rebuilt, in the writing process and, through the store's
journal of writes saved beside it (:mod:`kg.stores.journal`), in any later one. A request then
only computes the support of its indication's neighbourhood: the nodes from which an indication
term can be reached, one array operation per level of the layer.

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

import atexit
import dataclasses
import gc
import hashlib
import heapq
import itertools
import json
import logging
import os
import threading
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from pyoxigraph import NamedNode

from kg.iri import contract
from kg.model import Predicate
from kg.scoring_inputs import SCORING_NAMES
from kg.sparql import BindValue
from kg.store import GraphStore, StoreError, in_process
from kg.terms import KIND_OF_CLASS, PREDICATE_IRI, PREDICATE_OF_IRI
from queries.config import ScoringConfig
from queries.evidence import fetch_evidence, nodes, value_of
from queries.library import query_text
from queries.scoring import HARM_PREDICATES, ClaimBelief, Evidence, claim_belief

if TYPE_CHECKING:
    import networkx as nx

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
Harm = tuple[Predicate, str, ClaimBelief]  # a harm claim of a subject: predicate, object, belief


@dataclass(frozen=True)
class EdgeArrays:
    """The layer's edges as arrays, grouped by the level of their source node.

    A node's level is 0 when it has no out-edge, else one more than its highest successor's;
    every edge of a level-L node points below L, so computing support level by level, one array
    operation per level, gives each node its value after all its successors — the same order as
    the reverse topological walk, at a fraction of the cost of a Python loop over the edges.
    """

    # Node of each index: reverse topological order after a build; an update appends new nodes,
    # and a node left without edges keeps its index (the levels, not this order, drive support).
    names: tuple[str, ...]
    index: dict[str, int]
    src: npt.NDArray[np.intp]
    dst: npt.NDArray[np.intp]
    weight: npt.NDArray[np.float64]  # edge belief (or the composition share)
    hub: npt.NDArray[np.float64]  # hub factor of each edge's target node
    levels: tuple[tuple[int, int, npt.NDArray[np.intp]], ...]  # (start, end, its source nodes)


def _edge_arrays(
    adj: dict[str, dict[str, Edge]], order: tuple[str, ...], hub: dict[str, float]
) -> EdgeArrays:
    names = tuple(order)
    index = {n: i for i, n in enumerate(names)}
    level = [0] * len(names)
    for u in order:  # successors come first in this order
        out = adj.get(u)
        if out:
            level[index[u]] = 1 + max(level[index[v]] for v in out)
    # Sorted by the nodes' names, not their indices: a node's out-edges are then summed in the
    # same order however the layer was made (built whole or updated after a write), so the
    # two give the same support to the last bit. Sorted as integer keys, in numpy.
    rank = {n: i for i, n in enumerate(sorted(names))}
    us: list[int] = []
    vs: list[int] = []
    ws: list[float] = []
    hs: list[float] = []
    for u, out in adj.items():
        for v, (w, _) in out.items():
            us.append(index[u])
            vs.append(index[v])
            ws.append(w)
            hs.append(hub.get(v, 1.0))
    src_all = np.array(us, dtype=np.intp)
    dst_all = np.array(vs, dtype=np.intp)
    levels_of = np.array(level, dtype=np.intp)
    rank_of = np.array([rank[n] for n in names], dtype=np.intp)
    sort = np.lexsort((rank_of[dst_all], rank_of[src_all], levels_of[src_all]))
    src, dst = src_all[sort], dst_all[sort]
    weight = np.array(ws, dtype=np.float64)[sort]
    hubs = np.array(hs, dtype=np.float64)[sort]
    return EdgeArrays(names, index, src, dst, weight, hubs, _level_bounds(src, levels_of[src]))


def _level_bounds(
    src: npt.NDArray[np.intp], row_level: npt.NDArray[np.intp]
) -> tuple[tuple[int, int, npt.NDArray[np.intp]], ...]:
    """(start, end, source nodes) of each run of rows of one level (rows sorted by level)."""
    cuts = [0, *(np.flatnonzero(np.diff(row_level)) + 1).tolist(), len(src)]
    return tuple(
        (start, end, np.unique(src[start:end]))
        for start, end in itertools.pairwise(cuts)
        if end > start
    )


@dataclass(frozen=True)
class MechanismLayer:
    """The store-wide projection: one edge per mechanism claim, and every entity's kind/label.

    Plain dictionaries rather than a networkx graph: building, sorting and walking them costs a
    fraction of networkx's per-edge overhead, and a command-line ``rank`` pays it on every run.
    """

    adj: dict[str, dict[str, Edge]]  # u -> v -> (weight, predicate)
    hub: dict[str, float]  # hub factor of every node with an incoming edge
    entities: dict[str, tuple[str, str]]  # CURIE -> (kind value, label)
    # The edges as arrays, grouped by level (see EdgeArrays).
    arrays: EdgeArrays = field(repr=False)
    # Harm claims (causes, contraindicated_in, interacts_with) of every subject, with beliefs:
    # safety flags are looked up here rather than queried per candidate.
    harms: dict[str, tuple[Harm, ...]] = field(repr=False)
    # What each named graph contributes (see GraphShare): a write of a graph recomputes only
    # what its old and new share touch (:func:`update_layer`).
    shares: dict[str, GraphShare] = field(default_factory=dict, repr=False)
    # Edges left out to break cycles, kept so that an update can weigh them again.
    dropped: tuple[tuple[str, str, Edge], ...] = field(default=(), repr=False)


ClaimKey = tuple[str, str, str]  # (subject, predicate name, object)


@dataclass(frozen=True)
class GraphShare:
    """What one named graph puts into the projection: its mechanism and harm claims, the
    entities it types or labels, and the composition (whole, part) triples it holds."""

    claims: frozenset[ClaimKey] = frozenset()
    entities: frozenset[str] = frozenset()
    parts: frozenset[tuple[str, str]] = frozenset()


def _entities(store: GraphStore, ids: Sequence[str] | None = None) -> dict[str, tuple[str, str]]:
    """Kind and label of every entity (or of the entities ``ids``) with a project class."""
    out: dict[str, tuple[str, str]] = {}
    query = query_text("entity_labels")
    bindings: list[dict[str, BindValue] | None] = (
        [None] if ids is None else [{"entity": value} for value in nodes(ids)]
    )
    for bound in bindings:
        for row in store.select(query, bound).dicts():
            kind = KIND_OF_CLASS.get(value_of(row.get("class")))
            if kind is not None:
                curie = contract(value_of(row["entity"]))
                out[curie] = (kind.value, value_of(row.get("label")) or curie)
    return out


_INPUTS = attrgetter(*SCORING_NAMES)


def _profile(item: Evidence) -> tuple[object, ...]:
    """Every field of an item that its claim's belief depends on: its scoring inputs."""
    return tuple(_INPUTS(item))


def _beliefs(
    store: GraphStore, config: ScoringConfig, subjects: Sequence[str] | None = None
) -> dict[ClaimKey, float]:
    """Belief of every mechanism claim (of ``subjects``), keyed (subject, predicate, object).

    In the order of :data:`MECHANISM_PREDICATES`: where two claims link the same two nodes,
    the edge is the later one's, in a whole build and in an update alike.
    """
    by_claim: dict[ClaimKey, dict[str, Evidence]] = defaultdict(dict)
    rank = {p: i for i, p in enumerate(MECHANISM_PREDICATES)}
    if subjects is None:
        found = fetch_evidence(store, MECHANISM_PREDICATES)
    else:
        # A few subjects: all their claims at once, then in the predicates' order.
        found = [i for i in fetch_evidence(store, None, subjects=subjects) if i.predicate in rank]
        found.sort(key=lambda i: rank[i.predicate])
    for item in found:
        # Keyed by item IRI: an item read twice (once per trial id) counts once.
        claim_key = (item.subject, item.predicate.value, item.object)
        by_claim[claim_key].setdefault(item.evidence, item)
    # Table imports give thousands of claims the same evidence profile: score each profile once.
    memo: dict[tuple[object, ...], float] = {}
    out: dict[ClaimKey, float] = {}
    for claim, items in by_claim.items():
        values = list(items.values())
        key = (claim[1], *(_profile(i) for i in values))
        belief = memo.get(key)
        if belief is None:
            belief = memo[key] = claim_belief(values, config).belief
        out[claim] = belief
    return out


def _compositions(store: GraphStore, wholes: Sequence[str] | None = None) -> set[tuple[str, str]]:
    """(whole, part) composition edges of the store (of formulas or preparations ``wholes``)."""
    out: set[tuple[str, str]] = set()
    query = query_text("composition")
    bindings: list[dict[str, BindValue] | None] = (
        [None] if wholes is None else [{"whole": value} for value in nodes(wholes)]
    )
    for bound in bindings:
        for row in store.select(query, bound).dicts():
            out.add((contract(value_of(row["whole"])), contract(value_of(row["part"]))))
    return out


def _harms(
    store: GraphStore, config: ScoringConfig, subjects: Sequence[str] | None = None
) -> dict[str, tuple[Harm, ...]]:
    """Every harm claim of the store (of ``subjects``) with its belief, by subject."""
    claims: dict[tuple[str, Predicate, str], list[Evidence]] = defaultdict(list)
    if subjects is None:
        found = fetch_evidence(store, sorted(HARM_PREDICATES))
    else:  # a few subjects: all their claims at once (see _beliefs)
        found = [
            i
            for i in fetch_evidence(store, None, subjects=subjects)
            if i.predicate in HARM_PREDICATES
        ]
    for item in found:
        claims[(item.subject, item.predicate, item.object)].append(item)
    out: dict[str, list[Harm]] = defaultdict(list)
    for (subject, predicate, obj), items in claims.items():
        out[subject].append((predicate, obj, claim_belief(items, config)))
    return {
        s: tuple(sorted(h, key=lambda t: (-t[2].belief, t[0].value, t[1]))) for s, h in out.items()
    }


_SHARE_PREDICATES = (*MECHANISM_PREDICATES, *sorted(HARM_PREDICATES))


def _shares(store: GraphStore, graphs: Sequence[str] | None = None) -> dict[str, GraphShare]:
    """What each named graph (or each of ``graphs``) contributes to the projection."""
    claims: dict[str, set[ClaimKey]] = defaultdict(set)
    entities: dict[str, set[str]] = defaultdict(set)
    parts: dict[str, set[tuple[str, str]]] = defaultdict(set)
    predicates: list[BindValue] = [NamedNode(PREDICATE_IRI[p]) for p in _SHARE_PREDICATES]
    names: list[dict[str, BindValue] | None] = (
        [None] if graphs is None else [{"g": NamedNode(g)} for g in graphs]
    )
    for bound in names:
        rows = store.select(query_text("graph_claims"), {**(bound or {}), "predicate": predicates})
        for row in rows.dicts():
            predicate = PREDICATE_OF_IRI.get(value_of(row.get("predicate")))
            if predicate is not None:
                claims[value_of(row["g"])].add(
                    (
                        contract(value_of(row["subject"])),
                        predicate.value,
                        contract(value_of(row["object"])),
                    )
                )
        for row in store.select(query_text("graph_entities"), bound).dicts():
            g, entity = value_of(row["g"]), contract(value_of(row["entity"]))
            part = value_of(row.get("part"))
            if part:
                parts[g].add((entity, contract(part)))
            else:
                entities[g].add(entity)
    return {
        g: GraphShare(frozenset(claims[g]), frozenset(entities[g]), frozenset(parts[g]))
        for g in sorted({*claims, *entities, *parts})
    }


def _assemble(
    adj: dict[str, dict[str, Edge]],
    config: ScoringConfig,
    entities: dict[str, tuple[str, str]],
    harms: dict[str, tuple[Harm, ...]],
    shares: dict[str, GraphShare],
) -> MechanismLayer:
    """The layer from its full adjacency (cycles not yet broken) and its other parts."""
    adj = {u: out for u, out in adj.items() if out}
    removed: list[tuple[str, str, Edge]] = []
    order = _break_cycles(adj, removed)
    dropped = tuple(sorted(removed))
    degree: dict[str, int] = defaultdict(int)
    for out in adj.values():
        for v, (_, predicate) in out.items():
            degree.setdefault(v, 0)  # a hub factor for every node with an incoming edge
            if predicate != "has_part":
                degree[v] += 1
    hub = {v: hub_factor(d, config) for v, d in degree.items()}
    arrays = _edge_arrays(adj, order, hub)
    return MechanismLayer(adj, hub, entities, arrays, harms, shares, dropped)


def _add_edges(
    adj: dict[str, dict[str, Edge]],
    beliefs: dict[ClaimKey, float],
    compositions: Iterable[tuple[str, str]],
    config: ScoringConfig,
) -> None:
    for (s, p, o), belief in beliefs.items():
        if belief > 0.0 and s != o:
            adj.setdefault(s, {})[o] = (belief, p)
    # Composition edges are definitions: they take the place of any claim between the two.
    for whole, part in sorted(compositions):
        if whole != part:
            adj.setdefault(whole, {})[part] = (config.formula_herb_share, "has_part")


def build_layer(store: GraphStore, config: ScoringConfig) -> MechanismLayer:
    """Project the whole mechanism layer of the store (see module docs)."""
    adj: dict[str, dict[str, Edge]] = {}
    _add_edges(adj, _beliefs(store, config), _compositions(store), config)
    return _assemble(adj, config, _entities(store), _harms(store, config), _shares(store))


def update_layer(
    store: GraphStore, layer: MechanismLayer, graphs: Iterable[str], config: ScoringConfig
) -> MechanismLayer:
    """``layer`` after ``graphs`` were written (replaced or dropped): the same as a rebuild.

    The old share of each graph (what the layer recorded) and its new one (read now) name the
    claims, compositions and entities the write may have changed; their subjects' edges, harm
    claims and the entities are read again from the whole store — a claim's belief pools its
    evidence from every graph that reports it — and the rest of the layer is kept. The edge
    arrays, hub factors and levels are patched where those subjects' edges changed
    (:func:`_patch`); only a write that closes or touches a cycle assembles the layer again.
    """
    written = sorted(set(graphs))
    fresh = _shares(store, written)
    shares = dict(layer.shares)
    claims: set[ClaimKey] = set()
    entity_ids: set[str] = set()
    parts: set[tuple[str, str]] = set()
    for g in written:
        for share in (layer.shares.get(g), fresh.get(g)):
            if share is not None:
                claims |= share.claims
                entity_ids |= share.entities
                parts |= share.parts
        if g in fresh:
            shares[g] = fresh[g]
        else:
            shares.pop(g, None)
    mechanism = {p.value for p in MECHANISM_PREDICATES}
    # Every out-edge of a touched subject is read again: simpler than tracking node pairs,
    # and a record touches few subjects.
    touched_subjects = {s for s, p, _ in claims if p in mechanism} | {w for w, _ in parts}
    subjects = sorted(touched_subjects)
    # A subject's compositions are read again only where it has or had one: every composition
    # triple is either in the layer already (as a has_part edge) or in a graph just written.
    wholes = sorted(
        {w for w, _ in parts}
        | {s for s in subjects if any(p == "has_part" for _, p in layer.adj.get(s, {}).values())}
        | {u for u, _, (_, p) in layer.dropped if p == "has_part" and u in touched_subjects}
    )
    outs: dict[str, dict[str, Edge]] = {}
    if subjects:
        compositions = _compositions(store, wholes) if wholes else set()
        _add_edges(outs, _beliefs(store, config, subjects), compositions, config)
    harmed = {s for s, p, _ in claims if p not in mechanism}
    harms = {s: h for s, h in layer.harms.items() if s not in harmed}
    if harmed:
        harms.update(_harms(store, config, sorted(harmed)))
    entities = {e: v for e, v in layer.entities.items() if e not in entity_ids}
    if entity_ids:
        entities.update(_entities(store, sorted(entity_ids)))
    if not subjects:
        return MechanismLayer(
            layer.adj, layer.hub, entities, layer.arrays, harms, shares, layer.dropped
        )
    patched = _patch(layer, subjects, outs, config)
    if patched is None:
        # A cycle is involved (which edges a build leaves out depends on the whole cycle), or
        # enough nodes lost their edges that the arrays are better rebuilt.
        adj = {u: dict(out) for u, out in layer.adj.items()}
        for u, v, edge in layer.dropped:
            adj.setdefault(u, {})[v] = edge
        for s in subjects:
            adj.pop(s, None)
        adj.update(outs)
        return _assemble(adj, config, entities, harms, shares)
    adj, hub, arrays = patched
    return MechanismLayer(adj, hub, entities, arrays, harms, shares, layer.dropped)


def _node_levels(arrays: EdgeArrays, size: int) -> npt.NDArray[np.intp]:
    """Each node's level (0: no out-edge), from the arrays' level blocks, lowest first."""
    level = np.zeros(size, dtype=np.intp)
    for i, (_, _, sources) in enumerate(arrays.levels):
        level[sources] = i + 1
    return level


def _cyclic_part(layer: MechanismLayer) -> set[str]:
    """The nodes on or behind a cycle (everything reachable from a dropped edge's target).

    Every cycle of the full graph passes through an edge the build dropped, and every node
    of a cycle reaches that edge's target: this is the part whose cycles a rebuild breaks.
    """
    extra: dict[str, list[str]] = defaultdict(list)
    for u, v, _ in layer.dropped:
        extra[u].append(v)
    seen: set[str] = set()
    todo = [v for _, v, _ in layer.dropped]
    while todo:
        u = todo.pop()
        if u not in seen:
            seen.add(u)
            todo.extend(layer.adj.get(u, ()))
            todo.extend(extra.get(u, ()))
    return seen


def _closes_cycle(
    adj: Mapping[str, Mapping[str, Edge]], touched: set[str], may_reach: Callable[[str], bool]
) -> bool:
    """Whether the out-edges of ``touched`` close a cycle in ``adj`` (acyclic without them).

    A new cycle passes through a touched node; ``may_reach(v)`` is false for nodes that cannot
    lead back to one, which prunes the search to a few nodes.
    """
    active, done = 1, 2
    color: dict[str, int] = {}
    for root in sorted(touched):
        if root in color:
            continue
        color[root] = active
        stack = [(root, iter(adj.get(root, {})))]
        while stack:
            u, successors = stack[-1]
            for v in successors:
                if v not in touched and not may_reach(v):
                    continue
                state = color.get(v)
                if state == active:
                    return True
                if state is None:
                    color[v] = active
                    stack.append((v, iter(adj.get(v, {}))))
                    break
            else:
                color[u] = done
                stack.pop()
    return False


def _patch(
    layer: MechanismLayer,
    subjects: Sequence[str],
    outs: Mapping[str, dict[str, Edge]],
    config: ScoringConfig,
) -> tuple[dict[str, dict[str, Edge]], dict[str, float], EdgeArrays] | None:
    """The adjacency, hub factors and edge arrays after ``subjects`` got the out-edges ``outs``.

    The Python work is in proportion to the subjects' edges and the nodes they point at (the
    rest is a few numpy passes over the rows, a few ms on 37k edges): the subjects' rows of
    the arrays are replaced, the hub factor of each node that gained or
    lost an edge is counted again (its rows take the new factor), and levels are recomputed
    from the subjects up through the nodes whose level changed. The rows of a node stay
    sorted by target name, as a build sorts them, so support sums the same terms in the same
    order as a rebuild does. New nodes are appended to the names; a node left without edges
    keeps its index (support 0). None when the write touches or closes a cycle, or when so
    many nodes lost their edges that a rebuild is due.
    """
    touched = set(subjects)
    if layer.dropped and not touched.isdisjoint(_cyclic_part(layer)):
        return None
    arrays = layer.arrays
    adj = dict(layer.adj)  # the inner dictionaries are never changed: shared with the old layer
    for s in subjects:
        out = outs.get(s)
        if out:
            adj[s] = out
        else:
            adj.pop(s, None)
    names = list(arrays.names)
    index = dict(arrays.index)
    known = len(names)
    level = _node_levels(arrays, known)
    floor = min((int(level[arrays.index[s]]) for s in subjects if s in arrays.index), default=0)

    def may_reach(v: str) -> bool:
        # An untouched node keeps its edges, all to lower levels: below the lowest touched
        # node's level it cannot lead back to one. A new node has no edges of its own.
        i = arrays.index.get(v)
        return i is not None and int(level[i]) >= floor

    if _closes_cycle(adj, touched, may_reach):
        return None
    rows_src: list[int] = []
    rows_dst: list[int] = []
    rows_weight: list[float] = []
    for s in subjects:
        out = outs.get(s)
        if not out:
            continue
        for node in (s, *out):
            if node not in index:
                index[node] = len(names)
                names.append(node)
        for v in sorted(out):  # a build's order: by target name
            rows_src.append(index[s])
            rows_dst.append(index[v])
            rows_weight.append(out[v][0])
    gone = np.array([arrays.index[s] for s in subjects if s in arrays.index], dtype=np.intp)
    keep = ~np.isin(arrays.src, gone)
    src = np.concatenate([arrays.src[keep], np.array(rows_src, dtype=np.intp)])
    dst = np.concatenate([arrays.dst[keep], np.array(rows_dst, dtype=np.intp)])
    weight = np.concatenate([arrays.weight[keep], np.array(rows_weight, dtype=np.float64)])
    hubs = np.concatenate([arrays.hub[keep], np.ones(len(rows_src), dtype=np.float64)])
    # Nodes that lost their edges keep an index; past a point the arrays are rebuilt instead.
    used = np.bincount(src, minlength=len(names)) + np.bincount(dst, minlength=len(names))
    if int(np.count_nonzero(used == 0)) > 1000 + len(names) // 4:
        return None

    hub = dict(layer.hub)
    affected: set[str] = set()
    for s in subjects:
        affected.update(layer.adj.get(s, ()))
        affected.update(outs.get(s, ()))
    for v in sorted(affected):
        rows = dst == index[v]
        sources = src[rows].tolist()
        if not sources:
            hub.pop(v, None)
            continue
        degree = sum(1 for u in sources if adj[names[u]][v][1] != "has_part")
        hub[v] = hub_factor(degree, config)
        hubs[rows] = hub[v]

    # Levels: a node's is one more than its highest successor's; only the subjects and, where
    # a level changed, the nodes pointing at it need it again. Lowest levels first.
    level = np.concatenate([level, np.zeros(len(names) - known, dtype=np.intp)])
    heap = [(int(level[index[s]]), index[s]) for s in subjects if s in index]
    heapq.heapify(heap)
    queued = {i for _, i in heap}
    while heap:
        _, i = heapq.heappop(heap)
        queued.discard(i)
        out = adj.get(names[i])
        new = 1 + max(int(level[index[v]]) for v in out) if out else 0
        if new != level[i]:
            level[i] = new
            for p in np.unique(src[dst == i]).tolist():
                if p not in queued:
                    queued.add(p)
                    heapq.heappush(heap, (int(level[p]), p))

    # Rows grouped by their source's level; a stable sort keeps each node's rows in order.
    row_level = level[src]
    order = np.argsort(row_level, kind="stable")
    src, dst, weight, hubs, row_level = (
        src[order],
        dst[order],
        weight[order],
        hubs[order],
        row_level[order],
    )
    arrays = EdgeArrays(tuple(names), index, src, dst, weight, hubs, _level_bounds(src, row_level))
    return adj, hub, arrays


_CACHE: dict[tuple[int, str], tuple[str, ScoringConfig, MechanismLayer]] = {}
_LOCK = threading.Lock()
_DISK_FORMAT = 3  # in the key of a saved layer's file name, and in its header
_LAYER_SUFFIX = ".npz"
log = logging.getLogger(__name__)


def mechanism_layer(
    store: GraphStore, config: ScoringConfig, state: str | None = None
) -> MechanismLayer:
    """The cached projection of ``store``, renewed when the store or the config change.

    After writes of named graphs that the store's journal names
    (:meth:`~kg.store.GraphStore.written_since`), the projection held in memory is updated for
    those graphs (:func:`update_layer`); any other change rebuilds it.

    ``state``: the store's :meth:`~kg.store.GraphStore.state_token`, when the caller has it.
    Kept in memory for the process, and — for a store with a
    :meth:`~kg.store.GraphStore.cache_folder` — on disk, so that the next command-line run
    reads it in a fraction of the time a projection takes to build: one ``.npz`` archive of
    numeric arrays and a string table (:func:`_layer_arrays`), read without unpickling and
    checked (version, state, configuration, every array's type and shape, every index in
    range) before use; a file that fails is logged with the reason and rebuilt
    (:func:`_read_layer`). An on-disk store also
    saves its journal of writes (:mod:`kg.stores.journal`): a process that finds no projection
    saved for the current state, but one saved for an earlier state from which the journal
    leads to this one without a gap (:meth:`~kg.store.GraphStore.earlier_states`), reads that
    one and updates it for the graphs written since — another process's writes included —
    instead of rebuilding. Any gap (a write the journal cannot name, a journal lost or
    damaged) rebuilds.
    """
    key = (id(store), store.location)
    if state is None:
        state = store.state_token()
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached[0] == state and cached[1] == config:
            return cached[2]
    folder = store.cache_folder()
    file = _layer_file(folder, state, config) if folder is not None else None
    layer = _read_layer(file, state, config) if file is not None else None
    if layer is None:
        held = cached if cached is not None and cached[1] == config else None
        written = store.written_since(held[0]) if held is not None else None
        base = (held[2], written) if held is not None and written is not None else None
        if base is None and folder is not None:
            # Nothing held for an earlier state in this process: maybe on disk, saved by an
            # earlier process (or this one) before the last writes.
            base = _saved_earlier(store, folder, config)
        if base is not None:
            # Only the graphs written since the held or saved projection need projecting again.
            with in_process():  # kept for the store state: no request's deadline applies
                layer = update_layer(store, base[0], base[1], config)
            if file is not None:
                # Saving takes longer than the update: the ranking waiting for it need not.
                _save_later(store, file, layer, state, config)
        else:
            with in_process():  # kept for the store state: no request's deadline applies
                layer = build_layer(store, config)
            # Saved only if nothing was written while it was built (a write renews the token).
            if file is not None and store.state_token() == state:
                _write_layer(file, layer, state, config)
    with _LOCK:
        _CACHE[key] = (state, config, layer)
    return layer


def _saved_earlier(
    store: GraphStore, folder: Path, config: ScoringConfig
) -> tuple[MechanismLayer, frozenset[str]] | None:
    """The nearest projection saved for an earlier state of the store, with the graphs written
    since that state; None when none is saved or the journal has a gap from it to now.

    The states are those the journal leads from to the current one
    (:meth:`~kg.store.GraphStore.earlier_states`), so a saved file is looked up by name, and
    only the one found is read.
    """
    saved = {f.name for f in folder.glob(f"layer-*{_LAYER_SUFFIX}")}
    if not saved:
        return None
    for earlier in store.earlier_states():
        file = _layer_file(folder, earlier, config)
        if file.name not in saved:
            continue
        written = store.written_since(earlier)
        layer = _read_layer(file, earlier, config) if written is not None else None
        if layer is None or written is None:
            return None
        log.info(
            "bringing the mechanism layer saved for an earlier state of %s forward over %d "
            "written graphs",
            store.location,
            len(written),
        )
        return layer, written
    return None


_SAVING = threading.Lock()  # one save at a time, so that an older one never outlives a newer
_SAVES: list[threading.Thread] = []
# Seconds an updated projection waits before it is saved. Encoding it holds the interpreter for
# a few hundred milliseconds on a large store: the ranking that asked for the update, and the
# ones right after it, should not wait behind that. A burst of writes saves once, at its end.
SAVE_DELAY = 1.0
_HURRY = threading.Event()  # set while wait_for_saves wants the pending saves done now


def _save_later(
    store: GraphStore, file: Path, layer: MechanismLayer, state: str, config: ScoringConfig
) -> None:
    """Save an updated projection in a background thread, :data:`SAVE_DELAY` seconds later.

    A save whose state the store has left by then is skipped: it would never be read. The
    thread is a daemon, and :func:`wait_for_saves` runs at exit: a command that ends right
    after its ranking still finishes the save, without waiting out the delay.
    """

    def save() -> None:
        _HURRY.wait(SAVE_DELAY)
        with _SAVING:
            try:
                current = store.state_token()
            except StoreError as err:  # closed or unreachable: the next process rebuilds
                log.info("not saving the mechanism layer: %s", err)
                return
            if current == state:
                _write_layer(file, layer, state, config)

    thread = threading.Thread(target=save, name="tcmkg-projection-save", daemon=True)
    with _LOCK:
        _SAVES[:] = [t for t in _SAVES if t.is_alive()]
        _SAVES.append(thread)
    thread.start()


def wait_for_saves() -> None:
    """Save every projection waiting to be saved now, and return once each is on disk (or
    skipped)."""
    with _LOCK:
        pending = list(_SAVES)
    _HURRY.set()
    try:
        for thread in pending:
            thread.join()
    finally:
        _HURRY.clear()


atexit.register(wait_for_saves)


def _config_text(config: ScoringConfig) -> str:
    data: dict[str, object] = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        data[f.name] = dict(value) if isinstance(value, Mapping) else value
    data["now_year"] = config.now_year()  # recency depends on the year the layer was built
    return json.dumps(data, sort_keys=True, default=str)


def _disk_key(state: str, config: ScoringConfig) -> str:
    text = f"{_DISK_FORMAT}\n{state}\n{_config_text(config)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _layer_file(folder: Path, state: str, config: ScoringConfig) -> Path:
    """Where the projection for ``state`` and ``config`` is saved in a store's cache folder."""
    return folder / f"layer-{_disk_key(state, config)}{_LAYER_SUFFIX}"


class _Strings:
    """The string table of a saved layer: each distinct string once, arrays hold its index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def ids(self, values: Iterable[str]) -> npt.NDArray[np.int32]:
        index = self.index
        return np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int32)


def _layer_arrays(
    layer: MechanismLayer, state: str, config: ScoringConfig
) -> dict[str, npt.NDArray[Any]]:
    """The projection as named numeric arrays (strings as indices into the header's table).

    Dictionaries are flattened in their own order, so a loaded layer iterates in the saved
    one's (and an update after a write breaks cycles as it would have); each group's length
    (a node's out-edges, a subject's harm claims, a graph's share) is saved beside its items.
    Strings are saved once each, in a JSON table in the header: the JSON encoder and decoder
    handle any text, and reading a list of strings costs a fraction of reading the nested
    dictionaries they come from.
    """
    s = _Strings()
    arrays = layer.arrays
    out: dict[str, npt.NDArray[Any]] = {}
    out["adj_u"] = s.ids(layer.adj)
    out["adj_n"] = np.array([len(o) for o in layer.adj.values()], dtype=np.int64)
    out["adj_v"] = s.ids(v for o in layer.adj.values() for v in o)
    out["adj_w"] = np.array([w for o in layer.adj.values() for w, _ in o.values()], np.float64)
    out["adj_p"] = s.ids(p for o in layer.adj.values() for _, p in o.values())
    out["hub_k"] = s.ids(layer.hub)
    out["hub_v"] = np.array(list(layer.hub.values()), dtype=np.float64)
    out["ent_id"] = s.ids(layer.entities)
    out["ent_kind"] = s.ids(k for k, _ in layer.entities.values())
    out["ent_label"] = s.ids(label for _, label in layer.entities.values())
    out["names"] = s.ids(arrays.names)
    out["src"] = np.asarray(arrays.src, dtype=np.int32)
    out["dst"] = np.asarray(arrays.dst, dtype=np.int32)
    out["weight"] = np.asarray(arrays.weight, dtype=np.float64)
    out["edge_hub"] = np.asarray(arrays.hub, dtype=np.float64)
    out["levels"] = np.array([[a, b] for a, b, _ in arrays.levels], np.int64).reshape(-1, 2)
    harms = [h for items in layer.harms.values() for h in items]
    out["harm_s"] = s.ids(layer.harms)
    out["harm_n"] = np.array([len(h) for h in layer.harms.values()], dtype=np.int64)
    out["harm_p"] = s.ids(p.value for p, _, _ in harms)
    out["harm_o"] = s.ids(o for _, o, _ in harms)
    # Every field of ClaimBelief: one added there must be saved here (and _DISK_FORMAT raised).
    out["harm_f"] = np.array(
        [[b.belief, b.b_for, b.b_against, b.consistency or 0.0] for _, _, b in harms], np.float64
    ).reshape(-1, 4)
    out["harm_c"] = np.array([b.consistency is not None for _, _, b in harms], dtype=np.bool_)
    out["harm_i"] = np.array(
        [[b.units_for, b.units_against, b.participants] for _, _, b in harms], np.int64
    ).reshape(-1, 3)
    out["harm_dn"] = np.array([len(b.by_design) for _, _, b in harms], dtype=np.int64)
    out["harm_dk"] = s.ids(k for _, _, b in harms for k in b.by_design)
    out["harm_dv"] = np.array([v for _, _, b in harms for v in b.by_design.values()], np.int64)
    shares = layer.shares
    claims = [c for share in shares.values() for c in sorted(share.claims)]
    parts = [p for share in shares.values() for p in sorted(share.parts)]
    out["share_g"] = s.ids(shares)
    out["share_n"] = np.array(
        [[len(x.claims), len(x.entities), len(x.parts)] for x in shares.values()], np.int64
    ).reshape(-1, 3)
    out["share_claims"] = s.ids(x for c in claims for x in c).reshape(-1, 3)
    out["share_ents"] = s.ids(e for share in shares.values() for e in sorted(share.entities))
    out["share_parts"] = s.ids(x for p in parts for x in p).reshape(-1, 2)
    out["drop_uvp"] = s.ids(x for u, v, (_, p) in layer.dropped for x in (u, v, p)).reshape(-1, 3)
    out["drop_w"] = np.array([w for _, _, (w, _) in layer.dropped], dtype=np.float64)
    header = {
        "format": _DISK_FORMAT,
        "state": state,
        "config": _config_text(config),
        "strings": list(s.index),
    }
    text = json.dumps(header, ensure_ascii=False).encode("utf-8")
    return {"header": np.frombuffer(text, dtype=np.uint8), **out}


def _write_layer(file: Path, layer: MechanismLayer, state: str, config: ScoringConfig) -> None:
    """Save a projection for later processes; any failure only costs the next one a rebuild.

    Written to a temporary file and renamed into place: a reader sees the old file or the new
    one, never part of one.
    """
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        arrays = _layer_arrays(layer, state, config)
        with tmp.open("wb") as out:
            np.savez(out, allow_pickle=False, **arrays)
        os.replace(tmp, file)
        # An earlier state's projection is read only where none is saved for a later one
        # (brought forward through the journal, see _saved_earlier): not any more. Files of
        # the JSON format of earlier versions are never read: removed here too.
        for pattern in (f"layer-*{_LAYER_SUFFIX}", "layer-*.json"):
            for old in file.parent.glob(pattern):
                if old != file:
                    old.unlink(missing_ok=True)
    except OSError as err:
        log.info("could not cache the mechanism layer in %s: %s", file.parent, err)


class _BadLayerError(ValueError):
    """A saved layer file that is not one this version wrote for the state asked for."""


# Every array of a saved layer: its dtype, and its number of columns (None: one dimension).
_LAYOUT: dict[str, tuple[type[np.generic], int | None]] = {
    "header": (np.uint8, None),
    "adj_u": (np.int32, None),
    "adj_n": (np.int64, None),
    "adj_v": (np.int32, None),
    "adj_w": (np.float64, None),
    "adj_p": (np.int32, None),
    "hub_k": (np.int32, None),
    "hub_v": (np.float64, None),
    "ent_id": (np.int32, None),
    "ent_kind": (np.int32, None),
    "ent_label": (np.int32, None),
    "names": (np.int32, None),
    "src": (np.int32, None),
    "dst": (np.int32, None),
    "weight": (np.float64, None),
    "edge_hub": (np.float64, None),
    "levels": (np.int64, 2),
    "harm_s": (np.int32, None),
    "harm_n": (np.int64, None),
    "harm_p": (np.int32, None),
    "harm_o": (np.int32, None),
    "harm_f": (np.float64, 4),
    "harm_c": (np.bool_, None),
    "harm_i": (np.int64, 3),
    "harm_dn": (np.int64, None),
    "harm_dk": (np.int32, None),
    "harm_dv": (np.int64, None),
    "share_g": (np.int32, None),
    "share_n": (np.int64, 3),
    "share_claims": (np.int32, 3),
    "share_ents": (np.int32, None),
    "share_parts": (np.int32, 2),
    "drop_uvp": (np.int32, 3),
    "drop_w": (np.float64, None),
}


def _load_arrays(file: Path) -> dict[str, npt.NDArray[Any]]:
    """Every array of a saved layer file, each of the dtype and dimensions of :data:`_LAYOUT`."""
    # allow_pickle=False: a file placed in the cache folder can hold data, never code.
    loaded = np.load(file, allow_pickle=False)
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise _BadLayerError("not an archive of arrays")
    with loaded:
        missing = sorted(set(_LAYOUT) - set(loaded.files))
        if missing:
            raise _BadLayerError(f"no array {missing[0]!r}")
        data = {name: loaded[name] for name in _LAYOUT}
    for name, (dtype, width) in _LAYOUT.items():
        a = data[name]
        if a.dtype != np.dtype(dtype):
            raise _BadLayerError(f"array {name!r} is {a.dtype}, not {np.dtype(dtype)}")
        if a.ndim != (1 if width is None else 2) or (width is not None and a.shape[1] != width):
            raise _BadLayerError(f"array {name!r} has shape {a.shape}")
    return data


def _check(condition: bool, reason: str) -> None:
    if not condition:
        raise _BadLayerError(reason)


def _in_range(a: npt.NDArray[Any], size: int) -> bool:
    return a.size == 0 or (int(a.min()) >= 0 and int(a.max()) < size)


def _groups(counts: npt.NDArray[np.int64], total: int, name: str) -> list[int]:
    """Start of each group (and the end of the last) from the groups' lengths, checked."""
    _check(_in_range(counts, total + 1) and int(counts.sum()) == total, f"{name}: bad lengths")
    return [0, *np.cumsum(counts).tolist()]


def _decode_layer(
    data: dict[str, npt.NDArray[Any]], state: str, config: ScoringConfig
) -> MechanismLayer:
    """The layer the arrays of a saved file hold, every length, index and value checked first."""
    header = json.loads(data["header"].tobytes().decode("utf-8"))
    _check(isinstance(header, dict), "no header")
    _check(header.get("format") == _DISK_FORMAT, f"format {header.get('format')!r}")
    _check(header.get("state") == state, "saved for another state of the store")
    _check(header.get("config") == _config_text(config), "saved for another configuration")
    table = header.get("strings")
    _check(isinstance(table, list) and all(type(t) is str for t in table), "bad string table")
    # Indexed as an array of objects: one C-level gather per column instead of a Python loop.
    strings = np.array(table, dtype=object)
    for name, (dtype, _) in _LAYOUT.items():
        if dtype is np.int32 and name not in ("src", "dst"):
            _check(_in_range(data[name], len(strings)), f"array {name!r}: index out of range")
    for name in ("adj_w", "hub_v", "weight", "edge_hub", "harm_f", "drop_w"):
        _check(bool(np.isfinite(data[name]).all()), f"array {name!r}: not a finite number")

    def text(name: str) -> list[str]:
        return list(strings[data[name]].tolist())

    n_adj = len(data["adj_v"])
    _check(len(data["adj_n"]) == len(data["adj_u"]), "adj_n: bad length")
    _check(len(data["adj_w"]) == n_adj and len(data["adj_p"]) == n_adj, "adj: bad lengths")
    cuts = _groups(data["adj_n"], n_adj, "adj_n")
    vs, ps, ws = text("adj_v"), text("adj_p"), data["adj_w"].tolist()
    edges = list(zip(ws, ps, strict=True))
    adj: dict[str, dict[str, Edge]] = {
        u: dict(zip(vs[a:b], edges[a:b], strict=True))
        for u, a, b in zip(text("adj_u"), cuts[:-1], cuts[1:], strict=True)
    }
    _check(len(adj) == len(data["adj_u"]), "adj: a node twice")
    _check(len(data["hub_v"]) == len(data["hub_k"]), "hub: bad lengths")
    hub = dict(zip(text("hub_k"), data["hub_v"].tolist(), strict=True))
    n_ent = len(data["ent_id"])
    _check(len(data["ent_kind"]) == n_ent == len(data["ent_label"]), "entities: bad lengths")
    entities = dict(
        zip(text("ent_id"), zip(text("ent_kind"), text("ent_label"), strict=True), strict=True)
    )
    names = tuple(text("names"))
    index = {n: i for i, n in enumerate(names)}
    _check(len(index) == len(names), "names: a node twice")
    src, dst = data["src"], data["dst"]
    n_edges = len(src)
    _check(
        len(dst) == n_edges == len(data["weight"]) == len(data["edge_hub"]), "edges: bad lengths"
    )
    _check(_in_range(src, len(names)) and _in_range(dst, len(names)), "edges: node out of range")
    bounds = data["levels"]
    starts, ends = bounds[:, 0], bounds[:, 1]
    _check(
        (n_edges == 0 and len(bounds) == 0)
        or (
            len(bounds) > 0
            and starts[0] == 0
            and ends[-1] == n_edges
            and bool((starts < ends).all())
            and bool((starts[1:] == ends[:-1]).all())
        ),
        "levels do not cover the edges",
    )
    src_p, dst_p = src.astype(np.intp), dst.astype(np.intp)
    # Each level's source nodes, sorted and distinct as np.unique gives them (whose first call
    # imports numpy.ma: a cost a new process need not pay here).
    levels = tuple(
        (a, b, np.flatnonzero(np.bincount(src_p[a:b], minlength=len(names))))
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    )
    arrays = EdgeArrays(names, index, src_p, dst_p, data["weight"], data["edge_hub"], levels)
    n_harm = len(data["harm_p"])
    _check(len(data["harm_n"]) == len(data["harm_s"]), "harm_n: bad length")
    _check(
        all(len(data[k]) == n_harm for k in ("harm_o", "harm_f", "harm_c", "harm_i", "harm_dn")),
        "harms: bad lengths",
    )
    _check(len(data["harm_dv"]) == len(data["harm_dk"]), "harm_dv: bad length")
    _check(
        bool((data["harm_i"] >= 0).all()) and bool((data["harm_dv"] >= 0).all()),
        "harms: a count below 0",
    )
    design = _groups(data["harm_dn"], len(data["harm_dk"]), "harm_dn")
    keys, counts = text("harm_dk"), data["harm_dv"].tolist()
    floats, has, ints = data["harm_f"].tolist(), data["harm_c"].tolist(), data["harm_i"].tolist()
    beliefs = [
        ClaimBelief(
            floats[i][0],
            floats[i][1],
            floats[i][2],
            floats[i][3] if has[i] else None,
            ints[i][0],
            ints[i][1],
            dict(
                zip(keys[design[i] : design[i + 1]], counts[design[i] : design[i + 1]], strict=True)
            ),
            ints[i][2],
        )
        for i in range(n_harm)
    ]
    items = list(zip([Predicate(p) for p in text("harm_p")], text("harm_o"), beliefs, strict=True))
    cuts = _groups(data["harm_n"], n_harm, "harm_n")
    harms = {
        s: tuple(items[a:b]) for s, a, b in zip(text("harm_s"), cuts[:-1], cuts[1:], strict=True)
    }
    n_g = len(data["share_g"])
    _check(len(data["share_n"]) == n_g, "share_n: bad length")
    claim_cut = _groups(data["share_n"][:, 0], len(data["share_claims"]), "share claims")
    ent_cut = _groups(data["share_n"][:, 1], len(data["share_ents"]), "share entities")
    part_cut = _groups(data["share_n"][:, 2], len(data["share_parts"]), "share parts")
    claims = list(
        zip(*(strings[data["share_claims"][:, i]].tolist() for i in range(3)), strict=True)
    )
    ents = text("share_ents")
    parts = list(zip(*(strings[data["share_parts"][:, i]].tolist() for i in range(2)), strict=True))
    shares = {
        g: GraphShare(
            frozenset(claims[claim_cut[i] : claim_cut[i + 1]]),
            frozenset(ents[ent_cut[i] : ent_cut[i + 1]]),
            frozenset(parts[part_cut[i] : part_cut[i + 1]]),
        )
        for i, g in enumerate(text("share_g"))
    }
    _check(len(data["drop_w"]) == len(data["drop_uvp"]), "dropped: bad lengths")
    dropped = tuple(
        (u, v, (w, p))
        for (u, v, p), w in zip(
            strings[data["drop_uvp"]].tolist(), data["drop_w"].tolist(), strict=True
        )
    )
    return MechanismLayer(adj, hub, entities, arrays, harms, shares, dropped)


def _read_layer(file: Path, state: str, config: ScoringConfig) -> MechanismLayer | None:
    """A projection saved by an earlier process for this state and configuration, if any.

    A file that is not one (damaged, cut short, of another version or program, for another
    state) is logged as a warning naming it and why, and ignored: the projection is rebuilt.
    """
    try:
        data = _load_arrays(file)
        # The decoding makes ~100k tuples, dictionaries and sets, none in a cycle: the
        # collector's passes over the whole heap they would set off cost more than it does.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return _decode_layer(data, state, config)
        finally:
            if collecting:
                gc.enable()
    except FileNotFoundError:
        return None
    except EOFError as err:
        log.warning("ignoring the saved mechanism layer %s: empty or cut short (%s)", file, err)
        return None
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as err:
        log.warning("ignoring the saved mechanism layer %s: %s", file, err)
        return None


class MechanismGraph:
    """The neighbourhood of one indication in the layer, with node support computed once."""

    def __init__(self, layer: MechanismLayer, terms: Iterable[str]) -> None:
        self.layer = layer
        self.targets = frozenset(terms)
        self.support: dict[str, float] = self._support()
        # Everything from which an indication term can be reached: every edge weight and hub
        # factor is positive, so that is every node with support, and the terms themselves.
        self.reach = frozenset(self.support)
        self._graph: nx.DiGraph[str] | None = None

    def _support(self) -> dict[str, float]:
        """Support of every node that reaches an indication term (terms themselves: 1)."""
        arrays = self.layer.arrays
        support = np.zeros(len(arrays.names))
        found = [arrays.index[t] for t in self.targets if t in arrays.index]
        terms = np.array(found, dtype=np.intp)
        support[terms] = 1.0
        # The indication itself is where paths end, not a hub they pass through.
        is_term = np.zeros(len(arrays.names), dtype=bool)
        is_term[terms] = True
        factor = arrays.weight * np.where(is_term[arrays.dst], 1.0, arrays.hub)
        for start, end, sources in arrays.levels:
            reached = factor[start:end] * support[arrays.dst[start:end]]
            # Noisy-OR as a sum of logs, one pass per level: 1 − Π(1 − x) = 1 − e^{Σ ln(1 − x)}.
            with np.errstate(divide="ignore"):
                logs = np.log1p(-reached)
            total = np.bincount(arrays.src[start:end], weights=logs, minlength=len(support))
            support[sources] = -np.expm1(total[sources])
            support[terms] = 1.0
        out = {t: 1.0 for t in self.targets}
        nonzero = np.flatnonzero(support)
        out.update(zip([arrays.names[i] for i in nonzero], support[nonzero].tolist(), strict=True))
        return out

    def _hub(self, node: str) -> float:
        # The indication itself is where paths end, not a hub they pass through.
        return 1.0 if node in self.targets else self.layer.hub.get(node, 1.0)

    @property
    def graph(self) -> nx.DiGraph[str]:
        """The neighbourhood as a networkx graph (node attribute hub; edge weight, predicate)."""
        if self._graph is None:
            import networkx  # only explanations that draw the graph need it; rankings do not

            graph: nx.DiGraph[str] = networkx.DiGraph()
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


def _break_cycles(
    adj: dict[str, dict[str, Edge]], removed: list[tuple[str, str, Edge]] | None = None
) -> tuple[str, ...]:
    """Drop the weakest edge of each cycle (rare: a node acting at two levels of the chain).

    Returns the nodes in reverse topological order, indication side first; the edges dropped
    are added to ``removed``.
    """
    order, left = _topological(adj)
    while left:
        import networkx  # imported here: a cycle is rare, and the import costs every command

        rest: nx.DiGraph[str] = networkx.DiGraph()
        for u in left:
            for v, (weight, _) in adj.get(u, {}).items():
                if v in left:
                    rest.add_edge(u, v, weight=weight)
        cycle = networkx.find_cycle(rest)
        u, v = min(cycle, key=lambda e: rest.edges[e[0], e[1]]["weight"])[:2]
        if removed is not None:
            removed.append((u, v, adj[u][v]))
        del adj[u][v]
        order, left = _topological(adj)
    return tuple(reversed(order))
