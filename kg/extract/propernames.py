"""Proper names of English sentences that no rule lists and the NER left: capitalised word runs, typed.

English writes names with capitals, so in an English sentence (not a title-case headline) a run of capitalised
words is a name unless it is a common word starting the sentence, a place, a day or a title word
(rules/names.yml `not_names`, rules/patterns.yml `stopwords`). Its type comes, in this order, from:
- its shape: a given name (rules/names.yml `given_names`) or a pinyin surname (`surnames_pinyin`) and one or two
  capitalised words is a person (Denise Dresser, Wang Jian); a last word of a company (Inc, Ventures, AI) or of
  an institution (University, Department, Court) gives Company or Organization; a known company followed by
  more name words is that company's product (Microsoft Outlook, NVIDIA Brev); a role before it (CEO, founder)
  gives Person;
- otherwise its context: a naive Bayes classifier over the words around the name and the name's shape (never
  its own words), learned from the names the gazetteer knows in English sentences of the training corpora
  (`kg train-names`, kg/models/names/types.json). It also learns an "O" class from capitalised words that are
  no names (places, common words), and a name is kept only when one type is clearly more likely than "O".

A name found so in an item's text is found again where the item's headline repeats it (headlines capitalise
every word, so they propose nothing by themselves).
"""
from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kg.extract.rules import Rules
from kg.extract.spans import Match, language_of, sentence_bounds, title_case, zipf
from kg.extract.triggers import TriggerIndex
from kg.ingest.normalize import fold_name, has_cjk

EXTRACTOR = "names:proper"
TYPES_MODEL = Path(__file__).parent.parent / "models" / "names" / "types.json"
CLASSES = ("Company", "Organization", "Person", "Product", "Hardware", "O")

# A word of a name: capitalised (Allianz, GenAI.mil, Nex-N2_pro), a lower-case start with a capital inside (iPhone,
# xCell), or a version after a name word (Gemma 4 31B, Ubuntu 22.04).
_WORD = re.compile(r"[A-Za-z0-9\u00C0-\u024F][A-Za-z0-9\u00C0-\u024F&._/+’'-]*[A-Za-z0-9\u00C0-\u024F+]|[A-Za-z0-9]")
_CONNECTORS = frozenset({"of", "for", "de", "do", "da", "del", "du", "di", "von", "van", "&"})
_ROLE = frozenset("""ceo cto coo cfo cpo cmo cso cio ciso cro evp svp founder co-founder cofounder chairman chairwoman president chief executive
    director head vp professor prof dr mr mrs ms sir senator secretary judge governor minister researcher engineer
    scientist analyst investor partner lead leader officer spokesperson spokesman spokeswoman author laureate
    neuroscientist economist physicist chemist biologist mathematician psychologist entrepreneur billionaire""".split())
_ORG_WORDS = frozenset("""university universität institute institution laboratory department ministry agency faculty
    commission court council office administration authority foundation association society academy school college
    museum gallery hospital center centre committee union bureau parliament senate congress government police
    army navy force forces lab alliance consortium coalition federation initiative dept dept.""".split())
_LAB_WORDS = frozenset("research brain labs lab ai".split())
_ORG_HEADS = frozenset("university department ministry bureau office court institute museum bank faculty".split())
_COMPANY_WORDS = frozenset("""inc inc. corp corp. corporation ltd ltd. llc plc gmbh ag sa co co. company group holdings
    technologies technology ventures capital partners investment investments equity securities labs robotics
    systems networks motors bank therapeutics
    pharmaceuticals pharma studios media entertainment airlines energy insurance ai""".split())
_PRODUCT_NOUNS = frozenset("""app apps tool tools model models platform service software feature browser chatbot
    assistant agent agents api sdk framework library os operating system extension plugin editor suite engine
    language protocol dataset benchmark mode""".split())
_HARDWARE_NOUNS = frozenset("chip chips gpu gpus processor accelerator glasses headset robot robots device phone".split())
_ACRONYM_PLURAL = re.compile(r"[A-Z]{2,5}s")
_LOWER_LEAD = re.compile(r"[a-z]{1,2}[A-Z][A-Za-z0-9]")
_DESCRIBED = re.compile(r"-[a-z]{3,}$")
# Units and generic acronyms that end a run without being part of a name (RK3588S SoC, 152 MB RSS, Lucid Gravity SUV).
_GENERIC_TAIL = frozenset("soc suv uav ids id ram rss fps mb gb tb kb pb cpu gpu npu llm llms vram ssd yoy qoq".split())
# What goes before a name at a sentence's start: punctuation, a list mark, a field label (摘要：, Status:).
_START = re.compile(r"^[\W\d_]*(?:(?:[\u4e00-\u9fff]{1,6}|[A-Z][A-Za-z -]{0,30})\s?[：:]\s*)?[\W_]*$")
_CAPITAL = re.compile(r"[A-Z]")
_LABEL_LEAD = re.compile(r"^\W*[\u4e00-\u9fff]{1,6}\s?[：:]\s*")
_SOURCE_LINE = re.compile(r"^\W*(?:来源|出处|source|sources|via|credit|credits|image|photo)\s*[：:|]", re.I)
_NOT_A_THING = re.compile(r"(?i)bench\b|-bench|arena\b|\barc-agi|\bexam\b|competition|olympiad|licen[cs]e|\bagpl|\bgpl|\bmit\b"
                         r"|leaderboard|conference|summit|award|prize|\bweek\b|\bday\b|newsletter|podcast|\bact\b")
# How sure the context classifier must be to propose a name by context alone (on dev, lower thresholds add as many
# wrong names as right ones).
_KEEP = 0.85
# How sure the context classifier must be to change the type the NER gave a Latin name.
_RETYPE = 0.8
# Words after a company's name that say what about it is meant, not which product: its community, its docs, its
# events, its status page.
_ABOUT_A_THING = frozenset("""discord discords community communities faq forum forums server servers channel channels
    subreddit reddit blog newsletter podcast docs documentation readme status team teams support identity devday
    hangout meetup office hours summit conference keynote event events livestream stream twitter account accounts
    page pages website site careers jobs stock shares earnings ceo""".split())
_ROLE_PREFIXES = frozenset("presiding former late acting interim deputy senior associate assistant general".split())
_YEAR = re.compile(r"(?:19|20)\d\d")
_POSSESSIVE = re.compile(r"[’']s$")
_VERSION = re.compile(r"\d+(?:\.\d+)*[A-Za-z]{0,2}")


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    words: tuple[str, ...]
    sentence_start: bool  # the run starts its sentence


def _common(word: str) -> float:
    return zipf(word.lower())


def _is_name_word(word: str) -> bool:
    if "/" in word or _DESCRIBED.search(word):
        return False  # x86/WSL, San Francisco-based, AI-native: not a name as written
    if _ACRONYM_PLURAL.fullmatch(word):
        return False  # IPOs, NPUs, DSLs
    return word[0].isupper() or _LOWER_LEAD.match(word) is not None  # iPhone, xAI, eSIM


def candidates(sentence: str, offset: int = 0) -> list[Candidate]:
    """Runs of capitalised words of an English sentence, with versions and connectors inside (Bank of America)."""
    words = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(sentence)]
    out: list[Candidate] = []
    run: list[tuple[int, int, str]] = []

    def close():
        while run and (run[-1][2].lower() in _CONNECTORS or run[-1][2] == "The"):
            run.pop()
        if run:
            first = run[0][0]
            at_start = _START.match(sentence[:first]) is not None
            out.append(Candidate(offset + run[0][0], offset + run[-1][1], tuple(w for _, _, w in run), at_start))
        run.clear()

    for n, (s, e, w) in enumerate(words):
        gap = sentence[run[-1][1]:s] if run else ""
        joined = not run or gap in (" ", "-")
        if run and not joined:
            close()
        if _is_name_word(w):
            run.append((s, e, w))
        elif run and _VERSION.fullmatch(w):
            run.append((s, e, w))  # a version: Gemma 4, Ubuntu 22.04
        elif run and (w.lower() in _CONNECTORS or w == "the" and run[-1][2].lower() in _CONNECTORS):
            nxt = words[n + 1][2] if n + 1 < len(words) else ""
            if nxt and (_is_name_word(nxt) or nxt == "the"):
                run.append((s, e, w))
            else:
                close()
        elif run:
            close()
        if run and _POSSESSIVE.search(run[-1][2]):
            s0, e0, w0 = run.pop()
            run.append((s0, e0 - 2, w0[:-2]))
            close()
    close()
    return out


def _split_at_role(cand: Candidate, text: str) -> list[Candidate]:
    """A run with a role word inside is two names: `HubSpot CMO Kieran Flanagan` is HubSpot, and the person the
    role introduces (the role stays at the head of the second, where it types the person)."""
    cut = next((i for i, w in enumerate(cand.words) if 0 < i < len(cand.words) - 1 and w.lower() in _ROLE), None)
    if cut is None:
        return [cand]
    at, starts = cand.start, []
    for w in cand.words:
        at = text.index(w, at)
        starts.append(at)
        at += len(w)
    before = cand.words[cut - 1]
    head = Candidate(cand.start, starts[cut - 1] + len(before), cand.words[:cut], cand.sentence_start)
    return [head, *_split_at_role(Candidate(starts[cut], cand.end, cand.words[cut:], False), text)]


# ---------------------------------------------------------------- features and the type classifier


# The words around a name: Latin words, single Chinese characters (two of them make the word before or after it),
# currency signs, numbers and the punctuation that lists or introduces names.
_CONTEXT = re.compile(r"[A-Za-z][A-Za-z'’-]*|[\u4e00-\u9fff]|[$€£¥]|\d+|[,:(（，：、+/「《“]")


def features(sentence: str, start: int, end: int, words: tuple[str, ...], names: "NameListsView") -> list[str]:
    """What the classifier sees of a name: the words around it and its shape, never its own words."""
    left = _CONTEXT.findall(sentence, max(0, start - 40), start)[-2:]
    right = _CONTEXT.findall(sentence, end, end + 40)[:2]
    if sentence[end:end + 2] in ("'s", "’s"):
        right = ["'s", *right[1:]]
    f = [f"L1={left[-1].lower()}" if left else "L1=<s>", f"R1={right[0].lower()}" if right else "R1=</s>"]
    if len(left) == 2:
        f.append(f"L2={left[0].lower()} {left[1].lower()}")
    if len(right) == 2:
        f.append(f"R2={right[0].lower()} {right[1].lower()}")
    if has_cjk(sentence[max(0, start - 12):end + 12]):
        f.append("zh")
    n = len(words)
    f.append(f"n={min(n, 3)}")
    joined = " ".join(words)
    if re.search(r"\d", joined):
        f.append("digit")
    if any(w.isupper() and len(w) > 1 for w in words):
        f.append("caps")
    if any(re.search(r"[a-z][A-Z]", w) for w in words):
        f.append("camel")
    if "-" in joined or "." in joined.strip("."):
        f.append("joined")
    f.append(f"lastshape={_word_shape(words[-1])}")
    if n > 1:
        f.append(f"firstshape={_word_shape(words[0])}")
        f.append(f"last={words[-1].lower()}" if words[-1].lower() in _COMPANY_WORDS | _ORG_WORDS | _PRODUCT_NOUNS
                 else "last=other")
        if words[0] in names.given_names:
            f.append("given")
        if words[0] in names.surnames_pinyin:
            f.append("surname")
    return f


_TIERS = frozenset("pro max mini ultra lite plus turbo flash nano air edge studio preview beta instant thinking".split())


def _word_shape(word: str) -> str:
    """What kind of word a name's word is, without the word: a version, a tier, all capitals, a common English
    word (Gentle, Code) or a rare one (Hathaway, Vernova)."""
    if re.search(r"\d", word):
        return "version" if re.fullmatch(r"[vV]?\d+(?:\.\d+)*[A-Za-z]?", word) else "code"
    if word.lower() in _TIERS:
        return "tier"
    if word.isupper():
        return "caps"
    if re.search(r"[a-z][A-Z]", word):
        return "camel"
    return "common" if zipf(word.lower()) >= 3.5 else "rare"


class TypeClassifier:
    """Multinomial naive Bayes over `features`: P(type | features), types plus "O" (no name)."""

    def __init__(self, log_prior: dict[str, float], log_likelihood: dict[str, dict[str, float]],
                 unseen: dict[str, float]):
        self.log_prior, self.log_likelihood, self.unseen = log_prior, log_likelihood, unseen

    @classmethod
    def fit(cls, examples: Iterable[tuple[list[str], str]], alpha: float = 0.5) -> "TypeClassifier":
        counts = {c: Counter() for c in CLASSES}
        totals = Counter()
        for feats, label in examples:
            counts[label].update(feats)
            totals[label] += 1
        vocab = {f for c in counts.values() for f in c}
        n = sum(totals.values())
        log_prior = {c: math.log((totals[c] + 1) / (n + len(CLASSES))) for c in CLASSES}
        log_likelihood, unseen = {}, {}
        for c in CLASSES:
            denom = sum(counts[c].values()) + alpha * (len(vocab) + 1)
            unseen[c] = math.log(alpha / denom)
            log_likelihood[c] = {f: math.log((k + alpha) / denom) for f, k in counts[c].items() if k >= 2}
        return cls(log_prior, log_likelihood, unseen)

    def posterior(self, feats: list[str]) -> dict[str, float]:
        scores = {c: self.log_prior[c] + sum(self.log_likelihood[c].get(f, self.unseen[c]) for f in feats)
                  for c in CLASSES}
        top = max(scores.values())
        exp = {c: math.exp(v - top) for c, v in scores.items()}
        total = sum(exp.values())
        return {c: v / total for c, v in exp.items()}

    def to_json(self) -> dict:
        return {"classes": list(CLASSES), "log_prior": self.log_prior, "unseen": self.unseen,
                "log_likelihood": self.log_likelihood}

    @classmethod
    def from_json(cls, data: dict) -> "TypeClassifier":
        return cls(data["log_prior"], data["log_likelihood"], data["unseen"])


@lru_cache(maxsize=4)
def load_model(path: Path = TYPES_MODEL) -> tuple[TypeClassifier | None, frozenset[str], frozenset[str]]:
    """The type classifier, the words English writes in lower case and those it always capitalises
    (`kg train-names`); none when missing."""
    if not path.is_file():
        return None, frozenset(), frozenset()
    data = json.loads(path.read_text(encoding="utf-8"))
    return TypeClassifier.from_json(data["model"]), frozenset(data["common"]), frozenset(data["capitalised"])


class NameListsView:
    def __init__(self, rules: Rules):
        self.given_names = rules.names.given_names
        self.surnames_pinyin = rules.names.surnames_pinyin


# ---------------------------------------------------------------- proposing


@dataclass
class Proposal:
    start: int
    end: int
    type: str
    confidence: float
    entity_id: str | None = None


class _Spans:
    """Spans that do not overlap, kept sorted: which of them overlap a range, found by bisection (an item's cost
    stays linear in its length however many names it has)."""

    def __init__(self, spans):
        self.items = sorted(spans, key=lambda m: (m[0], m[1]))
        self.starts = [m[0] for m in self.items]

    def overlapping(self, start: int, end: int) -> list:
        i = max(0, bisect_right(self.starts, start) - 1)
        while i > 0 and self.items[i - 1][1] > start:
            i -= 1  # a longer span starting before
        out = []
        while i < len(self.items) and self.items[i][0] < end:
            if self.items[i][1] > start:
                out.append(self.items[i])
            i += 1
        return out

    def add(self, start: int, end: int, item=None) -> None:
        i = bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.items.insert(i, (start, end, item))


# A role word just before a Latin name in a Chinese sentence: the name is a person's (创始人 X Y, 英国AI大臣X Y).
_ZH_ROLE_BEFORE = re.compile(r"(?:CEO|CTO|COO|CFO|创始人|联合创始人|首席[\u4e00-\u9fff]{1,4}官|首席科学家|负责人|总裁|副总裁|"
                             r"董事长|总经理|主管|总监|科学家|研究员|研究科学家|教授|工程师|合伙人|大臣|部长|议员|经理|主席|"
                             r"作者|创作者|开发者|博士)[ ]?$")


class ProperNames:
    """The proposer for one rule set (see the module docstring)."""

    def __init__(self, rules: Rules, model: Path = TYPES_MODEL, threshold: float = _KEEP):
        self.rules = rules
        self.names = NameListsView(rules)
        self.classifier, self.common, self.capitalised = load_model(model)
        self.threshold = threshold

    def _is_common_word(self, word: str, zipf_floor: float = 4.6) -> bool:
        """A word English writes in lower case too (After, Meanwhile, Researchers): not a name by itself. Known
        from the training text's use of case, else from the word's frequency (wordfreq ignores case)."""
        if not (word[:1].isupper() and word[1:].islower()):
            return False
        key = word.lower()
        if key in self.capitalised:
            return False
        return key in self.common or _common(word) >= zipf_floor

    def _place(self, words: tuple[str, ...]) -> bool:
        """A place, a day, a nationality or another never-a-name word (rules/names.yml not_names)."""
        return fold_name(" ".join(words)) in self.rules.names.not_names

    def _of_place(self, words: list[str]) -> bool:
        """An institution named after its place: University of Vienna, Bank of America, Department of Health."""
        return len(words) >= 3 and words[-2] == "of" and (words[-3].lower() in _ORG_HEADS or words[-3].lower() in _ORG_WORDS)

    def _given(self, word: str) -> bool:
        """A given name, also a hyphenated one with a listed part (May-Britt, Jean-Luc)."""
        given = self.names.given_names
        return word in given or "-" in word and any(part in given for part in word.split("-"))

    def _named_for_place(self, words: list[str]) -> bool:
        """A place starting an institution's name: Staffordshire University, Moscow Department of Health."""
        return len(words) >= 2 and (words[-1].lower() in _ORG_WORDS or words[1].lower() in _ORG_HEADS)

    def _unwanted(self, words: tuple[str, ...]) -> bool:
        """A stopword, a never-name word, or words that are each a stopword (AI Research, Open Source Model)."""
        folded = fold_name(" ".join(words))
        stop = self.rules.stopwords
        return folded in stop or folded in self.rules.names.not_names or all(fold_name(w) in stop for w in words)

    def _trim(self, cand: Candidate, text: str) -> tuple[Candidate | None, bool]:
        """The name inside a run: less a common word starting the sentence, `The`, a place or a role before it
        (then the name is a person's: Judge Yvonne Gonzalez Rogers), and a unit, an acronym or a year after it.
        Also whether a role stood before it."""
        words = list(cand.words)
        spans = []
        at = cand.start
        for w in words:
            at = text.index(w, at)
            spans.append((at, at + len(w)))
            at += len(w)
        role = False
        at_start = cand.sentence_start
        while words:
            w = words[0]
            is_role = w.lower() in _ROLE or w.lower() in _ROLE_PREFIXES
            lead = (is_role or w in ("The", "A", "An") or w.lower() in _CONNECTORS or w.lower() in _GENERIC_TAIL
                    or (at_start and self._is_common_word(w, 3.5) and w not in self.names.given_names)
                    or self._place((w,)) and len(words) > 1 and not self._unwanted(tuple(words))
                    and not self._named_for_place(words)
                    # a title word before a person's given name: Secretary of Defense Pete Hegseth
                    or len(words) >= 3 and words[1] in self.names.given_names and w not in self.names.given_names
                    and (fold_name(w) in self.rules.stopwords or self._is_common_word(w, 3.5)))
            if not lead:
                break
            role = role or is_role
            words.pop(0)
            spans.pop(0)
            at_start = at_start and not is_role and w not in ("The", "A", "An")
        while words and (words[-1].lower() in _GENERIC_TAIL or _YEAR.fullmatch(words[-1])
                         or words[-1].lower() in _CONNECTORS or self._place((words[-1],)) and not self._of_place(words)):
            words.pop()
            spans.pop()
        if not words or not _is_name_word(words[0]):
            return None, role
        return Candidate(spans[0][0], spans[-1][1], tuple(words), at_start), role

    def _person_by_shape(self, cand: Candidate, text: str) -> Match | None:
        """A given name and one or two capitalised words (`Aryan Gulati`, `Elie Bakouch`) in a Chinese sentence."""
        if len(cand.words) < 2:
            return None  # trimming keeps at most its words, and one word is no person's full name
        cand, _role = self._trim(cand, text)
        if cand is None or self._unwanted(cand.words):
            return None
        shaped = self.shape_type(cand.words, "")
        if shaped is None or shaped[0] != "Person" or cand.words[0] not in self.names.given_names:
            words = cand.words
            if 2 <= len(words) <= 3 and all(w[:1].isupper() and w[1:].islower() and w.isalpha() for w in words) \
                    and _ZH_ROLE_BEFORE.search(text, max(0, cand.start - 12), cand.start):
                return Match(cand.start, cand.end, None, "Person", EXTRACTOR, 0.7)  # 英国AI大臣Kanishka Narayan
            return None
        return Match(cand.start, cand.end, None, "Person", EXTRACTOR, shaped[1])

    def _institution(self, cand: Candidate) -> Match | None:
        """A Latin name in a Chinese sentence that its last word says is an institution or a company (Allen
        Institute, Searchlight Institute, Cathay Capital): the shape alone types it there."""
        words = cand.words
        if len(words) < 2 or len(words) > 4 or not all(w[:1].isupper() or w in ("of", "for", "de") for w in words):
            return None
        if self._unwanted(words) or self._place(words[:1]):
            return None
        last = words[-1].lower()
        if last in ("lab", "laboratory", "center", "centre", "office", "union", "force", "forces", "school"):
            return None  # a startup's lab, a product's center: the word does not settle it
        if last in _ORG_WORDS or _head_of(words):
            kind = "Company" if last == "bank" or words[0].lower() == "bank" else "Organization"
        elif last in _COMPANY_WORDS and last not in ("ai", "media", "energy", "group"):
            kind = "Company"
        else:
            return None
        return Match(cand.start, cand.end, None, kind, EXTRACTOR, 0.7)

    def shape_type(self, words: tuple[str, ...], left: str) -> tuple[str, float] | None:
        n = len(words)
        last = words[-1].lower()
        if n >= 2 and all(w.isalpha() or "-" in w for w in words) and n <= 3:
            if self._given(words[0]) and last not in _COMPANY_WORDS | _ORG_WORDS:
                return "Person", 0.8
            if words[0] in self.names.surnames_pinyin and n == 2 and words[1][1:].islower() and _common(words[1]) < 3.5:
                return "Person", 0.7
        if n >= 2 and (last in _ORG_WORDS or _head_of(words)):
            return ("Company", 0.75) if words[0].lower() == "bank" or last == "bank" else ("Organization", 0.75)
        if n >= 2 and last == "ai" and left.lower() in ("its", "their"):
            return "Product", 0.7  # "its Duplex AI": the company's product
        if n >= 2 and last in _COMPANY_WORDS:
            return "Company", 0.75
        if left.lower() in _ROLE and n >= 2 and all(w.replace("-", "").isalpha() for w in words) and n <= 3:
            return "Person", 0.75
        return None

    def propose(self, text: str, found: list[Match]) -> list[Match]:
        """Names in the English sentences of `text` that none of `found` covers."""
        known = _Spans((m.start, m.end, m) for m in found)
        taken = _Spans((m.start, m.end, m) for m in found)
        out: list[Match] = []
        proposed: dict[str, str] = {}
        headlines: list[tuple[int, int]] = []
        for s, e in sentence_bounds(text):
            sentence = text[s:e]
            if not _CAPITAL.search(sentence) or _SOURCE_LINE.match(sentence):
                continue
            if language_of(sentence) == "zh":
                # Latin names in Chinese text are the NER's (capitals do not single them out there); only a known
                # company's name with more name words after it is taken as its product (微软 Google Drive 集成)
                beside = any(m[2].type == "Company" for m in known.overlapping(s, e))
                for cand in candidates(sentence, s):
                    overlapping = [m[2] for m in known.overlapping(cand.start, cand.end)]
                    person = None  # Aryan Gulati 表示, also where the model found only a piece of the name
                    if all(m.extractor.startswith("model:") for m in overlapping) and \
                            all(x[2] in overlapping for x in taken.overlapping(cand.start, cand.end)):
                        person = self._person_by_shape(cand, text)
                    if person is not None:
                        out.append(person)
                        taken.add(person.start, person.end, person)
                    elif overlapping:
                        for m in self._beside_known(text, cand, overlapping) if beside else ():
                            out.append(m)
                            taken.add(m.start, m.end, m)
                    elif taken.overlapping(cand.start, cand.end) == []:
                        m = self._institution(cand)  # Allen Institute 的神经科学家, Energy Impact Partners 领投
                        if m is not None:
                            out.append(m)
                            taken.add(m.start, m.end, m)
                continue
            bare = _LABEL_LEAD.sub("", _without(sentence, s, [(a, b) for a, b, _ in taken.overlapping(s, e)]))
            if title_case(bare) or _heading_like(bare):
                headlines.append((s, e))
                continue
            for cand in (part for run in candidates(sentence, s) for part in _split_at_role(run, text)):
                for m in self._judge(text, sentence, s, cand, taken, known):
                    out.append(m)
                    taken.add(m.start, m.end, m)
                    proposed.setdefault(text[m.start:m.end], m.type)
        if proposed and headlines:
            out.extend(self._in_headlines(text, headlines, proposed, taken))
        return out

    def revise(self, text: str, found: list[Match]) -> list[Match]:
        """The model's Latin names, less handles and benchmarks, each with the type the context classifier gives
        it when the classifier is sure and the model's type is unlikely there (Allianz signs a deal: a company)."""
        if self.classifier is None or not any(m.extractor.startswith("model:") for m in found):
            return found
        bounds = sentence_bounds(text)
        starts = [b[0] for b in bounds]
        out = []
        for m in found:
            surface = text[m.start:m.end]
            if not m.extractor.startswith("model:") or has_cjk(surface):
                out.append(m)
                continue
            if surface.startswith("@") or text[m.start - 1 : m.start] == "@":
                continue  # a handle is an account, not a name (@kimmonismus, @SakanaAILabs)
            cand = Candidate(m.start, m.end, tuple(surface.split()), False)
            # its last word says what it is (Allen Institute), or it is a given name and a surname (Nick Joseph): a
            # name of the proposer's too, with that type
            shaped = self._institution(cand) or self._person_by_shape(cand, text)
            if shaped is not None and (shaped.start, shaped.end) == (m.start, m.end):
                out.append(shaped)
                continue
            if m.type == "Person":
                out.append(m)
                continue
            if _NOT_A_THING.search(surface):
                continue
            s, e = _sentence_of(text, bounds, starts, m.start)
            if language_of(text[s:e]) == "zh":
                out.append(m)
                continue
            post = self.classifier.posterior(features(text[s:e], m.start - s, m.end - s, tuple(surface.split()), self.names))
            best = max((c for c in CLASSES if c != "O"), key=post.get)
            if best != m.type and best != "Person" and post[best] >= _RETYPE and post[m.type] < 0.1:
                m = Match(m.start, m.end, m.entity_id, best, m.extractor, m.confidence)
            out.append(m)
        return out

    def _judge(self, text: str, sentence: str, offset: int, cand: Candidate, taken: _Spans, known: _Spans) -> list[Match]:
        cand, role = self._trim(cand, text)
        if cand is None:
            return []
        overlapping = [m[2] for m in known.overlapping(cand.start, cand.end)]
        if overlapping:
            return self._beside_known(text, cand, overlapping)
        if taken.overlapping(cand.start, cand.end):
            return []
        words = cand.words
        if cand.start and text[cand.start - 1] in "@#$":
            return []  # a handle, a hashtag, a sum
        if any(w.lower() in _ROLE for w in words) or _NOT_A_THING.search(" ".join(words)):
            return []  # Chief Revenue Officer; benchmarks, licences, events
        quoted = text[cand.start - 1:cand.start] in "\"“‘'" and text[cand.end:cand.end + 1] in "\"”’'"
        if self._unwanted(words) or fold_name(" ".join(words)) in self.rules.alias_index:
            return []  # a known name the rules did not take here (an outlet cited as the source)
        letters = [w for w in words if re.search(r"[A-Za-z]{2}", w)]
        if not letters or all(w.isupper() and len(w) <= 3 for w in letters):
            return []  # FPS, MB RAM, a number
        left_words = re.findall(r"[A-Za-z][A-Za-z'’-]*", text[max(0, cand.start - 40):cand.start])
        shaped = self.shape_type(words, "CEO" if role else (left_words[-1] if left_words else ""))
        if shaped:
            entity_type, confidence = shaped
        else:
            if cand.sentence_start and text[cand.end:cand.end + 1] in (":", "："):
                return []  # a label (Toolchain Compatibility: ...)
            plain = [w for w in letters if not re.search(r"\d|[a-z][A-Z]|^[A-Z]{2,}", w) and w.lower() not in _CONNECTORS]
            if quoted and len(plain) == len(letters):
                return []  # a quoted term or title ("Doomsday Device")
            if len(plain) == len(letters) and all(self._is_common_word(w) for w in plain):
                return []  # words English writes in lower case: a phrase (Chief Revenue Officer, Big Four)
            if self.classifier is None or cand.sentence_start and len(words) == 1:
                return []  # one capitalised word starting a sentence says nothing by its case
            local = cand.start - offset, cand.end - offset
            feats = features(sentence, *local, words, self.names)
            post = self.classifier.posterior(feats)
            if not ({"given", "surname"} & set(feats)):
                post["Person"] = 0.0  # a person's name starts with a given name or a surname (or follows a role)
            entity_type = max((c for c in CLASSES if c != "O"), key=post.get)
            confidence = post[entity_type]
            if post["O"] >= confidence or confidence < self.threshold:
                return []
            confidence = round(min(0.75, 0.4 + 0.35 * confidence), 2)
        return [Match(cand.start, cand.end, None, entity_type, EXTRACTOR, confidence)]

    def _beside_known(self, text: str, cand: Candidate, overlapping: list[Match]) -> list[Match]:
        """A known company at the start of a longer run: the run is that company's product (Microsoft Outlook),
        unless a role, an institution or another known name follows."""
        first = overlapping[0]
        if len(overlapping) != 1 or first.start != cand.start or first.end >= cand.end or first.type != "Company":
            return []
        rest = text[first.end:cand.end].split()
        if not rest or len(rest) > 3 or any(w.lower() in _ROLE | _ORG_WORDS | _COMPANY_WORDS | _PRODUCT_NOUNS
                                            | _HARDWARE_NOUNS for w in rest):
            return []
        if len(rest) == 1 and rest[0].lower() in _LAB_WORDS:
            return [Match(cand.start, cand.end, None, "Company", EXTRACTOR, 0.6)]  # Google Brain: a lab of Google's
        if self._unwanted(tuple(rest)) or rest[0] in self.names.given_names or not rest[0][0].isupper():
            return []
        if any(w.lower() in _ABOUT_A_THING or w.lower().endswith("s") and w[1:].islower() and len(w) > 3 and
               self._is_common_word(w) for w in rest):
            return []  # OpenRouter Discord, GitHub Status, Perplexity Purchases: about the company, not a product
        if all(w.isupper() and len(w) <= 4 and w not in ("API", "SDK", "CLI", "OS") for w in rest):
            return []  # Artificial Analysis TTS: the company and a kind of model, not a product's name
        return [Match(cand.start, cand.end, None, "Product", EXTRACTOR, 0.6)]

    def _in_headlines(self, text: str, headlines, proposed: dict[str, str], taken) -> list[Match]:
        out = []
        pattern = re.compile("|".join(re.escape(n) for n in sorted(proposed, key=len, reverse=True)))
        for s, e in headlines:
            for hit in pattern.finditer(text, s, e):
                hs, he = hit.span()
                if taken.overlapping(hs, he):
                    continue
                if (hs and text[hs - 1].isalnum()) or (he < len(text) and text[he].isalnum()):
                    continue
                out.append(Match(hs, he, None, proposed[hit.group(0)], EXTRACTOR, 0.6))
                taken.add(hs, he)
        return out


def _head_of(words: tuple[str, ...] | list[str]) -> bool:
    """An institution's head word before `of`: Department of Health, Moscow Department of Health."""
    return "of" in words and any(w.lower() in _ORG_HEADS for w in words[: list(words).index("of")])


def _heading_like(sentence: str) -> bool:
    """A short line of capitalised words (The Brand Awareness Gap, Run-in-Cloud Complexity:): a heading."""
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", sentence) if w.lower() not in _CONNECTORS | {"the", "a", "an", "and", "or", "to", "in", "on", "vs"}]
    return 2 <= len(words) <= 8 and all(w[0].isupper() for w in words) or sentence.rstrip().endswith((":", "：")) and len(words) <= 8


def _without(sentence: str, offset: int, spans: list[tuple[int, int]]) -> str:
    """The sentence with the names found in it blanked: whether it is a title-case headline is in its other words
    (a sentence listing Microsoft Teams, Microsoft Word and OneNote is no headline)."""
    end = offset + len(sentence)
    inside = [(max(s, offset) - offset, min(e, end) - offset) for s, e in spans if s < end and offset < e]
    if not inside:
        return sentence
    chars = list(sentence)
    for s, e in inside:
        chars[s:e] = " " * (e - s)
    return "".join(chars)


def _sentence_of(text: str, bounds: list[tuple[int, int]], starts: list[int], start: int) -> tuple[int, int]:
    n = bisect_right(starts, start) - 1
    return bounds[n] if n >= 0 and start < bounds[n][1] else (0, len(text))


def available(path: Path = TYPES_MODEL) -> bool:
    return path.is_file()


def with_proper_names(text: str, found: list[Match], rules: Rules) -> list[Match]:
    """`found` with the model's Latin names revised and the proposer's names added (a proposed name that contains
    a found one replaces it: Microsoft Outlook), in text order."""
    proposer = rules.__dict__.get("_kg_proper_names")
    if proposer is None:
        proposer = rules.__dict__["_kg_proper_names"] = ProperNames(rules)
    found = proposer.revise(text, found)
    extra = proposer.propose(text, found)
    if extra:
        longer = _Spans((x.start, x.end, x) for x in extra)
        # a proposed name that contains a found one replaces it: a longer one always, the same span when the model
        # found it (Maria Quellwick, typed by its given name, over the model's guess)
        kept = [m for m in found if not any(x[0] <= m.start and m.end <= x[1] and
                                            (x[1] - x[0] > m.length or m.extractor.startswith("model:"))
                                            for x in longer.overlapping(m.start, m.end))]
        found = sorted(kept + extra, key=lambda m: m.start)
    return coordinated(text, found, proposer)


# Between two names of one list: 、 , + / & 和 与 及 以及 and or (with spaces).
_LIST_SEPARATOR = re.compile(r"\s*(?:, and\b|, or\b|、|,|，|\+|/|&|和|与|及|以及|and\b|or\b)\s*")
_LIST_MEMBER = re.compile(r"[A-Z][A-Za-z0-9\u00C0-\u024F&'’-]*(?:\.[A-Za-z0-9]+)*"
                          r"(?:[ ](?:for |of |de )?[A-Z0-9][A-Za-z0-9\u00C0-\u024F&'’-]*(?:\.[A-Za-z0-9]+)*){0,3}"
                          r"(?<=\w\w)")
# Extractors whose type a list may correct: the statistical ones. Rules and the gazetteer keep theirs.
_LEARNED = ("model:", EXTRACTOR)


def coordinated(text: str, found: list[Match], proposer: "ProperNames") -> list[Match]:
    """Names listed together are of one kind (投资方阵容（Samsung + LVMH + Inditex + Henkel）, Apple, Microsoft,
    Google and CrowdStrike): in a list of three or more where the names the rules know are all of one type, a learned name of another type takes that type, and a Latin name nobody found is
    proposed with it."""
    out = list(found)
    taken = None  # the found names' spans, made when a phrase that says the kind of its names is there
    cues = _KIND_BEFORE_ANY.finditer(text) if _KIND_BEFORE_CUES.candidates(text) else ()
    for cue in cues:  # tools like Lutra, platforms such as X: a name nobody found
        member = _LIST_MEMBER.match(text, cue.end())
        if member and taken is None:
            taken = _Spans((m.start, m.end, m) for m in found)
        if member and not taken.overlapping(member.start(), member.end()) and _LIST_END.match(text, member.end()) \
                and not proposer._unwanted(tuple(member.group(0).split())):
            out.append(Match(member.start(), member.end(), None, "", f"{EXTRACTOR}-list", 0.6))
    if not out:
        return found
    out.sort(key=lambda m: m.start)
    n = 0
    while n < len(out):
        chain = [n]
        while True:  # names before the first one found (Brindlecorp、Tarnwick 等公司, where only Tarnwick was found)
            first = out[chain[0]]
            prev_end = out[chain[0] - 1].end if chain[0] > 0 else 0
            before = text[first.start - 1] if first.start else ""
            if not (before.isspace() or before in _SEPARATOR_LAST):
                break  # no separator ends right before it
            sep = _SEPARATOR_BEFORE.search(text, max(prev_end, first.start - 12), first.start)
            if not sep:
                break
            member = _MEMBER_BEFORE.search(text, max(prev_end, sep.start() - 60), sep.start())
            if not member or proposer._unwanted(tuple(member.group(0).split())):
                break
            out.insert(chain[0], Match(member.start(), member.end(), None, "", f"{EXTRACTOR}-list", 0.6))
            chain = [chain[0]] + [i + 1 for i in chain]
        while True:
            last, nxt = out[chain[-1]], chain[-1] + 1
            gap_end = out[nxt].start if nxt < len(out) else len(text)
            after = text[last.end] if last.end < gap_end else ""
            sep = _LIST_SEPARATOR.match(text, last.end, gap_end) if after.isspace() or after in _SEPARATOR_FIRST else None
            if not sep:
                break
            if nxt < len(out) and sep.end() == out[nxt].start:
                chain.append(nxt)
                continue
            member = _LIST_MEMBER.match(text, sep.end(), gap_end)
            if not member or not _LIST_END.match(text, member.end()) or proposer._unwanted(tuple(member.group(0).split())):
                break
            out.insert(nxt, Match(member.start(), member.end(), None, "", f"{EXTRACTOR}-list", 0.6))
            chain.append(nxt)
        single = out[chain[0]] if len(chain) == 1 else None
        if single is not None and single.type and not single.extractor.startswith("model:"):
            cue = None  # one name the rules typed: its own type stands, whatever the words around it say
        else:
            cue = _kind_of_list(text, out[chain[0]].start, out[chain[-1]].end)
        if len(chain) >= 3 or cue or len(chain) == 2 and _one_known_peer(text, out, chain):
            _type_chain(out, chain, cue)
        n = chain[-1] + 1
    result = [m for m in out if m.type]
    return found if result == found else result


_SEPARATOR_BEFORE = re.compile(r"(?:, and\s|, or\s|\s(?:and|or)\s|\s*(?:、|,|，|\+|/|&|和|与|及|以及)\s*)$")
# The characters a separator may start with (_LIST_SEPARATOR) and end with (_SEPARATOR_BEFORE) besides spaces: most
# names have none beside them, and the regex need not run.
_SEPARATOR_FIRST = frozenset(",、，+/&和与及以ao")
_SEPARATOR_LAST = frozenset("、,，+/&和与及")
_MEMBER_BEFORE = re.compile(r"(?<![A-Za-z0-9\u00C0-\u024F&'’.-])" + _LIST_MEMBER.pattern + "$")
# What may follow the last name of a list: a separator, a bracket, punctuation or a Chinese character.
_LIST_END = re.compile(r"(?=\s*(?:[、,，+/&)）」”。；;:：!?！？.]|$|[\u4e00-\u9fff])|\s[a-z])")


# What a list says its names are: after it (X、Y、Z 等工具, X、Y 等科技公司), or before it in English (tools such as X,
# Y and Z; startups like X and Y).
_KINDS = (
    ("Product", "工具|应用|产品|大模型|模型|平台|软件|框架|服务|助手|智能体|App|app|开源项目|编程工具|浏览器",
     "tools|apps|applications|products|models|platforms|services|assistants|agents|frameworks|libraries|editors|IDEs"),
    ("Company", "公司|企业|厂商|巨头|初创公司|创业公司|投资方|投资机构|机构投资者|云厂商|车企|银行|品牌",
     "companies|firms|startups|investors|labs|vendors|providers|giants|banks|brands|automakers|carmakers"),
    ("Hardware", "芯片|显卡|GPU|加速器|加速卡|设备|机器人|眼镜|手机|终端",
     "chips|GPUs|accelerators|devices|robots|phones|glasses|smartphones"),
    ("Organization", "大学|高校|研究机构|科研机构|政府机构|监管机构", "universities|agencies|regulators|institutes"),
)
_KIND_AFTER = re.compile(r"\s*等(?:等)?\s*(?:[\u4e00-\u9fffA-Za-z]{0,6}?)\s*(?:" +
                         "|".join(f"(?P<{kind}>{zh})" for kind, zh, _ in _KINDS) + ")")
_KIND_BEFORE_ANY = re.compile(r"\b(?:" + "|".join(en for _, _, en in _KINDS) +
                              r")(?:,)? (?:such as|like|including) ", re.I)
_KIND_BEFORE_CUES = TriggerIndex([_KIND_BEFORE_ANY])  # the words it needs (such as, like): most texts hold none
_KIND_BEFORE = re.compile(r"\b(?:" + "|".join(f"(?P<{kind}>{en})" for kind, _, en in _KINDS) +
                          r")(?:,)? (?:such as|like|including|includ(?:e|ing)) $")


def _one_known_peer(text: str, out: list[Match], chain: list[int]) -> bool:
    """Two names listed together, one the gazetteer knows and one only the model found or none did (Baseten 和
    Turbopuffer): the unknown one is of the known one's kind, unless it is an acronym (XR, KPI)."""
    known = [out[i] for i in chain if out[i].entity_id and out[i].extractor == "gazetteer"]
    guessed = [out[i] for i in chain if not out[i].entity_id and (not out[i].type or out[i].extractor.startswith("model:"))]
    return len(known) == 1 and len(guessed) == 1 and not re.fullmatch(r"[A-Z]{1,4}", text[guessed[0].start:guessed[0].end])


def _kind_of_list(text: str, start: int, end: int) -> str | None:
    after = _KIND_AFTER.match(text, end)
    if after:
        return after.lastgroup
    before = _KIND_BEFORE.search(text, max(0, start - 40), start)
    return before.lastgroup if before else None


def _type_chain(out: list[Match], chain: list[int], cue: str | None = None) -> None:
    if cue:  # the list says what its names are: the names the rules know keep their type, the others take it
        for i in chain:
            m = out[i]
            if not m.type or (m.extractor.startswith(_LEARNED) and m.entity_id is None):
                out[i] = Match(m.start, m.end, m.entity_id, cue, f"{EXTRACTOR}-list", max(m.confidence, 0.6))
        return
    known = Counter(out[i].type for i in chain if out[i].type and not out[i].extractor.startswith(_LEARNED))
    if len(known) != 1:
        return  # no name the rules know, or names of several kinds: no type to give
    kind = next(iter(known))
    for i in chain:
        m = out[i]
        if not m.type or (m.extractor.startswith("model:") and m.entity_id is None):
            # the list types the name: a name the model found there is typed by the list, as one nobody found is
            out[i] = Match(m.start, m.end, m.entity_id, kind, f"{EXTRACTOR}-list", max(m.confidence, 0.6))
        elif m.extractor.startswith(_LEARNED) and m.type != kind:
            out[i] = Match(m.start, m.end, m.entity_id, kind, m.extractor, m.confidence)
