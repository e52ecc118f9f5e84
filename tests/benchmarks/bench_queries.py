"""Benchmark: each named query, as `kg query` runs it, on the local query store and on a SPARQL server (prints
figures; not a test).

    python3 tests/benchmarks/bench_queries.py GRAPH.ttl [--endpoint http://HOST:8890/sparql --graph IRI] [--rounds 3]

The graph is first loaded into the server with `kg push GRAPH.ttl --endpoint .../sparql-graph-crud-auth`. For
each named query, with no parameter and with a typical one, it prints the rows and the median seconds over
--rounds runs (after one warm-up run) on:

- the persistent pyoxigraph store next to the Turtle (`kg query GRAPH.ttl`; on-disk RocksDB, opened read-only),
- the SPARQL endpoint (`kg query --endpoint URL`: HTTP, CSV results (JSON if the server only gives that), parsed; Virtuoso here),
- pyoxigraph with the graph in memory (`--memory`: what `kg serve` answers from),
- rdflib in memory (`--rdflib`; loading a big graph takes minutes and many GB: for small graphs only).

Row counts must agree between engines (ties in ORDER BY may come in another order); a mismatch is printed.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kg.sparql import query as sparql_query  # noqa: E402
from kg.sparql import results  # noqa: E402
from kg.sparql import store as query_store  # noqa: E402
from kg.sparql import templates  # noqa: E402

RUNS = [
    ("releases", {}), ("releases", {"company": "Google"}),
    ("people", {}), ("people", {"person": "Sam Altman"}),
    ("hardware", {}), ("hardware", {"hardware": "H100"}),
    ("timeline", {"entity": "Google"}), ("timeline", {"entity": "NVIDIA"}),
    ("top-mentioned", {}), ("top-mentioned", {"min": "20"}),
    ("new-names", {}), ("new-names", {"type": "Person"}),
]


def timed(run, rounds: int) -> tuple[int, float]:
    rows = len(run().rows)  # warm-up (caches, plan)
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return rows, statistics.median(seconds)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("graph", type=Path)
    parser.add_argument("--endpoint")
    parser.add_argument("--graph-iri", "--graph", dest="graph_iri")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rdflib", action="store_true")
    parser.add_argument("--memory", action="store_true", help="also pyoxigraph with the graph in memory")
    args = parser.parse_args(argv)

    engines = {}
    started = time.perf_counter()
    store = query_store.load_store(args.graph)
    print(f"local store ready in {time.perf_counter() - started:.2f} s ({len(store):,} triples)")
    engines["store"] = lambda text: sparql_query.run(store, text)
    if args.memory:
        import pyoxigraph as ox

        started = time.perf_counter()
        in_memory = ox.Store()
        in_memory.bulk_load(path=str(args.graph), format=ox.RdfFormat.TURTLE)
        print(f"in-memory store loaded in {time.perf_counter() - started:.1f} s")
        engines["memory"] = lambda text: sparql_query.run(in_memory, text)
    if args.endpoint:
        engines["endpoint"] = lambda text: sparql_query.run_remote(args.endpoint, text, graph=args.graph_iri, user=args.user,
                                                        password=args.password)
    if args.rdflib:
        import rdflib

        started = time.perf_counter()
        graph = rdflib.Graph().parse(args.graph)
        print(f"rdflib loaded in {time.perf_counter() - started:.1f} s")

        def on_rdflib(text):
            result = graph.query(text)
            return results.QueryResult([str(v) for v in result.vars], [list(r) for r in result])

        engines["rdflib"] = on_rdflib

    queries = templates.named_queries()
    names = list(engines)
    print("| query | parameter | " + " | ".join(f"{n} rows | {n} s" for n in names) + " |")
    print("|---|---|" + "---|---|" * len(names))
    worst = dict.fromkeys(names, 0.0)
    for name, params in RUNS:
        text = templates.bind_params(queries[name], params)
        cells, counts = [], set()
        for engine in names:
            rows, seconds = timed(lambda: engines[engine](text), args.rounds)
            worst[engine] = max(worst[engine], seconds)
            counts.add(rows)
            cells.append(f"{rows:,} | {seconds:.3f}")
        shown = ", ".join(f"{k}={v}" for k, v in params.items()) or "(none)"
        note = "" if len(counts) == 1 else "  <- row counts differ"
        print(f"| {name} | {shown} | " + " | ".join(cells) + f" |{note}", flush=True)
    print("slowest query: " + ", ".join(f"{n} {s:.3f} s" for n, s in worst.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
