"""Pair instances: what the relation classifier sees of two entity mentions in one sentence.

One instance per ordered pair (subject mention, object mention) of one sentence whose types some relation allows.
Its words are the sentence around the pair: tokens for the type pair, the order of subject and object, the
distance between them and how many other mentions lie between (bucketed), then up to `CONTEXT` tokens before the first
mention (prefixed `<`), the tokens between the two mentions, up to `CONTEXT` tokens after the second (prefixed `>`).
The subject becomes `«S:Type»`, the object `«O:Type»`, any other mention between them `«E:Type»`. Chinese is cut
into characters, other text into words (lower-cased), so no segmenter runs: the classifier's n-grams of
characters stand in for words.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from kg.records import Mention

# The relations the classifier labels, and the subject -> object types each allows.
ORGS = frozenset({"Company", "Organization"})
THINGS = frozenset({"Product", "Hardware"})
SIGNATURES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "develops": (ORGS, THINGS),
    "worksFor": (frozenset({"Person"}), ORGS),
    "uses": (ORGS | {"Product"}, THINGS),
    "partnersWith": (ORGS, ORGS),
    "investsIn": (ORGS | {"Person"}, frozenset({"Company"})),
    "acquires": (frozenset({"Company"}), frozenset({"Company", "Product"})),
    "competesWith": (ORGS | THINGS, ORGS | THINGS),  # two of one kind only: see `allows`
}
LABELS = ("none", *SIGNATURES)
SYMMETRIC = frozenset({"partnersWith", "competesWith"})

CONTEXT = 3  # tokens kept before the first and after the second mention
MAX_BETWEEN = 40  # tokens between the two mentions: pairs farther apart are not classified
MAX_PAIRS = 12  # ordered pairs per sentence, the closest first

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9.+\-']*|\d+(?:\.\d+)?|[^\sA-Za-z\d]")


def allows(relation: str, subject_type: str, object_type: str) -> bool:
    """Whether the relation may hold from an entity of the one type to one of the other (competesWith: two
    entities of one kind, a company or organization and another, a product and another product)."""
    subjects, objects = SIGNATURES[relation]
    if subject_type not in subjects or object_type not in objects:
        return False
    return relation != "competesWith" or subject_type == object_type or {subject_type, object_type} <= ORGS


@lru_cache(maxsize=None)  # a few types: each pair of them once
def relations_for(subject_type: str, object_type: str) -> tuple[str, ...]:
    return tuple(p for p in SIGNATURES if allows(p, subject_type, object_type))


@lru_cache(maxsize=4096)  # the stretches between a sentence's names, once for all its pairs
def tokens(text: str) -> tuple[str, ...]:
    return tuple(t.lower() for t in _TOKEN.findall(text))


def pair_words(sentence: str, offset: int, mentions: Sequence[Mention], si: int, oi: int) -> list[str]:
    """The words of the instance (mentions[si] subject, mentions[oi] object); `mentions` are the sentence's, in
    text order, their offsets relative to the text the sentence starts at `offset` in."""
    subj, obj = mentions[si], mentions[oi]
    first, second = (subj, obj) if subj.start < obj.start else (obj, subj)

    def marker(m: Mention) -> str:
        role = "S" if m is subj else "O" if m is obj else "E"
        return f"«{role}:{m.type}»"

    def piece(start: int, end: int) -> list[str]:
        out, cursor = [], start
        for m in mentions:
            if m.start >= start and m.end <= end:
                out += tokens(sentence[cursor - offset : m.start - offset])
                out.append(marker(m))
                cursor = m.end
        out += tokens(sentence[cursor - offset : end - offset])
        return out

    left = piece(offset, first.start)[-CONTEXT:]
    between = piece(first.end, second.start)
    right = piece(second.end, offset + len(sentence))[:CONTEXT]
    others = sum(1 for w in between if w.startswith("«"))
    shape = [f"T:{subj.type}>{obj.type}", "DIR:SO" if first is subj else "DIR:OS", f"GAP:{_bucket(len(between))}",
             f"BETWEEN:{min(others, 3)}"]
    return shape + ["<" + w for w in left] + [marker(first)] + between[:MAX_BETWEEN] + [marker(second)] + \
        [">" + w for w in right]


def with_edge_words(words: list[str], n: int) -> list[str]:
    """The instance words plus the first and the last `n` words between the pair again, marked `[` and `]`: the
    words next to a mention (超越 «O», «S» 领投) then count whatever lies between, which a long span would drown."""
    if n <= 0:
        return words
    marks = [k for k, w in enumerate(words) if w.startswith(("«S:", "«O:"))]
    if len(marks) < 2:
        return words
    between = words[marks[0] + 1 : marks[-1]]
    return words + ["[" + w for w in between[:n]] + ["]" + w for w in between[-n:]]


def _bucket(n: int) -> str:
    return "0" if n == 0 else "1-3" if n <= 3 else "4-8" if n <= 8 else "9-16" if n <= 16 else "17+"


def candidate_pairs(mentions: Sequence[Mention], sentence: str, offset: int) -> list[tuple[int, int]]:
    """Ordered pairs (subject index, object index) of distinct entities some relation's types allow, not too far
    apart, the closest `MAX_PAIRS`."""
    pairs = []
    gaps: dict[tuple[int, int], int] = {}  # (lo end, hi start) -> words between: each unordered pair counted once
    for i, a in enumerate(mentions):
        for j, b in enumerate(mentions):
            if i == j or a.entity_id == b.entity_id or not relations_for(a.type, b.type):
                continue
            lo, hi = (a, b) if a.start < b.start else (b, a)
            gap = gaps.get((lo.end, hi.start))
            if gap is None:
                gap = gaps[lo.end, hi.start] = len(tokens(sentence[lo.end - offset : hi.start - offset]))
            if gap <= MAX_BETWEEN:
                pairs.append((gap, i, j))
    pairs.sort()
    return [(i, j) for _, i, j in pairs[:MAX_PAIRS]]
