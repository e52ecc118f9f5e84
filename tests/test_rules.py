"""rules/: the shipped rules load; broken rules are reported all at once with file, entry and field."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.errors import RulesError
from kg.extract.rules import load_rules

RULES = Path(__file__).parent.parent / "rules"


def test_shipped_rules_are_valid_and_large_enough(rules):
    by_type = Counter(e.type for e in rules.entities.values())
    assert len(rules.entities) >= 800
    assert all(by_type[t] >= 40 for t in ("Company", "Organization", "Person", "Product", "Hardware")), by_type
    assert rules.entities["google"].wikidata == "Q95"
    assert rules.entities["microsoft"].wikidata == "Q2283"
    assert rules.entities["nvidia"].wikidata == "Q182477"
    assert rules.entities["openai"].wikidata == "Q21708200"
    assert rules.alias_index["英伟达"] == rules.alias_index["nvidia"] == "nvidia"
    assert len(rules.relation_rules) >= 20 and len(rules.patterns) >= 5


def _write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def broken_rules(tmp_path):
    folder = tmp_path / "rules"
    _write(folder, "gazetteer/companies.yml", """type: Company
entities:
  - {id: google, name: Google, zh: 谷歌, wikidata: Q95}
  - {id: google, name: Alphabet}
  - {id: acme, name: Acme, aliases: [谷歌]}
  - {id: bad id, name: Bad, wikidata: 95}
  - {id: widget, name: Widget, type: Gadget}
""")
    _write(folder, "gazetteer/products.yml", """type: Product
entities:
  - {id: gemini, name: Gemini, developer: nobody}
""")
    _write(folder, "gazetteer/broken.yml", "type: Person\nentities: [\n")
    _write(folder, "patterns.yml", """patterns:
  - {id: tiers, type: Product, regex: '(?P<name>[A-Z]\\w+ Pro)', confidence: 0.7, known_base: [Product]}
""")
    _write(folder, "relations.yml", """rules:
  - {id: r1, relation: develops, pattern: '{S:Company}发布{O:Gadget}', confidence: 0.8}
  - {id: r2, relation: likes, pattern: '{S}喜欢{O}', confidence: 0.8}
""")
    return folder


def test_every_problem_is_reported_at_once(broken_rules):
    with pytest.raises(RulesError) as err:
        load_rules(broken_rules)
    assert err.value.problems == [
        "[rules/gazetteer/broken.yml -> line 3] not valid YAML: did not find expected node content",
        "[rules/gazetteer/companies.yml -> entities[1] (google) -> id] duplicate id 'google', also in rules/gazetteer/companies.yml -> entities[0] (google)",
        "[rules/gazetteer/companies.yml -> entities[3] (bad id) -> id] String should match pattern '^[a-z0-9][a-z0-9._+-]*$'",
        "[rules/gazetteer/companies.yml -> entities[3] (bad id) -> wikidata] Input should be a valid string",
        "[rules/gazetteer/companies.yml -> entities[4] (widget) -> type] Input should be 'Company', 'Organization', 'Person', 'Product' or 'Hardware'",
        "[rules/gazetteer/products.yml -> entities[0] (gemini) -> developer] unknown entity id 'nobody'",
        "[rules/gazetteer/companies.yml -> entities[2] (acme) -> aliases] '谷歌' is also a name of 'google' (rules/gazetteer/companies.yml -> entities[0] (google)): keep it on one entity",
        "[rules/patterns.yml -> patterns[0] (tiers) -> regex] known_base needs a named group (?P<base>...) for the known name",
        "[rules/relations.yml -> rules[0] (r1) -> pattern] unknown entity type(s) ['Gadget'] in {O:...}",
        "[rules/relations.yml -> rules[1] (r2) -> relation] Input should be 'develops', 'worksFor', 'uses', 'partnersWith', 'investsIn', 'acquires', 'competesWith' or 'variantOf'",
    ]


def test_rules_check_cli_lists_problems_and_fails(broken_rules):
    result = CliRunner().invoke(cli, ["rules", "check", "--rules", str(broken_rules)])
    assert result.exit_code == 1
    assert result.stderr.count("\n[") + result.stderr.startswith("[") == 10
    assert result.stderr.rstrip().endswith("Error: 10 problem(s) in the rules; fix them and run kg rules check again")


def test_build_refuses_to_run_on_broken_rules(broken_rules):
    result = CliRunner().invoke(cli, ["build", "--rules", str(broken_rules)])
    assert result.exit_code == 1
    assert "10 problem(s) in rules" in result.stderr and "kg rules check" in result.stderr


def test_rules_check_on_shipped_rules():
    result = CliRunner().invoke(cli, ["rules", "check"])
    assert result.exit_code == 0
    assert result.stdout.startswith("rules OK: ")


def test_a_headline_subject_rule_names_no_subject_slot_and_says_its_types(tmp_path):
    folder = tmp_path / "rules"
    _write(folder, "gazetteer/companies.yml", "type: Company\nentities:\n  - {id: acme, name: Acme}\n")
    _write(folder, "relations.yml", """rules:
  - {id: h1, relation: competesWith, subject_from: headline, subject_types: [Product], pattern: '超越{O:Product}', confidence: 0.7}
  - {id: h2, relation: competesWith, subject_from: headline, subject_types: [Product], pattern: '{S}超越{O}', confidence: 0.7}
  - {id: h3, relation: uses, subject_from: headline, pattern: '运行在{O}上', confidence: 0.7}
  - {id: h4, relation: uses, subject_from: topic, subject_types: [Product], pattern: '运行在{O}上', confidence: 0.7}
""")
    with pytest.raises(RulesError) as err:
        load_rules(folder)
    assert err.value.problems == [
        "[rules/relations.yml -> rules[1] (h2) -> pattern] a rule with subject_from: headline names no {S:...}: its subject is the headline's",
        "[rules/relations.yml -> rules[2] (h3) -> pattern] a rule with subject_from: headline needs subject_types",
        "[rules/relations.yml -> rules[3] (h4) -> subject_from] Input should be 'sentence' or 'headline'",
    ]
