"""Relation rules on phrasings of deal and product news: a funding round's investors, "built with" tools."""
from __future__ import annotations

from click.testing import CliRunner

import kg
from kg.cli import cli


def _statements(tmp_path, body: str) -> set[tuple[str, str, str, str]]:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "2026-05-01.md").write_text(body, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(folder), "--out", str(out), "--no-model"])
    assert result.exit_code == 0, result.output
    graph = kg.load(out / "graph.ttl")
    return {(graph.nodes[s]["name"], d["relation"], graph.nodes[o]["name"], d.get("status", ""))
            for s, o, d in graph.edges(data=True) if d["relation"] != "coMention"}


def test_investors_of_a_round_fund_the_company_of_the_headline(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. Acme Robotics（融资）\n"
        "融资信息：完成 2800 万美元 A 轮融资，由红杉资本领投，英伟达、腾讯参投。资金将用于扩大团队。\n"
        "[官网](https://example.com/acme)\n"))
    assert {(s, o) for s, p, o, _ in found if p == "investsIn"} == {
        ("Sequoia Capital", "Acme Robotics"), ("NVIDIA", "Acme Robotics"), ("Tencent", "Acme Robotics")}
    assert all(status == "" for *_, status in found)  # "资金将用于" is about the money, not a planned round
    assert ("Sequoia Capital", "investsIn", "NVIDIA", "") not in found  # "A 领投，B 参投": two investors


def test_investors_listed_after_led_by_in_english(tmp_path):
    found = _statements(tmp_path, (
        "# AI digest 2026-05-01\n\n### Acme Robotics raises $50M\n"
        "Acme Robotics raised a $50M Series B led by Sequoia Capital, with participation from Nvidia.\n"
        "[link](https://example.com/acme)\n"))
    assert {(s, o) for s, p, o, _ in found if p == "investsIn"} == {
        ("Sequoia Capital", "Acme Robotics"), ("NVIDIA", "Acme Robotics")}


def test_a_funding_list_ends_where_the_sentence_turns_to_customers(tmp_path):
    found = _statements(tmp_path, (
        "# AI digest 2026-05-01\n\n### Acme Robotics raises $50M\n"
        "Acme Robotics raised a $50M Series B led by Sequoia Capital, with participation from Nvidia and existing "
        "backers like Tencent, and now sells to customers such as Adobe and Shopify.\n"
        "[link](https://example.com/acme)\n"))
    assert {(s, o) for s, p, o, _ in found if p == "investsIn"} == {
        ("Sequoia Capital", "Acme Robotics"), ("NVIDIA", "Acme Robotics"), ("Tencent", "Acme Robotics")}


def test_a_company_building_with_tools_uses_them(tmp_path):  # (a maker building with its own models does not "use" them)
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n### 字节跳动工程团队\n借助 Claude 和 GPT-5，字节跳动开发了几乎全由 AI 生成的软件系统。\n"
        "[阅读原文](https://example.com/codex)\n"))
    assert {(s, o) for s, p, o, _ in found if p == "uses"} >= {("ByteDance", "Claude"), ("ByteDance", "GPT-5")}


def test_a_product_integrated_into_a_platform_or_run_on_a_machine_uses_it(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n### Claude Code 更新\nClaude Code 现已集成至 Gemini 3。"
        "Qwen3-Coder 可以在单台 DGX Spark 上运行。\n[阅读原文](https://example.com/cc)\n"))
    uses = {(s, o) for s, p, o, _ in found if p == "uses"}
    assert ("Claude Code", "Gemini 3") in uses
    assert any(s == "Qwen3-Coder" and "DGX Spark" in o for s, o in uses), uses


def test_rivals_named_after_a_challenge_verb_compete(tmp_path):
    found = _statements(tmp_path, (
        "# AI digest 2026-05-01\n\n### Salesforce rolls out a new agent\n"
        "Salesforce rolls out a new agent as it battles Microsoft and Google in the workplace.\n"
        "[link](https://example.com/sf)\n"))
    competes = {frozenset((s, o)) for s, p, o, _ in found if p == "competesWith"}
    assert competes == {frozenset(("Salesforce", "Microsoft")), frozenset(("Salesforce", "Google"))}


def _digest(*sentences: str) -> str:
    """An English digest with one item per sentence."""
    return "# AI digest 2026-05-01\n\n" + "".join(
        f"### Item {n}\n{sentence}\n[link](https://example.com/{n})\n\n" for n, sentence in enumerate(sentences, 1))


def test_english_deal_phrasings_yield_directed_deal_edges(tmp_path):
    found = _statements(tmp_path, _digest(
        "PayPal teams with Microsoft to power checkout in Copilot.",
        "Disney makes a $1 billion investment in OpenAI.",
        "Perplexity raises $500M from Nvidia and SoftBank.",
        "Meta's $14 billion Scale AI acquisition closed on Tuesday.",
        "Windsurf, which Cognition acquired in July, is growing."))
    deals = {(s, p, o) for s, p, o, status in found if p in {"partnersWith", "investsIn", "acquires"} and not status}
    assert deals == {
        ("Microsoft", "partnersWith", "PayPal"),  # symmetric: one direction, sorted by id
        ("The Walt Disney Company", "investsIn", "OpenAI"),
        ("NVIDIA", "investsIn", "Perplexity AI"), ("SoftBank Group", "investsIn", "Perplexity AI"),
        ("Meta", "acquires", "Scale AI"),
        ("Cognition AI", "acquires", "Windsurf")}


def test_english_titles_before_and_after_a_name_give_employer_and_role(tmp_path):
    found = _statements(tmp_path, _digest(
        "OpenAI chief research officer Mark Chen said the model is ready.",
        "Demis Hassabis, the co-founder and CEO of Google DeepMind, spoke on Monday.",
        "Satya Nadella, Microsoft's CEO, said so.",
        "Jensen Huang, who founded Nvidia, spoke at Computex."))
    assert {(s, o) for s, p, o, _ in found if p == "worksFor"} == {
        ("Mark Chen", "OpenAI"), ("Demis Hassabis", "Google DeepMind"), ("Satya Nadella", "Microsoft"),
        ("Jensen Huang", "NVIDIA")}
    graph_roles = _roles(tmp_path)
    assert graph_roles[("Mark Chen", "OpenAI")] == "chief research officer"
    assert graph_roles[("Satya Nadella", "Microsoft")] == "CEO"


def _roles(tmp_path) -> dict[tuple[str, str], str]:
    graph = kg.load(tmp_path / "out" / "graph.ttl")
    return {(graph.nodes[s]["name"], graph.nodes[o]["name"]): d.get("role")
            for s, o, d in graph.edges(data=True) if d["relation"] == "worksFor"}


def test_english_products_built_on_a_model_use_it(tmp_path):
    found = _statements(tmp_path, _digest(
        "Microsoft adds Claude to Copilot for enterprise users.",
        "Gemini is now available in Chrome for all users.",
        "Cursor, which runs on Claude, added a new mode."))
    assert {(s, o) for s, p, o, _ in found if p == "uses"} == {
        ("Copilot", "Claude"), ("Chrome", "Gemini"), ("Cursor", "Claude")}


def test_english_rivalry_phrasings_compete(tmp_path):
    found = _statements(tmp_path, _digest(
        "OpenAI rival Anthropic raised $13 billion this week.",
        "Grok lagged behind Claude Code and Codex in March."))
    assert {frozenset((s, o)) for s, p, o, _ in found if p == "competesWith"} == {
        frozenset(("OpenAI", "Anthropic")), frozenset(("Grok", "Claude Code")), frozenset(("Grok", "Codex"))}


def test_hedged_english_claims_keep_their_status(tmp_path):
    found = _statements(tmp_path, _digest(
        "Apple is exploring partnerships with AI providers like Google and Anthropic.",
        "Anthropic denies it uses Nvidia H100 chips for training.",
        "Microsoft will use Anthropic's Claude models in Office."))
    statuses = {(s, p, o): status for s, p, o, status in found if p in {"partnersWith", "uses"}}
    assert statuses == {
        ("Apple", "partnersWith", "Google"): "planned", ("Anthropic", "partnersWith", "Apple"): "planned",
        ("Anthropic", "uses", "H100"): "denied",
        ("Microsoft", "uses", "Claude"): "planned"}


def test_a_companys_co_founders_are_not_the_company_investing(tmp_path):
    found = _statements(tmp_path, _digest("Supermaven raises cash from OpenAI and Perplexity co-founders."))
    assert not [r for r in found if r[1] == "investsIn"]


def test_a_maker_named_beside_its_product_develops_it(tmp_path):
    found = _statements(tmp_path, _digest(
        "ChatGPT maker OpenAI raised more money.",
        "Anthropic, the maker of Claude, said so.",
        "Qwen3, a new open-weight model from Alibaba, is out."))
    assert {(s, o) for s, p, o, _ in found if p == "develops"} == {
        ("OpenAI", "ChatGPT"), ("Anthropic", "Claude"), ("Alibaba", "Qwen3")}


def test_english_backers_and_bought_startups(tmp_path):
    found = _statements(tmp_path, _digest(
        "OpenAI backer Microsoft said so.",
        "Anthropic's backers include Google and Amazon.",
        "Nvidia acquires AI inference startup Groq for $20 billion."))
    assert {(s, p, o) for s, p, o, _ in found if p in {"investsIn", "acquires"}} == {
        ("Microsoft", "investsIn", "OpenAI"), ("Google", "investsIn", "Anthropic"), ("Amazon", "investsIn", "Anthropic"),
        ("NVIDIA", "acquires", "Groq")}


def test_a_founder_or_leader_named_after_the_company_works_for_it_without_investing(tmp_path):
    found = _statements(tmp_path, _digest(
        "Thinking Machines Lab, founded by Mira Murati, raised $2B.",
        "xAI, the startup led by Elon Musk, raised $20B."))
    assert {(s, p, o) for s, p, o, _ in found if p in {"worksFor", "investsIn"}} == {
        ("Mira Murati", "worksFor", "Thinking Machines Lab"), ("Elon Musk", "worksFor", "xAI")}


def test_leaving_one_company_to_join_another_works_for_both(tmp_path):
    found = _statements(tmp_path, _digest("Jan Leike left OpenAI to join Anthropic."))
    assert {(s, p, o, status) for s, p, o, status in found if p == "worksFor"} == {
        ("Jan Leike", "worksFor", "OpenAI", ""), ("Jan Leike", "worksFor", "Anthropic", "")}
