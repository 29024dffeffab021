"""Graph generators give roughly the asked mean degree and the structure they promise."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim.engine.graph import block_diagonal, generate, holme_kim_edges, to_networkx
from sim.engine.params import GraphParams


@pytest.mark.parametrize("kind", ["holme_kim", "small_world", "sbm"])
def test_mean_degree_near_target(kind):
    edges = generate(GraphParams(kind=kind, mean_degree=8), 600, seed=1)
    degree = 2 * len(edges) / 600
    assert 6 <= degree <= 9


def test_holme_kim_is_clustered_and_heavy_tailed():
    g = to_networkx(generate(GraphParams(kind="holme_kim", triangle_prob=0.8), 1000, 2), 1000)
    er = nx.gnm_random_graph(1000, g.number_of_edges(), seed=2)
    assert nx.average_clustering(g) > 3 * nx.average_clustering(er)
    degrees = np.array([d for _, d in g.degree()])
    assert degrees.max() > 4 * degrees.mean()


def test_sbm_keeps_most_ties_inside_blocks():
    params = GraphParams(kind="sbm", blocks=4, mixing=0.1, mean_degree=10)
    slots = 400
    edges = generate(params, slots, 3)
    # labels are shuffled, so recover blocks from the generator's own partition
    g = to_networkx(edges, slots)
    communities = nx.community.louvain_communities(g, seed=1)
    assert 3 <= len(communities) <= 8


def test_same_seed_same_graph_and_block_diagonal_keeps_replicates_apart():
    a = generate(GraphParams(), 300, 7)
    b = generate(GraphParams(), 300, 7)
    np.testing.assert_array_equal(a, b)
    adj = block_diagonal([a, generate(GraphParams(), 300, 8)], 300)
    assert adj.shape == (600, 600)
    assert adj[:300, 300:].nnz == 0 and adj[300:, :300].nnz == 0
    assert (adj != adj.T).nnz == 0


@pytest.mark.parametrize(
    ("n", "m", "p", "seed"), [(650, 4, 0.5, 7), (300, 2, 0.0, 1), (200, 3, 1.0, 5)]
)
def test_holme_kim_edges_are_networkx_powerlaw_cluster_graph(n, m, p, seed):
    """Our faster Holme-Kim builds exactly networkx's graph for the same seed."""
    expected = {frozenset(e) for e in nx.powerlaw_cluster_graph(n, m, p, seed=seed).edges()}
    got = holme_kim_edges(n, m, p, seed)
    assert {frozenset(map(int, e)) for e in got} == expected
    assert len(got) == len(expected)


@pytest.mark.parametrize("kind", ["holme_kim", "small_world", "sbm", "complete"])
def test_tiny_blocks_still_get_a_graph(kind):
    """Groups of two members: every generator copes with blocks smaller than its degree."""
    from sim.engine import Engine, ModelParams
    from sim.engine.params import PopulationParams

    params = ModelParams(
        days=2, population=PopulationParams(members=20, groups=10), graph=GraphParams(kind=kind)
    )
    engine = Engine(params, seed=1, replicates=2)
    assert engine.adjacency.nnz > 0
    engine.run()
