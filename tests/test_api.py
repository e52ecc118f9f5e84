"""The Python API a notebook user calls: kg.build, kg.load, kg.query."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import kg
from kg.errors import BuildAbortedError, KgError, NoInputError, QueryError

ROOT = Path(__file__).resolve().parents[1]


def test_import_kg_is_light_and_exports_the_api():
    code = ("import sys, kg; print(sorted(m for m in ('networkx', 'pyoxigraph', 'rdflib', 'spacy', 'click')"
            " if m in sys.modules)); print(kg.__all__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "['BuildOutput', 'KgError', '__version__', 'build', 'load', 'query']"]


def test_build_prints_nothing_and_says_what_it_made(seed_copy, tmp_path, capfd):
    (seed_copy / "broken.md").write_bytes(b"\x00\x01\x02 binary \xff\xfe")
    out = tmp_path / "exports"
    result = kg.build([str(seed_copy)], out=out, use_model=False)
    assert capfd.readouterr() == ("", "")
    assert result.paths == {"turtle": out / "graph.ttl", "graphml": out / "graph.graphml", "html": out / "graph.html"}
    assert all(path.is_file() for path in result.paths.values())
    assert [problem.path.name for problem in result.problems] == ["broken.md"]
    counts = result.counts
    assert (counts["files"], counts["files_read"], counts["items"]) == (6, 5, 97)
    assert sum(counts["entities"].values()) == result.graph.number_of_nodes()
    assert sum(counts["edges"].values()) == result.graph.number_of_edges()
    assert result.graph.nodes["nvidia"]["name"] == "NVIDIA"
    result.close()


def test_build_without_out_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = kg.build(use_model=False)
    assert result.paths == {} and list(tmp_path.iterdir()) == []
    assert result.counts["items"] == 97


def test_build_raises_typed_errors(seed_copy, tmp_path):
    with pytest.raises(NoInputError, match="no such file or folder"):
        kg.build([tmp_path / "missing"])
    with pytest.raises(KgError, match="'12/07/2025' is not a date: use YYYY-MM-DD"):
        kg.build(date="12/07/2025")
    (seed_copy / "broken.md").write_bytes(b"\x00\x01\x02 binary \xff\xfe")
    with pytest.raises(BuildAbortedError, match="1 file\\(s\\) skipped and strict=True: nothing written"):
        kg.build([seed_copy], out=tmp_path / "out", strict=True, use_model=False)
    assert not (tmp_path / "out" / "graph.ttl").exists()


def test_load_gives_back_the_build_s_graph(sample, sample_exports):
    built, loaded = sample.graph, kg.load(sample_exports / "graph.ttl")
    assert list(loaded.nodes) == list(built.nodes)
    for node, data in built.nodes(data=True):
        assert loaded.nodes[node] == data, node
    assert {(u, v, k) for u, v, k in loaded.edges(keys=True)} == {(u, v, k) for u, v, k in built.edges(keys=True)}
    for u, v, key, data in built.edges(keys=True, data=True):
        assert loaded.edges[u, v, key] == data, (u, v, key)
    # what a user checks: a dated, sourced edge with its extractor and confidence
    edge = next(d for u, v, d in loaded.edges(data=True)
                if (u, v, d["relation"]) == ("google", "gemini-3", "develops") and "sn=dcf2a419986d" in d["url"])
    assert (edge["date"], edge["extractor"], edge["confidence"]) == ("2025-12-07", "rule:develops-zh-release", 0.85)
    assert loaded.nodes["google"]["type"] == "Company" and loaded.nodes["google"]["name_zh"] == "谷歌"
    items = loaded.graph["items"]
    assert set(items) == set(built.graph["items"])
    for item_id, item in built.graph["items"].items():
        back = items[item_id]
        assert (back.title, back.date, back.url, back.sources, back.line, back.author) == (
            item.title, item.date, item.url, item.sources, item.line, item.author)


def test_load_reads_triples_in_any_order(sample_exports, tmp_path):
    """The same graph from the export re-written by another tool: N-Triples (valid Turtle), shuffled."""
    import random

    import pyoxigraph as ox

    lines = ox.serialize(ox.parse(path=str(sample_exports / "graph.ttl"), format=ox.RdfFormat.TURTLE),
                         format=ox.RdfFormat.N_TRIPLES).decode("utf-8").splitlines()
    random.Random(5).shuffle(lines)
    shuffled = tmp_path / "graph.ttl"
    shuffled.write_text("\n".join(lines) + "\n", encoding="utf-8")
    exported, loaded = kg.load(sample_exports / "graph.ttl"), kg.load(shuffled)

    def aliases_sorted(data):  # the order of aliases is the file's
        return {**data, "aliases": sorted(data["aliases"])}

    assert {n: aliases_sorted(d) for n, d in loaded.nodes(data=True)} == {
        n: aliases_sorted(d) for n, d in exported.nodes(data=True)}
    assert {(u, v, k): d for u, v, k, d in loaded.edges(keys=True, data=True)} == {
        (u, v, k): d for u, v, k, d in exported.edges(keys=True, data=True)}


def test_load_reports_a_missing_file(tmp_path):
    with pytest.raises(QueryError, match="no such graph file"):
        kg.load(tmp_path / "graph.ttl")


def test_query_returns_rows_as_python_values(sample_exports):
    rows = kg.query(sample_exports / "graph.ttl", """
        SELECT ?product ?mentions WHERE { ?g kg:nameKey "谷歌" ; kg:develops ?p . ?p kg:name ?product ;
        kg:mentionCount ?mentions } ORDER BY DESC(?mentions) ?product LIMIT 2""")
    assert rows == [{"product": "Gemini", "mentions": 8}, {"product": "Gemini 3", "mentions": 4}]
    assert kg.query(str(sample_exports / "graph.ttl"), "ASK { ?s kg:worksFor ?o }") == [{"result": True}]


def test_query_takes_a_store_and_reports_syntax_errors_in_one_line(sample_exports):
    from kg.sparql.store import load_store

    store = load_store(sample_exports / "graph.ttl", persistent=False)
    assert kg.query(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s kg:develops ?o }") == [{"n": 32}]
    with pytest.raises(QueryError) as caught:
        kg.query(store, "SELECT ?s WHERE { ?s kg:develops }")
    assert str(caught.value).startswith("SPARQL syntax error at line 1, column 34")
    assert "\n" not in str(caught.value)
