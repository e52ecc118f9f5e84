"""RDF Turtle export: entities, news items, and every relation as a direct triple plus a statement node.

One generator (`triples`) states the RDF contract. It makes its terms through a small term factory, so the same
code yields pyoxigraph terms for the export (streamed through pyoxigraph's Rust Turtle serialiser into the
atomic temp file: ~20-40x faster than building an rdflib Graph and serialising it) and rdflib terms for
`to_rdf` (tests, comparisons). Triples are grouped by subject and each is emitted once, so the stream is the
same set as the rdflib Graph, and the Turtle stays readable (`;` lists per subject, the usual prefixes).

The export also writes a persistent pyoxigraph store next to the Turtle (`graph.oxigraph/`, see kg.query),
which `kg query` and `kg entity` open in milliseconds instead of parsing the Turtle.
"""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
from rdflib import Graph, Literal, Namespace, URIRef

from ..normalize import has_cjk, iri_safe, slugify, web_iri
from ..records import CO_MENTION
from .atomic import atomic_file

KG_NS = "https://w3id.org/kg-ai/vocab#"
SCHEMA_NS = "https://schema.org/"
WD_NS = "http://www.wikidata.org/entity/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_NS = "http://www.w3.org/2000/01/rdf-schema#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
PROV_NS = "http://www.w3.org/ns/prov#"
DCTERMS_NS = "http://purl.org/dc/terms/"
OWL_NS = "http://www.w3.org/2002/07/owl#"

KG = Namespace(KG_NS)
SCHEMA = Namespace(SCHEMA_NS)
WD = Namespace(WD_NS)
DEFAULT_BASE = "https://w3id.org/kg-ai/id/"

SCHEMA_CLASS = {
    "Company": "Organization",
    "Organization": "Organization",
    "Person": "Person",
    "Product": "Product",
    "Hardware": "Product",
}
PREDICATE = {CO_MENTION: "coMentionedWith"}

# The prefixes written into graph.ttl (the data prefixes e:, item:, st: are added from the base IRI).
PREFIXES = {
    "rdf": RDF_NS, "rdfs": RDFS_NS, "xsd": XSD_NS, "kg": KG_NS, "schema": SCHEMA_NS, "wd": WD_NS,
    "skos": SKOS_NS, "prov": PROV_NS, "dcterms": DCTERMS_NS, "owl": OWL_NS,
}


def _base(base: str) -> str:
    return base if base.endswith(("/", "#")) else base + "/"


def prefixes_for(base: str = DEFAULT_BASE, graph: nx.MultiDiGraph | None = None) -> dict[str, str]:
    """The prefixes of graph.ttl. Given the graph, a data prefix is left out when one of its IRIs ends with '.':
    pyoxigraph would write it as `e:name\\.`, valid Turtle that rdflib's parser rejects."""
    base = _base(base)
    out = {**PREFIXES, "e": base + "entity/", "item": base + "item/", "st": base + "statement/"}
    if graph is not None:
        if any(iri_safe(node).endswith(".") for node in graph.nodes):
            del out["e"]
        if any(str(item_id).endswith(".") for item_id in graph.graph.get("items", {})):
            del out["item"]
        if any(str(key).endswith(".") for _, _, key in graph.edges(keys=True)):
            del out["st"]
    return out


@lru_cache(maxsize=4096)
def decimal_lexical(value) -> str:
    """The lexical form rdflib gives Literal(Decimal(str(value))) (0.85, 1.0, 0.00001): the contract's form."""
    return str(Literal(Decimal(str(value))))


class OxTerms:
    """Term factory for pyoxigraph (the export)."""

    iri = staticmethod(ox.NamedNode)
    _string = ox.NamedNode(XSD_NS + "string")
    _date = ox.NamedNode(XSD_NS + "date")
    _decimal = ox.NamedNode(XSD_NS + "decimal")
    _integer = ox.NamedNode(XSD_NS + "integer")

    @staticmethod
    def text(value: str):
        return ox.Literal(value)

    @staticmethod
    def lang(value: str, tag: str):
        return ox.Literal(value, language=tag)

    @classmethod
    def date(cls, value: str):
        return ox.Literal(value, datatype=cls._date)

    @classmethod
    def integer(cls, value) -> ox.Literal:
        return ox.Literal(str(int(value)), datatype=cls._integer)

    @classmethod
    def decimal(cls, value) -> ox.Literal:
        return ox.Literal(decimal_lexical(value), datatype=cls._decimal)


class RdflibTerms:
    """Term factory for rdflib (`to_rdf`)."""

    iri = staticmethod(URIRef)
    _date = URIRef(XSD_NS + "date")

    @staticmethod
    def text(value: str):
        return Literal(value)

    @staticmethod
    def lang(value: str, tag: str):
        return Literal(value, lang=tag)

    @classmethod
    def date(cls, value: str):
        return Literal(value, datatype=cls._date)

    @staticmethod
    def integer(value):
        return Literal(int(value))

    @staticmethod
    def decimal(value):
        return Literal(Decimal(str(value)))


def triples(graph: nx.MultiDiGraph, base: str = DEFAULT_BASE, terms=OxTerms) -> Iterator[tuple]:
    """Every triple of the export as (subject, predicate, object) made by `terms`, grouped by subject, each once."""
    base = _base(base)
    iri, text, lang, date = terms.iri, terms.text, terms.lang, terms.date
    integer, decimal = terms.integer, terms.decimal

    def label(value: str):
        return lang(value, "zh" if has_cjk(value) else "en")

    kg = {name: iri(KG_NS + name) for name in (
        "Company", "Organization", "Person", "Product", "Hardware", "Digest", "Statement", "CoMention",
        "MonthlyMentions", "name", "nameKey", "entity", "month",
        "mentionCount", "firstSeen", "lastSeen", "extractor", "confidence", "listedIn", "evidence", "role", "count",
        "coMentionedWith", "develops", "worksFor", "uses", "partnersWith", "investsIn", "acquires", "competesWith", "variantOf",
    )}
    schema = {name: iri(SCHEMA_NS + name) for name in (
        "Organization", "Person", "Product", "NewsArticle", "headline", "datePublished", "url", "author", "mentions", "name",
    )}
    a = iri(RDF_NS + "type")
    rdf_statement, rdf_subject, rdf_predicate, rdf_object = (iri(RDF_NS + n) for n in ("Statement", "subject", "predicate", "object"))
    rdfs_label, alt_label, same_as = iri(RDFS_NS + "label"), iri(SKOS_NS + "altLabel"), iri(OWL_NS + "sameAs")
    dcterms_date, derived_from = iri(DCTERMS_NS + "date"), iri(PROV_NS + "wasDerivedFrom")

    def vocab(name: str):
        term = kg.get(name)
        if term is None:
            term = kg[name] = iri(KG_NS + name)
        return term

    entity_iris: dict = {}

    def entity(node):
        term = entity_iris.get(node)
        if term is None:
            term = entity_iris[node] = iri(base + "entity/" + iri_safe(node))
        return term

    @lru_cache(maxsize=1 << 16)  # bounded: a 1 GB corpus has 2 M items, and a cache of all took ~0.4 GB
    def item_iri(item_id: str):
        return iri(base + "item/" + item_id)

    def once(subject, pairs):
        """The block of one subject, without repeated (predicate, object) pairs."""
        seen = set()
        for p, o in pairs:
            if (p, o) not in seen:
                seen.add((p, o))
                yield subject, p, o

    items = graph.graph.get("items", {})

    # entities, each with its direct relation triples (one per subject, predicate, object)
    for node, data in graph.nodes(data=True):
        def entity_block(node=node, data=data):
            kind = data["type"]
            yield a, vocab(kind)
            yield a, schema[SCHEMA_CLASS[kind]]
            yield rdfs_label, label(data["name"])
            if data.get("name_zh") and data["name_zh"] != data["name"]:
                yield rdfs_label, lang(data["name_zh"], "zh")
            for alias in data.get("aliases", []):
                yield alt_label, label(alias)
            # precomputed for fast queries: one display name, and every label and alias in lower case to look
            # an entity up by an index hit instead of a scan of all labels
            yield kg["name"], text(data["name"])
            for name in (data["name"], data.get("name_zh"), *data.get("aliases", [])):
                if name:
                    yield kg["nameKey"], text(name.lower())
            if data.get("wikidata"):
                yield same_as, iri(WD_NS + data["wikidata"])
            yield kg["mentionCount"], integer(data.get("mentions", 0))
            if data.get("first_date"):
                yield kg["firstSeen"], date(data["first_date"])
                yield kg["lastSeen"], date(data["last_date"])
            extractor = data.get("extractor", "gazetteer")
            yield kg["extractor"], text(extractor)
            if extractor != "gazetteer":
                yield kg["confidence"], decimal(data.get("confidence", 1.0))
            for _, obj, edge in graph.out_edges(node, data=True):
                relation = edge["relation"]
                yield vocab(PREDICATE.get(relation, relation)), entity(obj)

        yield from once(entity(node), entity_block())

        # precomputed: items naming the entity per month (what "most mentioned in a month" counts)
        by_month: dict[str, int] = {}
        for item_id in data.get("items", ()):
            item = items.get(item_id)
            if item is not None and item.date:
                by_month[item.date[:7]] = by_month.get(item.date[:7], 0) + 1
        for month, count in sorted(by_month.items()):
            tally = iri(base + "mentions/" + iri_safe(node) + "/" + month)
            yield tally, a, kg["MonthlyMentions"]
            yield tally, kg["entity"], entity(node)
            yield tally, kg["month"], text(month)
            yield tally, kg["count"], integer(count)

    # news items, then the digests that listed them
    # item -> entities naming it: lists (a node lists each item once), emptied as the items are written
    mentioned: dict[str, list[str]] = {}
    for node, data in graph.nodes(data=True):
        for item_id in data.get("items", []):
            mentioned.setdefault(item_id, []).append(node)
    digests: dict[str, dict] = {}
    for item_id, item in items.items():
        def item_block(item_id=item_id, item=item):
            yield a, schema["NewsArticle"]
            yield schema["headline"], label(item.title)
            yield schema["datePublished"], date(item.date)
            if item.url and (link := web_iri(item.url)):
                yield schema["url"], iri(link)
            if item.author:
                yield schema["author"], text(item.author)
            for source in item.sources:
                digest = base + "digest/" + iri_safe(slugify(source))
                digests.setdefault(digest, {})[source] = None
                yield kg["listedIn"], iri(digest)
            for node in sorted(mentioned.pop(item_id, ())):
                yield schema["mentions"], entity(node)

        yield from once(item_iri(item_id), item_block())
    for digest, names in digests.items():
        d = iri(digest)
        yield d, a, kg["Digest"]
        for name in names:
            yield d, schema["name"], text(name)

    # statements
    for subject, obj, key, data in graph.edges(keys=True, data=True):
        def statement_block(subject=subject, obj=obj, data=data):
            relation = data["relation"]
            predicate = vocab(PREDICATE.get(relation, relation))
            yield a, rdf_statement
            yield a, kg["CoMention"] if relation == CO_MENTION else kg["Statement"]
            yield rdf_subject, entity(subject)
            yield rdf_predicate, predicate
            yield rdf_object, entity(obj)
            yield dcterms_date, date(data["date"])
            yield kg["extractor"], text(data["extractor"])
            yield kg["confidence"], decimal(data["confidence"])
            if relation == CO_MENTION:
                yield kg["count"], integer(data["count"])
                for item_id in data["items"]:
                    yield derived_from, item_iri(item_id)
                return
            yield derived_from, item_iri(data["item_id"])
            if data.get("url") and (link := web_iri(data["url"])):
                yield schema["url"], iri(link)
            yield kg["evidence"], label(data["evidence"])
            if data.get("role"):
                yield kg["role"], text(data["role"])

        yield from once(iri(base + "statement/" + key), statement_block())


def to_rdf(graph: nx.MultiDiGraph, base: str = DEFAULT_BASE) -> Graph:
    """The export as an rdflib Graph (same triples as graph.ttl)."""
    g = Graph()
    for prefix, ns in prefixes_for(base).items():
        g.bind(prefix, Namespace(ns))
    g.addN((s, p, o, g) for s, p, o in triples(graph, base, RdflibTerms))
    return g


def write_turtle(graph: nx.MultiDiGraph, path: Path, *, base: str = DEFAULT_BASE) -> int:
    """Stream the triples into path atomically (temp file + rename); returns the number of triples written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0

    def counted():
        nonlocal count
        triple = ox.Triple
        for s, p, o in triples(graph, base, OxTerms):
            count += 1
            yield triple(s, p, o)

    with atomic_file(path, buffering=1 << 20) as handle:
        ox.serialize(counted(), handle, ox.RdfFormat.TURTLE, prefixes=prefixes_for(base, graph))
    return count


def export(graph: nx.MultiDiGraph, path: Path, *, base: str = DEFAULT_BASE, store: bool = True,
           background: bool = False, **_options):
    """Write graph.ttl, then (store=True) its query store next to it (.graph.ttl.oxigraph/), both atomically.
    With background=True the store is written by another process and the job is returned (export_all waits for
    it once the other formats are written)."""
    write_turtle(graph, path, base=base)
    if not store:
        return None
    from .. import query

    if background:
        return query.StoreJob(Path(path))
    query.write_store(Path(path))
    return None
