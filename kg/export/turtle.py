"""RDF Turtle export: entities, news items, and every relation as a direct triple plus a statement node.

One generator (`triples`) states the RDF contract. It makes its terms through a small term factory, so the same
code yields pyoxigraph terms for the export (streamed through pyoxigraph's Rust Turtle serialiser into the
atomic temp file: ~20-40x faster than building an rdflib Graph and serialising it) and rdflib terms for
`to_rdf` (tests, comparisons). Triples are grouped by subject and each is emitted once, so the stream is the
same set as the rdflib Graph, and the Turtle stays readable (`;` lists per subject, the usual prefixes).

The export also writes a persistent pyoxigraph store next to the Turtle (`graph.oxigraph/`, see kg.sparql.query),
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

from kg.ingest.normalize import has_cjk, iri_safe, slugify, web_iri
from kg.records import CO_MENTION
from kg.export.atomic import atomic_file
from kg.export.base import DEFAULT_BASE, ExportOptions

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
    for _key, _inputs, block in units(graph, base, terms):
        yield from block()


def units(graph: nx.MultiDiGraph, base: str = DEFAULT_BASE, terms=OxTerms, *, with_inputs: bool = False):
    """The export as units, in order: (key, inputs, block). `block()` yields the unit's triples; a unit is one
    entity (with its monthly tallies), one item, one statement, or all digests, and no subject is in two units.

    `inputs` (with_inputs=True, else None) is a tuple of plain values holding everything the block reads besides
    `base`: equal inputs give equal triples, which is how an export is updated unit by unit (kg/export/incremental.py).
    """
    w = _Words(graph, _base(base), terms)
    yield from _entity_units(graph, w, with_inputs)
    yield from _item_units(graph, w, with_inputs)
    yield from _digest_unit(w, with_inputs)
    yield from _statement_units(graph, w, with_inputs)


class _Words:
    """The terms every unit kind writes: the vocabulary's IRIs and the IRIs of entities, items and digests."""

    def __init__(self, graph: nx.MultiDiGraph, base: str, terms):
        self.base, self.terms = base, terms
        iri = terms.iri
        self.kg = {name: iri(KG_NS + name) for name in (
            "Company", "Organization", "Person", "Product", "Hardware", "Digest", "Statement", "CoMention",
            "MonthlyMentions", "name", "nameKey", "entity", "month",
            "mentionCount", "firstSeen", "lastSeen", "extractor", "confidence", "listedIn", "firstListedIn", "line",
            "evidence", "role", "count", "status",
            "coMentionedWith", "develops", "worksFor", "uses", "partnersWith", "investsIn", "acquires", "competesWith", "variantOf",
        )}
        self.schema = {name: iri(SCHEMA_NS + name) for name in (
            "Organization", "Person", "Product", "NewsArticle", "headline", "datePublished", "url", "author", "mentions", "name",
        )}
        self.a = iri(RDF_NS + "type")
        self.rdf_statement, self.rdf_subject, self.rdf_predicate, self.rdf_object = (
            iri(RDF_NS + n) for n in ("Statement", "subject", "predicate", "object"))
        self.rdfs_label, self.alt_label, self.same_as = iri(RDFS_NS + "label"), iri(SKOS_NS + "altLabel"), iri(OWL_NS + "sameAs")
        self.dcterms_date, self.derived_from = iri(DCTERMS_NS + "date"), iri(PROV_NS + "wasDerivedFrom")
        self.items = graph.graph.get("items", {})
        self._entity_iris: dict = {}
        self._digest_iris: dict[str, str] = {}  # digest file name -> its IRI (a few hundred names, listed by every item)
        self.digests: dict[str, dict] = {}  # digest IRI -> its file names, filled as the items are written
        # bounded: a 1 GB corpus has 2 M items, and a cache of all took ~0.4 GB
        self.item_iri = lru_cache(maxsize=1 << 16)(lambda item_id: iri(base + "item/" + item_id))

    def label(self, value: str):
        return self.terms.lang(value, "zh" if has_cjk(value) else "en")

    def vocab(self, name: str):
        term = self.kg.get(name)
        if term is None:
            term = self.kg[name] = self.terms.iri(KG_NS + name)
        return term

    def entity(self, node):
        term = self._entity_iris.get(node)
        if term is None:
            term = self._entity_iris[node] = self.terms.iri(self.base + "entity/" + iri_safe(node))
        return term

    def digest_iri(self, source: str) -> str:
        found = self._digest_iris.get(source)
        if found is None:
            found = self._digest_iris[source] = self.base + "digest/" + iri_safe(slugify(source))
        return found

    def months(self, data) -> list[tuple[str, int]]:
        """Items naming the entity per month (what "most mentioned in a month" counts)."""
        by_month: dict[str, int] = {}
        for item_id in data.get("items", ()):
            item = self.items.get(item_id)
            if item is not None and item.date:
                by_month[item.date[:7]] = by_month.get(item.date[:7], 0) + 1
        return sorted(by_month.items())


def _once(subject, pairs):
    """The block of one subject, without repeated (predicate, object) pairs."""
    seen = set()
    for p, o in pairs:
        if (p, o) not in seen:
            seen.add((p, o))
            yield subject, p, o


def _entity_units(graph: nx.MultiDiGraph, w: _Words, with_inputs: bool):
    """One unit per entity: its description, its direct relation triples and its monthly tallies."""
    base, iri, text, lang, date, integer, decimal = w.base, w.terms.iri, w.terms.text, w.terms.lang, w.terms.date, w.terms.integer, w.terms.decimal
    a, kg, schema, vocab, entity, label = w.a, w.kg, w.schema, w.vocab, w.entity, w.label
    rdfs_label, alt_label, same_as, once, months = w.rdfs_label, w.alt_label, w.same_as, _once, w.months
    for node, data in graph.nodes(data=True):
        tally = months(data)
        # the direct triple states a fact: only relations some item states plainly (not reported, planned or denied)
        out = [(edge["relation"], obj) for _, obj, edge in graph.out_edges(node, data=True) if not edge.get("status")]

        def entity_block(node=node, data=data, tally=tally, out=out):
            def pairs():
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
                for relation, obj in out:
                    yield vocab(PREDICATE.get(relation, relation)), entity(obj)

            yield from once(entity(node), pairs())
            # precomputed: items naming the entity per month
            for month, count in tally:
                subject = iri(base + "mentions/" + iri_safe(node) + "/" + month)
                yield subject, a, kg["MonthlyMentions"]
                yield subject, kg["entity"], entity(node)
                yield subject, kg["month"], text(month)
                yield subject, kg["count"], integer(count)

        inputs = None
        if with_inputs:
            inputs = (data["type"], data["name"], data.get("name_zh"), tuple(data.get("aliases", ())),
                      data.get("wikidata"), data.get("mentions", 0), data.get("first_date"), data.get("last_date"),
                      data.get("extractor", "gazetteer"), data.get("confidence", 1.0), tuple(out), tuple(tally))
        yield "e" + node, inputs, entity_block



def _item_units(graph: nx.MultiDiGraph, w: _Words, with_inputs: bool):
    """One unit per news item; notes in `w.digests` the digests that listed them."""
    iri, text, date, integer = w.terms.iri, w.terms.text, w.terms.date, w.terms.integer
    a, kg, schema, entity, label, item_iri, digest_iri = w.a, w.kg, w.schema, w.entity, w.label, w.item_iri, w.digest_iri
    items, digests = w.items, w.digests
    # item -> entities naming it: lists (a node lists each item once), emptied as the items are written
    mentioned: dict[str, list[str]] = {}
    for node, data in graph.nodes(data=True):
        for item_id in data.get("items", []):
            mentioned.setdefault(item_id, []).append(node)
    for item_id, item in items.items():
        naming = sorted(mentioned.pop(item_id, ()))
        for source in item.sources:
            digests.setdefault(digest_iri(source), {})[source] = None

        def item_block(item_id=item_id, item=item, naming=naming):
            def pairs():
                yield a, schema["NewsArticle"]
                yield schema["headline"], label(item.title)
                yield schema["datePublished"], date(item.date)
                if item.url and (link := web_iri(item.url)):
                    yield schema["url"], iri(link)
                if item.author:
                    yield schema["author"], text(item.author)
                for source in item.sources:
                    yield kg["listedIn"], iri(digest_iri(source))
                # where the item was read (its source when it has no link of its own): its line in the first digest
                # that listed it, named apart only when there are several
                if len(item.sources) > 1:
                    yield kg["firstListedIn"], iri(digest_iri(item.sources[0]))
                if item.line:
                    yield kg["line"], integer(item.line)
                for node in naming:
                    yield schema["mentions"], entity(node)

            about = item_iri(item_id)  # no pair twice: one of each field, digests and entities each once
            for p, o in pairs():
                yield about, p, o

        inputs = ((item.title, item.date, item.url, item.author, tuple(item.sources), item.line, tuple(naming))
                  if with_inputs else None)
        yield "i" + item_id, inputs, item_block



def _digest_unit(w: _Words, with_inputs: bool):
    """One unit for all digests (those the items listed)."""
    iri, text, a, kg, schema, digests = w.terms.iri, w.terms.text, w.a, w.kg, w.schema, w.digests

    def digest_block(digests=digests):
        for digest, names in digests.items():
            d = iri(digest)
            yield d, a, kg["Digest"]
            for name in names:
                yield d, schema["name"], text(name)

    yield "d", (tuple((d, tuple(names)) for d, names in digests.items()) if with_inputs else None), digest_block



def _statement_units(graph: nx.MultiDiGraph, w: _Words, with_inputs: bool):
    """One unit per statement (a reified edge with its date, source and evidence) or co-mention."""
    base, iri, text, date, integer, decimal = w.base, w.terms.iri, w.terms.text, w.terms.date, w.terms.integer, w.terms.decimal
    a, kg, schema, vocab, entity, label, item_iri = w.a, w.kg, w.schema, w.vocab, w.entity, w.label, w.item_iri
    rdf_statement, rdf_subject, rdf_predicate, rdf_object = w.rdf_statement, w.rdf_subject, w.rdf_predicate, w.rdf_object
    dcterms_date, derived_from = w.dcterms_date, w.derived_from
    for subject, obj, key, data in graph.edges(keys=True, data=True):
        def statement_block(key=key, subject=subject, obj=obj, data=data):
            def pairs():
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
                if data.get("status"):
                    yield kg["status"], text(data["status"])

            about = iri(base + "statement/" + key)  # no pair twice: one of each field, each item once
            for p, o in pairs():
                yield about, p, o

        inputs = None
        if with_inputs:
            relation = data["relation"]
            if relation == CO_MENTION:
                inputs = (subject, obj, relation, data["date"], data["extractor"], data["confidence"], data["count"],
                          tuple(data["items"]))
            else:
                inputs = (subject, obj, relation, data["date"], data["extractor"], data["confidence"],
                          data["item_id"], data.get("url"), data["evidence"], data.get("role"), data.get("status"))
        yield "s" + key, inputs, statement_block


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


# The query store is updated in place when at most this share of its triples are added and at most this share of
# the old file is removed; beyond, loading it again from the Turtle is about as fast, and holds no triples in memory.
STORE_UPDATE_SHARE = 0.2


class _NotedJob:
    """A query store update in another process; once done, its note says how many triples went out and in."""

    def __init__(self, job, notes: list[str] | None):
        self.job, self.notes = job, notes
        self.index = len(notes) - 1 if notes else None

    def wait(self):
        done = self.job.wait()
        if self.index is not None and self.job.output.strip():
            self.notes[self.index] += f"; query store updated ({self.job.output.strip()} triples)"
        return done

    def cancel(self) -> None:
        self.job.cancel()


def export(graph: nx.MultiDiGraph, path: Path, *, base: str = DEFAULT_BASE, store: bool = True,
           background: bool = False, previous: Path | None = None, notes: list[str] | None = None):
    """Write graph.ttl, then (store=True) its query store next to it (.graph.ttl.oxigraph/), both atomically.
    With background=True the store is written by another process and the job is returned (export_all waits for
    it once the other formats are written).

    `previous` is the graph.ttl this export will replace (export_all passes it). When the parts file next to it
    still describes it, only the units that changed are serialised again, and its query store, when up to date,
    is cloned and updated instead of loaded again (kg/export/incremental.py). What was done is added to `notes`."""
    from kg.sparql import store as query_store
    from kg.export import incremental as splice

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    prefixes = prefixes_for(base, graph)
    old = splice.previous_parts(Path(previous), splice.turtle_environment(base, prefixes)) if previous is not None else None
    if old is not None:
        store_triples = query_store.store_triples(Path(previous)) if store else None  # None: no up-to-date store
        parts, changes, sha256 = splice.write_spliced(
            units(graph, base, OxTerms, with_inputs=True), path, Path(previous), old, prefixes,
            max_added=int((store_triples or 0) * STORE_UPDATE_SHARE),
        )
        parts.save(path)
        said = f"graph.ttl updated: {len(changes.rewritten):,} of {changes.units:,} units written again"
        removed_bytes = sum(end - start for start, end in changes.removed_ranges)
        store_fresh = (store_triples is not None and not changes.too_many
                       and removed_bytes <= STORE_UPDATE_SHARE * old.file[0])  # many digests removed: load again
        if notes is not None:
            notes.append(said)
        if store_fresh:
            update = {"old_graph": str(previous), "removed": changes.removed_ranges, "added": changes.added_ranges,
                      "header": splice.prefix_header(prefixes).decode("utf-8"), "sha256": sha256}
            if not background:
                removed, added = query_store.update_store_from_ranges(new_graph=str(path), **update)
                if notes is not None:
                    notes[-1] += f"; query store updated (-{removed:,} +{added:,} triples)"
                return None
            return _NotedJob(query_store.StoreJob(path, update=update), notes)
        if not store:
            return None
    else:
        try:
            splice.write_full(units(graph, base, OxTerms, with_inputs=True), path, base, prefixes)[1].save(path)
        except splice.LayoutError:  # not laid out as the splice expects: the next export is a full one too
            splice.parts_path(path).unlink(missing_ok=True)
    if not store:
        return None
    if background:
        return query_store.StoreJob(path)
    query_store.write_store(path)
    return None


class TurtleExporter:
    """graph.ttl and its query store."""

    name = "turtle"
    filename = "graph.ttl"

    def write(self, graph: nx.MultiDiGraph, path: Path, options: ExportOptions):
        return export(graph, path, base=options.base, background=options.background, previous=options.previous,
                      notes=options.notes)
