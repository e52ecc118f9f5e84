"""Find entity mentions in news items with spaCy pipelines (Chinese via jieba, English).

Pipeline: tokenizer -> `kg_gazetteer` (Aho-Corasick over folded text, spans carry the gazetteer id)
-> `kg_patterns` (regex rules from rules/patterns.yml for names no gazetteer lists) -> [statistical `ner`
slot] -> mentions. Rules take precedence over the model where both fire. `extract_mentions` (the build) runs the
same components without segmenting whole texts: the rules on the characters, the model on stretches.
"""
from __future__ import annotations

import hashlib
import logging
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from itertools import accumulate
from pathlib import Path

import ahocorasick
import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.ingest.normalize import fold_name, fold_with_offsets, has_cjk, is_latin_edge
from kg.records import Mention, NewsItem
from kg.extract.rules import Rules, is_case_sensitive
from kg.extract.spans import GAZETTEER_EXTRACTOR, SPAN_KEY, doc_text, item_text, language_of, sentence_bounds
from kg.extract.spans import Match as _Match
from kg.extract.spans import exact_match as _exact_match

# The statistical NER we train and ship (kg train): a spaCy pipeline (jieba tokens, Chinese and English text).
MODELS_DIR = Path(__file__).parent.parent / "models"
MODEL_DIR = MODELS_DIR / "ner"

_RULES_BY_DIR: dict[str, Rules] = {}


# ---------------------------------------------------------------- gazetteer matcher


class GazetteerMatcher:
    """Every gazetteer name and alias, matched case- and separator-insensitively at word edges."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self.automaton = ahocorasick.Automaton()
        by_key: dict[str, list[tuple[str, str, bool]]] = {}
        for entity in rules.entities.values():
            for form in entity.surface_forms():
                key = fold_name(form)
                by_key.setdefault(key, []).append((entity.id, form, is_case_sensitive(entity, form)))
        for key, candidates in by_key.items():
            self.automaton.add_word(key, (len(key), candidates))
        if by_key:
            self.automaton.make_automaton()
        self.empty = not by_key

    def find(self, text: str) -> list[_Match]:
        if self.empty:
            return []
        folded, offsets = fold_with_offsets(text)
        found = []
        for end_index, (length, candidates) in self.automaton.iter(folded):
            start = offsets[end_index - length + 1]
            end = offsets[end_index] + 1
            if not _at_word_edges(text, start, end):
                continue
            surface = text[start:end]
            for entity_id, form, case_sensitive in candidates:
                if case_sensitive and _strip_seps(surface) != _strip_seps(form):
                    continue
                entity = self.rules.entities[entity_id]
                found.append(_Match(start, end, entity_id, entity.type, GAZETTEER_EXTRACTOR, 1.0))
                break
        return found

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        found = [m for m in self.find(text) if not self._cited_as_source(text, m)]
        spans = [_span(doc, m) for m in _non_overlapping(found)]
        doc.spans[SPAN_KEY] = [s for s in spans if s is not None]
        return doc


    def _cited_as_source(self, text: str, m: _Match) -> bool:
        """A news outlet named only as where the story comes from (据彭博社报道, 新智元消息：)."""
        if not self.rules.entities[m.entity_id].media:
            return False
        return bool(_SOURCE_AFTER.match(text, m.end) or _SOURCE_BEFORE.search(text[max(0, m.start - 16) : m.start]))


_SOURCE_AFTER = re.compile(r"\s?(?:的|网站|记者)?\s?(?:报道|爆料|消息|称|援引|获悉|独家|披露|指出|表示|发文|文章|评论|采访|数据|[:：]|reports?|reported|says|said|writes|wrote)", re.I)
_SOURCE_BEFORE = re.compile(r"(?:据|根据|援引|来自|来源[:：]?|via|according to|per|reported by|\[)\s?$", re.I)


def _strip_seps(text: str) -> str:
    return re.sub(r"[\s\-_·]", "", text)


_BLOCKED_BEFORE = re.compile(r"[A-Za-z0-9/@._]")


def _at_word_edges(text: str, start: int, end: int) -> bool:
    """Latin-edged names must not continue into neighbouring Latin letters or digits (H20 in H200)."""
    if is_latin_edge(text[start]) and start > 0 and _BLOCKED_BEFORE.match(text[start - 1]):
        return False
    if is_latin_edge(text[end - 1]) and end < len(text):
        nxt = text[end]
        if is_latin_edge(nxt):
            return False
        after = text[end + 1 : end + 2]
        if nxt in ".-" and after.isdigit():
            return False  # GPT-5 inside GPT-5.2
        if nxt == "-" and text[end - 1].isdigit() and after.isalpha():
            return False  # Qwen3 inside Qwen3-TTS: a longer name, left to the patterns
    return True


def _non_overlapping(matches: Iterable[_Match]) -> list[_Match]:
    """Longest first, then leftmost; a gazetteer match beats a pattern match of the same span.

    One sweep in that order over a map of the characters already taken (n log n for the sort, then the
    characters of each match once): a match is kept unless it overlaps one kept before it.
    """
    ranked = sorted(matches, key=lambda m: (-m.length, m.start, m.extractor != GAZETTEER_EXTRACTOR))
    if not ranked:
        return []
    size = max(m.end for m in ranked) + 1
    taken = bytearray(size)  # 1 where a kept match covers the character
    starts = bytearray(size)  # 1 where a kept match starts
    chosen: list[_Match] = []
    for m in ranked:
        if m.start < m.end:
            if taken.find(1, m.start, m.end) != -1:
                continue
            taken[m.start : m.end] = b"\x01" * (m.end - m.start)
            starts[m.start] = 1
        elif 0 < m.start and taken[m.start - 1] and taken[m.start] and not starts[m.start]:
            continue  # an empty match strictly inside a kept one (empty ones come last: they block nothing)
        chosen.append(m)
    return sorted(chosen, key=lambda m: m.start)


def _span(doc: Doc, m: _Match) -> Span | None:
    span = doc.char_span(m.start, m.end, label=m.type, alignment_mode="expand")
    if span is None:
        return None
    span.id_ = m.entity_id or ""
    span._.kg_extractor = m.extractor
    span._.kg_confidence = m.confidence
    # the exact character offsets: `expand` may widen to token edges
    doc.user_data.setdefault("kg_exact", {})[(span.start_char, span.end_char)] = (m.start, m.end)
    return span


# ---------------------------------------------------------------- pattern rules


class PatternMatcher:
    """Regex name patterns for entities the gazetteer does not list (Qwen3-TTS, X公司, CEO X)."""

    def __init__(self, rules: Rules):
        self.rules = rules
        # Leading letters of known product names (gpt, qwen, llama, deepseek): the families a glued
        # version number may follow.
        self.known_prefixes = {
            lead.lower()
            for e in rules.entities.values()
            if e.type in {"Product", "Hardware"}
            for form in e.surface_forms()
            if (lead := re.match(r"[A-Za-z]*", form).group(0)) and len(lead) >= 2
        }

    def find(self, text: str) -> list[_Match]:
        found = []
        for pattern in self.rules.patterns:
            for m in pattern.regex.finditer(text):
                start, end = m.span("name")
                name = text[start:end].strip()
                if not name or fold_name(name) in self.rules.stopwords:
                    continue
                if any(x.search(name) for x in pattern.exclude) or not all(x.search(name) for x in pattern.require):
                    continue
                if pattern.known_prefix_when_glued and not self._glued_prefix_known(name):
                    continue
                if pattern.known_base and not self._base_known(m.group("base"), pattern.known_base):
                    continue
                known = self.rules.alias_index.get(fold_name(name))
                entity_type = self.rules.entities[known].type if known else self._type_of_base(name, pattern.type)
                found.append(_Match(start, end, known, entity_type, f"pattern:{pattern.id}", pattern.confidence))
        return found

    def _type_of_base(self, name: str, default: str) -> str:
        """A new version of known hardware is hardware (CUDA 13.1, like CUDA); of a product, a product."""
        if default not in {"Product", "Hardware"}:
            return default
        pieces = [p for p in re.split(r"[\s\-_]+", name) if p]
        for cut in range(len(pieces) - 1, 0, -1):
            base = self.rules.alias_index.get(fold_name("".join(pieces[:cut])))
            if base and self.rules.entities[base].type in {"Product", "Hardware"}:
                return self.rules.entities[base].type
        return default

    def _base_known(self, base: str, types: frozenset[str]) -> bool:
        known = self.rules.alias_index.get(fold_name(base))
        return known is not None and self.rules.entities[known].type in types

    def _glued_prefix_known(self, name: str) -> bool:
        """Qwen3 and Llama 4 follow known families; Giuseppe5, GDP 15 or PART 2 do not."""
        short = re.fullmatch(r"([A-Za-z]+)(?:\d|[ ][vV]?\d+(?:\.\d+)*$)", name) or re.match(r"([A-Za-z]+)\d", name)
        return short is None or short.group(1).lower() in self.known_prefixes

    def __call__(self, doc: Doc) -> Doc:
        gazetteer = [_exact_match(doc, s) for s in doc.spans.get(SPAN_KEY, [])]
        patterns = _patterns_that_may_win(self.find(doc_text(doc)), gazetteer)
        merged = _non_overlapping(gazetteer + patterns)
        doc.spans[SPAN_KEY] = [s for s in (_span(doc, m) for m in merged) if s is not None]
        return doc


def _patterns_that_may_win(patterns: Iterable[_Match], gazetteer: list[_Match]) -> list[_Match]:
    """The pattern matches that overlap no gazetteer match, or strictly contain those they overlap.

    The gazetteer matches are sorted once; each pattern match looks only at those that may overlap it (found
    by bisection: a start before its end, and a running maximum of the ends past its start).
    """
    ordered = sorted(gazetteer, key=lambda g: (g.start, g.end))
    starts = [g.start for g in ordered]
    reach = list(accumulate((g.end for g in ordered), max))  # the furthest end of the matches up to each one
    kept = []
    for m in patterns:
        first, stop = bisect_right(reach, m.start), bisect_left(starts, m.end)
        if all(not (m.start < g.end and g.start < m.end) or (m.start <= g.start and g.end <= m.end and m.length > g.length)
               for g in ordered[first:stop]):
            kept.append(m)
    return kept


# ---------------------------------------------------------------- spaCy wiring


@Language.factory("kg_gazetteer", default_config={"rules_dir": ""})
def make_gazetteer(nlp: Language, name: str, rules_dir: str) -> GazetteerMatcher:
    return GazetteerMatcher(_RULES_BY_DIR[rules_dir])


@Language.factory("kg_patterns", default_config={"rules_dir": ""})
def make_patterns(nlp: Language, name: str, rules_dir: str) -> PatternMatcher:
    return PatternMatcher(_RULES_BY_DIR[rules_dir])


def _teach_jieba(rules: Rules) -> None:
    """Gazetteer names in jieba's dictionary, so 英伟达 is one token and token edges meet entity edges."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    for entity in rules.entities.values():
        for form in entity.surface_forms():
            if has_cjk(form) and " " not in form:
                jieba.add_word(form, freq=10**6)


def model_available(model_dir: Path = MODEL_DIR) -> bool:
    return (model_dir / "meta.json").is_file()


def model_fingerprint(use_model: bool, model_dir: Path = MODEL_DIR) -> str:
    """Changes whenever the statistical model that extraction would use changes ('' when none is used)."""
    if not use_model or not model_available(model_dir):
        return ""
    digest = hashlib.sha256((model_dir / "meta.json").read_bytes())
    weights = model_dir / "ner" / "model"
    if weights.is_file():
        digest.update(weights.read_bytes())
    return digest.hexdigest()[:16]


@Language.factory("kg_model_mentions", default_config={"rules_dir": "", "model_dir": ""})
def make_model_mentions(nlp: Language, name: str, rules_dir: str, model_dir: str) -> "ModelComponent":
    from kg.extract.ner.component import ModelMentions, read_meta

    mentions = ModelMentions(_RULES_BY_DIR[rules_dir], Path(model_dir), read_meta(Path(model_dir)))
    for label in mentions.ner.labels:  # the model labels windows of this pipeline's docs
        nlp.vocab.strings.add(label)
    return ModelComponent(mentions)


class ModelComponent:
    """Adds the statistical model's mentions where no rule fired; batched, since nlp.pipe calls `pipe`."""

    def __init__(self, mentions):
        self.mentions = mentions

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._add(batch)
                batch = []
        yield from self._add(batch)

    def _add(self, docs: list[Doc]) -> list[Doc]:
        rules_found = [[_exact_match(doc, s) for s in doc.spans.get(SPAN_KEY, [])] for doc in docs]
        taken = [[(m.start, m.end) for m in found] for found in rules_found]
        for doc, found, extra in zip(docs, rules_found, self.mentions.predictions(list(zip(docs, taken)))):
            if extra:
                merged = sorted(found + extra, key=lambda m: m.start)
                doc.spans[SPAN_KEY] = [s for s in (_span(doc, m) for m in merged) if s is not None]
        return docs


def make_pipelines(rules: Rules, use_model: bool = True, model_dir: Path = MODEL_DIR) -> dict[str, Language]:
    """The Chinese (jieba) and English pipelines with the rule components, then the shipped NER when
    `use_model` and it is installed (kg.builder.pipeline warns when it is not)."""
    key = f"{rules.directory.resolve()}#{id(rules)}"  # one registry entry per Rules object (training uses subsets)
    _RULES_BY_DIR[key] = rules
    _teach_jieba(rules)
    zh = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    en = spacy.blank("en")
    model = use_model and model_available(model_dir)
    for nlp in (zh, en):
        nlp.add_pipe("kg_gazetteer", config={"rules_dir": key})
        nlp.add_pipe("kg_patterns", config={"rules_dir": key})
        if model:
            nlp.add_pipe("kg_model_mentions", config={"rules_dir": key, "model_dir": str(model_dir)})
    return {"zh": zh, "en": en}


# ---------------------------------------------------------------- items -> mentions

_SENTENCE = re.compile(r"[^。！？!?；;\n]+(?:[。！？!?；;]+|$)|(?<=[.!?])\s+")


def extract_mentions(items: list[NewsItem], pipelines: dict[str, Language], batch_size: int = 64) -> Iterator[tuple[NewsItem, list[Mention]]]:
    """Run the pipelines' components over items; yield each item with its mentions (in text order).

    The same mentions as `nlp.pipe` over the items gives, found without segmenting whole texts: the rule
    components match characters, and the model's windows are tokenized on their own (`model_matches`).
    """
    by_lang: dict[str, list[NewsItem]] = {"zh": [], "en": []}
    for item in items:
        by_lang[language_of(item_text(item))].append(item)
    for lang, group in by_lang.items():
        nlp = pipelines[lang]
        gazetteer, patterns = nlp.get_pipe("kg_gazetteer"), nlp.get_pipe("kg_patterns")
        model = nlp.get_pipe("kg_model_mentions").mentions if "kg_model_mentions" in nlp.pipe_names else None
        for first in range(0, len(group), batch_size):
            batch = group[first : first + batch_size]
            texts = [item_text(item) for item in batch]
            found = [rule_matches(text, gazetteer, patterns) for text in texts]
            if model is not None:
                for matches, extra in zip(found, model_matches(model, nlp, texts, found)):
                    if extra:
                        matches[:] = sorted(matches + extra, key=lambda m: m.start)
            for item, text, matches in zip(batch, texts, found):
                yield item, mentions_from_matches(item, text, matches)


def rule_matches(text: str, gazetteer: GazetteerMatcher, patterns: PatternMatcher) -> list[_Match]:
    """What the kg_gazetteer and kg_patterns components leave in `doc.spans`, from the characters alone."""
    chosen = _non_overlapping(m for m in gazetteer.find(text) if not gazetteer._cited_as_source(text, m))
    return _non_overlapping(chosen + _patterns_that_may_win(patterns.find(text), chosen))


def model_matches(model, nlp: Language, texts: list[str], found: list[list[_Match]]) -> list[list[_Match]]:
    """The model's mentions in each text beside the rules' `found` (kg_model_mentions, batched)."""
    from kg.extract.ner.component import covered_tokens as _covered_tokens

    stretchable = getattr(nlp.tokenizer, "segmenter", None) == "jieba"
    taken = [[(m.start, m.end) for m in matches] for matches in found]
    pieces = []
    for n, text in enumerate(texts):
        if stretchable:
            own = model.pieces_of_text(text, taken[n], nlp.tokenizer)
        else:  # spaCy's English tokenizer: fast enough to run over the whole text
            doc = nlp.tokenizer(text)
            own = model.pieces_of_doc(doc, _covered_tokens(doc, taken[n]))
        pieces.extend((n, piece, offset) for piece, offset in own)
    return model.predict(pieces, texts, taken)


def _make_doc(nlp: Language, text: str) -> Doc:
    doc = nlp.make_doc(text)
    doc.user_data["kg_text"] = text  # spaCy tokenizers keep the text exactly: no need to join it back
    return doc


def mentions_from_doc(item: NewsItem, doc: Doc) -> list[Mention]:
    return mentions_from_matches(item, doc_text(doc), [_exact_match(doc, s) for s in doc.spans.get(SPAN_KEY, [])])


def mentions_from_matches(item: NewsItem, text: str, matches: list[_Match]) -> list[Mention]:
    bounds = sentence_bounds(text)
    mentions = []
    sentences: dict[tuple[int, int], str] = {}  # one string per sentence: a pickle (cache, workers) holds it once
    starts = [s for s, _ in bounds]  # sorted, and the sentences do not overlap
    for m in matches:
        n = bisect_right(starts, m.start) - 1
        span = bounds[n] if n >= 0 and m.start < bounds[n][1] else (0, len(text))
        sentence = sentences.get(span)
        if sentence is None:
            sentence = sentences[span] = text[span[0]:span[1]].strip()
        mentions.append(
            Mention(
                item_id=item.id,
                start=m.start,
                end=m.end,
                surface=text[m.start : m.end],
                type=m.type,
                entity_id=m.entity_id or "",
                extractor=m.extractor,
                confidence=m.confidence,
                sentence=sentence,
            )
        )
    return mentions
