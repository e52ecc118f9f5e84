"""kg rules suggest / kg rules add: the review loop that grows the gazetteer from what patterns and the model found."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.extract.rules import default_rules_dir, load_rules

DIGEST = (
    "# AI 日报 2026-03-01\n\n"
    "## 新模型\n\n谷歌开源 Zephyrine 文本模型，Firestorm Labs 融资 8200 万美元。\n[原文](https://example.com/a)\n\n"
    "## 再谈\n\n社区推出 Zephyrine 的量化版，下载量破万。Anthropic 发布 Claude Opus 5。\n[原文](https://example.com/b)\n"
)


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    folder = tmp_path_factory.mktemp("digests")
    (folder / "2026-03-01.md").write_text(DIGEST, encoding="utf-8")
    out = folder / "out"
    result = CliRunner().invoke(cli, ["build", str(folder), "--out", str(out), "--no-cache", "--no-model"])
    assert result.exit_code == 0, result.output
    return out / "graph.ttl"


@pytest.fixture
def rules_copy(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), target)
    return target


def test_suggest_lists_names_only_patterns_found_most_mentioned_first(graph):
    result = CliRunner().invoke(cli, ["rules", "suggest", str(graph), "--format", "tsv"])
    assert result.exit_code == 0, result.output
    header, *rows = result.output.splitlines()
    assert header == "name\ttype\tmentions\tconfidence\tfirst_seen\tfound_by\texample"
    by_name = {row.split("\t")[0]: row.split("\t") for row in rows}
    assert rows[0].startswith("Zephyrine\tProduct\t2\t")  # mentioned in both items: first
    assert by_name["Zephyrine"][4] == "2026-03-01" and by_name["Zephyrine"][5] == "pattern:slot-release-object"
    assert "Zephyrine" in by_name["Zephyrine"][6]  # an example sentence that names it
    assert by_name["Firestorm Labs"][1] == "Company"
    assert "Anthropic" not in by_name and "谷歌" not in by_name and "Google" not in by_name  # the gazetteer knows them


def test_suggest_filters_by_type_and_mentions(graph):
    result = CliRunner().invoke(cli, ["rules", "suggest", str(graph), "--type", "Company", "--format", "tsv"])
    assert [row.split("\t")[0] for row in result.output.splitlines()[1:]] == ["Firestorm Labs"]
    result = CliRunner().invoke(cli, ["rules", "suggest", str(graph), "--min-mentions", "2"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["name", "type", "mentions"] and len(lines) == 2 and lines[1].startswith("Zephyrine")


def test_add_writes_accepted_names_into_the_gazetteer_and_they_match(graph, rules_copy):
    result = CliRunner().invoke(cli, ["rules", "add", str(graph), "Zephyrine", "Firestorm Labs", "--rules", str(rules_copy)])
    assert result.exit_code == 0, result.output
    assert f"Added Zephyrine (zephyrine) to {rules_copy / 'gazetteer' / 'products.yml'}" in result.output
    assert f"Added Firestorm Labs (firestorm-labs) to {rules_copy / 'gazetteer' / 'companies.yml'}" in result.output
    rules = load_rules(rules_copy)
    assert rules.entities["zephyrine"].type == "Product" and rules.alias_index["firestormlabs"] == "firestorm-labs"
    # accepted twice: refused, the files unchanged
    before = (rules_copy / "gazetteer" / "products.yml").read_text(encoding="utf-8")
    again = CliRunner().invoke(cli, ["rules", "add", str(graph), "Zephyrine", "--rules", str(rules_copy)])
    assert again.exit_code == 1 and "Zephyrine: the gazetteer already names it (id zephyrine)" in again.output
    assert (rules_copy / "gazetteer" / "products.yml").read_text(encoding="utf-8") == before


def test_add_refuses_a_name_the_graph_does_not_propose_unless_typed(graph, rules_copy):
    result = CliRunner().invoke(cli, ["rules", "add", str(graph), "Quillbrook", "--rules", str(rules_copy)])
    assert result.exit_code == 1 and "Quillbrook: not a name the graph's patterns or model found" in result.output
    result = CliRunner().invoke(cli, ["rules", "add", str(graph), "Quillbrook", "--type", "Company", "--rules", str(rules_copy)])
    assert result.exit_code == 0, result.output
    assert load_rules(rules_copy).entities["quillbrook"].type == "Company"


def test_add_reports_rule_problems_and_changes_nothing(graph, rules_copy):
    people = rules_copy / "gazetteer" / "people.yml"
    people.write_text(people.read_text(encoding="utf-8") + "  - id: Bad Id\n    name: Nobody\n", encoding="utf-8")
    products = (rules_copy / "gazetteer" / "products.yml").read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "add", str(graph), "Zephyrine", "--rules", str(rules_copy)])
    assert result.exit_code == 1
    assert "[rules/gazetteer/people.yml -> entities[341] (Bad Id) -> id]" in result.output and "nothing was added" in result.output
    assert (rules_copy / "gazetteer" / "products.yml").read_text(encoding="utf-8") == products
