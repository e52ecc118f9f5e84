"""`kg report`: the analyst's window report, on the sample graph (file and `kg serve`), and in Chromium."""
from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from kg.cli import cli
from .conftest import CHROMEDRIVER, CHROMIUM, chrome, start_server

runner = CliRunner()
WINDOW = ["--from", "2025-12-01", "--to", "2025-12-31"]
FIRST_WEEK = ["--from", "2025-12-07", "--to", "2025-12-13"]


def _report(*args: str) -> dict:
    result = runner.invoke(cli, ["report", *args, "--format", "json", "--limit", "0"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _find(lines: list[dict], text: str) -> dict:
    hits = [line for line in lines if line["text"] == text]
    assert len(hits) == 1, [line["text"] for line in lines]
    return hits[0]


@pytest.fixture(scope="module")
def graph(sample_exports, tmp_path_factory):
    """A copy of the sample graph.ttl (tests add triples to their own copies)."""
    folder = tmp_path_factory.mktemp("report")
    shutil.copy(sample_exports / "graph.ttl", folder / "graph.ttl")
    return folder / "graph.ttl"


def test_every_section_has_dated_linked_lines_inside_the_window(graph, tmp_path):
    result = runner.invoke(cli, ["report", str(graph), *WINDOW, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert re.match(r"Wrote .*report\.md and .*report\.html \(new \d+, releases \d+, deals \d+, people \d+,"
                    r" rising \d+\) in \d+\.\d s\.\n$", result.stdout)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    for title in ("New names", "Releases", "Deals", "People", "Rising"):
        assert re.search(rf"^## {title} \(\d+\)$", md, re.M), title
    items = [line for line in md.splitlines() if line.startswith("- ")]
    assert len(items) > 50
    for line in items:
        date = re.match(r"- (\d{4}-\d{2}-\d{2}) ", line).group(1)
        assert "2025-12-01" <= date <= "2025-12-31", line
        assert re.search(r"\]\(<https?://[^>]+>\)$", line), line
    data = _report(str(graph), *WINDOW)
    assert all(data["sections"][name] for name in ("new", "releases", "deals", "people", "rising"))


def test_release_deal_and_person_lines_carry_date_source_and_role(graph):
    data = _report(str(graph), *WINDOW)
    gpt = _find(data["sections"]["releases"], "OpenAI develops GPT-5.2")
    assert gpt["date"] == "2025-12-07" and gpt["group"] == "OpenAI" and gpt["status"] == "stated"
    assert gpt["url"].startswith("https://mp.weixin.qq.com/") and gpt["source"]
    huang = _find(data["sections"]["people"], "Jensen Huang worksFor NVIDIA (CEO)")
    assert huang["fields"]["role"] == "CEO" and huang["date"] == "2025-12-07"
    deal = _find(data["sections"]["deals"], "Hugging Face partnersWith Pollen Robotics")
    assert deal["date"] == "2025-12-20" and deal["url"].startswith("https://x.com/")
    # releases: grouped by developer, each group newest first
    groups = [line["group"] for line in data["sections"]["releases"]]
    assert groups == sorted(groups, key=groups.index) and len(set(groups)) == len(
        [g for n, g in enumerate(groups) if n == 0 or groups[n - 1] != g])
    for group in set(groups):
        dates = [line["date"] for line in data["sections"]["releases"] if line["group"] == group]
        assert dates == sorted(dates, reverse=True)


def test_a_narrow_window_leaves_out_what_happened_outside_it(graph):
    data = _report(str(graph), "--from", "2025-12-20", "--to", "2025-12-21")
    texts = [line["text"] for line in data["sections"]["releases"]]
    assert "OpenAI develops GPT-5.2-Codex" in texts and "OpenAI develops GPT-5.2" not in texts
    assert data["previous"] == {"from": "2025-12-18", "to": "2025-12-19"}
    new = [line["fields"]["name"] for line in data["sections"]["new"]]
    assert "Reachy Mini" in new and "Google" not in new  # Google was first seen on 2025-12-07


def test_rising_counts_items_in_the_window_and_the_one_before(graph, sample):
    data = _report(str(graph), "--from", "2025-12-14", "--to", "2025-12-21")  # previous: 12-06 .. 12-13
    items = sample.graph.graph["items"]

    def count(node: str, start: str, end: str) -> int:
        return sum(1 for i in sample.graph.nodes[node]["items"] if start <= items[i].date[:10] <= end)

    rising = data["sections"]["rising"]
    assert rising
    for line in rising:
        node = next(n for n, d in sample.graph.nodes(data=True) if d["name"] == line["fields"]["name"])
        assert line["fields"]["mentions"] == count(node, "2025-12-14", "2025-12-21")
        assert line["fields"]["previous"] == count(node, "2025-12-06", "2025-12-13")
        assert line["fields"]["mentions"] > line["fields"]["previous"]
        assert "2025-12-14" <= line["date"] <= "2025-12-21" and line["url"]
    gains = [line["fields"]["mentions"] - line["fields"]["previous"] for line in rising]
    assert gains == sorted(gains, reverse=True)


def test_a_statement_status_is_shown_and_stated_is_the_default(graph, tmp_path):
    data = _report(str(graph), *WINDOW)
    assert {line["status"] for name in ("releases", "deals", "people") for line in data["sections"][name]} == {"stated"}
    # mark every statement of "OpenAI develops GPT-5.2" as planned (as a kg:status export would)
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=str(graph), format=ox.RdfFormat.TURTLE)
    rows = store.query("""PREFIX kg: <https://w3id.org/kg-ai/vocab#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?st WHERE { ?st rdf:predicate kg:develops ; rdf:subject/kg:name "OpenAI" ; rdf:object/kg:name "GPT-5.2" }""")
    statements = [row["st"].value for row in rows]
    assert statements
    hedged = tmp_path / "graph.ttl"
    shutil.copy(graph, hedged)
    with open(hedged, "a", encoding="utf-8") as handle:
        for st in statements:
            handle.write(f'<{st}> <https://w3id.org/kg-ai/vocab#status> "planned" .\n')
    data = _report(str(hedged), *WINDOW)
    assert _find(data["sections"]["releases"], "OpenAI develops GPT-5.2")["status"] == "planned"
    assert _find(data["sections"]["releases"], "OpenAI develops Sora")["status"] == "stated"
    result = runner.invoke(cli, ["report", str(hedged), *WINDOW, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert re.search(r"^- 2025-12-07 OpenAI develops GPT-5\.2 \[planned\]: \[", md, re.M)
    assert 'class="status status-planned">planned<' in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("args,message", [
    (["--from", "2025-12", "--to", "2025-12-31"], "Error: --from '2025-12' is not a date: use YYYY-MM-DD\n"),
    (["--from", "2025-12-31", "--to", "2025-12-01"],
     "Error: --to 2025-12-01 is before --from 2025-12-31: give the window's first day, then its last\n"),
])
def test_bad_windows_are_one_line_errors(graph, args, message):
    result = runner.invoke(cli, ["report", str(graph), *args])
    assert result.exit_code == 1 and result.output == message


def test_missing_graph_is_a_one_line_error(tmp_path):
    result = runner.invoke(cli, ["report", str(tmp_path / "nope.ttl"), *WINDOW])
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'nope.ttl'}: no such graph file (build one with: kg build --out {tmp_path})\n"


def test_the_report_from_kg_serve_is_the_report_from_the_file(graph):

    process, url = start_server(str(graph), "--quiet")
    try:
        served = _report("--endpoint", url, *FIRST_WEEK)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert served == _report(str(graph), *FIRST_WEEK)
    assert served["sections"]["releases"]


# --------------------------------------------------------------------------
# report.html in Chromium
# --------------------------------------------------------------------------
@pytest.mark.browser
def test_report_page_links_and_no_network_requests(graph, tmp_path):

    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("needs Debian chromium + chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)")
    pytest.importorskip("selenium")
    result = runner.invoke(cli, ["report", str(graph), *WINDOW, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    md_links = re.findall(r"\]\(<(https?://[^>]+)>\)$", md, re.M)
    driver = chrome()
    try:
        driver.get((tmp_path / "report.html").as_uri())
        for section in ("new", "releases", "deals", "people", "rising"):
            assert driver.find_element("id", section).is_displayed()
        rows = driver.find_elements("css selector", "li[data-section]")
        assert len(rows) == len(md_links)
        hrefs = [row.find_element("css selector", "a.source").get_attribute("href") for row in rows]
        assert hrefs == md_links
        gpt = [row for row in rows if "OpenAI develops GPT-5.2" in row.text and "Codex" not in row.text]
        assert len(gpt) == 1 and gpt[0].text.startswith("2025-12-07")
        assert gpt[0].find_element("css selector", "a").get_attribute("target") == "_blank"
        driver.save_screenshot(str(tmp_path / "report.png"))
        requests = [
            json.loads(e["message"])["message"]["params"]["request"]["url"]
            for e in driver.get_log("performance")
            if json.loads(e["message"])["message"].get("method") == "Network.requestWillBeSent"
        ]
        assert requests and [u for u in requests if not u.startswith(("file:", "data:"))] == []
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        driver.quit()



def test_a_line_whose_item_has_no_link_says_so_and_names_its_digest():
    from kg.sparql.report import Line, Report, to_html, to_markdown

    line = Line(date="2025-06-03", text="Apple acquires Anthropic", url=None, source="关于苹果收购 Anthropic 的辩论",
                digest="2025-06-03.md", status="reported", sources=5, last_date="2025-06-11")
    report = Report("2025-06-01", "2025-06-30", "2025-05-02", "2025-05-31",
                    {"new": [], "releases": [], "deals": [line], "people": [], "rising": []},
                    {"new": 0, "releases": 0, "deals": 1, "people": 0, "rising": 0})
    md = to_markdown(report)
    assert ("- 2025-06-03 Apple acquires Anthropic [reported] (+4 more reports, until 2025-06-11):"
            " 关于苹果收购 Anthropic 的辩论 (no link; listed in 2025-06-03.md)\n") in md
    assert "## Releases (0)\n\nNothing in this window.\n" in md
    page = to_html(report)
    assert "(no link; listed in 2025-06-03.md)" in page and "<a " not in page.split("</nav>")[1]
