"""The entity view of `kg show`: entities found by name, and one entity's labels, aliases, links and edges."""
from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kg.sparql.results import QueryResult, term_value


ENTITY_PREFIXES = """PREFIX kg: <https://w3id.org/kg-ai/vocab#>
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
    rows = store.query(ENTITY_PREFIXES + "SELECT DISTINCT ?e ?l WHERE { VALUES ?t { kg:Company kg:Organization kg:Person kg:Product kg:Hardware } ?e a ?t ; rdfs:label|skos:altLabel ?l }")
    hits = []
    for row in rows:
        if fold_name(row["l"].value) == wanted and row["e"].value not in hits:
            hits.append(row["e"].value)
    return hits



def describe_entity(store: ox.Store, iri: str) -> EntityView:
    node = str(ox.NamedNode(iri))  # validated IRI, written as <...>

    def select(body: str) -> QueryResult:
        result = store.query(ENTITY_PREFIXES + body.replace("WHERE {", "WHERE { VALUES ?e { " + node + " }", 1))
        columns = [v.value for v in result.variables]
        return QueryResult(columns, [[term_value(s[c]) for c in columns] for s in result])

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

