"""The graph: every edge dated and sourced; known edges present; repeated stories merged."""
from __future__ import annotations

from kg.records import RELATION_TYPES

from .conftest import edges

GEMINI_3_ITEM_URL = "https://mp.weixin.qq.com/s?__biz=MzI3MTA0MTk1MA==&chksm=f06946e891f3c89ebb5d1a491b7ee1b2a0a0d96c82b9bf3d6d33971e258f332900ca99f2ea37&idx=1&mid=2652652041&sn=dcf2a419986d2775d9ae729644babf7a#rd"


def test_google_develops_gemini_3_dated_and_sourced(sample):
    found = edges(sample.graph, "develops", "google", "gemini-3")
    match = [d for _, _, d in found if d["url"] == GEMINI_3_ITEM_URL]
    assert match, [d["url"] for _, _, d in found]
    edge = match[0]
    assert edge["date"] == "2025-12-07"
    assert "谷歌发布Gemini 3" in edge["evidence"]
    assert edge["extractor"].startswith("rule:develops")
    assert edge["title"] == "谷歌：全栈AI重塑市场格局"


def test_every_edge_carries_date_source_evidence_extractor_confidence(sample):
    g = sample.graph
    assert g.number_of_edges() > 50
    for u, v, d in g.edges(data=True):
        assert d["date"][:4] == "2025", (u, v, d)
        assert d["item_id"] in sample.items
        assert d["url"].startswith("https://")
        assert d["extractor"]
        assert 0 < d["confidence"] <= 1
        if d["relation"] != "coMention":
            assert d["relation"] in RELATION_TYPES
            assert d["evidence"]


def test_jensen_huang_works_for_nvidia(sample):
    assert edges(sample.graph, "worksFor", "jensen-huang", "nvidia")


def test_ceo_role_is_kept(sample):
    [(_, _, d)] = edges(sample.graph, "worksFor", "sundar-pichai", "google")[:1]
    assert d["role"] == "CEO"
    assert "谷歌CEO Sundar Pichai" in d["evidence"]


def test_gemini_3_pro_is_a_variant_of_gemini_3(sample):
    assert edges(sample.graph, "variantOf", "gemini-3-pro", "gemini-3")


def test_repeated_x_com_story_is_one_item_with_every_digest_and_earliest_date(sample):
    url = "https://x.com/mervenoyann/status/2002053971406700740"
    same = [i for i in sample.items.values() if i.url == url]
    assert len(same) == 1
    item = same[0]
    assert sorted(item.sources) == ["002_30655789a3e84f55.txt", "003_a5f94b5d30d85d20.txt"]
    assert item.date == "2025-12-20"
    assert sample.report.repeated_items == 12
    assert sample.report.items == 97


def test_co_mentions_are_aggregated_with_counts(sample):
    co = edges(sample.graph, "coMention")
    assert co
    for u, v, d in co:
        assert d["count"] == len(d["items"]) >= 1
        assert u < v  # one edge per unordered pair


def test_mentions_count_items(sample):
    g = sample.graph
    assert g.nodes["google"]["mentions"] == len(g.nodes["google"]["items"]) >= 10


def test_two_workers_build_the_same_graph(sample, rules):
    from kg.export.turtle import to_rdf
    from kg.builder.pipeline import build

    parallel = build(rules=rules, workers=2)
    assert to_rdf(parallel.graph).isomorphic(to_rdf(sample.graph))
    assert parallel.report.items == sample.report.items


def test_running_only_the_triggered_rules_finds_every_relation_all_rules_find(rules, monkeypatch):
    from kg.link import relations
    from kg.extract.triggers import TriggerIndex
    from kg.builder.pipeline import build

    def relation_edges():
        graph = build(rules=rules, use_model=False).graph
        return sorted((u, v, d["relation"], d["item_id"], d["extractor"]) for u, v, d in graph.edges(data=True))

    index = relations.rule_index(rules)
    assert len(index.always) < len(rules.relation_rules) * 0.1  # nearly every rule needs a word
    triggered = relation_edges()
    monkeypatch.setattr(TriggerIndex, "candidates", lambda self, sentence: list(range(len(self.required))))
    assert relation_edges() == triggered
    assert sum(1 for e in triggered if e[2] != "coMention") > 50
