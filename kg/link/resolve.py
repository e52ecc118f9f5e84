"""Mentions -> entities: one entity per real thing.

Gazetteer matches already carry their id. Names found by patterns (or a model) are resolved against every
gazetteer name and alias after folding (case, spaces, hyphens: `GPT - 5.2` = `GPT-5.2`); the rest become new
entities with a stable id from their folded name, typed by majority vote over their mentions.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict

from kg.ingest.normalize import fold_name, slugify
from kg.records import Entity, Mention
from kg.extract.rules import Rules
from kg.extract.spans import BRACKET_ALIAS_EXTRACTOR


# A name only the statistical model found becomes an entity once the model has found it in this many news
# items: one-off predictions are mostly noise (a capitalised word, a handle in a code sample).
MODEL_MIN_ITEMS = 2
# How much more a mention typed by the rules (gazetteer-free patterns, slots, lists) counts in a name's type vote
# than one typed by the model alone.
STRUCTURE_VOTE = 3.0


# A name's shape that a word of the language does not have: inner capitals or a version (MemoHarness, PhanRouter,
# V-JEPA, YOLOv8n, Fugu-Cyber). The model's one-item names of this shape are names; its plain capitalised words
# (Screener, Almanac) need a second item.
_NAME_SHAPE = re.compile(r"(?=[A-Za-z0-9-]*[a-z])[A-Z][A-Za-z0-9]*(?:[a-z][A-Z]|[A-Za-z]\d|-[A-Z])[A-Za-z0-9-]*")


# The last word of a technique, a method or a study, not of a product, company or chip (MiniMax Sparse Attention,
# In-Context Prompting, MCP Pruning, Reinforcement Learning, Rethinking Transformer Scaling): none of our types.
_TECHNIQUE_HEAD = re.compile(
    r"(?:.*[ -])?(?:Attention|Prompting|Pruning|Architecture|Scaling|Learning|Reasoning|Distillation|Quantization|"
    r"Alignment|Optimization|Decoding|Sampling|Regularization|Normalization|Mechanism|Method|Technique|Paradigm)")


def _by_model(extractor: str) -> bool:
    return extractor.startswith("model:")


class NameTally:
    """What the mentions of one file's new items say about names: first mentions, and for the names no
    gazetteer knows their type votes, surfaces, extractors, best confidence and (a few) model items.

    A build tallies each file, then adds the tallies in file order (`EntityResolver.add`), so a rebuild can
    reuse the tally of an unchanged file and still sum exactly as a cold build does.
    """

    __slots__ = ("first_seen", "votes", "surfaces", "extractors", "confidence", "model_items", "same_as")

    def __init__(self):
        self.first_seen: dict[str, str] = {}  # gazetteer id or "\0" + folded name -> surface, in order of mention
        self.votes: dict[str, dict[str, float]] = {}  # folded name -> type -> summed confidence
        self.surfaces: dict[str, dict[str, int]] = {}
        self.extractors: dict[str, dict[str, int]] = {}
        self.confidence: dict[str, float] = {}
        self.model_items: dict[str, list[str]] = {}  # folded name -> up to MODEL_MIN_ITEMS item ids
        # folded name given in brackets after another new name -> that name (之江实验室（Zhejiang Lab）): one entity
        self.same_as: dict[str, str] = {}

    def observe(self, mentions: list[Mention], alias_index: dict[str, str]) -> None:
        first_seen = self.first_seen
        before = None
        for m in mentions:
            previous, before = before, m
            if m.entity_id:
                first_seen.setdefault(m.entity_id, m.surface)
                continue
            key = fold_name(m.surface)
            first_seen.setdefault("\0" + key, m.surface)
            if key in alias_index:
                continue
            if m.extractor == BRACKET_ALIAS_EXTRACTOR and previous is not None and not previous.entity_id and \
                    previous.item_id == m.item_id and 0 < m.start - previous.end <= 2:
                named = fold_name(previous.surface)
                if named != key:
                    self.same_as.setdefault(key, named)
            votes = self.votes.setdefault(key, {})
            # a type the rules gave by where the name stands (a cue word, a slot, a list of known names) outweighs
            # the statistical model's guess
            votes[m.type] = votes.get(m.type, 0.0) + m.confidence * (1.0 if _by_model(m.extractor) else STRUCTURE_VOTE)
            surfaces = self.surfaces.setdefault(key, {})
            surfaces[m.surface] = surfaces.get(m.surface, 0) + 1
            extractors = self.extractors.setdefault(key, {})
            extractors[m.extractor] = extractors.get(m.extractor, 0) + 1
            self.confidence[key] = max(self.confidence.get(key, 0.0), m.confidence)
            if _by_model(m.extractor):
                seen = self.model_items.setdefault(key, [])
                if len(seen) < MODEL_MIN_ITEMS and m.item_id not in seen:
                    seen.append(m.item_id)


class EntityResolver:
    """Collects mentions across the corpus, then assigns every mention an entity id.

    Mentions are observed one file at a time as a NameTally (they need not be kept): `finish()` then names the
    new entities, `entities()` lists every entity named, in the order of first mention, and `resolve()` gives a
    mention its id.
    """

    def __init__(self, rules: Rules):
        self.rules = rules
        self._first_seen: dict[str, str] = {}  # gazetteer id or "\0" + folded name -> surface, in order of first mention
        self._votes: dict[str, Counter] = defaultdict(Counter)  # folded name -> type votes
        self._surfaces: dict[str, Counter] = defaultdict(Counter)
        self._extractors: dict[str, Counter] = defaultdict(Counter)
        self._confidence: dict[str, float] = {}
        self._model_items: dict[str, set[str]] = defaultdict(set)  # folded name -> items (up to MODEL_MIN_ITEMS)
        self._dropped: set[str] = set()
        self._same_as: dict[str, str] = {}

    def tally(self, mentions: list[Mention]) -> NameTally:
        tally = NameTally()
        tally.observe(mentions, self.rules.alias_index)
        return tally

    def observe(self, mentions: list[Mention]) -> None:
        self.add(self.tally(mentions))

    def add(self, tally: NameTally) -> None:
        """Count one file's tally (files in build order: the order of first mention follows it)."""
        first_seen = self._first_seen
        for ref, surface in tally.first_seen.items():
            first_seen.setdefault(ref, surface)
        for key, votes in tally.votes.items():
            into = self._votes[key]
            for kind, value in votes.items():
                into[kind] += value
        for key, surfaces in tally.surfaces.items():
            self._surfaces[key].update(surfaces)
        for key, extractors in tally.extractors.items():
            self._extractors[key].update(extractors)
        confidence = self._confidence
        for key, value in tally.confidence.items():
            confidence[key] = max(confidence.get(key, 0.0), value)
        for key, named in tally.same_as.items():
            self._same_as.setdefault(key, named)
        for key, found in tally.model_items.items():
            into = self._model_items[key]
            for item_id in found:
                if len(into) < MODEL_MIN_ITEMS:
                    into.add(item_id)

    def finish(self) -> dict[str, Entity]:
        """Entities for the names no gazetteer knows, keyed by folded name."""
        self._new: dict[str, Entity] = {}
        taken = set(self.rules.entities)
        bracketed = self._bracket_aliases()
        for key, named in bracketed.items():  # the bracketed name's mentions count for the name before it
            self._votes[named].update(self._votes[key])
            self._surfaces[named].update(self._surfaces[key])
            self._extractors[named].update(self._extractors[key])
            self._confidence[named] = max(self._confidence.get(named, 0.0), self._confidence[key])
        for key in sorted(self._votes):
            if key in bracketed:
                continue
            only_model = all(_by_model(x) for x in self._extractors[key])
            if only_model and len(self._model_items[key]) < MODEL_MIN_ITEMS and \
                    not any(_NAME_SHAPE.fullmatch(surface) for surface in self._surfaces[key]):
                self._dropped.add(key)
                continue
            entity_type = self._votes[key].most_common(1)[0][0]
            name = self._surfaces[key].most_common(1)[0][0]
            if entity_type == "Product" and _TECHNIQUE_HEAD.fullmatch(name):
                self._dropped.add(key)
                continue
            entity_id = slugify(name)
            if entity_id in taken:
                entity_id = f"{entity_id}-{entity_type.lower()}"
            taken.add(entity_id)
            aliases = sorted(s for s in self._surfaces[key] if s != name)
            self._new[key] = Entity(
                id=entity_id,
                name=name,
                type=entity_type,
                aliases=aliases,
                extractor=self._extractors[key].most_common(1)[0][0],
                confidence=round(self._confidence[key], 3),
            )
        for key, named in bracketed.items():
            if named in self._new:
                self._new[key] = self._new[named]
        return self._new

    def _bracket_aliases(self) -> dict[str, str]:
        """Folded bracketed name -> the folded new name it spells otherwise (followed to the end of a chain); only
        between names no gazetteer knows that both have mentions and not the model's alone."""
        out = {}
        for key, named in self._same_as.items():
            seen = {key}
            while named in self._same_as and named not in seen:
                seen.add(named)
                named = self._same_as[named]
            if named in seen or key not in self._votes or named not in self._votes:
                continue
            if self.rules.alias_index.get(named) or all(_by_model(x) for x in self._extractors[named]):
                continue
            out[key] = named
        return out

    def entities(self) -> dict[str, Entity]:
        """Every entity the observed mentions name, by id, in the order of their first mention (after finish())."""
        out: dict[str, Entity] = {}
        for ref, surface in self._first_seen.items():
            if ref[0] != "\0":
                if ref not in out:
                    out[ref] = self.entity(ref) or self._new[fold_name(surface)]
                continue
            key = ref[1:]
            if key in self._dropped:
                continue
            known = self.rules.alias_index.get(key)
            entity = self.entity(known) if known else self._new[key]
            out.setdefault(entity.id, entity)
        return out

    def resolution(self, key: str) -> tuple[str, str] | None:
        """Entity id and type of a folded name no gazetteer id came with; None when it was dropped."""
        if key in self._dropped:
            return None
        known = self.rules.alias_index.get(key)
        if known:
            return known, self.rules.entities[known].type
        entity = self._new[key]
        return entity.id, entity.type

    def resolve(self, mention: Mention) -> Mention | None:
        """The mention with its entity id; None for a model-only name seen in too few items."""
        if mention.entity_id:
            return mention
        found = self.resolution(fold_name(mention.surface))
        return None if found is None else mention.resolved(*found)

    def entity(self, entity_id: str) -> Entity | None:
        g = self.rules.entities.get(entity_id)
        if g is None:
            return None
        return Entity(
            id=g.id,
            name=g.name,
            type=g.type,
            name_zh=g.zh,
            aliases=list(g.aliases),
            wikidata=g.wikidata,
            developer=g.developer,
        )

    def base_of(self, entity: Entity, known: dict[str, Entity]) -> str | None:
        """The product this one is a version or edition of: gazetteer `variant_of`, else the longest
        known product name that prefixes it, followed only by versions and edition words
        (Gemini 3 Pro -> Gemini 3, o3-pro -> o3; not Claude Code -> Claude)."""
        g = self.rules.entities.get(entity.id)
        if g is not None and g.variant_of:
            return g.variant_of
        if entity.type not in {"Product", "Hardware"}:
            return None
        pieces = [p for p in re.split(r"([\s\-_]+)", entity.name) if p]
        for cut in range(len(pieces) - 1, 0, -1):
            prefix = "".join(pieces[:cut]).rstrip(" -_")
            base = known.get(fold_name(prefix)) if prefix else None
            if base is None or base.id == entity.id or base.type != entity.type:
                continue
            rest = [p for p in pieces[cut:] if p.strip(" -_")]
            if rest and all(_EDITION.fullmatch(p) for p in rest):
                return base.id
        return None


_EDITION = re.compile(
    r"(?i)v?\d+(\.\d+)*[a-z]?|\d+(\.\d+)?[bmk]|pro|max|mini|nano|flash|ultra|plus|lite|turbo|thinking|instruct|"
    r"preview|exp|experimental|base|chat|air|high|low|medium|deep|think|fast|large|small|medium|heavy|reasoning|"
    r"omni|latest|beta|alpha|s|x|e|a\d+b|\d{4}"
)
