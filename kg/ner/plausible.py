"""Which names the statistical NER found are worth a graph entity: the shapes it gets wrong most often go.

Measured on 350 hand-checked model-only names (tests/data/ner-precision-check*.jsonl): a capitalised common
English word (Quick, Health, Containers) was a real entity 15% of the time, a code identifier (SFTTrainer,
ContextWindowExceededError, floatX) almost never, a word cut from a longer name (Gorden of "Gorden Sun",
Lumina of "Lumina-Next") is not the thing it names, and the word after a name often says it is a dataset,
benchmark, paper or algorithm. Later checks added lower-case identifiers with a number (i32, half2), names
ending in Bench/Eval, the account part of a repository path (MaxHastings/KoloLLM) and a surname after a name
particle (Lisan al Gaib). Frequent technical vocabulary (VRAM, CoT, FP4) is in the rules' stopwords instead.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from wordfreq import zipf_frequency

# Zipf 3.5: about once per 300,000 English words (wordfreq). Above it, a capitalised single word was a real
# entity in 10 of 46 checked cases; below it, in most.
COMMON_ENGLISH_ZIPF = 3.5

_SINGLE_WORD = re.compile(r"[A-Z][a-z]+|[A-Z]{2,}")
_PLURAL_ACRONYM = re.compile(r"[A-Z]{2,}s")  # DSLs, LSPs, CNNs: a kind of thing, not one thing
_CAMEL = re.compile(r"[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+|[A-Z]{2,}[a-z]+[A-Za-z]*")
_CODE_SUFFIX = re.compile(
    r"(?:Error|Exception|Warning|Request|Response|Result|Device|Trainer|Builder|Pointer|Factory|Handler|Config|"
    r"Loader|Callback|Provides|able|Type|Impl|Args|Options|Params|Decoder|Encoder|Model|Tensor|Layer)$"
)
_LOWER_CAMEL = re.compile(r"[a-z]{3,}[A-Z][A-Za-z0-9]*")  # floatX, lambdaLR: code, not brands (iPhone, xAI)
_LOWER_WITH_NUMBER = re.compile(r"[a-z]+\d+")  # i32, half2, puzzle10: types, variables, user names
_BENCHMARK_NAME = re.compile(r"[A-Za-z0-9]+(?:Bench|Eval)")  # SimpleBench, HumanEval: a test, not a product
_VERSION = re.compile(r"v\d+(?:\.\d+)+|\d+(?:\.\d+)+")  # v1.5: a version of something unnamed
_UNIT = re.compile(r"(?:\d+(?:\.\d+)?)?(?:[KMGTP]i?B|[KMGT]Hz|dB|[GT]FLOPS|ms|ns)", re.I)
# After a name: words that belong to it (Sakana AI, OpenAI API) rather than start a longer one.
_NAME_TAILS = {"ai", "api", "apis", "inc", "labs", "lab", "ceo", "cto", "team", "app", "sdk", "co", "ltd", "llc",
               "cpu", "gpu", "gpus", "npu", "tpu", "chip", "chips"}
_NEXT_WORD = re.compile(r" ([A-Z][A-Za-z]+)|-[A-Za-z]|['’](?!s\b)[A-Za-z]")  # Sakana AI's: possessive, not longer
_PREVIOUS_WORD = re.compile(r"([A-Z][A-Za-z]+) $")
# A surname after a name particle (Lisan al Gaib, Ankush k Singal, Vincent van Gogh): the end of a longer name.
_PREVIOUS_PARTICLE = re.compile(r"[A-Z][A-Za-z]+ (?:al|el|bin|ibn|de|da|di|du|van|von|der|den|la|le|[a-z]) $")
_REPO_OWNER = re.compile(r"/[A-Za-z0-9]")  # MaxHastings/KoloLLM: the account a repository is in
# What the text says the name is, right after it: none of our five kinds (ProbMed 数据集, GAIA benchmark).
_NOT_OUR_KIND_AFTER = re.compile(
    r"\s?(?:的)?(?:数据集|基准|榜单|排行榜|论文|会议|大会|研讨会|峰会|理论|竞赛|比赛|挑战赛|聚会|函数|算法|方法|架构|格式|指令|"
    r"类型|协议|标准|许可证?|估计|攻击|变体|激活函数|采样器|优化器|损失|语言|课程|测验)"
    r"|\s(?:dataset|benchmark|leaderboard|paper|conference|workshop|algorithm|attacks?|stance|format|license|"
    r"optimizer|sampler|loss|activation)s?\b",
    re.I,
)


_MIXED_PUNCTUATION = re.compile(r"[\u3000-\u303f\uff01-\uff0f\uff1a-\uff20]| [-–—] ")  # full-width punctuation


@lru_cache(maxsize=65536)
def is_common_english(word: str) -> bool:
    word = word.lower()
    if zipf_frequency(word, "en") >= COMMON_ENGLISH_ZIPF:
        return True
    return word.endswith("s") and len(word) > 4 and zipf_frequency(word[:-1], "en") >= COMMON_ENGLISH_ZIPF


def looks_like_code_or_unit(name: str) -> bool:
    if "_" in name or _UNIT.fullmatch(name) or _VERSION.fullmatch(name) or _LOWER_CAMEL.fullmatch(name):
        return True
    if _LOWER_WITH_NUMBER.fullmatch(name) or _BENCHMARK_NAME.fullmatch(name):
        return True
    return bool(_CAMEL.fullmatch(name) and _CODE_SUFFIX.search(name))


def cut_from_longer_name(text: str, start: int, end: int, known: Callable[[str], bool]) -> bool:
    """The span continues into a capitalised word (Gorden Sun), a hyphen or apostrophe (Lumina-Next,
    Humanity's), or follows a capitalised word that is neither a known name nor a common word (Apple M2, With OneDrive: not
    cut)."""
    after = _NEXT_WORD.match(text, end)
    if after and not (after.group(1) and (after.group(1).lower() in _NAME_TAILS or known(after.group(1)))):
        return True
    before = _PREVIOUS_WORD.search(text, max(0, start - 40), start)
    if before and not known(before.group(1)) and not is_common_english(before.group(1)):
        return True
    return bool(_PREVIOUS_PARTICLE.search(text, max(0, start - 40), start))


def plausible_name(text: str, start: int, end: int, known: Callable[[str], bool]) -> bool:
    """Whether the model's span text[start:end] may name a new entity; `known(word)` says a rule knows the word."""
    name = text[start:end]
    if _MIXED_PUNCTUATION.search(name):
        return False  # a sentence piece, not a name: "micrograd？你会爱上", "Transformers：适用于", "Aria - 多"
    if " " not in name:
        if _SINGLE_WORD.fullmatch(name) and is_common_english(name):
            return False
        if _PLURAL_ACRONYM.fullmatch(name) or looks_like_code_or_unit(name):
            return False
    if _NOT_OUR_KIND_AFTER.match(text, end):
        return False
    if _REPO_OWNER.match(text, end) and " " not in name:
        return False  # an account: a person or team, but named by its handle, not its name
    return not cut_from_longer_name(text, start, end, known)
