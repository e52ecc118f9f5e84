"""Entity extraction: one entity per real thing, word edges, folding, patterns for unknown names."""
from __future__ import annotations

from kg.extract.mentions import GazetteerMatcher, PatternMatcher, _non_overlapping, make_pipelines
from kg.records import NewsItem

from .conftest import edges


def _names(rules, text):
    return [(text[m.start : m.end], m.entity_id) for m in _non_overlapping(GazetteerMatcher(rules).find(text))]


def test_google_and_its_chinese_name_are_one_node(sample):
    g = sample.graph
    assert g.nodes["google"]["name"] == "Google" and g.nodes["google"]["name_zh"] == "谷歌"
    named_google = [n for n, d in g.nodes(data=True) if d["name"] in {"Google", "谷歌"} or d.get("name_zh") == "谷歌"]
    assert named_google == ["google"]
    titles = {sample.items[i].title for i in g.nodes["google"]["items"]}
    assert "谷歌：全栈AI重塑市场格局" in titles  # written 谷歌
    assert any("Google" in t for t in titles)  # written Google


def test_nvidia_jensen_huang_each_one_node(sample):
    g = sample.graph
    assert g.nodes["nvidia"]["type"] == "Company"
    assert g.nodes["jensen-huang"]["type"] == "Person"
    assert g.nodes["jensen-huang"]["name_zh"] == "黄仁勋"
    assert [n for n, d in g.nodes(data=True) if d["name"] in {"NVIDIA", "Nvidia", "英伟达"}] == ["nvidia"]


def test_spaced_version_folds_to_one_entity(rules):
    found = _names(rules, "网传GPT - 5.2测试分数超Gemini 3 Pro，GPT-5.2与gpt5.2同一个模型")
    ids = [entity_id for _surface, entity_id in found]
    assert ids.count("gpt-5.2") == 3
    assert "gemini-3-pro" in ids and "gemini-3" not in ids  # the longest name wins


def test_names_match_only_at_latin_word_edges(rules):
    found = _names(rules, "H200性能是H20的8-13倍；meta-learning不是Meta")
    assert ("H200", "nvidia-h200") in found and ("H20", "nvidia-h20") in found
    assert [s for s, _ in found].count("H20") == 1
    assert ("Meta", "meta") in found and not any(s.lower() == "meta" and s != "Meta" for s, _ in found)


def test_chinese_names_glued_to_latin_names(rules):
    found = _names(rules, "英伟达H200获准对华出口，阿里Qwen3发布")
    assert ("英伟达", "nvidia") in found and ("H200", "nvidia-h200") in found and ("阿里", "alibaba") in found


def test_jieba_keeps_gazetteer_names_whole_and_latin_words_intact(rules):
    nlp = make_pipelines(rules)["zh"]
    tokens = [t.text for t in nlp("英伟达发布H200，谷歌发布Gemini 3")]
    assert "英伟达" in tokens and "谷歌" in tokens
    assert "Gemini" in tokens and "H200" in tokens  # spaCy's default zh segmenter would split G|e|m|i|n|i


def test_patterns_catch_versioned_names_no_gazetteer_lists(rules):
    text = "阿里推出 Qwen9-Omni-TTS，英伟达开源Orchestrator-8B，Fooly公司发布Zorblax-V3.2-Exp。CEO Maria Lindqvist表示"
    found = {text[m.start : m.end]: m.type for m in PatternMatcher(rules).find(text)}
    assert found.get("Qwen9-Omni-TTS") == "Product"
    assert found.get("Zorblax-V3.2-Exp") == "Product"
    assert found.get("Maria Lindqvist") == "Person"
    assert found.get("Fooly") == "Company"


def test_a_known_name_with_a_tier_word_is_its_own_product(rules):
    text = "Anthropic 发布 Claude Zenith Opus？不，是 Claude 3 Sonnet 和 Mistral Large；Foo Pro 无人知晓，LangChain Agent 也不算"
    found = {text[m.start : m.end]: m.extractor for m in PatternMatcher(rules).find(text)}
    assert found.get("Claude 3 Sonnet") == "pattern:tier-of-known-name"
    assert found.get("Mistral Large") == "pattern:size-of-known-maker"  # Mistral AI makes models named for it
    assert "Foo Pro" not in found  # Foo is no name the gazetteer knows
    assert "Zenith Opus" not in found
    assert "LangChain Agent" not in found  # an agent built with LangChain, not a product of that name


def test_a_name_before_an_account_handle_is_a_person(rules):
    text = "来自 Zelda Quorn (@zquorn) 的推文；François Vellacott（@fvella）称；Quorn Labs (@quornlabs) 发布"
    found = {text[m.start : m.end]: (m.type, m.extractor) for m in PatternMatcher(rules).find(text)}
    assert found.get("Zelda Quorn") == found.get("François Vellacott") == ("Person", "pattern:person-with-handle")
    assert "Quorn Labs" not in found or found["Quorn Labs"][0] != "Person"  # an organisation's account


def test_years_and_counts_are_not_versions(rules):
    text = "ICME 2026会议征稿，Kaggle ARC Prize 2025竞赛，CUDA 20 年最大更新"
    names = [text[m.start : m.end] for m in PatternMatcher(rules).find(text)]
    assert not any(n.endswith(("2026", "2025")) for n in names)
    assert "CUDA 20" not in names


def test_unknown_product_gets_stable_id_and_is_marked_as_pattern_found(sample):
    node = sample.graph.nodes["orchestrator-8b"]
    assert node["type"] == "Product"
    assert node["extractor"].startswith("pattern:")
    assert 0 < node["confidence"] < 1
    assert edges(sample.graph, "develops", "nvidia", "orchestrator-8b")


def test_english_items_use_the_english_pipeline(rules):
    from kg.extract.mentions import extract_mentions

    item = NewsItem(id="x", title="Google launches Gemini 3", text="NVIDIA's H200 ships.", date="2025-12-01", url=None)
    [(_, mentions)] = list(extract_mentions([item], make_pipelines(rules)))
    assert {m.entity_id for m in mentions} >= {"google", "gemini-3", "nvidia", "nvidia-h200"}


def test_traditional_chinese_and_full_width_names_match(rules):
    from kg.ingest.normalize import clean_text

    text = clean_text("輝達發布新晶片，微軟與Ｇｏｏ\u200bｇｌｅ合作，ＧＰＴ－５.2\u00a0登場")
    found = _names(rules, text)
    ids = [entity_id for _, entity_id in found]
    assert ("輝達", "nvidia") in found and ("微軟", "microsoft") in found
    assert "google" in ids and "gpt-5.2" in ids


def test_traditional_relation_triggers_and_original_evidence(rules):
    from kg.link.relations import pattern_relations
    from kg.extract.mentions import extract_mentions

    item = NewsItem(id="t", title="輝達發布H200晶片", text="", date="2025-12-01", url="https://example.com/t")
    [(_, mentions)] = list(extract_mentions([item], make_pipelines(rules)))
    [rel] = [r for r in pattern_relations(item, mentions, rules) if r.predicate == "develops"]
    assert (rel.subject, rel.object) == ("nvidia", "nvidia-h200")
    assert rel.evidence == "輝達發布H200晶片"  # the original text, not the converted one


def _rule_found(rules, text, lang="zh"):
    from kg.extract.mentions import rule_matches

    nlp = make_pipelines(rules, use_model=False)[lang]
    found = rule_matches(text, nlp.get_pipe("kg_gazetteer"), nlp.get_pipe("kg_patterns"))
    return {text[m.start : m.end]: (m.type, m.extractor) for m in found}


def test_a_chinese_name_that_raises_money_goes_public_or_closes_is_a_company(rules):
    found = _rule_found(rules, "人形机器人创企星澜智航今日宣布完成1.2亿美元天使轮融资。光屿科技正式递交招股书。"
                               "墨川宣布倒闭。该公司此前已累计完成三轮融资。今年多家公司赴港上市。开口就像小米完成融资一样。"
                               "短时间内完成了两轮融资。岚图星累计完成三轮融资。")
    assert {name: kind for name, (kind, _) in found.items() if kind == "Company"} == {
        "星澜智航": "Company", "光屿科技": "Company", "墨川": "Company", "小米": "Company", "岚图星": "Company"}
    assert found["星澜智航"][1] == "pattern:zh-funding-subject" and found["墨川"][1] == "pattern:zh-company-event"


def test_each_chinese_name_of_a_rounds_investor_list_is_a_company(rules):
    found = _rule_found(rules, "星澜智能完成数亿元A轮融资，由岚图资本和北京国资联合领投，多家知名机构跟投，老股东墨川持续加码，"
                               "知名投资人跟投。")
    assert {name for name, (kind, _) in found.items() if kind == "Company"} == {"星澜智能", "岚图资本", "北京国资", "墨川"}


def test_slots_propose_names_no_rule_lists_with_the_type_the_slot_implies(rules):
    found = _rule_found(rules, "Quorvix 开源 Zephyrine 文本模型；Firestorm Labs 融资 8200 万美元；初创公司 Brindle 推出工具")
    assert found["Zephyrine"] == ("Product", "pattern:slot-release-object")
    assert found["Firestorm Labs"][0] == "Company"
    assert found["Brindle"] == ("Company", "pattern:slot-startup")
    found = _rule_found(rules, "Theker raised $20M in a round led by CRV, with participation from LVMH, Cathay "
                               "Innovation and Henkel Ventures. Nimbly launches Orbix for developers.", "en")
    assert found["Theker"] == ("Company", "pattern:slot-funding-subject")
    assert {n for n, (t, _) in found.items() if t == "Company"} >= {"CRV", "LVMH", "Cathay Innovation", "Henkel Ventures"}
    assert found["Orbix"] == ("Product", "pattern:slot-release-object")
    assert "Orbix for" not in " ".join(found)


def test_a_release_slot_takes_no_common_word_and_no_known_company(rules):
    found = _rule_found(rules, "Startup launches Support for teams. Acme launches OpenAI GPT-5 access.", "en")
    assert "Support" not in found
    assert "OpenAI GPT-5" not in found and found["OpenAI"][0] == "Company"


def test_the_longest_name_wins_over_a_known_prefix_and_keeps_its_type(rules):
    found = _rule_found(rules, "或通过 Claude Managed Agents API 自行部署；DGX B200 与 GPT-5.6 Terra；苹果发布 iPhone 17，用了 3 年")
    assert found["Claude Managed Agents API"] == ("Product", "pattern:longer-name")
    assert "Claude" not in found
    assert found["DGX B200"][0] == "Hardware"  # a chip family keeps its type across versions
    assert found["iPhone 17"][0] == "Hardware"
    assert found["GPT-5.6 Terra"][0] == "Product"
    found = _rule_found(rules, "MiniMax M3 beats NVIDIA H100 runs. Claude Code Gets Faster. NVIDIA CEO Jensen Huang spoke.", "en")
    assert found["MiniMax M3"][0] == "Product"  # a maker's model code
    assert "NVIDIA H100" not in found and found["H100"][0] == "Hardware"  # the code the gazetteer gives NVIDIA
    assert "Claude Code Gets" not in found  # a headline verb ends a name
    assert "NVIDIA CEO" not in found


def test_a_company_name_with_a_product_word_is_its_product(rules):
    found = _rule_found(rules, "Developers call the OpenAI Image API and the Google Gen AI SDK on Cloudflare Workers. "
                               "OpenAI and Anthropic teams met.", "en")
    assert found["OpenAI Image API"] == ("Product", "pattern:company-product")
    assert found["Google Gen AI SDK"][0] == "Product"
    assert found["Cloudflare Workers"][0] == "Product"
    assert found["OpenAI"][0] == "Company" and found["Anthropic"][0] == "Company"  # no product word: companies


def test_what_a_known_company_owns_is_its_product(rules):
    found = _rule_found(rules, "Elie Bakouch 在 Thinking Machines 的 Inkling 上复现了分析，例如 Moonshot 的 “Mooncake” 架构；"
                               "NVIDIA 的 RLP（强化学习预训练）；Anthropic 的 API 太贵；xAI 的 Colossus 超算；"
                               "Microsoft Research 的 Chris Bishop 说；OpenAI 的 DevDay 开幕")
    assert found["Inkling"] == ("Product", "pattern:possessed")
    assert found["Mooncake"] == ("Product", "pattern:possessed")
    assert found["Colossus"] == ("Hardware", "pattern:possessed")  # the word after says what it is
    assert "RLP" not in found and "API" not in found  # a technique, a generic word
    assert "DevDay" not in found  # an event
    assert "Chris Bishop" not in found or found["Chris Bishop"][0] == "Person"
    found = _rule_found(rules, "Shopify’s CEO spoke. Sakana AI’s new DiffusionBlocks is out. Google’s Zorbix technique "
                               "and Meta’s Fundamental AI Research group. Moonshot 的 “Quillix” 技术", "en")
    assert found["DiffusionBlocks"] == ("Product", "pattern:possessed")
    assert not {"CEO", "Zorbix", "Fundamental AI Research", "Quillix"} & set(found)  # a role, a technique, a unit


def test_an_edition_for_an_audience_is_one_longer_name(rules):
    found = _rule_found(rules, "Claude for Financial Services 是一个助手。ChatGPT for Mac is out. Claude for Excel too.", "zh")
    assert found["Claude for Financial Services"] == ("Product", "pattern:longer-name")
    assert "ChatGPT for Mac" not in found and found["ChatGPT"][0] == "Product"  # on a platform: the product itself
    assert "Claude for Excel" not in found and found["Excel"][0] == "Product"  # for another known entity


def test_what_is_bought_and_what_closes_are_companies(rules):
    found = _rule_found(rules, "OpenAI 收购科技访谈节目 TBPN；Monarch Tractor 倒闭：Caterpillar 接手收购", "zh")
    assert found["TBPN"] == ("Company", "pattern:slot-acquired")
    assert found["Monarch Tractor"] == ("Company", "pattern:slot-company-event")
    found = _rule_found(rules, "Salesforce acquired the robotics maker Bluebirds for $1B. Quillbot shuts down.", "en")
    assert found["Bluebirds"] == ("Company", "pattern:slot-acquired")
    assert found["Quillbot"] == ("Company", "pattern:slot-company-event")


def test_a_name_given_with_ming_wei_or_dai_hao_takes_the_type_of_the_word_after(rules):
    found = _rule_found(rules, "软银正在创建一家名为 Roze AI 的新公司。名为 EvanFlow 的开源工具诞生。Meta 内部代号 \"Avocado\" 的新基础模型"
                               "未能达到预期。名为 E3RG 的前沿论文。名为 Zorbix 的人形机器人亮相。")
    assert found["Roze AI"] == ("Company", "pattern:slot-named-company-zh")
    assert found["EvanFlow"] == ("Product", "pattern:slot-named-zh")
    assert found["Avocado"] == ("Product", "pattern:slot-named-zh")
    assert found["Zorbix"] == ("Hardware", "pattern:slot-named-device-zh")
    assert "E3RG" not in found  # a paper


def test_a_partner_and_a_name_after_a_company_word_are_companies(rules):
    found = _rule_found(rules, "Zentrix 与腾讯达成战略合作；合作的内存芯片厂商Innostar Semiconductor；Zorblet 与 Slack 集成；"
                               "机器人 Quorbo X2 与宝马合作")
    assert found["Zentrix"] == ("Company", "pattern:slot-partner")
    assert found["Innostar Semiconductor"] == ("Company", "pattern:slot-startup")
    assert "Zorblet" not in found  # integrated, not partnering
    assert "X2" not in found and "Quorbo X2" not in found  # a device that partners is not a company
    found = _rule_found(rules, "Quorvex teams up with Microsoft on agents.", "en")
    assert found["Quorvex"] == ("Company", "pattern:slot-partner")


def test_a_name_right_after_a_chinese_device_word_is_hardware(rules):
    found = _rule_found(rules, "其首款芯片MX1通过CXL直连CPU；第二代AI眼镜Zorvix G2 发布；机器人Figure与OpenAI合作")
    assert found["MX1"] == ("Hardware", "pattern:slot-device-word-zh")
    assert found["Zorvix G2"][0] == "Hardware"
    assert "Figure" not in found  # a company that partners: not the device


def test_the_owner_of_a_company_thing_is_a_company_and_its_named_thing_a_product(rules):
    found = _rule_found(rules, "@omarsar0 pointed to Offloop’s D1 dispatcher, a small model. They copied Hashicorp’s "
                               "license. Rabbit’s AI-driven OS failed. Sarah’s models are good.", "en")
    assert found["Offloop"] == ("Company", "pattern:slot-company-role")
    assert found["D1"] == ("Product", "pattern:possessed")
    assert found["Hashicorp"][0] == "Company" and found["Rabbit"][0] == "Company"
    assert "AI-driven OS" not in found  # an adjective
    assert "Sarah" not in found  # a given name: a person's models


def test_the_name_that_opens_a_sentence_by_launching_is_a_company_but_not_a_person(rules):
    found = _rule_found(rules, "Quorvix Launches Grok Bot for Agents\nPriya Raman launches a fund. AI Model Releases Soon. "
                               "The deal closed Friday. Zentrix partners with Microsoft. Today Zorbly launches a tool.", "en")
    assert found["Quorvix"] == ("Company", "pattern:slot-launcher-en")
    assert "Priya Raman" not in found or found["Priya Raman"][0] == "Person"
    assert "AI Model" not in found
    assert found["Zentrix"][0] == "Company" and "Friday. Zentrix" not in found  # a name stops at a sentence end
    assert "Today Zorbly" not in found


def test_a_name_an_english_device_noun_follows_is_hardware(rules):
    found = _rule_found(rules, "xAI expands the Colossus supercomputer. The Quill 3 accelerator and the RK3588S chip "
                               "ship. Humanoid robots are here. Etched shows its Sohu chip.", "en")
    assert found["Colossus"] == ("Hardware", "pattern:slot-device-en")
    assert found["Quill 3"][0] == "Hardware" and found["RK3588S"][0] == "Hardware" and found["Sohu"][0] == "Hardware"
    assert "Humanoid" not in found
    assert found["xAI"][0] == "Company" and found["Etched"][0] == "Company"


def test_english_slots_say_what_a_new_name_is(rules):
    found = _rule_found(rules, "Uber announced a new reinforcement learning algorithm called Go-Explore. A startup called "
                               "Quorvix raised money. Robert McIntyre founded Nectome. Zentrix, founded by two ex-Googlers, "
                               "grew. The grocery platform Shipt and the retailer Ocado agreed. COVID-19 spread.", "en")
    assert found["Go-Explore"] == ("Product", "pattern:slot-called-product")
    assert found["Quorvix"] == ("Company", "pattern:slot-called-company")
    assert found["Nectome"] == ("Company", "pattern:slot-founded")
    assert found["Zentrix"] == ("Company", "pattern:slot-founded")
    assert found["Shipt"][0] == "Company" and found["Ocado"][0] == "Company"
    assert "COVID-19" not in found


def test_an_investor_named_with_a_role_is_the_person_and_the_company(rules):
    found = _rule_found(rules, "You.com raised $20 million in funding led by Salesforce CEO Marc Benioff with "
                               "participation from Breyer Capital.", "en")
    assert found["Salesforce"][0] == "Company" and found["Marc Benioff"][0] == "Person"
    assert "Salesforce CEO Marc Benioff" not in found


def test_a_versioned_name_takes_no_score_and_no_api_and_chinese_names_take_glued_latin_words(rules):
    found = _rule_found(rules, "SWE-Bench Pro 56.3（超越DeepSeek V4 Flash 55.6）；xAI上线Grok-4.3 API；腾讯混元Motion 1.0 开源")
    assert "DeepSeek V4 Flash" in found and "DeepSeek V4 Flash 55.6" not in found
    assert "Grok-4.3" in found and "Grok-4.3 API" not in found
    assert found["混元Motion 1.0"] == ("Product", "pattern:longer-name")


def test_number_formats_function_words_and_adverbs_are_not_names(rules):
    found = _rule_found(rules, "他将流水线迁移到了 GLM 5.2 NVFP4 上。这说明资本正在涌入，但主权资本更谨慎。负责人明确表示不会。创始人张三表示同意。")
    assert "GLM 5.2 NVFP4" not in found
    assert not any(name.endswith("资本") for name in found)
    assert "明确" not in found and found["张三"][0] == "Person"


def test_a_device_named_or_described_as_a_robot_or_a_chip_is_hardware(rules):
    found = _rule_found(rules, "The facility tests Zora, a small humanoid robot, as a companion. They built a robot named "
                               "Daisy. Meanwhile, a new robot called CERi appeared.", "en")
    assert found["Zora"] == ("Hardware", "pattern:slot-called-device")
    assert found["Daisy"][0] == "Hardware" and found["CERi"][0] == "Hardware"
    assert "Meanwhile" not in found
    found = _rule_found(rules, "Since 2016, the humanoid bot Sophia has become a celebrity. The Robot Operating System "
                               "matters. British supermarket and technology group Ocado said so.", "en")
    assert found["Sophia"] == ("Hardware", "pattern:slot-device-word") and found["Ocado"][0] == "Company"
    assert not any(name.startswith("Operating") for name in found)


def test_a_released_chip_is_hardware_and_a_release_slot_stops_at_the_line_end(rules):
    found = _rule_found(rules, "Intel 推出 Arc Pro B70 显卡。某功能即将上线\nMark Kretschmann 宣布了新计划。")
    assert found["Arc Pro B70"] == ("Hardware", "pattern:slot-release-object")
    assert not any(x == "pattern:slot-release-object" for name, (_, x) in found.items() if "Mark" in name)


def test_the_product_a_model_is_put_into_is_a_product(rules):
    found = _rule_found(rules, "Google 将 Gemini Omni 引入 Vids；Claude Science 已集成至 NVIDIA BioNeMo")
    assert found["Vids"] == ("Product", "pattern:slot-integration-target")


def test_outlets_cited_as_a_source_and_licences_are_not_entities(rules):
    found = _rule_found(rules, "据彭博社报道，Axios 称，项目采用 MIT 许可证；Bloomberg 推出新终端")
    assert "彭博社" not in found and "Axios" not in found and "MIT" not in found
    assert found["Bloomberg"][0] == "Company"  # an outlet that acts is an entity


def test_a_surname_beside_the_full_name_is_no_entity_of_its_own(rules):
    from kg.extract.mentions import _Match, _without_cut_names

    text = "Greg Zorwell 表示，Zorwell 认为"
    found = [_Match(0, 12, None, "Person", "pattern:x", 0.8)]
    extra = [_Match(16, 23, None, "Person", "model:x", 0.6)]
    assert text[16:23] == "Zorwell"
    assert _without_cut_names(text, found, extra) == []


def test_a_name_a_slot_proposed_is_found_again_in_the_same_item(rules):
    from kg.extract.mentions import extract_mentions

    item = NewsItem(id="x", title="谷歌开源 Zephyrine 文本模型", text="Zephyrine 上线一周，下载量破万。", date="2026-03-01", url=None)
    [(_, mentions)] = list(extract_mentions([item], make_pipelines(rules, use_model=False)))
    assert [(m.surface, m.type) for m in mentions if m.surface == "Zephyrine"] == [("Zephyrine", "Product")] * 2


def test_a_name_a_slot_proposed_is_found_in_the_other_items_of_the_digest(rules):
    from kg.extract.mentions import extract_mentions

    first = NewsItem(id="a", title="Thinking Machines Lab 发布了 Inkwell", text="", date="2026-07-15", url=None, sources=["d1.md"])
    second = NewsItem(id="b", title="Inkwell 的得分", text="Inkwell 在榜单上得分 4。", date="2026-07-15", url=None, sources=["d1.md"])
    other = NewsItem(id="c", title="Inkwell 的得分", text="", date="2026-07-16", url=None, sources=["d2.md"])
    found = {item.id: ms for item, ms in extract_mentions([first, second, other], make_pipelines(rules, use_model=False))}
    assert [(m.surface, m.type) for m in found["b"]] == [("Inkwell", "Product")] * 2
    assert found["c"] == []  # another digest: nothing proposed it there


def test_a_chinese_name_before_a_speech_verb_or_after_a_role_is_a_person(rules):
    found = _rule_found(rules, "在发布会上，郑晓岚表示模型已开源。创始人兼CEO邝文澜透露，记者卓一帆报道；CEO 丹·马吉确认；"
                               "金牌大神蒲思远挂帅")
    for name in ("郑晓岚", "邝文澜", "卓一帆", "丹·马吉", "蒲思远"):
        assert found[name][0] == "Person"
    assert not any(name.endswith(("表示", "透露", "报道")) for name in found)  # the verb is not part of the name


def test_words_before_a_speech_verb_are_no_people(rules):
    found = _rule_found(rules, "用户对其易用性表示赞赏，安全性指出问题；白皮书中指出的峰值；Phi 的 MIT 许可被强调")
    assert not any(kind == "Person" for kind, _ in found.values())


def test_chinese_lab_institute_company_and_model_names_get_their_type(rules):
    found = _rule_found(rules, "他揭示澜沧实验室已将模型送入太空；蔻町智能完成融资；推出墨翟大模型；名为「青鸾」的智能体上线")
    assert found["澜沧实验室"] == ("Organization", "pattern:zh-institute")  # not 揭示澜沧实验室
    assert found["蔻町智能"][0] == "Company"
    assert found["墨翟"][0] == "Product" and found["青鸾"][0] == "Product"
    found = _rule_found(rules, "里约热内卢市政府宣布与加州大学圣迭戈分校合作，美国政府表示支持")
    assert found["里约热内卢市政府"][0] == "Organization" and found["加州大学圣迭戈分校"][0] == "Organization"
    assert "美国政府" not in found  # a country's government is not named as one body
    found = _rule_found(rules, "中国电信星辰大模型升级，蚂蚁集团的灵光App上线，视频特效App走红")
    assert found["星辰"][0] == "Product"  # a common word, named by its maker before it
    assert found["灵光"][0] == "Product" and "视频特效" not in found


def test_generic_chinese_phrases_are_no_names(rules):
    found = _rule_found(rules, "人工智能实验室与多模态大模型、国产芯片、开源大模型、三大实验室、生物科技、智能体")
    assert found == {}


def test_a_name_with_its_english_spelling_in_brackets_is_one_entity(rules):
    from kg.extract.mentions import extract_mentions
    from kg.link.resolve import EntityResolver

    item = NewsItem(id="x", title="青澜实验室（Qinglan Lab）发布模型", text="青澜实验室表示将开源。", date="2026-03-01", url=None)
    [(_, mentions)] = list(extract_mentions([item], make_pipelines(rules, use_model=False)))
    assert [(m.surface, m.type) for m in mentions] == [("青澜实验室", "Organization"), ("Qinglan Lab", "Organization"),
                                                      ("青澜实验室", "Organization")]
    resolver = EntityResolver(rules)
    resolver.observe(mentions)
    resolver.finish()
    [entity] = resolver.entities().values()
    assert (entity.name, entity.type, entity.aliases) == ("青澜实验室", "Organization", ["Qinglan Lab"])
    assert {resolver.resolve(m).entity_id for m in mentions} == {entity.id}


def test_a_technique_named_like_a_product_is_no_entity(rules):
    from kg.link.resolve import EntityResolver
    from kg.records import Mention

    def mention(surface, start):
        return Mention(item_id="x", entity_id=None, surface=surface, type="Product", start=start, end=start + len(surface),
                       sentence="", extractor="pattern:longer-name", confidence=0.7)

    resolver = EntityResolver(rules)
    resolver.observe([mention("MiniMax Sparse Attention", 0), mention("In-Context Prompting", 30),
                      mention("Zephyrine Studio", 60)])
    resolver.finish()
    assert [e.name for e in resolver.entities().values()] == ["Zephyrine Studio"]
    assert resolver.resolve(mention("MiniMax Sparse Attention", 0)) is None


def test_a_bracketed_spelling_of_a_known_name_is_that_entity_and_glosses_are_not_names(rules):
    found = _rule_found(rules, "吴恩达（Andrew Ng）认为，大语言模型（LLM）与检索增强生成（RAG）")
    assert found["吴恩达"][0] == "Person"
    assert "LLM" not in found and "RAG" not in found and "大语言模型" not in found


def test_people_listed_with_a_person_and_investors_listed_in_chinese(rules):
    found = _rule_found(rules, "会上，郑晓岚、卓一帆和邝文澜表示将继续投入")
    assert all(found[name][0] == "Person" for name in ("郑晓岚", "卓一帆", "邝文澜"))
    found = _rule_found(rules, "投资方包括华盛顿港合伙基金、Quorvane、美国情报投资机构 Zentel、博兹艾伦Ventures 等。")
    assert {n for n, (t, _) in found.items() if t == "Company"} == {"华盛顿港合伙基金", "Quorvane", "博兹艾伦Ventures"}


def test_slot_noise_a_rule_knows_to_drop(rules):
    found = _rule_found(rules, "Perplexity Labs 融资 1 亿美元；由红杉资本、Qorvane 创投领投；获得的巨额资本。 LM Studio Discord, H100 GPU")
    assert "Perplexity Labs" not in found and found["Perplexity"][0] == "Company"  # a known company's unit
    assert not any(name.startswith(("由", "得的", "的")) for name in found)
    assert "LM Studio Discord" not in found and "H100 GPU" not in found  # its community, its kind: not its name


def test_a_known_model_named_again_by_its_version_alone_is_the_same_entity(rules):
    from kg.extract.mentions import extract_mentions

    item = NewsItem(id="x", title="DeepSeek V3.2 发布", text="V3.2 在多个基准上领先，价格也更低。", date="2026-03-01", url=None)
    [(_, mentions)] = list(extract_mentions([item], make_pipelines(rules, use_model=False)))
    ids = [(m.surface, m.entity_id) for m in mentions]
    full = next(entity for surface, entity in ids if surface == "DeepSeek V3.2")
    assert ("V3.2", full) in ids


def test_a_count_glued_to_a_chip_is_not_part_of_its_name(rules):
    found = [surface for surface, _ in _names(rules, "部署在 4xH100 集群和 8xB200 上，不是 H20 也不是 xH100")]
    assert found.count("H100") == 1 and "B200" in found and "H20" in found


def test_a_known_models_version_alone_in_another_item_of_the_digest_is_that_model(rules):
    from kg.extract.mentions import extract_mentions

    first = NewsItem(id="a", title="月之暗面发布 Kimi K3", text="", date="2026-07-17", url=None, sources=["d1.md"])
    second = NewsItem(id="b", title="部署 K3 的硬件", text="人们准备在 H100 节点上部署 K3；Wan K3 不是它。", date="2026-07-17",
                      url=None, sources=["d1.md"])
    other = NewsItem(id="c", title="部署 K3", text="", date="2026-07-18", url=None, sources=["d2.md"])
    found = {item.id: ms for item, ms in extract_mentions([first, second, other], make_pipelines(rules, use_model=False))}
    assert [m.surface for m in found["b"] if m.entity_id == "kimi-k3"] == ["K3", "K3"]  # not the K3 of Wan K3
    assert not any(m.entity_id == "kimi-k3" for m in found["c"])


def test_names_on_either_side_of_a_slash_but_not_in_paths(rules):
    found = [surface for surface, _ in _names(rules, "支持 Unity/Swift/Android/ROS 2 全平台，以 H100/B200 为核心；见 github.com/google/Android")]
    assert found.count("Android") == 1 and "H100" in found and "B200" in found


def test_names_in_an_attribution_line_are_not_mentions(rules):
    from kg.extract.mentions import extract_mentions

    text = "推理 kernel 已开源至 GitHub。\n来源: arXiv | HuggingFace Daily Papers\n🔗 链接：官网 | VentureBeat 报道"
    item = NewsItem(id="x", title="MiniMax 开源 MSA", text=text, date="2026-06-14", url=None)
    [(_, mentions)] = list(extract_mentions([item], make_pipelines(rules, use_model=False)))
    assert [m.entity_id for m in mentions if m.entity_id] == ["minimax", "github"]


def test_investors_listed_with_spaces_and_before_a_participation_verb(rules):
    found = _rule_found(rules, "完成 8500 万美元 Series A，由 QRV 领投，Samsung、Quorvane、20QC、Tarnwick 参投。")
    assert {n for n, (t, _) in found.items() if t == "Company"} >= {"QRV", "Quorvane", "20QC", "Tarnwick", "Samsung"}


def test_a_name_said_to_be_a_model_or_a_tool_is_a_product(rules):
    found = _rule_found(rules, "Thinking Machines 宣布 Quillet 是一款开源权重模型。XTREMO 是一个用于评估多语言模型的基准。")
    assert found.get("Quillet", ("", ""))[0] == "Product" and "XTREMO" not in found
    found = _rule_found(rules, "Dogwick is an open-source framework for agents.", lang="en")
    assert found.get("Dogwick", ("", ""))[0] == "Product"


def test_a_headline_that_says_what_a_name_is_proposes_a_product(rules):
    found = _rule_found(rules, "Quillbar：直接在 Obsidian 里用 Claude SDK 的插件\n比 Terminal 插件更好用。")
    assert found.get("Quillbar", ("", ""))[0] == "Product"
    found = _rule_found(rules, "开源机器人模型库：OpenQuill\nOpenQuill 是由某团队发布的。")
    assert found.get("OpenQuill", ("", ""))[0] == "Product"
    assert "Quillbar" not in _rule_found(rules, "今天的新闻很多\nQuillbar：直接在 Obsidian 里用的插件")  # not a headline


def test_a_latin_name_before_a_device_word_is_hardware(rules):
    found = _rule_found(rules, "谷歌为新款 Quellix 10 手机推出了新功能，Tarnwick Glasses智能眼镜上市。")
    assert found.get("Quellix 10", ("", ""))[0] == "Hardware" and found.get("Tarnwick Glasses", ("", ""))[0] == "Hardware"


def test_a_quoted_name_after_a_release_verb_and_an_apposition_are_products(rules):
    found = _rule_found(rules, "Google debuts ‘Quellnet,’ a Gemini-powered tool. Tarnwick shipped Dovecraft-2, an ultra-small model.", lang="en")
    assert found.get("Quellnet", ("", ""))[0] == "Product" and found.get("Dovecraft-2", ("", ""))[0] == "Product"


def test_a_company_named_without_its_company_word_is_that_company(rules):
    found = _names(rules, "Sakana 的 Fugu-Cyber 发布；sakana 是鱼；Scale 和 Figure 不是缩写。")
    assert ("Sakana", "sakana-ai") in found and ("sakana", "sakana-ai") not in found  # as written only
    assert not any(surface in ("Scale", "Figure") for surface, _ in found)  # common English words are not shortened


def test_a_name_only_the_model_found_once_is_kept_when_no_word_has_its_shape(rules):
    from kg.link.resolve import EntityResolver
    from kg.records import Mention

    resolver = EntityResolver(rules)
    resolver.observe([Mention("a", 0, 11, surface, "Product", "", "model:kg_ner-1.1.0", 0.8)
                      for surface in ("MemoHarness", "Screener", "YOLOv8n")])
    assert sorted(e.name for e in resolver.finish().values()) == ["MemoHarness", "YOLOv8n"]  # not the plain word


def test_a_known_persons_surname_alone_is_that_person_in_the_item_and_the_digest(rules):
    from kg.extract.mentions import extract_mentions

    first = NewsItem(id="a", title="Dario Amodei on safety", text="Anthropic CEO Dario Amodei spoke. Amodei added that "
                     "Daniela Amodei agrees.", date="2026-07-05", url=None, sources=["d1.md"])
    second = NewsItem(id="b", title="Critics", text="Critics say Amodei is wrong.", date="2026-07-05", url=None,
                      sources=["d1.md"])
    other = NewsItem(id="c", title="Critics", text="Critics say Amodei is wrong.", date="2026-07-06", url=None,
                     sources=["d2.md"])
    found = {item.id: ms for item, ms in extract_mentions([first, second, other], make_pipelines(rules, use_model=False))}
    text = "Dario Amodei on safety\nAnthropic CEO Dario Amodei spoke. Amodei added that Daniela Amodei agrees."
    assert [(m.start, m.entity_id) for m in found["a"] if m.surface == "Amodei"] == [(text.index("Amodei added"), "dario-amodei")]
    assert [m.entity_id for m in found["b"] if m.surface == "Amodei"] == ["dario-amodei"]
    assert not any(m.entity_id == "dario-amodei" for m in found["c"])  # another digest: no full name there
