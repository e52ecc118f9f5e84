"""A rebuild into the same folder updates graph.ttl and its query store unit by unit (kg/export/incremental.py):
the file must be byte for byte the one a full export writes, and the store must hold exactly its triples."""
from __future__ import annotations

import shutil

import pyoxigraph as ox
import pytest

from kg.sparql import query as sparql_query
from kg.sparql import store as query_store
from kg.export import export_all
from kg.export import incremental as splice
from kg.builder.pipeline import build

NEW_STORY = (
    "\n\n### 英伟达发布新芯片 H300\n英伟达今天发布了 H300 芯片，微软将在 Azure 上使用。\n"
    "[>阅读原文](https://example.com/splice-test)\n"
)


def file_triples(path) -> set:
    """The triples of the file as a store holds them (a store writes 1.0 as 1: compare store with store)."""
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return {(t.subject, t.predicate, t.object) for t in store.quads_for_pattern(None, None, None)}


def store_triples(path) -> set:
    store = ox.Store.read_only(str(query_store.store_dir(path)))
    return {(t.subject, t.predicate, t.object) for t in store.quads_for_pattern(None, None, None)}


@pytest.fixture
def first_export(seed_copy, tmp_path, rules):
    out = tmp_path / "out"
    export_all(build([seed_copy], rules=rules, use_model=False).graph, out)
    return seed_copy, out


def test_a_changed_and_a_removed_digest_update_the_export_like_a_full_one(first_export, tmp_path, rules, monkeypatch):
    from kg.export import turtle

    monkeypatch.setattr(turtle, "STORE_UPDATE_SHARE", 0.9)  # one digest of five is a large share of the sample
    digests, out = first_export
    changed, removed = sorted(digests.iterdir())[:2]
    with open(changed, "a", encoding="utf-8") as f:
        f.write(NEW_STORY)
    removed.unlink()
    graph = build([digests], rules=rules, use_model=False).graph

    notes: list[str] = []
    export_all(graph, out, notes=notes)
    full = tmp_path / "full"
    export_all(graph, full, update=False)

    assert (out / "graph.ttl").read_bytes() == (full / "graph.ttl").read_bytes()
    assert (out / "graph.graphml").read_bytes() == (full / "graph.graphml").read_bytes()
    assert len(notes) == 2 and notes[0].startswith("graph.ttl updated: ") and "query store updated" in notes[0]
    assert notes[1].startswith("graph.graphml updated: ")
    rewritten, units = (int(n.replace(",", "")) for n in notes[0].split(": ")[1].split(" units")[0].split(" of "))
    assert 0 < rewritten < units / 2  # most of the graph was copied, not written again
    assert query_store.store_state(out / "graph.ttl") == "fresh"
    assert store_triples(out / "graph.ttl") == file_triples(out / "graph.ttl")
    answers = ("SELECT ?item WHERE { ?item a <https://schema.org/NewsArticle> ;"
               " <https://schema.org/url> <https://example.com/splice-test> }")
    assert len(sparql_query.run(query_store.open_store(out / "graph.ttl"), answers).rows) == 1

    # and once more from the updated export (its parts describe the spliced file)
    notes.clear()
    export_all(graph, out, notes=notes)
    assert notes == [f"graph.ttl updated: 0 of {units:,} units written again; query store updated (-0 +0 triples)",
                     f"graph.graphml updated: 0 of {graph.number_of_nodes() + graph.number_of_edges():,} nodes and edges written again"]
    assert (out / "graph.ttl").read_bytes() == (full / "graph.ttl").read_bytes()
    assert (out / "graph.graphml").read_bytes() == (full / "graph.graphml").read_bytes()


def test_an_edited_turtle_or_another_base_means_a_full_export(first_export, tmp_path, rules):
    digests, out = first_export
    graph = build([digests], rules=rules, use_model=False).graph
    with open(out / "graph.ttl", "a", encoding="utf-8") as f:  # edited by hand: the parts no longer describe it
        f.write("<urn:x> <urn:y> <urn:z> .\n")
    notes: list[str] = []
    export_all(graph, out, notes=notes, formats=["turtle"])
    assert notes == []
    assert (urn := ox.NamedNode("urn:x")) and not any(t[0] == urn for t in file_triples(out / "graph.ttl"))

    export_all(graph, out, notes=notes, base="https://example.org/kg/", formats=["turtle"])
    assert notes == []
    assert b"https://example.org/kg/entity/" in (out / "graph.ttl").read_bytes()
    assert store_triples(out / "graph.ttl") == file_triples(out / "graph.ttl")


def test_a_stale_store_is_loaded_again_not_updated(first_export, rules):
    digests, out = first_export
    shutil.rmtree(query_store.store_dir(out / "graph.ttl"))
    with open(sorted(digests.iterdir())[0], "a", encoding="utf-8") as f:
        f.write(NEW_STORY)
    notes: list[str] = []
    export_all(build([digests], rules=rules, use_model=False).graph, out, notes=notes, formats=["turtle"])
    assert notes[0].startswith("graph.ttl updated: ") and "query store" not in notes[0]
    assert store_triples(out / "graph.ttl") == file_triples(out / "graph.ttl")


def test_parts_record_every_unit_in_file_order(first_export):
    _, out = first_export
    parts = splice.previous_parts(out / "graph.ttl", splice.turtle_environment("https://w3id.org/kg-ai/id/", _prefixes(out)))
    assert parts is not None
    data = (out / "graph.ttl").read_bytes()
    ranges = sorted((start, end) for key, (_, start, end) in parts.units.items() if key != "@prefix")
    assert all(a_end == b_start for (_, a_end), (b_start, _) in zip(ranges, ranges[1:]))  # contiguous, no gaps
    assert ranges[-1][1] == len(data) and data[ranges[0][0]:].startswith(b"e:")  # entities first, after @prefix lines
    assert all(not data[start:end] or data[start:end].endswith(b" .\n") for start, end in ranges)


def _prefixes(out) -> dict:
    text = (out / "graph.ttl").read_text(encoding="utf-8")
    return {line.split()[1][:-1]: line.split()[2][1:-1] for line in text.splitlines() if line.startswith("@prefix")}


def test_many_changes_load_the_store_again(first_export, rules, monkeypatch):
    from kg.export import turtle

    digests, out = first_export
    monkeypatch.setattr(turtle, "STORE_UPDATE_SHARE", 0.0)  # any change is "many"
    with open(sorted(digests.iterdir())[0], "a", encoding="utf-8") as f:
        f.write(NEW_STORY)
    notes: list[str] = []
    export_all(build([digests], rules=rules, use_model=False).graph, out, notes=notes, formats=["turtle"])
    assert notes[0].startswith("graph.ttl updated: ") and "query store" not in notes[0]
    assert query_store.store_state(out / "graph.ttl") == "fresh"
    assert store_triples(out / "graph.ttl") == file_triples(out / "graph.ttl")


def test_an_edited_graphml_is_written_in_full(first_export, tmp_path, rules):
    digests, out = first_export
    graph = build([digests], rules=rules, use_model=False).graph
    text = (out / "graph.graphml").read_text(encoding="utf-8")
    (out / "graph.graphml").write_text(text.replace("<graph ", "<!-- edited --><graph ", 1), encoding="utf-8")
    notes: list[str] = []
    export_all(graph, out, notes=notes, formats=["graphml"])
    assert notes == []
    full = tmp_path / "full"
    export_all(graph, full, update=False, formats=["graphml"])
    assert (out / "graph.graphml").read_bytes() == (full / "graph.graphml").read_bytes()


def test_cli_says_what_the_update_did_and_no_cache_writes_in_full(seed_copy, tmp_path):
    from click.testing import CliRunner

    from kg.cli import cli

    runner = CliRunner()
    out = tmp_path / "out"
    first = runner.invoke(cli, ["build", str(seed_copy), "--out", str(out), "--no-model"])
    assert first.exit_code == 0, first.output
    assert "Export:" not in first.output
    again = runner.invoke(cli, ["build", str(seed_copy), "--out", str(out), "--no-model"])
    lines = [line for line in again.output.splitlines() if line.startswith("Export:")]
    parts = splice.previous_parts(out / "graph.ttl", _environment_of(out))
    units = sum(1 for key in parts.units if key != "@prefix")  # the @prefix lines are not a unit of the graph
    assert lines[0] == f"Export: graph.ttl updated: 0 of {units:,} units written again; query store updated (-0 +0 triples)."
    assert lines[1].startswith("Export: graph.graphml updated: 0 of ") and len(lines) == 2
    full = runner.invoke(cli, ["build", str(seed_copy), "--out", str(out), "--no-model", "--no-cache"])
    assert full.exit_code == 0 and "Export:" not in full.output


def _environment_of(out) -> dict:
    return splice.turtle_environment("https://w3id.org/kg-ai/id/", _prefixes(out))


def test_equal_inputs_have_equal_fingerprints_whatever_objects_hold_them():
    day = "2025-12-07"
    shared = ("Person", day, day, 0.8, ("a", "b"))
    separate = ("Person", "".join(["2025-12-", "07"]), "".join(["2025-", "12-07"]), 0.8, ("a", "b"))
    assert shared == separate and splice.fingerprint(shared) == splice.fingerprint(separate)
    assert splice.fingerprint(("x", 1)) != splice.fingerprint(("x", 1.0))  # 1 and 1.0 are written differently


def test_removing_most_digests_loads_the_store_again(first_export, rules):
    digests, out = first_export
    for path in sorted(digests.iterdir())[1:]:
        path.unlink()
    notes: list[str] = []
    export_all(build([digests], rules=rules, use_model=False).graph, out, notes=notes, formats=["turtle"])
    assert notes[0].startswith("graph.ttl updated: ") and "query store" not in notes[0]
    assert store_triples(out / "graph.ttl") == file_triples(out / "graph.ttl")


def test_the_forked_exports_are_the_ones_written_in_this_process(first_export, tmp_path, rules, monkeypatch):
    from kg import export as exporters  # A Dask test earlier in the run leaves its idle event-loop threads, and export_all then writes in this
    # process only; they hold no lock the child needs, so fork anyway to test the forked path.
    monkeypatch.setattr(exporters, "_can_fork", lambda: True)

    digests, out = first_export
    serial = tmp_path / "serial"
    export_all(build([digests], rules=rules, use_model=False).graph, serial, parallel=False)
    with open(sorted(digests.iterdir())[0], "a", encoding="utf-8") as f:
        f.write(NEW_STORY)
    graph = build([digests], rules=rules, use_model=False).graph
    notes = {"forked": [], "serial": []}
    export_all(graph, out, notes=notes["forked"])
    export_all(graph, serial, notes=notes["serial"], parallel=False)
    assert notes["forked"] == notes["serial"] and len(notes["serial"]) == 2
    for name in ("graph.ttl", "graph.graphml", "graph.html"):
        assert (out / name).read_bytes() == (serial / name).read_bytes(), name


def test_an_error_in_the_forked_exports_is_raised_here_and_nothing_moves(first_export, rules, monkeypatch):
    from kg import export as exporters
    from kg.errors import KgError

    class Broken(exporters.HtmlExporter):
        def write(self, graph, path, options):
            raise KgError(f"cannot write {path.name}: disk full")

    digests, out = first_export
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    monkeypatch.setitem(exporters.EXPORTERS, "html", Broken())
    monkeypatch.setattr(exporters, "_can_fork", lambda: True)  # see the test above
    graph = build([digests], rules=rules, use_model=False).graph
    with pytest.raises(exporters.ForkedExportError, match="cannot write graph.html: disk full"):
        export_all(graph, out)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert not list(out.glob(".kg-export-*"))


def test_the_store_is_updated_in_this_process_without_background(first_export, tmp_path, rules):
    from kg.export import turtle

    digests, out = first_export
    with open(sorted(digests.iterdir())[0], "a", encoding="utf-8") as f:
        f.write(NEW_STORY)
    graph = build([digests], rules=rules, use_model=False).graph
    staged = tmp_path / "staged" / "graph.ttl"
    notes: list[str] = []
    assert turtle.export(graph, staged, previous=out / "graph.ttl", notes=notes, background=False) is None
    assert "query store updated (-" in notes[0]
    assert query_store.store_state(staged) == "fresh"
    assert store_triples(staged) == file_triples(staged)
