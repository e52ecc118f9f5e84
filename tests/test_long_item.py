"""One long item: the steps that handle its matches, sentences and words give what the plain scans give.

The reference functions below are the straightforward scans (every match against every match taken, every
sentence against every mention): kept here as oracles only.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from spacy.util import get_words_and_spaces

from kg.extract.mentions import _non_overlapping, _patterns_that_may_win
from kg.extract.spans import GAZETTEER_EXTRACTOR, Match, sentence_bounds
from kg.extract.ner.component import words_and_spaces
from kg.builder.pipeline import build, summarize
from kg.records import Mention, NewsItem
from kg.link.relations import _LIST_JOIN_BEFORE, _listed_before, pattern_relations

from .conftest import edges


def reference_non_overlapping(matches):
    chosen, taken = [], []
    for m in sorted(matches, key=lambda m: (-m.length, m.start, m.extractor != GAZETTEER_EXTRACTOR)):
        if any(m.start < e and s < m.end for s, e in taken):
            continue
        chosen.append(m)
        taken.append((m.start, m.end))
    return sorted(chosen, key=lambda m: m.start)


def reference_pattern_may_win(m, gazetteer):
    for g in gazetteer:
        if m.start < g.end and g.start < m.end and not (m.start <= g.start and g.end <= m.end and m.length > g.length):
            return False
    return True


def _match(start: int, length: int, gazetteer: bool, n: int) -> Match:
    return Match(start, start + length, f"e{n}", "Company", GAZETTEER_EXTRACTOR if gazetteer else "pattern:x", 1.0)


_matches = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 12), st.booleans()), max_size=40
).map(lambda spans: [_match(s, n, g, i) for i, (s, n, g) in enumerate(spans)])


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(_matches)
def test_selection_of_overlapping_matches_is_the_plain_scan(matches):
    """Longest first, then leftmost, gazetteer before pattern; empty matches and ties included."""
    assert _non_overlapping(matches) == reference_non_overlapping(matches)


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(_matches, _matches)
def test_pattern_matches_that_may_win_are_those_the_plain_scan_keeps(gazetteer, patterns):
    chosen = _non_overlapping(gazetteer)  # as the build passes them: sorted, not overlapping
    assert _patterns_that_may_win(patterns, chosen) == [m for m in patterns if reference_pattern_may_win(m, chosen)]
    # any gazetteer list (the spaCy components pass the spans of a Doc)
    assert _patterns_that_may_win(patterns, gazetteer) == [m for m in patterns if reference_pattern_may_win(m, gazetteer)]


_pieces = st.sampled_from(["英伟达", "发布", "  ", " ", "\n", "GPT-5.2", "Nvidia", "，", "。", "a", "b", "\t", "模型"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_pieces, max_size=40))
def test_words_and_spaces_are_spacys(pieces):
    text = "".join(pieces)
    words = [w for w in pieces if w]
    assert words_and_spaces(words, text) == get_words_and_spaces(words, text)


def test_words_that_do_not_make_up_the_text_are_refused():
    with pytest.raises(ValueError):
        words_and_spaces(["英伟达", "谷歌"], "英伟达和谷歌")


def _item(text: str) -> NewsItem:
    return NewsItem("i1", "标题", text, "2025-12-07", "https://example.com/1")


def test_relations_of_every_sentence_of_a_long_item(rules):
    """Each sentence's mentions are found by bisection: a pattern fires in the last sentence as in the first."""
    sentence = "英伟达与谷歌合作发布新芯片。"
    item = _item(sentence * 300 + "微软收购了OpenAI。")
    text = f"{item.title}\n{item.text}"
    mentions = []
    for name, entity_id in (("英伟达", "nvidia"), ("谷歌", "google"), ("微软", "microsoft"), ("OpenAI", "openai")):
        at = text.find(name)
        while at != -1:
            bounds = next((s, e) for s, e in sentence_bounds(text) if s <= at < e)
            mentions.append(Mention(item.id, at, at + len(name), name, "Company", entity_id, GAZETTEER_EXTRACTOR, 1.0,
                                    text[bounds[0]:bounds[1]].strip()))
            at = text.find(name, at + 1)
    found = {(r.subject, r.predicate, r.object) for r in pattern_relations(item, mentions, rules)}
    assert ("google", "partnersWith", "nvidia") in found
    assert ("microsoft", "acquires", "openai") in found


def test_a_long_item_builds_with_its_relation_once(tmp_path: Path):
    """20,000 repetitions of a sentence naming two companies: two entities, one partnership, one co-mention."""
    digest = tmp_path / "long.md"
    digest.write_text("---\ndate: 2025-12-07\n---\n\n# 2025-12-07 资讯日报\n\n### 一份很长的记录\n\n"
                      + "英伟达与谷歌合作发布新芯片。" * 20_000 + "\n", encoding="utf-8")
    result = build([digest], use_model=False)
    assert summarize(result) == {"entities": {"Company": 2}, "edges": {"coMention": 1, "partnersWith": 1}}
    ((_, _, edge),) = edges(result.graph, "partnersWith")
    assert edge["date"] == "2025-12-07" and edge["evidence"] == "英伟达与谷歌合作发布新芯片。"


def reference_listed_before(masked, slot_start, allowed_codes):
    more = []
    while True:
        m = _LIST_JOIN_BEFORE.search(masked, 0, slot_start)
        if not m or m.group(1).upper() not in allowed_codes:
            return more
        more.append(int(m.group(2)))
        slot_start = m.start()


_masked_pieces = st.sampled_from(["⟨C0⟩", "⟨P12⟩", "⟨c7⟩", "⟨O123456⟩", "、", "和", " and ", "以及", " ", "发布", "/", "⟨", "⟩"])


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(st.lists(_masked_pieces, max_size=30), st.data())
def test_subjects_listed_before_a_slot_are_those_the_plain_search_finds(pieces, data):
    masked = "".join(pieces)
    slot_start = data.draw(st.integers(0, len(masked)))
    assert _listed_before(masked, slot_start, "CO") == reference_listed_before(masked, slot_start, "CO")


def test_a_long_list_of_makers_and_products_gives_each_pair_once(tmp_path: Path):
    """英伟达、谷歌、… (2,000 times) 发布了 H200、Gemini 3、… (2,000 times): four develops statements."""
    digest = tmp_path / "list.md"
    digest.write_text("---\ndate: 2025-12-07\n---\n\n# 2025-12-07 资讯日报\n\n### 一份很长的名单\n\n"
                      + "英伟达、谷歌、" * 2000 + "发布了" + "H200、Gemini 3、" * 2000 + "。\n", encoding="utf-8")
    result = build([digest], use_model=False)
    develops = sorted((u, v) for u, v, _ in edges(result.graph, "develops"))
    assert develops == [("google", "gemini-3"), ("google", "nvidia-h200"), ("nvidia", "gemini-3"), ("nvidia", "nvidia-h200")]
