"""Load an exported graph.ttl into a SPARQL server through the SPARQL 1.1 Graph Store HTTP Protocol.

The file is parsed once up front (pyoxigraph) to count its triples and to make sure it is Turtle before anything
is sent, then parsed again and streamed in chunks of N triples, each serialised as N-Triples and POSTed to
`ENDPOINT?graph=IRI` (Virtuoso: `http://host:8890/sparql-graph-crud-auth`; Fuseki: `http://host:3030/ds/data`;
Oxigraph server: `http://host:7878/store`). Only one chunk is in memory at a time. Retrying a chunk is safe: a
graph is a set, so a chunk stored twice is stored once. After the last chunk, `SELECT (COUNT(*) AS ?n)` on the
server's SPARQL query endpoint must give the number of triples in the file.

Blank nodes are only meaningful inside one document, so triples with blank nodes (kg's exports have none) are
all sent together in a last chunk of their own.

Credentials are answered to whichever challenge the server sends (HTTP Digest, as Virtuoso asks, or Basic).
Every failure a user can cause or fix (file missing or not Turtle, wrong URL, server down, wrong password,
graph not empty) is a `PushError` that says what to do.
"""
from __future__ import annotations

import csv
import http.client
import io
import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pyoxigraph as ox

from kg.errors import PushError
from kg.sparql.results import QueryResult

DEFAULT_GRAPH = "https://w3id.org/kg-ai/graph"
DEFAULT_CHUNK_SIZE = 50_000
NTRIPLES = "application/n-triples"
_RETRY_STATUS = {408, 429, 500, 502, 503, 504}
_EXCERPT = 300


@dataclass
class PushPlan:
    """A parsed and counted Turtle file, ready to be sent in chunks."""

    path: Path
    triples: int
    blank_node_triples: int
    chunk_size: int

    @property
    def chunks(self) -> int:
        plain = self.triples - self.blank_node_triples
        return -(-plain // self.chunk_size) + (1 if self.blank_node_triples else 0)


@dataclass
class PushResult:
    graph: str
    endpoint: str
    sparql: str
    triples: int
    chunks: int
    server_count: int
    seconds: float
    retries: int = 0
    replaced: bool = False
    repeated: int = 0  # triples the file states more than once (the server holds each once)


@dataclass
class Server:
    """Where to send: the Graph Store endpoint, the graph, the SPARQL query endpoint, credentials, retry policy."""

    endpoint: str
    graph: str = DEFAULT_GRAPH
    sparql: str | None = None
    user: str | None = None
    password: str | None = None
    graph_param: str = "graph"
    retries: int = 4
    retry_delay: float = 1.0
    timeout: float = 300.0
    sparql_option: str = "--sparql"  # how the user gave the query endpoint (kg query: --endpoint), for messages
    retried: int = field(default=0, init=False)

    def __post_init__(self):
        self.endpoint = _check_url(self.endpoint, "--endpoint")
        if not self.graph or not _is_absolute_iri(self.graph):
            raise PushError(f"--graph {self.graph!r} is not an absolute IRI: give one such as {DEFAULT_GRAPH}")
        self.sparql = _check_url(self.sparql, self.sparql_option) if self.sparql else default_sparql_url(self.endpoint)
        if bool(self.user) != (self.password is not None):
            raise PushError("give both --user and --password, or neither")
        handlers = []
        if self.user:  # without credentials a 401 must reach us as it is
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in {self.endpoint, self.sparql}:
                manager.add_password(None, _origin(url), self.user, self.password)
            handlers = [_SigningDigestAuthHandler(manager), urllib.request.HTTPBasicAuthHandler(manager)]
        self._opener = urllib.request.build_opener(*handlers)

    @property
    def graph_url(self) -> str:
        parts = urllib.parse.urlsplit(self.endpoint)
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True) + [(self.graph_param, self.graph)]
        return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))

    # ------------------------------------------------------------------ HTTP with retries

    def request(
        self, method: str, url: str, data: bytes | None = None, headers: dict | None = None, what: str = "", accept: tuple[int, ...] = (),
    ) -> tuple[int, bytes]:
        """Send one request; retry connection failures and 5xx with exponential backoff; other 4xx is a PushError
        (statuses in `accept` are returned instead)."""
        what = what or f"{method} {url}"
        attempt = 0
        while True:
            request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    return response.status, response.read()
            except urllib.error.HTTPError as exc:
                body = _read_body(exc)
                if exc.code in accept:
                    return exc.code, body
                if exc.code not in _RETRY_STATUS or attempt >= self.retries:
                    raise self._http_error(exc.code, exc.reason, body, url, what, attempt) from None
            except ValueError as exc:  # urllib: an authentication scheme other than Digest and Basic
                raise PushError(f"{_origin(url)} asks for authentication kg cannot give ({exc}) to {what}") from None
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError, socket.timeout, TimeoutError) as exc:
                reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
                if attempt >= self.retries:
                    raise PushError(
                        f"cannot reach {_origin(url)} ({_describe(reason)}) after {attempt + 1} attempt(s) to {what}: "
                        "is the server running and is the URL right?"
                    ) from None
            attempt += 1
            self.retried += 1
            time.sleep(min(self.retry_delay * 2 ** (attempt - 1), 60.0))

    def _http_error(self, code: int, reason: str, body: bytes, url: str, what: str, attempt: int) -> PushError:
        excerpt = _excerpt(body)
        tail = f": {excerpt}" if excerpt else ""
        if code == 401:
            if not self.user:
                return PushError(f"{_origin(url)} asks for a user and password (HTTP 401) to {what}: give --user and --password")
            return PushError(f"{_origin(url)} refused user {self.user!r} (HTTP 401) to {what}: check --user and --password")
        if code == 403:
            return PushError(
                f"user {self.user or '(anonymous)'} may not {what} (HTTP 403){tail}: use a user allowed to write "
                "(Virtuoso: one with the SPARQL_UPDATE role, e.g. dba)"
            )
        if code in (404, 405, 501) and url == self.sparql:
            return PushError(
                f"no SPARQL query endpoint at {url} (HTTP {code} {reason}) to {what}: check {self.sparql_option}"
                + (", or --endpoint it is derived from" if self.sparql_option == "--sparql" else "")
                + " (Virtuoso: queries at http://HOST:8890/sparql, Graph Store at http://HOST:8890/sparql-graph-crud-auth)"
            )
        if code in (404, 405, 501):
            return PushError(
                f"no Graph Store endpoint at {url.split('?')[0]} (HTTP {code} {reason}) to {what}: check the URL "
                "(Virtuoso: http://HOST:8890/sparql-graph-crud-auth; Fuseki: http://HOST:3030/DATASET/data; "
                "Oxigraph: http://HOST:7878/store)"
            )
        if code >= 500:
            return PushError(f"server error HTTP {code} {reason} after {attempt + 1} attempt(s) to {what}{tail}")
        hint = ""
        if url != self.sparql and urllib.parse.urlsplit(url).path.rstrip("/").endswith(("/sparql", "/query")):
            hint = (
                f" ({self.endpoint} looks like a SPARQL query endpoint: give the Graph Store endpoint, e.g. Virtuoso's "
                "http://HOST:8890/sparql-graph-crud-auth)"
            )
        return PushError(f"server rejected the request to {what} (HTTP {code} {reason}){tail}{hint}")

    # ------------------------------------------------------------------ SPARQL

    def select(self, query: str, default_graph: str | None = None) -> QueryResult:
        """Run a SELECT (or ASK) query on the SPARQL endpoint (protocol POST). SELECT results are asked for as CSV
        (parsed several times faster than JSON for big answers: values only, which is all a QueryResult holds),
        with JSON as the fallback a server may answer instead; ASK as JSON."""
        form = [("query", query)] + ([("default-graph-uri", default_graph)] if default_graph else [])
        accept = "application/sparql-results+json" if _is_ask(query) else "text/csv, application/sparql-results+json;q=0.9"
        status, body = self.request(
            "POST", self.sparql, urllib.parse.urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
            what="run a SPARQL query",
        )
        try:
            if body.lstrip()[:1] != b"{":  # not JSON: CSV
                return _csv_result(body)
            doc = json.loads(body.decode("utf-8"))
            if isinstance(doc.get("boolean"), bool):  # an ASK query
                return QueryResult(["result"], [["true" if doc["boolean"] else "false"]])
            columns = list(doc["head"]["vars"])
            bindings = doc["results"]["bindings"]
        except (ValueError, KeyError, TypeError, csv.Error):
            raise PushError(
                f"{self.sparql} did not answer with SPARQL JSON or CSV results (got: {_excerpt(body) or 'nothing'}): "
                f"give the server's SPARQL query endpoint with {self.sparql_option}"
            ) from None
        return QueryResult(columns, [[(b.get(c) or {}).get("value") for c in columns] for b in bindings])

    def count(self) -> int:
        # A new comment each time: Virtuoso caches query plans by text, and a plan compiled when the database was
        # small stayed in use after it grew (6 s instead of 0.05 s for this count, measured).
        result = self.select(
            f"# kg push count check {time.time_ns()}\n"
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {ox.NamedNode(self.graph)} {{ ?s ?p ?o }} }}"
        )
        try:
            return int(result.rows[0][0])
        except (IndexError, TypeError, ValueError):
            raise PushError(f"{self.sparql} gave no triple count for graph <{self.graph}> (answer: {result.rows!r})") from None


class _SigningDigestAuthHandler(urllib.request.HTTPDigestAuthHandler):
    """HTTP Digest that, once a host has challenged, signs the next requests to it up front (same nonce, the
    count going up), so a chunk is not sent once unsigned, refused with 401, then sent again. A server that wants
    a fresh nonce answers 401 and the usual challenge-response follows."""

    def __init__(self, manager):
        super().__init__(manager)
        self._challenges: dict[str, dict] = {}
        self.signed_ahead = 0

    def retry_http_digest_auth(self, req, auth):
        _, challenge = auth.split(" ", 1)
        self._challenges[req.host] = urllib.request.parse_keqv_list(filter(None, urllib.request.parse_http_list(challenge)))
        return super().retry_http_digest_auth(req, auth)

    def http_request(self, req):
        challenge = self._challenges.get(req.host)
        if challenge and not req.has_header("Authorization") and _in_domain(req.full_url, challenge.get("domain")):
            authorization = self.get_authorization(req, challenge)
            if authorization:
                req.add_unredirected_header("Authorization", f"Digest {authorization}")
                self.signed_ahead += 1
        return req

    https_request = http_request


def _in_domain(url: str, domain: str | None) -> bool:
    """Whether a URL is in a Digest challenge's protection space (RFC 7616 `domain`; none: the whole server)."""
    if not domain:
        return True
    path = urllib.parse.urlsplit(url).path
    return any(path.startswith(urllib.parse.urlsplit(uri).path or "/") for uri in domain.split())


# ---------------------------------------------------------------------- the file

def plan(path: Path, chunk_size: int = DEFAULT_CHUNK_SIZE) -> PushPlan:
    """Parse the whole file once: count its triples (and those with blank nodes); fail before sending anything."""
    path = Path(path)
    if chunk_size < 1:
        raise PushError(f"--chunk-size {chunk_size}: give a positive number of triples")
    triples = blank = 0
    for triple in _parse(path):
        triples += 1
        blank += _has_blank(triple)
    if not triples:
        raise PushError(f"{path}: no triples in it, nothing to push (build a graph first: kg build --out {path.parent})")
    return PushPlan(path, triples, blank, chunk_size)


def chunks(push_plan: PushPlan) -> Iterator[tuple[int, bytes]]:
    """(number of triples, N-Triples bytes) per chunk; triples with blank nodes last, in one chunk."""
    batch: list = []
    blanks: list = []
    for triple in _parse(push_plan.path):
        if _has_blank(triple):
            blanks.append(triple)
            continue
        batch.append(triple)
        if len(batch) == push_plan.chunk_size:
            yield len(batch), ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES)
            batch = []
    if batch:
        yield len(batch), ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES)
    if blanks:
        yield len(blanks), ox.serialize(blanks, format=ox.RdfFormat.N_TRIPLES)


def distinct_triples(path: Path) -> int:
    """Triples in the file counted once each (a hash per triple; only needed when a count check disagrees)."""
    import hashlib

    seen: set[bytes] = set()
    blank = 0
    for triple in _parse(Path(path)):
        if _has_blank(triple):  # all sent in one document, as in the file: counted as they are
            blank += 1
        else:
            seen.add(hashlib.blake2b(str(triple).encode(), digest_size=12).digest())
    return len(seen) + blank


def _parse(path: Path):
    if not path.is_file():
        raise PushError(f"{path}: no such file (build one with: kg build --out {path.parent})")
    try:
        with open(path, "rb") as handle:
            yield from ox.parse(handle, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
    except SyntaxError as exc:
        raise PushError(f"{path}: not a valid Turtle file ({exc}); push a graph.ttl written by kg build") from None
    except (ValueError, OSError) as exc:
        raise PushError(f"{path}: cannot be read as Turtle ({exc})") from None


def _has_blank(triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


# ---------------------------------------------------------------------- the push

def push(
    push_plan: PushPlan,
    server: Server,
    *,
    replace: bool = False,
    on_chunk: Callable[[int], None] | None = None,
) -> PushResult:
    """Send the planned file to the server's graph, then check the server holds exactly the file's triples."""
    started = time.perf_counter()
    if replace:
        _delete_graph(server)
    else:
        before = server.count()
        if before:
            raise PushError(
                f"graph <{server.graph}> at {server.sparql} already holds {before} triples: "
                "give --replace to replace them, or another --graph"
            )
    sent = 0
    total = push_plan.chunks
    for number, (size, data) in enumerate(chunks(push_plan), start=1):
        server.request(
            "POST", server.graph_url, data, {"Content-Type": NTRIPLES},
            what=f"load chunk {number} of {total} into <{server.graph}>",
        )
        sent += 1
        if on_chunk:
            on_chunk(size)
    found = server.count()
    repeated = 0
    if found != push_plan.triples and found == distinct_triples(push_plan.path):
        repeated = push_plan.triples - found  # the file states some triples more than once; a graph holds each once
    if found != push_plan.triples - repeated:
        raise PushError(
            f"count check failed: graph <{server.graph}> at {server.sparql} holds {found} triples, "
            f"{push_plan.path} has {push_plan.triples}; push again with --replace (if the server dropped data, see its log)"
        )
    return PushResult(
        graph=server.graph, endpoint=server.endpoint, sparql=server.sparql, triples=push_plan.triples,
        chunks=sent, server_count=found, seconds=time.perf_counter() - started, retries=server.retried, replaced=replace,
        repeated=repeated,
    )


def _delete_graph(server: Server) -> tuple[int, bytes]:
    """GSP DELETE of the graph; a graph that does not exist yet (404) is fine."""
    return server.request("DELETE", server.graph_url, what=f"delete graph <{server.graph}>", accept=(404,))


# ---------------------------------------------------------------------- URLs

def default_sparql_url(endpoint: str) -> str:
    """The SPARQL query endpoint next to a Graph Store endpoint.

    Virtuoso `/sparql-graph-crud[-auth]` -> `/sparql`; Fuseki `/ds/data` -> `/ds/sparql`; Oxigraph `/store` ->
    `/query`; anything else: the same URL (Fuseki 5 and others answer both protocols on one URL).
    """
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rstrip("/")
    head, _, last = path.rpartition("/")
    if last in ("sparql-graph-crud", "sparql-graph-crud-auth"):
        path = head + "/sparql"
    elif last == "data":
        path = head + "/sparql"
    elif last == "store":
        path = head + "/query"
    return urllib.parse.urlunsplit(parts._replace(path=path or "/", query="", fragment=""))


def _check_url(url: str, option: str) -> str:
    parts = urllib.parse.urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PushError(f"{option} {url!r} is not an http(s) URL: give one such as http://localhost:8890/sparql-graph-crud-auth")
    try:
        parts.port
    except ValueError:
        raise PushError(f"{option} {url!r} has an invalid port") from None
    return url


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _is_absolute_iri(text: str) -> bool:
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return bool(urllib.parse.urlsplit(text).scheme) and not any(c.isspace() for c in text)


def _read_body(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read() or b""
    except Exception:  # noqa: BLE001 - a body we cannot read is just not shown
        return b""


def _excerpt(body: bytes) -> str:
    text = " ".join(body.decode("utf-8", "replace").split())
    return text[:_EXCERPT] + ("…" if len(text) > _EXCERPT else "")


def _describe(reason) -> str:
    if isinstance(reason, BaseException):
        return f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__
    return str(reason)


_QUERY_FORM = re.compile(r"(?:\s+|#[^\n]*|(?:PREFIX\s+[\w.-]*:\s*|BASE\s*)<[^>]*>)*(\w+)", re.I)


def _is_ask(query: str) -> bool:
    m = _QUERY_FORM.match(query)
    return bool(m and m.group(1).upper() == "ASK")


def _csv_result(body: bytes) -> QueryResult:
    """SPARQL 1.1 CSV results: a header of variable names, then values; an empty field is an unbound value."""
    text = body.decode("utf-8")
    if not text.strip():
        raise ValueError("empty answer")
    rows = csv.reader(io.StringIO(text, newline=""))
    columns = next(rows)
    if not columns or not all(re.fullmatch(r"\w+", c) for c in columns):
        raise ValueError("not a SPARQL CSV header")
    return QueryResult(columns, [[value or None for value in row] for row in rows if row])
