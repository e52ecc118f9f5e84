"""The relation classifier at build time: the pairs of one sentence the rules left alone, classified in batches.

For every item, each sentence naming two or more entities gives its candidate pairs (kg.link.rel.instances), both
directions as separate instances, except pairs a relation rule already linked in that item. The shipped spaCy
text classifier (kg/models/rel) labels each with one relation or `none`; a label is kept when its probability
reaches the model's threshold for that relation (meta.json `kg.thresholds`, else `kg.threshold`; chosen on the
dev gold; `kg.known_threshold` for a pair the gazetteer links by that relation: a product and its maker, a
person and their employer) and the types fit the relation. The instance words are those the model was trained
on (meta.json `kg.edge_words`, kg.link.rel.instances.with_edge_words). Of the two directions
of one pair the surer wins. The factuality cues of the rules (kg.link.relations.claim_status) mark the statement
reported, planned or denied, as for the rules' statements.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from kg.extract.spans import item_text, sentence_bounds
from kg.ingest.normalize import to_simplified
from kg.records import Mention, NewsItem, Relation
from kg.extract.rules import MENTION_CLOSE, MENTION_OPEN, TYPE_CODES, Rules
from kg.link.rel.instances import SIGNATURES, SYMMETRIC, allows, candidate_pairs, pair_words, with_edge_words

MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "rel"
EXTRACTOR = "model:rel"
BATCH = 256


def model_installed(model_dir: Path = MODEL_DIR) -> bool:
    return (model_dir / "meta.json").is_file()


@lru_cache(maxsize=2)
def _load(model_dir: str):
    import spacy

    nlp = spacy.load(model_dir)
    meta = nlp.meta.get("kg", {})
    default = float(meta.get("threshold", 0.5))
    thresholds = {label: float(meta.get("thresholds", {}).get(label, default)) for label in SIGNATURES}
    return nlp, thresholds, float(meta.get("known_threshold", default)), int(meta.get("edge_words", 0))


# Words around a person and a company (between them, just before the first or just after the later one: former
# Google engineer X, X 加入后) that tell of a move between employers: the person may work for both.
_JOB_CHANGE = re.compile(r"加入|执掌|挖来|挖走|挖角|跳槽|出任|转投|离开|离职|曾任|前任|\b(?:joins|joined|joining|hired|hires|poached|"
                         r"left|leaves|leaving|former|formerly|ex-|previously|departs|departed)\b", re.I)


class RelationModel:
    """The shipped classifier, loaded once per process."""

    def __init__(self, model_dir: Path = MODEL_DIR):
        self.nlp, self.thresholds, self.known_threshold, self.edge_words = _load(str(model_dir))

    def relations(self, found: Iterable[tuple[NewsItem, list[Mention], list[Relation]]], rules: Rules) -> list[list[Relation]]:
        """For each (item, resolved mentions, relations found so far), the model's further relations."""
        from spacy.tokens import Doc

        work = list(found)
        instances: list[tuple[int, NewsItem, list[Mention], int, int, str, int, set]] = []
        docs = []
        for n, (item, mentions, already) in enumerate(work):
            if len({m.sentence for m in mentions}) == len(mentions):
                continue  # no sentence names two entities
            linked = {frozenset((r.subject, r.object)) for r in already}
            # the people whose employer the rules already state: the model does not add another in the same item
            # (Microsoft CEO Satya Nadella and OpenAI co-founder Ilya Sutskever: not Ilya at Microsoft)
            ruled = {r.subject for r in already if r.predicate == "worksFor"}
            text = item_text(item)
            ordered = sorted(mentions, key=lambda m: m.start)
            for s_start, s_end in sentence_bounds(text):
                inside = [m for m in ordered if s_start <= m.start and m.end <= s_end]
                if len(inside) < 2:
                    continue
                sentence = to_simplified(text[s_start:s_end])
                for si, oi in candidate_pairs(inside, sentence, s_start):
                    if frozenset((inside[si].entity_id, inside[oi].entity_id)) in linked:
                        continue
                    instances.append((n, item, inside, si, oi, sentence, s_start, ruled))
                    words = with_edge_words(pair_words(sentence, s_start, inside, si, oi), self.edge_words)
                    docs.append(Doc(self.nlp.vocab, words=words))
        out: list[dict[tuple[str, str], Relation]] = [{} for _ in work]
        if not docs:
            return [[] for _ in work]
        for (n, item, inside, si, oi, sentence, s_start, ruled), doc in zip(instances, self.nlp.pipe(docs, batch_size=BATCH)):
            label, score = max(doc.cats.items(), key=lambda kv: kv[1])
            subj, obj = inside[si], inside[oi]
            if label == "none" or score < min(self.thresholds[label], self._known(label, subj, obj, rules)):
                continue
            if label == "worksFor" and subj.entity_id in ruled and \
                    not _JOB_CHANGE.search(sentence, max(0, min(subj.start, obj.start) - s_start - 10),
                                           max(subj.end, obj.end) - s_start + 8):
                continue
            if not allows(label, subj.type, obj.type):
                continue
            rel = _relation(label, subj, obj, item, inside, si, oi, sentence, s_start, score, rules)
            if rel is None:
                continue
            key = tuple(sorted((rel.subject, rel.object)))
            old = out[n].get(key)
            if old is None or rel.confidence > old.confidence:
                out[n][key] = rel
        return [list(found.values()) for found in out]

    def _known(self, label: str, subj: Mention, obj: Mention, rules: Rules) -> float:
        """The lower threshold of a pair the gazetteer links by this relation (a product's maker, a person's
        employer), else 1."""
        if label == "develops":
            known = rules.entities.get(obj.entity_id)
            return self.known_threshold if known is not None and known.developer == subj.entity_id else 1.0
        if label == "worksFor":
            known = rules.entities.get(subj.entity_id)
            return self.known_threshold if known is not None and known.works_for == obj.entity_id else 1.0
        return 1.0


def _relation(label: str, subj: Mention, obj: Mention, item: NewsItem, inside: list[Mention], si: int, oi: int,
              sentence: str, s_start: int, score: float, rules: Rules) -> Relation | None:
    from kg.link.relations import claim_status, mask_sentence

    known = rules.entities.get(obj.entity_id)
    if label == "uses" and known is not None and known.developer == subj.entity_id:
        return None  # a maker does not "use" its own product
    if label == "develops" and known is not None and known.developer and known.developer != subj.entity_id:
        return None  # the gazetteer names another maker (GitHub and Apple M3 in one sentence)
    masked = mask_sentence(sentence, s_start, inside)
    slots = sorted((masked.find(slot), len(slot)) for slot in
                   (f"{MENTION_OPEN}{TYPE_CODES[inside[i].type]}{i}{MENTION_CLOSE}" for i in (si, oi)))
    status = claim_status(masked, slots[0][0], slots[1][0] + slots[1][1], rules) if slots[0][0] >= 0 else None
    s, o = subj.entity_id, obj.entity_id
    if label in SYMMETRIC and o < s:
        s, o = o, s
    role = None
    if label == "worksFor":  # the role the gazetteer gives the person at that employer (CEO, 创始人)
        person = rules.entities.get(s)
        if person is not None and person.works_for == o:
            role = person.role
    return Relation(s, label, o, item.id, item.date, item.url, subj.sentence or sentence.strip(), EXTRACTOR,
                   round(score * min(subj.confidence, obj.confidence), 3), role, status)
