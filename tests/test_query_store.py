"""The persistent query store next to graph.ttl: used when it matches the Turtle, rebuilt when it does not."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.errors import QueryError
from kg.sparql import query as sparql_query
from kg.sparql import store as query_store
from kg.sparql import templates
from kg.cli import cli
from kg.export.turtle import export, to_rdf, write_turtle
from .conftest import GOLDEN, tiny_graph


runner = CliRunner()
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture
def tiny_export(tmp_path) -> Path:
    path = tmp_path / "graph.ttl"
    export(tiny_graph(), path)
    return path


def fresh_answers(path: Path, sparql: str) -> list:
    return sparql_query.run(query_store.load_store(path, persistent=False), sparql).rows


def test_export_writes_a_matching_store_next_to_the_turtle(tiny_export):
    store_dir = query_store.store_dir(tiny_export)
    assert store_dir == tiny_export.parent / ".graph.ttl.oxigraph" and (store_dir / query_store.STORE_META).is_file()
    assert query_store.store_state(tiny_export) == "fresh"
    assert (store_dir / ".gitignore").read_text() == "*\n"  # an index, never committed with the exports
    assert sorted(p.name for p in tiny_export.parent.iterdir()) == [".graph.ttl.oxigraph", ".graph.ttl.parts", "graph.ttl"]  # no temp left


def test_streamed_turtle_is_the_rdflib_graph_and_the_golden(tmp_path):
    path = tmp_path / "graph.ttl"
    count = write_turtle(tiny_graph(), path)
    parsed = Graph().parse(path, format="turtle")
    assert count == len(parsed)
    assert isomorphic(parsed, to_rdf(tiny_graph()))
    assert isomorphic(parsed, Graph().parse(GOLDEN, format="turtle"))
    assert "@prefix e: <https://w3id.org/kg-ai/id/entity/>" in path.read_text(encoding="utf-8")


def test_the_store_is_used_and_answers_like_a_fresh_load(tiny_export, monkeypatch):
    def no_parsing(*_a, **_k):
        raise AssertionError("the Turtle was parsed although the store matches it")

    monkeypatch.setattr(query_store, "_build_store", no_parsing)
    store = query_store.load_store(tiny_export)
    assert sparql_query.run(store, COUNT).rows == fresh_answers(tiny_export, COUNT)
    for name, nq in templates.named_queries().items():
        text = templates.bind_params(nq, {})
        assert sparql_query.run(store, text).rows == fresh_answers(tiny_export, text), name


def test_cli_query_and_entity_use_the_store(tiny_export, monkeypatch):
    monkeypatch.setattr(query_store, "_build_store", lambda *_a: pytest.fail("store rebuilt although it matches"))
    result = runner.invoke(cli, ["query", str(tiny_export), "--named", "releases", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("Google,Gemini 3,2025-12-07,")
    assert result.stderr == ""
    result = runner.invoke(cli, ["entity", str(tiny_export), "谷歌"])
    assert result.exit_code == 0 and "Google / 谷歌  [Company]" in result.stdout


def test_a_changed_turtle_makes_the_store_stale_and_it_is_rebuilt(tiny_export):
    g = tiny_graph()
    g.nodes["gemini-3"]["name"] = "Gemini Three"
    write_turtle(g, tiny_export)  # the Turtle changes, the store is left as it was
    assert query_store.store_state(tiny_export) == "stale"
    result = runner.invoke(cli, ["query", str(tiny_export), "--named", "releases", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "outdated query store" in result.stderr
    assert result.stdout.splitlines()[1].startswith("Google,Gemini Three,")
    assert query_store.store_state(tiny_export) == "fresh"
    again = runner.invoke(cli, ["query", str(tiny_export), "--named", "releases", "--format", "csv"])
    assert again.stderr == "" and again.stdout == result.stdout


def test_same_size_edit_in_place_is_caught(tiny_export):
    text = tiny_export.read_bytes()
    assert b'"Gemini 3"@en' in text
    stat = tiny_export.stat()
    tiny_export.write_bytes(text.replace(b'"Gemini 3"@en', b'"Gemini 4"@en'))  # same size, same inode
    os.utime(tiny_export, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert query_store.store_state(tiny_export) == "stale"
    assert ["Gemini 4"] in sparql_query.run(query_store.load_store(tiny_export), 'SELECT ?l WHERE { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(STRSTARTS(?l, "Gemini")) }').rows


def test_a_copy_with_the_same_content_reuses_the_store(tiny_export, tmp_path, monkeypatch):
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(tiny_export, copy / "graph.ttl")  # new inode and mtime, same bytes
    shutil.copytree(query_store.store_dir(tiny_export), query_store.store_dir(copy / "graph.ttl"))
    monkeypatch.setattr(query_store, "_build_store", lambda *_a: pytest.fail("rebuilt although the content is the same"))
    assert query_store.store_state(copy / "graph.ttl") == "fresh"


def test_missing_or_broken_store_is_rebuilt_with_a_message(tiny_export):
    shutil.rmtree(query_store.store_dir(tiny_export))
    messages = []
    store = query_store.load_store(tiny_export, notify=messages.append)
    assert "no query store" in messages[0]
    assert sparql_query.run(store, COUNT).rows == fresh_answers(tiny_export, COUNT)
    (query_store.store_dir(tiny_export) / query_store.STORE_META).write_text("{not json", encoding="utf-8")
    assert query_store.store_state(tiny_export) == "stale"
    messages.clear()
    query_store.load_store(tiny_export, notify=messages.append)
    assert "outdated query store" in messages[0] and query_store.store_state(tiny_export) == "fresh"


def test_unwritable_folder_falls_back_to_the_user_cache(tiny_export, tmp_path, monkeypatch):
    shutil.rmtree(query_store.store_dir(tiny_export))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    real_build = query_store._build_store

    def build(graph_path, target):
        if target == query_store.store_dir(graph_path):
            raise PermissionError(13, "read-only folder")
        return real_build(graph_path, target)

    monkeypatch.setattr(query_store, "_build_store", build)
    store = query_store.load_store(tiny_export, notify=lambda _m: None)
    assert sparql_query.run(store, COUNT).rows == fresh_answers(tiny_export, COUNT)
    assert query_store.store_state(tiny_export, query_store._cache_store_dir(tiny_export)) == "fresh"


def test_interrupted_store_write_keeps_the_previous_store(tiny_export, monkeypatch):
    before = sparql_query.run(query_store.load_store(tiny_export), COUNT).rows

    class Interrupted(Exception):
        pass

    def fail(self, *a, **k):
        raise Interrupted

    monkeypatch.setattr(ox.Store, "bulk_extend", fail)
    with pytest.raises(Interrupted):
        query_store.write_store(tiny_export)
    monkeypatch.undo()
    assert not [p for p in tiny_export.parent.iterdir() if p.name.endswith((".tmp", ".old"))]
    assert query_store.store_state(tiny_export) == "fresh" and sparql_query.run(query_store.load_store(tiny_export), COUNT).rows == before


def test_interrupted_turtle_export_keeps_the_previous_file(tiny_export, monkeypatch):
    before = tiny_export.read_bytes()
    g = tiny_graph()
    g.nodes["google"]["type"] = "NoSuchType"  # fails half-way through the stream
    with pytest.raises(KeyError):
        export(g, tiny_export)
    assert tiny_export.read_bytes() == before
    assert sorted(p.name for p in tiny_export.parent.iterdir()) == [".graph.ttl.oxigraph", ".graph.ttl.parts", "graph.ttl"]
    assert query_store.store_state(tiny_export) == "fresh"


def test_broken_turtle_is_a_message(tmp_path):
    path = tmp_path / "graph.ttl"
    path.write_text("this is not turtle", encoding="utf-8")
    result = runner.invoke(cli, ["query", str(path), "SELECT * WHERE { ?s ?p ?o }"])
    assert result.exit_code != 0 and "not a readable Turtle file" in result.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_store_loaded_in_chunks_holds_every_triple(tiny_export, monkeypatch):
    """The store is bulk-loaded chunk by chunk (bounded memory); chunk edges must lose and repeat nothing."""
    monkeypatch.setattr(query_store, "LOAD_CHUNK", 7)
    query_store.write_store(tiny_export)
    expected = len(set(ox.parse(path=str(tiny_export), format=ox.RdfFormat.TURTLE)))
    assert expected > 3 * 7
    assert sparql_query.run(query_store.load_store(tiny_export), COUNT).rows == [[str(expected)]]


def test_the_build_writes_the_store_in_another_process_and_reports_its_failure(tmp_path):
    bad = tmp_path / "graph.ttl"
    bad.write_text("@prefix e: <https://example.org/> .\ne:a e:b .\n", encoding="utf-8")  # no object
    job = query_store.StoreJob(bad)
    with pytest.raises(QueryError, match=f"{bad}: not a readable Turtle file"):
        job.wait()
    assert query_store.store_state(bad) == "missing"


def test_a_failed_export_stops_the_store_writer_and_leaves_nothing(tmp_path, monkeypatch):
    from kg import export as exporters
    jobs = []
    real_job = query_store.StoreJob

    def recorded(*args, **kwargs):
        jobs.append(real_job(*args, **kwargs))
        return jobs[-1]

    class Broken(exporters.GraphMLExporter):
        def write(self, graph, path, options):
            raise OSError("disk full")

    monkeypatch.setattr(query_store, "StoreJob", recorded)
    monkeypatch.setitem(exporters.EXPORTERS, "graphml", Broken())
    with pytest.raises(OSError, match="disk full"):
        exporters.export_all(tiny_graph(), tmp_path / "out")
    assert len(jobs) == 1 and jobs[0].process.poll() is not None  # stopped, not left running
    assert [p.name for p in (tmp_path / "out").iterdir()] == [".kg-build.lock"]
