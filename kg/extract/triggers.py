"""Which rules can match a text, from the words each rule cannot match without.

Most relation patterns (rules/relations.yml) and name patterns (rules/patterns.yml) need a literal word or
phrase (发布, acquired by, 实验室): a match of the pattern contains at least one string of a small set read off
the regular expression itself (`required_strings`). A text is searched once, with one Aho-Corasick automaton of
every such string, and only the rules whose strings it contains (and the rules that need none) are run.
Case-insensitive patterns are handled by folding the text and the strings the way `re.IGNORECASE` compares
characters (`fold`); a case-sensitive pattern is only tested more loosely. So a rule is never skipped on a text
it matches, and what the rules find is the same as when every rule runs on every text.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from itertools import product

import ahocorasick

import _sre

try:  # the regular-expression parser of the running Python, and the characters its IGNORECASE joins beyond case
    from re import _constants as _c, _parser
    from re._casefix import _EXTRA_CASES
except ImportError:  # Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _parser  # type: ignore[no-redef]
    from sre_compile import _ignorecase_fixes as _EXTRA_CASES  # type: ignore[no-redef]

MAX_ALTERNATIVES = 64  # larger sets of strings are not worth tracking: the rule then runs on every sentence
_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT}
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT} | ({_c.POSSESSIVE_REPEAT} if hasattr(_c, "POSSESSIVE_REPEAT") else set())
_ATOMIC = getattr(_c, "ATOMIC_GROUP", None)


def _case_classes() -> dict[int, int]:
    """Code point -> the representative of the characters `re.IGNORECASE` treats as equal to it."""
    table = {}
    for cp in range(0x110000):
        if not _sre.unicode_iscased(cp):
            continue
        low = _sre.unicode_tolower(cp)
        canon = min((low, *_EXTRA_CASES.get(low, ())))
        if canon != cp:
            table[cp] = canon
    return table


_FOLD: dict[int, int] | None = None


@lru_cache(maxsize=64)  # the rule sets of one step look at the same text one after another
def fold(text: str) -> str:
    """`text` with each character replaced by the one `re.IGNORECASE` compares it as: two strings fold alike
    exactly when a case-insensitive literal pattern of one matches the other."""
    global _FOLD
    if _FOLD is None:
        _FOLD = _case_classes()
    return text.translate(_FOLD)


class _Info:
    """What a piece of a regex can match: `exact`, every string it can match (None when unknown or too many),
    and `required`, a set of strings one of which every match contains (None when nothing is known)."""

    __slots__ = ("exact", "required")

    def __init__(self, exact: frozenset[str] | None, required: frozenset[str] | None):
        self.exact, self.required = exact, required


_UNKNOWN = _Info(None, None)
_EMPTY = _Info(frozenset({""}), None)


def _useful(strings: frozenset[str] | None) -> bool:
    return bool(strings) and "" not in strings and len(strings) <= MAX_ALTERNATIVES


_SLOT_OR_SPACE = re.compile(r"\u27e8[A-Za-z]?|\u27e9|\s")


def _cost(strings: frozenset[str]) -> float:
    """How often a sentence may hold one of the strings (lower is better): short strings are common; the slots
    (their brackets and type letters) and spaces are in nearly every masked sentence."""
    return sum(0.1 ** min(len(_SLOT_OR_SPACE.sub("", s)), 4) for s in strings)


def _best(candidates: list[frozenset[str] | None]) -> frozenset[str] | None:
    useful = [c for c in candidates if _useful(c)]
    return min(useful, key=_cost) if useful else None


def _minimal(strings: frozenset[str]) -> frozenset[str]:
    """Drop strings that contain another string of the set: a sentence holding the longer holds the shorter."""
    return frozenset(s for s in strings if not any(t != s and t in s for t in strings))


def _sequence(items) -> _Info:
    run: frozenset[str] | None = frozenset({""})  # the strings the current stretch of exact items can match
    candidates: list[frozenset[str] | None] = []
    whole = True
    for op, av in items:
        info = _node(op, av)
        if info.exact is not None and run is not None and len(run) * len(info.exact) <= MAX_ALTERNATIVES:
            run = frozenset(a + b for a, b in product(run, info.exact))
            continue
        whole = False
        candidates.append(run)
        candidates.append(info.required)
        run = info.exact  # a set too large to join to the run starts a new one; None when not exact
    candidates.append(run)
    return _Info(run if whole else None, _best(candidates))


def _node(op, av) -> _Info:
    if op is _c.LITERAL:
        return _Info(frozenset({chr(av)}), frozenset({chr(av)}))
    if op in _ZERO_WIDTH:
        return _EMPTY  # consumes nothing: the strings around it are adjacent in the match
    if op is _c.IN:
        chars = [a for o, a in av if o is _c.LITERAL]
        if len(chars) == len(av) and len(chars) <= 8:
            exact = frozenset(chr(a) for a in chars)
            return _Info(exact, exact)
        return _UNKNOWN
    if op is _c.SUBPATTERN:  # (group, flags added, flags removed, pattern)
        return _sequence(av[-1])
    if op is _ATOMIC and op is not None:
        return _sequence(av)
    if op is _c.BRANCH:
        branches = [_sequence(b) for b in av[1]]
        exact = None
        if all(b.exact is not None for b in branches):
            exact = frozenset().union(*(b.exact for b in branches))
            if len(exact) > MAX_ALTERNATIVES:
                exact = None
        required = None
        if all(_useful(b.required) or _useful(b.exact) for b in branches):
            required = frozenset().union(*(b.required if _useful(b.required) else b.exact for b in branches))
        return _Info(exact, required if _useful(required) else None)
    if op in _REPEATS:
        low, high, inner = av
        info = _sequence(inner)
        if low == 0:
            if high == 1 and info.exact is not None:
                return _Info(info.exact | {""}, None)
            return _UNKNOWN
        required = info.required if _useful(info.required) else info.exact
        if low == high and info.exact is not None and len(info.exact) ** low <= MAX_ALTERNATIVES:
            exact = frozenset("".join(p) for p in product(info.exact, repeat=low))
            return _Info(exact, exact)
        return _Info(None, required if _useful(required) else None)
    return _UNKNOWN


def required_strings(regex: re.Pattern) -> frozenset[str] | None:
    """Folded strings one of which is in every string `regex` matches; None when the rule needs none."""
    info = _sequence(_parser.parse(regex.pattern, regex.flags))
    best = _best([info.required, info.exact])
    return _minimal(frozenset(fold(s) for s in best)) if best else None


class TriggerIndex:
    """The rules that can match a sentence: those whose required strings it holds, and those that need none."""

    def __init__(self, regexes: list[re.Pattern]):
        self.required = [required_strings(r) for r in regexes]
        self.always = frozenset(n for n, strings in enumerate(self.required) if strings is None)
        rules_of: dict[str, set[int]] = {}  # required string -> the rules that need it (or another of theirs)
        for n, strings in enumerate(self.required):
            for s in strings or ():
                rules_of.setdefault(s, set()).add(n)
        self.automaton = ahocorasick.Automaton()
        for word, rules in rules_of.items():
            self.automaton.add_word(word, (len(word), frozenset(rules)))
        if rules_of:
            self.automaton.make_automaton()
        self.empty = not rules_of

    def candidates(self, sentence: str) -> list[int]:
        """The positions (in the rule list) of the rules that may match `sentence`, in order."""
        if self.empty:
            return sorted(self.always)
        return sorted(self.always.union(*(rules for _, (_, rules) in self.automaton.iter(fold(sentence)))))

    def located(self, sentence: str, rules: frozenset[int]) -> tuple[list[int], dict[int, list[tuple[int, int]]]]:
        """`candidates`, and for those of `rules` among them, the (start, end) of each of their required strings in
        `sentence` (of the folded text: the same offsets)."""
        if self.empty:
            return sorted(self.always), {}
        found: list[frozenset[int]] = []
        where: dict[int, list[tuple[int, int]]] = {}
        for end, (length, needed) in self.automaton.iter(fold(sentence)):
            found.append(needed)
            for n in needed & rules:
                where.setdefault(n, []).append((end + 1 - length, end + 1))
        return sorted(self.always.union(*found)), where


def bounded_width(regex: re.Pattern) -> int | None:
    """The most characters a match of `regex` spans, when that is bounded, every match spans one at least, and the
    regex looks at nothing outside its match (no anchor, lookaround, word boundary or backreference); else None.
    Such a regex that needs a string (`required_strings`) can only match within `width` of where the string is."""
    parsed = _parser.parse(regex.pattern, regex.flags)
    low, high = parsed.getwidth()
    if low < 1 or high > _MAX_BOUNDED_WIDTH or _looks_around(parsed):
        return None
    return high


_MAX_BOUNDED_WIDTH = 1000
_LOOKS_AROUND = _ZERO_WIDTH | {_c.GROUPREF, _c.GROUPREF_EXISTS}


def _looks_around(node) -> bool:
    if isinstance(node, _parser.SubPattern):
        return any(op in _LOOKS_AROUND or _looks_around(av) for op, av in node)
    if isinstance(node, (list, tuple)):
        return any(_looks_around(x) for x in node)
    return False


def matches_near(regex: re.Pattern, text: str, width: int, places: list[tuple[int, int]]) -> Iterator[re.Match]:
    """`regex.finditer(text)` for a regex of `bounded_width` `width` whose every match holds one of the strings
    found at `places` ((start, end) offsets): only the stretches where such a match can start are searched.

    A match holding the string at (start, end) starts in [end - width, start]. The regex reads nothing outside its
    match, and a match starting at s reads text[s : s + width] only, so a search of one such stretch, ended
    `width` after it, finds what a search of the whole text finds there."""
    stretches: list[list[int]] = []
    for lo, hi in sorted((max(0, end - width), start) for start, end in places):
        if stretches and lo <= stretches[-1][1] + 1:
            stretches[-1][1] = max(stretches[-1][1], hi)
        else:
            stretches.append([lo, hi])
    pos = 0
    for lo, hi in stretches:
        lo = max(lo, pos)
        while lo <= hi:
            m = regex.search(text, lo, min(len(text), hi + width))
            if m is None or m.start() > hi:
                break
            yield m
            pos = lo = m.end()  # matches are never empty
