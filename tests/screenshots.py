"""The screenshots in docs/, taken in headless Chromium (the browser the tests use).

    python tests/screenshots.py report REPORT.html docs/report.png
    python tests/screenshots.py timeline GRAPH.html docs/timeline.png [STEP] [window|asof]
    python tests/screenshots.py explorer exports/graph.html exports/explorer.png 英伟达

`timeline` opens the explorer, sets the timeline to STEP (a month YYYY-MM or a day YYYY-MM-DD; default: the
middle step) and selects the most mentioned entity shown. `explorer` searches NAME in the explorer's search box.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import chrome, wait_for  # noqa: E402



def report(page: Path, png: Path, width: int = 1100, height: int = 1000) -> None:
    driver = chrome(logging=False)
    try:
        driver.set_window_size(width, height)
        driver.get(Path(page).resolve().as_uri())
        driver.save_screenshot(str(png))
    finally:
        driver.quit()


def timeline(page: Path, png: Path, step: str | None = None, mode: str = "asof", width: int = 1500,
             height: int = 950) -> None:
    driver = chrome(logging=False)
    try:
        driver.set_window_size(width, height)
        driver.get(Path(page).resolve().as_uri())
        wait_for(driver, "return window.kgExplorer && window.kgExplorer.ready", timeout=120)
        steps = driver.execute_script("return kgExplorer.timeline.steps().map(function (s) { return s.label; })")
        index = steps.index(step) if step else len(steps) // 2
        driver.execute_script("kgExplorer.timeline.mode(arguments[0]); kgExplorer.timeline.set(arguments[1]);",
                              mode, index)
        top = driver.execute_script(
            """var best = null; kgExplorer.visibleNodeIds().forEach(function (id) {
                 var n = kgExplorer.data.nodes.find(function (x) { return x.id === id; });
                 if (!best || n.mentions > best.mentions) best = n; });
               return best && best.id;""")
        if top:
            driver.execute_script("kgExplorer.selectNode(arguments[0], false); kgExplorer.network.fit();", top)
        time.sleep(0.5)
        driver.save_screenshot(str(png))
    finally:
        driver.quit()


def explorer(page: Path, png: Path, name: str, width: int = 1400, height: int = 900) -> None:
    from selenium.webdriver.common.keys import Keys

    driver = chrome(logging=False)
    try:
        driver.set_window_size(width, height)
        driver.get(Path(page).resolve().as_uri())
        wait_for(driver, "return window.kgExplorer && window.kgExplorer.ready", timeout=120)
        driver.find_element("id", "kg-search").send_keys(name + Keys.ENTER)
        wait_for(driver, "return !!kgExplorer.selectedNode")
        time.sleep(0.8)
        driver.save_screenshot(str(png))
    finally:
        driver.quit()


if __name__ == "__main__":
    what, args = sys.argv[1], sys.argv[2:]
    if what == "report":
        report(Path(args[0]), Path(args[1]))
    elif what == "explorer":
        explorer(Path(args[0]), Path(args[1]), args[2])
    else:
        timeline(Path(args[0]), Path(args[1]), *(args[2:4]))
