"""The trigger index runs a relation rule only on sentences holding one of the strings the rule cannot match
without, and never skips a sentence the rule matches."""
import re

from hypothesis import example, given, settings, strategies as st

from kg.extract.rules import compile_relation_pattern
from kg.extract.triggers import TriggerIndex, bounded_width, fold, matches_near, required_strings

VOCABULARY = {"acquire_zh": ["收购了", "收购", "并购"], "roles": ["CEO", "创始人"]}


def rule(pattern: str) -> re.Pattern:
    return re.compile(compile_relation_pattern(pattern, VOCABULARY)[0], re.I)


def test_a_rule_needs_one_word_of_its_vocabulary():
    assert required_strings(rule("{S:Company}{gap:8}{acquire_zh}{gap:6}{O:Company|Product}")) == {"收购", "并购"}
    assert required_strings(rule(r"{O:Company|Product}{gap:12}\b(?:acquired|bought)\sby\s{S:Company}")) == \
        {"acquired", "bought"}


def test_optional_words_are_not_required():
    index = TriggerIndex([rule("{S:Company}(?:的)?{O:Product}"), rule("{S:Person}(?:加入|加盟)?{gap:4}{O:Company}")])
    assert index.candidates("⟨C0⟩⟨R1⟩ ⟨P2⟩ ⟨C3⟩") == [0, 1]


def test_only_rules_whose_words_the_sentence_holds_run():
    index = TriggerIndex([rule("{S:Company}{gap:8}{acquire_zh}{gap:6}{O:Company}"),
                          rule(r"{S:Person}\s?,\s{role}\sof\s{O:Company}"),
                          rule(r"{S:Company}\sbuys\s{O:Company}")])
    assert index.candidates("⟨C0⟩宣布收购了⟨C1⟩") == [0]
    assert index.candidates("⟨P0⟩, ceo of ⟨C1⟩") == [1]
    assert index.candidates("⟨C0⟩ BUYS ⟨C1⟩") == [2]  # the rules ignore case
    assert index.candidates("⟨C0⟩ 发布 ⟨C1⟩") == []


def test_folding_follows_what_ignorecase_treats_as_equal():
    # the long s and the Kelvin sign match s and k case-insensitively
    text = "⟨C0⟩ buyſ ⟨C1⟩ \u212aind"
    regex = rule(r"{S:Company}\sbuys\s{O:Company}")
    assert regex.search(text)
    assert TriggerIndex([regex]).candidates(text) == [0]
    assert fold("BUYS \u212a") == fold("buyſ k")


PIECES = ["⟨C0⟩", "⟨O1⟩", "⟨P2⟩", " ", "收购", "收购了", "并", "购", "的", "CEO", "ceo", "Of", " of ", "by", "BY",
          "acquired", "ACQUIRED ", "bought", "s", "ſ", ",", "，", "x"]
PATTERNS = ["{S:Company}{gap:8}{acquire_zh}{gap:6}{O:Company|Product}",
            r"{O:Company|Product}{gap:12}\b(?:acquired|bought)\sby\s{S:Company}",
            r"{S:Person}\s?,?\s?(?:the\s)?{role}\s(?:of|at)\s{O:Company}",
            "{O:Company}\\s?(?:的)?\\s?(?:前)?{role}\\s?{S:Person}",
            r"{S}\s?(?:-|–|\svs\.?\s)\s?{O}(?:’s|'s)?\s(?:[a-z-]+\s)?(?:rivalry|race)\b"]
INDEX = TriggerIndex([rule(p) for p in PATTERNS])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=2, max_size=12))
def test_a_rule_that_matches_is_always_run(pieces):
    sentence = "".join(pieces)
    candidates = INDEX.candidates(sentence)
    for n, pattern in enumerate(PATTERNS):
        if rule(pattern).search(sentence):
            assert n in candidates


# Short patterns that need a word (the shape of the Chinese name slots), and what they must never be searched as
NEAR_PATTERNS = [r"(?P<name>[\u4e00-\u9fff·]{2,6}?)(?:还|也|近日)?(?:表示|称|指出|加入)",
                 r"(?:记者|创始人|CEO)(?:兼(?:CEO|CTO))?[ ]?(?P<name>[\u4e00-\u9fff·]{2,5})",
                 r"(?P<name>[\u4e00-\u9fff]{1,6}?(?:实验室|大学(?:[\u4e00-\u9fff]{2,3}分校)?))",
                 r"(?i)(?:ceo|founder) (?P<name>[a-z]{2,5}(?: [a-z]{2,5})?)"]
NEAR_PIECES = ["王坚", "王", "坚", "·", "还", "也", "表示", "表", "示", "称", "指出", "加入", "记者", "创始人", "CEO", "ceo",
               "兼", "CTO", "实验室", "大学", "分校", "之江", "的", " ", "，", "Founder ", "ab", "Zed", "x"]


def test_only_short_patterns_that_read_nothing_outside_their_match_are_searched_near_their_words():
    assert [bounded_width(re.compile(p)) for p in NEAR_PATTERNS] == [6 + 2 + 2, 3 + 4 + 1 + 5, 6 + 2 + 3 + 2, 8 + 5 + 1 + 5]
    assert bounded_width(re.compile(r"(?<![A-Z])[A-Z]{2,4}表示")) is None  # a lookbehind reads before the match
    assert bounded_width(re.compile(r"\bCEO [A-Z][a-z]+")) is None  # a word boundary too
    assert bounded_width(re.compile(r"[A-Z][a-z]+ (?:表示|称)")) is None  # no bound on its length
    assert bounded_width(re.compile(r"(?:表示)?")) is None  # may match nothing


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(NEAR_PIECES), min_size=1, max_size=30))
@example(["王坚", "王坚", "王坚", "近日", "表示"])  # matches as long as the pattern allows, its word at either end
@example(["创始人", "兼", "CTO", " ", "王坚", "王坚", "王"])
@example(["之江", "之江", "之江", "大学", "之江", "分校", "表示"])
def test_searching_near_the_required_words_finds_what_searching_everywhere_finds(pieces):
    text = "".join(pieces)
    regexes = [re.compile(p) for p in NEAR_PATTERNS]
    index = TriggerIndex(regexes)
    candidates, places = index.located(text, frozenset(range(len(regexes))))
    assert candidates == index.candidates(text)
    for n, regex in enumerate(regexes):
        everywhere = [(m.span(), m.groupdict()) for m in regex.finditer(text)]
        near = [(m.span(), m.groupdict()) for m in matches_near(regex, text, bounded_width(regex), places.get(n, []))]
        assert near == everywhere
