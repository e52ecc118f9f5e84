"""kg query: the prefixes the docs use are declared for every query, and a syntax error is one readable line."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.sparql.query import DEFAULT_PREFIXES, with_default_prefixes
from .conftest import tiny_graph


runner = CliRunner()


@pytest.fixture
def tiny_ttl(tmp_path):
    from kg.export.turtle import export

    path = tmp_path / "graph.ttl"
    export(tiny_graph(), path)
    return path


def test_a_query_without_prefix_lines_uses_the_documented_prefixes(tiny_ttl):
    sparql = ('SELECT ?name ?date WHERE { ?st rdf:subject ?g ; rdf:predicate kg:develops ; rdf:object ?p ; dcterms:date ?date .'
              ' ?g owl:sameAs wd:Q95 . ?p rdfs:label ?name . ?i a schema:NewsArticle ; prov:wasDerivedFrom* ?i .'
              ' FILTER(?date >= "2025-01-01"^^xsd:date) }')
    result = runner.invoke(cli, ["query", str(tiny_ttl), sparql, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"name": "Gemini 3", "date": "2025-12-07"}]


def test_a_query_s_own_prefix_wins(tiny_ttl):
    sparql = "PREFIX kg: <http://example.org/other#> SELECT ?s WHERE { ?s kg:develops ?o }"
    result = runner.invoke(cli, ["query", str(tiny_ttl), sparql, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(("sparql", "message"), [
    ("SELECT ?s WHERE { ?s kg:develops ?o",
     "Error: SPARQL syntax error at line 1, column 36 (after 'SELECT ?s WHERE { ?s kg:develops ?o'):"
     " expected one of ',' '.' ';' '{' '{|' '}' '~'"),
    ("SELECT ?s\nWHERE { ?s foo:bar ?o }",
     "Error: SPARQL syntax error at line 2, column 19: unknown prefix 'foo:' (predeclared: kg, schema, rdf, rdfs,"
     " skos, owl, prov, dcterms, xsd, wd); declare it with PREFIX foo: <...> at the top of the query"),
])
def test_a_syntax_error_is_one_line_with_position_and_what_was_expected(tiny_ttl, sparql, message):
    result = runner.invoke(cli, ["query", str(tiny_ttl), sparql])
    assert result.exit_code == 1
    assert result.stderr == message + "\n"
    assert "\\u{" not in result.stderr


def test_remote_queries_get_the_prefix_lines_they_lack():
    text = with_default_prefixes("PREFIX kg: <http://example.org/other#>\nSELECT * WHERE { ?s kg:x ?o }")
    lines = text.splitlines()
    assert "PREFIX kg: <https://w3id.org/kg-ai/vocab#>" not in lines
    assert f"PREFIX schema: <{DEFAULT_PREFIXES['schema']}>" in lines
    assert lines[-2:] == ["PREFIX kg: <http://example.org/other#>", "SELECT * WHERE { ?s kg:x ?o }"]
