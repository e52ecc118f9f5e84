"""The knowledge graph as a NetworkX MultiDiGraph.

Nodes are entities (key = entity id) with: type, name, name_zh, aliases, wikidata, mentions (items naming
it), extractor, confidence, first_date, last_date.
Edges (key = statement id) carry: relation, date, url, item_id, title, digest and line (the digest file the item
was first read from and its line there: the source of an item without a link), evidence, extractor, confidence,
role, and status (reported / planned / denied) on a statement that is not a stated fact; coMention edges aggregate
every item naming both ends: count, items, urls, and the earliest date (their url, item_id, title, digest and line
are the earliest item's).
`graph.graph["items"]` maps item id -> NewsItem, compact: without text and links (BuildResult.items has them).
"""
from __future__ import annotations

import networkx as nx

from kg.ingest.normalize import short_hash
from kg.records import CO_MENTION, Entity, NewsItem, Relation

MAX_URLS_PER_CO_MENTION = 20


def statement_id(relation: str, subject: str, obj: str, item_id: str) -> str:
    return short_hash(relation, subject, obj, item_id)


def build_graph(
    entities: dict[str, Entity],
    items: dict[str, NewsItem],
    mentioned_in: dict[str, set[str]],
    relations: list[Relation],
    co_mention_items: dict[tuple[str, str], list[str]],
) -> nx.MultiDiGraph:
    """The graph of the entities and relations; `items` (compact: text is not needed) become `graph.graph["items"]`.

    `mentioned_in` maps an entity id to the ids of the items naming it; it is emptied, and the co-mention
    lists are sorted in place and kept as the edges' `items` (no copies at the peak).
    """
    graph = nx.MultiDiGraph(items=items)
    for entity_id, entity in entities.items():
        found_in = sorted(mentioned_in.pop(entity_id, ()))
        dates = sorted(items[i].date for i in found_in)
        graph.add_node(
            entity_id,
            type=entity.type,
            name=entity.name,
            name_zh=entity.name_zh or "",
            aliases=list(entity.aliases),
            wikidata=entity.wikidata or "",
            mentions=len(found_in),
            extractor=entity.extractor,
            confidence=entity.confidence,
            first_date=dates[0] if dates else "",
            last_date=dates[-1] if dates else "",
            items=found_in,
        )
    for rel in relations:
        item = items[rel.item_id]
        key = graph.add_edge(
            rel.subject,
            rel.object,
            key=statement_id(rel.predicate, rel.subject, rel.object, rel.item_id),
            relation=rel.predicate,
            date=rel.date,
            url=rel.url or "",
            item_id=rel.item_id,
            title=item.title,
            digest=item.sources[0] if item.sources else "",
            line=item.line,
            evidence=rel.evidence,
            extractor=rel.extractor,
            confidence=rel.confidence,
            role=rel.role or "",
        )
        if rel.status:  # only on statements that are not stated facts: the exports of a corpus without any stay as they were
            graph.edges[rel.subject, rel.object, key]["status"] = rel.status
    for (a, b), ordered in co_mention_items.items():
        ordered.sort(key=lambda i: (items[i].date, i))  # the list becomes the edge's `items`: no copy
        first = items[ordered[0]]
        urls: list[str] = []  # the first distinct ones: a pair of big names has thousands of items
        for item_id in ordered:
            url = items[item_id].url
            if url and url not in urls:
                urls.append(url)
                if len(urls) == MAX_URLS_PER_CO_MENTION:
                    break
        graph.add_edge(
            a,
            b,
            key=statement_id(CO_MENTION, a, b, ""),
            relation=CO_MENTION,
            date=first.date,
            url=first.url or "",
            item_id=first.id,
            title=first.title,
            digest=first.sources[0] if first.sources else "",
            line=first.line,
            evidence="",
            extractor="co-mention",
            confidence=1.0,
            role="",
            count=len(ordered),
            items=ordered,
            urls=urls,
        )
    return graph
