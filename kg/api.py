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

from .errors import BuildAbortedError, InputProblem, KgError, QueryError

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
    from .digest import date_in_text
    from .pipeline import build as run_build
    from .pipeline import collect_files, summarize
    from .rules import load_rules

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
        from .exporters import export_all
        from .exporters.turtle import DEFAULT_BASE

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
    The whole file is read into memory; for one answer from a big graph, kg.query is faster.
    """
    import networkx as nx
    import pyoxigraph as ox

    from .records import CO_MENTION, NewsItem

    path = Path(path)
    if not path.is_file():
        raise QueryError(f"{path}: no such graph file (build one with kg.build(..., out=FOLDER))")
    subjects: dict[str, list[tuple[str, object]]] = {}
    try:
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            subject = triple.subject.value
            found = subjects.get(subject)
            if found is None:
                found = subjects[subject] = []
            found.append((triple.predicate.value, triple.object))
    except (SyntaxError, ValueError, OSError) as exc:
        raise QueryError(f"{path}: not a readable Turtle file ({exc})") from None

    kinds: dict[str, set[str]] = {s: {o.value for p, o in pairs if p == _TYPE} for s, pairs in subjects.items()}
    digests = {s: next((o.value for p, o in pairs if p == _SCHEMA + "name"), _tail(s, "digest"))
               for s, pairs in subjects.items() if _KG + "Digest" in kinds[s]}

    items: dict[str, NewsItem] = {}
    naming: dict[str, list[str]] = {}  # entity IRI -> ids of the items mentioning it
    for s, pairs in subjects.items():
        if _SCHEMA + "NewsArticle" not in kinds[s]:
            continue
        item_id = _tail(s, "item")
        fields: dict[str, object] = {}
        sources: list[str] = []
        first = None
        for p, o in pairs:
            if p == _KG + "listedIn":
                sources.append(digests.get(o.value, _tail(o.value, "digest")))
            elif p == _KG + "firstListedIn":
                first = digests.get(o.value, _tail(o.value, "digest"))
            elif p == _SCHEMA + "mentions":
                naming.setdefault(o.value, []).append(item_id)
            else:
                fields.setdefault(p, o)
        if first is not None and first in sources:
            sources.remove(first)
            sources.insert(0, first)
        items[item_id] = NewsItem(
            id=item_id,
            title=fields[_SCHEMA + "headline"].value if _SCHEMA + "headline" in fields else "",
            text="",
            date=fields[_SCHEMA + "datePublished"].value if _SCHEMA + "datePublished" in fields else "",
            url=fields[_SCHEMA + "url"].value if _SCHEMA + "url" in fields else None,
            links=(),
            sources=sources,
            line=int(fields[_KG + "line"].value) if _KG + "line" in fields else 0,
            author=fields[_SCHEMA + "author"].value if _SCHEMA + "author" in fields else None,
        )

    graph = nx.MultiDiGraph(items=items)
    node_of: dict[str, str] = {}
    for s, pairs in subjects.items():
        kind = next((_ENTITY_TYPES[k] for k in kinds[s] if k in _ENTITY_TYPES), None)
        if kind is None:
            continue
        node = node_of[s] = _tail(s, "entity")
        name = next((o.value for p, o in pairs if p == _KG + "name"), "")
        labels = [o for p, o in pairs if p == _RDFS + "label"]
        zh = next((o.value for o in labels if o.language == "zh" and o.value != name), "")
        values = {}
        for p, o in pairs:
            values.setdefault(p, o)
        same_as = values.get("http://www.w3.org/2002/07/owl#sameAs")
        graph.add_node(
            node,
            type=kind,
            name=name,
            name_zh=zh,
            aliases=[o.value for p, o in pairs if p == "http://www.w3.org/2004/02/skos/core#altLabel"],
            wikidata=same_as.value.rsplit("/", 1)[-1] if same_as is not None else "",
            mentions=int(values[_KG + "mentionCount"].value) if _KG + "mentionCount" in values else 0,
            extractor=values[_KG + "extractor"].value if _KG + "extractor" in values else "gazetteer",
            confidence=_number(values[_KG + "confidence"]) if _KG + "confidence" in values else 1.0,
            first_date=values[_KG + "firstSeen"].value if _KG + "firstSeen" in values else "",
            last_date=values[_KG + "lastSeen"].value if _KG + "lastSeen" in values else "",
            items=sorted(naming.get(s, ())),
        )

    for s, pairs in subjects.items():
        if not kinds[s] & _STATEMENT_TYPES:
            continue
        values = {}
        derived: list[str] = []
        for p, o in pairs:
            if p == "http://www.w3.org/ns/prov#wasDerivedFrom":
                derived.append(_tail(o.value, "item"))
            else:
                values.setdefault(p, o)
        subject, obj = values.get(_RDF + "subject"), values.get(_RDF + "object")
        if subject is None or obj is None or not derived:
            continue
        relation = values[_RDF + "predicate"].value.rsplit("#", 1)[-1]
        co_mention = relation == "coMentionedWith"
        first = items.get(derived[0])
        data = {
            "relation": CO_MENTION if co_mention else relation,
            "date": values["http://purl.org/dc/terms/date"].value,
            "url": (values[_SCHEMA + "url"].value if _SCHEMA + "url" in values
                    else (first.url or "") if co_mention and first is not None else ""),
            "item_id": derived[0],
            "title": first.title if first is not None else "",
            "digest": first.sources[0] if first is not None and first.sources else "",
            "line": first.line if first is not None else 0,
            "evidence": values[_KG + "evidence"].value if _KG + "evidence" in values else "",
            "extractor": values[_KG + "extractor"].value if _KG + "extractor" in values else "",
            "confidence": _number(values[_KG + "confidence"]) if _KG + "confidence" in values else 1.0,
            "role": values[_KG + "role"].value if _KG + "role" in values else "",
        }
        if co_mention:
            from .graph import MAX_URLS_PER_CO_MENTION

            urls: list[str] = []
            for item_id in derived:
                url = items[item_id].url if item_id in items else None
                if url and url not in urls:
                    urls.append(url)
                    if len(urls) == MAX_URLS_PER_CO_MENTION:
                        break
            data.update(count=int(values[_KG + "count"].value) if _KG + "count" in values else len(derived),
                        items=derived, urls=urls)
        graph.add_edge(node_of.get(subject.value, _tail(subject.value, "entity")),
                       node_of.get(obj.value, _tail(obj.value, "entity")), key=_tail(s, "statement"), **data)
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

    from . import query as q

    if isinstance(source, str) and source.startswith(("http://", "https://")):
        result = q.run_remote(source, sparql)
        return [dict(zip(result.columns, row)) for row in result.rows]
    if isinstance(source, (str, Path)):
        store = q.load_store(Path(source), notify=lambda _message: None)
    elif isinstance(source, ox.Store):
        store = source
    else:
        raise QueryError(f"kg.query: give a graph.ttl path, a pyoxigraph.Store or an endpoint URL, not {type(source).__name__}")
    try:
        answer = store.query(sparql, prefixes=q.DEFAULT_PREFIXES)
    except SyntaxError as exc:
        raise QueryError(q.syntax_error_message(exc, sparql)) from None
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
