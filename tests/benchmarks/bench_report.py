"""Benchmark: `kg report` on a graph file's query store and on a SPARQL endpoint (prints figures; not a test).

    python3 tests/benchmarks/bench_report.py GRAPH.ttl --from 2025-06-01 --to 2025-06-30 [--endpoint URL] [--rounds 3]

Prints, for the store next to the Turtle (opened read-only, as `kg report GRAPH.ttl` opens it) and, with
--endpoint, for a server (`kg serve GRAPH.ttl`): the seconds of each of the report's queries and of the whole
report, the first run (cold: the store's files not yet in the page cache) and the median of --rounds more. The
baseline, measured in the same run on the same engine, is the named query `releases` over the same window (what
`kg query --named releases` did before there was a report): the report's ratio to it is printed.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kg.sparql import query as sparql_query  # noqa: E402
from kg.sparql import store as query_store  # noqa: E402
from kg.sparql import templates  # noqa: E402
from kg.sparql.report import build_report  # noqa: E402


QUERIES = ("1. new names", "2. statements", "3. rising: counts", "4. rising: dates, links", "5. rising: names, headlines")


def measure(run, start: str, end: str, rounds: int) -> dict:
    calls: list[tuple[str, float]] = []

    def timed(text: str):
        began = time.perf_counter()
        result = run(text)
        calls.append((text.split("SELECT", 1)[1].split("WHERE", 1)[0].split()[0:2], time.perf_counter() - began))
        return result

    began = time.perf_counter()
    report = build_report(timed, start, end)
    cold = time.perf_counter() - began
    cold_calls = list(calls)
    warm = []
    for _ in range(rounds):
        calls.clear()
        began = time.perf_counter()
        build_report(timed, start, end)
        warm.append(time.perf_counter() - began)
    baseline_text = templates.bind_params(templates.named_queries()["releases"], {"from": start, "to": end})
    run(baseline_text)
    base = []
    for _ in range(rounds):
        began = time.perf_counter()
        run(baseline_text)
        base.append(time.perf_counter() - began)
    return {"totals": report.totals, "cold_s": cold, "warm_s": statistics.median(warm),
            "queries_cold": cold_calls, "queries_warm": list(calls), "baseline_s": statistics.median(base)}


def show(label: str, m: dict) -> None:
    print(f"{label}: sections {m['totals']}")
    print(f"  whole report: first run {m['cold_s']:.2f} s, then median {m['warm_s']:.2f} s")
    for name, (_, cold), (_, warm) in zip(QUERIES, m["queries_cold"], m["queries_warm"]):
        print(f"    {name:<26} first {cold:6.2f} s, then {warm:6.2f} s")
    print(f"  baseline (named query releases, same window): {m['baseline_s']:.2f} s;"
          f" report / baseline = {m['warm_s'] / max(m['baseline_s'], 1e-9):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("graph", type=Path)
    parser.add_argument("--from", dest="start", required=True)
    parser.add_argument("--to", dest="end", required=True)
    parser.add_argument("--endpoint")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    began = time.perf_counter()
    store = query_store.load_store(args.graph)
    print(f"store opened in {time.perf_counter() - began:.2f} s")
    show("store (kg report GRAPH.ttl)", measure(lambda text: sparql_query.run(store, text), args.start, args.end, args.rounds))
    if args.endpoint:
        show(f"endpoint {args.endpoint}", measure(lambda text: sparql_query.run_remote(args.endpoint, text), args.start,
                                                  args.end, args.rounds))


if __name__ == "__main__":
    main()
