"""Silver NER training data: sentences of real digests annotated by our rules (distant supervision).

The labels are what a build without the NER finds in each item: the gazetteer, the patterns and the structure
that proposes names no list holds (slots such as the object of a release verb or the name a headline says is a
tool, investors listed in a deal, the proper-name proposer's persons by a given name and institutions by their
last word), each with the type its place implies; the proposer's other guesses are marked missing
(`silver_label`). Items are read whole, so the slots that need the
item (its headline, a funding story's body) label their names too. A slot's name is labelled in the item that
proposes it, not across the digest as the build finds it: a day of AINews is hundreds of items, and a name taken
from one of them was right 6 times in 10 elsewhere (`GRPO`, `JSX`; hand check in docs/ner-training.md); unlabelled
there, it is marked missing like any uncovered name.

What the rules get wrong, and what is done about it:
- a name the gazetteer lacks would be taught as "not an entity". Latin-script names, @handles, quoted
  titles and the person names jieba's tagger recognises are therefore marked *missing* (no loss either way)
  unless a rule covers them, and sentences where more than half the name-like tokens are uncovered are dropped;
- the model would learn the gazetteer by heart (a Stack Notes finding), so a share of the entity spans is
  replaced by new names made from pieces of other names of the same type: the model must learn the context
  and the shape of a name, not the list.
"""
from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from kg.ingest.corpora import read_items
from kg.extract.ner.latin import COMMON_LATIN, is_name_like
from kg.extract.spans import item_text, language_of, sentence_bounds
from kg.ingest.normalize import has_cjk, to_simplified
from kg.extract.rules import Rules

LOWER_WORD = re.compile(r"(?<![A-Za-z])[a-z]{3,}(?![A-Za-z0-9])")
QUOTED = re.compile(r"[《「“『]([^《》「」“”『』]{2,30})[》」”』]")
MIN_CHARS, MAX_CHARS = 6, 240


@dataclass
class SilverStats:
    items: int = 0
    sentences_seen: int = 0
    sentences_kept: int = 0
    entities: int = 0
    structure_labelled: int = 0  # names the structure proposed (STRUCTURE_EXTRACTORS) in the kept sentences
    missing_tokens: int = 0
    replaced: int = 0
    dropped_uncovered: int = 0
    by_label: dict[str, int] = field(default_factory=dict)
    hand_sentences: int = 0  # hand-annotated sentences added to the silver ones
    hand_entities: int = 0


class NameForge:
    """New names of a type made from pieces of known names, so no gazetteer name is needed to learn one."""

    def __init__(self, rules: Rules, rng: random.Random):
        self.rng = rng
        self.latin: dict[str, list[str]] = {}
        self.cjk: dict[str, list[str]] = {}
        for entity in rules.entities.values():
            for form in entity.surface_forms():
                bucket = self.cjk if has_cjk(form) else self.latin
                if 2 <= len(form) <= 24 and " " not in form.strip():
                    bucket.setdefault(entity.type, []).append(form)

    def new_name(self, label: str, like: str) -> str | None:
        pool = (self.cjk if has_cjk(like) else self.latin).get(label)
        if not pool or len(pool) < 5:
            return None
        a, b = self.rng.sample(pool, 2)
        if has_cjk(like):
            if label == "Person":  # keep a surname, change the given name
                return a[0] + b[1:] if len(b) > 1 else None
            cut_a, cut_b = max(1, len(a) // 2), max(1, len(b) // 2)
            return a[:cut_a] + b[cut_b:]
        head = re.match(r"[A-Za-z]+", a)
        tail = re.search(r"[A-Za-z]*[^A-Za-z]*$", b)
        if not head or not tail:
            return None
        stem = head.group(0)[: max(2, len(head.group(0)) // 2 + 1)]
        rest = tail.group(0)
        name = (stem + rest[len(rest) // 2 :]) if rest else stem + b[-2:]
        return name if len(name) >= 3 and name.lower() not in COMMON_LATIN else None


# Extractors of the structure that proposes names no list holds (counted apart in the statistics).
STRUCTURE_EXTRACTORS = ("pattern:slot-", "pattern:investor-", "names:proper")
PROPOSER = "names:proper"  # kg.extract.propernames.EXTRACTOR; its list members are "names:proper-list"


def labelled_sentences(items: list, pipelines: dict[str, Language]) -> Iterator[tuple[str, str, list[tuple[int, int, str, str]]]]:
    """(language, sentence, [(start, end, type, extractor)]) for the sentences of `items`, labelled with what the
    build's rule components find in each whole item (`extract_mentions` of the pipelines, with the proper-name
    proposer when they hold it; a slot's name is not carried to the digest's other items). A sentence a mention
    crosses is left out."""
    from kg.extract.mentions import extract_mentions

    for item, mentions in extract_mentions(items, pipelines, within_digest=False):
        text = item_text(item)
        lang = language_of(text)
        for s, e in sentence_bounds(text):
            raw = text[s:e]
            sentence = raw.strip()
            if not sentence:
                continue
            start = s + len(raw) - len(raw.lstrip())
            end = start + len(sentence)
            spans, cut = [], False
            for m in mentions:
                if start <= m.start and m.end <= end:
                    spans.append((m.start - start, m.end - start, m.type, m.extractor))
                elif m.start < end and start < m.end:
                    cut = True
            if not cut:
                yield lang, sentence, spans


def silver_label(entity_type: str, extractor: str) -> str:
    """The label a rule's name gets in silver data; "" (missing: neither entity nor "O") for the proposer's guesses
    that a hand check found wrong too often: names of a list (`CLI` in a list of platforms, a team's name) and
    names typed by the context classifier or a known company before them (paper titles, features such as `HF
    Collection`, chips typed Product). Its persons (a given name and a surname) and institutions (`Simons
    Institute`) were right and stay."""
    if extractor.startswith(PROPOSER) and (entity_type not in ("Person", "Organization") or extractor != PROPOSER):
        return ""
    return entity_type


def silver_doc(nlp: Language, text: str, spans: list[tuple[int, int, str]], stats: SilverStats, person_names: set[str], common: frozenset[str] = COMMON_LATIN) -> Doc | None:
    """A Doc of `text` with entities from `spans` (a span labelled "" is missing), uncovered names marked missing;
    None when not usable."""
    doc = nlp.make_doc(text)
    ents, covered, unsure = [], set(), []
    for start, end, label in spans:
        if not label:
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is not None:
                unsure.append(span)
            continue
        span = doc.char_span(start, end, label=label, alignment_mode="strict")
        if span is None:
            return None  # the tokeniser cut through the name: the labels would teach the wrong edges
        ents.append(span)
        covered.update(range(span.start, span.end))
    missing, name_like = unsure, len(unsure)
    for token in doc:
        if token.i in covered or any(u.start <= token.i < u.end for u in unsure):
            continue
        if is_name_like(token.text, common) or token.text in person_names:
            name_like += 1
            missing.append(doc[token.i : token.i + 1])
    for m in QUOTED.finditer(text):
        span = doc.char_span(m.start(1), m.end(1), alignment_mode="expand")
        if span is not None and not any(t.i in covered for t in span):
            missing.append(span)
    if name_like > max(1, len(ents)):
        stats.dropped_uncovered += 1
        return None
    missing = [s for s in missing if not any(s.start < e.end and e.start < s.end for e in ents)]
    try:
        doc.set_ents(ents, missing=_non_overlapping(missing), default="outside")
    except ValueError:
        return None
    stats.missing_tokens += sum(len(s) for s in missing)
    return doc


def hand_docs(sentences: dict[str, list[tuple[int, int, str]]], pipelines: dict[str, Language],
              stats: SilverStats | None = None, common: frozenset[str] = COMMON_LATIN) -> list[Doc]:
    """Docs of the hand-annotated sentences (`kg.ingest.corpora.hand_annotated_mentions`): every mention a person
    marked is an entity, with the type the person gave it. The annotators marked the names the pairs of a sentence
    needed, not always every name (`推理：vLLM, SGLang, ...` marks SGLang, not vLLM), so an unmarked name-like word
    is missing (neither entity nor outside), as in the silver sentences; so is a mention the tokeniser cuts
    through, or one labelled "". The rest of the sentence is outside."""
    stats = stats if stats is not None else SilverStats()
    docs = []
    for text, spans in sentences.items():
        simple = to_simplified(text)
        doc = pipelines[language_of(simple)].make_doc(simple)
        ents, missing = [], []
        for start, end, label in spans:
            span = doc.char_span(start, end, label=label, alignment_mode="strict") if label else None
            if span is not None:
                ents.append(span)
            elif (loose := doc.char_span(start, end, alignment_mode="expand")) is not None:
                missing.append(loose)
        covered = {i for e in ents for i in range(e.start, e.end)}
        missing += [doc[t.i : t.i + 1] for t in doc if t.i not in covered and is_name_like(t.text, common)]
        missing = [m for m in missing if not any(m.start < e.end and e.start < m.end for e in ents)]
        try:
            doc.set_ents(ents, missing=_non_overlapping(missing), default="outside")
        except ValueError:
            continue
        stats.hand_sentences += 1
        stats.hand_entities += len(ents)
        docs.append(doc)
    return docs


def _non_overlapping(spans):
    out, taken = [], set()
    for span in sorted(spans, key=lambda s: (-len(s), s.start)):
        if taken.isdisjoint(range(span.start, span.end)):
            out.append(span)
            taken.update(range(span.start, span.end))
    return out


def _replace_names(text: str, spans, forge: NameForge, share: float):
    """The sentence with some entity names swapped for new ones, offsets moved; None when none swapped."""
    out, new_spans, shift, last, swapped = [], [], 0, 0, 0
    for start, end, label in sorted(spans):
        surface = text[start:end]
        name = forge.new_name(label, surface) if forge.rng.random() < share and label else None
        out.append(text[last:start])
        out.append(name or surface)
        new_spans.append((start + shift, start + shift + len(name or surface), label))
        shift += len(name or surface) - len(surface)
        swapped += bool(name)
        last = end
    out.append(text[last:])
    return ("".join(out), new_spans, swapped) if swapped else None


def _person_names(text: str) -> set[str]:
    import jieba.posseg

    return {w.word for w in jieba.posseg.cut(text) if w.flag in ("nr", "nrfg", "nrt") and len(w.word) >= 2}


def common_words(sentences: Iterable[str], min_count: int = 3) -> frozenset[str]:
    """Latin words this corpus writes in lower case (library, enterprise): vocabulary when capitalised, not names."""
    counts: dict[str, int] = {}
    for sentence in sentences:
        for word in LOWER_WORD.findall(sentence):
            counts[word] = counts.get(word, 0) + 1
    return frozenset(w for w, n in counts.items() if n >= min_count) | COMMON_LATIN


def silver_docs(
    files: list[Path],
    rules: Rules,
    pipelines: dict[str, Language],
    *,
    max_docs: int,
    seed: int,
    negative_share: float = 0.25,
    replace_share: float = 0.35,
    stats: SilverStats | None = None,
) -> tuple[list[Doc], frozenset[str]]:
    """Annotated sentences from `files` (at most `max_docs`, reproducibly) and the corpus's common words."""
    rng = random.Random(seed)
    forge = NameForge(rules, rng)
    stats = stats if stats is not None else SilverStats()
    files = list(files)
    rng.shuffle(files)
    annotated: list[tuple[Language, str, list, int]] = []
    seen: set[str] = set()
    for path in files:
        items = list(read_items([path]))
        stats.items += len(items)
        for lang, sentence, labelled in labelled_sentences(items, pipelines):
            if not MIN_CHARS <= len(sentence) <= MAX_CHARS or "http" in sentence or sentence in seen:
                continue
            seen.add(sentence)
            stats.sentences_seen += 1
            spans = [(a, b, silver_label(t, x)) for a, b, t, x in labelled]
            if any(label for *_, label in spans) or rng.random() < negative_share:
                structure = sum(x.startswith(STRUCTURE_EXTRACTORS) and label != ""
                                for (*_, x), (*_, label) in zip(labelled, spans))
                annotated.append((pipelines[lang], sentence, spans, structure))
        if len(annotated) >= max_docs * 1.3:  # some are dropped below
            break
    # The rules' stopwords (VRAM, CoT, FP4, SaaS...) are taught as "outside": negative examples of the
    # technical vocabulary the model otherwise takes for names.
    common = common_words(seen) | rules.stopwords
    docs = []
    for nlp, sentence, spans, structure in annotated:
        people = _person_names(sentence) if has_cjk(sentence) else set()
        doc = None
        swapped = _replace_names(sentence, spans, forge, replace_share) if spans and replace_share else None
        if swapped:  # a new name the tokeniser cuts badly: fall back to the real sentence
            doc = silver_doc(nlp, swapped[0], swapped[1], stats, people, common)
            stats.replaced += swapped[2] if doc is not None else 0
        if doc is None:
            doc = silver_doc(nlp, sentence, spans, stats, people, common)
        if doc is None:
            continue
        stats.sentences_kept += 1
        stats.structure_labelled += structure
        stats.entities += len(doc.ents)
        for ent in doc.ents:
            stats.by_label[ent.label_] = stats.by_label.get(ent.label_, 0) + 1
        docs.append(doc)
        if len(docs) >= max_docs:
            break
    return docs, common
