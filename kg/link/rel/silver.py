"""Silver pair instances for the relation classifier, from the training corpora (never the evaluation text).

Training text: hextra-ai-insight-daily before 2026-01 and ainews-zh before 26-07 (the newest months, the layouts
corpus and every file a gold item comes from, tests/data/gold.jsonl included, are evaluation material and are
never read here).
Mentions come from the rule components (gazetteer and patterns); pattern mentions not in the gazetteer get an
id from their folded name.

Labels, per ordered pair of mentions in one sentence (kg.link.rel.instances.candidate_pairs):

- the relation a precise relation rule (confidence >= 0.7) states for the pair in that sentence; the reverse
  direction of an asymmetric rule relation is a negative;
- the gazetteer's facts (a product's developer, a person's employer) only where the sentence holds a cue word
  of that relation (release words for develops, a role word for worksFor): a product and its maker named
  together without one are not evidence of anything;
- `none` for the other co-mentioned pairs, except pairs the gazetteer links (maybe a relation the rules missed):
  those are left out rather than taught as negatives; negatives are sampled (`NEGATIVE_RATE`).

Rule-labelled positives are the bulk, and the model must not only relearn the rules' trigger words: a share of
them (`RULE_DROP`) is left out at random, and in the rest each word between the pair is blanked with
probability `WORD_MASK`, so the surrounding context has to carry the decision too.
"""
from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.ingest.digest import parse_digest
from kg.errors import KgError
from kg.extract.mentions import extract_mentions, make_pipelines
from kg.extract.spans import item_text, sentence_bounds
from kg.ingest.normalize import fold_name, to_simplified
from kg.records import Mention
from kg.link.relations import pattern_relations
from kg.extract.rules import Rules
from kg.ingest.corpora import pair_records
from kg.link.rel.instances import SIGNATURES, SYMMETRIC, candidate_pairs, pair_words

PRECISE = 0.7
NEGATIVE_RATE = 0.35
RULE_DROP = 0.3
WORD_MASK = 0.12
MASK = "∅"

_RELEASE_CUE = re.compile(r"发布|推出|开源|上线|亮相|更新|升级|打造|研发|开发|官宣|首发|自研|release|launch|unveil|announce|"
                          r"open-sourc|introduc|ship|debut|roll(?:s|ed|ing)? out|built|train", re.I)
_ROLE_CUE = re.compile(r"CEO|CTO|COO|CFO|首席|创始人|董事长|总裁|负责人|研究员|科学家|工程师|员工|高管|合伙人|加入|加盟|出任|"
                       r"离职|跳槽|founder|chief|president|head of|researcher|engineer|joined|joins|left|hired", re.I)


@dataclass
class Instance:
    words: list[str]
    label: str
    source: str  # "rule:<id>", "gazetteer", "none", "hand"
    sentence: str = ""  # the sentence of a hand-annotated pair (its pairs are held out together)


def _with_ids(mentions: list[Mention]) -> list[Mention]:
    out = []
    for m in mentions:
        if not m.entity_id:
            m = m.resolved(f"x:{fold_name(m.surface)}", m.type)
        out.append(m)
    return out


def silver_instances(files: list[Path], rules: Rules, seed: int = 0, exclude: set[str] = frozenset()) -> Iterator[Instance]:
    """Instances of every sentence of the files' items naming two entities (files in `exclude` skipped)."""
    rng = random.Random(seed)
    pipelines = make_pipelines(rules, use_model=False)
    for path in files:
        if path.name in exclude:
            continue
        try:
            items = parse_digest(path).items
        except KgError:
            continue
        for item, mentions in extract_mentions(items, pipelines):
            mentions = _with_ids(mentions)
            if len(mentions) < 2:
                continue
            yield from _item_instances(item, mentions, rules, rng)


def _item_instances(item, mentions: list[Mention], rules: Rules, rng: random.Random) -> Iterator[Instance]:
    text = item_text(item)
    precise = {f"rule:{r.id}" for r in rules.relation_rules if r.confidence >= PRECISE}
    ruled: dict[tuple[str, str, str], tuple[str, str]] = {}  # (sentence, s, o) -> (relation, rule)
    for rel in pattern_relations(item, mentions, rules):
        if rel.extractor not in precise or rel.status is not None or rel.predicate not in SIGNATURES:
            continue
        ruled[(rel.evidence, rel.subject, rel.object)] = (rel.predicate, rel.extractor)
        if rel.predicate in SYMMETRIC:
            ruled[(rel.evidence, rel.object, rel.subject)] = (rel.predicate, rel.extractor)
    ordered = sorted(mentions, key=lambda m: m.start)
    for s_start, s_end in sentence_bounds(text):
        inside = [m for m in ordered if s_start <= m.start and m.end <= s_end]
        if len(inside) < 2:
            continue
        sentence = text[s_start:s_end]
        evidence = sentence.strip()
        simple = to_simplified(sentence)
        for si, oi in candidate_pairs(inside, sentence, s_start):
            subj, obj = inside[si], inside[oi]
            found = ruled.get((evidence, subj.entity_id, obj.entity_id))
            if found is not None:
                if rng.random() < RULE_DROP:
                    continue
                words = pair_words(simple, s_start, inside, si, oi)
                yield Instance(_masked(words, rng), found[0], found[1])
                continue
            fact = _gazetteer_fact(rules, subj.entity_id, obj.entity_id)
            if fact is not None:
                cue = _RELEASE_CUE if fact == "develops" else _ROLE_CUE
                if cue.search(simple):
                    yield Instance(pair_words(simple, s_start, inside, si, oi), fact, "gazetteer")
                continue
            if _gazetteer_fact(rules, obj.entity_id, subj.entity_id) is not None:
                continue  # linked the other way: a negative only if the rules say so, and they did not
            if (evidence, obj.entity_id, subj.entity_id) not in ruled and rng.random() >= NEGATIVE_RATE:
                continue
            yield Instance(pair_words(simple, s_start, inside, si, oi), "none", "none")


def _gazetteer_fact(rules: Rules, subject_id: str, object_id: str) -> str | None:
    obj = rules.entities.get(object_id)
    if obj is not None and obj.developer and obj.developer == subject_id:
        return "develops"
    subj = rules.entities.get(subject_id)
    if subj is not None and subj.works_for and subj.works_for == object_id:
        return "worksFor"
    return None


def _masked(words: list[str], rng: random.Random) -> list[str]:
    first = next(i for i, w in enumerate(words) if w.startswith("«"))
    last = max(i for i, w in enumerate(words) if w.startswith("«"))
    return [MASK if first < i < last and not w.startswith("«") and rng.random() < WORD_MASK else w
            for i, w in enumerate(words)]


def hand_instances(path: Path) -> list[Instance]:
    """The hand-annotated pairs (tests/data/relations-train.jsonl format: text, s and o as [start, end, type],
    the other mentions of the sentence as `others`, and the label p)."""
    out = []
    for _n, record in pair_records(path):
        text = to_simplified(record["text"])
        spans = [("S", *record["s"]), ("O", *record["o"])] + [("E", *e) for e in record.get("others", [])]
        mentions = sorted((Mention("", start, end, text[start:end], kind, f"{role}{start}", "hand")
                           for role, start, end, kind in spans), key=lambda m: m.start)
        si = next(i for i, m in enumerate(mentions) if m.entity_id == f"S{record['s'][0]}")
        oi = next(i for i, m in enumerate(mentions) if m.entity_id == f"O{record['o'][0]}")
        out.append(Instance(pair_words(text, 0, mentions, si, oi), record["p"], "hand", record["text"]))
    return out
