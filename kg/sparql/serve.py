"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint holding one exported graph in memory (pyoxigraph).

The on-disk query store (kg/sparql/query.py) opens in milliseconds but every join is a RocksDB seek: on the full
ainews-zh graph a named query takes seconds there. Held in memory, the same queries are 10-30x faster, at the
cost of loading the Turtle once (~40 s and ~1 GB for 3.6 M triples). `kg serve` pays that once and answers
`kg query --endpoint`, `curl` or any SPARQL client until it is stopped.

Protocol: GET or POST `/sparql` with `query=` (form or query string) or a POST body of type
application/sparql-query; `default-graph-uri` / `named-graph-uri` as in SPARQL 1.1 Protocol. Results as JSON,
XML, CSV or TSV (Accept), graphs as N-Triples or Turtle. Updates are refused: the file is the source of truth.
The triples are loaded into the named graph `graph_iri` (kg push's default graph, so `kg query --endpoint` works
the same against this server as against a server loaded with `kg push`); a query without `default-graph-uri` sees
the union of all graphs.

Limits (docs/server.md): every query runs in a worker process (kg/sparql/serve_pool.py) and is stopped at the time
limit (503); request bodies and queries over the size limit are refused from their headers (413); results over
the result limit are refused (500) instead of filling memory; updates (403), SERVICE (403) and anything but
reading the graph are refused before a worker sees them, and a worker cannot open files or connections.
"""
from __future__ import annotations

import re
import socket
import time
import urllib.parse
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox

from kg.errors import QueryError
from kg.sparql.serve_pool import ClientGone, PoolBusy, PoolError, QueryTimeout, WorkerPool

SPARQL_PATH = "/sparql"
LISTEN_BACKLOG = 1024  # connections the kernel queues while every thread is busy (the kernel may cap it lower)
READ_ONLY = "this endpoint is read-only: rebuild the graph with kg build instead"


@dataclass
class Limits:
    """What one request may cost; `kg serve --timeout --workers --max-request-kb --max-result-mb`."""

    timeout: float = 30.0  # seconds a query may run; a request waits for a free worker up to 10x that
    workers: int = 4  # queries running at once
    max_request_bytes: int = 1024 * 1024  # a request body, or a GET query string
    max_result_bytes: int = 64 * 1024 * 1024  # a serialized result
    slow_after: float = 1.0  # CPU seconds after which a query's priority is lowered (nice +10)
    worker_memory_mb: float = 1024  # a worker that no longer shares this much with the factory is replaced
_RESULT_FORMATS = [  # (media type, format) in order of preference when the client accepts anything
    ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("application/xml", ox.QueryResultsFormat.XML),
    ("text/csv", ox.QueryResultsFormat.CSV),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
]
_GRAPH_FORMATS = [
    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("text/turtle", ox.RdfFormat.TURTLE),
    ("text/plain", ox.RdfFormat.N_TRIPLES),
]


def load_in_memory(graph_path: Path, graph_iri: str) -> ox.Store:
    """The Turtle file in an in-memory store, in the named graph graph_iri."""
    graph_path = Path(graph_path)
    if not graph_path.is_file():
        raise QueryError(f"{graph_path}: no such graph file (build one with: kg build --out {graph_path.parent})")
    store = ox.Store()
    try:
        store.bulk_load(path=str(graph_path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph_iri))
    except (SyntaxError, ValueError, OSError) as exc:
        raise QueryError(f"{graph_path}: not a readable Turtle file ({exc})") from None
    return store


def _loaded(graph_path: Path, graph_iri: str) -> tuple[ox.Store, int]:
    store = load_in_memory(graph_path, graph_iri)
    return store, len(store)


def _negotiate(accept: str, offers: list[tuple[str, object]]) -> tuple[str, object] | None:
    """The offer the Accept header prefers (q-values honoured); the first offer for */* or no header."""
    if not accept.strip():
        return offers[0]
    ranked = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, media.lower()))
    for _, _, media in sorted(ranked):
        if media in ("*/*", "application/*", "text/*"):
            prefix = media.split("/")[0]
            for offer in offers:
                if media == "*/*" or offer[0].startswith(prefix + "/"):
                    return offer
        for offer in offers:
            if offer[0] == media:
                return offer
    return None




# ---------------------------------------------------------------- in a worker process

class _ResultTooLarge(Exception):
    pass


class _BoundedBuffer:
    """A write target that refuses to grow past `limit` bytes (pyoxigraph serializes into it 8 KB at a time)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0
        self.overflow = False

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            self.overflow = True
            raise OSError("result too large")
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def answer_query(store: ox.Store, request: dict) -> tuple[int, str, bytes]:
    """(status, media type, body) for one query request; runs in a worker process, so it opens nothing."""
    options = {}
    if request["default_graphs"]:
        options["default_graph"] = [ox.NamedNode(g) for g in request["default_graphs"]]
    else:
        options["use_default_graph_as_union"] = True
    if request["named_graphs"]:
        options["named_graphs"] = [ox.NamedNode(g) for g in request["named_graphs"]]
    out = _BoundedBuffer(request["max_result_bytes"])
    try:
        result = store.query(request["query"], **options)
        offers = _GRAPH_FORMATS if isinstance(result, ox.QueryTriples) else _RESULT_FORMATS
        offer = _negotiate(request["accept"], offers)
        if offer is None:
            return _text(HTTPStatus.NOT_ACCEPTABLE, "acceptable: " + ", ".join(m for m, _ in offers))
        media, fmt = offer
        result.serialize(output=out, format=fmt)
    except SyntaxError as exc:
        return _text(HTTPStatus.BAD_REQUEST, f"SPARQL syntax error: {exc}")
    except (ValueError, OSError) as exc:
        if out.overflow:
            return _text(HTTPStatus.INTERNAL_SERVER_ERROR,
                         f"the result is larger than the limit of {_size(out.limit)} (kg serve --max-result-mb):"
                         " add a LIMIT or narrow the query")
        if isinstance(exc, OSError) and exc.errno == 24 or "os error 24" in str(exc):  # EMFILE: see serve_pool
            return _text(HTTPStatus.FORBIDDEN, _NO_SERVICE)
        return _text(HTTPStatus.BAD_REQUEST, f"query failed: {exc}")
    return HTTPStatus.OK, f"{media}; charset=utf-8", b"".join(out.parts)


def _text(status: HTTPStatus, message: str) -> tuple[int, str, bytes]:
    return status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8")


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB" if n >= 1024 * 1024 else f"{n / 1024:g} KB"


# ---------------------------------------------------------------- SERVICE

_NO_SERVICE = "this endpoint does not call other servers: SERVICE is refused"
# What cannot hide a keyword: strings, IRIs, comments. What is not the keyword: variables, prefixed names.
_NOT_KEYWORDS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n]*', re.S)
_SERVICE = re.compile(r"(?<![\w?$:.-])service(?![\w:.-])", re.I)


def calls_service(query: str) -> bool:
    """Whether the query has a SERVICE clause (a worker could not open the connection anyway: this gives the
    client a clear answer)."""
    return bool(_SERVICE.search(_NOT_KEYWORDS.sub(" ", query)))


# ---------------------------------------------------------------- HTTP

class SparqlHandler(BaseHTTPRequestHandler):
    server: SparqlServer
    protocol_version = "HTTP/1.1"
    timeout = 120  # seconds a connection may stay silent (idle keep-alive, a stalled upload or download)
    error_content_type = "text/plain; charset=utf-8"  # errors the standard library answers itself (414, 431, 501)
    error_message_format = "%(message)s: %(explain)s\n"

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        if self.server.log:
            self.server.log(f"{self.address_string()} {format % args}")

    def send_error(self, code, message=None, explain=None):
        if code == HTTPStatus.REQUEST_URI_TOO_LONG and explain is None:
            explain = "the request line is over 64 KB: send long queries by POST"
        super().send_error(code, message, explain)

    def handle_expect_100(self):
        """`Expect: 100-continue` (curl, for big bodies): refuse an over-size body before the client sends it."""
        if self.command == "POST" and self._body_problem() is not None:
            self._refuse_body()
            return False
        return super().handle_expect_100()

    def do_GET(self):  # noqa: N802 (http.server's naming)
        url = urllib.parse.urlsplit(self.path)
        if url.path != SPARQL_PATH:
            if url.path == "/":
                return self._send(HTTPStatus.OK, "text/plain; charset=utf-8",
                                  f"kg serve: SPARQL 1.1 query endpoint at {SPARQL_PATH} ({self.server.triples:,} triples, read-only)\n")
            return self._error(HTTPStatus.NOT_FOUND, f"no such path; the SPARQL endpoint is {SPARQL_PATH}")
        if len(url.query) > self.server.limits.max_request_bytes:
            return self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, self._too_large())
        self._answer(urllib.parse.parse_qs(url.query, keep_blank_values=True))

    def _body_problem(self) -> tuple[HTTPStatus, str] | None:
        if self.headers.get("Transfer-Encoding") and not self.headers.get("Content-Length"):
            return HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length"
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return HTTPStatus.BAD_REQUEST, "the Content-Length is not a number"
        if length < 0:
            return HTTPStatus.BAD_REQUEST, "the Content-Length is not a number"
        if length > self.server.limits.max_request_bytes:
            return HTTPStatus.REQUEST_ENTITY_TOO_LARGE, self._too_large()
        return None

    def _too_large(self) -> str:
        return (f"the request is larger than the limit of {_size(self.server.limits.max_request_bytes)}"
                " (kg serve --max-request-kb)")

    def _refuse_body(self) -> None:
        """Answer from the headers alone, then throw away (never store) what the client still sends, so it can
        read the answer instead of a reset connection; give up after a few seconds."""
        status, message = self._body_problem()
        self.close_connection = True
        self._send(status, "text/plain; charset=utf-8", message + "\n", {"Connection": "close"})
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + 3.0
            while (left := deadline - time.monotonic()) > 0:
                self.connection.settimeout(left)
                if not self.connection.recv(65536):
                    break
        except OSError:
            pass

    def do_POST(self):  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        if url.path != SPARQL_PATH:
            return self._error(HTTPStatus.NOT_FOUND, f"no such path; the SPARQL endpoint is {SPARQL_PATH}")
        if self._body_problem() is not None:
            return self._refuse_body()
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = self.rfile.read(length).decode("utf-8")
        except UnicodeDecodeError:
            return self._error(HTTPStatus.BAD_REQUEST, "the request body is not UTF-8")
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            for key, values in urllib.parse.parse_qs(body, keep_blank_values=True).items():
                params.setdefault(key, []).extend(values)
        elif kind == "application/sparql-query":
            params["query"] = [body]
        elif kind == "application/sparql-update":
            return self._error(HTTPStatus.FORBIDDEN, READ_ONLY)
        else:
            return self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                               "send the query form-encoded (query=...) or as application/sparql-query")
        self._answer(params)

    def _answer(self, params: dict[str, list[str]]) -> None:
        if "update" in params:
            return self._error(HTTPStatus.FORBIDDEN, READ_ONLY)
        queries = params.get("query") or []
        if len(queries) != 1:
            return self._error(HTTPStatus.BAD_REQUEST, "give exactly one query parameter: ?query=SELECT ...")
        if calls_service(queries[0]):
            return self._error(HTTPStatus.FORBIDDEN, _NO_SERVICE)
        defaults = params.get("default-graph-uri") or []
        named = params.get("named-graph-uri") or []
        try:
            for iri in defaults + named:
                ox.NamedNode(iri)
        except ValueError as exc:
            return self._error(HTTPStatus.BAD_REQUEST, f"not a graph IRI: {exc}")
        request = {"query": queries[0], "default_graphs": defaults, "named_graphs": named,
                   "accept": self.headers.get("Accept", ""), "max_result_bytes": self.server.limits.max_result_bytes}
        started = time.perf_counter()
        try:
            reply = self.server.pool.run(request, client=self.connection)
        except ClientGone:
            self.close_connection = True
            return None
        except (QueryTimeout, PoolBusy) as exc:
            return self._error(HTTPStatus.SERVICE_UNAVAILABLE, f"{exc.reason} (kg serve --timeout)",
                               {"Retry-After": "5"} if isinstance(exc, PoolBusy) else None)
        except PoolError as exc:
            return self._error(HTTPStatus.INTERNAL_SERVER_ERROR, exc.reason)
        status, media, body = reply
        self._send(status, media, body, {"X-Query-Seconds": f"{time.perf_counter() - started:.3f}"})

    def _error(self, status: HTTPStatus, message: str, headers: dict | None = None) -> None:
        self._send(status, "text/plain; charset=utf-8", message + "\n", headers)

    def _send(self, status: HTTPStatus, media: str, body: str | bytes, headers: dict | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Access-Control-Allow-Origin", "*")  # browser SPARQL clients (YASGUI) on loopback
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


class SparqlServer(ThreadingHTTPServer):
    """The HTTP front: one thread per connection, queries answered by a WorkerPool whose factory loads the graph.

    Create it before starting any thread: it binds the port (a taken port fails at once), then forks the pool's
    factory, which loads graph_path (QueryError if it cannot) and keeps the store; this process never holds it."""

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, graph_path: Path, graph_iri: str, host: str = "127.0.0.1", port: int = 7878, log=None,
                 limits: Limits | None = None):
        graph_path = Path(graph_path)
        if not graph_path.is_file():
            raise QueryError(f"{graph_path}: no such graph file (build one with: kg build --out {graph_path.parent})")
        self.pool = None
        super().__init__((host, port), SparqlHandler)
        self.limits = limits or Limits()
        self.log = log
        try:
            self.pool = WorkerPool(lambda: _loaded(graph_path, graph_iri), answer_query, size=self.limits.workers,
                                   timeout=self.limits.timeout, slow_after=self.limits.slow_after,
                                   worker_memory_mb=self.limits.worker_memory_mb)
        except BaseException:
            self.socket.close()
            raise
        self.triples = self.pool.info

    def server_close(self) -> None:
        super().server_close()
        if self.pool is not None:
            self.pool.close()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{SPARQL_PATH}"
