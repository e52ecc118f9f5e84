"""The shipped NER inside `kg build`: runs after the rule components; rules win wherever both fire.

A model prediction becomes a mention only where no rule span overlaps it, its name is not one the rules know
(the rules already decided about those: a media outlet cited as a source is not an entity), and it is not a
lone common word (Library, Debug) or short acronym (HD, GIF). Its extractor is `model:<name>-<version>`.
"""
from __future__ import annotations

import bisect
import json
import re
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.spans import doc_text
from kg.ingest.normalize import fold_name
from kg.extract.rules import Rules
from kg.extract.ner.cues import settle_type
from kg.extract.ner.plausible import plausible_name
from kg.extract.ner.latin import COMMON_LATIN, is_name_like

COMMON_WORDS_FILE = "common_words.txt"
DEFAULT_CONFIDENCE = 0.6  # until the model's meta carries a measured precision per label
_JUNK = re.compile(r"^[\W_\d]+$|^[\-–—·.,:;/\\]|[\-–—·,:;/\\]$")


class ModelMissingError(Exception):
    """The statistical model is not installed where kg looks for it."""


@lru_cache(maxsize=4)
def load_model(path: str) -> Language:
    if not (Path(path) / "meta.json").is_file():
        raise ModelMissingError(path)
    return spacy.load(path)


def model_extractor(meta: dict) -> str:
    return f"model:{meta.get('name', 'ner')}-{meta.get('version', '0')}"


class ModelMentions:
    """Runs the model's `ner` around candidate tokens and turns its entities into mentions no rule produced.

    The model reads windows of `window` tokens either side of each token that may start a new name (a Latin
    name-like word or an @handle) that no rule covers: most text is already explained by the rules, and
    reading only these windows keeps the model cheap. Chinese words are not candidates: of the names the
    model proposed from windows around them, nearly all were idioms and common words (国内首创, 勤勤恳恳, 飞快),
    and they were most of the model's time (README, "Our statistical NER").

    `pieces_of_text` finds the same windows without segmenting the whole text: only the stretches around
    Latin words are tokenized, cut where the tokenizer's tokens cannot cross (see `_is_cut`).
    """

    def __init__(self, rules: Rules, model_dir: Path, meta: dict, window: int = 5):
        self.rules = rules
        self.model = load_model(str(model_dir))
        self.ner = self.model.get_pipe("ner")
        # A model with static vectors (config-vectors.cfg) looks them up in its input Docs' vocabulary: the
        # windows are then made in the model's own; otherwise in the build's (the hashed features alone).
        self.vocab = self.model.vocab if self.model.vocab.vectors.shape[0] else None
        self.window = window
        self.extractor = model_extractor(meta)
        self.confidence = meta.get("kg_confidence", {})
        words = Path(model_dir) / COMMON_WORDS_FILE
        self.common = frozenset(words.read_text(encoding="utf-8").split()) if words.is_file() else COMMON_LATIN
        self._candidate_by_word: dict[str, bool] = {}  # token text -> is a candidate
        self._run_verdicts: dict[str, tuple[bool, bool]] = {}  # Latin run -> _run_verdict of the whole run

    def keep(self, name: str) -> bool:
        if len(name) < 2 or _JUNK.search(name) or name != name.strip():
            return False
        key = fold_name(name)
        if key in self.rules.alias_index or key in self.rules.stopwords:
            return False
        if " " not in name and re.fullmatch(r"[A-Za-z][A-Za-z0-9.\-]*", name) and not is_name_like(name, self.common):
            return False
        return not any(ch in name for ch in "()（）[]【】《》「」\"“”")

    def known_word(self, word: str) -> bool:
        return fold_name(word) in self.rules.alias_index

    def is_candidate(self, text: str) -> bool:
        # A stopword (VRAM, CoT) is no candidate: `keep` drops its prediction (and no window around one
        # gave another name kept in the samples checked: README).
        if fold_name(text) in self.rules.stopwords:
            return False
        return is_name_like(text, self.common) or (text.startswith("@") and len(text) > 2)

    def _may_hold_candidate(self, text: str, a: int, b: int, taken: list[tuple[int, int]], tokenizer) -> bool:
        """Whether a token inside the Latin run text[a:b] may be a candidate, one that no rule span overlaps.

        A candidate is made of the run's characters only (NAME_LIKE_LATIN), so it is a piece of the run: when no
        such piece of a short run is a candidate (AI, GPU, VRAM), the run needs no window. And unless a word of
        jieba's dictionary overlaps the run, jieba cuts the run into its letter-and-digit stretches (a dotted
        version kept: 5.2) and the characters between them (its finalseg), so only those stretches can be
        candidates (Agent, Discord, Python are none)."""
        uncovered = _uncovered(taken, a, b)
        if len(uncovered) == 1 and uncovered[0] == (a, b):  # most runs: what the run holds, known from its text
            run = text[a:b]
            verdict = self._run_verdicts.get(run)
            if verdict is None:
                verdict = self._run_verdicts[run] = self._run_verdict(run, [(0, b - a)])
        else:
            verdict = self._run_verdict(text[a:b], [(x - a, y - a) for x, y in uncovered])
        pieces, stretches = verdict
        if not pieces:
            return False
        return stretches or _dictionary_word_across(tokenizer, text, a, b)

    def _run_verdict(self, run: str, uncovered: list[tuple[int, int]]) -> tuple[bool, bool]:
        """(whether a piece of the run's uncovered parts is a candidate (True for a long run), whether one of
        their letter-and-digit stretches is)."""
        cache = self._candidate_by_word

        def candidate(word: str) -> bool:
            known = cache.get(word)
            if known is None:
                known = cache[word] = self.is_candidate(word)
            return known

        stretches = any(x <= m.start() and m.end() <= y and candidate(m.group())
                        for m in _JIEBA_LATIN.finditer(run) for x, y in uncovered)
        if stretches or len(run) > _SHORT_RUN:
            return True, stretches
        pieces = any(candidate(run[i:j]) for x, y in uncovered for i in range(x, y - 1)
                     if "A" <= run[i] <= "Z" or "a" <= run[i] <= "z" for j in range(i + 2, y + 1))
        return pieces, stretches

    def windows(self, doc: Doc, covered: set[int] | None = None) -> list[tuple[int, int]]:
        """Token windows around the doc's candidates; `covered`: tokens inside rule spans (default: doc.spans)."""
        if covered is None:
            covered = {i for span in doc.spans.get("kg", []) for i in range(span.start, span.end)}
        return self._windows([t.text for t in doc], covered)

    def _windows(self, words: list[str], covered: set[int]) -> list[tuple[int, int]]:
        spans: list[list[int]] = []
        self._add_windows(spans, words, 0, covered)
        return [(a, min(b, len(words))) for a, b in spans]

    def _add_windows(self, spans: list[list[int]], words: list[str], first: int, covered: set[int]) -> None:
        """Add to `spans` (merged token windows, their ends not cut at the last word) those around the
        candidates from word `first` on; `covered`: the indices of the words inside rule spans."""
        cache = self._candidate_by_word
        for i in range(first, len(words)):
            word = words[i]
            candidate = cache.get(word)
            if candidate is None:
                candidate = cache[word] = self.is_candidate(word)
            if not candidate or i in covered:
                continue
            start, end = max(0, i - self.window), i + self.window + 1
            if spans and start <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], end)
            else:
                spans.append([start, end])

    def pieces_of_doc(self, doc: Doc, covered: set[int] | None = None) -> list[tuple[Doc, int]]:
        """The model's input: one small Doc per window, with the window's character offset in the text."""
        pieces = []
        vocab = doc.vocab if self.vocab is None else self.vocab
        for a, b in self.windows(doc, covered):
            window = doc[a:b]
            # A new Doc from the words: 7x cheaper than Span.as_doc(), which copies every attribute array.
            words = [t.text for t in window]
            spaces = [bool(t.whitespace_) for t in window]
            pieces.append((Doc(vocab, words=words, spaces=spaces), window.start_char))
        return pieces

    def pieces_of_text(self, text: str, taken: list[tuple[int, int]], tokenizer) -> list[tuple[Doc, int]]:
        """`pieces_of_doc` of the whole tokenized text, from the stretches around Latin words only.

        `tokenizer` is spaCy zh's with jieba: its tokens never cross an `_is_cut` position, so a stretch cut
        there is tokenized as in the whole text (jieba's words, spaCy's whitespace rules; no Doc is made but
        for the windows). A stretch must hold each window and one more token on either side, so that windows
        of two stretches can neither overlap nor touch (as in the whole text); one that does not is widened,
        joining the stretch before it when it reaches it, and only the characters it gains are tokenized.
        `taken` (the rules' character spans, sorted, not overlapping) marks the covered tokens.

        Left to right, in time linear in the text: a stretch grows only at its right end (tokens and windows
        added for the new words alone), and is made into pieces once the next one cannot join it.
        """
        stretches: list[list[int]] = []
        for seed in _LATIN_RUN.finditer(text):
            a, b = seed.span()
            if not _CAN_BE_NAME.search(seed.group()) or _inside(taken, a, b):
                continue
            if not self._may_hold_candidate(text, a, b, taken, tokenizer):
                continue
            if stretches and a - STRETCH_MARGIN <= stretches[-1][1]:  # joins the stretch before: no cut to find
                if b + STRETCH_MARGIN > stretches[-1][1]:  # (else the stretch's end is the cut after it)
                    stretches[-1][1] = _cut_after(text, b + STRETCH_MARGIN)
                continue
            start, end = _cut_before(text, a - STRETCH_MARGIN), _cut_after(text, b + STRETCH_MARGIN)
            if stretches and start <= stretches[-1][1]:
                stretches[-1][1] = max(stretches[-1][1], end)
            else:
                stretches.append([start, end])
        pieces: list[tuple[Doc, int]] = []
        current: _Stretch | None = None  # the stretch being grown, not yet made into pieces
        k = 0
        while k < len(stretches):
            start, end = stretches[k]
            k += 1
            new = _Stretch(start, end, _jieba_tokens(tokenizer, text, start, end))
            self._add_windows(new.spans, new.words, 0, _covered(new.starts, new.words, taken))
            while new is not None and new.spans and new.spans[0][0] == 0 and new.start > 0:  # widen left
                wider = _cut_before(text, new.start - 1 - STRETCH_MARGIN)
                if current is not None and wider <= current.end:  # reached the stretch before: the two become one
                    self._grow(current, _jieba_tokens(tokenizer, text, current.end, new.start), new.start, taken)
                    self._grow(current, (new.words, new.spaces, new.starts), new.end, taken)
                    new = None
                else:  # windowed again as a whole: a few times at most (each adds words before its first window)
                    tokens = _join(_jieba_tokens(tokenizer, text, wider, new.start), (new.words, new.spaces, new.starts))
                    new = _Stretch(wider, new.end, tokens)
                    self._add_windows(new.spans, new.words, 0, _covered(new.starts, new.words, taken))
            if new is not None:
                if current is not None:
                    pieces.extend(current.pieces(tokenizer.vocab if self.vocab is None else self.vocab))
                current = new
            while current.spans and current.spans[-1][1] >= len(current.words) and current.end < len(text):  # widen right
                wider = _cut_after(text, current.end + 1 + STRETCH_MARGIN)
                while k < len(stretches) and stretches[k][0] <= wider:  # not tokenized yet: absorbed
                    wider = max(wider, stretches[k][1])
                    k += 1
                self._grow(current, _jieba_tokens(tokenizer, text, current.end, wider), wider, taken)
        if current is not None:
            pieces.extend(current.pieces(tokenizer.vocab if self.vocab is None else self.vocab))
        return pieces

    def _grow(self, stretch: _Stretch, tokens: _Tokens, end: int, taken: list[tuple[int, int]]) -> None:
        """Add the tokens of text[stretch.end:end] to the stretch, and the windows around them."""
        words, spaces, starts = tokens
        first = len(stretch.words)
        stretch.words.extend(words)
        stretch.spaces.extend(spaces)
        stretch.starts.extend(starts)
        stretch.end = end
        covered = {first + i for i in _covered(starts, words, taken)}
        self._add_windows(stretch.spans, stretch.words, first, covered)

    def predictions(self, docs_and_taken: list[tuple[Doc, list[tuple[int, int]]]]) -> list[list]:
        """For each (doc, rule spans) the model's mentions, batched over all the docs' windows."""
        pieces = [(n, piece, offset) for n, (doc, _taken) in enumerate(docs_and_taken) for piece, offset in self.pieces_of_doc(doc)]
        return self.predict(pieces, [doc_text(doc) for doc, _ in docs_and_taken], [taken for _, taken in docs_and_taken])

    def predict(self, pieces: list[tuple[int, Doc, int]], texts: list[str], taken: list[list[tuple[int, int]]]) -> list[list]:
        """Run the model over (text number, window Doc, offset) pieces; the kept mentions of each text."""
        from kg.extract.spans import Match as _Match

        found: list[list] = [[] for _ in texts]
        ends = [[e for _, e in spans] for spans in taken]  # sorted like the spans, which do not overlap
        for piece, (n, _piece, offset) in zip(self.ner.pipe((p for _, p, _ in pieces), batch_size=256), pieces):
            text = texts[n]
            for ent in piece.ents:
                start, end = offset + ent.start_char, offset + ent.end_char
                k = bisect.bisect_right(ends[n], start)  # the first rule span that ends after the start
                if k < len(taken[n]) and taken[n][k][0] < end:
                    continue  # overlaps a rule span
                if not self.keep(text[start:end]) or not plausible_name(text, start, end, self.known_word):
                    continue
                label = settle_type(ent.label_, text, start, end)
                confidence = float(self.confidence.get(label, DEFAULT_CONFIDENCE))
                found[n].append(_Match(start, end, None, label, self.extractor, confidence))
        return found


# A candidate token (a Latin name-like word) lies inside a run of these characters, and has a capital or digit.
_LATIN_RUN = re.compile(r"[A-Za-z0-9._+\-]*[A-Za-z][A-Za-z0-9._+\-]*")
_CAN_BE_NAME = re.compile(r"[A-Z0-9]")
_SHORT_RUN = 8  # the longest Latin run whose pieces are checked as candidates, rather than tokenized
STRETCH_MARGIN = 8  # characters either side of a Latin word to tokenize first; widened where a window needs it
# Positions no token of jieba (with spaCy's whitespace handling) crosses, whatever the text around them: before
# a non-space character that follows a character jieba never joins to the next one (jieba.re_han_default).
_CUT = re.compile(r"(?<![\u4E00-\u9FD5a-zA-Z0-9+#&._%\-])(?=\S)")


def _is_cut(text: str, i: int) -> bool:
    return i <= 0 or i >= len(text) or _CUT.match(text, i) is not None


def _cut_before(text: str, i: int) -> int:
    i = max(0, i)
    while not _is_cut(text, i):
        i -= 1
    return i


def _cut_after(text: str, i: int) -> int:
    if i >= len(text):
        return len(text)
    found = _CUT.search(text, max(0, i))
    return found.start() if found else len(text)


def _inside(taken: list[tuple[int, int]], a: int, b: int) -> bool:
    """Is [a, b) covered by the sorted, non-overlapping spans (adjacent ones join)?"""
    k = bisect.bisect_right(taken, (a, float("inf"))) - 1
    while 0 <= k < len(taken) and taken[k][0] <= a < taken[k][1]:
        a = taken[k][1]
        if a >= b:
            return True
        k += 1
    return False


def covered_tokens(doc: Doc, taken: list[tuple[int, int]]) -> set[int]:
    """Tokens overlapping a rule span (what `alignment_mode="expand"` puts inside the span)."""
    return _covered([t.idx for t in doc], [t.text for t in doc], taken)


# jieba's finalseg cuts a stretch of text no dictionary word covers into these (jieba.finalseg.re_skip, less
# the % that would end a token no candidate has) and the characters between them
_JIEBA_LATIN = re.compile(r"[a-zA-Z0-9]+(?:\.\d+)?")
# the characters of jieba's blocks (jieba.re_han_default): no dictionary word crosses another character
_JIEBA_BLOCK_CHAR = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]")


def _dictionary_word_across(tokenizer, text: str, a: int, b: int) -> bool:
    """Whether a word of jieba's dictionary (two characters or more, a count above 0) overlaps text[a:b]:
    there jieba may cut the run anywhere. True when the dictionary is not loaded."""
    segmenter = getattr(getattr(tokenizer, "jieba_seg", None), "dt", None)
    if segmenter is None or not segmenter.initialized:
        return True
    freq = segmenter.FREQ
    size, longest = segmenter.__dict__.get("_kg_longest", (-1, 0))
    if size != len(freq):  # words added since (another rule set's names)
        longest = max(map(len, freq), default=1)
        segmenter.__dict__["_kg_longest"] = (len(freq), longest)
    start = a
    while start > 0 and a - start < longest - 1 and _JIEBA_BLOCK_CHAR.match(text, start - 1):
        start -= 1
    for p in range(start, b):
        q = p + 1
        frag = text[p:q]
        while q <= len(text) and frag in freq:  # the dictionary holds every prefix of its words (count 0)
            if q - p >= 2 and q > a and freq[frag]:
                return True
            q += 1
            frag = text[p:q]
    return False


def _uncovered(taken: list[tuple[int, int]], a: int, b: int) -> list[tuple[int, int]]:
    """The stretches of [a, b) that none of the sorted, non-overlapping spans covers."""
    out = []
    k = max(0, bisect.bisect_right(taken, (a, float("inf"))) - 1)
    while k < len(taken) and taken[k][0] < b:
        start, end = taken[k]
        if end > a:
            if start > a:
                out.append((a, start))
            a = max(a, end)
        k += 1
    if a < b:
        out.append((a, b))
    return out


def _covered(starts: list[int], words: list[str], taken: list[tuple[int, int]]) -> set[int]:
    covered: set[int] = set()
    k = max(0, bisect.bisect_right(taken, (starts[0], float("inf"))) - 1) if starts else 0  # skip the spans before
    for i, (a, word) in enumerate(zip(starts, words)):
        while k < len(taken) and taken[k][1] <= a:
            k += 1
        if k == len(taken):
            break
        if taken[k][0] < a + len(word):
            covered.add(i)
    return covered


_Tokens = tuple[list[str], list[bool], list[int]]  # words, trailing spaces, start offsets in the text


class _Stretch:
    """The tokens of text[start:end] (both edges are cuts) and the merged windows around its candidates."""

    __slots__ = ("start", "end", "words", "spaces", "starts", "spans")

    def __init__(self, start: int, end: int, tokens: _Tokens):
        self.start, self.end = start, end
        self.words, self.spaces, self.starts = (list(part) for part in tokens)
        self.spans: list[list[int]] = []  # token windows; an end may pass the last word (cut when made pieces)

    def pieces(self, vocab) -> list[tuple[Doc, int]]:
        """One Doc per window, with the window's character offset in the text."""
        out = []
        for a, b in self.spans:
            b = min(b, len(self.words))
            out.append((Doc(vocab, words=self.words[a:b], spaces=self.spaces[a:b]), self.starts[a]))
        return out


def _join(*parts: _Tokens) -> _Tokens:
    return tuple([x for part in parts for x in part[n]] for n in range(3))  # type: ignore[return-value]


def _jieba_tokens(tokenizer, text: str, start: int, end: int) -> _Tokens:
    """The words, trailing spaces and start offsets that `tokenizer(text[start:end])` gives its Doc."""
    piece = text[start:end]
    words, spaces = words_and_spaces(_jieba_cut(tokenizer.jieba_seg, piece), piece)
    starts, at = [], start
    for word, space in zip(words, spaces):
        starts.append(at)
        at += len(word) + space
    return words, spaces, starts


_BLOCK_CACHE_SIZE = 1 << 17


def _jieba_cut(jieba_module, text: str) -> list[str]:
    """The non-empty words of `jieba_module.cut(text, cut_all=False)`, each block segmented once per process.

    jieba splits a text into blocks (its `re_han_default`) and segments each block alone, so a block's words
    depend on the block and the dictionary only; the same short blocks (English words, names) recur across
    stretches. The words of each block are kept until the dictionary changes (its total count or its size)."""
    segmenter = getattr(jieba_module, "dt", None)
    block_re, skip_re = getattr(jieba_module, "re_han_default", None), getattr(jieba_module, "re_skip_default", None)
    if segmenter is None or block_re is None or skip_re is None:
        return [w for w in jieba_module.cut(text, cut_all=False) if w]
    state = (segmenter.total, len(segmenter.FREQ))
    cached = segmenter.__dict__.get("_kg_blocks")
    if cached is None or cached[0] != state or len(cached[1]) > _BLOCK_CACHE_SIZE:
        cached = segmenter.__dict__["_kg_blocks"] = (state, {})
    blocks = cached[1]
    out: list[str] = []
    for n, blk in enumerate(block_re.split(text)):
        if not blk:
            continue
        if n % 2:  # a block (the split's captured runs)
            words = blocks.get(blk)
            if words is None:  # a tuple of strings: the cycle collector does not walk it
                words = blocks[blk] = tuple(w for w in segmenter.cut(blk, cut_all=False) if w)
            out.extend(words)
        else:
            for x in skip_re.split(blk):
                if skip_re.match(x):
                    out.append(x)
                else:
                    out.extend(x)
    return out


def words_and_spaces(words: list[str], text: str) -> tuple[list[str], list[bool]]:
    """What `spacy.util.get_words_and_spaces` gives (the words and trailing spaces of the Doc spaCy zh makes),
    in time linear in the text: it searches each word in a copy of the rest of the text."""
    if "".join("".join(words).split()) != "".join(text.split()):
        raise ValueError(f"the words do not make up the text: {text[:80]!r}")
    text_words: list[str] = []
    text_spaces: list[bool] = []
    at = 0
    for word in words:
        if word.isspace():
            continue
        found = text.find(word, at)
        if found < 0:
            raise ValueError(f"the words do not make up the text: {text[:80]!r}")
        if found > at:
            text_words.append(text[at:found])
            text_spaces.append(False)
        text_words.append(word)
        text_spaces.append(False)
        at = found + len(word)
        if at < len(text) and text[at] == " ":
            text_spaces[-1] = True
            at += 1
    if at < len(text):
        text_words.append(text[at:])
        text_spaces.append(False)
    return text_words, text_spaces


def read_meta(model_dir: Path) -> dict:
    return json.loads((Path(model_dir) / "meta.json").read_text(encoding="utf-8"))
