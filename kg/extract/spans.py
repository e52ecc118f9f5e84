"""What the extraction steps share: a match (a name found at a place in the text, with its type and who found
it), the spans it becomes on a spaCy doc, and the text of an item with its sentences and language."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Doc, Span

from kg.ingest.normalize import cjk_ratio, has_cjk
from kg.records import NewsItem

GAZETTEER_EXTRACTOR = "gazetteer"
# A name given in brackets after another new name, as its other spelling (之江实验室（Zhejiang Lab）): the resolver
# makes the two one entity (kg.extract.mentions.bracket_aliases, kg.link.resolve)
BRACKET_ALIAS_EXTRACTOR = "pattern:bracket-alias"
SPAN_KEY = "kg"

if not Span.has_extension("kg_extractor"):
    Span.set_extension("kg_extractor", default=None)
    Span.set_extension("kg_confidence", default=1.0)


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    entity_id: str | None  # None: a pattern match not (yet) resolved to the gazetteer
    type: str
    extractor: str
    confidence: float

    @property
    def length(self) -> int:
        return self.end - self.start


def doc_text(doc: Doc) -> str:
    """The doc's text, joined from its tokens once: spaCy rebuilds `Doc.text` on every access (token by token)."""
    text = doc.user_data.get("kg_text")
    if text is None:
        text = doc.user_data["kg_text"] = doc.text
    return text


def exact_match(doc: Doc, span: Span) -> Match:
    start, end = doc.user_data.get("kg_exact", {}).get((span.start_char, span.end_char), (span.start_char, span.end_char))
    return Match(start, end, span.id_ or None, span.label_, span._.kg_extractor or GAZETTEER_EXTRACTOR, span._.kg_confidence)


def item_text(item: NewsItem) -> str:
    return f"{item.title}\n{item.text}" if item.text else item.title


_CLAUSE = re.compile(r"[^。！？!?；\n]+[。！？!?；]*")
_ENGLISH_SENTENCE = re.compile(r".+?(?:[.;](?=\s+[A-Z])|$)")


@lru_cache(maxsize=256)  # an item's sentences are read by several steps in a row
def sentence_bounds(text: str) -> tuple[tuple[int, int], ...]:
    """Sentence spans: Chinese punctuation, line ends, and '. ' between English sentences."""
    bounds = []
    for m in _CLAUSE.finditer(text):
        start, piece = m.start(), m.group(0)
        if "." in piece or ";" in piece:
            spans = [(start + sub.start(), start + sub.end()) for sub in _ENGLISH_SENTENCE.finditer(piece)]
        else:  # no English sentence end: one sentence
            spans = [(start, m.end())]
        for s, e in spans:
            while s < e and text[s].isspace():
                s += 1
            if e > s:
                bounds.append((s, e))
    return tuple(bounds)


def language_of(text: str) -> str:
    return "zh" if cjk_ratio(text) >= 0.1 else "en"


def title_case(sentence: str) -> bool:
    """An English line with most words capitalised (a headline); Latin words in Chinese text are names."""
    if has_cjk(sentence):
        return False
    words = re.findall(r"[A-Za-z][A-Za-z'’]+", sentence)
    long = [w for w in words if len(w) > 3]
    return len(long) >= 3 and sum(w[0].isupper() for w in long) >= 0.7 * len(long)


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")
