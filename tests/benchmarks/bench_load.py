"""Benchmark: kg.load (the graph back from graph.ttl) against parsing the same file alone (not a test).

    python3 tests/benchmarks/bench_load.py exports/graph.ttl

Prints the triples, the seconds pyoxigraph takes to parse the file (the bound: kg.load parses it once), the
seconds kg.load takes, their ratio, the graph's size, and the peak RSS. Figures are for this machine; compare
the ratio.
"""
from __future__ import annotations

import resource
import sys
import time

import networkx  # noqa: F401  imported before the clocks start
import pyoxigraph as ox

import kg
import kg.api  # noqa: F401


def main(path: str) -> None:
    clock = time.perf_counter()
    triples = sum(1 for _ in ox.parse(path=path, format=ox.RdfFormat.TURTLE))
    parse = time.perf_counter() - clock
    clock = time.perf_counter()
    graph = kg.load(path)
    load = time.perf_counter() - clock
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{path}: {triples:,} triples; parse alone {parse:.1f} s, kg.load {load:.1f} s (ratio {load / parse:.1f});"
          f" {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges, {len(graph.graph['items']):,} items;"
          f" peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main(sys.argv[1])
