"""Graph work for a 10,000-stage pipeline, against graphlib and a plain Kahn's algorithm.

    python benchmarks/engine_graph.py [--stages 10000] [--repeat 7]

For four shapes (a random DAG with about 4 edges a stage, the same DAG with its
stages shuffled in the file so the file order is not a dependency order, a chain,
a fan-out with one root and one join), times building a DependencyGraph (every
edge checked against the known ids, cycles detected, order and layers computed:
what validation needs) against ``graphlib.TopologicalSorter`` build +
``static_order()`` on the same edges, and a plain Kahn's algorithm; and ours again
with the children and parents lists a run needs, which the graph builds on first
use. Then times ``workbench validate`` on a generated file of the random DAG in a
fresh process, with the split between TOML parsing, the
pydantic models and the pipeline build. Every figure is the median of several runs.
"""

from __future__ import annotations

import argparse
import graphlib
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import deque
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.engine.graph import DependencyGraph

Edges = list[tuple[str, str]]

GRAPH_RATIO_TARGET = 0.6
VALIDATE_TARGET_S = 1.5


def random_dag(n: int, per_stage: int = 4, seed: int = 7) -> tuple[list[str], Edges]:
    rng = random.Random(seed)
    nodes = [f"s{i:05d}" for i in range(n)]
    edges = [
        (nodes[j], nodes[i])
        for i in range(1, n)
        for j in sorted(rng.sample(range(i), min(per_stage, i)))
    ]
    return nodes, edges


def shuffled(n: int, seed: int = 11) -> tuple[list[str], Edges]:
    """The random DAG with its stages in a random file order (so not ordered by dependency)."""
    nodes, edges = random_dag(n)
    rng = random.Random(seed)
    rng.shuffle(nodes)
    return nodes, edges


def chain(n: int) -> tuple[list[str], Edges]:
    nodes = [f"s{i:05d}" for i in range(n)]
    return nodes, [(nodes[i - 1], nodes[i]) for i in range(1, n)]


def fan_out(n: int) -> tuple[list[str], Edges]:
    nodes = [f"s{i:05d}" for i in range(n)]
    root, join = nodes[0], nodes[-1]
    middle = nodes[1:-1]
    return nodes, [(root, m) for m in middle] + [(m, join) for m in middle]


def ours(nodes: list[str], edges: Edges) -> object:
    graph = DependencyGraph(nodes, edges)
    assert graph.cycle is None
    return graph.order, graph.layers


def ours_with_adjacency(nodes: list[str], edges: Edges) -> object:
    """As :func:`ours`, plus the children and parents lists a run needs (built on first use)."""
    graph = DependencyGraph(nodes, edges)
    return graph.order, graph.layers, graph.child_index


def with_graphlib(nodes: list[str], edges: Edges) -> object:
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    for before, after in edges:
        preds[after].append(before)
    for node, parents in preds.items():
        sorter.add(node, *parents)
    return list(sorter.static_order())


def kahn(nodes: list[str], edges: Edges) -> object:
    children: dict[str, list[str]] = {n: [] for n in nodes}
    indegree = dict.fromkeys(nodes, 0)
    for before, after in edges:
        children[before].append(after)
        indegree[after] += 1
    ready = deque(n for n in nodes if not indegree[n])
    order = []
    while ready:
        node = ready.popleft()
        order.append(node)
        for child in children[node]:
            indegree[child] -= 1
            if not indegree[child]:
                ready.append(child)
    return order


def interleaved(fns: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median seconds of each function, run in turns so a busy machine slows all alike."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def contenders(nodes: list[str], edges: Edges, repeat: int) -> tuple[float, float, float, float]:
    """Median seconds of ours, ours with adjacency lists, graphlib and a plain Kahn's."""
    t = interleaved(
        {
            "ours": lambda: ours(nodes, edges),
            "full": lambda: ours_with_adjacency(nodes, edges),
            "graphlib": lambda: with_graphlib(nodes, edges),
            "kahn": lambda: kahn(nodes, edges),
        },
        repeat,
    )
    return t["ours"], t["full"], t["graphlib"], t["kahn"]


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pipeline_toml(nodes: list[str], edges: Edges) -> str:
    parents: dict[str, list[str]] = {n: [] for n in nodes}
    for before, after in edges:
        parents[after].append(before)
    out = ['[pipeline]\nname = "bench"\n']
    for node in nodes:
        deps = ", ".join(f'"{p}"' for p in parents[node])
        out.append(f'[stages.{node}]\nuses = "core.noop"\ndepends_on = [{deps}]\n')
    return "\n".join(out)


def validate_split(path: Path, repeat: int) -> dict[str, float]:
    from stages.core import Noop
    from workbench.engine.pipeline import Pipeline
    from workbench.engine.registry import StageRegistry
    from workbench.engine.spec import PipelineSpec

    registry = StageRegistry()
    registry.register(Noop)
    text = path.read_text()
    raw = tomllib.loads(text)
    spec = PipelineSpec.model_validate(raw)
    pipeline = Pipeline.from_spec(spec, registry, path=path, text=text)
    assert pipeline.valid, pipeline.problems[:3]
    stage_ids = list(pipeline.stages)
    edges = list(pipeline.graph.edges)
    return {
        "read + TOML parse": median_time(lambda: tomllib.loads(path.read_text()), repeat),
        "pydantic models": median_time(lambda: PipelineSpec.model_validate(raw), repeat),
        "pipeline build (all)": median_time(
            lambda: Pipeline.from_spec(spec, registry, path=path, text=text), repeat
        ),
        "  of which the graph": median_time(lambda: DependencyGraph(stage_ids, edges), repeat),
    }


def validate_process(path: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "workbench", "validate", str(path)],
            capture_output=True,
            text=True,
            cwd=path.parent,
        )
        times.append(time.perf_counter() - start)
        assert done.returncode == 0, done.stderr or done.stdout
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stages", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    n, repeat = args.stages, args.repeat

    print(f"graph work, {n:,} stages, median of {repeat} runs")
    print(
        f"{'shape':<10} {'edges':>7} {'ours':>9} {'graphlib':>9} {'kahn':>9}  ratio (target ≤ {GRAPH_RATIO_TARGET}x)"
    )
    worst = 0.0
    for shape, (nodes, edges) in {
        "random": random_dag(n),
        "shuffled": shuffled(n),
        "chain": chain(n),
        "fan-out": fan_out(n),
    }.items():
        t_ours, t_full, t_lib, t_kahn = contenders(nodes, edges, repeat)
        ratio = t_ours / t_lib
        worst = max(worst, ratio)
        mark = "ok" if ratio <= GRAPH_RATIO_TARGET else "MISSED"
        print(
            f"{shape:<10} {len(edges):>7,} {t_ours * 1e3:>7.1f}ms {t_lib * 1e3:>7.1f}ms "
            f"{t_kahn * 1e3:>7.1f}ms  {ratio:.2f}x vs graphlib ({mark}), "
            f"{t_ours / t_kahn:.2f}x vs kahn; with children/parents lists "
            f"{t_full * 1e3:.1f}ms = {t_full / t_lib:.2f}x graphlib"
        )

    nodes, edges = random_dag(n)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.toml"
        path.write_text(pipeline_toml(nodes, edges))
        print(f"\n`workbench validate` on a {n:,}-stage file ({path.stat().st_size / 1e6:.1f} MB)")
        for part, seconds in validate_split(path, max(3, repeat // 2)).items():
            print(f"  {part:<22} {seconds * 1e3:>8.1f} ms")
        wall = validate_process(path, max(3, repeat // 2))
        mark = "ok" if wall < VALIDATE_TARGET_S else "MISSED"
        print(
            f"  {'end to end (process)':<22} {wall * 1e3:>8.1f} ms  target < {VALIDATE_TARGET_S} s, "
            f"{wall / VALIDATE_TARGET_S:.2f}x of it ({mark})"
        )
    print(f"\nworst graph ratio vs graphlib: {worst:.2f}x (target ≤ {GRAPH_RATIO_TARGET}x)")


if __name__ == "__main__":
    main()
