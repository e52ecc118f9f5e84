"""Tests for the interactive HTML exporter (kg/export/html.py).

Browser tests drive Debian's headless Chromium through selenium; they are
marked ``browser`` and skipped when /usr/bin/chromium is missing.  One browser
session serves the whole module.

Benchmark (not a test):  python tests/test_html.py [nodes] [edges]
prints the export time, the time until the 2,000-node / 10,000-edge page is
drawn (physics off) and how long the filters take.
"""
from __future__ import annotations

import json
import random
import re
import sys
import time
from pathlib import Path

import networkx as nx
import pytest

if __name__ == "__main__":  # benchmark run as a script from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.export.html import export, render  # noqa: E402
from .conftest import CHROMEDRIVER, CHROMIUM, chrome, open_page, wait_for

XSS = "<img src=x onerror=alert(1)>"


# --------------------------------------------------------------------------
# graphs built per the graph contract
# --------------------------------------------------------------------------
def _node(g, nid, type_, name, name_zh="", aliases=(), wikidata="", mentions=1, first="2025-01-01", last="2025-12-31"):
    g.add_node(
        nid,
        type=type_,
        name=name,
        name_zh=name_zh,
        aliases=list(aliases),
        wikidata=wikidata,
        mentions=mentions,
        extractor="gazetteer",
        confidence=1.0,
        first_date=first,
        last_date=last,
    )


def _stmt(g, sid, u, v, relation, date, url, title, evidence, role=""):
    g.add_edge(
        u,
        v,
        key=sid,
        relation=relation,
        date=date,
        url=url,
        item_id="item-" + sid,
        title=title,
        evidence=evidence,
        extractor="pattern:test",
        confidence=0.9,
        role=role,
    )


GEMINI_URL = "https://blog.google/technology/ai/gemini-3/"


def make_graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    _node(g, "google", "Company", "Google", "谷歌", ["Alphabet", "Google LLC"], "Q95", mentions=40)
    _node(g, "gemini-3", "Product", "Gemini 3", "", ["Gemini3"], "", mentions=25)
    _node(g, "nvidia", "Company", "NVIDIA", "英伟达", ["Nvidia Corp"], "Q182477", mentions=30)
    _node(g, "h200", "Hardware", "H200", "", [], "", mentions=8)
    _node(g, "openai", "Company", "OpenAI", "", [], "Q21708200", mentions=35)
    _node(g, "sam-altman", "Person", "Sam Altman", "萨姆·奥尔特曼", ["Altman"], "Q7407093", mentions=12)
    _node(g, "xss", "Organization", XSS, "", [XSS], "", mentions=2)
    _stmt(g, "s1", "google", "gemini-3", "develops", "2025-12-07", GEMINI_URL,
          "Google launches Gemini 3", "Google on Sunday released Gemini 3, its most capable model.")
    _stmt(g, "s2", "nvidia", "h200", "develops", "2024-03-18", "https://nvidianews.nvidia.com/h200",
          "NVIDIA unveils H200", "NVIDIA announced the H200 GPU.")
    _stmt(g, "s3", "sam-altman", "openai", "worksFor", "2025-06-01", "https://example.com/altman",
          "Altman returns", "Sam Altman, CEO of OpenAI, said ...", role="CEO")
    _stmt(g, "s3b", "sam-altman", "openai", "worksFor", "2023-11-22", "https://example.com/altman-back",
          "Altman back at OpenAI", "Altman is back as chief executive of OpenAI.", role="chief executive")
    _stmt(g, "s4", "openai", "nvidia", "uses", "2025-02-10", "javascript:alert(2)",
          XSS, "OpenAI trains on NVIDIA GPUs " + XSS)
    _stmt(g, "s5", "xss", "google", "partnersWith", "2025-05-05", "https://example.org/xss",
          XSS, XSS)
    g.add_edge(
        "google", "openai", key="cm1", relation="coMention", date="2025-03-01", url="https://example.com/a",
        item_id="i-a", title="AI roundup", evidence="", extractor="coMention", confidence=0.5, role="",
        count=3, items=["i-a", "i-b", "i-c"],
        urls=["https://example.com/a", "https://example.com/b", "https://example.com/c"],
    )
    g.graph["items"] = {}
    return g


def random_graph(n: int = 2000, m: int = 10000, seed: int = 1) -> nx.MultiDiGraph:
    rng = random.Random(seed)
    types = ["Company", "Organization", "Person", "Product", "Hardware"]
    rels = ["develops", "worksFor", "uses", "partnersWith", "investsIn", "acquires",
            "competesWith", "variantOf", "coMention"]
    g = nx.MultiDiGraph()
    for i in range(n):
        _node(g, f"n{i}", rng.choice(types), f"Entity {i}", f"实体{i}" if i % 3 == 0 else "",
              [f"E{i}"], f"Q{i + 1}" if i % 2 else "", mentions=int(rng.paretovariate(1.2) * 2))
    ids = list(g.nodes)
    # preferential attachment-ish: some hubs, like real news graphs
    weights = [g.nodes[i]["mentions"] for i in ids]
    for j in range(m):
        u, v = rng.choices(ids, weights=weights, k=2)
        day = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        rel = rng.choice(rels)
        _stmt(g, f"s{j}", u, v, rel, day, f"https://news.example.com/{j}",
              f"Headline number {j} about {u} and {v}",
              f"{u} {rel} {v} according to a sentence of typical length in a news digest item {j}.")
        if rel == "coMention":
            g.edges[u, v, f"s{j}"].update(count=2, items=[f"a{j}", f"b{j}"], urls=[])
    return g


# --------------------------------------------------------------------------
# non-browser tests
# --------------------------------------------------------------------------
def _data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    assert m
    return json.loads(m.group(1))


def test_every_contract_type_and_relation_has_a_colour():
    from kg.export.html import RELATION_COLORS, TYPE_COLORS
    from kg.records import CO_MENTION, ENTITY_TYPES, RELATION_TYPES

    assert set(ENTITY_TYPES) <= set(TYPE_COLORS)
    assert set(RELATION_TYPES) | {CO_MENTION} <= set(RELATION_COLORS)


def test_no_remote_resources_and_atomic_write(tmp_path):
    out = tmp_path / "sub" / "graph.html"
    export(make_graph(), out)
    page = out.read_text(encoding="utf-8")
    assert not re.search(r"""\bsrc\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"""<link\b[^>]*\bhref\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "bootstrap" not in page.lower()
    assert "default-src 'none'" in page
    assert [p.name for p in out.parent.iterdir()] == ["graph.html"]  # no temp file left


def test_data_is_escaped_inside_script():
    page = render(make_graph())
    m = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    blob = m.group(1)
    assert "<" not in blob and ">" not in blob
    assert "\u2028" not in page and "\u2029" not in page
    data = json.loads(blob)
    assert any(n["name"] == XSS for n in data["nodes"])
    # the javascript: URL never reaches the page data
    assert "javascript:" not in blob
    g = make_graph()
    g.nodes["google"]["name"] = "</script><script>alert(3)</script>\u2028"
    page = render(g)
    assert "</script><script>alert(3)" not in page
    assert _data(page)["nodes"][0]["name"].startswith("</script>")


def test_max_nodes_keeps_most_mentioned_and_notes_cut():
    page = render(make_graph(), max_nodes=3)
    data = _data(page)
    # too few places to give each community its own: the most mentioned
    assert {n["id"] for n in data["nodes"]} == {"google", "openai", "nvidia"}
    for e in data["edges"]:
        assert e["from"] in {"google", "openai", "nvidia"} and e["to"] in {"google", "openai", "nvidia"}
    assert "Showing 3 of 7 entities" in page
    assert "Showing" not in render(make_graph(), max_nodes=None).split("<style>")[0]


def _two_worlds() -> nx.MultiDiGraph:
    """Two communities that never meet: a big, much-mentioned one and a small, little-mentioned one."""
    g = nx.MultiDiGraph()
    for i in range(14):
        _node(g, f"big{i}", "Company", f"Big {i}", mentions=1000 - i)
    for i in range(6):
        _node(g, f"small{i}", "Product", f"Small {i}", mentions=10 - i)
    for i in range(14):
        for j in range(i + 1, 14):
            _stmt(g, f"b{i}-{j}", f"big{i}", f"big{j}", "partnersWith", "2025-01-02", "https://a.example/1", "t", "e")
    for i in range(6):
        _stmt(g, f"s{i}", f"small{i}", f"small{(i + 1) % 6}", "uses", "2025-01-03", "https://b.example/2", "t", "e")
    return g


def test_max_nodes_keeps_every_community_on_the_page_and_names_it():
    data = _data(render(_two_worlds(), max_nodes=12))
    ids = {n["id"] for n in data["nodes"]}
    assert len(ids) == 12
    # by mentions alone the page would be 12 "big" entities; each community gets its top members first
    # (3 seats each: a quarter of the page)
    assert {n for n in ids if n.startswith("small")} == {"small0", "small1", "small2"}
    communities = data["communities"]
    assert [c["name"] for c in communities] == ["Big 0 \u00b7 Big 1 \u00b7 Big 2", "Small 0 \u00b7 Small 1 \u00b7 Small 2"]
    by_id = {n["id"]: n for n in data["nodes"]}
    assert {by_id[f"small{i}"]["c"] for i in range(3)} == {1} and by_id["big0"]["c"] == 0
    assert [by_id[f"small{i}"]["cr"] for i in range(3)] == [0, 1, 2]  # rank in the community
    # laid out apart: every small entity is nearer the small ones' centre than any big entity is
    import statistics

    cx = statistics.mean(by_id[f"small{i}"]["x"] for i in range(3))
    cy = statistics.mean(by_id[f"small{i}"]["y"] for i in range(3))
    far = max(((n["x"] - cx) ** 2 + (n["y"] - cy) ** 2) ** 0.5 for n in data["nodes"] if n["c"] == 1)
    near = min(((n["x"] - cx) ** 2 + (n["y"] - cy) ** 2) ** 0.5 for n in data["nodes"] if n["c"] == 0)
    assert far < near


def test_export_is_deterministic_with_communities():
    g = random_graph(600, 2000, seed=9)
    assert render(g, max_nodes=200) == render(g, max_nodes=200)


def test_odd_data_does_not_raise(tmp_path):
    g = nx.MultiDiGraph()
    g.add_node(1)  # no attributes at all
    g.add_node("x", type=None, name=None, aliases="solo", mentions="many", confidence=float("nan"),
               first_date=12, wikidata="not-a-qid")
    g.add_edge(1, "x")
    g.add_edge("x", "x", key="loop", relation="coMention", count=None, items=None, date="bad")
    g.add_node("s", name="bad \ud800 surrogate")
    export(g, tmp_path / "odd.html")
    data = _data((tmp_path / "odd.html").read_text(encoding="utf-8"))
    assert len(data["nodes"]) == 3
    export(nx.MultiDiGraph(), tmp_path / "empty.html")
    assert "The graph is empty" in (tmp_path / "empty.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def driver():
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("needs Debian chromium + chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)")
    pytest.importorskip("selenium")
    drv = chrome()
    drv.set_page_load_timeout(30)
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def page(driver, tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "graph.html"
    graph = make_graph()
    export(graph, out)
    driver.get_log("browser")  # drop anything from before
    driver.get_log("performance")
    open_page(driver, out)
    # alert() would block execute_script; record it instead
    return {"driver": driver, "graph": graph, "path": out}


@pytest.mark.browser
def test_node_count_and_legend(page):
    drv = page["driver"]
    assert drv.execute_script("return kgExplorer.nodes.length") == page["graph"].number_of_nodes()
    assert drv.execute_script("return kgExplorer.visibleNodeIds().length") == page["graph"].number_of_nodes()
    legend = drv.find_element("id", "kg-types").text
    for t in ("Company", "Person", "Product", "Hardware", "Organization"):
        assert t in legend


@pytest.mark.browser
@pytest.mark.parametrize("query,expected", [("英伟达", "nvidia"), ("Google", "google"), ("谷歌", "google"), ("alphabet", "google")])
def test_search_selects_and_focuses(page, query, expected):
    from selenium.webdriver.common.keys import Keys

    drv = page["driver"]
    box = drv.find_element("id", "kg-search")
    box.clear()
    box.send_keys(query + Keys.ENTER)
    wait_for(drv, f"return kgExplorer.network.getSelectedNodes()[0] === {json.dumps(expected)}")
    # focus animation ends with the node in the middle of the view
    wait_for(
        drv,
        f"""var n = kgExplorer.network; var p = n.getPositions([{json.dumps(expected)}])[{json.dumps(expected)}];
            var c = n.getViewPosition(); return Math.abs(p.x - c.x) < 2 && Math.abs(p.y - c.y) < 2;""",
        timeout=5,
    )
    assert drv.find_element("id", "kg-panel").get_attribute("data-id") == expected


@pytest.mark.browser
def test_search_enter_cycles_through_matches(page):
    from selenium.webdriver.common.keys import Keys

    drv = page["driver"]
    box = drv.find_element("id", "kg-search")
    box.clear()
    box.send_keys("al" + Keys.ENTER)  # Alphabet (alias of Google, 40 mentions), Altman (12)
    wait_for(drv, "return kgExplorer.selectedNode === 'google'")
    assert "match 1 of" in drv.find_element("id", "kg-search-status").text
    box.send_keys(Keys.ENTER)
    wait_for(drv, "return kgExplorer.selectedNode === 'sam-altman'")
    box.clear()
    box.send_keys("no such entity" + Keys.ENTER)
    wait_for(drv, "return /No entity matches/.test(document.getElementById('kg-search-status').textContent)")


@pytest.mark.browser
def test_date_filter_hides_edges_outside_range(page):
    drv = page["driver"]
    drv.execute_script("kgExplorer.overview()")  # the search above left the focus view on
    total = drv.execute_script("return kgExplorer.visibleEdgeIds().length")
    edges = _data(page["path"].read_text(encoding="utf-8"))["edges"]
    assert total == len([e for e in edges if e["relation"] != "coMention"])  # co-mentions: hidden by default
    drv.execute_script(
        """var f = document.getElementById('kg-date-from'), t = document.getElementById('kg-date-to');
           f.value = '2025-12-01'; t.value = '2025-12-31';
           f.dispatchEvent(new Event('change')); t.dispatchEvent(new Event('change'));"""
    )
    visible = drv.execute_script(
        "return kgExplorer.visibleEdgeIds().map(function (id) { return kgExplorer.edges.get(id).label; })"
    )
    assert visible == ["develops"]  # only Google develops Gemini 3 (2025-12-07)
    # the network itself draws only that edge
    drawn = drv.execute_script(
        "var b = kgExplorer.network.body; return b.edgeIndices.filter(function (id) { return b.edges[id].connected; }).length"
    )
    assert drawn == 1
    drv.find_element("id", "kg-date-reset").click()
    assert drv.execute_script("return kgExplorer.visibleEdgeIds().length") == total


@pytest.mark.browser
def test_relation_and_type_filters(page):
    drv = page["driver"]
    drv.execute_script("kgExplorer.overview()")
    script = "return kgExplorer.visibleEdgeIds().map(function (id) { return kgExplorer.data.edges.find(function (e) { return e.id === id; }).relation; })"
    box = drv.find_element("css selector", "input[data-relation=coMention]")
    rels = drv.execute_script(script)
    assert not box.is_selected() and "coMention" not in rels and rels  # hidden by default
    box.click()  # one click shows them
    assert "coMention" in drv.execute_script(script)
    box.click()
    assert "coMention" not in drv.execute_script(script)
    assert drv.find_element("css selector", "input[data-relation=develops]").is_selected()
    drv.find_element("css selector", "input[data-type=Company]").click()
    assert "google" not in drv.execute_script("return kgExplorer.visibleNodeIds()")
    drv.find_element("css selector", "input[data-type=Company]").click()
    assert "google" in drv.execute_script("return kgExplorer.visibleNodeIds()")


@pytest.mark.browser
def test_click_node_shows_panel_with_source(page):
    drv = page["driver"]
    drv.execute_script("kgExplorer.overview(); kgExplorer.network.fit(); kgExplorer.network.unselectAll();")
    # a real click on the canvas at the node's DOM position
    x, y = drv.execute_script(
        "var p = kgExplorer.network.getPositions(['gemini-3'])['gemini-3'];"
        "var d = kgExplorer.network.canvasToDOM(p); return [d.x, d.y];"
    )
    from selenium.webdriver.common.action_chains import ActionChains

    canvas = drv.find_element("css selector", "#kg-network canvas")
    size = canvas.size
    ActionChains(drv).move_to_element_with_offset(canvas, x - size["width"] / 2, y - size["height"] / 2).click().perform()
    wait_for(drv, "return document.getElementById('kg-panel').getAttribute('data-id') === 'gemini-3'")
    panel = drv.find_element("id", "kg-panel")
    assert panel.is_displayed()
    assert "Google" in panel.text and "谷歌" in panel.text and "develops" in panel.text
    assert "2025-12-07" in panel.text and "Gemini 3, its most capable model" in panel.text
    hrefs = [a.get_attribute("href") for a in panel.find_elements("css selector", "a")]
    assert GEMINI_URL in hrefs

    drv.execute_script("kgExplorer.selectNode('google')")
    panel = drv.find_element("id", "kg-panel")
    assert "Alphabet" in panel.text and "谷歌" in panel.text
    assert "https://www.wikidata.org/wiki/Q95" in [a.get_attribute("href") for a in panel.find_elements("css selector", "a")]
    assert "co-mentioned in 3 items" in panel.text


@pytest.mark.browser
def test_click_edge_shows_its_attestations(page):
    from selenium.webdriver.common.action_chains import ActionChains

    drv = page["driver"]
    edge_id = drv.execute_script(
        "return kgExplorer.data.edges.find(function (e) { return e.relation === 'worksFor'; }).id"
    )
    # drag Sam Altman out of the crowd so that the Sam Altman -> OpenAI edge is
    # long, then pick a point of it that no node's hit box covers
    drv.execute_script("kgExplorer.overview()")  # the click above left the focus view on
    point = drv.execute_script(
        """var n = kgExplorer.network, b = n.body, all = n.getPositions();
           var minX = Infinity, minY = Infinity;
           for (var id in all) { minX = Math.min(minX, all[id].x); minY = Math.min(minY, all[id].y); }
           n.moveNode('sam-altman', minX - 500, minY - 500);
           n.unselectAll();
           n.fit();
           n.redraw();  // hit boxes (labels) are updated by drawing
           var p = n.getPositions(['sam-altman', 'openai']), a = p['sam-altman'], c = p.openai;
           for (var t = 0.2; t < 0.8; t += 0.02) {
             var q = {x: a.x + (c.x - a.x) * t, y: a.y + (c.y - a.y) * t};
             var box = {left: q.x - 3, right: q.x + 3, top: q.y - 3, bottom: q.y + 3};
             var covered = b.nodeIndices.some(function (id) { return b.nodes[id].isOverlappingWith(box); });
             var d = n.canvasToDOM(q);
             if (!covered && n.getEdgeAt(d) === arguments[0]) return [d.x, d.y];
           }
           return null;""",
        edge_id,
    )
    assert point, "no free spot on the edge"
    x, y = point
    canvas = drv.find_element("css selector", "#kg-network canvas")
    size = canvas.size
    # hovering shows the tooltip: relation, date, source (start from an empty spot
    # so that no tooltip from earlier tests lingers)
    ActionChains(drv).move_to_element_with_offset(canvas, 4 - size["width"] / 2, 4 - size["height"] / 2).perform()
    ActionChains(drv).move_to_element_with_offset(canvas, x - size["width"] / 2, y - size["height"] / 2).perform()
    tip = wait_for(
        drv,
        """var t = document.querySelector('.vis-tooltip');
           return t && getComputedStyle(t).visibility === 'visible' && /worksFor/.test(t.innerText) && t.innerText;""",
        timeout=5,
    )
    assert "worksFor" in tip and "2025-06-01" in tip and "example.com" in tip
    ActionChains(drv).move_to_element_with_offset(canvas, x - size["width"] / 2, y - size["height"] / 2).click().perform()
    wait_for(drv, f"return document.getElementById('kg-panel').getAttribute('data-id') === {json.dumps(edge_id)}")
    panel = drv.find_element("id", "kg-panel")
    assert panel.get_attribute("data-kind") == "edge"
    assert "Sam Altman" in panel.text and "OpenAI" in panel.text and "CEO" in panel.text
    assert "https://example.com/altman" in [a.get_attribute("href") for a in panel.find_elements("css selector", "a")]


@pytest.mark.browser
def test_parallel_statements_are_attestations_of_one_edge(page):
    drv = page["driver"]
    edge = drv.execute_script(
        "return kgExplorer.data.edges.filter(function (e) { return e.relation === 'worksFor'; })"
    )
    assert len(edge) == 1 and len(edge[0]["atts"]) == 2
    assert drv.execute_script(f"return kgExplorer.edges.get({json.dumps(edge[0]['id'])}).label") == "worksFor \u00d72"
    drv.execute_script(f"kgExplorer.showEdge({json.dumps(edge[0]['id'])})")
    panel = drv.find_element("id", "kg-panel")
    assert "2 attestations" in panel.text
    assert "2023-11-22" in panel.text and "2025-06-01" in panel.text and "chief executive" in panel.text


@pytest.mark.browser
def test_xss_is_text_and_javascript_urls_are_not_links(page):
    drv = page["driver"]
    drv.execute_script("kgExplorer.selectNode('xss')")
    panel = drv.find_element("id", "kg-panel")
    assert XSS in panel.text
    drv.execute_script("kgExplorer.selectNode('openai')")
    assert XSS in drv.find_element("id", "kg-panel").text
    assert drv.execute_script("return document.querySelectorAll('img').length") == 0
    hrefs = drv.execute_script("return Array.from(document.querySelectorAll('[href]')).map(function (a) { return a.getAttribute('href'); })")
    assert hrefs and all(h.startswith(("https://", "http://")) for h in hrefs)
    # no alert fired: a pending alert would make this call raise
    assert drv.execute_script("return 1") == 1
    assert drv.execute_script("return kgExplorer.nodes.get('xss').label") == XSS


@pytest.mark.browser
def test_no_network_requests_and_no_console_errors(page):
    drv = page["driver"]
    assert drv.execute_script("return performance.getEntriesByType('resource').length") == 0
    requests = []
    for entry in drv.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            requests.append(msg["params"]["request"]["url"])
    assert requests, "performance log should at least show the file:// page load"
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    errors = [e for e in drv.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


@pytest.mark.browser
def test_empty_graph_page(driver, tmp_path):
    out = tmp_path / "empty.html"
    export(nx.MultiDiGraph(), out)
    open_page(driver, out)
    assert "The graph is empty" in driver.find_element("tag name", "body").text
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []


@pytest.mark.browser
def test_cut_note_visible_in_browser(driver, tmp_path):
    out = tmp_path / "cut.html"
    export(random_graph(300, 900, seed=3), out, max_nodes=120)
    open_page(driver, out)
    note = driver.find_element("id", "kg-cut-note")
    assert note.is_displayed() and "Showing 120 of 300 entities" in note.text
    assert driver.execute_script("return kgExplorer.nodes.length") == 120
    # filters on a DataView are quick
    driver.find_element("css selector", "input[data-relation=coMention]").click()
    assert driver.execute_script("return kgExplorer.lastFilterMs") < 500


# --------------------------------------------------------------------------
# benchmark: python tests/test_html.py [nodes] [edges]
# --------------------------------------------------------------------------
def benchmark(n: int = 2000, m: int = 10000, out: Path | None = None) -> dict:
    import tempfile

    graph = random_graph(n, m)
    out = out or Path(tempfile.mkdtemp()) / "bench.html"
    t0 = time.perf_counter()
    export(graph, out, max_nodes=None)
    export_s = time.perf_counter() - t0
    drv = chrome(logging=False)
    try:
        t0 = time.perf_counter()
        drv.get(out.as_uri())
        wait_for(drv, "return window.kgExplorer && window.kgExplorer.ready", timeout=120)
        wall = time.perf_counter() - t0
        ready_ms = drv.execute_script("return kgExplorer.readyMs")
        filters = drv.execute_script(
            """var X = kgExplorer, r = {}, f = document.getElementById('kg-date-from');
               function click(sel) { document.querySelector(sel).click(); return Math.round(X.lastFilterMs); }
               r.coMention_off = click('input[data-relation=coMention]');
               r.coMention_on = click('input[data-relation=coMention]');
               r.Person_off = click('input[data-type=Person]');
               r.Person_on = click('input[data-type=Person]');
               f.value = '2025-07-01'; f.dispatchEvent(new Event('change')); r.date_half = Math.round(X.lastFilterMs);
               document.getElementById('kg-date-reset').click(); r.date_reset = Math.round(X.lastFilterMs);
               return r;"""
        )
        result = {
            "nodes": n,
            "edges": m,
            "html_mb": round(out.stat().st_size / 1e6, 2),
            "export_s": round(export_s, 2),
            "open_wall_s": round(wall, 2),
            "ready_ms_since_navigation": round(ready_ms),
            "filter_ms": filters,
        }
    finally:
        drv.quit()
    print(result)
    return result


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    benchmark(*args)


# --------------------------------------------------------------------------
# the real thing: the sample corpus built end to end, opened in the browser
# --------------------------------------------------------------------------
@pytest.mark.browser
def test_sample_build_in_the_browser(driver, sample, tmp_path):
    from selenium.webdriver.common.keys import Keys

    out = tmp_path / "graph.html"
    export(sample.graph, out, max_nodes=None)
    driver.get_log("browser")
    driver.get_log("performance")
    open_page(driver, out)
    assert driver.execute_script("return kgExplorer.nodes.length") == sample.graph.number_of_nodes()

    box = driver.find_element("id", "kg-search")
    box.clear()
    box.send_keys("英伟达" + Keys.ENTER)
    wait_for(driver, "return kgExplorer.network.getSelectedNodes()[0] === 'nvidia'")
    panel = driver.find_element("id", "kg-panel")
    assert "NVIDIA" in panel.text and "英伟达" in panel.text
    hrefs = [a.get_attribute("href") or "" for a in panel.find_elements("css selector", "a")]
    assert any(h.startswith("https://mp.weixin.qq.com/") for h in hrefs)

    requests = [
        json.loads(e["message"])["message"]["params"]["request"]["url"]
        for e in driver.get_log("performance")
        if json.loads(e["message"])["message"].get("method") == "Network.requestWillBeSent"
    ]
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []


# --------------------------------------------------------------------------
# for analysts: co-mentions hidden, readable labels, timeline, panel chart and order, CJK font
# --------------------------------------------------------------------------
def _requests(drv) -> list[str]:
    return [
        json.loads(e["message"])["message"]["params"]["request"]["url"]
        for e in drv.get_log("performance")
        if json.loads(e["message"])["message"].get("method") == "Network.requestWillBeSent"
    ]


@pytest.fixture(scope="module")
def sample_page(driver, sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("sample") / "graph.html"
    export(sample.graph, out, max_nodes=None)
    driver.get_log("browser")
    driver.get_log("performance")
    open_page(driver, out)
    return {"driver": driver, "graph": sample.graph, "path": out}


@pytest.mark.browser
def test_co_mentions_are_hidden_until_one_click(sample_page):
    drv, graph = sample_page["driver"], sample_page["graph"]
    assert any(d["relation"] == "coMention" for _, _, d in graph.edges(data=True))
    shown = drv.execute_script("return kgExplorer.visibleEdgeIds().map(function (id) { return kgExplorer.edges.get(id).label; })")
    assert shown and not [label for label in shown if label.startswith("coMention")]
    drv.find_element("css selector", "input[data-relation=coMention]").click()
    shown = drv.execute_script("return kgExplorer.visibleEdgeIds().map(function (id) { return kgExplorer.edges.get(id).label; })")
    assert [label for label in shown if label.startswith("coMention")]
    drv.find_element("css selector", "input[data-relation=coMention]").click()


@pytest.mark.browser
def test_timeline_shows_the_graph_as_of_a_date_and_for_a_window(sample_page):
    drv, graph = sample_page["driver"], sample_page["graph"]
    steps = drv.execute_script("return kgExplorer.timeline.steps().map(function (s) { return s.end; })")
    assert steps[0] == "2025-12-07" and steps[-1] == "2025-12-21" and len(steps) == 15  # days
    first = {n: d["first_date"] for n, d in graph.nodes(data=True)}
    last = {n: d["last_date"] for n, d in graph.nodes(data=True)}
    visible = "return kgExplorer.visibleNodeIds().slice().sort()"

    drv.execute_script("kgExplorer.timeline.mode('asof'); kgExplorer.timeline.set(0)")
    assert drv.execute_script(visible) == sorted(n for n in graph if first[n] <= "2025-12-07")
    assert sorted(drv.execute_script("return kgExplorer.timeline.newNodeIds()")) == sorted(
        n for n in graph if first[n] == "2025-12-07")
    assert "as of 2025-12-07" in drv.find_element("id", "kg-time-label").text
    assert drv.find_element("id", "kg-date-to").get_attribute("value") == "2025-12-07"
    for edge_id in drv.execute_script("return kgExplorer.visibleEdgeIds()"):
        dates = drv.execute_script("var id = arguments[0]; return kgExplorer.data.edges.find(function (e) { return e.id === id; }).dates", edge_id)
        assert min(dates) <= "2025-12-07"

    drv.execute_script("kgExplorer.timeline.set(13)")  # 2025-12-20: the digests of the 20th are in
    later = drv.execute_script(visible)
    assert later == sorted(n for n in graph if first[n] <= "2025-12-20") and len(later) > len(
        [n for n in graph if first[n] <= "2025-12-07"])
    new = drv.execute_script("return kgExplorer.timeline.newNodeIds()")
    assert new and all(first[n] == "2025-12-20" for n in new)

    drv.execute_script("kgExplorer.timeline.mode('window')")  # 2025-12-14 .. 2025-12-20
    assert drv.execute_script(visible) == sorted(
        n for n in graph if first[n] <= "2025-12-20" and last[n] >= "2025-12-14")
    assert all("2025-12-14" <= first[n] <= "2025-12-20" for n in drv.execute_script("return kgExplorer.timeline.newNodeIds()"))

    # play: from the first day to the last, then it stops
    drv.find_element("id", "kg-play").click()
    wait_for(drv, "return kgExplorer.timeline.index() >= 1")
    wait_for(drv, "return kgExplorer.timeline.index() === 14 && !kgExplorer.timeline.playing()", timeout=30)
    assert drv.find_element("id", "kg-play").text.endswith("play")
    drv.find_element("id", "kg-time-on").click()  # timeline off: all dates again
    assert len(drv.execute_script(visible)) == graph.number_of_nodes()
    assert drv.find_element("id", "kg-time-label").text == "all dates"
    assert drv.find_element("id", "kg-date-from").get_attribute("value") == "2025-12-07"
    assert [u for u in _requests(drv) if not u.startswith(("file:", "data:"))] == []
    assert [e for e in drv.get_log("browser") if e["level"] == "SEVERE"] == []


@pytest.mark.browser
def test_labels_biggest_first_more_when_zoomed_in_selected_and_neighbours_first(driver, tmp_path):
    out = tmp_path / "labels.html"
    export(random_graph(400, 1200, seed=5), out, max_nodes=None)
    open_page(driver, out)
    drv = driver
    drv.execute_script("kgExplorer.expandCommunity(0); kgExplorer.network.fit(); kgExplorer.network.redraw()")
    drawn = drv.execute_script("return kgExplorer.drawnLabels()")
    sizes = drv.execute_script("var s = {}; kgExplorer.data.nodes.forEach(function (n) { s[n.id] = n.size; }); return s;")
    visible = drv.execute_script("return kgExplorer.visibleNodeIds()")
    biggest = max(visible, key=lambda n: (sizes[n], n))
    assert 0 < len(drawn) < len(visible) and biggest in drawn
    assert _overlapping(drv.execute_script("return kgExplorer.labelBoxes()")) == []
    # the labels drawn at fit-to-screen are the bigger entities
    assert sum(sizes[n] for n in drawn) / len(drawn) > sum(sizes[n] for n in visible) / len(visible)
    # zoomed in: most entities in view have their label (the others would overlap one)
    in_view = drv.execute_script(
        """var n = kgExplorer.network; n.moveTo({position: n.getPositions([arguments[0]])[arguments[0]], scale: 1.5});
           n.redraw(); var c = n.body.container, w = c.clientWidth, h = c.clientHeight, out = [];
           kgExplorer.visibleNodeIds().forEach(function (id) { var p = n.canvasToDOM(n.getPositions([id])[id]);
             if (p.x > 60 && p.x < w - 60 && p.y > 10 && p.y < h - 40) out.push(id); });
           return out;""", biggest)
    drawn = drv.execute_script("return kgExplorer.drawnLabels()")
    assert in_view and len(set(in_view) & set(drawn)) >= 0.6 * len(in_view)
    assert _overlapping(drv.execute_script("return kgExplorer.labelBoxes()")) == []
    # selected: a small entity's label is drawn, and its neighbours' before any other (on top of them)
    linked = drv.execute_script(
        """var out = {};
           kgExplorer.data.edges.forEach(function (e) { if (kgExplorer.isEdgeVisible(e.id) && e.from !== e.to) {
             (out[e.from] = out[e.from] || {})[e.to] = 1; (out[e.to] = out[e.to] || {})[e.from] = 1; } });
           for (var k in out) out[k] = Object.keys(out[k]); return out;""")
    small = min((n for n in linked if len(linked[n]) >= 2), key=lambda n: (sizes[n], n))
    drv.execute_script("kgExplorer.selectNode(arguments[0], false); kgExplorer.network.fit(); kgExplorer.network.redraw()", small)
    drawn = drv.execute_script("return kgExplorer.drawnLabels()")
    shown = [n for n in drawn[1:] if n in linked[small]]
    assert drawn[0] == small and shown and drawn[1: 1 + len(shown)] == shown
    assert _overlapping(drv.execute_script("return kgExplorer.labelBoxes()")) == []


def _panel_graph() -> nx.MultiDiGraph:
    g = make_graph()
    # a weak newer statement and a confident older one of the same pair
    _stmt(g, "w1", "google", "gemini-3", "develops", "2025-12-20", "https://example.com/weak", "maybe", "weak")
    g.edges["google", "gemini-3", "w1"]["confidence"] = 0.55
    _stmt(g, "c1", "google", "gemini-3", "develops", "2025-11-01", "https://example.com/sure", "sure", "sure")
    g.edges["google", "gemini-3", "c1"]["confidence"] = 0.99
    items = g.graph["items"] = {}

    class Item:
        def __init__(self, date):
            self.date, self.title, self.url = date, "t", None

    for n, date in enumerate(["2025-09-03", "2025-09-20", "2025-11-02", "2025-12-07", "2025-12-08", "2025-12-09"]):
        items[f"i{n}"] = Item(date)
    g.nodes["google"]["items"] = [f"i{n}" for n in range(6)]
    return g


@pytest.mark.browser
def test_panel_chart_statement_order_and_search_cleared(driver, tmp_path):
    from selenium.webdriver.common.keys import Keys

    out = tmp_path / "panel.html"
    export(_panel_graph(), out)
    open_page(driver, out)
    box = driver.find_element("id", "kg-search")
    box.send_keys("Google" + Keys.ENTER)
    wait_for(driver, "return kgExplorer.selectedNode === 'google'")
    assert box.get_attribute("value") == "Google"  # the search's own choice keeps the text
    panel = driver.find_element("id", "kg-panel")
    bars = panel.find_elements("css selector", ".kg-chart rect.kg-bar")
    assert [(b.get_attribute("data-month"), b.get_attribute("data-count")) for b in bars] == [
        ("2025-09", "2"), ("2025-10", "0"), ("2025-11", "1"), ("2025-12", "3")]
    assert "Mentions per month" in panel.text
    sections = [s.get_attribute("data-relation") for s in panel.find_elements("css selector", ".kg-relgroup")]
    assert sections[0] == "develops" and sections[-1] == "coMention"
    dates = [d.text for d in panel.find_elements("css selector", ".kg-relgroup[data-relation=develops] .kg-att .kg-date")]
    assert dates == ["2025-11-01", "2025-12-07", "2025-12-20"]  # confidence 0.99, 0.9, 0.55
    # another node chosen (its button in the panel): the search box is cleared
    panel.find_element("css selector", ".kg-relgroup[data-relation=develops] .kg-entity:last-of-type").click()
    wait_for(driver, "return kgExplorer.selectedNode === 'gemini-3'")
    assert box.get_attribute("value") == "" and driver.find_element("id", "kg-search-status").text == ""


@pytest.mark.browser
def test_chinese_names_render_with_a_cjk_font(sample_page):
    import subprocess

    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    if "WenQuanYi Zen Hei" not in fonts:
        pytest.skip("needs fonts-wqy-zenhei")
    drv = sample_page["driver"]
    drv.execute_script("kgExplorer.overview(); kgExplorer.selectNode('nvidia')")
    assert drv.find_element("css selector", "#kg-panel .kg-name-zh").text == "英伟达"
    drv.execute_cdp_cmd("DOM.enable", {})
    drv.execute_cdp_cmd("CSS.enable", {})
    root = drv.execute_cdp_cmd("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = drv.execute_cdp_cmd("DOM.querySelector", {"nodeId": root, "selector": "#kg-panel .kg-name-zh"})["nodeId"]
    used = drv.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    assert [f["familyName"] for f in used] == ["WenQuanYi Zen Hei"]
    # the canvas labels ask for the same stack
    assert "WenQuanYi Zen Hei" in drv.execute_script("return kgExplorer.network.body.nodes.nvidia.options.font.face")


# --------------------------------------------------------------------------
# at scale: a 5,000-entity graph cut to 500 by community; overview, focus and path views
# --------------------------------------------------------------------------
def _overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a["l"] < b["r"] and a["r"] > b["l"] and a["t"] < b["b"] and a["b"] > b["t"]:
                out.append((a["id"], b["id"]))
    return out


def _typed_links(data: dict) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for e in data["edges"]:
        if e["relation"] != "coMention" and e["from"] != e["to"]:
            out.setdefault(e["from"], set()).add(e["to"])
            out.setdefault(e["to"], set()).add(e["from"])
    return out


@pytest.fixture(scope="module")
def big_page(driver, tmp_path_factory):
    out = tmp_path_factory.mktemp("big") / "graph.html"
    export(random_graph(5000, 15000, seed=11), out)  # --max-nodes 500
    driver.get_log("browser")
    driver.get_log("performance")
    open_page(driver, out)
    return {"driver": driver, "data": _data(out.read_text(encoding="utf-8")), "path": out}


@pytest.mark.browser
def test_big_graph_opens_as_communities_top_members_first(big_page):
    drv, data = big_page["driver"], big_page["data"]
    assert len(data["nodes"]) == 500 and "Showing 500 of 5,000 entities" in drv.find_element("id", "kg-cut-note").text
    communities = [c for c in data["communities"] if c["shown"]]
    assert len(communities) >= 2
    assert drv.execute_script("return kgExplorer.view().mode") == "overview"
    visible = set(drv.execute_script("return kgExplorer.visibleNodeIds()"))
    top = data["view"]["top"]
    by_c: dict[int, list] = {}
    for n in data["nodes"]:
        by_c.setdefault(n["c"], []).append(n)
    for members in by_c.values():  # the top members of every community, no others
        members.sort(key=lambda n: n["cr"])
        assert {n["id"] for n in members[:top]} <= visible
        assert not {n["id"] for n in members[top:]} & visible
    # the communities are listed by name; expanding one shows all of its members
    names = [e.text for e in drv.find_elements("css selector", "#kg-communities-list .kg-community-name")]
    assert names == [c["name"] for c in communities]
    big = max(by_c, key=lambda c: len(by_c[c]))
    drv.find_element("css selector", f'input[data-community="{big}"]').click()
    visible = set(drv.execute_script("return kgExplorer.visibleNodeIds()"))
    assert {n["id"] for n in by_c[big]} <= visible
    drv.find_element("css selector", f'input[data-community="{big}"]').click()
    assert "more in collapsed communities" in drv.find_element("id", "kg-noise-count").text


@pytest.mark.browser
def test_big_graph_noise_thresholds_hide_and_count(big_page):
    drv, data = big_page["driver"], big_page["data"]
    median = sorted(n["mentions"] for n in data["nodes"])[250]
    counts = drv.execute_script("return kgExplorer.setThresholds(arguments[0], 0)", median)
    noisy = [n for n in data["nodes"] if n["mentions"] < median]
    assert noisy and drv.execute_script("return kgExplorer.view().hidden.noise") == len(noisy)
    text = drv.find_element("id", "kg-noise-count").text
    assert text.startswith(f"{len(noisy)} entities hidden below the thresholds")
    assert not {n["id"] for n in noisy} & set(drv.execute_script("return kgExplorer.visibleNodeIds()"))
    assert counts["nodes"] == len(drv.execute_script("return kgExplorer.visibleNodeIds()"))
    drv.execute_script("kgExplorer.setThresholds(arguments[0], arguments[1])", data["view"]["min_mentions"],
                       data["view"]["min_confidence"])


@pytest.mark.browser
@pytest.mark.parametrize("scale", [None, 0.15, 0.5, 1.0, 2.0])
def test_big_graph_labels_never_overlap(big_page, scale):
    drv = big_page["driver"]
    drv.execute_script("kgExplorer.overview()")
    if scale:
        drv.execute_script("kgExplorer.network.moveTo({scale: arguments[0]}); kgExplorer.network.redraw()", scale)
    boxes = drv.execute_script("return kgExplorer.labelBoxes()")
    assert boxes and _overlapping(boxes) == []
    if scale is None:  # fit: the communities are named
        assert any(b["id"].startswith("community:") for b in boxes)


@pytest.mark.browser
def test_big_graph_focus_view_and_breadcrumb(big_page):
    drv, data = big_page["driver"], big_page["data"]
    links = _typed_links(data)
    center = max(data["nodes"], key=lambda n: (n["mentions"], n["id"]))["id"]
    drv.execute_script("kgExplorer.selectNode(arguments[0], true)", center)
    assert drv.execute_script("return kgExplorer.view().mode") == "focus"
    # the entity and its neighbours over the relations shown (co-mentions are off), nothing else
    assert set(drv.execute_script("return kgExplorer.visibleNodeIds()")) == {center} | links[center]
    boxes = drv.execute_script("return kgExplorer.labelBoxes()")
    assert _overlapping(boxes) == [] and boxes[0]["id"] == center
    drawn = drv.execute_script("return kgExplorer.drawnLabels()")
    assert len([n for n in drawn if n in links[center]]) >= min(12, len(links[center]))
    # laid out around it: the neighbours on rings, the entity in the middle of the view
    rings = drv.execute_script(
        """var me = arguments[0], n = kgExplorer.network, ids = kgExplorer.visibleNodeIds(), p = n.getPositions(ids);
           var c = p[me], v = n.getViewPosition(); return {center: [c.x - v.x, c.y - v.y], radii: ids.filter(function (id) {
           return id !== me; }).map(function (id) { return Math.round(Math.hypot(p[id].x - c.x, p[id].y - c.y)); })};""",
        center)
    assert max(abs(v) for v in rings["center"]) < 2 and min(rings["radii"]) >= 150
    # two hops: more entities; a neighbour clicked in the panel: the breadcrumb keeps the way back
    drv.find_element("css selector", "#kg-hops option[value='2']").click()
    assert len(drv.execute_script("return kgExplorer.visibleNodeIds()")) > len(links[center]) + 1
    other = sorted(links[center])[0]
    drv.execute_script("kgExplorer.selectNode(arguments[0], true)", other)
    crumbs = [e.text for e in drv.find_elements("css selector", "#kg-crumbs .kg-crumb, #kg-crumbs .kg-crumb-here")]
    names = {n["id"]: n["name"] for n in data["nodes"]}
    assert crumbs == ["Overview", names[center], names[other]]
    drv.find_element("css selector", "#kg-crumbs .kg-crumb").click()  # Overview
    assert drv.execute_script("return kgExplorer.view().mode") == "overview"
    assert drv.execute_script("return kgExplorer.lastFocusMs") > 0


@pytest.mark.browser
def test_big_graph_path_view_with_sources(big_page):
    import collections

    drv, data = big_page["driver"], big_page["data"]
    links = _typed_links(data)
    ranked = sorted(links, key=lambda n: n)
    a = ranked[0]
    # the farthest entity from a (breadth-first over typed links)
    dist = {a: 0}
    queue = collections.deque([a])
    while queue:
        u = queue.popleft()
        for v in sorted(links[u]):
            if v not in dist:
                dist[v] = dist[u] + 1
                queue.append(v)
    b = max(dist, key=lambda n: (dist[n], n))
    names = {n["id"]: n["name"] for n in data["nodes"]}
    drv.find_element("id", "kg-path-from").send_keys(names[a])
    drv.find_element("id", "kg-path-to").send_keys(names[b])
    drv.find_element("id", "kg-path-go").click()
    path = wait_for(drv, "return kgExplorer.view().path")
    assert path[0] == a and path[-1] == b and len(path) == dist[b] + 1  # shortest
    assert all(path[i + 1] in links[path[i]] for i in range(len(path) - 1))
    assert set(drv.execute_script("return kgExplorer.visibleNodeIds()")) == set(path)
    panel = drv.find_element("id", "kg-panel")
    steps = panel.find_elements("css selector", ".kg-path-step")
    assert len(steps) == len(path) - 1
    for step in steps:  # each step with its statements' sources
        assert [x for x in step.find_elements("css selector", "a") if x.get_attribute("href").startswith("https://news.example.com/")]
    boxes = drv.execute_script("return kgExplorer.labelBoxes()")
    assert _overlapping(boxes) == [] and {b["id"] for b in boxes} >= {a, b}
    assert "path" in drv.find_element("id", "kg-crumbs").text
    drv.execute_script("kgExplorer.overview()")
    assert [u for u in _requests(drv) if not u.startswith(("file:", "data:"))] == []
    assert [e for e in drv.get_log("browser") if e["level"] == "SEVERE"] == []
