"""RDF Turtle export: entities, news items, and every relation as a direct triple plus a statement node."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import networkx as nx
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, SKOS

from ..normalize import has_cjk, iri_safe, slugify, web_iri
from ..records import CO_MENTION
from .atomic import atomic_write_bytes

KG = Namespace("https://w3id.org/kg-ai/vocab#")
SCHEMA = Namespace("https://schema.org/")
WD = Namespace("http://www.wikidata.org/entity/")
DEFAULT_BASE = "https://w3id.org/kg-ai/id/"

SCHEMA_CLASS = {
    "Company": SCHEMA.Organization,
    "Organization": SCHEMA.Organization,
    "Person": SCHEMA.Person,
    "Product": SCHEMA.Product,
    "Hardware": SCHEMA.Product,
}
PREDICATE = {CO_MENTION: KG.coMentionedWith}


def _lang_literal(text: str) -> Literal:
    return Literal(text, lang="zh" if has_cjk(text) else "en")


class Iris:
    def __init__(self, base: str):
        self.base = base if base.endswith(("/", "#")) else base + "/"

    def entity(self, entity_id: str) -> URIRef:
        return URIRef(self.base + "entity/" + iri_safe(entity_id))

    def item(self, item_id: str) -> URIRef:
        return URIRef(self.base + "item/" + item_id)

    def digest(self, name: str) -> URIRef:
        return URIRef(self.base + "digest/" + iri_safe(slugify(name)))

    def statement(self, key: str) -> URIRef:
        return URIRef(self.base + "statement/" + key)


def to_rdf(graph: nx.MultiDiGraph, base: str = DEFAULT_BASE) -> Graph:
    iris = Iris(base)
    g = Graph()
    for prefix, ns in (("kg", KG), ("schema", SCHEMA), ("wd", WD), ("skos", SKOS), ("prov", PROV), ("dcterms", DCTERMS), ("owl", OWL)):
        g.bind(prefix, ns)
    g.bind("e", Namespace(iris.base + "entity/"))
    g.bind("item", Namespace(iris.base + "item/"))
    g.bind("st", Namespace(iris.base + "statement/"))

    for node, data in graph.nodes(data=True):
        e = iris.entity(node)
        g.add((e, RDF.type, KG[data["type"]]))
        g.add((e, RDF.type, SCHEMA_CLASS[data["type"]]))
        g.add((e, RDFS.label, _lang_literal(data["name"])))
        if data.get("name_zh") and data["name_zh"] != data["name"]:
            g.add((e, RDFS.label, Literal(data["name_zh"], lang="zh")))
        for alias in data.get("aliases", []):
            g.add((e, SKOS.altLabel, _lang_literal(alias)))
        if data.get("wikidata"):
            g.add((e, OWL.sameAs, WD[data["wikidata"]]))
        g.add((e, KG.mentionCount, Literal(int(data.get("mentions", 0)))))
        if data.get("first_date"):
            g.add((e, KG.firstSeen, Literal(data["first_date"], datatype=XSD.date)))
            g.add((e, KG.lastSeen, Literal(data["last_date"], datatype=XSD.date)))
        g.add((e, KG.extractor, Literal(data.get("extractor", "gazetteer"))))
        if data.get("extractor", "gazetteer") != "gazetteer":
            g.add((e, KG.confidence, Literal(Decimal(str(data.get("confidence", 1.0))))))

    items = graph.graph.get("items", {})
    mentioned: dict[str, set[str]] = {}
    for node, data in graph.nodes(data=True):
        for item_id in data.get("items", []):
            mentioned.setdefault(item_id, set()).add(node)
    for item_id, item in items.items():
        i = iris.item(item_id)
        g.add((i, RDF.type, SCHEMA.NewsArticle))
        g.add((i, SCHEMA.headline, _lang_literal(item.title)))
        g.add((i, SCHEMA.datePublished, Literal(item.date, datatype=XSD.date)))
        if item.url and (link := web_iri(item.url)):
            g.add((i, SCHEMA.url, URIRef(link)))
        if item.author:
            g.add((i, SCHEMA.author, Literal(item.author)))
        for source in item.sources:
            d = iris.digest(source)
            g.add((i, KG.listedIn, d))
            g.add((d, RDF.type, KG.Digest))
            g.add((d, SCHEMA.name, Literal(source)))
        for node in sorted(mentioned.get(item_id, ())):
            g.add((i, SCHEMA.mentions, iris.entity(node)))

    for subject, obj, key, data in graph.edges(keys=True, data=True):
        relation = data["relation"]
        predicate = PREDICATE.get(relation, KG[relation])
        s, o = iris.entity(subject), iris.entity(obj)
        g.add((s, predicate, o))
        st = iris.statement(key)
        g.add((st, RDF.type, RDF.Statement))
        g.add((st, RDF.type, KG.CoMention if relation == CO_MENTION else KG.Statement))
        g.add((st, RDF.subject, s))
        g.add((st, RDF.predicate, predicate))
        g.add((st, RDF.object, o))
        g.add((st, DCTERMS.date, Literal(data["date"], datatype=XSD.date)))
        g.add((st, KG.extractor, Literal(data["extractor"])))
        g.add((st, KG.confidence, Literal(Decimal(str(data["confidence"])))))
        if relation == CO_MENTION:
            g.add((st, KG["count"], Literal(int(data["count"]))))
            for item_id in data["items"]:
                g.add((st, PROV.wasDerivedFrom, iris.item(item_id)))
            continue
        g.add((st, PROV.wasDerivedFrom, iris.item(data["item_id"])))
        if data.get("url") and (link := web_iri(data["url"])):
            g.add((st, SCHEMA.url, URIRef(link)))
        g.add((st, KG.evidence, _lang_literal(data["evidence"])))
        if data.get("role"):
            g.add((st, KG.role, Literal(data["role"])))
    return g


def export(graph: nx.MultiDiGraph, path: Path, *, base: str = DEFAULT_BASE, **_options) -> None:
    atomic_write_bytes(Path(path), to_rdf(graph, base).serialize(format="turtle", encoding="utf-8"))
