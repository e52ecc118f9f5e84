"""Relation rules on phrasings of deal and product news: a funding round's investors, "built with" tools."""
from __future__ import annotations

from click.testing import CliRunner

import kg
from kg.cli import cli


def _graph(tmp_path, body: str, model: bool = False):
    """The graph `kg build` makes of one digest `body` (rules only unless `model`)."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "2026-05-01.md").write_text(body, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(folder), "--out", str(out)] + ([] if model else ["--no-model"]))
    assert result.exit_code == 0, result.output
    return kg.load(out / "graph.ttl")


def _relations_of(graph, field: str) -> set[tuple[str, str, str, str]]:
    """(subject, relation, object, the edge's `field`) of each relation the graph states."""
    return {(graph.nodes[s]["name"], d["relation"], graph.nodes[o]["name"], d.get(field, ""))
            for s, o, d in graph.edges(data=True) if d["relation"] != "coMention"}


def _built(tmp_path, body: str, field: str, model: bool = False) -> set[tuple[str, str, str, str]]:
    """(subject, relation, object, the edge's `field`) of each relation a build of `body` states (rules only unless
    `model`)."""
    return _relations_of(_graph(tmp_path, body, model), field)


def _statements(tmp_path, body: str) -> set[tuple[str, str, str, str]]:
    """(subject, relation, object, status) of each relation the build states."""
    return _built(tmp_path, body, "status")


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


def test_a_company_building_with_tools_uses_them(tmp_path):
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

def _edges(found, relation):
    return {(s, o, status) for s, p, o, status in found if p == relation}


def test_chinese_platform_phrasings_give_directed_uses_edges(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 平台上新\n"
        "Cursor 现已集成 Claude Opus 4.5。OpenRouter 上线智谱 GLM-4.6，即日开放调用。苹果宣布将 ChatGPT 集成到 iOS。"
        "Alexa+ 由 Claude 驱动。Meta 部署了相当于 60 万块 H100 的算力。\n[阅读原文](https://example.com/a)\n"))
    uses = {(s, o) for s, o, _ in _edges(found, "uses")}
    assert {("Cursor", "Claude Opus 4.5"), ("OpenRouter", "GLM-4.6"), ("iOS", "ChatGPT"), ("Alexa+", "Claude"),
            ("Meta", "H100")} <= uses
    assert ("ChatGPT", "iOS") not in uses  # 将 ChatGPT 集成到 iOS: iOS takes ChatGPT in, not the reverse
    assert ("Zhipu AI", "develops", "GLM-4.6", "") in found  # the maker named before the model stays its developer


def test_questions_and_negations_about_integrations_give_no_uses_edge(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 社区讨论\n"
        "用户询问如何将 Gemini 集成到 Cursor 中。Windsurf 不支持 Gemini 2.5 Pro。\n[阅读原文](https://example.com/a)\n"))
    assert _edges(found, "uses") == set()


def test_chinese_partnership_phrasings_pair_each_partner_with_the_announcer(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 合作\n"
        "波士顿动力和谷歌DeepMind联手了。Anthropic 与科技巨头 IBM 达成战略合作。英伟达宣布与微软和谷歌达成合作。"
        "据悉，OpenAI 正与苹果洽谈合作。\n[阅读原文](https://example.com/b)\n"))
    partners = {(frozenset((s, o)), status) for s, o, status in _edges(found, "partnersWith")}
    assert partners == {(frozenset(("Boston Dynamics", "Google DeepMind")), ""), (frozenset(("Anthropic", "IBM")), ""),
                        (frozenset(("NVIDIA", "Microsoft")), ""), (frozenset(("NVIDIA", "Google")), ""),
                        (frozenset(("Apple", "OpenAI")), "reported")}  # not Microsoft-Google: both are NVIDIA's partners


def test_chinese_funding_phrasings_name_the_investors(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 融资\n"
        "Mistral AI 在英伟达和微软的支持下获得了 6 亿欧元融资。Groq 宣布完成由红杉资本领投的 6.4 亿美元融资。"
        "\n[阅读原文](https://example.com/c)\n"))
    assert _edges(found, "investsIn") == {("NVIDIA", "Mistral AI", ""), ("Microsoft", "Mistral AI", ""),
                                          ("Sequoia Capital", "Groq", "")}


def test_chinese_rivalry_maker_and_people_phrasings(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 竞争与人事\n"
        "OpenAI 内部备忘录炮轰 Anthropic。Kimi K2 得分为 57，落后于 Claude Opus 4.5 (60)。"
        "DBRX 是由 Databricks 开发的新型开源大语言模型。John Schulman 离开 OpenAI 加入 Anthropic。"
        "李飞飞创立的 World Labs 发布了 Marble。受害家庭起诉 OpenAI 及 CEO 萨姆·阿尔特曼。\n[阅读原文](https://example.com/d)\n"))
    competes = {frozenset((s, o)) for s, o, _ in _edges(found, "competesWith")}
    assert {frozenset(("OpenAI", "Anthropic")), frozenset(("Kimi K2", "Claude Opus 4.5"))} <= competes
    assert ("Databricks", "develops", "DBRX", "") in found
    assert {("John Schulman", "OpenAI"), ("John Schulman", "Anthropic"), ("Fei-Fei Li", "World Labs"),
            ("Sam Altman", "OpenAI")} <= {(s, o) for s, o, _ in _edges(found, "worksFor")}


def test_hedged_chinese_phrasings_keep_their_status(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 传闻\n"
        "据悉，苹果计划将 Gemini 集成到 Siri。英伟达否认与微软达成合作。\n[阅读原文](https://example.com/e)\n"))
    assert _edges(found, "uses") == {("Siri", "Gemini", "reported")}
    assert {(frozenset((s, o)), status) for s, o, status in _edges(found, "partnersWith")} == {
        (frozenset(("NVIDIA", "Microsoft")), "denied")}


def test_round_investors_listed_after_supporters_include(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. Acme Robotics（融资）\n"
        "融资信息：完成 1 亿美元 B 轮融资，支持者包括英伟达、腾讯。\n[官网](https://example.com/acme)\n"))
    assert _edges(found, "investsIn") == {("NVIDIA", "Acme Robotics", ""), ("Tencent", "Acme Robotics", "")}


def test_rivals_listed_with_their_scores_all_compete(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 榜单\n"
        "Claude Opus 4.5 在 SWE-bench Pro 上超越 Gemini 3 Pro（54.2%）、GPT-5.1（58.6%）和 Claude Sonnet 4.5（57.3%）。"
        "\n[阅读原文](https://example.com/f)\n"))
    competes = {frozenset((s, o)) for s, o, _ in _edges(found, "competesWith")}
    assert competes == {frozenset(("Claude Opus 4.5", other)) for other in ("Gemini 3 Pro", "GPT-5.1", "Claude Sonnet 4.5")}


def test_a_product_described_as_a_makers_model_is_developed_by_it(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 模型\n"
        "Claude Opus 4.5 是 Anthropic 推出的旗舰大模型。GLM-4.6 是智谱迄今能力最强的开源模型。"
        "Axolotl 是 Hugging Face 训练生态系统的封装。\n[阅读原文](https://example.com/g)\n"))
    develops = {(s, o) for s, o, _ in _edges(found, "develops")}
    assert {("Anthropic", "Claude Opus 4.5"), ("Zhipu AI", "GLM-4.6")} <= develops
    assert ("Hugging Face", "Axolotl") not in develops  # a wrapper around a maker's ecosystem, not its model


def test_more_chinese_phrasings_of_deals_models_and_staff(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 动态\n"
        "SpaceX 宣布将向 xAI 投资 20 亿美元。一位用户建议 OpenAI 应该向 Hugging Face 投资 1000 亿美元。"
        "英伟达发布了 Nemotron Nano，这是一款基于 Llama 3.1 架构的视觉语言模型。"
        "OPPO、耶鲁大学等机构联合发布的 Agent KB 框架。OpenAI 核心研究员 Lu Liu 宣布离职。\n[阅读原文](https://example.com/h)\n"))
    assert _edges(found, "investsIn") == {("SpaceX", "xAI", "planned")}  # 将: planned; 应该 (a suggestion): none
    assert ("Nemotron Nano", "Llama 3.1") in {(s, o) for s, o, _ in _edges(found, "uses")}
    assert frozenset(("OPPO", "Yale University")) in {frozenset((s, o)) for s, o, _ in _edges(found, "partnersWith")}
    assert ("Lu Liu", "OpenAI") in {(s, o) for s, o, _ in _edges(found, "worksFor")}


def test_a_release_with_a_long_description_before_the_name_is_developed(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 发布\n"
        "谷歌正式推出了新一代开源轻量级多模态大模型 Gemma 3n。OpenAI 正式推出了更轻量、更经济的 GPT-5 Codex Mini 模型。"
        "\n[阅读原文](https://example.com/i)\n"))
    develops = {(s, o) for s, o, _ in _edges(found, "develops")}
    assert {("Google", "Gemma 3n"), ("OpenAI", "GPT-5 Codex Mini")} <= develops


def test_chinese_rivalry_in_competition_and_challenge_phrasings(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 竞争\n"
        "这大大增强了 Gemini 的视频处理能力，使其在与 ChatGPT 的竞争中抢占先机。"
        "豆包翻译大模型直接向 GPT-4o 和 Gemini 2.5 Pro 发起了性能挑战。"
        "AMD 已收购 Silo AI，作为与英伟达竞争的举措。\n[阅读原文](https://example.com/j)\n"))
    competes = {frozenset((s, o)) for s, o, _ in _edges(found, "competesWith")}
    assert {frozenset(("Gemini", "ChatGPT")), frozenset(("Doubao", "GPT-4o")), frozenset(("Doubao", "Gemini 2.5 Pro"))} <= competes
    assert frozenset(("Silo AI", "NVIDIA")) not in competes  # the company bought is not the one competing


def test_investors_of_a_round_invest_in_the_startup_the_story_is_headed_with(rules):
    from kg.extract.mentions import extract_mentions, make_pipelines
    from kg.link.relations import round_investors
    from kg.records import NewsItem

    item = NewsItem(id="x", title="Quorvex（融资 / AI 机器人）", date="2026-06-15", url="https://example.com/q",
                    text="融资信息：完成 8500 万美元 Series A，由 QRV 领投，Samsung、Tarnwick Ventures 参投。")
    [(_, mentions)] = list(extract_mentions([item], make_pipelines(rules, use_model=False)))
    assert ("Quorvex", "Company") in [(m.surface, m.type) for m in mentions]
    for m in mentions:  # ids as the resolver gives them to names no gazetteer lists
        m.entity_id = m.entity_id or m.surface.lower()
    found = {(r.subject, r.object) for r in round_investors(item, mentions, rules, [])}
    assert found == {("qrv", "quorvex"), ("samsung", "quorvex"), ("tarnwick ventures", "quorvex")}


def test_a_company_that_puts_a_product_online_and_a_plural_possessive_develop_it(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. OpenAI 上线 ChatGPT Pro，正面硬刚 Claude Code\n"
        "订阅价格为每月 100 美元。\n[原文](https://example.com/pro)\n\n"
        "## 2. Black Forest Labs’ FLUX 3 expands the multimodal frontier\n"
        "The model handles image and video.\n[link](https://example.com/flux)\n"))
    develops = {(s, o) for s, p, o, _ in found if p == "develops"}
    assert ("OpenAI", "ChatGPT Pro") in develops and ("Black Forest Labs", "FLUX 3") in develops


def test_a_body_sentence_without_a_subject_is_about_the_headline_product(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. Kimi K2：最强开源模型\n"
        "月之暗面发布 Kimi K2。SWE-bench 得分 65.8%，超越 GPT-4.1（54.6%）和 Claude Opus 4。"
        "同时其体积小到可以在单台 DGX Spark 上运行。另据测试，Gemma 3 得分 40%，超越 GPT-4o。\n"
        "[阅读原文](https://example.com/k2)\n"))
    competes = {frozenset((s, o)) for s, p, o, _ in found if p == "competesWith"}
    assert {frozenset(("Kimi K2", "GPT-4.1")), frozenset(("Kimi K2", "Claude Opus 4"))} <= competes
    assert ("Kimi K2", "uses", "DGX Spark", "") in found
    assert frozenset(("Kimi K2", "GPT-4o")) not in competes  # that sentence names its own subject


def test_the_headline_topic_is_its_first_name_after_maker_and_release_words(tmp_path):
    found = _statements(tmp_path, (
        "# AI digest 2026-05-01\n\n### OpenAI prepares its IPO filing\n"
        "The filing targets a fall debut. The company is working with Goldman Sachs and Morgan Stanley.\n"
        "[link](https://example.com/ipo)\n\n"
        "### Elon Musk loses his suit against OpenAI\n"
        "The jury rejected the claims. The company is working with Goldman Sachs.\n"
        "[link](https://example.com/suit)\n\n"
        "### Sakana AI 的 Kimi K2 评测\n它足以媲美 “GPT-4.1” 和 “Claude Opus 4”。\n[link](https://example.com/sakana)\n"))
    partners = {frozenset((s, o)) for s, p, o, _ in found if p == "partnersWith"}
    assert partners == {frozenset(("OpenAI", "Goldman Sachs")), frozenset(("OpenAI", "Morgan Stanley"))}
    competes = {frozenset((s, o)) for s, p, o, _ in found if p == "competesWith"}
    assert competes == {frozenset(("Kimi K2", "GPT-4.1")), frozenset(("Kimi K2", "Claude Opus 4"))}


def test_on_par_rivalry_and_powered_by_phrasings(tmp_path):
    found = _statements(tmp_path, (
        "# AI digest 2026-05-01\n\n### Salesforce rolls out a new agent as it battles Microsoft and Google\n"
        "Acme rolled out Copilot in the desktop app for Plus and Pro users, powered by GPT-4.1.\n"
        "[link](https://example.com/sf)\n\n"
        "### Qwen3 评测\n评测显示 Qwen3 在编程任务上与 GPT-4o 和 Claude Opus 4 持平。\n[link](https://example.com/q)\n"))
    competes = {frozenset((s, o)) for s, p, o, _ in found if p == "competesWith"}
    assert {frozenset(("Salesforce", "Microsoft")), frozenset(("Salesforce", "Google")),
            frozenset(("Qwen3", "GPT-4o")), frozenset(("Qwen3", "Claude Opus 4"))} <= competes
    assert ("Copilot", "uses", "GPT-4.1", "") in found


def test_a_makers_staff_use_its_own_tools_but_a_maker_naming_its_model_does_not(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n### OpenAI 工程团队\n借助 Codex 和 GPT-5，OpenAI 开发了几乎全由 AI 生成的软件系统。\n"
        "[阅读原文](https://example.com/codex)\n\n"
        "### Anthropic 新闻\nAnthropic 采用 Claude 为客服提供支持。\n[阅读原文](https://example.com/claude)\n"))
    uses = {(s, o) for s, p, o, _ in found if p == "uses"}
    assert {("OpenAI", "Codex"), ("OpenAI", "GPT-5")} <= uses
    assert ("Anthropic", "Claude") not in uses


def test_a_product_deal_and_a_powered_apposition(tmp_path):
    found = _statements(tmp_path, (
        "# AI digest 2026-05-01\n\n### Insurance giant Allianz signs Claude Code deal with Anthropic\n"
        "The insurer will roll it out to its engineers.\n[link](https://example.com/allianz)\n\n"
        "### Google debuts ‘Quellnet,’ a Gemini-powered tool for making web apps\n"
        "It builds apps from browser tabs.\n[link](https://example.com/quellnet)\n"))
    assert ("Allianz", "partnersWith", "Anthropic", "") in found or ("Anthropic", "partnersWith", "Allianz", "") in found
    assert ("Allianz", "uses", "Claude Code", "") in found
    assert ("Quellnet", "uses", "Gemini", "") in found


def _by_rule(tmp_path, body: str) -> set[tuple[str, str, str, str]]:
    """(subject, relation, object, extractor) of each relation the build states."""
    return _built(tmp_path, body, "extractor")


def test_a_person_after_a_company_and_its_possessive_or_in_brackets_works_there(tmp_path):
    found = _by_rule(tmp_path, (
        "# AINews 2026-05-01\n\n"
        "- **Agent 工程**：来自 Hugging Face 的 Philipp Schmid 分享了一份上下文工程指南。\n"
        "- **演讲嘉宾**：大会嘉宾包括 Mikhail Parakhin (Shopify) 和 Hamel Husain。\n"))
    assert ("Philipp Schmid", "worksFor", "Hugging Face", "rule:worksfor-zh-org-possessive-person") in found
    assert ("Mikhail Parakhin", "worksFor", "Shopify", "rule:worksfor-person-paren-org-plain") in found
    assert not any(s == "Hamel Husain" for s, *_ in found)  # named, with no company: no relation


def test_a_model_run_on_a_device_uses_it_unless_asked_about(tmp_path):
    found = _by_rule(tmp_path, (
        "# AINews 2026-05-01\n\n"
        "- **本地推理**：一位成员分享了他们在 RTX 3090 上运行 Llama 3.1 8B 的经验，速度达到 100 tokens/s。\n"
        "- **提问**：有人询问了在 RTX 4090 上运行 Gemma 3 的可能性。\n"))
    assert ("Llama 3.1 8B", "uses", "RTX 3090", "rule:uses-zh-runs-product-on-device") in found
    assert not any(s == "Gemma 3" and p == "uses" for s, p, *_ in found)


def test_a_platform_a_model_is_available_on_uses_it(tmp_path):
    found = _by_rule(tmp_path, (
        "# AINews 2026-05-01\n\n"
        "- **可用性**：Kimi K2.5 现已在 Windsurf 上可用，并提供限时免费访问。\n"
        "- **问题**：Kimi K3 在 Cursor 中可用吗？\n"))
    assert ("Windsurf", "uses", "Kimi K2.5", "rule:uses-zh-available-on-platform") in found
    assert not any(s == "Cursor" and p == "uses" for s, p, *_ in found)


def test_a_company_adding_to_its_product_develops_it_not_a_platform_it_targets(tmp_path):
    found = _by_rule(tmp_path, (
        "# AINews 2026-05-01\n\n"
        "- **执行后端**：Cognition AI 为 Devin 扩展了跨多个沙盒提供商的部署选项。\n"
        "- **浏览器**：OpenAI 为 Mac mini 推出了一款浏览器。\n"
        "- **支持**：Hugging Face 为 Qwen3-Coder 添加首日支持。\n"))
    assert ("Cognition AI", "develops", "Devin", "rule:develops-zh-for-product") in found
    assert not any(o == "Mac mini" and p == "develops" and s == "OpenAI" for s, p, o, _ in found)
    assert not any(s == "Hugging Face" and p == "develops" for s, p, *_ in found)


def test_a_product_described_as_coming_from_a_maker_is_developed_by_it(tmp_path):
    found = _by_rule(tmp_path, (
        "# AINews 2026-05-01\n\n"
        "- **内核 DSL**：成员们探索了 ThunderKittens，这是来自 Hazy Research 的一种新 DSL，用于编写 GPU 内核。\n"))
    assert ("Hazy Research", "develops", "ThunderKittens", "rule:develops-zh-is-one-from") in found


def test_a_company_putting_a_model_into_its_own_catalogue_uses_it(tmp_path):
    found = _by_rule(tmp_path, (
        "# AINews 2026-05-01\n\n"
        "- **模型库**：Microsoft 将 Grok 3 添加到其 Foundry 模型库中。\n"
        "- **编程工具**：Codex 已可在 Cline 中使用，用户反馈良好。\n"))
    assert ("Microsoft", "uses", "Grok 3", "rule:uses-zh-adds-to-own") in found
    assert ("Cline", "uses", "Codex", "rule:uses-zh-available-on-platform") in found


def test_a_model_run_on_a_device_at_a_speed_uses_it(tmp_path):
    found = _by_rule(tmp_path, (
        "# AINews 2026-05-01\n\n"
        "- **端侧**：4-bit 量化的 Llama 3.2 1B 在 RTX 3090 上以约 60 tokens/sec 的速度运行。\n"
        "- **端侧**：Gemma 3 无法在 RTX 4090 上以满精度运行。\n"))
    assert ("Llama 3.2 1B", "uses", "RTX 3090", "rule:uses-zh-runs-on-device-at-speed") in found
    assert not any(s == "Gemma 3" and p == "uses" for s, p, *_ in found)


def test_a_company_announcing_a_product_or_named_as_its_maker_develops_it(tmp_path):
    found = _by_rule(tmp_path, (
        "# AINews 2026-05-01\n\n"
        "- **视频生成**：Google DeepMind 宣布了 Veo 3，一种新的视频生成模型。\n"
        "- **新模型**：@sama 介绍了 GPT-4o，这是 OpenAI 的新模型，可以实时进行推理。\n"
        "- **上下文**：Microsoft 宣布 Claude Opus 4.6 已集成到 Copilot。\n"))
    assert ("Google DeepMind", "develops", "Veo 3", "rule:develops-zh-announces") in found
    assert ("OpenAI", "develops", "GPT-4o", "rule:develops-zh-this-is-makers") in found
    assert not any(s == "Microsoft" and p == "develops" and o == "Claude Opus 4.6" for s, p, o, _ in found)


def test_a_rule_without_a_role_word_keeps_the_role_the_gazetteer_gives(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "2026-05-01.md").write_text(
        "# AINews 2026-05-01\n\n- **机器人**：Hugging Face 的 Clement Delangue 转发了多条 Reachy Mini 到货的推文。\n",
        encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(folder), "--out", str(out), "--no-model"])
    assert result.exit_code == 0, result.output
    graph = kg.load(out / "graph.ttl")
    edges = [d for s, o, d in graph.edges(data=True)
             if d["relation"] == "worksFor" and graph.nodes[s]["name"] == "Clement Delangue"]
    assert [(d["extractor"], d.get("role")) for d in edges] == [("rule:worksfor-zh-org-possessive-person", "CEO")]


def test_a_product_driven_by_a_model_named_before_it_uses_it(tmp_path):
    found = _by_rule(tmp_path, (
        "# AINews 2026-05-01\n\n- **浏览器**：Google 推出了 Gemini 3 驱动的 Chrome 侧边栏。\n"))
    assert ("Chrome", "uses", "Gemini 3", "rule:uses-zh-driven-attributive") in found


def test_a_product_said_to_be_a_companys_and_a_model_now_open_under_the_companys_headline(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. X 推出托管 MCP 服务器\nMCP 是 Anthropic 主导的开放协议，用于调用外部工具。\n"
        "[原文](https://example.com/mcp)\n\n"
        "## 2. MiniMax 提出稀疏注意力\n搭载该机制的生产级多模态模型 MiniMax-M3（427B）已开源，推理代码也已公开。\n"
        "[原文](https://example.com/msa)\n"))
    develops = {(s, o) for s, p, o, _ in found if p == "develops"}
    assert ("Anthropic", "Model Context Protocol") in develops and ("MiniMax", "MiniMax-M3") in develops


def test_english_news_phrasings_of_employers_acquisitions_and_own_products(tmp_path):
    found = _built(tmp_path, (
        "# AI digest 2026-05-01\n\n### Alchemy talk\n"
        "It pointed to a talk given by Ali Rahimi, a Google AI researcher, who alleged that AI has become alchemy.\n"
        "[link](https://example.com/a)\n\n### AI Now\nAI Now Institute founders Kate Crawford and Meredith Whittaker "
        "explain.\n[link](https://example.com/b)\n\n### Salesforce completes $27.7 billion Slack acquisition\n"
        "The deal closed.\n[link](https://example.com/c)\n\n### Vision Pro\nApple said its Vision Pro will ship. "
        "Samsung sued Apple over its iPhone.\n[link](https://example.com/d)\n"), "extractor", model=True)
    found = {(s, p, o, x.removeprefix("rule:")) for s, p, o, x in found if x.startswith("rule:")}
    assert ("Ali Rahimi", "worksFor", "Google", "worksfor-en-person-org-title") in found
    assert {s for s, p, o, _ in found if p == "worksFor" and o == "AI Now Institute"} == {"Kate Crawford", "Meredith Whittaker"}
    assert ("Salesforce", "acquires", "Slack", "acquires-en-with-acquisition") in found
    assert ("Apple", "develops", "Vision Pro", "develops-en-its") in found
    assert not any(o == "iPhone" for s, p, o, _ in found)  # "Samsung sued Apple over its iPhone": whose is unclear


def test_chinese_partner_lists_a_model_landing_on_a_platform_and_head_on_rivalry(tmp_path):
    found = _built(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 合作网络\n此前 Anthropic 已推出新计划，合作方包括 Accenture、Deloitte 和 Infosys。"
        "Mistral AI与Cerebras/Groq合作。\n[链接](https://example.com/a)\n\n"
        "## 2. Qwen3-Max：多模态模型现已登陆 OpenRouter\n[链接](https://example.com/b)\n\n"
        "## 3. Microsoft 发布 3 个新的基础模型，继续正面冲击 OpenAI / Google\n[链接](https://example.com/c)\n"), "status",
        model=True)
    partners = {frozenset((s, o)) for s, p, o, _ in found if p == "partnersWith"}
    assert {frozenset(("Anthropic", x)) for x in ("Accenture", "Deloitte", "Infosys")} <= partners
    assert {frozenset(("Mistral AI", "Cerebras Systems")), frozenset(("Mistral AI", "Groq"))} <= partners
    assert ("OpenRouter", "uses", "Qwen3-Max", "") in found
    rivals = {frozenset((s, o)) for s, p, o, _ in found if p == "competesWith"}
    assert {frozenset(("Microsoft", "OpenAI")), frozenset(("Microsoft", "Google"))} <= rivals


def test_a_product_integrated_with_or_now_using_another_uses_it(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. Gemini CLI 更新\n谷歌的 Gemini CLI 工具现已正式与 VS Code 深度集成。"
        "Claude Code 现在使用 Claude Opus 4.5。\n[链接](https://example.com/a)\n"))
    assert ("Gemini CLI", "uses", "VS Code", "") in found
    assert ("Claude Code", "uses", "Claude Opus 4.5", "") in found


def test_a_name_spelled_again_in_brackets_does_not_break_a_rule(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 机器人\n智元机器人（AgiBot）首席科学家罗剑岚团队发布新框架。\n[链接](https://example.com/a)\n"))
    assert ("罗剑岚", "worksFor", "AgiBot", "") in found


def test_a_software_release_number_is_no_variant_of_its_product(tmp_path):
    found = _statements(tmp_path, (
        "# AI digest 2026-05-01\n\n### Releases\nLeRobot supports PyTorch 2.2+ and PyTorch. AutoGLM-GUI v1.4.1 updates "
        "AutoGLM-GUI. Gemini 3 Pro beats Gemini 3.\n[link](https://example.com/a)\n"))
    variants = {(s, o) for s, p, o, _ in found if p == "variantOf"}
    assert ("Gemini 3 Pro", "Gemini 3") in variants
    assert not any(s.startswith(("PyTorch", "AutoGLM")) for s, _ in variants)


def test_a_clause_without_a_subject_is_about_the_headlines_company(tmp_path):
    found = _built(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. Anthropic（产品发布 / 模型）\n"
        "做什么的：面向企业的新模型。刚发布首个模型 Claude Mythos——专注网络安全。"
        "创始人 Dario Amodei 曾任 OpenAI 研究副总裁。\n"
        "[官网](https://example.com/anthropic)\n"), "extractor")
    assert ("Anthropic", "develops", "Claude Mythos", "rule:develops-zh-release/topic") in found
    assert ("Dario Amodei", "worksFor", "Anthropic", "rule:worksfor-org-role-person/topic") in found


def test_the_company_of_an_english_item_is_its_headlines_company(tmp_path):
    found = _built(tmp_path, (
        "# AI digest 2026-05-01\n\n### Mistral AI ships new coding models\n"
        "Mistral AI surfs vibe-coding tailwinds. The release introduces Devstral 2 (123B parameters).\n"
        "[link](https://example.com/mistral)\n"), "url", model=True)
    assert ("Mistral AI", "develops", "Devstral 2", "https://example.com/mistral") in found


def test_a_clause_with_its_own_subject_or_a_comment_is_not_read_as_the_topic(tmp_path):
    found = _built(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. Acme Robotics（融资）\n"
        "投资方阵容（Samsung + LVMH）横跨电子与奢侈品。类比参考：AI 芯片的「开源 Linux」时刻。"
        "用户可以使用 Claude 完成任务。\n"
        "[官网](https://example.com/acme)\n"), "extractor", model=True)
    assert not {(s, p, o) for s, p, o, _ in found if s == "Acme Robotics"}


def test_lead_and_follow_investors_make_a_round_without_a_round_word_also_opening_a_sentence(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 韩国芯片创业公司 Acme Memory 融资 1.35 亿美元\n"
        "Acme Memory 本轮估值 5.7 亿美元。红杉资本领投，英伟达、腾讯跟投。\n"
        "[原文](https://example.com/acme)\n\n"
        "## 2. 韩国芯片创业公司 XCENA 融资 1.35 亿美元\n"
        "XCENA 本轮估值 5.7 亿美元。Atinum 和 IMM Investment 领投，Corstone Asia 跟投。\n"
        "[原文](https://example.com/xcena)\n"))
    funded = {(s, o) for s, p, o, _ in found if p == "investsIn"}
    assert {(s, o) for s, o in funded if o == "Acme Memory"} == {
        ("Sequoia Capital", "Acme Memory"), ("NVIDIA", "Acme Memory"), ("Tencent", "Acme Memory")}
    # investors that open a sentence before 领投 are found and fund the company
    assert {(s, o) for s, o in funded if o == "XCENA"} == {
        ("Atinum", "XCENA"), ("IMM Investment", "XCENA"), ("Corstone Asia", "XCENA")}


def test_a_chinese_startup_that_raises_money_is_a_company_funded_by_every_clause_of_investors(tmp_path):
    graph = _graph(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 星澜智能完成5亿元B轮融资\n"
        "具身智能公司星澜智能今日宣布完成5亿元B轮融资，本轮由红杉中国领投，高瓴创投、北京市人工智能产业投资基金跟投，"
        "老股东经纬创投持续加码。\n[原文](https://example.com/a)\n\n"
        "## 2. 光屿科技获数千万元天使轮融资\n"
        "光屿科技近日完成数千万元天使轮融资，投资方包括奇绩创坛、源码资本。该公司此前已累计完成三轮融资。\n"
        "[原文](https://example.com/b)\n"))
    companies = [d["name"] for _, d in graph.nodes(data=True) if d.get("type") == "Company"]
    assert companies.count("星澜智能") == 1 and companies.count("光屿科技") == 1
    assert not any(name.endswith(("宣布", "今日", "近日")) or name in ("该公司", "累计") for name in companies)
    funded = {(graph.nodes[s]["name"], graph.nodes[o]["name"]): d for s, o, d in graph.edges(data=True)
              if d["relation"] == "investsIn"}
    assert {s for s, o in funded if o == "星澜智能"} == {
        "HongShan", "Hillhouse Investment", "北京市人工智能产业投资基金", "Matrix Partners China"}
    assert {s for s, o in funded if o == "光屿科技"} == {"MiraclePlus", "Source Code Capital"}
    edge = funded[("Matrix Partners China", "星澜智能")]
    assert (edge["date"], edge["url"]) == ("2026-05-01", "https://example.com/a")


def test_a_headlines_tag_in_brackets_is_no_name_of_the_company(tmp_path):
    graph = _graph(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. [Archestra.AI](https://archestra.ai/)（融资）\n"
        "**融资信息**：Seed 轮 1000 万美元；由 20VC 领投，Visible Ventures 参投。\n"), model=True)
    names = {d["name"] for _, d in graph.nodes(data=True) if d.get("type") == "Company"}
    assert "Archestra.AI" in names and "融资" not in names
    funded = {graph.nodes[o]["name"] for s, o, d in graph.edges(data=True) if d["relation"] == "investsIn"}
    assert funded == {"Archestra.AI"}


def test_a_new_thing_called_x_is_the_sentences_company_s_and_a_dash_introduces_a_role(tmp_path):
    graph = _graph(tmp_path, (
        "# AI digest 2026-05-01\n\n### Uber beats Montezuma's Revenge\n"
        "Last week, Uber announced that they have beaten the game using a new reinforcement learning algorithm "
        "called Go-Explore, which does not rely on expensive networks.\n"
        "Demis Hassabis — the chief executive of Google DeepMind — spoke at the event.\n"
        "[link](https://example.com/uber)\n"))
    assert ("Uber", "develops", "Go-Explore", "") in _relations_of(graph, "status")
    extractors = {(s, p, o): x for s, p, o, x in _relations_of(graph, "extractor")}
    assert extractors[("Demis Hassabis", "worksFor", "Google DeepMind")] == "rule:worksfor-en-role-of"


def test_a_release_reaches_every_name_of_its_list_past_english_modifiers(tmp_path):
    found = _statements(tmp_path, _digest(
        "Mistral AI released Devstral 2 (123B parameters) and a smaller 24B Devstral Small, plus a new Codestral for "
        "context-aware code automation.",
        "Google released Gemini 3, a Claude Opus rival.",
        "OpenAI released GPT-5 as well as a cheaper Claude Sonnet alternative."))
    develops = {(s, o) for s, p, o, _ in found if p == "develops"}
    assert {o for s, o in develops if s == "Mistral AI"} == {"Devstral 2", "Devstral Small", "Codestral"}
    assert ("Google", "Gemini 3") in develops and ("OpenAI", "GPT-5") in develops
    assert not {o for s, o in develops if o.startswith("Claude")}  # an apposition or another's product, not a list


def test_its_own_product_in_an_apposition_or_after_qi_is_developed_by_the_subject(tmp_path):
    found = _statements(tmp_path, _digest(
        "NVIDIA has launched a follow-up to the Jetson AGX Xavier, its $1,100 AI brain for robots.",
        "Microsoft is taking on Gemini, its biggest rival in search.",
        "Microsoft takes on Gemini, its archrival’s chatbot.",
        "Apple now lets developers call Claude, their favorite model.",
        "Meta 在其 Llama 4 模型中加入了新功能。",
        "微软投资 OpenAI 并使用其 GPT-4。",
        "OpenAI 允许开发者在其 Cursor 中调用。"))
    develops = {(s, o) for s, p, o, _ in found if p == "develops"}
    assert ("NVIDIA", "Jetson AGX Xavier") in develops
    assert ("Meta", "Llama 4") in develops
    # a rival; their (the developers'); 其 after another company; 其 of the developers
    assert not {("Microsoft", "Gemini"), ("Apple", "Claude"), ("Microsoft", "GPT-4"), ("OpenAI", "Cursor")} & develops


def _uses(found) -> set[tuple[str, str, str]]:
    """(user, used, status) of each `uses` statement."""
    return {(s, o, status) for s, p, o, status in found if p == "uses"}


def test_a_project_adding_support_for_a_model_uses_it(tmp_path):
    graph = _graph(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 工具更新\n"
        "LM Studio 引入了对 Gemma 3 模型的支持，提供 GGUF 和 MLX 两种格式。Aider 支持 DeepSeek-V3 和 Qwen3。"
        "Hermes 3 的支持已合并到 llama.cpp 仓库中。\n[阅读原文](https://example.com/a)\n\n"
        "## 2. 社区请求\n"
        "用户请求为 Windows 添加 PyTorch 支持。Ollama 何时支持 Gemma 4？Cursor 不支持 GPT-5。\n"
        "[阅读原文](https://example.com/b)\n"))
    uses = {(s, o, x) for s, p, o, x in _relations_of(graph, "extractor") if p == "uses"}
    assert {("LM Studio", "Gemma 3", "rule:uses-zh-adds-support-for"),
            ("Aider", "DeepSeek-V3", "rule:uses-zh-supports-at-clause-start"),
            ("Aider", "Qwen3", "rule:uses-zh-supports-at-clause-start"),
            ("llama.cpp", "Hermes 3", "rule:uses-zh-support-merged-into")} <= uses
    evidence = {(s, o): e for s, p, o, e in _relations_of(graph, "evidence") if p == "uses"}
    assert evidence[("Aider", "DeepSeek-V3")] == "Aider 支持 DeepSeek-V3 和 Qwen3。"
    # a request, a question and a negation state no use
    assert not {(s, o) for s, o, _ in uses} & {("Windows", "PyTorch"), ("Ollama", "Gemma 4"), ("Cursor", "GPT-5")}


def test_a_model_trained_on_chips_or_fine_tuned_from_a_base_uses_them(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 模型\n"
        "DeepSeek-V3 是 DeepSeek 在 H800 芯片上训练的旗舰模型。Hermes 3 是 Llama 3.1 的微调版本。"
        "NotebookLM 的底层模型是 Gemini。GPT-5 成为 ChatGPT 的新默认模型。\n[阅读原文](https://example.com/a)\n\n"
        "## 2. 讨论\n有用户推测 Cursor 的底层模型是 Kimi K2。如何在 H100 上训练的 Qwen3 进行量化？\n"
        "[阅读原文](https://example.com/b)\n"))
    uses = _uses(found)
    assert {("DeepSeek-V3", "H800", ""), ("Hermes 3", "Llama 3.1", ""), ("NotebookLM", "Gemini", ""),
            ("ChatGPT", "GPT-5", "")} <= uses
    assert ("Cursor", "Kimi K2", "reported") in uses  # 推测: a guess, not a fact
    assert not any(s == "Qwen3" for s, _, _ in uses)  # a question about such a model
    assert ("DeepSeek", "H800", "") not in uses or ("DeepSeek-V3", "H800", "") in uses


def test_a_product_taking_in_a_model_after_its_own_clause_uses_it(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 升级\n"
        "字节跳动旗下的AI代码编辑器 Trae 迎来重磅升级，正式接入了 OpenAI 最新的 o3 模型。"
        "国产模型 Kimi K2 成功登陆知名 AI 搜索应用 Perplexity。谷歌在 Chrome 中推出了 Gemini。\n"
        "[阅读原文](https://example.com/a)\n\n"
        "## 2. 问题\n关于在 PyTorch 中集成 CUDA 的讨论。Cursor 迎来升级，用户希望接入了 GPT-5 的版本更快。\n"
        "[阅读原文](https://example.com/b)\n"))
    uses = {(s, o) for s, o, _ in _uses(found)}
    assert {("Trae", "o3"), ("Perplexity AI", "Kimi K2"), ("Chrome", "Gemini")} <= uses
    assert ("PyTorch", "CUDA") not in uses  # 关于…: a discussion, not a deployment
    assert ("Cursor", "GPT-5") not in uses  # what users hope for


def test_english_fine_tunes_support_and_default_models_use_their_base(tmp_path):
    found = _statements(tmp_path, _digest(
        "Hermes 3 is a fine-tune of Llama 3.1 with better tool use.",
        "Zephyr, a Mistral 7B fine-tune, tops the chat leaderboard.",
        "vLLM added day-0 support for Qwen3 and Gemma 3.",
        "Gemma 4 support has been merged into llama.cpp.",
        "GPT-5 is now the default model in Cursor.",
        "Windsurf now defaults to Claude Sonnet 4.5.",
        "Users can create designs inside ChatGPT using Photoshop and Canva.",
        "xAI deployed 100,000 H100 GPUs in Memphis.",
        "A user asked for support for Gemma 4 in Ollama.",
        "Meta will buy 350,000 H100 GPUs this year."))
    uses = _uses(found)
    assert {("Hermes 3", "Llama 3.1", ""), ("Zephyr", "Mistral 7B", ""), ("vLLM", "Qwen3", ""),
            ("vLLM", "Gemma 3", ""), ("llama.cpp", "Gemma 4", ""), ("Cursor", "GPT-5", ""),
            ("Windsurf", "Claude Sonnet 4.5", ""), ("ChatGPT", "Photoshop", ""), ("xAI", "H100", "")} <= uses
    assert ("Meta", "H100", "planned") in uses  # will buy: a plan
    assert not any(s == "Ollama" for s, _, _ in uses)  # asked for: a request
    assert ("Llama 3.1", "Hermes 3", "") not in uses  # the direction: the fine-tune uses its base


def test_english_descriptions_and_connections_of_a_product_name_what_it_uses(tmp_path):
    found = _statements(tmp_path, _digest(
        "Show HN: Aider – an open-source coding agent built on Claude Sonnet 4.5",
        "Cursor now connects to Gmail and Slack.",
        "Zephyr, which is based on Mistral 7B, tops the chat leaderboard.",
        "Windsurf no longer connects to Gmail.",
        "Show HN: Aider – a faster alternative to tools built on Claude Code"))
    uses = _uses(found)
    assert {("Aider", "Claude Sonnet 4.5", ""), ("Cursor", "Gmail", ""), ("Cursor", "Slack", ""),
            ("Zephyr", "Mistral 7B", "")} <= uses
    assert ("Windsurf", "Gmail", "denied") in uses and ("Windsurf", "Gmail", "") not in uses
    assert ("Aider", "Claude Code", "") not in uses  # an alternative to tools built on it


def test_chinese_drives_and_its_model_name_what_a_product_runs_on(tmp_path):
    graph = _graph(tmp_path, (
        "# AI 日报 2026-05-01\n\n## 1. 产品\n"
        "Gemini 驱动 NotebookLM 的播客声音。AlphaGeometry 是一个神经符号系统，其语言模型基于 Gemini。"
        "由 LangGraph 和 LangSmith 驱动的 Copilot 上线。\n[阅读原文](https://example.com/a)\n\n"
        "## 2. 传闻\nGemini 驱动 Siri 吗？英伟达发布了新的 GPU 驱动程序 Windows 版。\n[阅读原文](https://example.com/b)\n"))
    uses = {(s, o, x) for s, p, o, x in _relations_of(graph, "extractor") if p == "uses"}
    assert {("NotebookLM", "Gemini", "rule:uses-zh-drives"), ("AlphaGeometry", "Gemini", "rule:uses-zh-its-model-based-on"),
            ("Copilot", "LangGraph", "rule:uses-zh-powered"), ("Copilot", "LangSmith", "rule:uses-zh-powered")} <= uses
    assert not any(s == "Siri" for s, _, _ in uses)  # a question


def test_a_headline_colon_and_a_protocol_server_name_what_a_product_takes_in(tmp_path):
    found = _statements(tmp_path, (
        "# AI 日报 2026-05-01\n\n## Cursor 推出企业搜索：接入 Gmail、Slack\n"
        "Cursor 的新功能面向企业用户。Perplexity 正式上线托管 MCP 服务器。\n[阅读原文](https://example.com/a)\n\n"
        "## 2. 问题\n用户询问是否提供 MCP 服务器。用户询问 Windsurf 是否提供 MCP 服务器。\n"
        "[阅读原文](https://example.com/b)\n"))
    uses = _uses(found)
    assert {("Cursor", "Gmail", ""), ("Cursor", "Slack", ""), ("Perplexity AI", "Model Context Protocol", "")} <= uses
    assert not any(s == "Windsurf" for s, _, _ in uses)  # a question


def test_english_access_deals_and_serving_name_what_a_company_or_product_uses(tmp_path):
    found = _statements(tmp_path, _digest(
        "The agreement gives all Allianz employees access to Claude Code.",
        "Anthropic will pay $1.25 billion monthly for access to H100 clusters.",
        "ChatGPT now gets GPT-5 in the free tier.",
        "Cerebras now serves Llama 4 at 2,600 tokens per second.",
        "Microsoft adds Claude to Copilot.",
        "Anthropic blocks xAI from Claude Code."))
    uses = _uses(found)
    assert {("Allianz", "Claude Code", ""), ("ChatGPT", "GPT-5", ""), ("Cerebras Systems", "Llama 4", ""),
            ("Copilot", "Claude", "")} <= uses
    assert ("Anthropic", "H100", "planned") in uses  # will pay: a plan
    assert not any(s == "xAI" for s, _, _ in uses)  # blocked from it
    assert ("Microsoft", "Claude", "") not in uses  # adds X to Copilot: Copilot uses it
