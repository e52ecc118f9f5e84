"""Training of the proper-name proposer's resources (`kg train-names`): from the sentences with Latin names of the
training corpora (hextra-ai-insight-daily before 2026-01, ainews-zh before 26-07; never the layouts sources or
the newest months, where the evaluation gold comes from):

- the words English writes in lower case (`common`): a capitalised word that the corpus mostly writes in lower
  case inside a sentence is a common word, not a name, when it stands alone (Meanwhile, Researchers, Linear);
- the type classifier (naive Bayes, kg/extract/propernames.py): each capitalised run the gazetteer names, in an
  English sentence or a Chinese one (a third of those, for balance), is an example of its type; each run that is a place, a stopword or a common word an example of "O". The run's own
  words are never features (the classifier must type names it has not seen), and so the gazetteer's blind spot
  (it lists AI firms and models, few banks or retailers) is a bias in the contexts learned, not a list of names.

Deterministic: no sampling, so no seed; the same files give the same model.
"""
from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kg.extract.mentions import GazetteerMatcher
from kg.extract.propernames import (CLASSES, TYPES_MODEL, Candidate, NameListsView, TypeClassifier, candidates,
                                    features)
from kg.extract.rules import Rules
from kg.extract.spans import item_text, language_of, sentence_bounds, title_case
from kg.ingest.normalize import fold_name

_LOWER_SHARE = 0.6  # a word written in lower case this often (mid-sentence) is a common word


@dataclass
class NamesReport:
    files: int = 0
    sentences: int = 0
    examples: Counter = field(default_factory=Counter)
    common_words: int = 0
    seconds: float = 0.0
    held_out: dict = field(default_factory=dict)


def training_sentences(files: list[Path], chinese_every: int = 3):
    """(sentence, is Chinese): every English sentence that is no headline, and every `chinese_every`-th Chinese
    sentence with a Latin word in it (the names Chinese digests write in Latin letters)."""
    from kg.ingest.corpora import read_items

    seen_chinese = 0
    for item in read_items(files):
        text = item_text(item)
        for s, e in sentence_bounds(text):
            sentence = text[s:e]
            if len(sentence) < 12:
                continue
            if language_of(sentence) == "en":
                if len(sentence) >= 20 and not title_case(sentence):
                    yield sentence, False
            elif chinese_every and re.search(r"[A-Z]", sentence):
                seen_chinese += 1
                if seen_chinese % chinese_every == 0:
                    yield sentence, True


def case_counts(sentences: list[str]) -> tuple[Counter, Counter]:
    lower, upper = Counter(), Counter()
    for sentence in sentences:
        words = re.findall(r"(?<![\w.'’-])[A-Za-z][a-z]+(?![\w'’-])", sentence)
        for w in words[1:]:  # not the first word: a sentence capitalises it
            (lower if w.islower() else upper)[w.lower()] += 1
    return lower, upper


def train_names(shared: Path, rules: Rules, out: Path = TYPES_MODEL, every: int = 2, held_out_every: int = 10,
                chinese_every: int = 0,
                on_step=lambda message: None) -> NamesReport:
    from kg.ingest.corpora import training_files

    started = time.perf_counter()
    report = NamesReport()
    files = training_files(shared, every=every)
    report.files = len(files)
    on_step(f"reading the sentences with Latin names of {len(files)} files")
    both = list(training_sentences(files, chinese_every))
    sentences = [sentence for sentence, _ in both]
    report.sentences = len(sentences)
    lower, upper = case_counts([sentence for sentence, chinese in both if not chinese])
    common = sorted(w for w, k in lower.items() if k >= 3 and k >= _LOWER_SHARE * (k + upper[w]))
    capitalised = sorted(w for w, k in upper.items() if k >= 2 and lower[w] <= 0.1 * (k + lower[w]))
    report.common_words = len(common)
    common_set = set(common)
    on_step(f"{len(sentences)} sentences; {len(common)} words mostly written in lower case, {len(capitalised)} always capitalised")
    gazetteer = GazetteerMatcher(rules)
    names = NameListsView(rules)
    train, held = [], []
    for n, (sentence, chinese) in enumerate(both):
        known = {(m.start, m.end): m.type for m in gazetteer.find(sentence)}
        for cand in candidates(sentence):
            if chinese:
                cand = Candidate(cand.start, cand.end, cand.words, False)
            words = cand.words
            label = known.get((cand.start, cand.end))
            folded = fold_name(" ".join(words))
            if label is None:
                if folded in rules.names.not_names or folded in rules.stopwords:
                    label = "O"
                elif len(words) == 1 and words[0].lower() in common_set and words[0][1:].islower() and not cand.sentence_start:
                    label = "O"
                else:
                    continue
            example = (features(sentence, cand.start, cand.end, words, names), label)
            (held if n % held_out_every == 0 else train).append(example)
    report.examples = Counter(label for _, label in train)
    on_step("examples: " + ", ".join(f"{c} {report.examples[c]}" for c in CLASSES))
    model = TypeClassifier.fit(train)
    report.held_out = _score(model, held)
    final = TypeClassifier.fit(train + held)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "description": "kg's proper-name type classifier (naive Bayes over context and shape) and the words English"
                       " writes in lower case, learned from the English sentences of the training corpora",
        "files": report.files, "sentences": report.sentences, "examples": dict(report.examples),
        "held_out": report.held_out, "common": common, "capitalised": capitalised, "model": final.to_json(),
    }
    out.write_text(json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    report.seconds = time.perf_counter() - started
    return report


def _score(model: TypeClassifier, examples) -> dict:
    """Accuracy of the type on the held-out examples, per gold class."""
    right, total = Counter(), Counter()
    for feats, label in examples:
        post = model.posterior(feats)
        total[label] += 1
        right[label] += max(post, key=post.get) == label
    return {c: round(right[c] / total[c], 3) for c in CLASSES if total[c]} | {
        "all": round(sum(right.values()) / max(1, sum(total.values())), 3), "n": sum(total.values())}
