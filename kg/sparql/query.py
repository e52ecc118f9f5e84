"""SPARQL 1.1 over an exported Turtle file (pyoxigraph), named queries shipped in the package, output formats.

Parameters of named queries are `$name` variables in the query text; values are typed and written as
escaped SPARQL literals, so user input can never change the query's structure. A `name` parameter is written
in lower case, to match the precomputed `kg:nameKey` of every label and alias. A line ending in `# if NAME` is
kept only when parameter NAME is given (not empty): a filter that is not needed is not evaluated at all.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import QueryError

QUERIES_DIR = Path(__file__).parent.parent / "queries"
_PARAM_LINE = re.compile(r"^#\s*param\s+(\w+)\s+(string|name|date|integer)\s+(\"[^\"]*\"|\S+)\s*(.*)$")
_IF_LINE = re.compile(r"#\s*if\s+(\w+)\s*$")


@dataclass
class Param:
    name: str
    kind: str
    default: str
    help: str


@dataclass
class NamedQuery:
    name: str
    description: str
    params: list[Param]
    text: str


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list[str | None]]


def named_queries() -> dict[str, NamedQuery]:
    out = {}
    for path in sorted(QUERIES_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        description = lines[0].lstrip("# ").strip() if lines else ""
        params = []
        for line in lines:
            m = _PARAM_LINE.match(line)
            if m:
                params.append(Param(m.group(1), m.group(2), m.group(3).strip('"'), m.group(4).strip()))
        out[path.stem] = NamedQuery(path.stem, description, params, text)
    return out


def literal_for(kind: str, value: str, name: str) -> str:
    """A typed, escaped SPARQL literal for a parameter value."""
    if kind == "date":
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise QueryError(f"parameter {name}={value!r} is not a date: use YYYY-MM-DD")
        return str(ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")))
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", value):
            raise QueryError(f"parameter {name}={value!r} is not a whole number")
        return str(int(value))
    if kind == "name":
        value = value.strip().lower()
    return str(ox.Literal(value))  # N-Triples escaping: every character survives, nothing can end the string


def bind_params(query: NamedQuery, given: dict[str, str]) -> str:
    unknown = set(given) - {p.name for p in query.params}
    if unknown:
        known = ", ".join(p.name for p in query.params) or "none"
        raise QueryError(f"query '{query.name}' has no parameter {', '.join(sorted(unknown))} (parameters: {known})")
    values = {p.name: given.get(p.name, p.default) for p in query.params}
    text = "\n".join(
        line for line in query.text.splitlines()
        if not ((m := _IF_LINE.search(line)) and not values.get(m.group(1), "").strip())
    )
    for p in query.params:
        value = literal_for(p.kind, values[p.name], p.name)
        text = re.sub(rf"\${p.name}\b", lambda _m, literal=value: literal, text)
    return text


PRECOMPUTED_CHECK = "ASK { ?entity <https://w3id.org/kg-ai/vocab#name> ?name }"


def explain_empty(rows: int, ask) -> None:
    """After a named query found no rows: raise if the graph lacks the precomputed names and counts the named
    queries read (an export of an older kg), so "no rows" is never a silent wrong answer. `ask` runs a query."""
    if rows:
        return
    answer = ask(PRECOMPUTED_CHECK)
    if answer.rows and answer.rows[0][0] not in ("true", "1", True):
        raise QueryError("this graph has no kg:name triples: it was exported by an older kg, and the named queries"
                         " read the names and monthly counts kg build now precomputes. Rebuild it with kg build")


def load_store(graph_path: Path, *, persistent: bool = True, notify=None) -> ox.Store:
    """A store holding graph_path: the persistent store next to it when it matches the file (built or rebuilt
    from the Turtle when missing or stale, with a message), else (persistent=False, or no writable place for a
    store) the Turtle parsed into memory."""
    graph_path = Path(graph_path)
    if not graph_path.is_file():
        raise QueryError(f"{graph_path}: no such graph file (build one with: kg build --out {graph_path.parent})")
    if persistent:
        store = open_store(graph_path, notify=notify or _stderr)
        if store is not None:
            return store
    store = ox.Store()
    try:
        store.load(path=str(graph_path), format=ox.RdfFormat.TURTLE)
    except (SyntaxError, ValueError, OSError) as exc:
        raise QueryError(f"{graph_path}: not a readable Turtle file ({exc})") from None
    return store


# ---------------------------------------------------------------- the persistent store
#
# graph.ttl -> .graph.ttl.oxigraph/ (a RocksDB pyoxigraph store; hidden, and ignored by git through its own
# .gitignore, because it is an index of the Turtle, not an export) with kg-store.json recording the Turtle it was
# loaded from: size, mtime, inode and SHA-256. A store is used only when it matches the Turtle: the same
# size, mtime and inode, or (after a copy that kept the content) the same SHA-256. Anything else is stale and
# is rebuilt from the Turtle. Stores are written into a temp folder and swapped in by renames under a lock,
# so an interrupted write leaves the previous store (which is then stale, and rebuilt) or nothing.

STORE_FORMAT = 1
STORE_META = "kg-store.json"


def store_dir(graph_path: Path) -> Path:
    """Where the store of graph_path lives: exports/graph.ttl -> exports/.graph.ttl.oxigraph/."""
    graph_path = Path(graph_path)
    return graph_path.parent / f".{graph_path.name}.oxigraph"


def _cache_store_dir(graph_path: Path) -> Path:
    """The fallback place when the graph's folder is not writable: a per-file folder in the user's cache."""
    import hashlib
    import os

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kg" / "stores"
    key = hashlib.sha256(str(Path(graph_path).resolve()).encode("utf-8")).hexdigest()[:16]
    return cache / key / store_dir(graph_path).name


def _stderr(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)


def _stat_key(graph_path: Path) -> dict:
    st = Path(graph_path).stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "inode": st.st_ino}


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _read_meta(target: Path) -> dict | None:
    try:
        meta = json.loads((target / STORE_META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("format") != STORE_FORMAT or meta.get("pyoxigraph") != ox.__version__:
        return None
    return meta


def store_state(graph_path: Path, target: Path | None = None) -> str:
    """'fresh' (the store matches graph_path), 'missing' or 'stale'."""
    target = Path(target) if target else store_dir(graph_path)
    meta = _read_meta(target)
    if meta is None:
        return "stale" if target.exists() else "missing"
    key = _stat_key(graph_path)
    if all(meta.get(k) == v for k, v in key.items()):
        return "fresh"
    if meta.get("size") == key["size"] and meta.get("sha256") == _sha256(graph_path):
        try:  # same content (a copy, a touch): remember the new stat so the next check is quick
            _write_meta(target, {**meta, **key})
        except OSError:
            pass
        return "fresh"
    return "stale"


def _write_meta(folder: Path, meta: dict) -> None:
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{STORE_META}.", suffix=".tmp", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(meta, handle, indent=1)
    os.replace(tmp, folder / STORE_META)


def _lock(target: Path):
    import fcntl
    from contextlib import contextmanager

    @contextmanager
    def locked():  # a lock on the folder itself: no lock file to leave behind
        import os

        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    return locked()


def write_store(graph_path: Path, target: Path | None = None) -> Path:
    """Bulk-load graph_path into a new store and swap it in at target (default: next to the file)."""
    graph_path = Path(graph_path)
    target = Path(target) if target else store_dir(graph_path)
    with _lock(target):
        _build_store(graph_path, target)
    return target


class StoreJob:
    """write_store run by another process (`python -m kg.sparql.query GRAPH.ttl`), so the exports after the Turtle are
    written meanwhile: the store is loaded by pyoxigraph on the other core while GraphML and HTML are written.
    A separate interpreter, not a fork: it shares no memory or locks with the build that started it.

    With `update` (the arguments of `update_store_from_ranges`, as JSON values), the old store is updated
    instead (`python -m kg.sparql.query --update PLAN.json`); `output` then says how many triples went out and in."""

    def __init__(self, graph_path: Path, target: Path | None = None, *, update: dict | None = None):
        import json
        import os
        import subprocess
        import sys
        import tempfile

        package_root = str(Path(__file__).resolve().parents[2])  # kg importable even when run from a checkout
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)}
        args = [sys.executable, "-m", "kg.sparql.query", str(graph_path), *([str(target)] if target else [])]
        self._plan = None
        if update is not None:
            self._plan = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8")
            with self._plan:
                json.dump({"new_graph": str(graph_path), **update}, self._plan)
            args = [sys.executable, "-m", "kg.sparql.query", "--update", self._plan.name]
        self.graph_path = Path(graph_path)
        self.output = ""
        self._stderr = tempfile.TemporaryFile()  # a file, not a pipe: a chatty writer can never block on it
        self._stdout = tempfile.TemporaryFile()
        self.process = subprocess.Popen(args, env=env, stdout=self._stdout, stderr=self._stderr)

    def _close_files(self) -> None:
        self._stdout.seek(0)
        self.output = self._stdout.read().decode("utf-8", "replace")
        self._stdout.close()
        self._stderr.close()
        if self._plan is not None:
            Path(self._plan.name).unlink(missing_ok=True)

    def wait(self) -> Path:
        """The store's folder once it is in place; QueryError with the writer's message if it failed."""
        self.process.wait()
        self._stderr.seek(0)
        err = self._stderr.read()
        self._close_files()
        if self.process.returncode != 0:
            lines = err.decode("utf-8", "replace").strip().splitlines()
            raise QueryError(lines[-1].removeprefix("kg: ") if lines else
                             f"writing the query store of {self.graph_path} failed (exit {self.process.returncode})")
        return store_dir(self.graph_path)

    def cancel(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._close_files()


def _build_store(graph_path: Path, target: Path) -> None:
    import os
    import shutil
    import tempfile

    for leftover in target.parent.glob(f".{target.name}.*.tmp"):  # from interrupted writes (we hold the lock)
        shutil.rmtree(leftover, ignore_errors=True)
    for _attempt in range(3):
        before = _stat_key(graph_path)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        try:
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(tmp, 0o777 & ~mask)  # readable like the Turtle next to it (mkdtemp makes it private)
            store = ox.Store(str(tmp))
            try:
                _load_in_chunks(store, graph_path)
            except (SyntaxError, ValueError) as exc:
                raise QueryError(f"{graph_path}: not a readable Turtle file ({exc})") from None
            store.flush()
            triples = len(store)
            del store  # closes the database
            sha = _sha256(graph_path)
            if _stat_key(graph_path) != before:  # replaced while we read it: load the new one
                shutil.rmtree(tmp, ignore_errors=True)
                continue
            _finish_store(tmp, target, graph_path, before, sha, triples)
            return
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    raise QueryError(f"{graph_path} kept changing while its query store was written; try again")


def store_triples(graph_path: Path) -> int | None:
    """The number of triples in graph_path's store when it is up to date with the file, else None."""
    if store_state(graph_path) != "fresh":
        return None
    meta = _read_meta(store_dir(graph_path)) or {}
    return meta.get("triples") if isinstance(meta.get("triples"), int) else None


def _finish_store(folder: Path, target: Path, graph_path: Path, stat_key: dict, sha256: str, triples: int) -> None:
    """Mark a written store folder as the index of graph_path (meta, .gitignore) and swap it in at target."""
    import os
    import shutil
    import tempfile

    (folder / ".gitignore").write_text("*\n", encoding="utf-8")
    _write_meta(folder, {"format": STORE_FORMAT, "pyoxigraph": ox.__version__, "source": Path(graph_path).name,
                         **stat_key, "sha256": sha256, "triples": triples})
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
        os.replace(target, old / "store")
    os.replace(folder, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def update_store(old_graph: Path, new_graph: Path, *, removed: list, added: list, sha256: str) -> Path:
    """The store of new_graph made from old_graph's (fresh) store: cloned by a RocksDB checkpoint (hard links),
    then the removed triples taken out and the added ones put in. Written to a temp folder and swapped in."""
    import shutil
    import tempfile

    source, target = store_dir(old_graph), store_dir(new_graph)
    meta = _read_meta(source)
    with _lock(target):
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        try:
            ox.Store.read_only(str(source)).backup(str(tmp / "db"))
            store = ox.Store(str(tmp / "db"))
            for triple in removed:
                store.remove(ox.Quad(triple.subject, triple.predicate, triple.object))
            # bulk: 2.4x faster than extend for 170,000 triples; it is not atomic, but the copy is swapped in only
            # once it is complete
            store.bulk_extend([ox.Quad(t.subject, t.predicate, t.object) for t in added])
            store.flush()
            del store
            db = tmp / "db"
            _finish_store(db, target, new_graph, _stat_key(new_graph), sha256,
                          (meta or {}).get("triples", 0) - len(removed) + len(added))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def update_store_from_ranges(old_graph: str, new_graph: str, *, removed: list, added: list, header: str,
                             sha256: str) -> tuple[int, int]:
    """update_store with the triples of the `removed` byte ranges of old_graph and the `added` ranges of new_graph
    (units of spliced Turtle files, each parsed after the files' @prefix lines, `header`). Returns both counts."""
    from kg.export.incremental import triples_in_ranges

    before = set(triples_in_ranges(Path(old_graph), removed, header.encode("utf-8")))
    after = set(triples_in_ranges(Path(new_graph), added, header.encode("utf-8")))
    # A unit written again mostly holds the triples it held (an entity named once more keeps its thousands of
    # coMentionedWith triples): the store is given the difference only. No triple is in two units (one subject
    # each), so the store ends up with exactly the new file's triples.
    out, into = list(before - after), list(after - before)
    update_store(Path(old_graph), Path(new_graph), removed=out, added=into, sha256=sha256)
    return len(out), len(into)


# Quads per bulk_extend call. One bulk_load of the full ainews-zh export (3.6 M triples) peaked at 1,561 MB;
# chunks of 500,000 at 684 MB, for 1.7x the time (127 s instead of 73 s) and the same query speed.
LOAD_CHUNK = 500_000


def _load_in_chunks(store: ox.Store, graph_path: Path) -> None:
    import itertools

    quads = ox.parse(path=str(graph_path), format=ox.RdfFormat.TURTLE)
    while chunk := list(itertools.islice(quads, LOAD_CHUNK)):
        store.bulk_extend(chunk)


def open_store(graph_path: Path, *, notify=_stderr) -> ox.Store | None:
    """The persistent store of graph_path, (re)built first when missing or stale; None if no place is writable."""
    graph_path = Path(graph_path)
    places = [store_dir(graph_path), _cache_store_dir(graph_path)]
    for target in places:
        if store_state(graph_path, target) == "fresh":
            store = _open_read_only(target)
            if store is not None:
                return store
    for target in places:
        state = store_state(graph_path, target)
        try:
            with _lock(target):
                if store_state(graph_path, target) != "fresh":  # someone else may have just built it
                    notify(f"{graph_path}: {'no' if state == 'missing' else 'outdated'} query store at {target};"
                           f" loading the Turtle into it (once, until the file changes)")
                    _build_store(graph_path, target)
        except PermissionError:
            continue
        except OSError as exc:
            if exc.errno in (13, 30):  # EACCES, EROFS
                continue
            raise
        store = _open_read_only(target)
        if store is not None:
            return store
    notify(f"{graph_path}: no writable place for a query store; loading the Turtle into memory")
    return None


def _open_read_only(target: Path) -> ox.Store | None:
    try:
        return ox.Store.read_only(str(target))
    except OSError:
        return None


# ---------------------------------------------------------------- prefixes and syntax errors

# Declared for every query (the prefixes the docs and graph.ttl use); a query's own PREFIX line for one of these
# names wins.
DEFAULT_PREFIXES = {
    "kg": "https://w3id.org/kg-ai/vocab#",
    "schema": "https://schema.org/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "wd": "http://www.wikidata.org/entity/",
}
_DECLARED = re.compile(r"(?i)\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:")


def with_default_prefixes(sparql: str) -> str:
    """The query with a PREFIX line for each default prefix it does not declare itself: for engines that cannot be
    given prefixes (a remote endpoint). Local queries pass DEFAULT_PREFIXES to pyoxigraph instead, which keeps the
    line numbers of syntax errors those of the query as written."""
    declared = {m.group(1) or "" for m in _DECLARED.finditer(sparql)}
    lines = [f"PREFIX {name}: <{iri}>" for name, iri in DEFAULT_PREFIXES.items() if name not in declared]
    return "\n".join(lines + [sparql]) if lines else sparql


_POSITION = re.compile(r"^error at (\d+):(\d+): expected (?:one of )?(.*)$", re.S)


def _expected_tokens(listing: str) -> list[str]:
    """The tokens of pyoxigraph's "expected one of" list that a user can type: quoted punctuation and keywords;
    character classes (the Unicode ranges of names) are left out."""
    tokens, i, n = [], 0, len(listing)
    while i < n:
        c = listing[i]
        if c in ", \n":
            i += 1
        elif c == '"':  # a quoted token, backslash-escaped
            j, out = i + 1, []
            while j < n and listing[j] != '"':
                if listing[j] == "\\" and j + 1 < n:
                    j += 1
                out.append(listing[j])
                j += 1
            tokens.append("".join(out))
            i = j + 1
        elif c == "[":  # a character class: skip to its closing bracket (quoted characters may hold brackets)
            j, depth = i, 0
            while j < n:
                if listing[j] == "'" and j + 2 < n:
                    j += 3 if listing[j + 1] != "\\" else 4
                    continue
                depth += {"[": 1, "]": -1}.get(listing[j], 0)
                j += 1
                if depth == 0:
                    break
            i = j
        else:
            j = listing.find(", ", i)
            j = n if j < 0 else j
            tokens.append(listing[i:j].strip())
            i = j
    return [t for t in dict.fromkeys(tokens) if t]


def syntax_error_message(error: Exception | str, sparql: str) -> str:
    """pyoxigraph's SPARQL syntax error as one line: where (line, column, the text before it) and what was
    expected, or which prefix is unknown; without the Unicode ranges of its token lists."""
    m = _POSITION.match(str(error).strip())
    if not m:
        return f"SPARQL syntax error: {' '.join(str(error).split())}"
    line_no, column, listing = int(m.group(1)), int(m.group(2)), m.group(3)
    lines = sparql.split("\n")
    line = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
    before = line[: max(column - 1, 0)]
    where = f"SPARQL syntax error at line {line_no}, column {column}"
    if "Prefix not found" in listing:
        token = re.search(r"([A-Za-z][\w.-]*)?:[^\s:]*$", before.rstrip())
        name = (token.group(1) or "") if token else ""
        known = ", ".join(DEFAULT_PREFIXES)
        return (f"{where}: unknown prefix '{name}:' (predeclared: {known}); declare it with"
                f" PREFIX {name}: <...> at the top of the query")
    tokens = [t for t in _expected_tokens(listing) if t != "Prefix not found"]
    shown = " ".join(f"'{t}'" if not t.isalpha() else t for t in tokens[:12]) + (" ..." if len(tokens) > 12 else "")
    context = before.strip()
    context = context if len(context) <= 40 else "…" + context[-39:]
    near = f" (after '{context}')" if context else ""
    if not shown:
        return f"{where}{near}: unexpected text"
    return f"{where}{near}: expected {'one of ' if len(tokens) > 1 else ''}{shown}"


def run(store: ox.Store, sparql: str) -> QueryResult:
    """Run a query on a local store; the prefixes of DEFAULT_PREFIXES are declared (a query's own PREFIX wins)."""
    try:
        result = store.query(sparql, prefixes=DEFAULT_PREFIXES)
    except SyntaxError as exc:
        raise QueryError(syntax_error_message(exc, sparql)) from None
    except (ValueError, OSError) as exc:
        raise QueryError(f"query failed: {exc}") from None
    if isinstance(result, (bool, ox.QueryBoolean)):  # ASK
        return QueryResult(["result"], [["true" if bool(result) else "false"]])
    if isinstance(result, ox.QuerySolutions):
        columns = [v.value for v in result.variables]
        rows = [[_value(solution[c]) for c in columns] for solution in result]
        return QueryResult(columns, rows)
    triples = list(result)  # CONSTRUCT / DESCRIBE
    return QueryResult(["subject", "predicate", "object"], [[_value(t.subject), _value(t.predicate), _value(t.object)] for t in triples])


def run_remote(endpoint: str, sparql: str, *, graph: str | None = None, user: str | None = None,
               password: str | None = None) -> QueryResult:
    """Run a SELECT query on a SPARQL 1.1 query endpoint, on `graph` (default: the graph `kg push` loads into)."""
    from kg.sparql.push import DEFAULT_GRAPH, Server

    server = Server(endpoint=endpoint, sparql=endpoint, graph=graph or DEFAULT_GRAPH, user=user, password=password,
                    retries=1, sparql_option="--endpoint")
    return server.select(with_default_prefixes(sparql), default_graph=server.graph)


def _value(term) -> str | None:
    if term is None:
        return None
    return term.value


def format_result(result: QueryResult, fmt: str) -> str:
    if fmt == "json":
        return json.dumps([dict(zip(result.columns, row)) for row in result.rows], ensure_ascii=False, indent=2)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([["" if v is None else v for v in row] for row in result.rows])
        return buffer.getvalue().rstrip("\n")
    return format_table(result)


def _width(text: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    if _width(text) <= limit or text.startswith(("http://", "https://")):  # links stay whole: users open them
        return text
    out, width = [], 0
    for c in text:
        width += _width(c)
        if width > limit - 1:
            break
        out.append(c)
    return "".join(out) + "…"


def format_table(result: QueryResult) -> str:
    cells = [[_clip("" if v is None else v) for v in row] for row in result.rows]
    widths = [max([_width(c)] + [_width(row[i]) for row in cells]) for i, c in enumerate(result.columns)]

    def line(values):
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths)).rstrip()

    out = [line(result.columns), line(["-" * w for w in widths])] + [line(row) for row in cells]
    out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(out)


# ---------------------------------------------------------------- one entity

_PREFIXES = """PREFIX kg: <https://w3id.org/kg-ai/vocab#>
PREFIX schema: <https://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""


@dataclass
class EntityView:
    iri: str
    type: str
    labels: list[str]
    aliases: list[str]
    wikidata: str | None
    mentions: int
    edges: QueryResult
    co_mentions: QueryResult


def find_entities(store: ox.Store, name: str) -> list[str]:
    """IRIs of entities with this name or alias (case, spaces and hyphens ignored)."""
    from kg.ingest.normalize import fold_name

    wanted = fold_name(name)
    rows = store.query(_PREFIXES + "SELECT DISTINCT ?e ?l WHERE { VALUES ?t { kg:Company kg:Organization kg:Person kg:Product kg:Hardware } ?e a ?t ; rdfs:label|skos:altLabel ?l }")
    hits = []
    for row in rows:
        if fold_name(row["l"].value) == wanted and row["e"].value not in hits:
            hits.append(row["e"].value)
    return hits


def describe_entity(store: ox.Store, iri: str) -> EntityView:
    node = str(ox.NamedNode(iri))  # validated IRI, written as <...>

    def select(body: str) -> QueryResult:
        result = store.query(_PREFIXES + body.replace("WHERE {", "WHERE { VALUES ?e { " + node + " }", 1))
        columns = [v.value for v in result.variables]
        return QueryResult(columns, [[_value(s[c]) for c in columns] for s in result])

    types = [r[0] for r in select("SELECT ?t WHERE { ?e a ?t FILTER(STRSTARTS(STR(?t), STR(kg:)) && ?t != kg:Entity) }").rows]
    labels = [r[0] for r in select("SELECT ?l WHERE { ?e rdfs:label ?l } ORDER BY ?l").rows]
    aliases = [r[0] for r in select("SELECT ?l WHERE { ?e skos:altLabel ?l } ORDER BY ?l").rows]
    same = [r[0] for r in select("SELECT ?w WHERE { ?e owl:sameAs ?w }").rows]
    count = select("SELECT ?n WHERE { ?e kg:mentionCount ?n }").rows
    edges = select(
        """SELECT ?date ?subject ?relation ?object ?role ?url WHERE {
  { ?st rdf:subject ?e } UNION { ?st rdf:object ?e FILTER NOT EXISTS { ?st rdf:subject ?e } }
  ?st a kg:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; dcterms:date ?date .
  OPTIONAL { ?st kg:role ?role } OPTIONAL { ?st schema:url ?url }
  OPTIONAL { ?s rdfs:label ?s_en FILTER(LANG(?s_en) = "en") } OPTIONAL { ?s rdfs:label ?s_zh FILTER(LANG(?s_zh) = "zh") }
  OPTIONAL { ?o rdfs:label ?o_en FILTER(LANG(?o_en) = "en") } OPTIONAL { ?o rdfs:label ?o_zh FILTER(LANG(?o_zh) = "zh") }
  BIND(STR(COALESCE(?s_en, ?s_zh)) AS ?subject) BIND(STR(COALESCE(?o_en, ?o_zh)) AS ?object)
  BIND(STRAFTER(STR(?p), "#") AS ?relation)
} ORDER BY ?date ?relation ?subject ?object"""
    )
    co = select(
        """SELECT ?other ?items WHERE {
  { ?st rdf:subject ?e } UNION { ?st rdf:object ?e FILTER NOT EXISTS { ?st rdf:subject ?e } }
  ?st a kg:CoMention ; rdf:subject ?s ; rdf:object ?o ; kg:count ?items .
  BIND(IF(?s = ?e, ?o, ?s) AS ?x)
  OPTIONAL { ?x rdfs:label ?x_en FILTER(LANG(?x_en) = "en") } OPTIONAL { ?x rdfs:label ?x_zh FILTER(LANG(?x_zh) = "zh") }
  BIND(STR(COALESCE(?x_en, ?x_zh)) AS ?other)
} ORDER BY DESC(?items) ?other LIMIT 10"""
    )
    return EntityView(
        iri=iri,
        type=types[0].rsplit("#", 1)[-1] if types else "",
        labels=labels,
        aliases=aliases,
        wikidata=same[0].rsplit("/", 1)[-1] if same else None,
        mentions=int(count[0][0]) if count else 0,
        edges=edges,
        co_mentions=co,
    )


if __name__ == "__main__":  # python -m kg.sparql.query GRAPH.ttl [STORE_DIR] | --update PLAN.json: what StoreJob runs
    import json
    import sys

    try:
        if sys.argv[1] == "--update":
            removed, added = update_store_from_ranges(**json.loads(Path(sys.argv[2]).read_text(encoding="utf-8")))
            print(f"-{removed:,} +{added:,}")
        else:
            write_store(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
    except QueryError as exc:
        sys.exit(f"kg: {exc}")
