"""The proper-name proposer of English sentences (kg/extract/propernames.py) and `kg train-names`."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.extract.mentions import extract_mentions, make_pipelines
from kg.extract.rules import load_rules
from kg.errors import RulesError
from kg.records import NewsItem


def _found(rules, title, text, use_model=True):
    item = NewsItem(id="x", title=title, text=text, date="2026-05-25", url=None)
    [(_, mentions)] = list(extract_mentions([item], make_pipelines(rules, use_model=use_model)))
    return [(m.surface, m.type) for m in mentions]


def test_a_person_named_with_a_given_name_and_a_role_is_found_once_per_mention(rules):
    found = _found(rules, "Slack CEO to join OpenAI",
                   "Slack's chief executive David Kessler will join OpenAI as chief revenue officer, the company said.")
    assert found.count(("David Kessler", "Person")) == 1
    assert ("OpenAI", "Company") in found


def test_a_known_company_and_a_new_name_after_it_is_the_company_s_product(rules):
    found = _found(rules, "Copilot use is counted", "Copilot now works inside Microsoft Outlook for every business user.")
    assert ("Microsoft Outlook", "Product") in found
    assert ("Microsoft", "Company") not in found


def test_places_days_and_sentence_starts_are_not_names(rules):
    found = _found(rules, "A jury rules", "Meanwhile, a federal jury in Oakland, California rejected the lawsuit on Monday.")
    surfaces = {surface for surface, _ in found}
    assert not surfaces & {"Meanwhile", "Oakland", "California", "Monday", "Oakland, California"}


def test_a_name_the_body_proposes_is_found_again_in_the_title_case_headline(rules):
    found = _found(rules, "Dresser Joins OpenAI From Slack",
                   "Former Slack chief executive Denise Dresser joins OpenAI. Dresser said the work matters.")
    assert ("Denise Dresser", "Person") in found


def test_without_the_model_no_name_is_proposed_by_case_alone(rules):
    found = _found(rules, "A deal", "Yesterday Kestrelbury signed a deal with Anthropic.", use_model=False)
    assert "Kestrelbury" not in {surface for surface, _ in found}


def test_names_file_problems_are_all_reported_with_where(tmp_path):
    from kg.extract.rules import copy_default_rules

    copy_default_rules(tmp_path / "rules")
    (tmp_path / "rules" / "names.yml").write_text("given_names: [denise, Ann]\nsurnames_pinyin: [Wang Li]\ncolours: [red]\n",
                                                   encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(tmp_path / "rules")
    problems = err.value.problems
    assert any(p.startswith("[rules/names.yml -> colours]") for p in problems), problems


def test_names_file_words_are_checked_one_by_one(tmp_path):
    from kg.extract.rules import copy_default_rules

    copy_default_rules(tmp_path / "rules")
    (tmp_path / "rules" / "names.yml").write_text("given_names: [denise, Ann]\nsurnames_pinyin: [Wang Li]\n", encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(tmp_path / "rules")
    assert err.value.problems == ["[rules/names.yml -> given_names -> 0] 'denise' is not one capitalised Latin word",
                                  "[rules/names.yml -> surnames_pinyin -> 0] 'Wang Li' is not one capitalised Latin word"]


def test_train_names_on_a_small_corpus_writes_a_model_the_proposer_reads(tmp_path):
    corpus = tmp_path / "shared" / "corpus" / "ainews-zh"
    corpus.mkdir(parents=True)
    (tmp_path / "shared" / "corpus" / "hextra-ai-insight-daily").mkdir()
    lines = ["---", "date: 2025-03-01", "---", "", "## News", ""]
    for n in range(12):
        lines.append(f"- [Story {n}](https://example.com/{n}): Anthropic released Claude Code to developers in "
                     f"California on Monday, and OpenAI said its Codex tool was used by engineers at NVIDIA.")
    (corpus / "2025-03-01-news.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "types.json"
    result = CliRunner().invoke(cli, ["train-names", str(tmp_path / "shared"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Examples: Company ")
    assert f"Model: {out}" in result.stdout
    from kg.extract.propernames import load_model

    classifier, common, _ = load_model(out)
    post = classifier.posterior(["L1=<s>", "R1=released"])
    assert max(post, key=post.get) == "Company"


def test_names_listed_with_known_companies_are_companies(rules):
    found = _found(rules, "投资方", "投资方阵容（Samsung + Quorvex + Inditrap）横跨电子、奢侈品和快消。")
    assert ("Quorvex", "Company") in found and ("Inditrap", "Company") in found
    found = _found(rules, "Access", "The preview is open to Apple, Microsoft, Google, and Kestrelbury for now.")
    assert ("Kestrelbury", "Company") in found


def test_a_sentence_listing_names_is_no_headline(rules):
    found = _found(rules, "Copilot", "It works in Microsoft Teams, Microsoft Word and Microsoft Loop. Notably, it is free.")
    assert ("Microsoft Word", "Product") in found and ("Microsoft Loop", "Product") in found
    assert "Notably" not in {surface for surface, _ in found}


def test_a_list_says_what_its_names_are(rules):
    found = _found(rules, "搜索", "用户可将 Gmail、Quillbox、Salesforce 等工具与会议记录统一查询；Brindlecorp、Tarnwick 等公司也在测试。")
    assert ("Quillbox", "Product") in found and ("Salesforce", "Company") in found  # the rules' type stays
    assert ("Brindlecorp", "Company") in found and ("Tarnwick", "Company") in found
    found = _found(rules, "Tools", "There is a new avenue here, with platforms like Quillbox offering an open door for teams.")
    assert ("Quillbox", "Product") in found
    found = _found(rules, "Tools", "It plugs into tools such as Gmail, Quillbox and Jorvik, and startups like Brindlecorp and Tarnwick.")
    assert ("Quillbox", "Product") in found and ("Jorvik", "Product") in found
    assert ("Brindlecorp", "Company") in found and ("Tarnwick", "Company") in found


def test_a_name_typed_by_a_list_outweighs_the_model_elsewhere(rules, tmp_path):
    from kg.builder.pipeline import build

    digest = tmp_path / "2026-04-10.md"
    digest.write_text("# AI 日报 2026-04-10\n\n## 1. Mythos 联盟\nMythos 仅开放给 Apple、Microsoft、Google、Nvidia、Kestrelbury 等组成的联盟。\n\n"
                      "## 2. Kestrelbury 的新动作\nKestrelbury 的研究员发现了漏洞。\n\n## 3. 安全\n报告提到了 Kestrelbury 的分析。\n",
                      encoding="utf-8")
    result = build([digest], rules=rules)
    assert [d["type"] for n, d in result.graph.nodes(data=True) if d["name"] == "Kestrelbury"] == ["Company"]


def test_titles_and_roles_are_not_part_of_a_name(rules):
    found = _found(rules, "Military AI", "Google is powering it. Secretary of Defense Pete Hegseth touted it as putting frontier models in the hands of every "
                   "soldier. Amodei was VP of "
                   "AI Research at OpenAI. Slack CEO Denise Dresser will join OpenAI.")
    assert ("Pete Hegseth", "Person") in found and "Defense Pete Hegseth" not in {s for s, _ in found}
    assert "AI Research" not in {s for s, _ in found} and "Slack CEO" not in {s for s, _ in found}


def test_an_institution_or_a_firm_named_in_a_chinese_sentence_is_typed_by_its_last_word(rules):
    found = _found(rules, "研究", "Quellwater Institute 神经科学家用其构建文献综述流程，由 Tarnwick Capital 领投。")
    assert ("Quellwater Institute", "Organization") in found and ("Tarnwick Capital", "Company") in found


def test_a_given_name_and_a_surname_in_a_chinese_sentence_is_a_person(rules):
    found = _found(rules, "复现", "Maria Quellwick 在 Thinking Machines 的模型上复现了这项分析。")
    assert ("Maria Quellwick", "Person") in found


@pytest.mark.parametrize("sentence, person", [
    ("Aryan Quellwick 表示，这个模型的推理更稳定。", "Aryan Quellwick"),
    ("Chiamaka Tarnby 在 Thinking Machines 的模型上复现了这项分析。", "Chiamaka Tarnby"),
    ("Gergely Vantosz 表示，新版本的速度提高了一倍。", "Gergely Vantosz"),
    ("Hyunsoo Marnet 在博客中介绍了这套训练流程。", "Hyunsoo Marnet"),
    ("Oluwaseun Brandle 认为，开源模型会追上闭源模型。", "Oluwaseun Brandle"),
])
def test_given_names_of_many_cultures_make_a_person_in_a_chinese_sentence(rules, sentence, person):
    assert (person, "Person") in _found(rules, "观点", sentence)


def test_a_given_name_that_also_names_a_product_or_a_technique_makes_no_person(rules):
    found = _found(rules, "发布", "Lucy Edit 支持用文字修改视频，Ralph Loop 则让 Agent 反复运行直到完成任务。")
    assert [surface for surface, kind in found if kind == "Person"] == []


def test_a_person_the_model_found_and_the_shape_confirms_is_one_mention(rules):
    found = _found(rules, "表示", "Cognition 的 Kevin Gulati 表示这很好。")
    assert found.count(("Kevin Gulati", "Person")) == 1


def test_a_name_the_model_found_once_with_a_given_name_is_a_person_and_kept(rules, tmp_path):
    from kg.builder.pipeline import build

    digest = tmp_path / "2026-05-19.md"
    digest.write_text("# Digest 2026-05-19\n\n### Karpathy joins Anthropic\nHe will lead a team, joining Anthropic's "
                      "pre-training group under Nick Quellwick and working with researchers on new methods.\n", encoding="utf-8")
    result = build([digest], rules=rules)
    assert [d["type"] for n, d in result.graph.nodes(data=True) if d["name"] == "Nick Quellwick"] == ["Person"]


def test_a_name_listed_beside_one_known_name_takes_its_kind(rules):
    found = dict(_found(rules, "Embeddings", "合作伙伴迅速使其可部署，包括 Baseten 和 Turbopuffer。"))
    assert found["Turbopuffer"] == "Company"


def test_a_latin_name_after_a_chinese_role_word_is_a_person(rules):
    found = dict(_found(rules, "芯片", "英国AI大臣Kanishka Narayan在声明中表示，AI离不开芯片。"))
    assert found["Kanishka Narayan"] == "Person"


def test_a_role_inside_a_run_of_capitalised_words_splits_it(rules):
    found = dict(_found(rules, "Growth", "HubSpot CMO Kieran Flanagan says hi to all of you today."))
    assert found["HubSpot"] == "Company" and found["Kieran Flanagan"] == "Person"
    assert not any("CMO" in name for name in found)


def test_a_companys_lab_is_a_company_and_an_adverb_or_a_participle_is_no_name(rules):
    found = dict(_found(rules, "This OpenAI GPT-3 Powered Demo Is A Glimpse Of NPCs",
                        "Researchers at Google Brain agree. Crucially, an agent is a tool. Microsoft, Energy Dept. team up."))
    assert found["Google Brain"] == "Company"
    assert "GPT-3" in found and not any("Powered" in name for name in found)
    assert "Crucially" not in found and found["Energy Dept"] == "Organization"


def test_a_name_ending_in_ai_after_its_is_the_company_s_product(rules):
    found = _found(rules, "Duplex rollout", "Google is taking it slow with the rollout of its Duplex AI. Sakana AI said so.")
    assert ("Duplex AI", "Product") in found
    assert ("Sakana AI", "Company") in found


def test_a_faculty_is_an_institution_and_a_laureate_a_person(rules):
    found = _found(rules, "Light-induced processes", "A team from the Faculty of Chemistry at the University of Vienna "
                   "presented a method. Nobel laureate May-Britt Moser said it works.")
    assert ("Faculty of Chemistry", "Organization") in found
    assert ("May-Britt Moser", "Person") in found
