"""The trigger index runs a relation rule only on sentences holding one of the strings the rule cannot match
without, and never skips a sentence the rule matches."""
import re

from hypothesis import given, settings, strategies as st

from kg.extract.rules import compile_relation_pattern
from kg.extract.triggers import TriggerIndex, fold, required_strings

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
