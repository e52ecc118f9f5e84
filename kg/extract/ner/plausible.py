"""Which names the statistical NER found are worth a graph entity: the shapes it gets wrong most often go.

Measured on 350 hand-checked model-only names (tests/data/ner-precision-check*.jsonl): a capitalised common
English word (Quick, Health, Containers) was a real entity 15% of the time, a code identifier (SFTTrainer,
ContextWindowExceededError, floatX) almost never, a word cut from a longer name (Gorden of "Gorden Sun",
Lumina of "Lumina-Next") is not the thing it names, and the word after a name often says it is a dataset,
benchmark, paper or algorithm. Later checks added lower-case identifiers with a number (i32, half2), names
ending in Bench/Eval, the account part of a repository path (MaxHastings/KoloLLM) and a surname after a name
particle (Lisan al Gaib). Frequent technical vocabulary (VRAM, CoT, FP4) is in the rules' stopwords instead.
A third check (686 judgements) added all-capital words of 4+ letters (GRPO, DDPM, HNSW: 5 of 25 distinct ones
real), pieces of a word the tokenizer split (Vicu of Vicuña, PandasQuery of PandasQueryEngine, XS.2 of
Laguna-XS.2), class names in code and commit hashes.
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
    r"Loader|Callback|Provides|able|Type|Impl|Args|Options|Params|Decoder|Encoder|Model|Tensor|Layer|Context|"
    r"Tokenizer|Codegen|Workflow|Mesh|Retriever|Parser|Reader|Writer|Engine|Manager|Settings|Template|Processor|"
    r"Scheduler|Sampler|Optimizer|Dataset|Module|Function|Reduce|Gather)$"
)
# Techniques, formats and standards are written in capitals (GRPO, DDPM, HNSW, ASCII, BYOD); companies rarely
# (NGINX). Three letters or fewer never get this far (is_name_like).
_ALL_CAPITALS = re.compile(r"[A-Z]{4,}")
_HASH = re.compile(r"(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,}")  # a commit or content hash
_LOWER_CAMEL = re.compile(r"[a-z]{3,}[A-Z][A-Za-z0-9]*")  # floatX, lambdaLR: code, not brands (iPhone, xAI)
_LOWER_WITH_NUMBER = re.compile(r"[a-z]+\d+")  # i32, half2, puzzle10: types, variables, user names
_BENCHMARK_NAME = re.compile(r"[A-Za-z0-9]+(?:Bench|Eval|V?QA|SWE)")  # SimpleBench, HumanEval, HotpotQA, DeepSWE: a test
# Standards, formats and conferences with a number: USB4, GDDR6, Wifi 6, AVX-512, E4M3, MP3, CVPR2024.
_STANDARD = re.compile(
    r"(?:USB|L?P?DDR|GDDR|Wi-?Fi|AVX|SSE|E\dM|MP|H\.?26|VP|CVPR|ICML|ICLR|NeurIPS|EMNLP|ACL|AAAI|IJCAI|KDD)"
    r"[- ]?\d[\dA-Za-z.]*", re.I)
_VERSION = re.compile(r"v\d+(?:\.\d+)+|\d+(?:\.\d+)+")  # v1.5: a version of something unnamed
_UNIT = re.compile(r"(?:\d+(?:\.\d+)?)?(?:[KMGTP]i?B|[KMGT]Hz|dB|[GT]FLOPS|ms|ns|[GMT]b(?:E|ps))", re.I)
# After a name: words that belong to it (Sakana AI, OpenAI API) rather than start a longer one.
_NAME_TAILS = {"ai", "api", "apis", "inc", "labs", "lab", "ceo", "cto", "team", "app", "sdk", "co", "ltd", "llc",
               "cpu", "gpu", "gpus", "npu", "tpu", "chip", "chips"}
_NEXT_WORD = re.compile(
    r" ([A-Z][A-Za-z]+)|-[A-Za-z]|['’](?!s\b)[A-Za-z]"  # Sakana AI's: possessive, not longer
    # The rest of a word the tokenizer split (Vicu|ña, CommandR|+, IQ1|_M, DeepLearning|.AI, Avian|.io).
    r"|[A-Za-z0-9\u00c0-\u024f_+]|\.[A-Za-z0-9]"
)
# The capitalised word before a name, and whether an English sentence starts with it (With OneDrive).
_PREVIOUS_WORD = re.compile(r"(^|[.!?:;\n] *|[\w,(（“\"'] ?)([A-Z][A-Za-z]+) $")
# Rarer than this, a capitalised word inside a sentence is a name's first word (Amanda Askell, Mike Knoop,
# Studio Ghibli) unless a rule knows it as a name of its own (Apple M2).
NAME_WORD_ZIPF = 5.0
# Glued to what comes before: llava-|v1.6-34b, Laguna-|XS.2, torch.|DeviceMesh, a word split inside.
_GLUED_BEFORE = re.compile(r"(?:[A-Za-z0-9\u00c0-\u024f_]|[A-Za-z0-9][-.])$")

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
def english_zipf(word: str) -> float:
    return zipf_frequency(word.lower(), "en")


@lru_cache(maxsize=65536)
def is_common_english(word: str) -> bool:
    word = word.lower()
    if english_zipf(word) >= COMMON_ENGLISH_ZIPF:
        return True
    return word.endswith("s") and len(word) > 4 and english_zipf(word[:-1]) >= COMMON_ENGLISH_ZIPF


def looks_like_code_or_unit(name: str) -> bool:
    if "_" in name or _UNIT.fullmatch(name) or _VERSION.fullmatch(name) or _LOWER_CAMEL.fullmatch(name):
        return True
    if _LOWER_WITH_NUMBER.fullmatch(name) or _BENCHMARK_NAME.fullmatch(name):
        return True
    return bool(_CAMEL.fullmatch(name) and _CODE_SUFFIX.search(name))


def cut_from_longer_name(text: str, start: int, end: int, known: Callable[[str], bool]) -> str | None:
    """Why the span is a piece of a longer name, or None: it continues into a capitalised word (Gorden Sun), a
    hyphen or apostrophe (Lumina-Next, Humanity's) or the rest of a word the tokenizer split (Vicu|ña), is glued
    to what comes before (llava-|v1.6), or follows a capitalised word no rule knows that is rarer than a word
    starting an English sentence (Amanda Askell: cut; Apple M2, With OneDrive: not cut)."""
    after = _NEXT_WORD.match(text, end)
    if after and not (after.group(1) and (after.group(1).lower() in _NAME_TAILS or known(after.group(1)))):
        return "continues"
    if _GLUED_BEFORE.search(text, max(0, start - 2), start):
        return "glued before"
    before = _PREVIOUS_WORD.search(text, max(0, start - 40), start)
    if before and not known(before.group(2)):
        starts_sentence = before.group(1)[:1] in ("", ".", "!", "?", ":", ";", "\n")
        limit = COMMON_ENGLISH_ZIPF if starts_sentence else NAME_WORD_ZIPF
        if english_zipf(before.group(2)) < limit:
            return "after a capitalised word"
    return "after a particle" if _PREVIOUS_PARTICLE.search(text, max(0, start - 40), start) else None


def implausible_because(text: str, start: int, end: int, known: Callable[[str], bool]) -> str | None:
    """Why the model's span text[start:end] cannot name a new entity, or None; `known(word)` says a rule knows
    the word."""
    name = text[start:end]
    if _MIXED_PUNCTUATION.search(name):
        return "sentence piece"  # "micrograd？你会爱上", "Transformers：适用于", "Aria - 多"
    if " " not in name:
        if _SINGLE_WORD.fullmatch(name) and is_common_english(name):
            return "common word"
        if _ALL_CAPITALS.fullmatch(name):
            return "capitals"
        if _HASH.fullmatch(name):
            return "hash"
        if _PLURAL_ACRONYM.fullmatch(name) or looks_like_code_or_unit(name):
            return "code or unit"
    if _STANDARD.fullmatch(name):
        return "code or unit"
    if _NOT_OUR_KIND_AFTER.match(text, end):
        return "not our kind"
    if _REPO_OWNER.match(text, end) and " " not in name:
        return "account"  # a person or team, but named by its handle, not its name
    return cut_from_longer_name(text, start, end, known)


def plausible_name(text: str, start: int, end: int, known: Callable[[str], bool]) -> bool:
    """Whether the model's span text[start:end] may name a new entity."""
    return implausible_because(text, start, end, known) is None
