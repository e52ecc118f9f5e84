"""What each digest adds to the graph, kept between builds so that a rebuild redoes only what changed.

A build turns every digest file into a `Piece`, in file order:

- its items, compact and as this file lists them (own date and sources), and which of them are new to the
  build (not listed by an earlier file);
- a `NameTally` of the mentions of those new items (kg/link/resolve.py), which the resolver adds up;
- after the resolver has named every entity: the relations found in the new items and the entities each
  names. These depend on how the names in those items were resolved (entity id and type of every folded name,
  the product each entity is a version of), and the piece records exactly that.

The build cache (kg/builder/cache.py) stores pieces next to the file entries. A rebuild takes an unchanged file's piece
as it is when the files before it list the same items as before (so its new items are the same), and keeps
its relations when every resolution it recorded still holds; otherwise it finds them again from the file's
entry. Relations take the item's date at merge time: a story listed again with an earlier date moves them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import InputProblem
from kg.ingest.normalize import fold_name
from kg.records import Mention, NewsItem, Relation
from kg.link.rel.component import RelationModel
from kg.link.relations import (headline_relations, topic_relations, knowledge_relations, named_ids, pattern_relations, round_investors,
                                 variant_relations)
from kg.link.resolve import EntityResolver, NameTally
from kg.extract.rules import Rules

MODEL_BATCH = 64  # items whose pairs the relation model classifies together
ItemLoader = Callable[[str], tuple[NewsItem, list[Mention]]]  # item id -> full item and its mentions


@dataclass
class Piece:
    path: Path
    items: list[NewsItem] = field(default_factory=list)  # compact, in file order, as this file lists them
    new_ids: list[str] = field(default_factory=list)  # items first listed by this file, in order
    chars: int = 0  # characters of the new items' titles and texts
    tally: NameTally = field(default_factory=NameTally)
    warnings: list[str] = field(default_factory=list)
    problem: InputProblem | None = None
    # Found by the relation stage in the new items (None until then), and what that depended on:
    relations: list[Relation] | None = None
    named: list[tuple[str, tuple[str, ...]]] | None = None  # (item id, ids of the entities it names)
    resolutions: dict[str, tuple[str, str] | None] | None = None  # folded name -> (entity id, type); None: dropped
    bases: dict[str, str | None] | None = None  # entity id -> the entity it is a version of
    from_cache: bool = False  # loaded, not made in this build: written back only if its relations change

    def first_listed(self, known: set[str]) -> list[str]:
        """The ids of this piece's items that are new when the files before it listed `known`."""
        seen: set[str] = set()
        out = []
        for item in self.items:
            if item.id not in known and item.id not in seen:
                out.append(item.id)
            seen.add(item.id)
        return out

    def holds(self, resolver: EntityResolver, base_of: dict[str, str]) -> bool:
        """Its relations were found under the resolutions of this build."""
        if self.relations is None:
            return False
        resolution = resolver.resolution
        if any(resolution(key) != found for key, found in self.resolutions.items()):
            return False
        return all(base_of.get(entity_id) == base for entity_id, base in self.bases.items())


def find_relations(piece: Piece, load: ItemLoader, resolver: EntityResolver, base_of: dict[str, str],
                   rules: Rules, model: RelationModel | None = None) -> None:
    """Relations and named entities of the piece's new items (read with `load`), and what they depended on.

    The relation rules run first; then `model` (the relation classifier) over the pairs they left alone, a batch
    of items at a time, or without a model the gazetteer's facts (a product's maker, a person's employer named in
    one sentence: the model decides those pairs from the sentence); then the version names."""
    relations: list[Relation] = []
    named: list[tuple[str, tuple[str, ...]]] = []
    resolutions: dict[str, tuple[str, str] | None] = {}
    bases: dict[str, str | None] = {}
    batch: list[tuple[NewsItem, list[Mention], list[Relation]]] = []

    def flush() -> None:
        extra = model.relations(batch, rules) if model is not None else [[] for _ in batch]
        for (item, found, item_relations), more in zip(batch, extra):
            investors = {r.subject for r in item_relations if r.predicate == "investsIn"}
            # an investor of the item's round is not funded by its co-investor (由 A 领投，B 参投)
            item_relations += [r for r in more if r.predicate != "investsIn" or r.object not in investors]
            if model is None:
                item_relations += knowledge_relations(item, found, rules, item_relations)
            item_relations += variant_relations(item, found, base_of)
            relations.extend(item_relations)
        batch.clear()

    for item_id in piece.new_ids:  # a batch of items in memory at a time
        item, mentions = load(item_id)
        found = []
        for m in mentions:
            if m.entity_id:  # a gazetteer match: resolved already
                found.append(m)
                continue
            key = fold_name(m.surface)  # once per mention: resolver.resolve would fold it again
            if key not in resolutions:
                resolutions[key] = resolver.resolution(key)
            resolution = resolutions[key]
            if resolution is not None:
                found.append(m.resolved(*resolution))
        item_relations = pattern_relations(item, found, rules)
        item_relations += round_investors(item, found, rules, item_relations)
        item_relations += headline_relations(item, found, rules, item_relations)
        item_relations += topic_relations(item, found, rules, item_relations)
        batch.append((item, found, item_relations))
        if len(batch) >= MODEL_BATCH:
            flush()
        ids = named_ids(found)
        for entity_id in ids:
            bases.setdefault(entity_id, base_of.get(entity_id))
        named.append((item_id, ids))
    flush()
    piece.relations, piece.named, piece.resolutions, piece.bases = relations, named, resolutions, bases


def dated(relations: Iterable[Relation], items: dict[str, NewsItem]) -> Iterable[Relation]:
    """Each relation with its item's date in this build (the earliest listing)."""
    for rel in relations:
        date = items[rel.item_id].date
        if rel.date != date:
            rel = Relation(rel.subject, rel.predicate, rel.object, rel.item_id, date, rel.url, rel.evidence,
                           rel.extractor, rel.confidence, rel.role, rel.status)
        yield rel
