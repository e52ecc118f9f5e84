"""Typed relations from the patterns in rules/relations.yml, plus gazetteer knowledge and co-mentions.

Each sentence is masked: every entity mention becomes a slot `⟨C3⟩` (type code + mention number), and the
relation patterns are regular expressions over that masked sentence.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator

from kg.extract.mentions import item_text, sentence_bounds
from kg.ingest.normalize import to_simplified
from kg.records import SYMMETRIC_RELATIONS, Mention, NewsItem, Relation
from kg.extract.rules import MENTION_CLOSE, MENTION_OPEN, TYPE_CODES, Rules
from kg.extract.triggers import TriggerIndex

# a list item may carry a short parenthesis without a name (超越 A（54.2%）、B（58.6%）和 C; 发布 X（开源）与 Y)
# and in quotes (媲美 “A” 和 “B”); "A, B, and C" takes its serial comma
_LIST_JOIN = re.compile(
    rf"(?:\s?[（(][^（）()\n{MENTION_OPEN}{MENTION_CLOSE}]{{1,16}}[）)])?[”\"」』]?"
    rf"\s?(?:(?:、|,(?!\s?and\b)|，|和|与|及|以及|&|/)\s?"
    # after an English joiner, modifiers may come before the next name ("and a smaller 24B Devstral Small", "plus a
    # new X"); after a bare comma they would read an apposition as a list ("Gemini 3, a Claude Opus rival")
    rf"|(?:,\s?and\b|,?\s?plus\b|,?\s?as well as\b|,?\s?along with\b|and\b)\s?"
    rf"(?:(?:a|an|the|its|new|smaller|larger|bigger|lighter|faster|cheaper|open|open-source|open-weight|compact|"
    rf"mini|\d[\d.,]*[BMKbmk]?|\d[\d.,]*-?(?:billion|million)(?:-parameter)?)\s){{0,3}})"
    rf"[“\"「『]?(?:第[一二三四五六七八九十\d]+代)?{MENTION_OPEN}([A-Z])(\d+){MENTION_CLOSE}"
    # not a name the next word says is another's (a Claude Sonnet alternative, the Llama 3 weights it tuned)
    rf"(?![\s-]?(?:rivals?|competitors?|challengers?|alternatives?|weights|beating|killers?)\b)",
    re.I,
)
_ORG_TYPES = {"Company", "Organization"}
MAX_ENTITIES_FOR_CO_MENTION = 30


def mask_sentence(sentence: str, start: int, mentions: list[Mention]) -> str:
    """Replace each mention (offsets relative to the item text) with a typed slot. A name given again in brackets
    right after itself (智元机器人（AgiBot）) is one slot: the rules read `X 首席科学家 Y` across it."""
    out, cursor = [], start
    for i, m in enumerate(mentions):
        if m.start < cursor:
            continue  # the bracketed spelling of the name before it
        out.append(sentence[cursor - start : m.start - start])
        out.append(f"{MENTION_OPEN}{TYPE_CODES[m.type]}{i}{MENTION_CLOSE}")
        cursor = m.end
        nxt = mentions[i + 1] if i + 1 < len(mentions) else None
        if nxt is not None and m.entity_id and nxt.entity_id == m.entity_id:
            before = sentence[m.end - start : nxt.start - start]
            after = sentence[nxt.end - start : nxt.end - start + 1]
            if before.strip() in ("（", "(") and after in ("）", ")"):
                cursor = nxt.end + 1
    out.append(sentence[cursor - start :])
    return "".join(out)


def rule_index(rules: Rules) -> TriggerIndex:
    """The rules' trigger index (kg.link.triggers), made once per Rules: most masked sentences hold none of the
    words a rule needs, and one Aho-Corasick pass over a sentence is far cheaper than running every rule."""
    cached = rules.__dict__.get("_kg_rule_index")
    if cached is None:
        cached = rules.__dict__["_kg_rule_index"] = TriggerIndex([rule.regex for rule in rules.relation_rules])
    return cached


def pattern_relations(item: NewsItem, mentions: list[Mention], rules: Rules) -> list[Relation]:
    if len({m.sentence for m in mentions}) == len(mentions):
        # Each mention carries the sentence that holds its start (kg.extract.mentions), so no sentence names two: no
        # pattern can fire. Most items end here, without splitting their text again.
        return []
    text = item_text(item)
    index = rule_index(rules)
    relation_rules = rules.relation_rules
    found: dict[tuple[str, str, str], Relation] = {}
    ordered = sorted(mentions, key=lambda m: m.start)
    starts = [m.start for m in ordered]
    for s_start, s_end in sentence_bounds(text):
        # the mentions that start in the sentence (by bisection: the sentences do not overlap), if they end there
        inside = [m for m in ordered[bisect_left(starts, s_start) : bisect_right(starts, s_end)] if m.end <= s_end]
        if len(inside) < 2:
            continue
        sentence = text[s_start:s_end]
        masked = mask_sentence(to_simplified(sentence), s_start, inside)  # 發布 matches like 发布
        candidates = index.candidates(masked)
        if not candidates:
            continue
        evidence = sentence.strip()  # one string for every relation of the sentence
        for rule in map(relation_rules.__getitem__, candidates):
            for match in rule.regex.finditer(masked):
                subjects = [int(match.group("S"))]
                objects = [int(match.group("O"))]
                if rule.subject_list:
                    subjects += _listed_before(masked, match.start("S") - 2, rule.subject_types)
                    if match.start("S") > match.start("O"):  # OpenAI founders A and B: the list goes on after it
                        subjects += _listed_after(masked, match.end("S") + 1, rule.subject_types)
                if rule.object_list:
                    objects += _listed_after(masked, match.end("O") + 1, rule.object_types)
                # a long list names the same entities again and again: each pair of distinct ends once
                subjects, objects = _distinct(inside, subjects), _distinct(inside, objects)
                role = match.groupdict().get("role")
                status = claim_status(masked, match.start(), match.end(), rules)
                for si in subjects:
                    for oi in objects:
                        rel = _relation(rule.relation, inside[si], inside[oi], item, evidence, rule.id, rule.confidence, role, rules,
                                        status)
                        if rel is not None:
                            _keep_best(found, rel)
    return list(found.values())


def claim_status(masked: str, start: int, end: int, rules: Rules) -> str | None:
    """"denied", "reported" or "planned" when a factuality cue of the rules sits in masked[start:end] or in the
    window before it (据报道，X 收购 Y; X is reportedly in talks to buy Y; X 否认收购 Y); None for a plain fact."""
    if not rules.factuality:
        return None
    span = masked[max(0, start - rules.factuality_window) : end]
    for status, cues in rules.factuality.items():
        if cues.search(span):
            return status
    return None


_LIST_JOIN_BEFORE = re.compile(
    rf"{MENTION_OPEN}([A-Z])(\d+){MENTION_CLOSE}\s?(?:、|,|，|和|与|及|以及|and|&|/)\s?$", re.I
)


def _distinct(inside: list[Mention], slots: list[int]) -> list[int]:
    """The first slot of each (entity, type, confidence): the others give the same relations."""
    first: dict[tuple[str, str, float], int] = {}
    for i in slots:
        m = inside[i]
        first.setdefault((m.entity_id, m.type, m.confidence), i)
    return list(first.values())


def _listed_before(masked: str, slot_start: int, allowed_codes: str) -> list[int]:
    """Entities joined to the subject slot that starts at slot_start (英伟达与港大开源X: 英伟达 too)."""
    more = []
    reach = 12 + len(str(len(masked)))  # the longest join: a slot (its number has fewer digits) and a separator
    while True:
        m = _LIST_JOIN_BEFORE.search(masked, max(0, slot_start - reach), slot_start)
        if not m or m.group(1).upper() not in allowed_codes:
            return more
        more.append(int(m.group(2)))
        slot_start = m.start()


def _listed_after(masked: str, position: int, allowed_codes: str) -> list[int]:
    more = []
    while True:
        m = _LIST_JOIN.match(masked, position)
        if not m or m.group(1).upper() not in allowed_codes:
            return more
        more.append(int(m.group(2)))
        position = m.end()


def _relation(predicate, subj: Mention, obj: Mention, item, sentence, extractor, confidence, role=None, rules=None,
              status=None) -> Relation | None:
    if subj.entity_id == obj.entity_id:
        return None
    if predicate == "uses" and rules is not None:
        known = rules.entities.get(obj.entity_id)
        if known is not None and known.developer == subj.entity_id and extractor not in _own_product_rules(rules):
            return None  # a maker does not "use" its own product (Anthropic 使用 Claude), but its staff do
    if predicate == "competesWith" and subj.type != obj.type and not {subj.type, obj.type} <= _ORG_TYPES:
        return None
    if predicate == "develops" and rules is not None:
        known = rules.entities.get(obj.entity_id)
        if known is not None and known.developer and known.developer != subj.entity_id:
            confidence *= 0.7  # the gazetteer names another maker (maybe a parent company): less sure
    if predicate == "worksFor" and role is None and rules is not None:
        person = rules.entities.get(subj.entity_id)
        if person is not None and person.works_for == obj.entity_id:
            role = person.role  # the role the gazetteer gives the person at that employer, as the model does
    s, o = subj.entity_id, obj.entity_id
    if predicate in SYMMETRIC_RELATIONS and o < s:
        s, o = o, s  # one direction for symmetric relations
    return Relation(
        subject=s,
        predicate=predicate,
        object=o,
        item_id=item.id,
        date=item.date,
        url=item.url,
        evidence=sentence.strip(),
        extractor=f"rule:{extractor}",
        confidence=round(confidence * min(subj.confidence, obj.confidence), 3),
        role=role,
        status=status,
    )


def _own_product_rules(rules: Rules) -> frozenset[str]:
    """The ids of the rules whose subject may use its own product (own_products: true)."""
    cached = rules.__dict__.get("_kg_own_product_rules")
    if cached is None:
        cached = frozenset(r.id for r in (*rules.relation_rules, *rules.headline_rules) if r.own_products)
        rules.__dict__["_kg_own_product_rules"] = cached
    return cached


def _keep_best(found: dict, rel: Relation) -> None:
    """One relation per (subject, predicate, object) and item: a plain fact over a hedged one, then the surest."""
    key = (rel.subject, rel.predicate, rel.object)
    old = found.get(key)
    if old is None or ((rel.status is None, rel.confidence) > (old.status is None, old.confidence)):
        found[key] = rel


def headline_relations(item: NewsItem, mentions: list[Mention], rules: Rules, already: Iterable[Relation]) -> list[Relation]:
    """The relations of the rules whose subject is the item's headline entity (`subject_from: headline`): a body
    sentence that goes on about the headline's product or company without naming it (SWE-bench Pro 得分 59.5%，超越
    A、B 和 C; It runs on X; 其体积小到可以在 X 上运行). The subject is the headline's first entity of the rule's
    subject types; a sentence that names an entity of those types before the match has its own subject and is left
    to the sentence rules."""
    if not rules.headline_rules:
        return []
    title_end = len(item.title)
    ordered = sorted(mentions, key=lambda m: m.start)
    in_title = _headline_topics(item.title, [m for m in ordered if m.end <= title_end])
    if not in_title:
        return []
    text = item_text(item)
    have = _stated(already)
    found: dict[tuple[str, str, str], Relation] = {}
    for s_start, s_end, inside in _body_sentences(item, text, ordered):
        masked = mask_sentence(to_simplified(text[s_start:s_end]), s_start, inside)
        evidence = text[s_start:s_end].strip()
        for rule in rules.headline_rules:
            subject = next((m for m in in_title if TYPE_CODES[m.type] in rule.subject_types), None)
            if subject is None:
                continue
            for match in rule.regex.finditer(masked):
                before = [inside[int(i)] for i in _SLOT.findall(masked, 0, match.start("O"))]
                if any(TYPE_CODES[m.type] in rule.subject_types for m in before):
                    continue  # the sentence names its own subject
                objects = [int(match.group("O"))]
                if rule.object_list:
                    objects += _listed_after(masked, match.end("O") + 1, rule.object_types)
                status = claim_status(masked, match.start(), match.end(), rules)
                for oi in _distinct(inside, objects):
                    rel = _relation(rule.relation, subject, inside[oi], item, evidence, rule.id, rule.confidence,
                                    None, rules, status)
                    if rel is not None and (rel.subject, rel.predicate, rel.object) not in have:
                        _keep_best(found, rel)
    return list(found.values())


def _stated(already: Iterable[Relation]) -> set[tuple[str, str, str]]:
    """(subject, predicate, object) of the relations found already, a symmetric one both ways."""
    have = {(r.subject, r.predicate, r.object) for r in already}
    return have | {(r.object, r.predicate, r.subject) for r in already if r.predicate in SYMMETRIC_RELATIONS}


def _body_sentences(item: NewsItem, text: str, ordered: list[Mention]) -> Iterator[tuple[int, int, list[Mention]]]:
    """The sentences after the headline that name an entity, with the mentions inside each (`ordered` by start)."""
    title_end = len(item.title)
    starts = [m.start for m in ordered]
    for s_start, s_end in sentence_bounds(text):
        if s_start < title_end:
            continue
        inside = [m for m in ordered[bisect_left(starts, s_start) : bisect_right(starts, s_end)] if m.end <= s_end]
        if inside:
            yield s_start, s_end, inside


def topic_relations(item: NewsItem, mentions: list[Mention], rules: Rules, already: Iterable[Relation]) -> list[Relation]:
    """The sentence rules' relations of the item's topic (an entity its headline is about, `_headline_topics`) in a
    body clause that names it by a pronoun or a word for it (其, 它, 该公司, 该模型, It, The company) or, in Chinese,
    not at all (刚发布首个模型 Un-0; 全程使用 AMD Instinct MI300 训练; 创始人 Naveen Rao): the topic takes the place
    of that word, or the clause's first place, and the rules run over the sentence as if it were named there. Only
    relations with the topic at one end are kept, and those the other steps found are left to them."""
    title_end = len(item.title)
    ordered = sorted(mentions, key=lambda m: m.start)
    topics = _headline_topics(item.title, [m for m in ordered if m.end <= title_end])
    if not topics or len(ordered) == len(topics):
        return []
    # one topic of each kind: the company or organization, and the product or hardware
    kinds = [next((m for m in topics if m.type in kind), None) for kind in (_ORG_TYPES, _MADE_TYPES)]
    if kinds[0] is None and kinds[1] is not None:  # the owner of the headline's product (Anthropic’s new Cowork tool)
        kinds[0] = next((m for m in ordered if m.end <= kinds[1].start and m.type in _ORG_TYPES and
                         _OWNER_AFTER.match(item.title, m.end)), None)
    kinds = [m for m in kinds if m is not None]
    text = item_text(item)
    index = rule_index(rules)
    relation_rules = rules.relation_rules
    have = _stated(already)
    found: dict[tuple[str, str, str], Relation] = {}
    for s_start, s_end, inside in _body_sentences(item, text, ordered):
        sentence = to_simplified(text[s_start:s_end])
        places = _topic_places(sentence, s_start, inside)
        if not places:
            continue
        evidence = text[s_start:s_end].strip()
        for topic in kinds:
            if any(m.entity_id == topic.entity_id for m in inside):
                continue  # the sentence names the topic itself: the sentence rules have read it
            kind = _ORG_TYPES if topic.type in _ORG_TYPES else _MADE_TYPES
            # a place after a name of the topic's kind in the sentence is that name's (Gemma 3 得分 40%，超越 X)
            stand_ins = [Mention(topic.item_id, a, b, topic.surface, topic.type, topic.entity_id, topic.extractor,
                                 topic.confidence, topic.sentence)
                         for a, b in places if not any(m.type in kind and m.start < a for m in inside)]
            if not stand_ins:
                continue
            both = sorted(inside + stand_ins, key=lambda m: (m.start, m.end))
            virtual = {i for i, m in enumerate(both) if any(m is x for x in stand_ins)}
            masked = mask_sentence(sentence, s_start, both)
            for rule in map(relation_rules.__getitem__, index.candidates(masked)):
                for match in rule.regex.finditer(masked):
                    si, oi = int(match.group("S")), int(match.group("O"))
                    if (si in virtual) == (oi in virtual):
                        continue  # the topic at neither end (the sentence rules' own), or at both
                    objects = [oi]
                    if rule.object_list and si in virtual:
                        objects += _listed_after(masked, match.end("O") + 1, rule.object_types)
                    if rule.relation == "uses" and si in virtual and topic.type in _ORG_TYPES and \
                            (len(kinds) > 1 or both[oi].type != "Hardware"):
                        continue  # a product uses a thing (已集成至 X), its maker the chips it runs
                    status = claim_status(masked, match.start(), match.end(), rules)
                    for o in _distinct(both, objects):
                        if o in virtual and si in virtual:
                            continue
                        if rule.relation == "develops" and _made_by_another(both[si], both[o], rules):
                            continue
                        if rule.relation == "uses" and _same_family(both[si], both[o]):
                            continue  # the topic's own family (DeepSeek 还采用 DeepSeekMath V2 的方法)
                        rel = _relation(rule.relation, both[si], both[o], item, evidence, f"{rule.id}/topic",
                                        rule.confidence * _TOPIC_DISCOUNT, match.groupdict().get("role"), rules, status)
                        if rel is not None and (rel.subject, rel.predicate, rel.object) not in have:
                            _keep_best(found, rel)
    return list(found.values())


_MADE_TYPES = {"Product", "Hardware"}
_TOPIC_DISCOUNT = 0.85  # the topic is read, not named: a little less sure than the rule
# where a clause starts: the sentence's start (after list marks and a field label such as 做什么的：) and after a
# comma, a semicolon or a colon
_CLAUSE_START = re.compile(r"(?:^|(?<=[，,；;：:]))[\s>*•·\-–—]*")
_ZH_LEAD = (r"(?:近期|近日|日前|目前|此前|此外|另外|同时|随后|此次|本次|今年|去年|今天|今日|并且|而且|并|还|也|已经|已|正式|正在|正|"
            r"刚刚|刚|首次|将|更|则|计划|考虑|准备|即将|拟)*")
_ZH_STAND_IN = re.compile(_ZH_LEAD + r"(该公司|该初创公司|这家公司|该团队|该实验室|该模型|这款模型|该工具|该应用|该产品|该平台|"
                          r"该系统|该项目|该芯片|公司|团队|其(?![他中余实次])|它(?!们))")
_EN_STAND_IN = re.compile(r"(It|The (?:company|startup|firm|lab|model|tool|app|platform|"
                          r"service|system|chip|device|release|update))\b(?!\s*(?:is|was)\s+(?:a|an|the)\b)")
# how a Chinese clause without a subject starts when the item's topic is its subject: an adverb, then a verb of
# the relations (a clause opening with a noun, 投资方阵容（…）, has a subject of its own)
_ZH_VERB_LEAD = re.compile(_ZH_LEAD + r"(?:发布|推出|开源|上线|宣布|使用|采用|基于|依托|搭载|接入|集成|支持|超越|超过|击败|媲美|比肩|"
                           r"对标|完成|获得|收购|并购|携手|联合|联手|牵手|与|和|同|在|通过|由|向|达成|签署|"
                           r"加入|出任|担任|创立|创办|成立|训练|部署|运行|打造|研发|开发|构建|登陆|引入|迁移|切换|"
                           r"(?:联合)?创始人|创办人|CEO|CTO|首席[\u4e00-\u9fff]{1,4}官|总裁|董事长|负责人|"
                           r"(?:最大|主要|直接)?(?:竞争对手|竞品|对手)(?:是|为|包括|有))")
# what a sentence of comment rather than report opens with (类比参考：, 创业者启示：) and a question: no topic read
_COMMENT = re.compile(r"^\W*(?:类比参考|类比|创业者启示|对创业者的启[发示]|启示|点评|评论|观点|思考|为什么重要|值得关注|风险)\s?[：:]")
# 其 before a word for a new product of its own (其最新模型 X, 其自研芯片 Y), anywhere in a clause: the topic's
_ZH_ITS_OWN = re.compile(r"其(?=\s?(?:的|旗下的?)?\s?(?:最新|全新|新一代|新款|首款|自研|旗舰))")


def _same_family(subj: Mention, obj: Mention) -> bool:
    lead = re.match(r"[A-Za-z]+|[\u4e00-\u9fff]{2}", subj.surface)
    return lead is not None and obj.surface.lower().startswith(lead.group(0).lower())


def _made_by_another(subj: Mention, obj: Mention, rules: Rules) -> bool:
    known = rules.entities.get(obj.entity_id)
    return known is not None and bool(known.developer) and known.developer != subj.entity_id


def _topic_places(sentence: str, start: int, inside: list[Mention]) -> list[tuple[int, int]]:
    """Where the topic stands unnamed in the sentence (offsets in the item text): over a word for it, or (Chinese)
    at the start of a clause that names no subject."""
    places = []
    mention_starts = {m.start - start for m in inside}
    taken = [(m.start - start, m.end - start) for m in inside]
    if _COMMENT.match(sentence) or sentence.rstrip().endswith(("?", "？")):
        return []
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in sentence[:40])
    if chinese:
        for word in _ZH_ITS_OWN.finditer(sentence):
            if not any(a <= word.start() < b for a, b in taken):
                places.append((start + word.start(), start + word.end()))
    for clause in _CLAUSE_START.finditer(sentence):
        at = clause.end()
        if at >= len(sentence) or at in mention_starts or any(a <= at < b for a, b in taken):
            continue
        if chinese:
            word = _ZH_STAND_IN.match(sentence, at)
            if word:
                if (start + word.start(1), start + word.end(1)) not in places:
                    places.append((start + word.start(1), start + word.end(1)))
            elif _ZH_VERB_LEAD.match(sentence, at):
                places.append((start + at, start + at))
        elif sentence[:at].rstrip()[-1:] in ("", ";", ":"):  # an English sentence's or clause's subject
            word = _EN_STAND_IN.match(sentence, at)
            if word:
                places.append((start + word.start(1), start + word.end(1)))
    return sorted(places)


_SLOT = re.compile(rf"{MENTION_OPEN}[A-Z](\d+){MENTION_CLOSE}")
# what may stand before the headline's topic: its maker and release words ("Anthropic’s new Cowork tool …",
# "Poolside 发布 Laguna S 2.1"), not a clause about something else ("Elon Musk Loses Suit Against OpenAI")
_TOPIC_LEAD = re.compile(r"(?:[\s:：,，|·\-—–“”\"「」《》]|的|旗下|发布了?|推出了?|开源了?|上线了?|正式|全新|最新|新款?|"
                         r"’s|'s|\b(?:introduces|launches|releases|unveils|debuts|announces|new|its|the)\b|"
                         # what the topic is (AI 芯片公司 Cerebras, 国防科技公司 X, AI startup X, chipmaker X)
                         r"[\u4e00-\u9fffA-Za-z]{0,8}(?:初创公司|创业公司|公司|企业|独角兽|厂商|实验室)|"
                         r"\b(?:AI\s)?(?:startup|company|firm|chipmaker|lab)\b)*", re.I)
_OWNER_AFTER = re.compile(r"\s?(?:的|旗下|’s|'s)")


def _headline_topics(title: str, in_title: list[Mention]) -> list[Mention]:
    """The headline's mentions that may be what the item is about: those before which the headline holds only
    other names and release words, and that are not the owner of the next name (Sakana 的 Fugu-Cyber)."""
    topics, cursor, lead = [], 0, []
    for m in in_title:
        lead.append(title[cursor : m.start])
        if not _TOPIC_LEAD.fullmatch("".join(lead)):
            break
        if not _OWNER_AFTER.match(title, m.end):
            topics.append(m)
        cursor = m.end
        lead = []
    return topics


# A funding round's investors named in a body sentence whose company is the item's subject (a headline such as
# "ThinkLabs AI" over "由 A 领投，B、C 参投，老股东 D 持续加码" or "led by A, with participation from B and C").
_LEAD_AFTER = re.compile(r"(?:联合领投|共同领投|领投|参投|跟投|共同投资|参与投资|持续加码|超额认购)")
# ... of which these say a round only beside a round word (Perplexity 承诺…持续加码 is no round)
_LEAD_ALONE = re.compile(r"(?:联合领投|共同领投|领投|参投|跟投)")
_INVESTORS_FOLLOW = re.compile(
    r"(?:(?:投资方|投资者|投资人|投资机构|支持者|出资方|参投方)(?:包括|为|有)|\bled by\b|\bco-led by\b|"
    r"participation (?:from|of)|\binvestors? (?:include[sd]?|including|are|were)\b|\bbacked by\b|\bfunded by\b)", re.I)
_FUNDING_CUES = (_LEAD_AFTER, _INVESTORS_FOLLOW)
_FUNDING_CUE_INDEX = TriggerIndex(list(_FUNDING_CUES))  # most texts hold none of the words these need
_ROUND = re.compile(r"融资|募资|轮|\braise[sd]?\b|\braising\b|\bfunding\b|\bround\b|\bseries [a-z]\b|\bseed\b", re.I)
_CLAUSE_END = re.compile(r"[，,；;：:（(]")
# between two investors of one list: "A, B, and existing backers like C", "A、B 和 C"; anything else ends the list
# ("..., values the startup at $4.5B ... customers such as Adobe": Adobe is no investor)
_INVESTOR_JOIN = re.compile(
    r"(?:\s|[,，、/&]|\band\b|\bas well as\b|\bplus\b|\balong with\b|\bwith\b|\bincluding\b|\blike\b|\bsuch as\b|"
    r"\bexisting\b|\breturning\b|\bother\b|\bnew\b|\bbackers?\b|\binvestors?\b|\bparticipation (?:from|of)\b|"
    r"\bthe\b|以及|和|与|及)*", re.I)
_CLAUSE_BREAK = re.compile(r"[,，;；。:：]")
_WORD = re.compile(r"[A-Za-z]+")
_INVESTOR_TYPES = {"Company", "Organization", "Person"}


def round_investors(item: NewsItem, mentions: list[Mention], rules: Rules, already: Iterable[Relation]) -> list[Relation]:
    """investsIn from the investors a funding sentence lists (before 领投/参投, after 投资方包括 / led by /
    participation from) to the company the sentence names before its round, else the first company of the
    headline, when no pattern related them already."""
    text = item_text(item)
    if not any(_FUNDING_CUES[n].search(text) for n in _FUNDING_CUE_INDEX.candidates(text)):
        return []
    title_end = len(item.title)
    in_title = [m for m in mentions if m.end <= title_end and m.type == "Company"]
    have = {(r.subject, r.predicate, r.object) for r in already}
    ordered = sorted(mentions, key=lambda m: m.start)
    starts = [m.start for m in ordered]
    out: dict[tuple[str, str, str], Relation] = {}
    for s_start, s_end in sentence_bounds(text):
        if s_start < title_end:
            continue
        sentence = text[s_start:s_end]
        if not _ROUND.search(sentence) and not _LEAD_ALONE.search(sentence):
            continue  # (领投 and 参投 say it is a round: A 和 B 领投，C 跟投)
        inside = ordered[bisect_left(starts, s_start) : bisect_left(starts, s_end)]
        investors: list[Mention] = []
        for cue in _LEAD_AFTER.finditer(sentence):  # 由 A 领投，B、C 参投: the clause before each cue
            clause_start = max((c.end() for c in _CLAUSE_END.finditer(sentence, 0, cue.start())), default=0)
            investors += [m for m in inside if s_start + clause_start <= m.start and m.end <= s_start + cue.start()]
        for cue in _INVESTORS_FOLLOW.finditer(sentence):  # 投资方包括 A、B 等 / led by A, with participation from B
            if cue.group().lower().endswith("led by") and not _ROUND.search(sentence, max(0, cue.start() - 40), cue.start()):
                continue  # "xAI, the startup led by Elon Musk, raised $20B": a company led, not a round
            stop = _LEAD_AFTER.search(sentence, cue.end())
            end = s_start + (stop.start() if stop else len(sentence))
            investors += _listed_from(text, [m for m in inside if s_start + cue.end() <= m.start and m.end <= end],
                                      s_start + cue.end())
        investors = [m for m in investors if m.type in _INVESTOR_TYPES]
        if not investors:
            continue
        first_investor = min(m.start for m in investors)
        funded = [m for m in inside if m.type == "Company" and m.end <= first_investor and m not in investors]
        target = funded[0] if funded else (in_title[0] if in_title else None)
        if target is None:
            continue
        # cues up to the last investor: "资金将用于…" after them is about the money, not the round
        claim = to_simplified(text[s_start : max(m.end for m in investors)])
        status = claim_status(claim, 0, len(claim), rules)
        for investor in investors:
            key = (investor.entity_id, "investsIn", target.entity_id)
            if investor.entity_id == target.entity_id or key in have or key in out:
                continue
            confidence = round(0.75 * min(investor.confidence, target.confidence), 3)
            out[key] = Relation(investor.entity_id, "investsIn", target.entity_id, item.id, item.date, item.url,
                                sentence.strip(), "rule:round-investors", confidence, None, status)
    return list(out.values())


def _listed_from(text: str, candidates: list[Mention], position: int) -> list[Mention]:
    """The mentions (in text order) that form one list starting at `position`: each joined to the one before by
    commas, 'and', 'existing backers like' and the like, or by a few names without a comma (A、B、C)."""
    listed = []
    for m in candidates:
        if m.start < position:
            continue  # nested inside the previous mention
        gap = text[position : m.start]
        if _INVESTOR_JOIN.fullmatch(gap) is None and (_CLAUSE_BREAK.search(gap) or len(_WORD.findall(gap)) > 3):
            break  # neither a joiner nor names the reader did not recognise (A、Ondas、美国情报投资机构 B)
        listed.append(m)
        position = m.end
    return listed


def knowledge_relations(item: NewsItem, mentions: list[Mention], rules: Rules, already: Iterable[Relation]) -> list[Relation]:
    """develops / worksFor that the gazetteer states, where one sentence names both ends and no pattern fired."""
    have = {(r.subject, r.predicate, r.object) for r in already}
    by_sentence: dict[str, set[str]] = {}
    for m in mentions:
        by_sentence.setdefault(m.sentence, set()).add(m.entity_id)
    organizations = rules.ids_of_types("Company", "Organization")
    out = []
    for sentence, ids in by_sentence.items():
        for entity_id in sorted(ids):
            g = rules.entities.get(entity_id)
            if g is None:
                continue
            for predicate, target, role in (("develops", g.developer, None), ("worksFor", g.works_for, g.role)):
                if not target or target not in ids:
                    continue
                if predicate == "worksFor" and len(ids & organizations) > 1:
                    continue  # with several organisations named, the sentence may be about another one
                s, o = (target, entity_id) if predicate == "develops" else (entity_id, target)
                if (s, predicate, o) in have:
                    continue
                have.add((s, predicate, o))
                confidence = 0.6 if predicate == "develops" else 0.5
                out.append(Relation(s, predicate, o, item.id, item.date, item.url, sentence, f"gazetteer:{predicate}", confidence, role))
    return out


# A software release's number, not a model's version: v1.4.1, 0.10.5.
_RELEASE_NUMBER = re.compile(r"(?:\bv\d+(?:\.\d+)+|\d+\.\d+\.\d+)$")


def variant_relations(item: NewsItem, mentions: list[Mention], base_of: dict[str, str]) -> list[Relation]:
    """X variantOf Y where the item names both (Gemini 3 Pro, Gemini 3)."""
    named = {}
    for m in sorted(mentions, key=lambda m: m.start):
        named.setdefault(m.entity_id, m)
    out = []
    text = None  # read only for a mention that has a base
    for entity_id, m in named.items():
        base = base_of.get(entity_id)
        if not base or base not in named or _RELEASE_NUMBER.search(m.surface):
            continue
        text = item_text(item) if text is None else text
        if text[m.end : m.end + 1] != "+":  # PyTorch 2.2+: that release or a later one
            out.append(Relation(entity_id, "variantOf", base, item.id, item.date, item.url, m.sentence, "rule:variant-name", 0.9))
    return out


def co_mentions(mentions: list[Mention]) -> list[tuple[str, str]]:
    """Unordered pairs of distinct entities named in one item (none for items naming too many)."""
    return co_mention_pairs(named_ids(mentions))


def named_ids(mentions: list[Mention]) -> tuple[str, ...]:
    """The ids of the entities an item names, sorted, each once."""
    return tuple(sorted({m.entity_id for m in mentions}))


def co_mention_pairs(ids: tuple[str, ...]) -> list[tuple[str, str]]:
    """Pairs of the sorted, distinct entity ids of one item (none for items naming too many)."""
    if len(ids) > MAX_ENTITIES_FOR_CO_MENTION:
        return []
    return [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
