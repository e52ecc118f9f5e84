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
"""
from __future__ import annotations

import time
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox

from kg.errors import QueryError

SPARQL_PATH = "/sparql"
MAX_QUERY_BYTES = 1 << 20

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


class SparqlHandler(BaseHTTPRequestHandler):
    server: SparqlServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        if self.server.log:
            self.server.log(f"{self.address_string()} {format % args}")

    def do_GET(self):  # noqa: N802 (http.server's naming)
        url = urllib.parse.urlsplit(self.path)
        if url.path != SPARQL_PATH:
            if url.path == "/":
                return self._send(HTTPStatus.OK, "text/plain; charset=utf-8",
                                  f"kg serve: SPARQL 1.1 query endpoint at {SPARQL_PATH} ({self.server.triples:,} triples, read-only)\n")
            return self._error(HTTPStatus.NOT_FOUND, f"no such path; the SPARQL endpoint is {SPARQL_PATH}")
        self._answer(urllib.parse.parse_qs(url.query, keep_blank_values=True))

    def do_POST(self):  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        if url.path != SPARQL_PATH:
            return self._error(HTTPStatus.NOT_FOUND, f"no such path; the SPARQL endpoint is {SPARQL_PATH}")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_QUERY_BYTES:
            return self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the request body must be 0-{MAX_QUERY_BYTES} bytes")
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            for key, values in urllib.parse.parse_qs(body, keep_blank_values=True).items():
                params.setdefault(key, []).extend(values)
        elif kind == "application/sparql-query":
            params["query"] = [body]
        elif kind == "application/sparql-update":
            return self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: rebuild the graph with kg build instead")
        else:
            return self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                               "send the query form-encoded (query=...) or as application/sparql-query")
        self._answer(params)

    def _answer(self, params: dict[str, list[str]]) -> None:
        if "update" in params:
            return self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: rebuild the graph with kg build instead")
        queries = params.get("query") or []
        if len(queries) != 1:
            return self._error(HTTPStatus.BAD_REQUEST, "give exactly one query parameter: ?query=SELECT ...")
        options = {}
        defaults = params.get("default-graph-uri")
        named = params.get("named-graph-uri")
        try:
            if defaults:
                options["default_graph"] = [ox.NamedNode(g) for g in defaults]
            else:
                options["use_default_graph_as_union"] = True
            if named:
                options["named_graphs"] = [ox.NamedNode(g) for g in named]
        except ValueError as exc:
            return self._error(HTTPStatus.BAD_REQUEST, f"not a graph IRI: {exc}")
        started = time.perf_counter()
        try:
            result = self.server.store.query(queries[0], **options)
            if isinstance(result, ox.QueryTriples):
                offer = _negotiate(self.headers.get("Accept", ""), _GRAPH_FORMATS)
            else:
                offer = _negotiate(self.headers.get("Accept", ""), _RESULT_FORMATS)
            if offer is None:
                return self._error(HTTPStatus.NOT_ACCEPTABLE, "acceptable: " + ", ".join(
                    m for m, _ in (_GRAPH_FORMATS if isinstance(result, ox.QueryTriples) else _RESULT_FORMATS)))
            media, fmt = offer
            body = result.serialize(format=fmt)
        except SyntaxError as exc:
            return self._error(HTTPStatus.BAD_REQUEST, f"SPARQL syntax error: {exc}")
        except (ValueError, OSError) as exc:
            return self._error(HTTPStatus.BAD_REQUEST, f"query failed: {exc}")
        self._send(HTTPStatus.OK, f"{media}; charset=utf-8", body,
                   {"X-Query-Seconds": f"{time.perf_counter() - started:.3f}"})

    def _error(self, status: HTTPStatus, message: str) -> None:
        self._send(status, "text/plain; charset=utf-8", message + "\n")

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
    daemon_threads = True

    def __init__(self, store: ox.Store, host: str = "127.0.0.1", port: int = 7878, log=None):
        super().__init__((host, port), SparqlHandler)
        self.store = store
        self.triples = len(store)
        self.log = log

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{SPARQL_PATH}"

