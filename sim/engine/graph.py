"""Social graph generators and their sparse block-diagonal form.

Each replicate gets its own graph over all member slots (members and outside contacts),
seeded from the run's seed and the replicate index only, so two strategies with the same
seed face the same graph. The engine multiplies by one block-diagonal CSR matrix that
holds every replicate's graph, so reading every tie of every replicate is one sparse
matrix-vector product.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import networkx as nx
import numpy as np
import scipy.sparse as sp

from .params import GraphParams
from .validation import excerpt

GRAPH_KINDS: tuple[str, ...] = ("holme_kim", "small_world", "sbm", "edgelist", "complete")


class GraphInputError(ValueError):
    """A graph setting or edge-list file that cannot be used."""


def read_edgelist(path: str, slots: int) -> nx.Graph:
    """Read an undirected edge list from a CSV file with columns ``source,target``.

    Node labels (any text) are sorted and mapped to slots 0, 1, ...; slots beyond the
    file's nodes stay isolated.

    Args:
        path: the CSV file.
        slots: member slots available (members plus outside contacts).

    Returns:
        A graph on nodes ``0 .. slots-1``.

    Raises:
        GraphInputError: the file is missing, lacks the columns, or has too many nodes.
    """
    file = Path(path)
    where = f"graph.edgelist_path={excerpt(path, 240)}"
    if not path:
        raise GraphInputError(f"{where}: graph.kind=edgelist needs a CSV file path")
    if not file.is_file():
        raise GraphInputError(f"{where}: no such file")
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:  # a BOM is dropped
            reader = csv.DictReader(handle)
            fields = [f.strip() for f in (reader.fieldnames or [])]
            for name in ("source", "target"):
                if fields.count(name) > 1:
                    raise GraphInputError(f"{where}: the header names the column {name!r} twice")
            if "source" not in fields or "target" not in fields:
                raise GraphInputError(
                    f"{where}: header must name the columns 'source' and 'target', "
                    f"found {excerpt(fields) if fields else 'no header'}"
                )
            edges = []
            for line, raw in enumerate(reader, start=2):
                row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
                if not row["source"] or not row["target"]:
                    raise GraphInputError(f"{where}: line {line} has an empty source or target")
                edges.append((row["source"], row["target"]))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise GraphInputError(f"{where}: not a readable CSV file ({excerpt(str(exc))})") from exc
    if not edges:
        raise GraphInputError(f"{where}: the file has no edges")
    labels = sorted({n for e in edges for n in e})
    if len(labels) > slots:
        raise GraphInputError(
            f"{where}: {len(labels)} nodes but only {slots} member slots; raise "
            "population.members (or population.outside_ratio) to at least fit the file"
        )
    if all(a == b for a, b in edges):
        raise GraphInputError(f"{where}: every line is a self-loop (source = target); no ties")
    index = {label: i for i, label in enumerate(labels)}
    graph = nx.empty_graph(slots)
    graph.add_edges_from((index[a], index[b]) for a, b in edges if a != b)
    return graph


def holme_kim_edges(n: int, m: int, p: float, seed: int) -> np.ndarray:
    """Holme-Kim growth: ``networkx.powerlaw_cluster_graph(n, m, p, seed)``'s exact ties.

    The same algorithm and the same ``random.Random(seed)`` calls in the same order as
    networkx (so the same graph for the same seed), without building a networkx graph:
    about three times faster, which matters for campaigns of many groups.

    Returns:
        Array (edges, 2) of node pairs.
    """
    if m < 1 or m >= n:
        raise GraphInputError(f"Holme-Kim needs 1 <= m < nodes, got m = {m}, nodes = {n}")
    rng = random.Random(seed)
    neighbours: list[list[int]] = [[] for _ in range(n)]  # in the order ties were made
    repeated = list(range(m))  # each node once per tie end (preferential attachment)
    sources: list[int] = []
    targets_out: list[int] = []
    for source in range(m, n):
        candidates: set[int] = set()
        while len(candidates) < m:
            candidates.add(rng.choice(repeated))
        linked: set[int] = set()

        def tie(other: int, source: int = source, linked: set[int] = linked) -> None:
            if other not in linked:  # networkx's add_edge on an existing tie adds nothing
                linked.add(other)
                neighbours[source].append(other)
                neighbours[other].append(source)
                sources.append(source)
                targets_out.append(other)
            repeated.append(other)

        target = candidates.pop()
        tie(target)
        count = 1
        while count < m:
            if rng.random() < p:  # triad formation: a neighbour of the target
                nearby = [v for v in neighbours[target] if v not in linked and v != source]
                if nearby:
                    tie(rng.choice(nearby))
                    count += 1
                    continue
            target = candidates.pop()
            tie(target)
            count += 1
        repeated.extend([source] * m)
    return np.stack([np.asarray(sources, np.int64), np.asarray(targets_out, np.int64)], axis=1)


def generate(params: GraphParams, slots: int, seed: int) -> np.ndarray:
    """Build one replicate's graph on nodes ``0 .. slots-1`` as an edge array.

    Args:
        params: graph settings.
        slots: number of nodes.
        seed: integer seed for this replicate (never the global generator).

    Returns:
        Array (edges, 2) of node pairs, each undirected tie once.
    """
    k = max(1, round(params.mean_degree / 2))
    if params.kind == "complete" or (params.kind in ("holme_kim", "small_world") and slots <= k):
        rows, cols = np.triu_indices(slots, k=1)  # (also a block too small for m ties each)
        return np.stack([rows, cols], axis=1)
    if params.kind == "holme_kim":
        edges = holme_kim_edges(slots, k, params.triangle_prob, seed)
    elif params.kind == "small_world":
        graph = nx.connected_watts_strogatz_graph(
            slots, max(2, 2 * k), params.rewire_prob, seed=seed
        )
        edges = edges_of(graph)
    elif params.kind == "sbm":
        blocks = max(1, params.blocks)
        sizes = [slots // blocks + (1 if b < slots % blocks else 0) for b in range(blocks)]
        # Tie chances, capped at 1: a block too small for the mean degree is fully tied.
        inside = min(1.0, params.mean_degree * (1 - params.mixing) / max(1, max(sizes) - 1))
        across = min(1.0, params.mean_degree * params.mixing / max(1, slots - max(sizes)))
        probs = [[inside if a == b else across for b in range(blocks)] for a in range(blocks)]
        edges = edges_of(nx.stochastic_block_model(sizes, probs, seed=seed, sparse=True))
    elif params.kind == "edgelist":
        return edges_of(read_edgelist(params.edgelist_path, slots))
    else:
        raise GraphInputError(f"graph.kind={params.kind!r}: allowed {', '.join(GRAPH_KINDS)}")
    # Generators give low labels to early, well-connected nodes: shuffle labels so that the
    # members (the first slots) are a random sample of the graph.
    perm = np.random.default_rng(seed).permutation(slots)
    return perm[edges]


def generate_blocks(
    params: GraphParams, blocks: tuple[np.ndarray, ...], slots: int, seeds: list[int]
) -> np.ndarray:
    """A campaign's graph: one ``generate`` graph per group block, plus ties across blocks.

    With one block holding every slot this is ``generate`` itself. With several, each
    block (a group's members and their outside friends) gets its own graph of the chosen
    kind, and ``graph.cross_group_degree`` ties per slot on average join random slots of
    different blocks. An edge-list file is used as it is, over all slots.

    Args:
        params: graph settings.
        blocks: the slots of each block (``GroupLayout.blocks``).
        slots: all slots of the replicate.
        seeds: one integer seed per block, then one for the ties across blocks.

    Returns:
        Array (edges, 2) of slot pairs.
    """
    if len(blocks) == 1 or params.kind == "edgelist":
        return generate(params, slots, seeds[0])
    parts = [
        block[generate(params, block.size, seed)]
        for block, seed in zip(blocks, seeds[: len(blocks)], strict=True)
    ]
    n_cross = round(slots * params.cross_group_degree / 2)
    if n_cross:
        rng = np.random.default_rng(seeds[len(blocks)])
        block_of = np.empty(slots, dtype=np.int64)
        for b, block in enumerate(blocks):
            block_of[block] = b
        a = rng.integers(0, slots, n_cross)
        b = rng.integers(0, slots, n_cross)
        across = block_of[a] != block_of[b]
        parts.append(np.stack([a[across], b[across]], axis=1))
    return np.concatenate(parts, axis=0)


def edges_of(graph: nx.Graph) -> np.ndarray:
    """The graph's ties as an (edges, 2) integer array."""
    edges = np.asarray(list(graph.edges()), dtype=np.int64)
    return edges.reshape(-1, 2)


def to_networkx(edges: np.ndarray, slots: int) -> nx.Graph:
    """A networkx graph on nodes ``0 .. slots-1`` with the given ties."""
    graph = nx.empty_graph(slots)
    graph.add_edges_from(map(tuple, edges.tolist()))
    return graph


def block_diagonal(edge_lists: list[np.ndarray], slots: int) -> sp.csr_matrix:
    """Stack per-replicate edge arrays into one (R*slots, R*slots) CSR adjacency matrix."""
    rows, cols = [], []
    for r, given in enumerate(edge_lists):
        e = given[given[:, 0] != given[:, 1]]  # no self-ties
        if len(e):
            rows.append(e[:, 0] + r * slots)
            cols.append(e[:, 1] + r * slots)
    n = len(edge_lists) * slots
    if not rows:
        return sp.csr_matrix((n, n), dtype=np.float64)
    r_ = np.concatenate(rows)
    c_ = np.concatenate(cols)
    data = np.ones(2 * len(r_))
    adj = sp.coo_matrix((data, (np.r_[r_, c_], np.r_[c_, r_])), shape=(n, n)).tocsr()
    adj.sum_duplicates()
    adj.data[:] = 1.0
    return adj


def neighbour_list(adj: sp.csr_matrix, nodes: np.ndarray) -> np.ndarray:
    """The neighbours of ``nodes``, one entry per tie (a node twice if two of them know it).

    Reads only the rows of ``nodes``, so the cost is their ties, not the whole graph.
    """
    start, stop = adj.indptr[nodes], adj.indptr[nodes + 1]
    lengths = stop - start
    offsets = np.repeat(start - np.cumsum(lengths) + lengths, lengths)
    return adj.indices[np.arange(lengths.sum()) + offsets]


def neighbour_counts(adj: sp.csr_matrix, who: np.ndarray) -> np.ndarray:
    """For every node, how many of its neighbours are in the mask ``who`` (``adj @ who``).

    Reads only the rows of the nodes in ``who`` (the graph is undirected), so the cost is
    their ties, not the whole graph: cheap when few members changed.

    Args:
        adj: symmetric adjacency (nodes, nodes), ones for ties.
        who: boolean mask of shape (nodes,) or (replicates, slots) flattening to it.

    Returns:
        Counts (floats) shaped like ``who``.
    """
    nodes = np.flatnonzero(who)
    n = adj.shape[0]
    if nodes.size == 0:
        return np.zeros(who.shape)
    if nodes.size * 8 > n:  # many nodes: one product over the whole graph is cheaper
        return (adj @ who.ravel().astype(float)).reshape(who.shape)
    counts = np.bincount(neighbour_list(adj, nodes), minlength=n)
    return counts.astype(float).reshape(who.shape)


def eigen_centrality(adj: sp.csr_matrix, replicates: int, iterations: int = 50) -> np.ndarray:
    """Eigenvector-style centrality by damped power iteration, per replicate.

    Returns:
        Array (replicates, slots) scaled so each replicate's maximum is 1.
    """
    n = adj.shape[0]
    x = np.ones(n)
    for _ in range(iterations):
        x = 0.15 + 0.85 * (adj @ x)
        x = x.reshape(replicates, -1)
        x = x / np.maximum(x.max(axis=1, keepdims=True), 1e-12)
        x = x.ravel()
    return x.reshape(replicates, -1)
