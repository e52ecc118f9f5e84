from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import pytest

from kg.export import export_all
from kg.builder.pipeline import SAMPLE_CORPUS, build
from kg.extract.rules import load_rules
from kg.records import NewsItem

DATA = Path(__file__).parent / "data"

# Tests that start a Dask cluster or need a Virtuoso server are slow (`pytest -m "not slow"` leaves them out), as
# are the browser tests; the slow tests of other kinds carry @pytest.mark.slow themselves.
_SLOW_FIXTURES = {"cluster", "virtuoso", "pushed"}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("browser") or _SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
SEEDS = sorted(SAMPLE_CORPUS.glob("*.txt"))


@pytest.fixture(scope="session")
def rules():
    return load_rules()


@pytest.fixture(scope="session")
def sample(rules):
    """The bundled sample corpus, built once for the whole test session."""
    return build(rules=rules)


@pytest.fixture(scope="session")
def sample_exports(sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    export_all(sample.graph, out, max_nodes=None)
    return out


@pytest.fixture
def seed_copy(tmp_path):
    """A writable copy of the seed digests."""
    folder = tmp_path / "digests"
    folder.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, folder / seed.name)
    return folder


def edges(graph, relation, subject=None, obj=None):
    return [
        (u, v, d)
        for u, v, d in graph.edges(data=True)
        if d["relation"] == relation and (subject is None or u == subject) and (obj is None or v == obj)
    ]


# ---------------------------------------------------------------- helpers shared by test modules

SERVE = [sys.executable, "-c", "from kg.cli import cli; cli()", "serve"]

CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1400,900",
)

# Two news items that name a startup no rule knows (and a Person and a Product the patterns find by their cues;
# "新公司 X" is a cue of the model's typing, not a slot pattern: "初创公司 X" would be found by the rules).
NEW_NAMES = (
    "## 新模型\n\n新公司Zentrova今天发布了开源模型Qorvel-7B，在多项基准上超过同级模型。\n"
    "[原文](https://example.com/zentrova-model)\n\n"
    "## 新产品\n\n新公司Zentrova宣布，Qorvel-7B 将在 Hugging Face 上开放下载，首席执行官 Marek Wolansky 表示欢迎试用。\n"
    "[原文](https://example.com/zentrova-ceo)\n"
)


def start_server(*args: str) -> tuple[subprocess.Popen, str]:
    """Start `kg serve ARGS --port 0`; returns the process and the endpoint URL it prints."""
    process = subprocess.Popen([*SERVE, *args, "--port", "0"], stderr=subprocess.PIPE, text=True)
    lines = []
    for line in process.stderr:
        lines.append(line)
        found = re.search(r"at (http://\S+/sparql) ", line)
        if found:
            return process, found.group(1)
    process.wait(timeout=10)
    raise AssertionError("kg serve did not start:\n" + "".join(lines))


@pytest.fixture(scope="module")
def exports_with_new_names(tmp_path_factory):
    """The sample digests plus one naming a startup no rule knows (found by the model: see test_ner), exported."""
    from kg.export import export_all
    from kg.builder.pipeline import build

    extra = tmp_path_factory.mktemp("digests") / "2026-03-01.md"
    extra.write_text(f"# AI 日报 2026-03-01\n\n{NEW_NAMES}", encoding="utf-8")
    out = tmp_path_factory.mktemp("exports")
    export_all(build([*SEEDS, extra]).graph, out, max_nodes=None)
    return out


def row_tuples(rows: list[dict]) -> list[tuple]:
    """Rows in a canonical order: ORDER BY leaves ties in any order, and engines break them differently."""
    return sorted((tuple((k, v) for k, v in row.items()) for row in rows), key=repr)


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def chrome(logging: bool = True):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    if logging:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def wait_for(drv, script, timeout=15.0):
    end = time.time() + timeout
    while time.time() < end:
        value = drv.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for: {script}")


def open_page(drv, path: Path) -> None:
    drv.get(path.as_uri())
    wait_for(drv, "return window.kgExplorer && window.kgExplorer.ready")


GOLDEN = Path(__file__).parent / "data" / "golden.ttl"


def tiny_graph() -> nx.MultiDiGraph:
    items = {
        "i1": NewsItem(id="i1", title="谷歌发布Gemini 3", text="", date="2025-12-07", url="https://example.com/a?x=1&y=<2>", sources=["d1.md"], line=3),
    }
    g = nx.MultiDiGraph(items=items)
    g.add_node("google", type="Company", name="Google", name_zh="谷歌", aliases=["Google LLC"], wikidata="Q95", mentions=1,
               extractor="gazetteer", confidence=1.0, first_date="2025-12-07", last_date="2025-12-07", items=["i1"])
    g.add_node("gemini-3", type="Product", name="Gemini 3", name_zh="", aliases=[], wikidata="", mentions=1,
               extractor="gazetteer", confidence=1.0, first_date="2025-12-07", last_date="2025-12-07", items=["i1"])
    g.add_node('odd "name" / 名字 <x>', type="Person", name='Odd "Name"', name_zh="", aliases=[], wikidata="", mentions=1,
               extractor="pattern:cue-person-en", confidence=0.8, first_date="2025-12-07", last_date="2025-12-07", items=["i1"])
    g.add_edge("google", "gemini-3", key="s1", relation="develops", date="2025-12-07", url="https://example.com/a?x=1&y=<2>",
               item_id="i1", title="谷歌发布Gemini 3", evidence="谷歌发布Gemini 3。", extractor="rule:develops-zh-release",
               confidence=0.85, role="")
    g.add_edge("gemini-3", "google", key="s2", relation="coMention", date="2025-12-07", url="https://example.com/a", item_id="i1",
               title="", evidence="", extractor="co-mention", confidence=1.0, role="", count=1, items=["i1"], urls=[])
    return g
