"""`kg serve`: a real server process on loopback, queried with `kg query --endpoint` and plain HTTP."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.sparql.templates import named_queries
from .conftest import SERVE, row_tuples, start_server


runner = CliRunner()


@pytest.fixture(scope="module")
def served(exports_with_new_names):  # noqa: F811
    ttl = exports_with_new_names / "graph.ttl"
    process, url = start_server(str(ttl), "--quiet")
    yield ttl, url
    process.terminate()
    process.wait(timeout=10)


def _get(url: str, accept: str = "") -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode("utf-8")


def _post(url: str, body: str, kind: str) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body.encode("utf-8"), method="POST", headers={"Content-Type": kind})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_named_query_on_kg_serve_answers_as_kg_query_on_the_file(served, name):
    ttl, url = served
    local = runner.invoke(cli, ["query", str(ttl), "--named", name, "--format", "json"])
    assert local.exit_code == 0, local.output
    expected = json.loads(local.stdout)
    assert expected, f"{name}: no rows on the sample, the comparison would prove nothing"
    answer = runner.invoke(cli, ["query", "--endpoint", url, "--named", name, "--format", "json"])
    assert answer.exit_code == 0, answer.output
    assert row_tuples(json.loads(answer.stdout)) == row_tuples(expected)


def test_parameters_and_inline_sparql_on_kg_serve(served):
    ttl, url = served
    args = ["--named", "releases", "--param", "company=谷歌", "--format", "csv"]
    remote = runner.invoke(cli, ["query", "--endpoint", url, *args])
    assert remote.exit_code == 0, remote.output
    assert "Google,Gemini 3," in remote.stdout
    assert remote.stdout == runner.invoke(cli, ["query", str(ttl), *args]).stdout
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    remote = runner.invoke(cli, ["query", "--endpoint", url, count, "--format", "csv"])
    assert remote.stdout == runner.invoke(cli, ["query", str(ttl), count, "--format", "csv"]).stdout


def test_values_survive_the_trip_from_the_server(served):
    """Answers travel as SPARQL CSV: commas, quotes, line breaks and CJK come back whole, unbound stays empty."""
    ttl, url = served
    query = 'SELECT ?a ?b WHERE { VALUES (?a ?b) { ("谷歌, \\"Google\\"\\nLLC" UNDEF) ("x" 42) } }'
    local = runner.invoke(cli, ["query", str(ttl), query, "--format", "json"])
    remote = runner.invoke(cli, ["query", "--endpoint", url, query, "--format", "json"])
    assert remote.exit_code == 0, remote.output
    assert json.loads(remote.stdout) == json.loads(local.stdout)
    assert json.loads(remote.stdout)[0]["a"] == '谷歌, "Google"\nLLC'


def test_sparql_protocol_get_post_and_result_formats(served):
    _, url = served
    ask = "ASK { ?s ?p ?o }"
    status, kind, body = _get(url + "?" + urllib.parse.urlencode({"query": ask}))
    assert (status, kind, json.loads(body)["boolean"]) == (200, "application/sparql-results+json; charset=utf-8", True)
    select = 'SELECT ?n WHERE { ?e <https://w3id.org/kg-ai/vocab#nameKey> "英伟达" ; <https://w3id.org/kg-ai/vocab#name> ?n }'
    status, kind, body = _get(url + "?" + urllib.parse.urlencode({"query": select}), accept="text/csv")
    assert (status, kind, body) == (200, "text/csv; charset=utf-8", "n\r\nNVIDIA\r\n")
    assert _post(url, select, "application/sparql-query")[1] == _post(url, urllib.parse.urlencode({"query": select}),
                                                                       "application/x-www-form-urlencoded")[1]
    construct = "CONSTRUCT { ?e <urn:x> ?n } WHERE { ?e <https://w3id.org/kg-ai/vocab#nameKey> \"英伟达\" ; <https://w3id.org/kg-ai/vocab#name> ?n }"
    status, kind, body = _get(url + "?" + urllib.parse.urlencode({"query": construct}))
    assert status == 200 and kind.startswith("application/n-triples") and '<urn:x> "NVIDIA" .' in body


@pytest.mark.parametrize("how, status, message", [
    ("update", 403, "this endpoint is read-only: rebuild the graph with kg build instead"),
    ("syntax", 400, "SPARQL syntax error: "),
    ("no query", 400, "give exactly one query parameter: ?query=SELECT ..."),
    ("wrong path", 404, "no such path; the SPARQL endpoint is /sparql"),
    ("accept", 406, "acceptable: application/sparql-results+json"),
])
def test_protocol_mistakes_are_clear_answers_and_change_nothing(served, how, status, message):
    _, url = served
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = _get(url + "?" + urllib.parse.urlencode({"query": count}))[2]
    if how == "update":
        answer = _post(url, "CLEAR ALL", "application/sparql-update")
    elif how == "syntax":
        answer = _get(url + "?" + urllib.parse.urlencode({"query": "SELEC ?x"}))[::2]
    elif how == "no query":
        answer = _get(url)[::2]
    elif how == "wrong path":
        answer = _get(url.replace("/sparql", "/update") + "?query=x")[::2]
    else:
        answer = _get(url + "?" + urllib.parse.urlencode({"query": count}), accept="image/png")[::2]
    assert answer[0] == status and answer[1].startswith(message)
    assert _get(url + "?" + urllib.parse.urlencode({"query": count}))[2] == before


def test_port_in_use_and_missing_file_are_clear_errors(served, tmp_path):
    ttl, url = served
    port = urllib.parse.urlsplit(url).port
    taken = subprocess.run([*SERVE, str(ttl), "--port", str(port)], capture_output=True, text=True, timeout=120)
    assert taken.returncode == 1
    assert re.search(rf"Error: cannot listen on 127\.0\.0\.1:{port} \(.+\): pick another --port\n$", taken.stderr)
    missing = runner.invoke(cli, ["serve", str(tmp_path / "nope.ttl")])
    assert missing.exit_code == 1
    assert missing.stderr.endswith(f"Error: {tmp_path / 'nope.ttl'}: no such graph file (build one with: kg build --out {tmp_path})\n")
