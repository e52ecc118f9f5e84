"""The Python API: `kg.build`, `kg.load` and `kg.query` (docs/python-api.md).

    import kg
    result = kg.build(["digests/"], out="exports")   # nothing printed; typed errors (kg.errors) raised
    G = result.graph                                 # networkx.MultiDiGraph (attributes: kg/graph.py)
    G = kg.load("exports/graph.ttl")                 # the same graph, read back from the Turtle export
    rows = kg.query("exports/graph.ttl", "SELECT ?c ?p WHERE { ?c kg:develops ?p }")

Heavy modules (spaCy, networkx, pyoxigraph) are imported here, and this module only when one of these is first
used: `import kg` stays light.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

from kg.errors import BuildAbortedError, InputProblem, KgError, QueryError

__all__ = ["BuildArgumentError", "BuildOutput", "build", "load", "query"]


class BuildArgumentError(KgError, ValueError):
    """An argument of kg.build that cannot be used (a malformed date, a negative number)."""


@dataclass
class BuildOutput:
    """What kg.build made.

    graph     the knowledge graph (networkx.MultiDiGraph; node and edge attributes in kg/graph.py)
    counts    {"files", "files_read", "items", "repeated_items", "entities": {type: n}, "edges": {relation: n}}
    problems  the input files that were skipped, each with file, line, problem and fix (kg.errors.InputProblem)
    warnings  other things worth knowing (a file read as GB18030, the NER model missing)
    paths     format -> file written ({"turtle": .../graph.ttl, "graphml": ..., "html": ...}); empty without `out`
    items     item id -> news item with its text (read from a temporary file: `close()` deletes it)
    report    the pipeline's full report (timings per stage, cache use)
    """

    graph: object
    counts: dict
    problems: list[InputProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)
    items: Mapping = field(default_factory=dict, repr=False)
    report: object = field(default=None, repr=False)

    def close(self) -> None:
        """Delete the item texts kept on disk (the graph and its compact items stay)."""
        close = getattr(self.items, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> BuildOutput:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def build(
    inputs: str | Path | Iterable[str | Path] | None = None,
    *,
    out: str | Path | None = None,
    date: str | None = None,
    rules: str | Path | None = None,
    use_model: bool = True,
    workers: int = 1,
    cache: str | Path | None = None,
    strict: bool = False,
    base_iri: str | None = None,
    max_nodes: int | None = 500,
    max_file_mb: float = 32,
) -> BuildOutput:
    """Build the knowledge graph of digest files and folders (default: the bundled sample), as `kg build` does,
    without printing anything.

    `out`: write graph.ttl (with its query store), graph.graphml and graph.html there; without it nothing is
    written. `date`: YYYY-MM-DD for digests that carry none. `rules`: a rules folder (default: the project's).
    `cache`: a folder of per-file results reused by the next build (default: none). `strict`: raise
    BuildAbortedError, and write nothing, when any file is skipped. `max_nodes`: entities shown in graph.html
    (None: all).

    Raises kg.errors.NoInputError (no such file, no digests), RulesError (bad rule files), BuildAbortedError
    (strict), BuildArgumentError (bad arguments), or another KgError.
    """
    from kg.ingest.digest import date_in_text
    from kg.builder.pipeline import build as run_build
    from kg.builder.pipeline import collect_files, summarize
    from kg.extract.rules import load_rules

    if date is not None and date_in_text(date) != date:
        raise BuildArgumentError(f"date {date!r} is not a date: use YYYY-MM-DD")
    if workers < 1:
        raise BuildArgumentError(f"workers={workers}: use 1 or more")
    if max_file_mb <= 0:
        raise BuildArgumentError(f"max_file_mb={max_file_mb}: use a positive size")
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    files = collect_files([Path(p) for p in inputs]) if inputs is not None else None
    loaded_rules = load_rules(Path(rules) if rules is not None else None)
    result = run_build(files, rules=loaded_rules, fallback_date=date, max_bytes=int(max_file_mb * 1e6),
                       workers=workers, use_model=use_model, cache=Path(cache) if cache is not None else None)
    report = result.report
    if strict and report.skipped:
        result.items.close()
        raise BuildAbortedError(f"{len(report.skipped)} file(s) skipped and strict=True: nothing written"
                                f" (first: {report.skipped[0]})")
    paths: dict[str, Path] = {}
    if out is not None:
        from kg.export import export_all
        from kg.export.turtle import DEFAULT_BASE

        try:
            paths = export_all(result.graph, Path(out), base=base_iri or DEFAULT_BASE, max_nodes=max_nodes or None)
        except BaseException:
            result.items.close()
            raise
    counts = {"files": report.files, "files_read": report.files_ok, "items": report.items,
              "repeated_items": report.repeated_items, **summarize(result)}
    return BuildOutput(result.graph, counts, list(report.skipped), list(report.warnings), paths, result.items, report)


# ---------------------------------------------------------------- kg.load: the graph back from graph.ttl

_KG = "https://w3id.org/kg-ai/vocab#"
_SCHEMA = "https://schema.org/"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_TYPE = _RDF + "type"
_ENTITY_TYPES = {_KG + t: t for t in ("Company", "Organization", "Person", "Product", "Hardware")}
_STATEMENT_TYPES = {_KG + "Statement", _KG + "CoMention"}


def _tail(iri: str, folder: str) -> str:
    """The id in a data IRI (…/entity/<id>, …/item/<id>): the segment after the folder, percent-decoded."""
    return unquote(iri.rsplit("/" + folder + "/", 1)[-1])


def _number(term) -> float:
    return float(Decimal(term.value))


def load(path: str | Path):
    """The knowledge graph read back from a graph.ttl that kg exported, as a networkx.MultiDiGraph with the
    nodes, edges and attributes of the build's graph (kg/graph.py), `graph.graph["items"]` included.

    Not kept in the Turtle, so not given back: the order of an entity's aliases is the file's; an item's
    position and layout (0 and ""); a Chinese name equal to the canonical one (name_zh is then ""). Links are
    given back as written in the Turtle (as IRIs: a space or `<` in a link is percent-encoded there).
    """
    import pyoxigraph as ox

    path = Path(path)
    if not path.is_file():
        raise QueryError(f"{path}: no such graph file (build one with kg.build(..., out=FOLDER))")
    reader = _GraphReader()
    try:
        try:  # kg writes each subject's triples together: they are read a subject at a time
            seen: set[str] = set()
            for subject, pairs in _subject_runs(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)):
                if subject in seen:
                    raise _NotGrouped
                seen.add(subject)
                reader.take(subject, pairs)
        except _NotGrouped:  # another writer's layout: every subject's triples gathered first
            reader = _GraphReader()
            grouped: dict[str, list] = {}
            for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
                grouped.setdefault(triple.subject.value, []).append((triple.predicate.value, triple.object))
            for subject, pairs in grouped.items():
                reader.take(subject, pairs)
    except (SyntaxError, ValueError, OSError) as exc:
        raise QueryError(f"{path}: not a readable Turtle file ({exc})") from None
    return reader.graph()


class _NotGrouped(Exception):
    """A subject's triples are not all together in the file."""


def _subject_runs(triples):
    """(subject, [(predicate, object), ...]) for each run of triples with the same subject."""
    subject, pairs = None, []
    for triple in triples:
        value = triple.subject.value
        if value != subject:
            if pairs:
                yield subject, pairs
            subject, pairs = value, []
        pairs.append((triple.predicate.value, triple.object))
    if pairs:
        yield subject, pairs


_OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
_ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
_DERIVED_FROM = "http://www.w3.org/ns/prov#wasDerivedFrom"
_DATE = "http://purl.org/dc/terms/date"


class _GraphReader:
    """Collects entities, items, digests and statements from the subjects of a graph.ttl, in any order, and makes
    the graph once all are read (an edge's title and source come from its item, an entity's items from theirs)."""

    def __init__(self):
        self.nodes: dict[str, tuple[str, dict]] = {}  # entity IRI -> (node id, attributes)
        self.items: dict = {}  # item id -> NewsItem (sources as digest IRIs until the end)
        self.first_digest: dict[str, str] = {}  # item id -> digest IRI, for items listed by several digests
        self.naming: dict[str, list[str]] = {}  # entity IRI -> ids of the items mentioning it
        self.digests: dict[str, str] = {}  # digest IRI -> file name
        self.statements: list[tuple[str, str, str, dict, list[str]]] = []

    def take(self, subject: str, pairs: list) -> None:
        kinds = {o.value for p, o in pairs if p == _TYPE}
        if _SCHEMA + "NewsArticle" in kinds:
            self._item(subject, pairs)
        elif kinds & _STATEMENT_TYPES:
            self._statement(subject, pairs)
        elif _KG + "Digest" in kinds:
            self.digests[subject] = next((o.value for p, o in pairs if p == _SCHEMA + "name"), _tail(subject, "digest"))
        else:
            kind = next((_ENTITY_TYPES[k] for k in kinds if k in _ENTITY_TYPES), None)
            if kind is not None:
                self._entity(subject, kind, pairs)

    def _entity(self, subject: str, kind: str, pairs: list) -> None:
        values: dict = {}
        for p, o in pairs:
            values.setdefault(p, o)
        name = values[_KG + "name"].value if _KG + "name" in values else ""
        same_as = values.get(_OWL_SAME_AS)
        self.nodes[subject] = (_tail(subject, "entity"), dict(
            type=kind,
            name=name,
            name_zh=next((o.value for p, o in pairs if p == _RDFS + "label" and o.language == "zh" and o.value != name), ""),
            aliases=[o.value for p, o in pairs if p == _ALT_LABEL],
            wikidata=same_as.value.rsplit("/", 1)[-1] if same_as is not None else "",
            mentions=int(values[_KG + "mentionCount"].value) if _KG + "mentionCount" in values else 0,
            extractor=values[_KG + "extractor"].value if _KG + "extractor" in values else "gazetteer",
            confidence=_number(values[_KG + "confidence"]) if _KG + "confidence" in values else 1.0,
            first_date=values[_KG + "firstSeen"].value if _KG + "firstSeen" in values else "",
            last_date=values[_KG + "lastSeen"].value if _KG + "lastSeen" in values else "",
        ))

    def _item(self, subject: str, pairs: list) -> None:
        from kg.records import NewsItem

        item_id = _tail(subject, "item")
        values: dict = {}
        sources: list[str] = []
        for p, o in pairs:
            if p == _KG + "listedIn":
                sources.append(o.value)
            elif p == _KG + "firstListedIn":
                self.first_digest[item_id] = o.value
            elif p == _SCHEMA + "mentions":
                self.naming.setdefault(o.value, []).append(item_id)
            else:
                values.setdefault(p, o)

        def text(predicate: str, default=""):
            return values[predicate].value if predicate in values else default

        self.items[item_id] = NewsItem(
            id=item_id, title=text(_SCHEMA + "headline"), text="", date=text(_SCHEMA + "datePublished"),
            url=text(_SCHEMA + "url", None), links=(), sources=sources,
            line=int(values[_KG + "line"].value) if _KG + "line" in values else 0, author=text(_SCHEMA + "author", None),
        )

    def _statement(self, subject: str, pairs: list) -> None:
        values: dict = {}
        derived: list[str] = []
        for p, o in pairs:
            if p == _DERIVED_FROM:
                derived.append(_tail(o.value, "item"))
            else:
                values.setdefault(p, o)
        if _RDF + "subject" not in values or _RDF + "object" not in values or not derived:
            return
        data = {
            "relation": values[_RDF + "predicate"].value.rsplit("#", 1)[-1] if _RDF + "predicate" in values else "",
            "date": values[_DATE].value if _DATE in values else "",
            "url": values[_SCHEMA + "url"].value if _SCHEMA + "url" in values else "",
            "item_id": derived[0],
            "title": "",
            "digest": "",
            "line": 0,
            "evidence": values[_KG + "evidence"].value if _KG + "evidence" in values else "",
            "extractor": values[_KG + "extractor"].value if _KG + "extractor" in values else "",
            "confidence": _number(values[_KG + "confidence"]) if _KG + "confidence" in values else 1.0,
            "role": values[_KG + "role"].value if _KG + "role" in values else "",
        }
        if _KG + "status" in values:  # reported, planned or denied: only on statements that are not stated facts
            data["status"] = values[_KG + "status"].value
        if data["relation"] == "coMentionedWith":
            data["count"] = int(values[_KG + "count"].value) if _KG + "count" in values else len(derived)
        self.statements.append((values[_RDF + "subject"].value, values[_RDF + "object"].value,
                                _tail(subject, "statement"), data, derived))

    def graph(self):
        import networkx as nx

        from kg.graph import MAX_URLS_PER_CO_MENTION
        from kg.records import CO_MENTION

        for item_id, item in self.items.items():  # digest IRIs -> file names, the first-read digest first
            first = self.first_digest.get(item_id)
            if first is not None and first in item.sources:
                item.sources.remove(first)
                item.sources.insert(0, first)
            item.sources = [self.digests.get(d, _tail(d, "digest")) for d in item.sources]
        graph = nx.MultiDiGraph(items=self.items)
        node_of = {}
        for iri, (node, data) in self.nodes.items():
            node_of[iri] = node
            graph.add_node(node, **data, items=sorted(self.naming.get(iri, ())))
        for subject, obj, key, data, derived in self.statements:
            if len(derived) > 1:  # a co-mention's items, earliest first (as the build orders them)
                derived.sort(key=lambda i: (self.items[i].date if i in self.items else "", i))
                data["item_id"] = derived[0]
            first = self.items.get(derived[0])
            if first is not None:
                data.update(title=first.title, digest=first.sources[0] if first.sources else "", line=first.line)
            if data["relation"] == "coMentionedWith":
                urls: list[str] = []
                for item_id in derived:
                    url = self.items[item_id].url if item_id in self.items else None
                    if url and url not in urls:
                        urls.append(url)
                        if len(urls) == MAX_URLS_PER_CO_MENTION:
                            break
                data.update(relation=CO_MENTION, url=(first.url or "") if first is not None else "", items=derived,
                            urls=urls)
            graph.add_edge(node_of.get(subject, _tail(subject, "entity")), node_of.get(obj, _tail(obj, "entity")),
                           key=key, **data)
        return graph


# ---------------------------------------------------------------- kg.query

def query(source, sparql: str) -> list[dict]:
    """Rows of a SPARQL 1.1 query, each a dict of column -> value (None where unbound), on an exported graph.ttl
    (a path: its query store is opened, or made once), a pyoxigraph Store, or a SPARQL endpoint URL (http...).

    The prefixes kg, schema, rdf, rdfs, skos, owl, prov, dcterms, xsd and wd are declared (a query's own PREFIX
    wins). Numbers and booleans come back as Python numbers and bools, everything else (IRIs, text, dates) as
    str. ASK gives [{"result": True|False}]; CONSTRUCT and DESCRIBE give subject/predicate/object rows.
    Raises kg.errors.QueryError with one readable line for a syntax error or an unreadable graph.
    """
    import pyoxigraph as ox

    from kg.sparql import query as sparql_query
    from kg.sparql import store as query_store

    if isinstance(source, str) and source.startswith(("http://", "https://")):
        result = sparql_query.run_remote(source, sparql)
        return [dict(zip(result.columns, row)) for row in result.rows]
    if isinstance(source, (str, Path)):
        store = query_store.load_store(Path(source), notify=lambda _message: None)
    elif isinstance(source, ox.Store):
        store = source
    else:
        raise QueryError(f"kg.query: give a graph.ttl path, a pyoxigraph.Store or an endpoint URL, not {type(source).__name__}")
    try:
        answer = store.query(sparql, prefixes=sparql_query.DEFAULT_PREFIXES)
    except SyntaxError as exc:
        raise QueryError(sparql_query.syntax_error_message(exc, sparql)) from None
    except (ValueError, OSError) as exc:
        raise QueryError(f"query failed: {exc}") from None
    if isinstance(answer, (bool, ox.QueryBoolean)):
        return [{"result": bool(answer)}]
    if isinstance(answer, ox.QuerySolutions):
        columns = [v.value for v in answer.variables]
        return [{c: _python(solution[c]) for c in columns} for solution in answer]
    return [{"subject": _python(t.subject), "predicate": _python(t.predicate), "object": _python(t.object)}
            for t in answer]


_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {_XSD + n for n in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                               "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong")}
_FLOATS = {_XSD + "decimal", _XSD + "double", _XSD + "float"}


def _python(term):
    """A term as a Python value: integers, decimals and booleans as numbers and bools, the rest as its text."""
    if term is None:
        return None
    datatype = getattr(term, "datatype", None)
    if datatype is not None:
        try:
            if datatype.value in _INTEGERS:
                return int(term.value)
            if datatype.value in _FLOATS:
                return float(term.value)
            if datatype.value == _XSD + "boolean":
                return term.value in ("true", "1")
        except ValueError:
            return term.value
    return term.value
