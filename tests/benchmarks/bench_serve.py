"""Benchmark: `kg serve` under a bounded load on loopback, with runaway queries (prints figures; not a test).

    nice -n 10 python3 tests/benchmarks/bench_serve.py GRAPH.ttl [--clients 16] [--requests 40] [--runaways 3]
        [--timeout 10] [--workers 4] [--worker-memory-mb 1024] [--baseline main] [--rounds 2]

Starts `kg serve GRAPH.ttl --port 0` from this checkout and, with --baseline REF, the server of git REF (`git
archive`, run from a temp folder) in the same run: both are loaded (one after the other), then take turns
under the same load (--rounds times), so a machine shared with other work weighs on both alike. It prints:

- load: seconds until the server listens, and the memory of its processes (PSS, summed over the server, its
  workers' factory and its workers: shared pages are counted once);
- load: N clients each sending --requests queries one after the other, each a named query with a parameter
  (kg/queries, bound as `kg query --named` binds them), by GET, POST form or POST application/sparql-query in
  turn, each on a new connection (urllib); failed requests (any status but 200, a reset, a refused connection), p50 and
  p99 latency, throughput;
- runaways (this checkout only: the baseline has no time limit, its runaways would never end): the same load
  again while --runaways queries that would run for days are sent at its start; each must get 503; the load's
  figures beside the first ones; then the server's CPU use over the next second (idle: ~0%) and its memory.

Exit code 1 when a normal request failed or a runaway was not stopped with 503.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kg import query as q  # noqa: E402

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
PARAMS = [  # (named query, parameters): what a team asks
    ("releases", {"company": "Google"}), ("releases", {"company": "OpenAI"}),
    ("people", {"person": "Sam Altman"}), ("hardware", {"hardware": "H100"}),
    ("timeline", {"entity": "NVIDIA"}), ("timeline", {"entity": "DeepSeek"}),
    ("top-mentioned", {"min": "20"}), ("new-names", {"type": "Person"}),
]
HOW = ["GET", "POST form", "POST query"]


def start(package_root: Path, graph: Path, extra: list[str]) -> tuple[subprocess.Popen, str, float]:
    env = {**os.environ, "PYTHONPATH": str(package_root)}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", "from kg.cli import cli; cli()", "serve", str(graph),
                                "--port", "0", "--quiet", *extra], env=env, cwd=package_root, stderr=subprocess.PIPE,
                               text=True)
    for line in process.stderr:
        found = re.search(r"at (http://\S+/sparql) ", line)
        if found:
            threading.Thread(target=process.stderr.read, daemon=True).start()  # keep the pipe drained
            return process, found.group(1), time.perf_counter() - started
    raise SystemExit(f"the server from {package_root} did not start")


def tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            children.setdefault(int(stat.read_text().rsplit(")", 1)[1].split()[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    found, todo = [pid], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def memory_mb(pid: int) -> tuple[float, float]:
    """(PSS, RSS) in MB summed over the process tree."""
    pss = rss = 0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1])
        except OSError:
            continue
    return pss / 1024, rss / 1024


def cpu_seconds(pid: int) -> float:
    ticks = 0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def request(url: str, sparql: str, how: str, timeout: float) -> tuple[int, str]:
    if how == "GET":
        req = urllib.request.Request(url + "?" + urllib.parse.urlencode({"query": sparql}), headers={"Accept": "text/csv"})
    elif how == "POST form":
        req = urllib.request.Request(url, data=urllib.parse.urlencode({"query": sparql}).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv"})
    else:
        req = urllib.request.Request(url, data=sparql.encode(), method="POST",
                                     headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            response.read()
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace").strip()
    except OSError as exc:  # refused, reset, timed out
        return 0, f"{type(exc).__name__}: {exc}"


def load(url: str, clients: int, requests: int, runaways: int, timeout: float) -> dict:
    queries = q.named_queries()
    texts = [q.bind_params(queries[name], params) for name, params in PARAMS]
    latencies: list[float] = []
    failures: list[str] = []
    runaway_answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        rng = random.Random(i)
        for n in range(requests):
            how = HOW[(i + n) % len(HOW)]
            started = time.perf_counter()
            status, reason = request(url, rng.choice(texts), how, timeout * 3 + 60)
            with lock:
                latencies.append(time.perf_counter() - started)
                if status != 200:
                    failures.append(f"{how}: {status} {reason}")

    def runaway() -> None:
        answer = request(url, RUNAWAY, "POST query", timeout * 3 + 60)
        with lock:
            runaway_answers.append(answer)

    threads = [threading.Thread(target=runaway, daemon=True) for _ in range(runaways)]
    threads += [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads[runaways:]:
        thread.join()
    wall = time.perf_counter() - started
    for thread in threads[:runaways]:
        thread.join()
    latencies.sort()
    return {"requests": len(latencies), "failures": failures, "wall": wall, "runaways": runaway_answers,
            "p50": statistics.median(latencies), "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "rate": len(latencies) / wall}


def line(name: str, r: dict) -> str:
    return (f"| {name} | {r['requests']} | {len(r['failures'])} | {r['p50'] * 1000:.0f} | {r['p99'] * 1000:.0f} |"
            f" {r['rate']:.1f} |")


def baseline_checkout(ref: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="kg-serve-baseline-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "kg"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("graph", type=Path)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=40, help="per client")
    parser.add_argument("--runaways", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=10.0, help="kg serve --timeout")
    parser.add_argument("--workers", type=int, default=4, help="kg serve --workers")
    parser.add_argument("--worker-memory-mb", type=int, default=1024, help="kg serve --worker-memory-mb")
    parser.add_argument("--baseline", metavar="REF", help="also the server of this git ref (e.g. main)")
    parser.add_argument("--rounds", type=int, default=2, help="loads per server, the servers taking turns")
    args = parser.parse_args(argv)
    args.graph = args.graph.resolve()

    print(f"{args.graph}: {args.clients} clients x {args.requests} requests, {args.runaways} runaway queries,"
          f" --timeout {args.timeout:g} --workers {args.workers} --worker-memory-mb {args.worker_memory_mb};"
          f" {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print("| server, phase | requests | failed | p50 ms | p99 ms | requests/s |")
    print("|---|---|---|---|---|---|")
    notes, ok = [], True
    servers = []  # (name, package root, process, url)
    roots = [(f"baseline ({args.baseline})", baseline_checkout(args.baseline), [])] if args.baseline else []
    roots.append(("this checkout", ROOT, ["--timeout", f"{args.timeout:g}", "--workers", str(args.workers),
                                          "--worker-memory-mb", str(args.worker_memory_mb)]))
    failures: dict[str, list[str]] = {}
    try:
        for name, root, extra in roots:  # one after the other: each load has the cores to itself
            process, url, loaded = start(root, args.graph, extra)
            servers.append((name, root, process, url))
            pss, rss = memory_mb(process.pid)
            notes.append(f"{name}: listening after {loaded:.1f} s; {len(tree(process.pid))} processes,"
                         f" PSS {pss:,.0f} MB (RSS {rss:,.0f} MB) after loading")
            request(url, "ASK { ?s ?p ?o }", "GET", 600)  # warm-up
            failures[name] = []
        for round_ in range(1, args.rounds + 1):  # servers in turn, so a busy machine weighs on both alike
            for name, _root, _process, url in servers:
                plain = load(url, args.clients, args.requests, 0, args.timeout)
                print(line(f"{name}, load (round {round_})", plain), flush=True)
                failures[name] += plain["failures"]
        name, _root, process, url = servers[-1]
        if args.runaways:
            mixed = load(url, args.clients, args.requests, args.runaways, args.timeout)
            print(line(f"{name}, load + {args.runaways} runaways", mixed), flush=True)
            failures[name] += mixed["failures"]
            before = cpu_seconds(process.pid)
            time.sleep(1.0)
            idle = (cpu_seconds(process.pid) - before) * 100
            stopped = sum(1 for status, _ in mixed["runaways"] if status == 503)
            ok &= stopped == args.runaways
            notes.append(f"{name}: {stopped}/{args.runaways} runaways stopped with 503"
                         f" ({mixed['runaways'][0][1] if mixed['runaways'] else ''}); CPU in the second after the"
                         f" load: {idle:.0f}% of one core")
        for name, _root, process, _url in servers:
            pss, rss = memory_mb(process.pid)
            notes.append(f"{name}: PSS {pss:,.0f} MB (RSS {rss:,.0f} MB) after the loads;"
                         f" {len(failures[name])} failed requests")
            for failure in sorted(set(failures[name]))[:5]:
                notes.append(f"{name}: failed: {failure}")
            ok &= not failures[name]
    finally:
        for name, root, process, _url in servers:
            process.terminate()
            process.wait(timeout=30)
        for name, root, _extra in roots:
            if root != ROOT:
                shutil.rmtree(root, ignore_errors=True)
    for note in notes:
        print("- " + note)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
