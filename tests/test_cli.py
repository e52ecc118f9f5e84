"""The CLI: exact output and exit codes, every command documented."""
from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kg.cli import cli
from .conftest import tiny_graph


runner = CliRunner()


def _all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from _all_commands(command, prefix + (name,))


@pytest.mark.parametrize("path", [p for p, _ in _all_commands(cli)], ids=" ".join)
def test_every_command_has_help_with_an_example(path):
    result = runner.invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    command = dict(_all_commands(cli))[path]
    assert command.help and len(command.help.split()) > 5
    if not isinstance(command, click.Group):
        assert "Example:" in result.output


@pytest.fixture(scope="module")
def tiny_ttl(tmp_path_factory):
    from kg.export.turtle import export

    path = tmp_path_factory.mktemp("tiny") / "graph.ttl"
    export(tiny_graph(), path)
    return path


def test_build_without_arguments_builds_the_sample_into_exports():
    with runner.isolated_filesystem():
        result = runner.invoke(cli, ["build"])
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert lines[0] == "Read 5 of 5 files: 97 items (12 repeated listings merged), 0 skipped."
        assert lines[1].startswith("Entities: ") and "Company " in lines[1] and "Person " in lines[1]
        assert lines[2].startswith("Edges: ") and "develops " in lines[2] and "coMention " in lines[2]
        assert lines[3].startswith("Wrote exports/graph.ttl, exports/graph.graphml, exports/graph.html in ")
        assert sorted(p.name for p in Path("exports").iterdir() if not p.name.startswith(".")) == ["graph.graphml", "graph.html", "graph.ttl"]


def test_build_reports_missing_input_without_traceback():
    result = runner.invoke(cli, ["build", "no/such/folder"])
    assert result.exit_code == 1
    assert result.stderr == "Error: no/such/folder: no such file or folder\n"


def test_build_rejects_a_malformed_date():
    result = runner.invoke(cli, ["build", "--date", "12/07/2025"])
    assert result.exit_code == 2
    assert "'12/07/2025' is not a date: use YYYY-MM-DD" in result.stderr


def test_named_query_as_csv(tiny_ttl):
    result = runner.invoke(cli, ["query", str(tiny_ttl), "--named", "releases", "--param", "company=谷歌", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "developer,product,date,status,url\nGoogle,Gemini 3,2025-12-07,,https://example.com/a?x=1&y=%3C2%3E\n"


def test_named_query_date_range_excludes(tiny_ttl):
    result = runner.invoke(cli, ["query", str(tiny_ttl), "--named", "releases", "--param", "from=2025-12-08", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_inline_sparql_as_table(tiny_ttl):
    sparql = "PREFIX kg: <https://w3id.org/kg-ai/vocab#> SELECT ?s ?o WHERE { ?s kg:develops ?o }"
    result = runner.invoke(cli, ["query", str(tiny_ttl), sparql])
    assert result.exit_code == 0
    assert result.stdout == (
        "s                                        o\n"
        "---------------------------------------  -----------------------------------------\n"
        "https://w3id.org/kg-ai/id/entity/google  https://w3id.org/kg-ai/id/entity/gemini-3\n"
        "(1 row)\n"
    )


def test_query_errors_are_messages_not_tracebacks(tiny_ttl, tmp_path):
    cases = [
        (["query", str(tiny_ttl), "SELEC nonsense"], "Error: SPARQL syntax error"),
        (["query", str(tmp_path / "missing.ttl"), "SELECT * WHERE {}"], "no such graph file"),
        (["query", str(tiny_ttl), "--named", "nope"], "Error: no named query 'nope'; available: "),
        (["query", str(tiny_ttl), "--named", "releases", "--param", "from=yesterday"], "is not a date: use YYYY-MM-DD"),
        (["query", str(tiny_ttl), "--named", "releases", "--param", "colour=red"], "has no parameter colour"),
    ]
    for args, message in cases:
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, args
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.output


def test_query_parameter_cannot_inject_sparql(tiny_ttl):
    result = runner.invoke(cli, ["query", str(tiny_ttl), "--named", "releases", "--param", 'company=" || true) } #', "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


def test_entity_shows_names_type_and_dated_sourced_edges(tiny_ttl):
    result = runner.invoke(cli, ["entity", str(tiny_ttl), "谷歌"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:5] == [
        "Google / 谷歌  [Company]",
        "  iri:      https://w3id.org/kg-ai/id/entity/google",
        "  aliases:  Google LLC",
        "  wikidata: https://www.wikidata.org/wiki/Q95",
        "  mentioned in 1 item(s)",
    ]
    assert result.stdout.splitlines()[6:] == [
        "date        subject  relation  object    role  url",
        "----------  -------  --------  --------  ----  -----------------------------------",
        "2025-12-07  Google   develops  Gemini 3        https://example.com/a?x=1&y=%3C2%3E",
        "(1 row)",
        "",
        "Most often named with: Gemini 3 (1)",
    ]


def test_entity_name_is_just_a_name(tiny_ttl):
    result = runner.invoke(cli, ["entity", str(tiny_ttl), '" } DROP ALL ; #'])
    assert result.exit_code == 1
    assert "no entity named" in result.stderr


def test_entity_on_the_sample(sample_exports):
    result = runner.invoke(cli, ["entity", str(sample_exports / "graph.ttl"), "英伟达"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("NVIDIA / 英伟达  [Company]\n")
    assert re.search(r"\n\S+ +Jensen Huang +worksFor +NVIDIA ", result.stdout)  # columns as wide as the longest name


def test_name_parameters_match_any_label_or_alias_in_any_case(tiny_ttl):
    for company in ("GOOGLE LLC", "google", "谷歌"):
        result = runner.invoke(cli, ["query", str(tiny_ttl), "--named", "releases", "--param", f"company={company}", "--format", "csv"])
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[1:] == ["Google,Gemini 3,2025-12-07,,https://example.com/a?x=1&y=%3C2%3E"], company


def test_lines_for_a_parameter_not_given_are_left_out():
    from kg.sparql.templates import bind_params, named_queries

    releases = named_queries()["releases"]
    assert "?c kg:nameKey" not in bind_params(releases, {})
    assert '?c kg:nameKey "google llc" .' in bind_params(releases, {"company": " Google LLC"})
    assert '?c kg:nameKey "x\\" } drop all #" .' in bind_params(releases, {"company": 'X" } DROP ALL #'})  # still one literal


def test_named_query_on_a_graph_from_an_older_kg_says_to_rebuild(tiny_ttl, tmp_path):
    from rdflib import Graph, URIRef

    old = Graph().parse(tiny_ttl, format="turtle")
    for term in ("name", "nameKey"):
        old.remove((None, URIRef("https://w3id.org/kg-ai/vocab#" + term), None))
    path = tmp_path / "old.ttl"
    old.serialize(path, format="turtle")
    result = runner.invoke(cli, ["query", str(path), "--named", "releases"])
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "Error: this graph has no kg:name triples: it was exported by an older kg, and the named queries read the names"
        " and monthly counts kg build now precomputes. Rebuild it with kg build\n")


def test_build_says_which_export_it_is_writing(tmp_path):
    result = runner.invoke(cli, ["build", "--out", str(tmp_path / "out"), "--no-model"])
    assert result.exit_code == 0, result.output
    steps = [line for line in result.stderr.splitlines() if line.startswith("Writing ")]
    assert steps == ["Writing graph.ttl...", "Writing graph.graphml...", "Writing graph.html...", "Writing query store..."]


def test_two_builds_of_the_sample_into_fresh_folders_write_the_same_bytes(tmp_path):
    """The exports depend on the input only. graph.ttl is also the committed exports/graph.ttl; graph.html is not
    compared with its committed copy: its layout comes from floating-point FFTs, whose last bits can differ from
    one machine or numpy build to another."""
    for name in ("a", "b"):
        result = runner.invoke(cli, ["build", "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    for name in ("graph.ttl", "graph.html", "graph.graphml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    committed = Path(__file__).resolve().parent.parent / "exports" / "graph.ttl"
    assert (tmp_path / "a" / "graph.ttl").read_bytes() == committed.read_bytes()
