"""Benchmark: the explorer (graph.html) on a real corpus, in headless Chromium (prints figures; not a test).

    python3 tests/benchmarks/bench_explorer.py /work/data/ainews-out/graph.graphml [--rounds 3] [--screenshots docs]
        [--cache /tmp/ainews-graph.pickle]

The graph is read from the build's GraphML (networkx ``read_graphml``; the list attributes, JSON strings in
GraphML, are decoded back), or from its graph.ttl with ``kg.load`` where the package has it, so no corpus is
rebuilt: only graph.html is written again from it, with the build's default ``--max-nodes`` 500. Prints the export time, then, for --rounds page loads: the time from navigation until
the page is interactive (the overview drawn, ``kgExplorer.ready``), the time of a focus view (an entity's
neighbourhood laid out and drawn) and of a path view, the number of network requests (file: and data: are not
requests) and whether any two drawn labels overlap (checked on their boxes at fit, zoomed in and zoomed out). The
baseline, measured in the same run, is the same page opened with no script run on it beyond the data parse
(``JSON.parse`` of the embedded graph): the ratio says what the explorer adds to merely reading its data.
With --screenshots DIR it also writes DIR/explorer-overview.png, explorer-focus.png and explorer-path.png.
"""
from __future__ import annotations

import argparse
import json
import pickle
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import networkx as nx  # noqa: E402

LIST_ATTRS = ("aliases", "items", "urls")


def load_graphml(path: Path) -> nx.MultiDiGraph:
    """The build's GraphML as the pipeline's graph (lists decoded; items' dates are not in GraphML)."""
    graph = nx.read_graphml(path, force_multigraph=True)
    for _, data in graph.nodes(data=True):
        for key in LIST_ATTRS:
            if isinstance(data.get(key), str):
                data[key] = json.loads(data[key])
    for _, _, data in graph.edges(data=True):
        for key in LIST_ATTRS:
            if isinstance(data.get(key), str):
                data[key] = json.loads(data[key])
    return graph


def load(path: Path, cache: Path | None) -> nx.MultiDiGraph:
    if cache and cache.exists() and cache.stat().st_mtime > path.stat().st_mtime:
        with cache.open("rb") as handle:
            return pickle.load(handle)
    if path.suffix == ".ttl":  # a kg with kg.load reads graph.ttl back, items' dates included
        import kg

        if not hasattr(kg, "load"):
            raise SystemExit(f"{path}: this kg has no kg.load; give the build's graph.graphml")
        graph = kg.load(path)
    else:
        graph = load_graphml(path)
    if cache:
        with cache.open("wb") as handle:
            pickle.dump(graph, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return graph



def _overlaps(boxes: list[dict]) -> int:
    return sum(
        1
        for i, a in enumerate(boxes)
        for b in boxes[i + 1:]
        if a["l"] < b["r"] and a["r"] > b["l"] and a["t"] < b["b"] and a["b"] > b["t"]
    )


def _requests(drv) -> list[str]:
    out = []
    for entry in drv.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            url = msg["params"]["request"]["url"]
            if not url.startswith(("file:", "data:")):
                out.append(url)
    return out


def _baseline_page(page: Path, out: Path) -> Path:
    """The same embedded data, read with JSON.parse and nothing else."""
    import re

    text = page.read_text(encoding="utf-8")
    blob = re.search(r'<script type="application/json" id="kg-data">.*?</script>', text, re.S).group(0)
    out.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>" + blob
        + "<script>window.parsed = JSON.parse(document.getElementById('kg-data').textContent).nodes.length;"
        "window.parsedMs = performance.now();</script></body></html>",
        encoding="utf-8",
    )
    return out


def main() -> None:
    from tests.test_html import _chrome, _wait
    from kg.export.html import export

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("graphml", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--max-nodes", type=int, default=500)
    ap.add_argument("--cache", type=Path, help="pickle of the loaded graph, reused while newer than the GraphML")
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench_explorer"))
    ap.add_argument("--screenshots", type=Path, help="folder for explorer-overview/focus/path.png")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    began = time.perf_counter()
    graph = load(args.graphml, args.cache)
    print(f"graph read from {args.graphml}: {graph.number_of_nodes():,} entities, {graph.number_of_edges():,} "
          f"statements in {time.perf_counter() - began:.1f} s")
    page = args.out / "graph.html"
    began = time.perf_counter()
    export(graph, page, max_nodes=args.max_nodes)
    print(f"graph.html written in {time.perf_counter() - began:.1f} s ({page.stat().st_size / 1e6:.1f} MB)")
    baseline = _baseline_page(page, args.out / "baseline.html")

    drv = _chrome()
    drv.set_window_size(1400, 900)
    drv.set_page_load_timeout(120)
    rows = []
    try:
        for r in range(args.rounds + 1):
            drv.get(baseline.as_uri())
            _wait(drv, "return window.parsedMs", timeout=120)
            base_ms = drv.execute_script("return window.parsedMs")
            drv.get_log("performance")
            began = time.perf_counter()
            drv.get(page.as_uri())
            _wait(drv, "return window.kgExplorer && window.kgExplorer.ready", timeout=120)
            wall = time.perf_counter() - began
            ready_ms = drv.execute_script("return kgExplorer.readyMs")
            info = drv.execute_script(
                """var X = kgExplorer, d = X.data, r = {boxes: {}};
                   r.visible = X.visibleNodeIds().length; r.communities = d.communities.filter(function (c) { return c.shown; }).length;
                   r.hidden = X.view().hidden;
                   [0, 0.15, 0.4, 1, 2].forEach(function (s) {
                     if (s) X.network.moveTo({scale: s}); else X.network.fit(); X.network.redraw();
                     r.boxes['overview@' + (s || 'fit')] = X.labelBoxes(); });
                   var top = d.nodes.slice().sort(function (a, b) { return b.mentions - a.mentions || (a.id < b.id ? -1 : 1); });
                   r.focus = []; r.select = [];
                   top.slice(0, 5).forEach(function (n) {
                     var t = performance.now(); X.selectNode(n.id, true); r.select.push(performance.now() - t);
                     r.focus.push(X.lastFocusMs); });
                   r.boxes.focus = X.labelBoxes();
                   X.focus(top[0].id, 2); r.focus2 = X.lastFocusMs; r.focus2n = X.visibleNodeIds().length;
                   r.boxes.focus2 = X.labelBoxes();
                   r.path = X.path(top[0].id, top[top.length - 1].id); r.pathMs = X.lastPathMs;
                   r.boxes.path = X.labelBoxes();
                   X.overview();
                   return r;""")
            overlaps = {k: _overlaps(v) for k, v in info["boxes"].items()}
            labels = {k: len(v) for k, v in info["boxes"].items()}
            row = {
                "round": r, "baseline_ms": base_ms, "ready_ms": ready_ms, "wall_s": wall,
                "focus_ms": statistics.median(info["focus"]), "select_ms": statistics.median(info["select"]),
                "focus2_ms": info["focus2"], "path_ms": info["pathMs"], "requests": len(_requests(drv)),
                "overlaps": sum(overlaps.values()),
            }
            rows.append(row)
            print(f"  {'first' if r == 0 else 'load ' + str(r)}: interactive {ready_ms:,.0f} ms after navigation "
                  f"(wall {wall:.2f} s); baseline JSON.parse only {base_ms:,.0f} ms (x{ready_ms / base_ms:.1f}); "
                  f"focus {row['focus_ms']:.0f} ms (with the panel {row['select_ms']:.0f} ms), 2 hops "
                  f"{row['focus2_ms']:.0f} ms ({info['focus2n']} entities); path {row['path_ms']:.0f} ms "
                  f"({len(info['path'] or [])} entities); {row['requests']} requests; "
                  f"{row['overlaps']} overlapping labels")
            if r == 0:
                print(f"  overview: {info['visible']} entities in {info['communities']} communities; hidden: "
                      f"{info['hidden']}; labels drawn: {labels}")
        later = rows[1:] or rows
        med = {k: statistics.median(x[k] for x in later) for k in ("ready_ms", "baseline_ms", "focus_ms", "select_ms", "path_ms")}
        print(f"median of {len(later)} loads after the first: interactive {med['ready_ms']:,.0f} ms (baseline "
              f"{med['baseline_ms']:,.0f} ms, x{med['ready_ms'] / med['baseline_ms']:.1f}), focus {med['focus_ms']:.0f} ms "
              f"({med['select_ms']:.0f} ms with the panel), path {med['path_ms']:.0f} ms; requests "
              f"{max(x['requests'] for x in rows)}; overlapping labels {max(x['overlaps'] for x in rows)}")
        if args.screenshots:
            shots(drv, page, args.screenshots)
    finally:
        drv.quit()
    print(" ", " ".join(Path("/proc/loadavg").read_text().split()[:3]), "load average")


def shots(drv, page: Path, folder: Path) -> None:
    """Overview (fit), focus (NVIDIA), path (DeepSeek to Apple, or the top entity to the last)."""
    folder.mkdir(parents=True, exist_ok=True)
    drv.get(page.as_uri())
    from tests.test_html import _wait

    _wait(drv, "return window.kgExplorer && window.kgExplorer.ready", timeout=120)
    drv.execute_script("kgExplorer.network.fit(); kgExplorer.network.redraw()")
    time.sleep(0.5)
    drv.save_screenshot(str(folder / "explorer-overview.png"))
    names = drv.execute_script("var o = {}; kgExplorer.data.nodes.forEach(function (n) { o[n.id] = n.name; }); return o;")
    center = "nvidia" if "nvidia" in names else sorted(names)[0]
    drv.execute_script("kgExplorer.selectNode(arguments[0], true)", center)
    time.sleep(0.5)
    drv.save_screenshot(str(folder / "explorer-focus.png"))
    a, b = ("deepseek", "apple") if {"deepseek", "apple"} <= set(names) else sorted(names)[:2]
    drv.execute_script("document.getElementById('kg-path-from').value = arguments[0];"
                       "document.getElementById('kg-path-to').value = arguments[1];"
                       "document.getElementById('kg-path-go').click()", names[a], names[b])
    time.sleep(0.5)
    drv.save_screenshot(str(folder / "explorer-path.png"))
    print(f"screenshots: {folder}/explorer-overview.png, explorer-focus.png ({center}), explorer-path.png ({a} to {b})")


if __name__ == "__main__":
    main()
