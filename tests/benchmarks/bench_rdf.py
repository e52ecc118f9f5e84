"""Benchmark: RDF export and SPARQL, rdflib against pyoxigraph, in one run (not a test; run it by hand).

    python3 tests/benchmarks/bench_rdf.py ../shared/corpus/hextra-ai-insight-daily --out /tmp/hx-bench
    python3 tests/benchmarks/bench_rdf.py /tmp/hx/graph.pkl         # a pickled MultiDiGraph (see --save-graph)
    python3 tests/benchmarks/bench_rdf.py /tmp/ainews/graph.ttl     # an existing export: load and query figures only

Prints: the build time (when given folders), triples, Turtle export time with rdflib (to_rdf + serialize, as
kg did before) and with the pyoxigraph stream (ratio), the time to write the query store, the share of the
build time each takes; load times (rdflib parse, pyoxigraph in memory, store open); and each named query's time
on rdflib (parsed graph) against the persistent pyoxigraph store (ratio), with the row counts of both
(answers are compared as sorted rows). rdflib steps run in a forked child with a time limit, so a slow one
reports "> LIMIT s" instead of stalling the run, and their peak memory is reported separately.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import pickle
import resource
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pyoxigraph as ox  # noqa: E402

from kg.sparql import entities  # noqa: E402
from kg.sparql import query as sparql_query  # noqa: E402
from kg.sparql import results  # noqa: E402
from kg.sparql import store as query_store  # noqa: E402
from kg.sparql import templates  # noqa: E402
from kg.export.turtle import to_rdf, write_turtle  # noqa: E402

# Parameters for the named queries: their defaults, plus a selective variant where one makes sense.
RUNS = [
    ("releases", {}), ("releases", {"company": "Google", "from": "2025-01-01", "to": "2025-12-31"}),
    ("people", {}), ("people", {"person": "Sam Altman"}),
    ("hardware", {}), ("hardware", {"hardware": "H100"}),
    ("timeline", {"entity": "Google"}), ("timeline", {"entity": "英伟达"}),
    ("top-mentioned", {}),
]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_child(function, limit: float):
    """Run function() in a forked child with a time limit: (seconds, result, peak MB) or (None, None, None)."""
    context = mp.get_context("fork")
    parent, child = context.Pipe(duplex=False)

    def target():
        started = time.perf_counter()
        value = function()
        child.send((time.perf_counter() - started, value, peak_mb()))

    process = context.Process(target=target)
    process.start()
    if parent.poll(limit):
        out = parent.recv()
        process.join()
        return out
    process.kill()
    process.join()
    return None, None, None


def fmt(seconds) -> str:
    return "—" if seconds is None else f"{seconds:.3f}"


def ratio(a, b) -> str:
    return "—" if a is None or b is None or b == 0 else f"{a / b:.1f}×"


def rows_of_rdflib(result) -> list[tuple]:
    return sorted(tuple("" if v is None else str(v) for v in row) for row in result)


def rows_of(result: results.QueryResult) -> list[tuple]:
    return sorted(tuple("" if v is None else v for v in row) for row in result.rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="+", help="digest folders, or one graph.pkl, or one graph.ttl")
    parser.add_argument("--out", type=Path, help="where graph.ttl is written (default: a temp folder)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--save-graph", type=Path, help="pickle the built graph here (reuse it with SOURCE=that file)")
    parser.add_argument("--limit", type=float, default=900, help="seconds allowed to each rdflib step (default 900)")
    parser.add_argument("--no-rdflib", action="store_true", help="skip every rdflib step")
    args = parser.parse_args()

    graph, build_seconds = None, None
    sources = [Path(s) for s in args.source]
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-rdf-"))
    out.mkdir(parents=True, exist_ok=True)
    ttl = out / "graph.ttl"
    if len(sources) == 1 and sources[0].suffix == ".ttl":
        ttl = sources[0]
    elif len(sources) == 1 and sources[0].suffix == ".pkl":
        with open(sources[0], "rb") as handle:
            graph = pickle.load(handle)
    else:
        from kg.builder.pipeline import build, collect_files

        started = time.perf_counter()
        result = build(collect_files(sources), workers=args.workers)
        build_seconds = time.perf_counter() - started
        graph = result.graph
        del result
        print(f"build (digests to graph, --workers {args.workers}): {build_seconds:.1f} s; peak RSS {peak_mb():.0f} MB")
        if args.save_graph:
            with open(args.save_graph, "wb") as handle:
                pickle.dump(graph, handle, protocol=pickle.HIGHEST_PROTOCOL)

    if graph is not None:
        print(f"graph: {graph.number_of_nodes():,} entities, {graph.number_of_edges():,} edges, "
              f"{len(graph.graph.get('items', {})):,} items")
        started = time.perf_counter()
        triples = write_turtle(graph, ttl)
        ox_export = time.perf_counter() - started
        print(f"triples: {triples:,}; graph.ttl {ttl.stat().st_size / 1e6:.1f} MB")
        rdflib_export = rdflib_mb = None
        if not args.no_rdflib:
            def rdflib_export_job():
                data = to_rdf(graph).serialize(format="turtle", encoding="utf-8")
                return len(data)

            rdflib_export, _, rdflib_mb = in_child(rdflib_export_job, args.limit)
        print(f"Turtle export: rdflib {fmt(rdflib_export)} s (child peak {rdflib_mb or 0:.0f} MB), "
              f"pyoxigraph stream {fmt(ox_export)} s; ratio {ratio(rdflib_export, ox_export)}")
        started = time.perf_counter()
        query_store.write_store(ttl)
        store_seconds = time.perf_counter() - started
        print(f"query store (bulk load of graph.ttl into {query_store.store_dir(ttl).name}/): {store_seconds:.2f} s, "
              f"{sum(f.stat().st_size for f in query_store.store_dir(ttl).iterdir()) / 1e6:.0f} MB")
        if build_seconds:
            print(f"share of the build time: Turtle {100 * ox_export / build_seconds:.1f}% (rdflib: "
                  f"{'—' if rdflib_export is None else f'{100 * rdflib_export / build_seconds:.1f}%'}), "
                  f"store {100 * store_seconds / build_seconds:.1f}%, together {100 * (ox_export + store_seconds) / build_seconds:.1f}%")
    elif query_store.store_state(ttl) != "fresh":
        started = time.perf_counter()
        query_store.write_store(ttl)
        print(f"query store written from {ttl} in {time.perf_counter() - started:.2f} s")

    # loading
    started = time.perf_counter()
    memory = ox.Store()
    memory.load(path=str(ttl), format=ox.RdfFormat.TURTLE)
    ox_load = time.perf_counter() - started
    del memory
    started = time.perf_counter()
    store = query_store.load_store(ttl)
    open_seconds = time.perf_counter() - started
    print(f"load: pyoxigraph in memory {ox_load:.2f} s; persistent store check + open {open_seconds:.3f} s "
          f"({len(store):,} triples)")

    queries = templates.named_queries()
    texts = [(f"{name} {params or ''}".strip(), templates.bind_params(queries[name], params)) for name, params in RUNS]

    def rdflib_queries():
        from rdflib import Graph

        started = time.perf_counter()
        g = Graph()
        g.parse(str(ttl), format="turtle")
        out = {"load": time.perf_counter() - started}

        def alarm(*_):
            raise TimeoutError

        signal.signal(signal.SIGALRM, alarm)
        for label, text in texts:
            started = time.perf_counter()
            signal.alarm(int(args.limit / 4))
            try:
                rows = rows_of_rdflib(g.query(text))
                out[label] = (time.perf_counter() - started, rows)
            except TimeoutError:
                out[label] = (None, None)
            finally:
                signal.alarm(0)
        return out

    rdflib = {}
    if not args.no_rdflib:
        _, rdflib, rdflib_mb = in_child(rdflib_queries, args.limit * 3)
        rdflib = rdflib or {}
        print(f"load: rdflib parse {fmt(rdflib.get('load'))} s (child peak {rdflib_mb or 0:.0f} MB); "
              f"ratio to the store open {ratio(rdflib.get('load'), open_seconds)}")

    print()
    print(f"{'named query':58} {'rows':>7} {'rdflib s':>9} {'store s':>8} {'ratio':>7}  same rows")
    for label, text in texts:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            result = sparql_query.run(store, text)
            times.append(time.perf_counter() - started)
        best = min(times)
        rdf_seconds, rdf_rows = rdflib.get(label, (None, None))
        same = "—" if rdf_rows is None else ("yes" if rdf_rows == rows_of(result) else f"NO (rdflib {len(rdf_rows)} rows)")
        print(f"{label[:58]:58} {len(result.rows):>7} {fmt(rdf_seconds):>9} {best:>8.3f} {ratio(rdf_seconds, best):>7}  {same}"
              f"   (first run {times[0]:.3f} s)")
    started = time.perf_counter()
    for iri in entities.find_entities(store, "Google"):
        entities.describe_entity(store, iri)
    print(f"{'kg entity Google (find + describe)':58} {'':>7} {'':>9} {time.perf_counter() - started:>8.3f}")
    print(f"peak RSS of this process: {peak_mb():.0f} MB")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
