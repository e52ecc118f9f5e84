"""kg push: against a real Virtuoso started on loopback for this module, and a tiny stub server for retries.

The Virtuoso instance runs from Debian's `virtuoso-opensource` package (installed by .ci/run) with its own ini,
database files and free ports in a temporary folder, so it never touches the distribution's own service (which
may or may not be running on 1111/8890). Without the package those tests are skipped with the reason.
"""
from __future__ import annotations

import http.server
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.sparql import push as p
from kg.cli import cli
from kg.errors import PushError
from kg.sparql.templates import named_queries
from .conftest import row_tuples

runner = CliRunner()
VIRTUOSO = shutil.which("virtuoso-t")
needs_virtuoso = pytest.mark.skipif(
    VIRTUOSO is None, reason="virtuoso-t not installed (Debian: apt-get install virtuoso-opensource; .ci/run does)"
)
USER, PASSWORD = "dba", "dba"  # the credentials of a new Virtuoso database
GRAPH = "https://w3id.org/kg-ai/test/sample"

INI = """[Database]
DatabaseFile = {d}/kg-test.db
ErrorLogFile = {d}/kg-test.log
LockFile = {d}/kg-test.lck
TransactionFile = {d}/kg-test.trx
xa_persistent_file = {d}/kg-test.pxa
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/kg-test-temp.db
TransactionFile = {d}/kg-test-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 0
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}
ServerThreads = 4
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 120
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "?" + urllib.parse.urlencode({"query": "ASK {}"}), timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    """A Virtuoso server of our own on two free loopback ports; yields its base URL; stopped at the end."""
    if VIRTUOSO is None:
        pytest.skip("virtuoso-t not installed (Debian: apt-get install virtuoso-opensource; .ci/run does)")
    folder = tmp_path_factory.mktemp("virtuoso")
    http_port, sql_port = _free_port(), _free_port()
    (folder / "virtuoso.ini").write_text(INI.format(d=folder, sql_port=sql_port, http_port=http_port))
    log = open(folder / "stdout.log", "wb")
    proc = subprocess.Popen(
        [VIRTUOSO, "+foreground", "+configfile", str(folder / "virtuoso.ini")],
        cwd=folder, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + 120
        while not _answers(base + "/sparql"):
            if proc.poll() is not None or time.monotonic() > deadline:
                output = (folder / "stdout.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"Virtuoso did not start (exit code {proc.poll()}):\n{output}")
            time.sleep(0.25)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _push_args(ttl: Path, base: str, *extra: str) -> list[str]:
    return ["push", str(ttl), "--endpoint", base + "/sparql-graph-crud-auth", *extra]


def _file_triples(path: Path) -> int:
    return sum(1 for _ in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))


@pytest.fixture(scope="module")
def pushed(virtuoso, exports_with_new_names):
    """The sample build's graph.ttl pushed with the command line, in chunks of 1,000 triples."""
    ttl = exports_with_new_names / "graph.ttl"
    result = runner.invoke(
        cli, _push_args(ttl, virtuoso, "--graph", GRAPH, "--user", USER, "--password", PASSWORD, "--replace", "--chunk-size", "1000")
    )
    return ttl, result


# ---------------------------------------------------------------------- against Virtuoso

@needs_virtuoso
def test_push_loads_every_triple_and_the_count_check_passes(pushed, virtuoso):
    ttl, result = pushed
    assert result.exit_code == 0, result.output
    n = _file_triples(ttl)
    chunks = -(-n // 1000)
    assert f"Pushed {n} triples in {chunks} chunk(s) to <{GRAPH}> at {virtuoso}/sparql-graph-crud-auth in " in result.stdout
    assert f"Count check OK: {virtuoso}/sparql reports {n} triples in the graph." in result.stdout
    server = p.Server(virtuoso + "/sparql-graph-crud-auth", graph=GRAPH)
    assert server.count() == n


@needs_virtuoso
@pytest.mark.parametrize("name", sorted(named_queries()))
def test_named_query_on_the_server_answers_as_kg_query_on_the_file(pushed, virtuoso, name):
    ttl, result = pushed
    assert result.exit_code == 0, result.output
    local = runner.invoke(cli, ["query", str(ttl), "--named", name, "--format", "json"])
    assert local.exit_code == 0, local.output
    expected = json.loads(local.stdout)
    answer = runner.invoke(cli, ["query", "--endpoint", virtuoso + "/sparql", "--graph", GRAPH, "--named", name, "--format", "json"])
    assert answer.exit_code == 0, answer.output
    assert expected, f"{name}: no rows on the sample, the comparison would prove nothing"
    assert row_tuples(json.loads(answer.stdout)) == row_tuples(expected)


@needs_virtuoso
def test_query_on_the_server_with_a_parameter_and_inline_sparql(pushed, virtuoso):
    ttl, _ = pushed
    args = ["--named", "releases", "--param", "company=谷歌", "--format", "csv"]
    local = runner.invoke(cli, ["query", str(ttl), *args])
    remote = runner.invoke(cli, ["query", "--endpoint", virtuoso + "/sparql", "--graph", GRAPH, *args])
    assert remote.exit_code == 0, remote.output
    assert "Google,Gemini 3," in remote.stdout
    assert sorted(remote.stdout.splitlines()) == sorted(local.stdout.splitlines())
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    inline = runner.invoke(cli, ["query", "--endpoint", virtuoso + "/sparql", "--graph", GRAPH, count, "--format", "csv"])
    assert inline.exit_code == 0, inline.output
    assert inline.stdout == f"n\n{_file_triples(ttl)}\n"


@pytest.mark.parametrize("args, message", [
    (["query", "--named", "releases"], "give a GRAPH_FILE (an exported graph.ttl), or --endpoint URL of a SPARQL server"),
    (["query", "g.ttl", "--graph", GRAPH, "--named", "releases"], "--graph, --user and --password go with --endpoint"),
    (["query", "--endpoint", "localhost:8890/sparql", "--named", "releases"], "--endpoint 'localhost:8890/sparql' is not an http(s) URL"),
])
def test_query_option_mistakes_are_clear_errors(args, message):
    result = runner.invoke(cli, args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_query_on_an_unreachable_server_says_so():
    port = _free_port()  # nothing listens there
    result = runner.invoke(cli, ["query", "--endpoint", f"http://127.0.0.1:{port}/sparql", "--named", "people"])
    assert result.exit_code == 1
    assert f"cannot reach http://127.0.0.1:{port}" in result.output and "is the server running and is the URL right?" in result.output


@needs_virtuoso
def test_push_again_is_refused_without_replace_and_keeps_the_count_with_it(pushed, virtuoso):
    ttl, first = pushed
    assert first.exit_code == 0, first.output
    n = _file_triples(ttl)
    again = runner.invoke(cli, _push_args(ttl, virtuoso, "--graph", GRAPH, "--user", USER, "--password", PASSWORD))
    assert again.exit_code == 1
    assert f"Error: graph <{GRAPH}> at {virtuoso}/sparql already holds {n} triples: give --replace" in again.stderr
    replaced = runner.invoke(cli, _push_args(ttl, virtuoso, "--graph", GRAPH, "--user", USER, "--password", PASSWORD, "--replace"))
    assert replaced.exit_code == 0, replaced.output
    assert f"reports {n} triples in the graph." in replaced.stdout
    assert p.Server(virtuoso + "/sparql-graph-crud-auth", graph=GRAPH).count() == n


@needs_virtuoso
def test_wrong_password_is_a_clear_error(virtuoso, sample_exports):
    result = runner.invoke(
        cli, _push_args(sample_exports / "graph.ttl", virtuoso, "--graph", GRAPH + "/pw", "--user", USER, "--password", "wrong", "--replace")
    )
    assert result.exit_code == 1
    assert result.stderr.endswith(
        f"Error: {virtuoso}/ refused user 'dba' (HTTP 401) to delete graph <{GRAPH}/pw>: check --user and --password\n"
    )
    assert "Traceback" not in result.output


@needs_virtuoso
def test_no_credentials_says_to_give_them(virtuoso, sample_exports):
    result = runner.invoke(cli, _push_args(sample_exports / "graph.ttl", virtuoso, "--graph", GRAPH + "/anon"))
    assert result.exit_code == 1
    assert "asks for a user and password (HTTP 401) to load chunk 1 of 1" in result.stderr
    assert result.stderr.rstrip().endswith("give --user and --password")


@needs_virtuoso
def test_wrong_endpoint_path_is_a_clear_error(virtuoso, sample_exports):
    result = runner.invoke(
        cli, ["push", str(sample_exports / "graph.ttl"), "--endpoint", virtuoso + "/no-such-thing", "--sparql", virtuoso + "/sparql",
              "--graph", GRAPH + "/wrong-url", "--user", USER, "--password", PASSWORD]
    )
    assert result.exit_code == 1
    assert f"Error: no Graph Store endpoint at {virtuoso}/no-such-thing (HTTP 404" in result.stderr
    query_endpoint = runner.invoke(
        cli, ["push", str(sample_exports / "graph.ttl"), "--endpoint", virtuoso + "/sparql", "--graph", GRAPH + "/wrong-url",
              "--user", USER, "--password", PASSWORD]
    )
    assert query_endpoint.exit_code == 1
    assert query_endpoint.stderr.rstrip().endswith(
        f"({virtuoso}/sparql looks like a SPARQL query endpoint: give the Graph Store endpoint, e.g. Virtuoso's "
        "http://HOST:8890/sparql-graph-crud-auth)"
    )


@needs_virtuoso
def test_blank_nodes_keep_their_identity_across_chunks(virtuoso, tmp_path):
    ttl = tmp_path / "blank.ttl"
    ttl.write_text(
        "@prefix ex: <https://example.org/> .\n"
        "ex:a ex:p ex:b . ex:b ex:p ex:c . ex:c ex:p ex:d .\n"
        "_:x ex:name \"x\" . ex:a ex:knows _:x . _:x ex:knows _:y . _:y ex:name \"y\" .\n",
        encoding="utf-8",
    )
    planned = p.plan(ttl, chunk_size=2)
    assert (planned.triples, planned.blank_node_triples, planned.chunks) == (7, 4, 3)
    server = p.Server(virtuoso + "/sparql-graph-crud-auth", graph=GRAPH + "/blank", user=USER, password=PASSWORD)
    result = p.push(planned, server, replace=True)
    assert result.server_count == 7
    digest = next(h for h in server._opener.handlers if isinstance(h, p._SigningDigestAuthHandler))
    assert digest.signed_ahead == 3  # challenged once (the DELETE), then every chunk was signed up front
    answer = server.select('PREFIX ex: <https://example.org/> SELECT ?n WHERE { ex:a ex:knows ?x . ?x ex:knows ?y . ?y ex:name ?n }', default_graph=GRAPH + "/blank")
    assert answer.rows == [["y"]]


@needs_virtuoso
def test_triples_stated_twice_in_the_file_pass_the_count_check(virtuoso, tmp_path):
    ttl = tmp_path / "twice.ttl"
    ttl.write_text("@prefix ex: <https://example.org/> .\nex:a ex:p ex:b .\nex:a ex:p ex:b .\nex:a ex:p ex:c .\n", encoding="utf-8")
    planned = p.plan(ttl, chunk_size=1)
    assert (planned.triples, planned.chunks) == (3, 3)
    server = p.Server(virtuoso + "/sparql-graph-crud-auth", graph=GRAPH + "/twice", user=USER, password=PASSWORD)
    result = p.push(planned, server, replace=True)
    assert (result.server_count, result.repeated) == (2, 1)


# ---------------------------------------------------------------------- no server needed

def test_unreachable_server_is_reported_after_the_retries(sample_exports):
    port = _free_port()  # nothing listens there
    result = runner.invoke(
        cli, ["push", str(sample_exports / "graph.ttl"), "--endpoint", f"http://127.0.0.1:{port}/sparql-graph-crud-auth",
              "--retries", "2", "--retry-delay", "0.01"]
    )
    assert result.exit_code == 1
    assert result.stderr.rstrip().endswith(
        f"Error: cannot reach http://127.0.0.1:{port}/ (ConnectionRefusedError: [Errno 111] Connection refused) after 3 attempt(s) "
        "to run a SPARQL query: is the server running and is the URL right?"
    )


def test_missing_file_and_non_turtle_file_are_clear_errors(tmp_path):
    endpoint = ["--endpoint", "http://127.0.0.1:9/sparql-graph-crud-auth"]
    missing = runner.invoke(cli, ["push", str(tmp_path / "graph.ttl"), *endpoint])
    assert missing.exit_code == 1
    assert missing.stderr == f"Error: {tmp_path}/graph.ttl: no such file (build one with: kg build --out {tmp_path})\n"
    html = tmp_path / "graph.html"
    html.write_text("<!doctype html><p>not Turtle</p>\n", encoding="utf-8")
    wrong = runner.invoke(cli, ["push", str(html), *endpoint])
    assert wrong.exit_code == 1
    assert wrong.stderr.startswith(f"Error: {html}: not a valid Turtle file (")
    assert wrong.stderr.rstrip().endswith("push a graph.ttl written by kg build")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--endpoint", "localhost:8890"], "--endpoint 'localhost:8890' is not an http(s) URL"),
        (["--endpoint", "http://h/x", "--graph", "no iri"], "--graph 'no iri' is not an absolute IRI"),
        (["--endpoint", "http://h/x", "--user", "dba"], "give both --user and --password, or neither"),
    ],
)
def test_bad_options_are_clear_errors(sample_exports, args, message):
    result = runner.invoke(cli, ["push", str(sample_exports / "graph.ttl"), *args], env={"KG_PUSH_PASSWORD": None})
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: " + message)


def test_chunks_cover_the_file_exactly(sample_exports):
    ttl = sample_exports / "graph.ttl"
    planned = p.plan(ttl, chunk_size=1000)
    assert planned.blank_node_triples == 0  # kg's exports have no blank nodes
    sizes = [n for n, _ in p.chunks(planned)]
    assert len(sizes) == planned.chunks and sum(sizes) == planned.triples == _file_triples(ttl)
    assert set(sizes[:-1]) == {1000}
    store = ox.Store()
    for _, data in p.chunks(planned):
        store.load(data, format=ox.RdfFormat.N_TRIPLES)
    reference = ox.Store()
    reference.load(path=str(ttl), format=ox.RdfFormat.TURTLE)
    assert set(store) == set(reference)


@pytest.mark.parametrize(
    "endpoint, sparql",
    [
        ("http://h:8890/sparql-graph-crud-auth", "http://h:8890/sparql"),
        ("http://h:8890/sparql-graph-crud", "http://h:8890/sparql"),
        ("http://h:3030/ds/data", "http://h:3030/ds/sparql"),
        ("http://h:7878/store", "http://h:7878/query"),
        ("http://h:3030/ds", "http://h:3030/ds"),
    ],
)
def test_default_sparql_endpoint(endpoint, sparql):
    assert p.default_sparql_url(endpoint) == sparql


def test_graph_parameter_name():
    server = p.Server("http://h/sparql-graph-crud-auth?x=1", graph="https://example.org/g#1", graph_param="graph-uri")
    assert server.graph_url == "http://h/sparql-graph-crud-auth?x=1&graph-uri=https%3A%2F%2Fexample.org%2Fg%231"


class _Stub(http.server.BaseHTTPRequestHandler):
    """A Graph Store + SPARQL endpoint that answers POSTs from a script and counts what it was sent."""

    script: list[tuple[int, bytes]] = []
    stored = 0
    posts = 0

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.startswith("/sparql"):
            answer = json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "literal", "value": str(_Stub.stored)}}]}})
            return self._send(200, answer.encode(), "application/sparql-results+json")
        _Stub.posts += 1
        status, text = _Stub.script.pop(0) if _Stub.script else (201, b"")
        if status < 300:
            _Stub.stored += sum(1 for _ in ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        self._send(status, text, "text/plain")

    def _send(self, status, body, kind):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub():
    _Stub.script, _Stub.stored, _Stub.posts = [], 0, 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_server_errors_are_retried_and_the_push_completes(stub, sample_exports):
    _Stub.script = [(503, b"busy"), (500, b"oops")]
    planned = p.plan(sample_exports / "graph.ttl", chunk_size=2000)
    server = p.Server(stub + "/gsp", sparql=stub + "/sparql", retries=3, retry_delay=0.001)
    result = p.push(planned, server)
    assert result.retries == 2 and _Stub.posts == planned.chunks + 2
    assert result.server_count == planned.triples == _Stub.stored


def test_client_errors_are_not_retried_and_show_the_server_answer(stub, sample_exports):
    _Stub.script = [(400, b"Bad request: unexpected token at line 7")]
    planned = p.plan(sample_exports / "graph.ttl", chunk_size=2000)
    server = p.Server(stub + "/gsp", sparql=stub + "/sparql", retries=3, retry_delay=0.001)
    with pytest.raises(PushError) as caught:
        p.push(planned, server)
    assert _Stub.posts == 1
    assert str(caught.value) == (
        f"server rejected the request to load chunk 1 of {planned.chunks} into <{p.DEFAULT_GRAPH}> "
        "(HTTP 400 Bad Request): Bad request: unexpected token at line 7"
    )


def test_count_mismatch_is_an_error(stub, sample_exports):
    planned = p.plan(sample_exports / "graph.ttl", chunk_size=2000)
    server = p.Server(stub + "/gsp", sparql=stub + "/sparql", retries=0)
    original = _Stub.do_POST

    def losing(self):  # the server says 201 for the last chunk but drops it
        if not self.path.startswith("/sparql") and _Stub.posts == planned.chunks - 1:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            _Stub.posts += 1
            return self._send(201, b"", "text/plain")
        return original(self)

    _Stub.do_POST = losing
    try:
        with pytest.raises(PushError, match=r"count check failed: graph <https://w3id.org/kg-ai/graph> at .*/sparql holds \d+ triples, .*graph.ttl has \d+"):
            p.push(planned, server)
    finally:
        _Stub.do_POST = original
