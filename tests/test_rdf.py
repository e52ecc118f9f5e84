"""The Turtle contract SPARQL users rely on: checked with rdflib, pyshacl, Debian's rapper and roqet."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg.export.turtle import export, to_rdf
from kg.sparql.query import run
from kg.sparql.store import load_store
from .conftest import CHROMEDRIVER, CHROMIUM, GOLDEN, chrome, open_page, tiny_graph

RDF_DIR = Path(__file__).parent.parent / "kg" / "rdf"

GEMINI_3_QUERY = """
PREFIX kg: <https://w3id.org/kg-ai/vocab#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
SELECT ?date ?url WHERE {
  ?google rdfs:label "Google"@en . ?gemini rdfs:label "Gemini 3"@en .
  ?google kg:develops ?gemini .
  ?st rdf:subject ?google ; rdf:predicate kg:develops ; rdf:object ?gemini ; dcterms:date ?date ; schema:url ?url .
} ORDER BY ?date ?url
"""


def test_tiny_graph_matches_golden_turtle():
    expected = Graph().parse(GOLDEN, format="turtle")
    actual = to_rdf(tiny_graph())
    if not isomorphic(expected, actual):
        _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
        pytest.fail(f"missing: {sorted(only_expected)}\nunexpected: {sorted(only_actual)}")


def test_base_iri_is_configurable():
    g = to_rdf(tiny_graph(), base="http://data.example.org/ai")
    assert any(str(s).startswith("http://data.example.org/ai/entity/google") for s in g.subjects())


def test_sample_export_conforms_to_the_shacl_shapes(sample_exports):
    pyshacl = pytest.importorskip("pyshacl")
    data = Graph().parse(sample_exports / "graph.ttl", format="turtle")
    shapes = Graph().parse(RDF_DIR / "shapes.ttl", format="turtle")
    ontology = Graph().parse(RDF_DIR / "vocab.ttl", format="turtle")
    conforms, _, report = pyshacl.validate(data, shacl_graph=shapes, ont_graph=ontology, inference="rdfs")
    assert conforms, report


def test_shapes_reject_a_statement_without_date(sample_exports):
    pyshacl = pytest.importorskip("pyshacl")
    data = Graph().parse(sample_exports / "graph.ttl", format="turtle")
    data.update("PREFIX dcterms: <http://purl.org/dc/terms/> DELETE { ?s dcterms:date ?d } WHERE { ?s dcterms:date ?d }")
    shapes = Graph().parse(RDF_DIR / "shapes.ttl", format="turtle")
    conforms, _, _ = pyshacl.validate(data, shacl_graph=shapes)
    assert not conforms


def test_known_edge_answers_in_our_sparql_engine(sample_exports):
    result = run(load_store(sample_exports / "graph.ttl"), GEMINI_3_QUERY)
    assert ["2025-12-07", "https://mp.weixin.qq.com/s?__biz=MzI3MTA0MTk1MA==&chksm=f06946e891f3c89ebb5d1a491b7ee1b2a0a0d96c82b9bf3d6d33971e258f332900ca99f2ea37&idx=1&mid=2652652041&sn=dcf2a419986d2775d9ae729644babf7a#rd"] in result.rows


def test_entities_carry_schema_class_labels_and_wikidata(sample_exports):
    result = run(load_store(sample_exports / "graph.ttl"), """
        PREFIX schema: <https://schema.org/> PREFIX kg: <https://w3id.org/kg-ai/vocab#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT ?zh ?wd WHERE { ?e a kg:Company, schema:Organization ; rdfs:label "Google"@en, ?zh ; owl:sameAs ?wd FILTER(LANG(?zh) = "zh") }""")
    assert result.rows == [["谷歌", "http://www.wikidata.org/entity/Q95"]]


def test_news_items_are_schema_news_articles_that_mention_entities(sample_exports):
    result = run(load_store(sample_exports / "graph.ttl"), """
        PREFIX schema: <https://schema.org/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a schema:NewsArticle ; schema:headline ?h ; schema:datePublished ?d ; schema:url ?u }""")
    assert result.rows == [["97"]]


@pytest.mark.skipif(shutil.which("rapper") is None, reason="Debian raptor2-utils not installed (.ci/run installs it)")
def test_rapper_parses_the_export_and_odd_iris(sample_exports, tmp_path):
    for path in (sample_exports / "graph.ttl", _tiny_export(tmp_path), RDF_DIR / "vocab.ttl", RDF_DIR / "shapes.ttl"):
        done = subprocess.run(["rapper", "-q", "-i", "turtle", "-c", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


@pytest.mark.skipif(shutil.which("roqet") is None, reason="Debian rasqal-utils not installed (.ci/run installs it)")
def test_roqet_answers_the_known_edge(sample_exports, tmp_path):
    query = tmp_path / "q.rq"
    query.write_text(GEMINI_3_QUERY, encoding="utf-8")
    done = subprocess.run(
        ["roqet", "-q", "-r", "csv", "-D", str(sample_exports / "graph.ttl"), str(query)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "2025-12-07" in done.stdout and "sn=dcf2a419986d2775d9ae729644babf7a" in done.stdout


def _tiny_export(tmp_path) -> Path:
    path = tmp_path / "tiny.ttl"
    export(tiny_graph(), path)
    return path


@pytest.mark.skipif(shutil.which("rapper") is None, reason="Debian raptor2-utils not installed (.ci/run installs it)")
def test_rapper_accepts_iris_of_arbitrary_entity_names(tmp_path):
    import random

    rng = random.Random(7)
    alphabet = "ab 名字/?#%<>\"{}|\\^`'\n\t\u200b😀-_.:@&=+$,;!*()[]~" + "".join(chr(c) for c in range(0x20))
    g = tiny_graph()
    for _ in range(200):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        g.add_node(name, type="Person", name=name or "x", name_zh="", aliases=[name], wikidata="", mentions=1,
                   extractor="pattern:cue-person-en", confidence=0.5, first_date="2025-12-07", last_date="2025-12-07", items=["i1"])
    path = tmp_path / "fuzzed.ttl"
    export(g, path)
    done = subprocess.run(["rapper", "-q", "-i", "turtle", "-c", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[:2000]
    assert len(Graph().parse(path, format="turtle")) > 1000


# ---------------------------------------------------------------------- precomputed for fast queries

PREFIXES = """PREFIX kg: <https://w3id.org/kg-ai/vocab#>
PREFIX schema: <https://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


def test_monthly_mention_counts_equal_counting_the_items(sample_exports):
    store = load_store(sample_exports / "graph.ttl", persistent=False)
    counted = run(store, PREFIXES + """SELECT ?e ?month (COUNT(DISTINCT ?item) AS ?n) WHERE {
        ?item schema:mentions ?e ; schema:datePublished ?d . BIND(SUBSTR(STR(?d), 1, 7) AS ?month) } GROUP BY ?e ?month""").rows
    stored = run(store, PREFIXES + """SELECT ?e ?month ?n WHERE {
        ?t a kg:MonthlyMentions ; kg:entity ?e ; kg:month ?month ; kg:count ?n }""").rows
    assert len(stored) > 50
    assert sorted(map(tuple, stored)) == sorted(map(tuple, counted))


def test_every_entity_has_one_display_name_and_a_key_for_each_label(sample_exports):
    store = load_store(sample_exports / "graph.ttl", persistent=False)
    labels = run(store, PREFIXES + "SELECT ?e ?l WHERE { ?e kg:mentionCount ?c ; rdfs:label|skos:altLabel ?l }").rows
    keys = {tuple(row) for row in run(store, PREFIXES + "SELECT ?e ?k WHERE { ?e kg:nameKey ?k }").rows}
    assert labels and all((e, label.lower()) in keys for e, label in labels)
    names = run(store, PREFIXES + "SELECT ?e (COUNT(?n) AS ?names) (SAMPLE(?n) AS ?name) WHERE { ?e kg:name ?n } GROUP BY ?e").rows
    entities = {e for e, _ in labels}
    assert {e for e, _, _ in names} == entities and all(count == "1" for _, count, _ in names)
    google = run(store, PREFIXES + 'SELECT ?n WHERE { ?e kg:nameKey "谷歌" ; kg:name ?n }').rows
    assert google == [["Google"]]


# ---------------------------------------------------------------------- items without a link of their own

NO_LINK_DIGEST = """---
date: 2025-12-08
---
# AI 日报

## OpenAI 发布 ChatGPT 新功能

OpenAI 今天发布了 ChatGPT 的群聊功能。

## 英伟达发布H200

英伟达发布了新的H200芯片。[原文](https://example.com/h200)
"""


@pytest.fixture(scope="module")
def no_link_exports(tmp_path_factory):
    from kg.export import export_all
    from kg.builder.pipeline import build

    folder = tmp_path_factory.mktemp("digests")
    (folder / "2025-12-08.md").write_text(NO_LINK_DIGEST, encoding="utf-8")
    out = tmp_path_factory.mktemp("out")
    export_all(build([folder], use_model=False).graph, out, max_nodes=None)
    return out


def test_a_statement_without_url_points_at_its_digest_file_and_line(no_link_exports):
    rows = run(load_store(no_link_exports / "graph.ttl", persistent=False), """
        SELECT ?s ?o ?url ?file ?line WHERE {
          ?st a kg:Statement ; rdf:subject/kg:name ?s ; rdf:predicate kg:develops ; rdf:object/kg:name ?o ;
              prov:wasDerivedFrom ?item .
          OPTIONAL { ?st schema:url ?url }
          ?item kg:listedIn ?digest ; kg:line ?line . ?digest schema:name ?file .
          FILTER(STRSTARTS(STR(?item), "https://w3id.org/kg-ai/id/item/"))
        } ORDER BY ?s""").rows
    assert rows == [["NVIDIA", "H200", "https://example.com/h200", "2025-12-08.md", "10"],
                    ["OpenAI", "ChatGPT", None, "2025-12-08.md", "6"]]


def test_graphml_and_html_carry_the_digest_file_and_line_of_such_edges(no_link_exports):
    import json
    import re

    back = nx.read_graphml(no_link_exports / "graph.graphml", force_multigraph=True)
    develops = {(u, v): d for u, v, d in back.edges(data=True) if d["relation"] == "develops"}
    assert develops["openai", "chatgpt"]["url"] == ""
    assert (develops["openai", "chatgpt"]["digest"], develops["openai", "chatgpt"]["line"]) == ("2025-12-08.md", 6)
    page = (no_link_exports / "graph.html").read_text(encoding="utf-8")
    payload = json.loads(re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S).group(1))
    atts = [a for e in payload["edges"] if e["relation"] == "develops" for a in e["atts"] if "url" not in a]
    assert [(a["digest"], a["line"]) for a in atts] == [("2025-12-08.md", 6)]


def test_shapes_require_a_url_or_a_digest_line_for_every_statement_s_item(no_link_exports):
    pyshacl = pytest.importorskip("pyshacl")
    shapes = Graph().parse(RDF_DIR / "shapes.ttl", format="turtle")
    data = Graph().parse(no_link_exports / "graph.ttl", format="turtle")
    conforms, _, report = pyshacl.validate(data, shacl_graph=shapes)
    assert conforms, report
    data.update("PREFIX kg: <https://w3id.org/kg-ai/vocab#> DELETE { ?i kg:line ?n } WHERE { ?i kg:line ?n }")
    conforms, _, _ = pyshacl.validate(data, shacl_graph=shapes)
    assert not conforms


@pytest.mark.browser
def test_the_html_panel_shows_the_digest_file_and_line(no_link_exports):

    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("needs Debian chromium + chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)")
    pytest.importorskip("selenium")
    driver = chrome(logging=False)
    try:
        open_page(driver, no_link_exports / "graph.html")
        edge = driver.execute_script(
            "return kgExplorer.data.edges.find(function (e) { return e.relation === 'develops' && !e.atts[0].url; }).id")
        driver.execute_script(f"kgExplorer.showEdge({json.dumps(edge)})")
        assert "listed in 2025-12-08.md, line 6" in driver.find_element("id", "kg-panel").text
    finally:
        driver.quit()


def test_an_item_listed_by_several_digests_names_the_one_its_line_is_in(sample_exports):
    rows = run(load_store(sample_exports / "graph.ttl", persistent=False), """
        SELECT ?file ?line (COUNT(DISTINCT ?d) AS ?digests) WHERE {
          ?item kg:listedIn ?d ; kg:firstListedIn/schema:name ?file ; kg:line ?line }
        GROUP BY ?item ?file ?line""").rows
    assert rows and all(int(digests) > 1 for _, _, digests in rows)
    many = run(load_store(sample_exports / "graph.ttl", persistent=False), """
        SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?item WHERE { ?item kg:listedIn ?d } GROUP BY ?item
        HAVING (COUNT(?d) > 1) } }""").rows
    assert many == [[str(len(rows))]]


def test_exports_written_by_other_exporter_code_are_not_reused(tmp_path, monkeypatch):
    """An upgraded kg writes every unit of graph.ttl and graph.graphml again: a unit's inputs say nothing of the
    code that turned them into text."""
    from kg.export import export_all
    from kg.export import incremental as splice

    export_all(tiny_graph(), tmp_path, formats=["turtle", "graphml"])
    notes: list[str] = []
    export_all(tiny_graph(), tmp_path, formats=["turtle", "graphml"], notes=notes)
    assert [n.split(";")[0] for n in notes] == ["graph.ttl updated: 0 of 7 units written again",
                                                "graph.graphml updated: 0 of 5 nodes and edges written again"]
    monkeypatch.setattr(splice, "code_hash", lambda *modules: "other code")
    notes = []
    export_all(tiny_graph(), tmp_path, formats=["turtle", "graphml"], notes=notes)
    assert not [n for n in notes if "updated" in n]
