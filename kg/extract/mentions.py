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
from functools import lru_cache
from pathlib import Path

import ahocorasick
import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.ingest.normalize import fold_name, fold_with_offsets, has_cjk, is_latin_edge
from kg.records import Mention, NewsItem
from kg.extract.rules import Rules, is_case_sensitive
from kg.extract.spans import BRACKET_ALIAS_EXTRACTOR, GAZETTEER_EXTRACTOR, SPAN_KEY, doc_text, item_text, language_of, sentence_bounds
from kg.extract.spans import Match as _Match
from kg.extract.spans import exact_match as _exact_match
from kg.extract.spans import title_case as _title_case, zipf as _zipf
from kg.extract.triggers import TriggerIndex, bounded_width, matches_near
from kg.extract.propernames import TYPES_MODEL, available as proper_names_available, with_proper_names
from kg.extract.ner.plausible import implausible_because

# The statistical NER we train and ship (kg train): a spaCy pipeline (jieba tokens, Chinese and English text).
MODELS_DIR = Path(__file__).parent.parent / "models"
MODEL_DIR = MODELS_DIR / "ner"

_RULES_BY_DIR: dict[str, Rules] = {}
# Patterns whose id starts with this are slots (rules/patterns.yml): names proposed by where they stand, checked
# by slot_name_ok.
SLOT_PATTERN_PREFIX = "slot-"


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
        """A news outlet named as where the story comes from (据彭博社报道, 新智元消息：, a link titled
        Bloomberg): every mention of an outlet except where it acts itself (彭博社推出, Bloomberg launches).
        Also a licence named after an institute (MIT 许可证)."""
        if _LICENCE_AFTER.match(text, m.end):
            return True  # not the institute: the licence named after it (MIT 许可证, MIT License)
        if not self.rules.entities[m.entity_id].media:
            return False
        return not _MEDIA_ACTS.match(text, m.end)


_LICENCE_AFTER = re.compile(r"\s?(?:开源)?(?:许可|协议|授权|[Ll]icen[cs]ed?\b)")
_MEDIA_ACTS = re.compile(
    r"\s?(?:宣布|推出|发布|上线|收购|被收购|起诉|融资|裁员|(?:has |have )?(?:launch|releas|acquir|su(?:es|ed)|"
    r"partner|rais|hir|lay|introduc|unveil|buy|bought|sign|strik)\w*)", re.I)


def _strip_seps(text: str) -> str:
    return re.sub(r"[\s\-_·]", "", text)


_BLOCKED_BEFORE = re.compile(r"[A-Za-z0-9/@._]")


_COUNT_BEFORE = re.compile(r"(?<![A-Za-z0-9])\d{1,5}[x×]$")


def _at_word_edges(text: str, start: int, end: int) -> bool:
    """Latin-edged names must not continue into neighbouring Latin letters or digits (H20 in H200)."""
    if is_latin_edge(text[start]) and start > 0 and _BLOCKED_BEFORE.match(text[start - 1]):
        if not (text[start].isupper() and _COUNT_BEFORE.search(text, max(0, start - 6), start)) and \
                not (text[start - 1] == "/" and _slash_list(text, start)):
            return False  # a count glued to a name is not part of it: 4xH100, 8x B200
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


_SLASHED_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+_-]*(?:/[A-Za-z0-9][A-Za-z0-9.+_-]*)*/$")
_SLASHED_NAME = re.compile(r"(?:[A-Z0-9][A-Za-z0-9+_-]*(?:\.\d+)*|[a-z]+[A-Z][A-Za-z0-9]*)")


def _slash_list(text: str, start: int) -> bool:
    """Whether the name at `start` follows a slash between names (Unity/Swift/Android, H100/B200, macOS/Linux),
    not one in a path, a URL or a repository (github.com/openai, openai/gpt-oss, a/b)."""
    before = _SLASHED_RUN.search(text, max(0, start - 60), start)
    if before is None or before.start() > 0 and text[before.start() - 1] in ":/.@":
        return False
    parts = before.group(0).rstrip("/").split("/")
    return (text[start].isupper() or text[start].isdigit()) and all(_SLASHED_NAME.fullmatch(p) for p in parts)


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


_CHIP_AFTER = re.compile(r"\s?(?:芯片|显卡|加速卡|处理器|(?:GPU|CPU|NPU|chip|processor|accelerator)s?\b)")
_MODEL_API = re.compile(r"\d[A-Za-z]{0,2} API$")


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
        # the patterns that can match a text: those whose required words it holds (most need one)
        self.index = TriggerIndex([pattern.regex for pattern in rules.patterns])
        # the patterns whose matches are short and hold a required string (the Chinese slots: 王坚表示): searched
        # only around where those strings are
        self.widths = {n: width for n, pattern in enumerate(rules.patterns)
                       if self.index.required[n] and (width := bounded_width(pattern.regex))}
        self.near = frozenset(self.widths)

    def find(self, text: str) -> list[_Match]:
        found = []
        patterns = self.rules.patterns
        candidates, places = self.index.located(text, self.near)
        for n in candidates:
            pattern = patterns[n]
            near = places.get(n)
            for m in matches_near(pattern.regex, text, self.widths[n], near) if near else pattern.regex.finditer(text):
                group = "name" if m.group("name") is not None or "name2" not in m.re.groupindex else "name2"
                start, end = m.span(group)  # a pattern with two alternatives names the second "name2"
                if pattern.zh_words:
                    edges = zh_name_edges(text, start, end, pattern.zh_words, self.rules,
                                          made=pattern.type in ("Product", "Hardware"))
                    if edges is None:
                        continue
                    start, end = edges
                name = text[start:end].strip()
                if pattern.type == "Product" and _MODEL_API.search(name):
                    end -= 4  # a versioned model's API is the model (上线 Grok-4.3 API)
                    name = text[start:end].strip()
                if not name or fold_name(name) in self.rules.stopwords:
                    continue
                if " " in name and all(fold_name(w) in self.rules.stopwords for w in name.split()):
                    continue  # words that are each no name (MoE Agent, AI Research)
                if any(x.search(name) for x in pattern.exclude) or not all(x.search(name) for x in pattern.require):
                    continue
                if pattern.known_prefix_when_glued and not self._glued_prefix_known(name):
                    continue
                if pattern.known_base and not self._base_known(m.group("base"), pattern.known_base):
                    continue
                known = self.rules.alias_index.get(fold_name(name))
                if not known and pattern.id.startswith(SLOT_PATTERN_PREFIX) and not slot_name_ok(name, pattern.type, self.rules):
                    continue
                entity_type = self.rules.entities[known].type if known else self._type_of_base(name, pattern.type)
                if entity_type == "Product" and not known and _CHIP_AFTER.match(text, end):
                    entity_type = "Hardware"  # 推出 Arc Pro B70 显卡: the word after the name says it is a chip
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
        merged = self.structure(doc_text(doc), _non_overlapping(gazetteer + patterns))
        doc.spans[SPAN_KEY] = [s for s in (_span(doc, m) for m in merged) if s is not None]
        return doc

    def structure(self, text: str, chosen: list[_Match]) -> list[_Match]:
        """The rule matches with the names their neighbours propose: investors listed in a deal, and the
        longer names known products and chips start (the longest name wins)."""
        extra = _patterns_that_may_win(investor_names(text, self.rules), chosen)
        merged = _non_overlapping(chosen + extra) if extra else chosen
        listed = people_listed_with(text, merged, self.rules)  # Chinese names: the people listed beside a person,
        merged = _non_overlapping(merged + listed) if listed else merged
        merged = bracket_aliases(text, merged, self.rules)  # and the spellings given in brackets after a name
        longer = (longer_names(text, merged, self.rules) + maker_codes(text, merged, self.rules)
                  + company_products(text, merged, self.rules) + company_possessions(text, merged, self.rules))
        merged = _non_overlapping(merged + longer) if longer else merged
        again = _named_again(text, merged) + short_versions(text, merged, self.rules)
        if not again:
            return merged
        spans = {(m.start, m.end) for m in again}
        return _non_overlapping([m for m in merged if (m.start, m.end) not in spans] + again)


_LIST_JOINER = "、和与及"


def people_listed_with(text: str, found: list[_Match], rules: Rules) -> list[_Match]:
    """The Chinese person names listed beside a person found by a rule (张伟、李娜和王芳表示: the slot sees 王芳,
    the list gives 张伟 and 李娜), each checked as a person name on jieba's words."""
    taken = {(m.start, m.end) for m in found}
    out: list[_Match] = []
    for m in found:
        if m.type != "Person" or not has_cjk(text[m.start:m.end]):
            continue
        at = m.end
        while at < len(text) and text[at] in _LIST_JOINER:  # to the right: 、李娜
            edges = zh_name_edges(text, at + 1, min(len(text), at + 6), "person-after", rules)
            if edges is None or edges[0] != at + 1 or edges in taken:
                break
            out.append(_Match(*edges, None, "Person", "pattern:zh-person-list", m.confidence))
            taken.add(edges)
            at = edges[1]
        at = m.start
        while at > 0 and text[at - 1] in _LIST_JOINER:  # to the left: 张伟、
            edges = zh_name_edges(text, max(0, at - 6), at - 1, "person", rules)
            if edges is None or edges[1] != at - 1 or edges in taken:
                break
            out.append(_Match(*edges, None, "Person", "pattern:zh-person-list", m.confidence))
            taken.add(edges)
            at = edges[0]
    return out


# A name with its other spelling in brackets: 之江实验室（Zhejiang Lab）, T-Head（平头哥）, 王坚（Wang Jian）.
_BRACKET = re.compile(r"[ ]?[（(](?P<other>[^（）()，,。；;：:\n]{2,40}?)[）)]")
_LATIN_NAME = re.compile(r"[A-Z][A-Za-z0-9&'’.-]*(?:[ ](?:[A-Z0-9][A-Za-z0-9&'’.-]*|of|and|for|de|&)){0,4}")
_CJK_NAME = re.compile(r"[\u4e00-\u9fff·]{2,12}")


def bracket_aliases(text: str, found: list[_Match], rules: Rules) -> list[_Match]:
    """The matches with the other spelling each name gives in brackets right after it, as the same entity: a
    Latin name after a Chinese one or a Chinese name after a Latin one (之江实验室（Zhejiang Lab）, T-Head（平头哥）).

    The bracketed name takes the named entity's type, and its id when the rules know it (or the named one takes
    the bracketed one's id). Two new names are paired by the extractor `pattern:bracket-alias` of the bracketed
    one, which the resolver (kg.link.resolve) makes an alias of the name before it. Acronyms, common words and
    glosses of terms (大语言模型（LLM）: no entity before the bracket) are left alone."""
    if "（" not in text and "(" not in text:
        return found
    by_start = {m.start: m for m in found}
    renamed: dict[int, _Match] = {}  # start -> the match with the id the bracketed name gave it
    dropped: set[int] = set()  # starts of bracketed matches replaced by their alias
    added: list[_Match] = []
    for m in found:
        b = _BRACKET.match(text, m.end)
        if not b:
            continue
        other = b.group("other").strip()
        s = b.start("other") + b.group("other").index(other)
        e = s + len(other)
        latin_first = not has_cjk(text[m.start:m.end])
        shape = _CJK_NAME if latin_first else _LATIN_NAME
        if not shape.fullmatch(other) or fold_name(other) in rules.stopwords or other.lower() in _NOT_NAME_WORDS:
            continue
        if not latin_first and (other.isupper() and len(other) <= 4 or " " not in other and _common_english(other, 4.0)):
            continue  # an acronym or a word (OCR, Pro), not a spelling of the name
        inside = by_start.get(s)
        if inside is not None and inside.end != e:
            continue  # a longer or shorter name inside the brackets: its own
        if latin_first and inside is None and _zipf_zh(other) >= _ZH_COMMON_WORD and \
                fold_name(other) not in rules.alias_index:
            continue  # a word, not a name: a headline's tag (Archestra.AI（融资）, X（开源）)
        if latin_first and inside is None and not (m.type in ("Company", "Organization") and "的" not in other or
                                                   m.type == "Person" and _chinese_person(other)):
            continue  # what a product does (EvoSearch（进化搜索）) or a note (个人网站), not its Chinese name
        known = (inside.entity_id if inside is not None else None) or rules.alias_index.get(fold_name(other))
        if m.entity_id and known:
            continue  # each already named: the rules' ids stand
        entity_id = m.entity_id or known
        if known:  # the name before takes the bracketed one's id: 平头哥（T-Head） when the rules know T-Head
            renamed[m.start] = _Match(m.start, m.end, known, rules.entities[known].type, m.extractor, m.confidence)
        if inside is not None and inside.entity_id:
            continue
        if inside is not None:
            dropped.add(inside.start)
        entity_type = rules.entities[entity_id].type if entity_id else m.type
        extractor = m.extractor if entity_id else BRACKET_ALIAS_EXTRACTOR
        added.append(_Match(s, e, entity_id, entity_type, extractor, m.confidence))
    if not (renamed or added):
        return found
    kept = [renamed.get(m.start, m) for m in found if m.start not in dropped]
    return sorted(kept + added, key=lambda x: x.start)


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


# ---------------------------------------------------------------- structure that proposes names
#
# Names no rule lists, proposed by where they stand: the longer name a known product or chip starts
# (`Claude Managed Agents API`, `Grok Build`, `DGX B200`), the investors of a deal (`led by X, Y and Z`,
# `由 X 领投`). The regex slots (the object of a release verb, the subject of a funding, `X Capital`,
# `startup X`) are patterns in rules/patterns.yml; these need the matches found before them.

# Words that end a name rather than continue it (title-case headlines: "Gemini Beats GPT", "Grok Gets").
_NOT_NAME_WORDS = frozenset(
    """a an the and or but nor for of in on at to by from with without into onto over under via vs versus as
    is are was were be been being has have had do does did can could will would may might must should shall
    now just also still only even then than this that these those its it their our your his her my
    new all any some more most every each other same first last next says said gets got goes went comes came
    makes made takes took brings brought beats tops hits adds added launches launched releases released
    powered based driven built backed enabled trained focused
    introduces introduced unveils unveiled announces announced debuts arrives expands rolls joins leads wins
    uses used powers helps lets runs ran raises raised buys bought acquires acquired partners hires opens
    open-sources surpasses outperforms tops challenges rivals drops cuts sees shows gives puts sets calls
    when where why how what who which while after before since until about against between through
    inc ltd llc corp co""".split()
)
_FIRM_WORDS = frozenset("ventures capital partners labs technologies robotics holdings investments associates".split())
# After a product's name: what is about it (its community, its kernels, its users), not more of its name.
_NOT_NAME_TAILS = frozenset(
    """discord discords community communities faq forum forums server servers channel channels subreddit reddit
    app apps kernel kernels gpu gpus cpu cpus ai gemm gemv ide users user docs documentation blog newsletter podcast paper
    papers repo github hub team teams integration integrations support mode benchmark benchmarks leaderboard
    dataset datasets subsystem fans news update updates release releases launch announcement tutorial guide
    workshop hackathon meetup office hours ceo cto coo cfo cpo founder cofounder co-founder chief president chairman
    vp head lead engineer engineers researcher researchers staff employees""".split()
)
_NEXT_NAME_WORD = re.compile(
    r"[ ](?P<word>[A-Z]*\d+(?:\.\d+)*[A-Za-z]*|[A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*)"  # B200, 2.1, Build, API, S
    r"|-(?P<glued>[A-Z][A-Za-z0-9]+)"  # Gemini-SQL: a word glued with a hyphen
)
_NUMBER_FORMAT = re.compile(r"(?:NV|MX)?FP\d+|INT\d+|BF16|FP16|Q\d(?:_K(?:_[MSL])?|_0)?|GGUF|AWQ|GPTQ|MLX|EXL2|W\dA\d+")
_CJK_THEN_WORD = re.compile(r"[\u4e00-\u9fff][A-Z][a-z]{2,}")
_GLUED_WORD = re.compile(r"(?P<word>[A-Z][a-z]{2,}[A-Za-z0-9]*)(?P<glued>)?")
_VERSION_WORD = re.compile(r"[A-Z]*\d+(?:\.\d+)*[A-Za-z]*")
_COUNTED = re.compile(
    r"\s?(?:年|月|日|天|个|倍|万|亿|岁|周|小时|分钟|秒|人|家|款|项|次|位|名|种|张|块|台|元|美元|分|%|percent\b|x\b|times\b|"
    r"years?\b|days?\b|hours?\b|minutes?\b|tokens?\b|[KMGT]B\b|ms\b|points?\b|pts\b|stars?\b|fps\b)", re.I)
# Above this Zipf frequency a capitalised English word in a title-case line is a headline word, not a name's
# (Gets, Work, Support); below it a name's (Outposts, Terra, Cyber).
_HEADLINE_WORD_ZIPF = 4.6


def _common_english(word: str, zipf: float) -> bool:
    return word[:1].isupper() and word[1:].islower() and _zipf(word.lower()) >= zipf


def _inside_token(text: str, stop: int) -> bool:
    """Whether a word ending at `stop` goes on as a path, a handle or an identifier."""
    return stop < len(text) and (text[stop].isalnum() and text[stop].isascii() or text[stop] in "@_/")


def longer_names(text: str, found: list[_Match], rules: Rules) -> list[_Match]:
    """A known product or chip followed by more name words is a longer name: the longest name wins
    (`Claude Managed Agents API` over `Claude`, `Laguna S 2.1`, `GPT-5.6 Terra`, `DGX B200`). The longer name
    keeps the known one's type (a new version of a chip family is a chip)."""
    out = []
    starts = {m.start for m in found}
    for m in found:
        if m.type not in ("Product", "Hardware"):
            continue
        glued = not is_latin_edge(text[m.end - 1])  # 混元Motion 1.0: Latin words glued to a Chinese name
        if glued and not (m.entity_id and _CJK_THEN_WORD.match(text, m.end - 1)):
            continue
        end, words = m.end, []
        headline = None  # whether the line is an English headline: read only when a common word needs it
        while len(words) < 3:
            nxt = _NEXT_NAME_WORD.match(text, end) if not (glued and not words) else _GLUED_WORD.match(text, end)
            if not nxt:
                break
            word = nxt.group("word") or nxt.group("glued")
            if nxt.start("word" if nxt.group("word") else "glued") in starts and not _VERSION_WORD.fullmatch(word):
                break  # another name starts there (Google Gemini | Nano Banana); a model code does not (DGX B200)
            stop = nxt.end()
            if _inside_token(text, stop):
                break  # part of a longer token: a path, a handle, an identifier
            if word.lower() in _NOT_NAME_WORDS or word.lower() in _NOT_NAME_TAILS:
                break
            if _NUMBER_FORMAT.fullmatch(word):
                break  # a number format after a model (GLM 5.2 NVFP4): the model's weights, not a longer name
            if (re.fullmatch(r"\d+(?:\.\d+)*", word) or word in ("API", "APIs")) and \
                    any(c.isdigit() for c in text[m.start:end]):
                break  # a score after a versioned name (DeepSeek V4 Flash 55.6), or its API (Grok-4.3 API)
            known = rules.alias_index.get(fold_name(word))
            if known and rules.entities[known].type in ("Company", "Organization", "Person"):
                break  # another entity follows (Gemini Google)
            if known and not _VERSION_WORD.fullmatch(word) and len(word) > 3 and rules.entities[known].type == m.type:
                break  # a list of names: Claude Gemini
            if _common_english(word, _HEADLINE_WORD_ZIPF):
                if headline is None:
                    line_end = text.find("\n", m.end)
                    headline = _title_case(text[text.rfind("\n", 0, m.start) + 1 : line_end if line_end >= 0 else len(text)])
                if headline:
                    break
            words.append(word)
            end = stop
        while words and _VERSION_WORD.fullmatch(words[-1]) and _COUNTED.match(text, end):
            words.pop()  # a count, not a version: Gemini 3 年, iPhone 17 GB
            end = text.rfind(" ", m.end, end)
        audience = _FOR_AUDIENCE.match(text, end) if not glued else None
        if audience and _for_audience(text, m, audience, rules):
            words.append(audience.group("who"))
            end = audience.end()
        if not words:
            continue
        if text[end - 1] == ".":
            end -= 1
        name = text[m.start : end]
        known = rules.alias_index.get(fold_name(name))
        entity_type = rules.entities[known].type if known else m.type
        by_model = m.extractor.startswith("model:")  # a model's name stays the model's (kept from 2 items on)
        out.append(_Match(m.start, end, known, entity_type, m.extractor if by_model else "pattern:longer-name",
                          m.confidence if by_model else 0.7))
    return out


# A product's edition for an audience or a field: `Claude for Financial Services`, `Scaniverse for Business`,
# `Windows Subsystem for Linux`; not for a platform (`ChatGPT for Mac`: the product on it).
_FOR_AUDIENCE = re.compile(r"[ ]for[ ](?P<who>[A-Z][A-Za-z0-9]*(?:[ ][A-Z][A-Za-z0-9]*){0,2})(?![A-Za-z0-9])")
_PLATFORM_WORDS = frozenset("mac macos windows ios ipados android linux web iphone ipad chrome safari firefox edge "
                            "desktop mobile free all everyone developers teams".split())


def _for_audience(text: str, m: _Match, audience: re.Match, rules: Rules) -> bool:
    words = audience.group("who").split()
    if words[0].lower() in _PLATFORM_WORDS or words[0].lower() in _NOT_NAME_WORDS:
        return False
    if any(w.lower() in _NOT_NAME_TAILS for w in words):
        return False
    if rules.alias_index.get(fold_name(words[0])):
        return False  # for another entity (Gemini for Google …, Claude for Excel): not an edition's name
    line_start = text.rfind("\n", 0, m.start) + 1
    line_end = text.find("\n", m.end)
    return not _title_case(text[line_start : line_end if line_end >= 0 else len(text)])  # "Claude For Work" in a headline


# The last word of a company's product named after it: `OpenAI API`, `Google Gen AI SDK`, `Cloudflare Workers`.
_PRODUCT_HEADS = frozenset("API APIs SDK CLI Studio Console Workers Toolkit Copilot Cloud Gateway Runtime".split())
_CAPITAL_WORD = re.compile(r"[ ](?P<word>[A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*)")


def company_products(text: str, found: list[_Match], rules: Rules) -> list[_Match]:
    """A known company followed by up to three capitalised words, the last a product word (API, SDK, CLI,
    Studio, Workers...), is that company's product: `OpenAI Image API`, `Perplexity Agent API`. The name
    stops at another entity or at a word that is not a name's (`OpenAI and Google API`)."""
    out = []
    starts = {m.start for m in found}
    for m in found:
        if m.type not in ("Company", "Organization") or not m.entity_id or not is_latin_edge(text[m.end - 1]):
            continue
        end, best = m.end, None
        for _ in range(3):
            nxt = _CAPITAL_WORD.match(text, end)
            if not nxt or nxt.start("word") in starts:
                break
            word = nxt.group("word")
            stop = nxt.end()
            if _inside_token(text, stop):
                break  # part of a longer token: a path, a handle, an identifier
            if word.lower() in _NOT_NAME_WORDS:
                break
            end = stop
            if word in _PRODUCT_HEADS:
                best = end
        if best is None:
            continue
        known = rules.alias_index.get(fold_name(text[m.start : best]))
        kind = rules.entities[known].type if known else "Product"
        out.append(_Match(m.start, best, known, kind, "pattern:company-product", 0.7))
    return out


# What a known company owns, named right after it: `Shopify’s open-source Roast`, `Offloop’s D1 dispatcher`,
# `Thinking Machines 的 Inkling`, `Moonshot 的 “Mooncake” 架构`.
_POSSESSED = re.compile(
    r"(?:’s|'s|[ ]?的[ ]?)[ ]?(?:(?:new|open-source|open source|latest|experimental|upcoming|own)[ ]|(?:全新|最新|新|开源|自研)的?[ ]?)?"
    r"[“\"‘「]?(?P<name>[A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*(?:[ ](?:[A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*|\d+(?:\.\d+)*[A-Za-z]?)){0,2})"
    r"(?![A-Za-z0-9]|[-.’'][A-Za-z0-9])[”\"’」]?"
)
_SHORT_ACRONYM = re.compile(r"[A-Z]{1,3}s?")  # API, LLM, GPU, RAG, TTS: a kind of thing, rarely one thing
_DEVICE_AFTER = re.compile(r"[ ]?(?:芯片|处理器|加速器|超级计算机|超算|数据中心|集群|机器人|(?:chip|processor|accelerator|supercomputer|"
                           r"data ?cent(?:er|re)|cluster|robot|GPU)s?\b)")
_EVENT_NAME = re.compile(r".*(?:Day|Con|Conf|Summit|Expo|Week|Forum|Keynote|Hackathon)")  # DevDay, RubyConf: an event


_PERSON_WORDS = frozenset("ceo cto cfo coo cpo founder co-founder cofounder president chairman chief former engineer "
                          "researcher director vp head professor dr".split())


def slot_name_ok(name: str, slot_type: str, rules: Rules) -> bool:
    """A name a slot proposes (the object of a release verb, the subject of a funding): not a common English word
    (Support, Work), not a phrase of common words, for a company not a person (Sarah's models, Garry Tan launches,
    CEO Priya Shah) and, for a product, not a known company's name with words after it (OpenAI GPT-5)."""
    words = name.split()
    if len(words) == 1 and not re.search(r"\d|[a-z][A-Z]", name) and (_common_english(name, 4.5) or
                                                                  name.endswith("ly") and _zipf(name.lower()) > 2):
        return False  # a common word, or an adverb opening the sentence (Crucially, an ...)
    if words[0].lower() in _NOT_NAME_WORDS:
        return False
    if slot_type in ("Company", "Organization") and (
            any(w.lower() in _PERSON_WORDS for w in words) or words[0] in rules.names.given_names and len(words) <= 3
            and words[-1].lower() not in _FIRM_WORDS | {"ai", "inc", "inc.", "corp", "ltd", "llc", "co"}):
        return False  # a person, or a person's role, not a company
    if len(words) > 1 and all(_common_english(w, 4.0) for w in words) and words[-1].lower() not in _FIRM_WORDS:
        return False  # a phrase (Happy Birthday), not a name
    if len(words) > 1:
        first = rules.alias_index.get(fold_name(words[0]))
        # a product named by a known company's name and more words is that company and its product
        # (OpenAI GPT-5); a company named so is a unit or a product of the known one (Perplexity Labs)
        if first and rules.entities[first].type in ("Company", "Organization", "Person"):
            return False
    return True


# After a company's name and what it owns: what the company does or is made of, not a product.
_NOT_A_PRODUCT_AFTER = re.compile(
    r"[ ]?(?:的)?(?:技术|方法|策略|功能|特性|论文|研究|团队|部门|实验室|战略|计划|项目|模式|报告|博客|帖子)"
    r"|[ ](?:paper|team|technique|method|feature|strategy|report|blog|post|unit|division|lab|group|institute|center|"
    r"centre|program|programme|initiative|approach|framework paper)s?\b")
# The last word of an institution or a research unit (Stanford's Hoover Institution, Meta's Fundamental AI Research).
_UNIT_LAST = frozenset("institution institute research lab labs group division team center centre foundation "
                       "university school ai".split())


def company_possessions(text: str, found: list[_Match], rules: Rules) -> list[_Match]:
    """A name a known company, or one a slot found, is said to own (`X’s Y`, `X 的 Y`) is its product, or its chip
    or device when the word after says so; not a role (CEO), a person, a generic word or a short acronym (API, AI,
    RAG), an adjective (AI-driven), an event (DevDay), a unit of the company (Meta's Fundamental AI Research), a name
    the words after call a technique, paper, team or feature, a name the NER filter finds implausible (a common
    word, a benchmark, a code identifier), nor a name some rule already found there."""
    out = []
    starts = {m.start for m in found}
    for m in found:
        if m.type not in ("Company", "Organization") or not (m.entity_id or m.extractor.startswith("pattern:slot")):
            continue  # a known company, or one a slot found (Offloop’s D1 dispatcher)
        hit = _POSSESSED.match(text, m.end)
        if not hit or hit.start("name") in starts:
            continue
        start, end = hit.span("name")
        name = hit.group("name")
        words = name.split()
        if words[0].lower() in _NOT_NAME_TAILS or _SHORT_ACRONYM.fullmatch(words[0]) or not slot_name_ok(name, "Product", rules):
            continue
        if re.fullmatch(r"[A-Za-z0-9]+-[a-z]+", words[0]):
            continue  # an adjective (AI-driven OS, GPU-based), not a name
        if len(words) > 1 and (words[0] in rules.names.given_names or words[-1].lower() in _UNIT_LAST):
            continue  # a person (Microsoft Research 的 Chris Bishop), a unit of the company (Meta's FAIR Research)
        if _EVENT_NAME.fullmatch(name) or rules.alias_index.get(fold_name(name)) or rules.alias_index.get(fold_name(words[0])):
            continue  # an event; a known name, found by the gazetteer
        if implausible_because(text, start, end, lambda w: fold_name(w) in rules.alias_index) is not None:
            continue
        if _NOT_A_PRODUCT_AFTER.match(text, hit.end()):
            continue  # what the company does or is made of, not a product
        kind = "Hardware" if _DEVICE_AFTER.match(text, hit.end()) else "Product"
        out.append(_Match(start, end, None, kind, "pattern:possessed", 0.6))
    return out


_MODEL_CODE = re.compile(r"[ -]?(?P<code>[A-Z]{1,2}\d+(?:\.\d+)?[a-z]?)(?![A-Za-z0-9]|\.\d)")


_MAKER_KINDS: dict[int, dict[str, str]] = {}


def _maker_kinds(rules: Rules) -> dict[str, str]:
    """Company id -> Hardware for the makers most of whose gazetteer things are chips or devices."""
    kinds = _MAKER_KINDS.get(id(rules))
    if kinds is None:
        made: dict[str, list[str]] = {}
        for e in rules.entities.values():
            if e.developer:
                made.setdefault(e.developer, []).append(e.type)
        kinds = _MAKER_KINDS[id(rules)] = {
            maker: "Hardware" for maker, types in made.items() if types.count("Hardware") > len(types) / 2}
    return kinds


def maker_codes(text: str, found: list[_Match], rules: Rules) -> list[_Match]:
    """A known company followed by a model code is that company's product or chip (MiniMax M3, MiniMax-M3):
    a chip when the gazetteer's things of that maker are mostly chips. A code the gazetteer gives the same
    maker (NVIDIA H100) stays the known name."""
    out = []
    for m in found:
        if m.type != "Company" or not m.entity_id or not is_latin_edge(text[m.end - 1]):
            continue
        code = _MODEL_CODE.match(text, m.end)
        if not code:
            continue
        known = rules.alias_index.get(fold_name(code.group("code")))
        if known and rules.entities[known].developer == m.entity_id:
            continue
        name = text[m.start : code.end()]
        whole = rules.alias_index.get(fold_name(name))
        kind = rules.entities[whole].type if whole else _maker_kinds(rules).get(m.entity_id, "Product")
        out.append(_Match(m.start, code.end(), whole, kind, "pattern:maker-code", 0.7))
    return out


# Investors named as a list: "led by X, with participation from Y, Z and W", "由 X、Y 领投".
_INVESTOR_LIST_EN = re.compile(
    r"(?:(?:co-)?led by|participation (?:from|of)|investors? (?:including|include|such as|like)|backed by|"
    r"backers (?:including|include)|funding from|investment from|joined by)\s+"
    r"(?P<list>[^.;:()\n]{3,240}?)(?=[.;:()\n]|\s(?:with|alongside|at|in|to|for)\s|$)"
)
_INVESTOR_LIST_ZH = re.compile(
    r"(?:由\s*|(?<=[，,：:。；;\n]))(?P<list>[^。；;，,\n的由]{2,160}?)\s*(?:等(?:机构|投资方)?)?\s*(?:联合|共同|均)?(?:领投|跟投|参投|持续加码|超额认购)"
    r"|(?:投资方|投资者|投资人|投资机构|参投方|跟投方)(?:还)?(?:包括|有|为)[：: ]?(?P<named>[^。；;，\n]{2,160}?)(?:等|[。；;，\n])")
_ROUND_BEFORE = re.compile(r"(?i)\b(?:round|series [a-f]|seed|funding|raise[sd]?|raising|financing|investment|"
                           r"valuation|\$\d|€\d|£\d)|融资|轮")
_LIST_SEP = re.compile(r"\s*(?:,\s*(?:and\s+|as well as\s+)?|\s+and\s+|、|和|及|与)\s*")
_COMPANY_NAME = re.compile(
    r"(?:the\s+)?(?P<name>[A-Z0-9][A-Za-z0-9&'’.-]*(?:\s(?:[A-Z0-9][A-Za-z0-9&'’.-]*|of|de|&))*)"
    r"|(?P<zh>[\u4e00-\u9fff]{2,8}(?:资本|创投|基金|投资|证券|银行|集团|Ventures|Capital))"
)
_INVESTOR_TAIL = re.compile(r"\s+(?:and|with|as|in|to|for|among|along|who|which|at|on)\b.*$", re.S)


_INVESTOR_LISTS = (_INVESTOR_LIST_EN, _INVESTOR_LIST_ZH)
_INVESTOR_CUES = TriggerIndex(list(_INVESTOR_LISTS))  # most texts hold none of the words a list follows

# A role between a company and a person in one listed investor: `Salesforce CEO Marc Benioff`.
_INVESTOR_ROLE = re.compile(r"(?<=\S) (?:CEO|CTO|COO|CFO|founder|co-founder|cofounder|chairman|president|partner) (?=[A-Z])")


# What a list of a round's investors says before a name: 老股东经纬创投, 新股东顺为
_ZH_SHAREHOLDER = re.compile(r"^(?:老股东|现有股东|原股东|新股东|股东|知名投资机构|投资机构|机构|以及|还有)")


def _zh_investor(piece: str, rules: Rules) -> str | None:
    """The Chinese name a piece of a round's investor list is (北京国资, 岚川 of 老股东岚川); None for what is no
    name (多家机构, 知名投资人) or a known name (the gazetteer finds it)."""
    if not piece or not all(has_cjk(c) for c in piece) or "等" in piece or "家" in piece:
        return None
    edges = _zh_company_edges(piece, 0, len(piece), rules)
    return piece if edges == (0, len(piece)) else None


def investor_names(text: str, rules: Rules) -> list[_Match]:
    """Each name in a list of investors (`led by CRV, with participation from LVMH, Cathay Innovation and
    20VC`; `由红杉资本、高瓴创投领投`): companies, unless the rules know them as something else."""
    out = []
    for pattern in map(_INVESTOR_LISTS.__getitem__, _INVESTOR_CUES.candidates(text)):
        for lm in pattern.finditer(text):
            if lm.group(0).startswith(("led by", "co-led by")) and not _ROUND_BEFORE.search(text, max(0, lm.start() - 80), lm.start()):
                continue  # "export controls (led by Treasury)", "a team led by X": no round, no investors
            group = "list" if lm.group("list") is not None or "named" not in lm.re.groupindex else "named"
            base = lm.start(group)
            listed = lm.group(group)
            whole = group == "named"  # "投资方包括 X、Y": a piece is a name or says more (美国情报投资机构 In-Q-Tel)
            pos = 0
            for piece in _LIST_SEP.split(listed):
                at = listed.find(piece, pos)
                if at < 0 or not piece:
                    continue
                pos = at + len(piece)
                holder = _ZH_SHAREHOLDER.match(piece)  # 老股东经纬创投: the shareholder word is not the name's
                if holder:
                    at, piece = at + holder.end(), piece[holder.end():]
                nm = _COMPANY_NAME.match(piece)
                if not nm:
                    zh = _zh_investor(piece.strip(), rules)
                    if zh:
                        start = base + at + piece.find(zh)
                        out.append(_Match(start, start + len(zh), None, "Company", "pattern:investor-list", 0.65))
                    continue
                group = "name" if nm.group("name") else "zh"
                if group == "zh" and nm.end(group) != len(piece.rstrip(" .")):
                    continue  # a piece that says more (知名投资人, 美国情报投资机构 In-Q-Tel)
                name = _INVESTOR_TAIL.sub("", nm.group(group)).rstrip(" .'’")
                if nm.end(group) - nm.start(group) != len(piece.rstrip(" .")) and group == "name":
                    # words after the name that are not a name ("existing investors"): only take pure names
                    if not re.fullmatch(r"[A-Z0-9][\w&'’.-]*(?:\s[A-Z0-9][\w&'’.-]*)*", piece.strip(" .")):
                        continue
                if len(name) < 2 or fold_name(name) in rules.stopwords or name.lower() in _NOT_NAME_WORDS:
                    continue
                if " " not in name and name.isupper() is False and _common_english(name, 4.5):
                    continue
                start = base + at + nm.start(group)
                role = _INVESTOR_ROLE.search(name)
                if role:  # `Salesforce CEO Marc Benioff`: the company, and the person who invests
                    company, person = name[: role.start()], name[role.end() :]
                    ck = rules.alias_index.get(fold_name(company))
                    out.append(_Match(start, start + len(company), ck, rules.entities[ck].type if ck else "Company",
                                      "pattern:investor-list", 0.7))
                    pk = rules.alias_index.get(fold_name(person))
                    out.append(_Match(start + role.end(), start + len(name), pk, "Person", "pattern:investor-list", 0.7))
                    continue
                known = rules.alias_index.get(fold_name(name))
                entity_type = rules.entities[known].type if known else "Company"
                if entity_type not in ("Company", "Organization", "Person"):
                    continue
                out.append(_Match(start, start + len(name), known, entity_type, "pattern:investor-list", 0.7))
    return out


def model_additions(text: str, found: list[_Match], extra: list[_Match], rules: Rules) -> list[_Match]:
    """The model's names beside the rules' `found`, after the rules' structure: less surnames of a person named
    in full, and each as long as the name it starts (`Laguna` of `Laguna S 2.1`)."""
    extra = _without_cut_names(text, found, extra)
    if not extra:
        return extra
    longer = {(m.start, m.end): m for m in longer_names(text, extra, rules)}
    if not longer:
        return extra
    taken = [(m.start, m.end) for m in found]
    out = []
    for m in extra:
        grown = next((g for g in longer.values() if g.start == m.start), None)
        if grown and not any(grown.start < e and s < grown.end for s, e in taken):
            m = grown
        out.append(m)
    return _non_overlapping(out)


def _named_again(text: str, found: list[_Match]) -> list[_Match]:
    """Every other mention, in the same item, of a Latin name a slot proposed (`谷歌开源 Zephyrine 模型……
    Zephyrine 上线一周`): the slot says what the name is once; the item keeps using it."""
    proposed = {text[m.start : m.end]: m for m in found
                if m.entity_id is None and m.extractor.startswith(("pattern:slot-", "pattern:investor-"))}
    if not proposed:
        return []
    taken = [(m.start, m.end) for m in found]
    out = []
    for surface, m in proposed.items():
        if len(surface) < 3 or not surface.isascii():
            continue
        for hit in re.finditer(re.escape(surface), text):
            s, e = hit.span()
            if any(s < te and ts < e for ts, te in taken) or not _at_word_edges(text, s, e):
                continue
            out.append(_Match(s, e, None, m.type, m.extractor, m.confidence))
            taken.append((s, e))
    return out


_SHORT_VERSION = re.compile(r"[A-Za-z]{1,3}\d+(?:\.\d+)?[A-Za-z]?")


_NAME_BEFORE_VERSION = re.compile(r"[A-Za-z][A-Za-z0-9.]*[ -]$")


def _version_alone(surface: str, entity_id: str, rules: Rules) -> str | None:
    """The version code that ends a known model's name (`K3` of `Kimi K3`), when no other entry claims it."""
    pieces = re.split(r"[\s-]+", surface)
    if len(pieces) >= 2 and _SHORT_VERSION.fullmatch(pieces[-1]) and len(pieces[-1]) >= 2:
        if rules.alias_index.get(fold_name(pieces[-1])) in (None, entity_id):
            return pieces[-1]
    return None


def short_versions(text: str, found: list[_Match], rules: Rules) -> list[_Match]:
    """A known model named in full and then by its version alone in the same item (`Kimi K3 …… K3 的得分`,
    `DeepSeek V4 …… V4 在`): the short name is the same model. Only a version that is a code (letters and digits)
    no gazetteer entry claims for something else."""
    versions: dict[str, _Match] = {}
    for m in found:
        if m.entity_id is None:
            continue
        short = _short_form(text[m.start:m.end], m.entity_id, m.type, rules)
        if short:
            versions.setdefault(short, m)
    if not versions:
        return []
    # a version a pattern took for a name of its own (`V3.2`) is the known model's
    taken = [(m.start, m.end) for m in found if m.entity_id is not None or text[m.start:m.end] not in versions]
    out = []
    for short, m in versions.items():
        person = m.type == "Person"
        for hit in re.finditer(r"(?<![A-Za-z0-9.\-_/@])" + re.escape(short) + r"(?![A-Za-z0-9_\-]|\.\d)", text):
            s, e = hit.span()
            if any(s < te and ts < e for ts, te in taken) or person and _NAME_BEFORE_SURNAME.search(text, max(0, s - 30), s):
                continue
            out.append(_Match(s, e, m.entity_id, m.type, "pattern:surname" if person else "pattern:short-version", 0.6))
            taken.append((s, e))
    return out


# Another given name or a capitalised word right before a surname: someone else (Daniela Amodei), or a longer name.
_NAME_BEFORE_SURNAME = re.compile(r"[A-Z][a-z]+[ -]$")


def _surname_alone(surface: str, entity_id: str, rules: Rules) -> str | None:
    """The surname that ends a known person's name as written (`Amodei` of `Dario Amodei`), when it is no common
    word, no given name and no other entry's name."""
    words = surface.split()
    if len(words) < 2 or not surface.isascii():
        return None
    last = words[-1]
    if len(last) < 4 or not re.fullmatch(r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?", last) or _zipf(last.lower()) >= 3.0:
        return None
    if last in rules.names.given_names or last in rules.names.surnames_pinyin:
        return None  # Jordan, Wang: many people's
    return last if rules.alias_index.get(fold_name(last)) in (None, entity_id) else None


def _short_form(surface: str, entity_id: str, kind: str, rules: Rules) -> str | None:
    """How a known name is written again once it has been named in full: a model by its version, a person by the
    surname."""
    if kind in ("Product", "Hardware"):
        return _version_alone(surface, entity_id, rules)
    if kind == "Person":
        return _surname_alone(surface, entity_id, rules)
    return None


def _without_cut_names(text: str, found: list[_Match], extra: list[_Match]) -> list[_Match]:
    """The model's names less those cut from a person named in full in the same item: a surname beside the
    full name (`Brockman` beside `Greg Brockman`) is that person, not an entity of its own; so is a company named
    without its company word beside its full name (`ThinkLabs` beside `ThinkLabs AI`)."""
    parts = set()
    for m in found + extra:
        words = text[m.start : m.end].split()
        if m.type == "Person" and len(words) > 1:
            parts.update(fold_name(w) for w in words)
        elif m.type == "Company" and len(words) > 1 and words[-1] in ("AI", "Labs", "Inc", "Inc."):
            parts.add(fold_name(" ".join(words[:-1])))  # ThinkLabs beside ThinkLabs AI: the same company
    if not parts:
        return extra
    return [m for m in extra if " " in text[m.start : m.end] or fold_name(text[m.start : m.end]) not in parts]


# ---------------------------------------------------------------- Chinese names
#
# Chinese text marks no word edges: a slot's regex finds where a name stands (before 表示, after 创始人, before
# 实验室), jieba's words find where the name begins and ends (patterns with `zh_words`, rules/patterns.yml).

_ZH_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文"
    "牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛"
    "曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏"
    "席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝洪")
_ZH_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒", "夏侯",
                         "长孙", "宇文")
# jieba's tags of the words a name is made of (nouns, places, names, organisations, Latin words) ...
_ZH_NAME_TAGS = frozenset("n nr nrt nrfg ns nt nz j eng x".split())
# ... and of those that make it a name rather than a phrase of common nouns (人工智能实验室)
_ZH_PROPER_TAGS = frozenset("nr nrt nrfg ns nt nz eng".split())
# The last characters of words that are not names (性 of 安全性, 度, 力), and how common a word must be to be a
# word rather than a name (Zipf frequency: 许可 4.6, 马云 3.5, 王坚 2.8; the best-known names are in the gazetteer)
_ZH_NOT_NAME_ENDS = frozenset("性度力化率者们感式型制量能帧弦笑书")
_ZH_COMMON_WORD = 3.2
# The words a name may end with (之江实验室, 宇树科技); a name ending in any other word is a phrase (多语种视觉)
_ZH_NAME_ENDS = frozenset("实验室 研究院 研究所 研究中心 科学院 大学 学院 基金会 委员会 科技 智能 集团 控股".split())
# jieba's tags of words that say a name goes on to the left (多|模态, 三大|实验室): numbers, adjectives, modifiers
_ZH_GOES_ON_TAGS = frozenset("m mq q a ad an b z r".split())
# A short word jieba's dictionary has rarely (its counts) or not at all and that is rare in Chinese text (Zipf
# frequency) is a name's word (阶跃, 宇树, 灵伴), unlike 充分利用 or 批量生产
_ZH_RARE, _ZH_RARE_ZIPF = 10, 3.3
# jieba's tags of words that stand between names (prepositions, conjunctions, particles, adverbs, verbs, pronouns)
_ZH_FUNCTION_TAGS = frozenset("p c u uj ul uz ug uv ud d v vn r f".split())
_ZH_COMMON_PLACE = 1000  # a place named so often alone before 实验室 is the lab's country, not its name (中国实验室)
# Words that begin no name: pronouns, determiners and the generic words a lab, a company or a model is described by
_ZH_NOT_NAME_WORDS = frozenset(
    """的 和 与 及 或 在 是 将 对 从 为 把 被 让 给 向 也 都 还 就 其 该 此 这 那 这个 那个 这些 那些 每个 各 各个 某 某个 一个 一家
    多家 几家 家 个 新 新的 全新 首个 首家 唯一 我们 他们 她们 它们 他 她 它 你 我 旗下 内部 自家 自己 本 原 前 后 由 于 等
    人工智能 AI 开源 闭源 国产 国内 国外 海外 全球 国际 通用 超级 前沿 顶尖 头部 领先 知名 著名 大型 小型 大 小 多模态 具身 视觉
    语言 语音 基础 行业 垂直 企业 企业级 商业 金融 医疗 教育 工业 科研 研究 联合 重点 国家 合作 秘密 临时 常规 独立 私人
    高 黑 未来 数字 智慧 现代 相关 所有 许多 主要 核心 其他 其它 更 更多 最 非常 实验室 研究院 研究所 研究中心 大学 学院
    科技 智能 模型 公司 团队 机构 部门 集团 算力 新款 款 硬核 生物 化学 材料 垂域 类脑 微调 专治 普通 神经网络 嵌入式
    外星 单机 研究型 伦理 架构 重构 人工 中文 英文 霸榜""".split())


_ZH_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")


@lru_cache(maxsize=8192)
def _zh_words(window: str) -> tuple[tuple[int, int, str], ...]:
    """jieba's words of a short stretch of text with their tags: (start, end, tag)."""
    import jieba.posseg

    out, at = [], 0
    for pair in jieba.posseg.cut(window):
        out.append((at, at + len(pair.word), pair.flag))
        at += len(pair.word)
    return tuple(out)


def _chinese_person(name: str) -> bool:
    """Two to four Chinese characters starting with a surname (王坚, 欧阳明), or a transliteration (丹·马吉)."""
    if "·" in name:
        return all(2 <= len(part) + 1 <= 7 and has_cjk(part) for part in name.split("·"))
    if name[-1] in _ZH_NOT_NAME_ENDS or _zipf_zh(name) >= _ZH_COMMON_WORD:
        return False  # a word, not a name: 安全性, 易用性, 许可 (jieba tags some `nr`)
    if name.startswith(_ZH_COMPOUND_SURNAMES):
        return 3 <= len(name) <= 4
    return 2 <= len(name) <= 3 and name[0] in _ZH_SURNAMES


@lru_cache(maxsize=65536)
def _zipf_zh(word: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "zh")


# Characters that stand before a name's kind word in a phrase, never in a name (的智能, 更智能, 新大模型)
_ZH_BEFORE_KIND = frozenset("的更和与了是在很最为及或把被让其该这那新大小高全多各每个款种")


def _may_name(text: str, start: int, end: int, kind: str) -> bool:
    """Whether a name may stand there at all, read from the characters (before jieba runs: most places a slot
    finds hold no name): a person name starts with a surname (or has a ·); a name before its kind word (智能,
    大模型) has a name's characters just before the kind, not a phrase's (人工|智能, 的|智能)."""
    if kind == "person":
        return "·" in text[start:end] or any(
            end - k >= start and (text[end - k] in _ZH_SURNAMES or text[end - k - 1:end - k + 1] in _ZH_COMPOUND_SURNAMES)
            for k in (2, 3))
    if kind == "person-after":
        return text[start] in _ZH_SURNAMES or text.startswith(_ZH_COMPOUND_SURNAMES, start) or "·" in text[start:start + 8]
    kind_word = next((k for k in _ZH_NAME_ENDS if text.endswith(k, 0, end)), "")
    cut = end - len(kind_word)  # the name's end, before its kind word when it has one
    return cut - start >= 1 and text[cut - 1] not in _ZH_BEFORE_KIND and text[max(start, cut - 2):cut] not in _ZH_NOT_NAME_WORDS


def zh_name_edges(text: str, start: int, end: int, kind: str, rules: Rules, made: bool = False) -> tuple[int, int] | None:
    """The edges of the Chinese name a slot proposes at text[start:end], read from jieba's words; None when no
    name stands there.

    "person": the person name (tagged `nr` by jieba, with a surname, or a transliteration with ·) that ends at
    `end` (王坚 of 揭示王坚 before 表示); "person-after": the one that starts at `start` (杨植麟 of 杨植麟表示
    after 创始人).
    "name": the run of name words that ends at `end`, started at its first word (之江实验室 of 揭示之江实验室);
    one of them must be a name's word (a place, a name, a Latin word, a word jieba does not know or rarely
    sees), not a known entity's name (谷歌实验室 is Google's lab: Google stays). With `made` (a product's or a
    chip's slot), a known company right before the run is its maker, and the run its name (中国电信星辰大模型: 星辰)."""
    import jieba

    if kind == "company":
        return _zh_company_edges(text, start, end, rules)
    if not _may_name(text, start, end, kind):
        return None
    lo, hi = max(0, start - 8), min(len(text), end + 8)
    words: list[tuple[int, int, str]]
    if kind in ("person", "person-after"):
        # the words of the text up to the cue (before it) or from it (after it): the cue's own characters never
        # join the name (黄益贺|称, not 黄益|贺称)
        wlo, whi = (lo, end) if kind == "person" else (start, hi)
        words = [(wlo + s, wlo + e, tag) for s, e, tag in _zh_words(text[wlo:whi])]
        ends = [n for n, (s, e, _) in enumerate(words) if e == end and s >= start] if kind == "person" else \
            [n for n, (s, e, _) in enumerate(words) if s == start and e <= end]
        for n in ends:
            s, e, tag = words[n]
            if n >= 2 and text[words[n - 1][0]:words[n - 1][1]] == "·" and words[n - 2][0] >= start:
                s = words[n - 2][0]  # 丹·马吉: jieba cuts at the dot
            elif n + 2 < len(words) and text[e:e + 1] == "·" and words[n + 2][1] <= end:
                e = words[n + 2][1]
            elif n >= 1 and e - s == 2 and words[n - 1][1] - words[n - 1][0] == 1 and words[n - 1][0] >= start and \
                    text[words[n - 1][0]] in _ZH_SURNAMES and words[n - 1][2] not in _ZH_FUNCTION_TAGS:
                s = words[n - 1][0]  # 邝|文澜: jieba cut a rare surname off
            elif kind == "person-after" and n + 1 < len(words) and e - s == 2 and words[n + 1][1] - words[n + 1][0] == 1 \
                    and has_cjk(text[e]) and words[n + 1][2] not in _ZH_FUNCTION_TAGS and words[n + 1][1] <= end:
                e = words[n + 1][1]  # 唐彬|森: jieba cut the given name's last character off
            name = text[s:e]
            if (tag.startswith("nr") or "·" in name) and _chinese_person(name):
                known = rules.alias_index.get(fold_name(name))
                if known is None or rules.entities[known].type == "Person":
                    return s, e
        return None
    words = [(lo + s, lo + e, tag) for s, e, tag in _zh_words(text[lo:hi])]
    last = next((n for n, w in enumerate(words) if w[1] == end and w[0] >= start), None)
    if last is None:
        return None  # the name ends inside a word (智能体)
    if rules.alias_index.get(fold_name(text[words[last][0]:end])):
        return None  # a known name (斯坦福大学): the gazetteer's
    first, proper = last + 1, False
    for n in range(last, -1, -1):
        s, e, tag = words[n]
        word = text[s:e]
        if s < start or tag not in _ZH_NAME_TAGS or not _ZH_WORD.fullmatch(word) or \
                word in _ZH_NOT_NAME_WORDS and (n != last or word not in _ZH_NAME_ENDS):
            if s >= start - 2 and (tag in _ZH_GOES_ON_TAGS or word == "·" or
                                   len(word) == 1 and has_cjk(word) and tag not in _ZH_FUNCTION_TAGS):
                # the words before say what kind it is (多模态, 三大实验室, 每瓦特智能), or the name goes on
                # (林茨约翰·开普勒大学, 夕小瑶科技): not a name, or not where it starts
                return None
            break
        known = rules.alias_index.get(fold_name(word)) if n != last else None
        if known and made and rules.entities[known].type in ("Company", "Organization") and first <= last:
            proper = True  # its maker before it: 中国电信|星辰|大模型, the maker's model named 星辰
            break
        if known:
            return None  # a known entity's unit or product (谷歌|实验室): the known name stays
        first = n
        if word in _ZH_NOT_NAME_WORDS:
            continue
        if (tag in _ZH_PROPER_TAGS and (tag != "ns" or jieba.dt.FREQ.get(word, 0) < _ZH_COMMON_PLACE)) or \
                len(word) <= 3 and (jieba.dt.FREQ.get(word) or 0) < _ZH_RARE and _zipf_zh(word) < _ZH_RARE_ZIPF:
            proper = True
    if not proper or first > last:
        return None
    kind_word = next((k for k in _ZH_NAME_ENDS if text.endswith(k, 0, end)), "")
    if kind_word and (first == last and words[last][2] != "nt" or end - len(kind_word) - words[first][0] < 2):
        return None  # one word ending with the kind of name (生物科技, 高智能), or one character before it (商学院)
    return words[first][0], end


# What stands between a company's name and the slot's verb (星河智能|今日宣布|完成), and the words that say what
# kind of company follows (具身智能公司|星河智能, 人形机器人创企|它石智航): the name is what lies between.
_ZH_BEFORE_VERB = ("今日", "今天", "近日", "日前", "昨日", "昨天", "正式", "已经", "已", "宣布", "成功", "顺利", "再次",
                   "又", "也", "刚刚", "最新", "首次", "本周", "本月", "上周", "近期", "最近", "目前", "现已", "于",
                   "累计", "共", "先后", "相继", "陆续", "分别", "再度", "一举", "此前", "还", "均")
_ZH_COMPANY_KINDS = re.compile(r".*(?:公司|企业|创企|初创|厂商|独角兽|新锐|黑马|玩家|品牌|团队|创业者|供应商|服务商|"
                               r"运营商|开发商|制造商|平台|的|是|由|让|和|与|及|、)")
_ZH_COMPANY_MAX = 6  # characters: a longer run before the verb is a phrase, not one name


def _zh_company_edges(text: str, start: int, end: int, rules: Rules) -> tuple[int, int] | None:
    """The Chinese company name in text[start:end], a run of Chinese characters before a verb only a company is
    the subject of (完成…融资): the run after its last kind word (公司, 创企, 的), before the words that may stand
    between a subject and its verb (近日, 宣布). None when what is left is not one name: longer than six
    characters, a word of the language (成功, 公司), a known entity or a run ending in one (the gazetteer's), or
    words that begin no name (该, 这家, 今年, 累计)."""
    stop = end
    while True:
        word = next((w for w in _ZH_BEFORE_VERB if text.endswith(w, start, stop)), None)
        if word is None or stop - len(word) - start < 2:
            break
        stop -= len(word)
    kind = _ZH_COMPANY_KINDS.match(text, start, stop)
    first = kind.end() if kind else start
    if not 2 <= stop - first <= _ZH_COMPANY_MAX or (not kind and start > 0 and has_cjk(text[start - 1])):
        return None
    name = text[first:stop]
    if any(rules.alias_index.get(fold_name(name[k:])) for k in range(len(name) - 1)) or _zipf_zh(name) >= 3.5 or \
            name[-1] in "内后前间时":
        return None  # a known name, or one at the run's end (开口就像|小米): the gazetteer's; a time (短时间内)
    words = _zh_words(name)
    head = name[words[0][0]:words[0][1]]
    if words[0][2] in _ZH_FUNCTION_TAGS | {"m", "mq", "q"} or words[0][2] == "t" and len(head) > 1 or head in _ZH_NOT_NAME_WORDS or \
            any(tag in ("p", "c", "u", "uj", "ul", "r", "f") for _s, _e, tag in words):
        return None  # (a localizer ends a time or a place, not a name: 短时间内, 三个月后)
    return first, stop


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
    if proper_names_available():
        digest.update(TYPES_MODEL.read_bytes())
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
            extra = model_additions(doc_text(doc), found, extra, self.mentions.rules)
            if extra:
                merged = sorted(found + extra, key=lambda m: m.start)
                doc.spans[SPAN_KEY] = [s for s in (_span(doc, m) for m in merged) if s is not None]
        return docs


@Language.factory("kg_proper_names", default_config={"rules_dir": ""})
def make_proper_names(nlp: Language, name: str, rules_dir: str) -> "ProperNamesComponent":
    return ProperNamesComponent(_RULES_BY_DIR[rules_dir])


class ProperNamesComponent:
    """Adds the proper names of English sentences none of the components before found (kg/extract/propernames.py)."""

    def __init__(self, rules: Rules):
        self.rules = rules

    def __call__(self, doc: Doc) -> Doc:
        found = [_exact_match(doc, s) for s in doc.spans.get(SPAN_KEY, [])]
        merged = with_proper_names(doc_text(doc), found, self.rules)
        if merged != found:
            doc.spans[SPAN_KEY] = [s for s in (_span(doc, m) for m in merged) if s is not None]
        return doc


def make_pipelines(rules: Rules, use_model: bool = True, model_dir: Path = MODEL_DIR,
                   proper_names: bool | None = None) -> dict[str, Language]:
    """The Chinese (jieba) and English pipelines with the rule components, then the shipped NER when
    `use_model` and it is installed (kg.builder.pipeline warns when it is not), then the proper-name proposer
    (with the NER by default; `proper_names=True` adds it without the NER, as the NER's silver data does)."""
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
        if (model if proper_names is None else proper_names) and proper_names_available():
            nlp.add_pipe("kg_proper_names", config={"rules_dir": key})
    return {"zh": zh, "en": en}


# ---------------------------------------------------------------- items -> mentions

_SENTENCE = re.compile(r"[^。！？!?；;\n]+(?:[。！？!?；;]+|$)|(?<=[.!?])\s+")


def extract_mentions(items: list[NewsItem], pipelines: dict[str, Language], batch_size: int = 64,
                     within_digest: bool = True) -> Iterator[tuple[NewsItem, list[Mention]]]:
    """Run the pipelines' components over items; yield each item with its mentions (in text order).

    The same mentions as `nlp.pipe` over the items gives, found without segmenting whole texts: the rule
    components match characters, and the model's windows are tokenized on their own (`model_matches`).
    With `within_digest`, a name a slot proposed in one item is also found in the other items of the same
    digest (`named_in_digest`): what the components cannot see one item at a time.
    """
    if within_digest:
        yield from named_in_digest(extract_mentions(items, pipelines, batch_size, within_digest=False), pipelines)
        return
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
                for text, matches, extra in zip(texts, found, model_matches(model, nlp, texts, found)):
                    extra = model_additions(text, matches, extra, patterns.rules)
                    if extra:
                        matches[:] = sorted(matches + extra, key=lambda m: m.start)
            if "kg_proper_names" in nlp.pipe_names:
                for text, matches in zip(texts, found):
                    matches[:] = with_proper_names(text, matches, patterns.rules)
            for item, text, matches in zip(batch, texts, found):
                yield item, mentions_from_matches(item, text, matches)


def named_in_digest(found: Iterable[tuple[NewsItem, list[Mention]]], pipelines: dict[str, Language]) -> Iterator[tuple[NewsItem, list[Mention]]]:
    """The items with more mentions: every Latin name a slot proposed in an item of a digest, wherever another
    item of the same digest names it (`Thinking Machines Lab 发布了 Inkling` in one item, `Inkling 的得分` in the
    next), with the type and extractor it was proposed with."""
    found = list(found)
    rules = pipelines["zh"].get_pipe("kg_gazetteer").rules
    proposed: dict[str, dict[str, Mention]] = {}
    for item, mentions in found:
        digest = item.sources[0] if item.sources else ""
        for m in mentions:
            if not m.entity_id and m.extractor.startswith(("pattern:slot-", "pattern:investor-")):
                if len(m.surface) >= 3 and m.surface.isascii():
                    proposed.setdefault(digest, {}).setdefault(m.surface, m)
            elif m.entity_id and m.type in ("Product", "Hardware", "Person"):
                short = _short_form(m.surface, m.entity_id, m.type, rules)
                if short:
                    proposed.setdefault(digest, {}).setdefault(short, m)
    for item, mentions in found:
        names = proposed.get(item.sources[0] if item.sources else "", {})
        if not names:
            yield item, mentions
            continue
        text = item_text(item)
        # the model's guess at a known name's short form gives way to it (Amodei, a product to the model)
        guessed = {(m.start, m.end): m for m in mentions if m.extractor.startswith("model:") and
                   m.surface in names and names[m.surface].entity_id}
        taken = [(m.start, m.end) for m in mentions if (m.start, m.end) not in guessed]
        extra = []
        for hit in _names_regex(tuple(names)).finditer(text):
            s, e = hit.span()
            if any(s < te and ts < e for ts, te in taken) or not _at_word_edges(text, s, e):
                continue
            m = names[hit.group(0)]
            if m.entity_id:  # a known model's version alone (K3 for Kimi K3), unless another name precedes it (Wan K3)
                person = m.type == "Person"  # or a known person's surname (Amodei), unless a given name precedes it
                if (_NAME_BEFORE_SURNAME if person else _NAME_BEFORE_VERSION).search(text, max(0, s - 30), s):
                    continue
                extra.append(_Match(s, e, m.entity_id, m.type, "pattern:surname" if person else "pattern:short-version", 0.6))
            else:
                extra.append(_Match(s, e, None, m.type, m.extractor, m.confidence))
            taken.append((s, e))
        if not extra:
            yield item, mentions
            continue
        replaced = {(x.start, x.end) for x in extra} & set(guessed)
        kept = [m for m in mentions if (m.start, m.end) not in replaced] if replaced else mentions
        yield item, sorted(kept + mentions_from_matches(item, text, extra), key=lambda m: m.start)


@lru_cache(maxsize=64)
def _names_regex(names: tuple[str, ...]) -> re.Pattern:
    """One regex for all the names (longest first): one pass over each item."""
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))


def rule_matches(text: str, gazetteer: GazetteerMatcher, patterns: PatternMatcher) -> list[_Match]:
    """What the kg_gazetteer and kg_patterns components leave in `doc.spans`, from the characters alone."""
    chosen = _non_overlapping(m for m in gazetteer.find(text) if not gazetteer._cited_as_source(text, m))
    return patterns.structure(text, _non_overlapping(chosen + _patterns_that_may_win(patterns.find(text), chosen)))


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


# A line that says where the story comes from or links to it (来源: arXiv | HuggingFace Daily Papers, 🔗 链接：官网 |
# VentureBeat 报道, Source: Microsoft AI Blog): the names there are cited, not part of the story.
_ATTRIBUTION_LINE = re.compile(
    r"(?m)^[ \t>*•·-]*(?:🔗\s*)?(?:来源|信息来源|消息来源|出处|原文链接|原文|链接|相关链接|Sources?|Via|Links?|Read more|"
    r"Original)\s*[:：][^\n]*", re.I)


def without_attributions(text: str, matches: list[_Match]) -> list[_Match]:
    """The matches outside the text's attribution lines."""
    lines = [(a.start(), a.end()) for a in _ATTRIBUTION_LINE.finditer(text)]
    if not lines:
        return matches
    starts = [s for s, _ in lines]
    kept = []
    for m in matches:
        n = bisect_right(starts, m.start) - 1
        if n < 0 or m.start >= lines[n][1]:
            kept.append(m)
    return kept


def mentions_from_matches(item: NewsItem, text: str, matches: list[_Match]) -> list[Mention]:
    matches = without_attributions(text, matches)
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
