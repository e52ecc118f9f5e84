"""`kg serve`: a real server process on loopback, queried with `kg query --endpoint` and plain HTTP."""
from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.sparql.templates import named_queries
from .conftest import SERVE, row_tuples, start_server


runner = CliRunner()


@pytest.fixture(scope="module")
def served(exports_with_new_names):  # noqa: F811
    ttl = exports_with_new_names / "graph.ttl"
    process, url = start_server(str(ttl), "--quiet")
    yield ttl, url
    process.terminate()
    process.wait(timeout=10)


def _get(url: str, accept: str = "") -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode("utf-8")


def _post(url: str, body: str, kind: str) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body.encode("utf-8"), method="POST", headers={"Content-Type": kind})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_named_query_on_kg_serve_answers_as_kg_query_on_the_file(served, name):
    ttl, url = served
    local = runner.invoke(cli, ["query", str(ttl), "--named", name, "--format", "json"])
    assert local.exit_code == 0, local.output
    expected = json.loads(local.stdout)
    assert expected, f"{name}: no rows on the sample, the comparison would prove nothing"
    answer = runner.invoke(cli, ["query", "--endpoint", url, "--named", name, "--format", "json"])
    assert answer.exit_code == 0, answer.output
    assert row_tuples(json.loads(answer.stdout)) == row_tuples(expected)


def test_parameters_and_inline_sparql_on_kg_serve(served):
    ttl, url = served
    args = ["--named", "releases", "--param", "company=谷歌", "--format", "csv"]
    remote = runner.invoke(cli, ["query", "--endpoint", url, *args])
    assert remote.exit_code == 0, remote.output
    assert "Google,Gemini 3," in remote.stdout
    assert remote.stdout == runner.invoke(cli, ["query", str(ttl), *args]).stdout
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    remote = runner.invoke(cli, ["query", "--endpoint", url, count, "--format", "csv"])
    assert remote.stdout == runner.invoke(cli, ["query", str(ttl), count, "--format", "csv"]).stdout


def test_values_survive_the_trip_from_the_server(served):
    """Answers travel as SPARQL CSV: commas, quotes, line breaks and CJK come back whole, unbound stays empty."""
    ttl, url = served
    query = 'SELECT ?a ?b WHERE { VALUES (?a ?b) { ("谷歌, \\"Google\\"\\nLLC" UNDEF) ("x" 42) } }'
    local = runner.invoke(cli, ["query", str(ttl), query, "--format", "json"])
    remote = runner.invoke(cli, ["query", "--endpoint", url, query, "--format", "json"])
    assert remote.exit_code == 0, remote.output
    assert json.loads(remote.stdout) == json.loads(local.stdout)
    assert json.loads(remote.stdout)[0]["a"] == '谷歌, "Google"\nLLC'


def test_sparql_protocol_get_post_and_result_formats(served):
    _, url = served
    ask = "ASK { ?s ?p ?o }"
    status, kind, body = _get(url + "?" + urllib.parse.urlencode({"query": ask}))
    assert (status, kind, json.loads(body)["boolean"]) == (200, "application/sparql-results+json; charset=utf-8", True)
    select = 'SELECT ?n WHERE { ?e <https://w3id.org/kg-ai/vocab#nameKey> "英伟达" ; <https://w3id.org/kg-ai/vocab#name> ?n }'
    status, kind, body = _get(url + "?" + urllib.parse.urlencode({"query": select}), accept="text/csv")
    assert (status, kind, body) == (200, "text/csv; charset=utf-8", "n\r\nNVIDIA\r\n")
    assert _post(url, select, "application/sparql-query")[1] == _post(url, urllib.parse.urlencode({"query": select}),
                                                                       "application/x-www-form-urlencoded")[1]
    construct = "CONSTRUCT { ?e <urn:x> ?n } WHERE { ?e <https://w3id.org/kg-ai/vocab#nameKey> \"英伟达\" ; <https://w3id.org/kg-ai/vocab#name> ?n }"
    status, kind, body = _get(url + "?" + urllib.parse.urlencode({"query": construct}))
    assert status == 200 and kind.startswith("application/n-triples") and '<urn:x> "NVIDIA" .' in body


@pytest.mark.parametrize("how, status, message", [
    ("update", 403, "this endpoint is read-only: rebuild the graph with kg build instead"),
    ("syntax", 400, "SPARQL syntax error: "),
    ("no query", 400, "give exactly one query parameter: ?query=SELECT ..."),
    ("wrong path", 404, "no such path; the SPARQL endpoint is /sparql"),
    ("accept", 406, "acceptable: application/sparql-results+json"),
])
def test_protocol_mistakes_are_clear_answers_and_change_nothing(served, how, status, message):
    _, url = served
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = _get(url + "?" + urllib.parse.urlencode({"query": count}))[2]
    if how == "update":
        answer = _post(url, "CLEAR ALL", "application/sparql-update")
    elif how == "syntax":
        answer = _get(url + "?" + urllib.parse.urlencode({"query": "SELEC ?x"}))[::2]
    elif how == "no query":
        answer = _get(url)[::2]
    elif how == "wrong path":
        answer = _get(url.replace("/sparql", "/update") + "?query=x")[::2]
    else:
        answer = _get(url + "?" + urllib.parse.urlencode({"query": count}), accept="image/png")[::2]
    assert answer[0] == status and answer[1].startswith(message)
    assert _get(url + "?" + urllib.parse.urlencode({"query": count}))[2] == before


def test_port_in_use_and_missing_file_are_clear_errors(served, tmp_path):
    ttl, url = served
    port = urllib.parse.urlsplit(url).port
    taken = subprocess.run([*SERVE, str(ttl), "--port", str(port)], capture_output=True, text=True, timeout=120)
    assert taken.returncode == 1
    assert re.search(rf"Error: cannot listen on 127\.0\.0\.1:{port} \(.+\): pick another --port\n$", taken.stderr)
    missing = runner.invoke(cli, ["serve", str(tmp_path / "nope.ttl")])
    assert missing.exit_code == 1
    assert missing.stderr.endswith(f"Error: {tmp_path / 'nope.ttl'}: no such graph file (build one with: kg build --out {tmp_path})\n")


# ---------------------------------------------------------------------- limits: time, size, read-only

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 7,984^3 rows on the sample
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def limited(exports_with_new_names):  # noqa: F811
    """kg serve with small limits: 2 s per query, 2 workers, 4 KB requests, 1 MB results."""
    ttl = exports_with_new_names / "graph.ttl"
    process, url = start_server(str(ttl), "--quiet", "--timeout", "2", "--workers", "2", "--max-request-kb", "4",
                          "--max-result-mb", "1")
    yield ttl, url, process
    process.terminate()
    process.wait(timeout=10)


def _descendants(pid: int) -> set[int]:
    """Process ids of every process below pid (the workers' factory and the workers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _query(url: str, sparql: str, accept: str = "text/csv") -> tuple[int, str]:
    status, _, body = _get(url + "?" + urllib.parse.urlencode({"query": sparql}), accept=accept)
    return status, body


def test_a_runaway_query_is_stopped_at_the_time_limit_and_others_are_answered_meanwhile(limited):
    ttl, url, process = limited
    expected = _query(url, COUNT)
    assert expected[0] == 200
    before = _descendants(process.pid)
    assert len(before) == 3  # the workers' factory and 2 workers
    with ThreadPoolExecutor(1) as pool:
        runaway = pool.submit(_query, url, RUNAWAY)
        meanwhile = [_query(url, COUNT) for _ in range(5)]  # the other worker answers
        assert runaway.result() == (503, "the query ran longer than the time limit of 2 s and was stopped"
                                         " (kg serve --timeout)\n")
    assert meanwhile == [expected] * 5
    after = _descendants(process.pid)
    gone = before - after
    assert len(gone) == 1 and len(after) == 3  # the runaway's worker was killed and replaced
    assert not any(Path(f"/proc/{pid}").exists() for pid in gone)
    assert _query(url, COUNT) == expected


def _cpu_ticks(pids: set[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def test_a_query_whose_client_hangs_up_is_stopped(exports_with_new_names):  # noqa: F811
    """One worker, no useful time limit: the next query is answered only if the hung-up one was stopped."""
    process, url = start_server(str(exports_with_new_names / "graph.ttl"), "--quiet", "--workers", "1", "--timeout", "3600")
    try:
        parts = urllib.parse.urlsplit(url)
        workers = _descendants(process.pid)
        idle = _cpu_ticks(workers)
        with socket.create_connection((parts.hostname, parts.port)) as client:
            query = urllib.parse.urlencode({"query": RUNAWAY})
            client.sendall(f"GET {parts.path}?{query} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())
            for _ in range(200):  # until the worker is at it
                if _cpu_ticks(workers) > idle + 10:
                    break
                time.sleep(0.05)
            assert _cpu_ticks(workers) > idle + 10
        assert _query(url, COUNT)[0] == 200  # urllib gives up after 30 s; the runaway needs days
        assert len(workers - _descendants(process.pid)) == 1
    finally:
        process.terminate()
        process.wait(timeout=10)


def _raw(url: str, head: str, body: bytes = b"") -> bytes:
    """Send a hand-written request (head without the final blank line), return all the server answers."""
    parts = urllib.parse.urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as client:
        client.sendall(head.encode("utf-8") + b"\r\n\r\n" + body)
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    return answer


TOO_LARGE = "the request is larger than the limit of 4 KB (kg serve --max-request-kb)\n"


def test_an_over_size_body_is_refused_from_its_headers(limited):
    _, url, _ = limited
    path = urllib.parse.urlsplit(url).path
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 10000000"
    answer = _raw(url, head)  # no body sent: the answer comes from the headers alone
    assert answer.startswith(b"HTTP/1.1 413 ") and answer.endswith(TOO_LARGE.encode())
    answer = _raw(url, head + "\r\nExpect: 100-continue")  # curl's way: no "100 Continue", the body is never sent
    assert answer.startswith(b"HTTP/1.1 413 ") and answer.endswith(TOO_LARGE.encode())
    chunked = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nTransfer-Encoding: chunked"
    answer = _raw(url, chunked, b"5\r\nASK{}\r\n0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 411 ") and answer.endswith(b"send the body with a Content-Length\n")


def test_an_over_size_query_gets_its_answer_not_a_reset_connection(limited):
    _, url, _ = limited
    query = "ASK { ?s ?p ?o } #" + "x" * 10_000_000
    assert _post(url, query, "application/sparql-query") == (413, TOO_LARGE)
    assert _get(url + "?" + urllib.parse.urlencode({"query": query[:5000]}))[::2] == (413, TOO_LARGE)
    status, kind, body = _get(url + "?" + urllib.parse.urlencode({"query": query[:70000]}))  # past http.server's line limit
    assert (status, kind, body) == (414, "text/plain; charset=utf-8", "Request-URI Too Long: the request line is over 64 KB: send long queries by POST\n")
    assert _post(url, query[:4000], "application/sparql-query")[0] == 200  # under the limit


def test_a_result_over_the_limit_is_refused(limited):
    _, url, _ = limited
    assert _query(url, "SELECT * WHERE { ?s ?p ?o }", accept="") == (
        500, "the result is larger than the limit of 1 MB (kg serve --max-result-mb): add a LIMIT or narrow the query\n")
    status, body = _query(url, "SELECT * WHERE { ?s ?p ?o } LIMIT 100")
    assert status == 200 and len(body.splitlines()) == 101


@pytest.fixture
def listener():
    """A loopback port that records every connection made to it."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    calls: list[bytes] = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(2)
                try:
                    calls.append(connection.recv(4096))
                except OSError:
                    calls.append(b"")
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/sparql", calls
    stop.set()
    thread.join()
    server.close()


@pytest.mark.parametrize("how, status, message", [
    ("update LOAD", 403, "this endpoint is read-only: rebuild the graph with kg build instead\n"),
    ("update INSERT", 403, "this endpoint is read-only: rebuild the graph with kg build instead\n"),
    ("form update", 403, "this endpoint is read-only: rebuild the graph with kg build instead\n"),
    ("GET update", 403, "this endpoint is read-only: rebuild the graph with kg build instead\n"),
    ("LOAD as query", 400, "SPARQL syntax error: "),
    ("SERVICE", 403, "this endpoint does not call other servers: SERVICE is refused\n"),
    ("service silent", 403, "this endpoint does not call other servers: SERVICE is refused\n"),
    ("over-size update", 413, TOO_LARGE),
])
def test_nothing_changes_the_store_or_leaves_it(limited, listener, how, status, message):
    ttl, url, _ = limited
    other, calls = listener
    digest = hashlib.sha256(ttl.read_bytes()).hexdigest()
    before = _query(url, COUNT)
    insert = "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"
    if how == "update LOAD":
        answer = _post(url, f"LOAD <{other}>", "application/sparql-update")
    elif how == "update INSERT":
        answer = _post(url, insert, "application/sparql-update")
    elif how == "form update":
        answer = _post(url, urllib.parse.urlencode({"update": insert}), "application/x-www-form-urlencoded")
    elif how == "GET update":
        answer = _get(url + "?" + urllib.parse.urlencode({"update": f"LOAD <{other}>"}))[::2]
    elif how == "LOAD as query":
        answer = _query(url, f"LOAD <{other}>")
    elif how == "SERVICE":
        answer = _query(url, f"SELECT * WHERE {{ SERVICE <{other}> {{ ?s ?p ?o }} }}")
    elif how == "service silent":
        answer = _post(url, f"SELECT * WHERE {{ ?s ?p ?o service\tsilent <{other}> {{ ?s ?p ?o }} }}",
                       "application/sparql-query")
    else:
        answer = _post(url, insert + " #" + "x" * 5000, "application/sparql-update")
    assert answer[0] == status and answer[1].startswith(message)
    assert _query(url, COUNT) == before
    assert _query(url, "ASK { <urn:x:a> ?p ?o }", accept="application/sparql-results+json")[1].endswith("false}")
    assert calls == []
    assert hashlib.sha256(ttl.read_bytes()).hexdigest() == digest


def test_a_worker_can_open_no_connection_and_no_file(exports_with_new_names, listener):  # noqa: F811
    """What the SERVICE check in the HTTP front might miss, a worker cannot do: it has no file descriptor to spare."""
    from kg.sparql.serve import answer_query, load_in_memory
    from kg.sparql.serve_pool import WorkerPool

    other, calls = listener
    store = load_in_memory(exports_with_new_names / "graph.ttl", "urn:x:graph")
    pool = WorkerPool(lambda: (store, None), answer_query, size=1, timeout=30)
    try:
        request = {"query": f"SELECT * WHERE {{ SERVICE <{other}> {{ ?s ?p ?o }} }}", "default_graphs": [],
                   "named_graphs": [], "accept": "", "max_result_bytes": 1 << 20}
        status, _, body = pool.run(request)
        assert (status, body) == (403, b"this endpoint does not call other servers: SERVICE is refused\n")
        silent = pool.run({**request, "query": request["query"].replace("SERVICE", "SERVICE SILENT")})
        assert silent[0] == 200 and json.loads(silent[2])["results"]["bindings"] == [{}]  # SILENT: no rows from it
        opened = WorkerPool(lambda: (None, None), lambda _state, path: open(path).read(), size=1, timeout=30)
        try:
            path = str(exports_with_new_names / "graph.ttl")
            assert opened.run(path) == (500, "text/plain; charset=utf-8",
                                        f"the query failed: OSError: [Errno 24] Too many open files: '{path}'\n".encode())
        finally:
            opened.close()
    finally:
        pool.close()
    assert calls == []


def test_many_clients_at_once_are_all_answered(served):
    """48 clients at once, each 10 queries (GET or POST): none refused, none reset, all the same answer."""
    _, url = served
    by_get = _query(url, COUNT)
    by_post = _post(url, COUNT, "application/sparql-query")
    assert by_get[0] == by_post[0] == 200

    def client(i: int) -> list[tuple[int, str]]:
        if i % 2:
            return [_query(url, COUNT) for _ in range(10)]
        return [_post(url, COUNT, "application/sparql-query") for _ in range(10)]

    with ThreadPoolExecutor(48) as pool:
        answers = list(pool.map(client, range(48)))
    assert answers == [[by_post] * 10, [by_get] * 10] * 24


def test_a_graph_that_does_not_load_is_a_clear_error(tmp_path):
    bad = tmp_path / "graph.ttl"
    bad.write_text("<urn:a> <urn:b> .\n", encoding="utf-8")
    process = subprocess.run([*SERVE, str(bad), "--port", "0"], capture_output=True, text=True, timeout=120)
    assert process.returncode == 1
    assert re.fullmatch(rf"Loading {re.escape(str(bad))} into memory\.\.\.\n"
                        rf"Error: {re.escape(str(bad))}: not a readable Turtle file \(.+\)\n", process.stderr)


def _spin(_state, seconds: float) -> float:
    """Use `seconds` of CPU."""
    started = time.process_time()
    while time.process_time() - started < seconds:
        pass
    return seconds


def test_a_slow_query_gets_a_stand_in_so_quick_ones_are_not_queued_behind_it():
    from kg.sparql.serve_pool import WorkerPool

    pool = WorkerPool(lambda: (None, None), _spin, size=1, timeout=60, slow_after=0.2)
    try:
        done: list[float] = []
        with ThreadPoolExecutor(1) as background:
            slow = background.submit(lambda: done.append(pool.run(2.0)))
            for _ in range(200):  # until the slow query's worker has its stand-in: the factory and 2 workers
                if len(pool.pids()) == 3:
                    break
                time.sleep(0.05)
            done.append(pool.run(0.0))  # one worker, yet not queued behind the slow query
            slow.result()
        assert done == [0.0, 2.0]
    finally:
        pool.close()


def test_a_worker_that_dies_is_a_clear_error_and_is_replaced():
    from kg.sparql.serve_pool import WorkerLost, WorkerPool

    pool = WorkerPool(lambda: (None, None), lambda _state, code: os._exit(code) if code else "fine", size=1, timeout=30)
    try:
        with pytest.raises(WorkerLost, match=r"^the query worker stopped while running the query \(out of memory or a crash\)$"):
            pool.run(1)
        assert pool.run(0) == "fine"
    finally:
        pool.close()


_KEPT: list[bytearray] = []


def _grow(_state, megabytes: int) -> int:
    _KEPT.append(bytearray(megabytes * 1024 * 1024))  # zero-filled: every page written
    return megabytes


def test_a_worker_grown_past_its_memory_limit_is_replaced():
    from kg.sparql.serve_pool import WorkerPool

    pool = WorkerPool(lambda: (None, None), _grow, size=1, timeout=30, worker_memory_mb=64)
    try:
        first = set(pool.pids())
        assert pool.run(8) == 8
        assert set(pool.pids()) == first  # under the limit: kept
        assert pool.run(100) == 100
        for _ in range(200):  # replaced in the background, after the answer
            if len(pool.pids()) == 2 and set(pool.pids()) != first:
                break
            time.sleep(0.05)
        assert len(pool.pids()) == 2 and len(set(pool.pids()) - first) == 1 and pool.recycled == 1
    finally:
        pool.close()
