"""Reported, planned and denied relations are kept as statements with a status, never asserted as plain facts."""
from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.errors import RulesError
from kg.extract.mentions import extract_mentions, make_pipelines
from kg.records import NewsItem
from kg.link.relations import pattern_relations
from kg.extract.rules import load_rules

KG = "https://w3id.org/kg-ai/vocab#"


def _relations(rules, title, text=""):
    item = NewsItem(id="x", title=title, text=text, date="2026-03-01", url="https://example.com/x")
    [(_, mentions)] = list(extract_mentions([item], make_pipelines(rules)))
    return {(r.subject, r.predicate, r.object): r.status for r in pattern_relations(item, mentions, rules)}


@pytest.mark.parametrize(
    "title, expected",
    [
        ("谷歌宣布收购 Anthropic，交易已经完成", None),
        ("据报道，谷歌正在洽谈收购 Anthropic", "reported"),
        ("谷歌否认收购 Anthropic 的传闻", "denied"),
        ("谷歌拟收购 Anthropic", "planned"),
        ("Google acquires Anthropic", None),
        ("Google reportedly acquires Anthropic", "reported"),
        ("Google denies it acquired Anthropic", "denied"),
        ("Google will acquire Anthropic", "planned"),
    ],
)
def test_acquisition_claims_carry_their_status(rules, title, expected):
    found = _relations(rules, title)
    assert found[("google", "acquires", "anthropic")] == expected


def test_a_future_release_is_planned_and_a_past_one_is_a_fact(rules):
    assert _relations(rules, "英伟达将于下周发布 H200")[("nvidia", "develops", "nvidia-h200")] == "planned"
    assert _relations(rules, "英伟达发布 H200")[("nvidia", "develops", "nvidia-h200")] is None


def test_将_as_an_object_marker_is_not_a_plan(rules):
    # 将 X 集成到 Y: "puts X into Y", a done deed, not "will"
    found = _relations(rules, "苹果将 Gemini 集成到 Siri 中，并已上线")
    assert found and all(status is None for status in found.values())


@pytest.fixture
def claims_build(tmp_path):
    """The output folder of a build of three claims: a rumour, a denial and a fact."""
    from click.testing import CliRunner

    from kg.cli import cli

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "2026-03-01.md").write_text(
        "# AI 日报 2026-03-01\n\n"
        "### 据报道，OpenAI 正洽谈收购 Anthropic\n据报道，OpenAI 正在洽谈收购 Anthropic。[阅读原文](https://example.com/a1)\n\n"
        "### 微软否认收购 OpenAI\n微软否认收购 OpenAI 的传闻。[阅读原文](https://example.com/a2)\n\n"
        "### 谷歌收购 Anthropic\n谷歌宣布收购 Anthropic，交易已经完成。[阅读原文](https://example.com/a3)\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(folder), "--out", str(out), "--no-model"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def claims_graph(claims_build):
    store = ox.Store()
    store.load(path=str(claims_build / "graph.ttl"), format=ox.RdfFormat.TURTLE)
    return store


def _rows(store, sparql):
    prefixes = (f"PREFIX kg: <{KG}> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
                "PREFIX schema: <https://schema.org/> ")
    return [tuple(term.value if term is not None else None for term in row) for row in store.query(prefixes + sparql)]


def test_the_turtle_marks_the_status_and_asserts_only_stated_facts(claims_graph):
    statements = _rows(claims_graph, """SELECT ?s ?o ?status ?url WHERE {
        ?st a kg:Statement ; rdf:predicate kg:acquires ; rdf:subject/kg:name ?s ; rdf:object/kg:name ?o ; schema:url ?url
        OPTIONAL { ?st kg:status ?status } } ORDER BY ?s""")
    assert statements == [
        ("Google", "Anthropic", None, "https://example.com/a3"),
        ("Microsoft", "OpenAI", "denied", "https://example.com/a2"),
        ("OpenAI", "Anthropic", "reported", "https://example.com/a1"),
    ]
    facts = _rows(claims_graph, "SELECT ?s ?o WHERE { ?a kg:acquires ?b . ?a kg:name ?s . ?b kg:name ?o }")
    assert facts == [("Google", "Anthropic")]


def test_the_shapes_accept_a_status_and_refuse_an_unknown_one(claims_graph, tmp_path):
    pyshacl = pytest.importorskip("pyshacl")
    from pathlib import Path

    import rdflib

    shapes = rdflib.Graph().parse(Path(__file__).parent.parent / "kg" / "rdf" / "shapes.ttl")
    data = rdflib.Graph()
    for quad in claims_graph:
        data.parse(data=f"{quad.subject} {quad.predicate} {quad.object} .", format="nt")
    conforms, _, _ = pyshacl.validate(data, shacl_graph=shapes)
    assert conforms
    statement = next(iter(data.subjects(rdflib.URIRef(KG + "status"), None)))
    data.set((statement, rdflib.URIRef(KG + "status"), rdflib.Literal("rumoured")))
    conforms, _, _ = pyshacl.validate(data, shacl_graph=shapes)
    assert not conforms


def test_a_broken_factuality_cue_is_reported_with_its_place(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "relations.yml").write_text(
        "factuality:\n  denied: ['否认', '(unclosed']\nrules:\n"
        "  - {id: r1, relation: acquires, pattern: '{S:Company}收购{O:Company}', confidence: 0.8}\n",
        encoding="utf-8",
    )
    with pytest.raises(RulesError) as err:
        load_rules(folder)
    assert err.value.problems[1:] == [
        "[rules/relations.yml -> factuality -> denied -> 1] missing ), unterminated subpattern at position 0"
    ]


def test_kg_load_gives_the_status_back_on_the_edge(claims_build):
    import kg

    graph = kg.load(claims_build / "graph.ttl")
    claims = {(graph.nodes[s]["name"], graph.nodes[o]["name"]): data.get("status", "")
              for s, o, data in graph.edges(data=True) if data["relation"] == "acquires"}
    assert claims == {("Google", "Anthropic"): "", ("Microsoft", "OpenAI"): "denied", ("OpenAI", "Anthropic"): "reported"}
