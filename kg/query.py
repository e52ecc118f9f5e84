"""SPARQL 1.1 over an exported Turtle file (pyoxigraph), named queries shipped in the package, output formats.

Parameters of named queries are `$name` variables in the query text; values are typed and written as
escaped SPARQL literals, so user input can never change the query's structure.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import XSD, Literal

from .errors import QueryError

QUERIES_DIR = Path(__file__).parent / "queries"
_PARAM_LINE = re.compile(r"^#\s*param\s+(\w+)\s+(string|date|integer)\s+(\"[^\"]*\"|\S+)\s*(.*)$")


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
        return Literal(value, datatype=XSD.date).n3()
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", value):
            raise QueryError(f"parameter {name}={value!r} is not a whole number")
        return str(int(value))
    return Literal(value).n3()


def bind_params(query: NamedQuery, given: dict[str, str]) -> str:
    unknown = set(given) - {p.name for p in query.params}
    if unknown:
        known = ", ".join(p.name for p in query.params) or "none"
        raise QueryError(f"query '{query.name}' has no parameter {', '.join(sorted(unknown))} (parameters: {known})")
    text = query.text
    for p in query.params:
        value = literal_for(p.kind, given.get(p.name, p.default), p.name)
        text = re.sub(rf"\${p.name}\b", lambda _m, literal=value: literal, text)
    return text


def load_store(graph_path: Path) -> ox.Store:
    graph_path = Path(graph_path)
    if not graph_path.is_file():
        raise QueryError(f"{graph_path}: no such graph file (build one with: kg build --out {graph_path.parent})")
    store = ox.Store()
    try:
        store.load(path=str(graph_path), format=ox.RdfFormat.TURTLE)
    except (SyntaxError, ValueError, OSError) as exc:
        raise QueryError(f"{graph_path}: not a readable Turtle file ({exc})") from None
    return store


def run(store: ox.Store, sparql: str) -> QueryResult:
    try:
        result = store.query(sparql)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from None
    except (ValueError, OSError) as exc:
        raise QueryError(f"query failed: {exc}") from None
    if isinstance(result, bool):
        return QueryResult(["result"], [["true" if result else "false"]])
    if isinstance(result, ox.QuerySolutions):
        columns = [v.value for v in result.variables]
        rows = [[_value(solution[c]) for c in columns] for solution in result]
        return QueryResult(columns, rows)
    triples = list(result)  # CONSTRUCT / DESCRIBE
    return QueryResult(["subject", "predicate", "object"], [[_value(t.subject), _value(t.predicate), _value(t.object)] for t in triples])


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
    from .normalize import fold_name

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
  ?st a kg:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; dcterms:date ?date .
  FILTER(?s = ?e || ?o = ?e)
  OPTIONAL { ?st kg:role ?role } OPTIONAL { ?st schema:url ?url }
  OPTIONAL { ?s rdfs:label ?s_en FILTER(LANG(?s_en) = "en") } OPTIONAL { ?s rdfs:label ?s_zh FILTER(LANG(?s_zh) = "zh") }
  OPTIONAL { ?o rdfs:label ?o_en FILTER(LANG(?o_en) = "en") } OPTIONAL { ?o rdfs:label ?o_zh FILTER(LANG(?o_zh) = "zh") }
  BIND(STR(COALESCE(?s_en, ?s_zh)) AS ?subject) BIND(STR(COALESCE(?o_en, ?o_zh)) AS ?object)
  BIND(STRAFTER(STR(?p), "#") AS ?relation)
} ORDER BY ?date ?relation ?subject ?object"""
    )
    co = select(
        """SELECT ?other ?items WHERE {
  ?st a kg:CoMention ; rdf:subject ?s ; rdf:object ?o ; kg:count ?items .
  FILTER(?s = ?e || ?o = ?e) BIND(IF(?s = ?e, ?o, ?s) AS ?x)
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
