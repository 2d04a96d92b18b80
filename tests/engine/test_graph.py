"""The dependency graph: order, layers, reachability, critical path and cycles."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings, strategies as st

from workbench.engine.graph import DependencyGraph


def test_order_respects_edges_and_breaks_ties_by_file_order() -> None:
    graph = DependencyGraph(
        ["report", "load", "clean", "fetch"],
        [("load", "clean"), ("clean", "report"), ("fetch", "report")],
    )

    assert graph.order == ["load", "clean", "fetch", "report"]
    assert graph.layers == [["load", "fetch"], ["clean"], ["report"]]
    assert graph.layer_of("report") == 2


def test_a_file_already_in_a_valid_order_runs_in_that_order() -> None:
    nodes = ["a", "b", "c", "d", "e"]
    graph = DependencyGraph(nodes, [("a", "c"), ("b", "d"), ("a", "e")])

    assert graph.order == nodes


def test_independent_stages_keep_file_order() -> None:
    nodes = ["zeta", "alpha", "mid"]
    graph = DependencyGraph(nodes, [])

    assert graph.order == nodes
    assert graph.layers == [nodes]


def test_duplicate_edges_count_once() -> None:
    graph = DependencyGraph(["a", "b"], [("a", "b"), ("a", "b")])

    assert graph.edges == (("a", "b"),)
    assert graph.parents("b") == ["a"]


def test_a_duplicate_id_is_refused() -> None:
    with pytest.raises(ValueError, match="'a' appears twice"):
        DependencyGraph(["a", "b", "a"], [])


def test_upstream_and_downstream_are_transitive() -> None:
    graph = DependencyGraph(
        ["a", "b", "c", "d", "e"], [("a", "b"), ("b", "c"), ("d", "c"), ("c", "e")]
    )

    assert graph.upstream("e") == {"a", "b", "c", "d"}
    assert graph.upstream("a") == set()
    assert graph.downstream("a") == {"b", "c", "e"}
    assert graph.downstream("e") == set()
    assert graph.is_ordered("a", "e")
    assert not graph.is_ordered("a", "d")
    assert graph.children("c") == ["e"]
    assert graph.parents("c") == ["b", "d"]


def test_critical_path_is_the_longest_chain_by_seconds() -> None:
    graph = DependencyGraph(
        ["load", "slow", "fast", "join"],
        [("load", "slow"), ("load", "fast"), ("slow", "join"), ("fast", "join")],
    )

    path = graph.critical_path({"load": 1.0, "slow": 10.0, "fast": 2.0, "join": 0.5})

    assert path.stages == ("load", "slow", "join")
    assert path.seconds == pytest.approx(11.5)


def test_critical_path_counts_unknown_estimates_as_zero() -> None:
    graph = DependencyGraph(["a", "b", "c"], [("a", "b")])

    path = graph.critical_path({"a": None, "b": None, "c": 3.0})

    assert path.stages == ("c",)
    assert path.seconds == 3.0
    assert DependencyGraph([], []).critical_path({}).stages == ()


def test_a_cycle_is_reported_as_its_path_in_order() -> None:
    graph = DependencyGraph(
        ["start", "a", "b", "c", "after"],
        [("start", "a"), ("c", "a"), ("a", "b"), ("b", "c"), ("c", "after")],
    )

    assert graph.has_cycle
    assert graph.cycle == ("a", "b", "c", "a")
    # the stages before the cycle still get an order; the ones on or behind it do not
    assert graph.order == ["start"]
    assert graph.layer_of("after") is None
    assert graph.to_json()["cycle"] == ["a", "b", "c", "a"]


def test_a_self_loop_is_a_cycle() -> None:
    graph = DependencyGraph(["a"], [("a", "a")])

    assert graph.cycle == ("a", "a")


# -- properties ------------------------------------------------------------------------


@st.composite
def dags(draw: st.DrawFn, max_nodes: int = 40) -> tuple[list[str], list[tuple[str, str]]]:
    """A DAG whose nodes are shuffled, so the file order is not a topological order."""
    n = draw(st.integers(min_value=1, max_value=max_nodes))
    rank = draw(st.permutations(range(n)))  # the hidden topological order
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1]),
            max_size=n * 3,
        )
    )
    names = [f"s{i}" for i in range(n)]
    edges = []
    for a, b in pairs:
        lo, hi = (a, b) if rank[a] < rank[b] else (b, a)
        edges.append((names[lo], names[hi]))
    return names, edges


@settings(max_examples=150, deadline=None)
@given(dags())
def test_random_dags_get_an_order_respecting_every_edge(
    dag: tuple[list[str], list[tuple[str, str]]],
) -> None:
    nodes, edges = dag
    graph = DependencyGraph(nodes, edges)

    assert graph.cycle is None
    assert sorted(graph.order) == sorted(nodes)
    position = {node: i for i, node in enumerate(graph.order)}
    for before, after in edges:
        assert position[before] < position[after]
    # layers: a partition of the nodes; each node sits one past its deepest parent
    assert sorted(n for layer in graph.layers for n in layer) == sorted(nodes)
    for i, layer in enumerate(graph.layers):
        assert layer, "no empty layers"
        for node in layer:
            parents = graph.parents(node)
            expected = max((graph.layer_of(p) or 0) + 1 for p in parents) if parents else 0
            assert graph.layer_of(node) == i == expected
    # ties broken by file order: among the stages ready at each step, the first in the file
    index = {node: i for i, node in enumerate(nodes)}
    done: set[str] = set()
    for node in graph.order:
        ready = [n for n in nodes if n not in done and set(graph.parents(n)) <= done]
        assert node == min(ready, key=index.__getitem__)
        done.add(node)


@settings(max_examples=150, deadline=None)
@given(dags(), st.data())
def test_any_back_edge_is_reported_as_a_real_cycle(
    dag: tuple[list[str], list[tuple[str, str]]], data: st.DataObject
) -> None:
    nodes, edges = dag
    graph = DependencyGraph(nodes, edges)
    # a back edge: from a node to one of its ancestors (or itself)
    node = data.draw(st.sampled_from(nodes))
    ancestor = data.draw(st.sampled_from(sorted(graph.upstream(node) | {node})))
    cyclic = DependencyGraph(nodes, [*edges, (node, ancestor)])

    cycle = cyclic.cycle
    assert cycle is not None
    assert cycle[0] == cycle[-1]
    assert len(cycle) >= 2
    assert len(set(cycle[:-1])) == len(cycle) - 1, "a simple cycle"
    real = set(cyclic.edges)
    for pair in itertools.pairwise(cycle):
        assert pair in real
    assert len(cyclic.order) < len(nodes)


def test_cycle_edges_are_every_edge_that_goes_round() -> None:
    # two cycles (a-b-c and d-d), an edge out of one (c -> d) and a stage behind them (e)
    graph = DependencyGraph(
        ["x", "a", "b", "c", "d", "e"],
        [("x", "a"), ("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "d"), ("d", "e")],
    )
    assert graph.cycle_edges() == {("a", "b"), ("b", "c"), ("c", "a"), ("d", "d")}


def test_an_acyclic_graph_has_no_cycle_edges() -> None:
    assert DependencyGraph(["a", "b"], [("a", "b")]).cycle_edges() == frozenset()
