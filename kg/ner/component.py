"""The shipped NER inside `kg build`: runs after the rule components; rules win wherever both fire.

A model prediction becomes a mention only where no rule span overlaps it, its name is not one the rules know
(the rules already decided about those: a media outlet cited as a source is not an entity), and it is not a
lone common word (Library, Debug) or short acronym (HD, GIF). Its extractor is `model:<name>-<version>`.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.attrs import ORTH
from spacy.tokens import Doc

from ..extract import doc_text
from ..normalize import fold_name, has_cjk
from ..rules import Rules
from .cues import settle_type
from .plausible import plausible_name
from .silver import COMMON_LATIN, is_name_like

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
    name-like word, an @handle, a Chinese word jieba does not know or tags as a name) that no rule covers:
    most text is already explained by the rules, and reading only these windows keeps the model cheap.
    """

    def __init__(self, rules: Rules, model_dir: Path, meta: dict, window: int = 5):
        self.rules = rules
        self.model = load_model(str(model_dir))
        self.ner = self.model.get_pipe("ner")
        self.window = window
        self.extractor = model_extractor(meta)
        self.confidence = meta.get("kg_confidence", {})
        words = Path(model_dir) / COMMON_WORDS_FILE
        self.common = frozenset(words.read_text(encoding="utf-8").split()) if words.is_file() else COMMON_LATIN
        self.jieba_words, self.jieba_tags = _jieba_dictionary()
        self._candidate_by_orth: dict[int, bool] = {}  # token text (as its hash) -> is a candidate

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
        if is_name_like(text, self.common) or (text.startswith("@") and len(text) > 2):
            return True
        if len(text) >= 2 and has_cjk(text):
            return text not in self.jieba_words or self.jieba_tags.get(text) in NAME_TAGS
        return False

    def windows(self, doc: Doc) -> list[tuple[int, int]]:
        covered = {i for span in doc.spans.get("kg", []) for i in range(span.start, span.end)}
        spans: list[list[int]] = []
        strings, cache = doc.vocab.strings, self._candidate_by_orth
        for i, orth in enumerate(doc.to_array(ORTH).tolist()):
            candidate = cache.get(orth)
            if candidate is None:
                candidate = cache[orth] = self.is_candidate(strings[orth])
            if not candidate or i in covered:
                continue
            start, end = max(0, i - self.window), min(len(doc), i + self.window + 1)
            if spans and start <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], end)
            else:
                spans.append([start, end])
        return [(a, b) for a, b in spans]

    def predictions(self, docs_and_taken: list[tuple[Doc, list[tuple[int, int]]]]) -> list[list]:
        """For each (doc, rule spans) the model's mentions, batched over all the docs' windows."""
        from ..extract import _Match

        pieces, owners = [], []
        for n, (doc, _taken) in enumerate(docs_and_taken):
            for a, b in self.windows(doc):
                window = doc[a:b]
                # A new Doc from the words: 7x cheaper than Span.as_doc(), which copies every attribute array.
                words = [t.text for t in window]
                spaces = [bool(t.whitespace_) for t in window]
                pieces.append(Doc(doc.vocab, words=words, spaces=spaces))
                owners.append((n, window.start_char))
        found: list[list] = [[] for _ in docs_and_taken]
        texts: dict[int, str] = {}
        for piece, (n, offset) in zip(self.ner.pipe(pieces, batch_size=256), owners):
            doc, taken = docs_and_taken[n]
            for ent in piece.ents:
                start, end = offset + ent.start_char, offset + ent.end_char
                if any(start < e and s < end for s, e in taken):
                    continue
                text = texts.get(n) or texts.setdefault(n, doc_text(doc))
                if not self.keep(text[start:end]) or not plausible_name(text, start, end, self.known_word):
                    continue
                label = settle_type(ent.label_, text, start, end)
                confidence = float(self.confidence.get(label, DEFAULT_CONFIDENCE))
                found[n].append(_Match(start, end, None, label, self.extractor, confidence))
        return found


def _jieba_dictionary():
    import jieba
    import jieba.posseg

    jieba.initialize()
    return jieba.dt.FREQ, jieba.posseg.dt.word_tag_tab


NAME_TAGS = frozenset({"nr", "nrt", "nrfg", "nt", "nz"})


def read_meta(model_dir: Path) -> dict:
    return json.loads((Path(model_dir) / "meta.json").read_text(encoding="utf-8"))
