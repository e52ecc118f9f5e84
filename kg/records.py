"""Small typed records passed between the pipeline stages.

parse -> NewsItem -> Mention -> Entity -> Relation -> graph -> exporters
"""
from __future__ import annotations

from dataclasses import dataclass, field

ENTITY_TYPES = ("Company", "Organization", "Person", "Product", "Hardware")

RELATION_TYPES = (
    "develops",
    "worksFor",
    "uses",
    "partnersWith",
    "investsIn",
    "acquires",
    "competesWith",
    "variantOf",
)
SYMMETRIC_RELATIONS = frozenset({"partnersWith", "competesWith"})
CO_MENTION = "coMention"


@dataclass(slots=True)  # slots: a build keeps one compact item per story in memory
class NewsItem:
    """One story: a heading or list entry of a digest, with its own link."""

    id: str  # stable: hash of the normalised URL, else of file + position
    title: str
    text: str  # body text, Markdown markup stripped
    date: str  # ISO date (YYYY-MM-DD) or datetime with zone
    url: str | None  # the item's own link (first http(s) link)
    links: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # digest files that listed it
    position: int = 0  # 1-based position in its first digest
    layout: str = ""  # reader that produced it: A, B, B-related, C, structure
    line: int = 0  # 1-based line of the item in its first digest
    author: str | None = None
    file: str = ""  # the digest file that first listed it, as given to the reader (with `line`: where it is)

    def __reduce__(self):  # a tuple of fields: unpickling calls __init__, faster than dataclass __setstate__
        return NewsItem, (self.id, self.title, self.text, self.date, self.url, self.links, self.sources,
                          self.position, self.layout, self.line, self.author)

    def with_body(self, text: str, links, date: str, sources: list[str]) -> NewsItem:
        """A copy with this text, links, date and sources (faster than dataclasses.replace in the build's loops)."""
        return NewsItem(self.id, self.title, text, date, self.url, links, sources, self.position, self.layout,
                        self.line, self.author, self.file)


# Mention and Relation are values (hashable, never changed after creation) but not frozen: a frozen dataclass's
# __init__ sets each field through object.__setattr__, and a build creates and unpickles millions of them.
@dataclass(slots=True, unsafe_hash=True)
class Mention:
    """A span of an item's text that names an entity."""

    item_id: str
    start: int  # offsets into the item's full text (title + "\n" + text)
    end: int
    surface: str
    type: str
    entity_id: str  # resolved id (gazetteer id, or derived from name + type)
    extractor: str  # "gazetteer", "pattern:<rule id>" or a model name
    confidence: float = 1.0
    sentence: str = ""

    def __reduce__(self):  # the build cache and the workers pickle millions of mentions: see NewsItem
        return Mention, (self.item_id, self.start, self.end, self.surface, self.type, self.entity_id, self.extractor,
                         self.confidence, self.sentence)

    def resolved(self, entity_id: str, entity_type: str) -> Mention:
        """This mention naming entity_id (dataclasses.replace is ~4x slower, and a build resolves millions)."""
        return Mention(self.item_id, self.start, self.end, self.surface, entity_type, entity_id, self.extractor,
                       self.confidence, self.sentence)


@dataclass(slots=True)
class Entity:
    id: str
    name: str  # canonical (English where known)
    type: str
    name_zh: str | None = None
    aliases: list[str] = field(default_factory=list)
    wikidata: str | None = None
    developer: str | None = None  # entity id, products only
    extractor: str = "gazetteer"
    confidence: float = 1.0


@dataclass(slots=True, unsafe_hash=True)  # a value: see Mention
class Relation:
    subject: str  # entity id
    predicate: str  # one of RELATION_TYPES
    object: str  # entity id
    item_id: str
    date: str
    url: str | None
    evidence: str  # the sentence that supports it
    extractor: str  # rule id or model name
    confidence: float
    role: str | None = None  # worksFor: CEO, 创始人, ...
    status: str | None = None  # None: stated as a fact; "reported", "planned" or "denied" (kg:status)

    def __reduce__(self):  # see NewsItem
        return Relation, (self.subject, self.predicate, self.object, self.item_id, self.date, self.url, self.evidence,
                          self.extractor, self.confidence, self.role, self.status)
