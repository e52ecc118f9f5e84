"""The three seed layouts parse exactly; other layouts are read from their structure; dates are found."""
from __future__ import annotations


import pytest
from pathlib import Path

from kg.ingest.digest import date_in_filename, date_in_text, detect_layout, parse_digest
from kg.errors import InputFileError
from kg.ingest.normalize import normalize_url
from kg.builder.pipeline import SAMPLE_CORPUS

SEED = {p.name[:3]: p for p in SAMPLE_CORPUS.glob("*.txt")}


def test_layout_a_items_titles_dates_and_read_more_links():
    digest = parse_digest(SEED["000"])
    assert digest.layout == "A"
    assert digest.date == "2025-12-07"
    assert len(digest.items) == 34
    first = digest.items[0]
    assert first.title == "微软31年老员工：造AI的人被AI裁了"
    assert first.text.startswith("微软31年老员工Mike Kostersitz被裁")
    assert "阅读原文" not in first.text
    assert first.url.startswith("https://mp.weixin.qq.com/s?__biz=MzI3MTA0MTk1MA==")
    assert first.line == 13
    google = digest.items[1]
    assert google.title == "谷歌：全栈AI重塑市场格局"
    assert "谷歌发布Gemini 3与第七代TPU" in google.text


def test_layout_b_items_with_sources_and_related_links():
    digest = parse_digest(SEED["001"])
    assert digest.layout == "B"
    assert digest.date == "2025-12-10"
    main = [i for i in digest.items if i.layout == "B"]
    related = [i for i in digest.items if i.layout == "B-related"]
    assert (len(main), len(related)) == (10, 15)
    first = main[0]
    assert first.title.startswith("AutoGLM开源与豆包手机助手争议")
    assert first.links == [
        "https://mp.weixin.qq.com/s/CpvAJI3nEC7KwS5QUsfP0Q",
        "https://mp.weixin.qq.com/s/21oRRtpI09mUpR9BaTwknQ",
        "https://mp.weixin.qq.com/s/yWpJ59D7LK_SbyxWw3O74A",
    ]
    assert first.url == first.links[0]
    assert "智谱开源AutoGLM" in first.text and "核心洞察" not in first.text and "分类" not in first.text
    assert related[0].title.startswith("AI时代的超级个体")
    assert related[0].url == "https://mp.weixin.qq.com/s/TQgrCO_MFT-X2PN627czmw"


@pytest.mark.parametrize("key, count, date", [("002", 17, "2025-12-21"), ("003", 19, "2025-12-20"), ("004", 14, "2025-12-20")])
def test_layout_c_numbered_x_links_with_author(key, count, date):
    digest = parse_digest(SEED[key])
    assert digest.layout == "C"
    assert digest.date == date
    assert len(digest.items) == count
    assert all(i.url.startswith("https://x.com/") for i in digest.items)
    assert all(i.text for i in digest.items)


def test_layout_c_title_and_author_are_split():
    items = parse_digest(SEED["004"]).items
    assert items[2].title == "OpenAI 发布 GPT-5.2-Codex 并关注网络安全"
    assert items[2].author == "Sam Altman"
    assert items[2].url == "https://x.com/sama/status/2001724019188408352"


def test_structure_numbered_bold_items(tmp_path):
    path = tmp_path / "2025-12-05.md"
    path.write_text(
        "---\ntitle: 12-05-日报\n---\n\n## AI资讯日报 2025/12/5\n\n> `AI资讯` | [访问网页版](https://ai.example.app/)\n\n"
        "```\n摘要：不该成为条目。\n```\n\n### 产品与功能更新\n\n"
        "1. **OpenAI视频应用Sora遭遇留存滑铁卢。**\nSora APP上线后数据令人大跌眼镜。[Sora数据(AI资讯)](https://www.qbitai.com/2025/12/358665.html)显示用户只是尝鲜。\n\n"
        "2. **谷歌推出零代码AI代理构建平台。**\nWorkspace Studio依托**Gemini 3**模型。[工具介绍](https://www.aibase.com/zh/news/23361)\n",
        encoding="utf-8",
    )
    digest = parse_digest(path)
    assert digest.layout == "structure"
    assert digest.date == "2025-12-05"
    assert [i.title for i in digest.items] == ["OpenAI视频应用Sora遭遇留存滑铁卢。", "谷歌推出零代码AI代理构建平台。"]
    assert digest.items[0].url == "https://www.qbitai.com/2025/12/358665.html"
    assert "Gemini 3" in digest.items[1].text


def test_structure_bullets_with_nested_children(tmp_path):
    path = tmp_path / "news.md"
    path.write_text(
        "---\ndate: '2024-12-27T01:18:46.567338Z'\n---\n\n# AI Twitter 回顾\n\n"
        "- **DeepSeek-V3 发布**：671B MoE 参数 [链接](https://x.com/deepseek_ai/status/1)\n"
        "  - 训练只用了 2048 块 H800 GPU [细节](https://x.com/a/status/2)\n"
        "- **Meta 发布 Llama 4**：新的开源模型系列 [链接](https://x.com/AIatMeta/status/3)\n",
        encoding="utf-8",
    )
    digest = parse_digest(path)
    assert digest.date == "2024-12-27"
    assert [i.title for i in digest.items] == ["DeepSeek-V3 发布", "Meta 发布 Llama 4"]
    assert "2048 块 H800" in digest.items[0].text
    assert digest.items[0].links == ["https://x.com/deepseek_ai/status/1", "https://x.com/a/status/2"]


def test_detect_layout_of_seeds():
    assert [detect_layout(p.read_text(encoding="utf-8")) for _, p in sorted(SEED.items())] == ["A", "B", "C", "C", "C"]


@pytest.mark.parametrize(
    "text, expected",
    [("# 🤖 AI行业速递 - 2025年12月10日", "2025-12-10"), ("# 2025-12-07 资讯日报", "2025-12-07"), ("AI资讯日报 2025/12/5", "2025-12-05"), ("2025-02-30", None)],
)
def test_date_in_text(text, expected):
    assert date_in_text(text) == expected


def test_date_from_file_name():
    assert date_in_filename("2025-06-01.md") == "2025-06-01"
    assert date_in_filename("24-12-26-ainews-deepseek-v3.md") == "2024-12-26"
    assert date_in_filename("notes.md") is None


def test_date_from_heading_when_front_matter_has_none(tmp_path):
    path = tmp_path / "digest.md"
    path.write_text("# 🤖 AI行业速递 - 2025年12月10日\n\n## 谷歌发布Gemini 3\n\n谷歌发布了Gemini 3模型，性能大幅提升。[原文](https://example.com/a)\n", encoding="utf-8")
    assert parse_digest(path).date == "2025-12-10"


def test_no_date_is_an_error_naming_the_fix_unless_a_fallback_is_given(tmp_path):
    path = tmp_path / "undated.md"
    path.write_text("## 谷歌发布Gemini 3\n\n谷歌发布了Gemini 3模型，性能大幅提升。[原文](https://example.com/a)\n", encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        parse_digest(path)
    assert "has no date" in str(err.value) and "--date YYYY-MM-DD" in str(err.value)
    assert parse_digest(path, fallback_date="2025-01-02").items[0].date == "2025-01-02"


def test_same_story_twice_in_one_digest_is_one_item(tmp_path):
    path = tmp_path / "2025-12-01.md"
    body = "1. [谷歌发布Gemini 3 - 宝玉](https://x.com/dotey/status/1)\n\n    谷歌发布Gemini 3。\n\n"
    path.write_text(body + body.replace("1.", "2.", 1), encoding="utf-8")
    assert len(parse_digest(path).items) == 1


@pytest.mark.parametrize(
    "a, b",
    [
        ("https://x.com/karpathy/status/1", "http://twitter.com/karpathy/status/1?s=20"),
        ("https://mp.weixin.qq.com/s?__biz=Mz==&mid=1&idx=3&sn=ab&chksm=f0#rd", "https://mp.weixin.qq.com/s?__biz=Mz==&chksm=99&idx=3&mid=1&sn=ab"),
        ("https://example.com/a/?utm_source=x", "https://www.example.com/a"),
    ],
)
def test_normalised_urls_identify_one_story(a, b):
    assert normalize_url(a) == normalize_url(b)


def test_only_web_links_become_item_urls(tmp_path):
    path = tmp_path / "2025-12-01.md"
    path.write_text("## 谷歌发布Gemini 3模型\n\n谷歌发布了新模型，性能大幅提升。[点我](javascript:alert(1)) [原文](https://example.com/a)\n", encoding="utf-8")
    item = parse_digest(path).items[0]
    assert item.url == "https://example.com/a"
    assert all(link.startswith("https://") for link in item.links)


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_items_under_deeper_headings_with_a_field_list(tmp_path):
    """`### N. name` + a short list (link, summary, time): the heading is the item, its list its fields."""
    path = write(tmp_path / "2026-04-18.md", (
        "# AI新产品日报 · 2026-04-18\n\n## 今日精选\n\n"
        "### 1. OpenAI Codex 桌面版升级\n- **链接**：[TechCrunch 报道](https://techcrunch.com/codex)\n"
        "- **一句话**：OpenAI 大幅增强 Codex 的桌面控制能力。\n- **发布时间**：2026-04-16 09:00\n\n"
        "### 2. Meta Muse Spark\n- **链接**：[Meta 官方发布](https://ai.meta.com/muse)\n"
        "- **一句话**：Meta 超级智能实验室首个闭源模型，完全免费使用。\n- **发布时间**：2026-04-17 10:00\n"
    ))
    items = parse_digest(path).items
    assert [(i.title, i.url) for i in items] == [
        ("OpenAI Codex 桌面版升级", "https://techcrunch.com/codex"),
        ("Meta Muse Spark", "https://ai.meta.com/muse"),
    ]
    assert "大幅增强 Codex" in items[0].text
    assert (items[1].file, items[1].line) == (str(path), 10)


def test_linked_entries_of_a_section_are_items_titled_by_their_link(tmp_path):
    path = write(tmp_path / "2019-04-22.md", (
        "### Advances & Business\n\n"
        "* [Microsoft wants to unleash its AI expertise on climate change](https://www.fastcompany.com/90334623)\n"
        "— \"In a broad new set of sustainability commitments, the company wants to use its tech.\"\n"
        "* [Folding Revolution](https://hms.harvard.edu/news/folding-revolution)\n"
        "— New deep-learning approach predicts protein structure from amino acid sequence\n"
    ))
    items = parse_digest(path, fallback_date="2019-04-22").items
    assert [(i.title, i.url) for i in items] == [
        ("Microsoft wants to unleash its AI expertise on climate change", "https://www.fastcompany.com/90334623"),
        ("Folding Revolution", "https://hms.harvard.edu/news/folding-revolution"),
    ]
    assert items[1].text.startswith("— New deep-learning approach")


def test_a_bold_byline_under_a_linked_story_heading_is_neither_a_heading_nor_text(tmp_path):
    path = write(tmp_path / "2018-12-10.md", (
        "## Advances & Business\n\n"
        "####  [Meet Zora, the Robot Caregiver](https://www.nytimes.com/2018/11/23/robot-nurse-zora.html)\n"
        "**Adam Satariano, Elian Peltier, The New York Times**\n\n"
        "A French nursing facility is experimenting with Zora, a small humanoid robot.\n\n"
        "#### [The DIY Tinkerers](https://www.wired.com/story/diy-tinkerers/)\n"
        "**Tom Simonite, Wired**\n\n"
        "Self-taught coders apply the technology to their own passions.\n"
    ))
    items = parse_digest(path).items
    assert [(i.title, i.url) for i in items] == [
        ("Meet Zora, the Robot Caregiver", "https://www.nytimes.com/2018/11/23/robot-nurse-zora.html"),
        ("The DIY Tinkerers", "https://www.wired.com/story/diy-tinkerers/"),
    ]
    assert items[0].text == "A French nursing facility is experimenting with Zora, a small humanoid robot."


def test_a_sub_heading_of_link_fields_belongs_to_the_heading_above(tmp_path):
    path = write(tmp_path / "digest_2023-07-10.md", (
        "## AI Submissions for Mon Jul 10 2023\n\n### OpenAI says it could cease operating in the EU\n\n"
        "#### [Submission URL](https://www.theverge.com/openai-eu) | 24 points | by [pimeys](https://news.ycombinator.com/user?id=pimeys)"
        " | [6 comments](https://news.ycombinator.com/item?id=36674187)\n\n"
        "OpenAI has stated that it may stop operating in the European Union.\n"
    ))
    [item] = parse_digest(path).items
    assert (item.title, item.url) == ("OpenAI says it could cease operating in the EU", "https://www.theverge.com/openai-eu")
    assert item.text.endswith("may stop operating in the European Union.")


def test_list_numbers_are_stripped_from_headlines(tmp_path):
    path = write(tmp_path / "2025-12-01.md", (
        "## 资讯\n\n"
        "1. **【8】谷歌发布 Gemini 3 文本模型 #8**：谷歌发布新一代模型。[原文](https://example.com/1)\n"
        "2. **OpenAI 修复 Issue #422**：修复了一个老问题。[原文](https://example.com/2)\n"
        "3. **12、英伟达发布 H200**：显存大幅提升。[原文](https://example.com/3)\n"
    ))
    assert [i.title for i in parse_digest(path).items] == ["谷歌发布 Gemini 3 文本模型", "OpenAI 修复 Issue #422", "英伟达发布 H200"]


def test_header_and_sign_off_repeated_across_a_source_are_not_items(tmp_path):
    """Repetition across the folder's files decides: the header's video link is not any item's source."""
    for day, story in [("01", "谷歌发布 Gemini 3"), ("02", "英伟达发布 H200 芯片"), ("03", "OpenAI 发布 GPT-5.2")]:
        write(tmp_path / f"2025-12-{day}.md", (
            f"## AI 日报 2025/12/{day}\n\n每日精选 AI 新闻，视频版见 [B站视频](https://www.bilibili.com/video/BV1daily)\n\n"
            f"### 今日资讯\n\n1. **{story}**：这是当天的一条重要新闻，值得关注。[原文](https://example.com/{day})\n"
            f"2. **另一条 {day} 新闻**：另一条当天的新闻内容，也值得关注。[原文](https://example.com/{day}b)\n\n"
            "本文由 AI 辅助撰写，人工审核后发布，欢迎转发分享给朋友。\n"
        ))
    digest = parse_digest(tmp_path / "2025-12-02.md")
    assert [i.title for i in digest.items] == ["英伟达发布 H200 芯片", "另一条 02 新闻"]
    assert not any("bilibili" in link for i in digest.items for link in i.links)
    assert [n.line for n in digest.notes if "repeated block dropped" in n.message] == [3, 10]


def test_section_headings_and_summaries_are_not_items(tmp_path):
    path = write(tmp_path / "2026-03-24.md", (
        "## 03月24日 AI 前沿动态\n\n## 要点汇总\n\n"
        "- 产业动态：Meta裁员1.6万人押注AI；ChatGPT增强文件管理功能\n\n"
        "## 详细参考\n\n### 产业动态\n"
        "**Meta裁员1.6万人押注AI**\n- Meta CEO扎克伯格宣布计划裁员约1.6万人，约占员工总数的5%。\n"
        "  - 来源: [TechCrunch](https://techcrunch.com/meta)\n\n"
        "**ChatGPT增强文件管理功能**\n- OpenAI宣布ChatGPT现在可以更方便地查找用户上传的文件。\n"
        "  - 来源: [@OpenAI](https://x.com/OpenAI/status/1)\n"
    ))
    digest = parse_digest(path)
    assert [(i.title, i.url) for i in digest.items] == [
        ("Meta裁员1.6万人押注AI", "https://techcrunch.com/meta"),
        ("ChatGPT增强文件管理功能", "https://x.com/OpenAI/status/1"),
    ]
    assert any("retells the file's headlines" in n.message for n in digest.notes)


def test_layout_a_reader_proves_itself_on_the_seed():
    digest = parse_digest(SEED["000"])
    assert (digest.layout, digest.expected_layout, digest.warnings) == ("A", "A", [])


LAYOUTS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "layouts"


@pytest.mark.skipif(not LAYOUTS.is_dir(), reason="needs ../shared/corpus/layouts")
def test_annotated_items_of_every_layouts_source_are_found():
    """tests/data/items-gold.jsonl: >= 95% of each source's annotated items with their URL and title."""
    from tests.benchmarks import bench_items

    bench_items.CORPUS = LAYOUTS
    table = bench_items.measure()
    assert len(table) == 7
    for source, row in table.items():
        assert row["url+title"] >= 0.95 * row["annotated"], source
        assert row["numbered"] == 0, source


def test_a_bold_headline_with_a_colon_inside_is_a_story_not_a_field(tmp_path):
    entry = ("- **ECS：Elixir 编译器预见 MLIR Dialect 愿景**：用户讨论了用 MLIR 实现 ECS 的潜力。\n"
             "   - 一名用户分享了他们[十年前尝试的 ECS 语言](https://github.com/mzaks/ECS-Lang)。\n")
    path = write(tmp_path / "2026-02-16.md", (
        "### Modular ▷ #mojo\n\n- **Span 引发语义混乱**：用户发现 Span 应该实现 Writable。\n"
        "   - 该 [issue 已在 GitHub 上记录](https://github.com/modular/modular/issues/5870)。\n" + entry +
        "\n### Modular ▷ #general\n\n- **探讨将 Bevy 游戏引擎移植到 Mojo**：成员们讨论了移植的可行性。\n"
        "   - 参考 [larecs](https://samufi.github.io/larecs/)。\n" + entry
    ))
    items = parse_digest(path).items
    assert [(i.title, i.url) for i in items] == [
        ("Span 引发语义混乱", "https://github.com/modular/modular/issues/5870"),
        ("ECS：Elixir 编译器预见 MLIR Dialect 愿景", "https://github.com/mzaks/ECS-Lang"),
        ("探讨将 Bevy 游戏引擎移植到 Mojo", "https://samufi.github.io/larecs/"),
    ]


def test_a_story_listed_in_two_sections_is_not_taken_for_a_field_label(tmp_path):
    block = ("- **HF 模型页面集成 Leaderboard**：模型页面可以直接查看 [benchmarks](https://huggingface.co/changelog/lb)。\n"
             "- **GLM-5 编程模型发布**：Z.ai 发布了开源编程模型，见[此推文](https://x.com/i/status/2021931246247690666)。\n"
             "- **机器人模拟器开源**：一款 AI 机器人模拟工具已在 [GitHub](https://github.com/principia-cloud/principia-cli) 开源。\n")
    path = write(tmp_path / "2026-02-12.md", f"## 摘要\n\n### 主题\n\n{block}\n## 详情\n\n### Hugging Face ▷ #general\n\n{block}")
    assert [i.title for i in parse_digest(path).items] == ["HF 模型页面集成 Leaderboard", "GLM-5 编程模型发布", "机器人模拟器开源"]


def test_a_linked_headline_with_link_fields_and_points_is_one_item(tmp_path):
    path = write(tmp_path / "2026-07-08-ai-daily-digest.md", (
        "# 0708日报 | 超越聊天框\n\n"
        "## 1. [Monogram](https://www.monogram.ai/)（融资 / AI 可视化界面）\n\n"
        "🔗 链接：[官网](https://www.monogram.ai/) | [Introducing Blog](https://www.monogram.ai/blog/introducing)\n\n"
        "**融资信息**：$4000 万 Seed 轮，由 DST Global 和 Lux Capital 领投。\n\n"
        "**为什么值得关注**：\n- 用户用自然语言提问，几秒内得到可视化答案\n- 创始人是 Udemy 创始人\n\n"
        "## 2. [Norm AI](https://www.norm.ai/)（融资 / 法律 AI）\n\n"
        "🔗 链接：[官网](https://www.norm.ai/)\n\n**融资信息**：$1.2 亿 C 轮。\n\n"
        "**为什么值得关注**：\n- 合规 Agent 进入法律和金融\n- 估值 $1.2B\n"
    ))
    items = parse_digest(path).items
    assert [(i.title, i.url) for i in items] == [
        ("Monogram（融资 / AI 可视化界面）", "https://www.monogram.ai/"),
        ("Norm AI（融资 / 法律 AI）", "https://www.norm.ai/"),
    ]
    assert "Udemy 创始人" in items[0].text


def test_closing_fence_glued_to_the_first_heading_and_linked_article_dates(tmp_path):
    """`---### Top News`: the front matter ends there and the heading is read; a date inside a headline's link is
    the article's, not the digest's (the file name gives it)."""
    path = tmp_path / "2025-12-15-329.md"
    path.write_text(
        '---\ntitle: "Last Week in AI #329"\n---### Top News\n\n'
        "#### [Trump signs an order on AI](https://www.nytimes.com/2025/12/11/technology/ai-order.html)\n"
        "The order limits state AI rules.\n\n"
        "#### [Mistral releases Devstral 2](https://techcrunch.com/2025/12/09/mistral-devstral/)\n"
        "Mistral AI released Devstral 2, a coding model.\n",
        encoding="utf-8",
    )
    digest = parse_digest(path)
    assert digest.date == "2025-12-15"
    assert [item.title for item in digest.items] == ["Trump signs an order on AI", "Mistral releases Devstral 2"]
    assert digest.items[1].text.startswith("Mistral AI released Devstral 2")


def test_related_links_under_a_headline_belong_to_its_story(tmp_path):
    path = tmp_path / "2026-05-25.md"
    path.write_text(
        "### Top News\n\n"
        "#### [Musk loses suit against OpenAI](https://www.nytimes.com/2026/05/18/musk-openai.html)\n"
        "Related:\n"
        " * [Musk loses court battle](https://www.bbc.com/news/a1)\n"
        " * [All the updates](https://www.theverge.com/tech/a2)\n\n"
        "A federal jury in Oakland rejected Elon Musk's lawsuit against OpenAI.\n\n"
        "The verdict clears the path for an OpenAI IPO.\n\n"
        "#### [Google updates Gemini](https://techcrunch.com/2026/05/19/gemini/)\n"
        "Google updated its Gemini app.\n",
        encoding="utf-8",
    )
    items = parse_digest(path).items
    assert [item.url for item in items] == ["https://www.nytimes.com/2026/05/18/musk-openai.html",
                                            "https://techcrunch.com/2026/05/19/gemini/"]
    assert "A federal jury in Oakland rejected" in items[0].text and "OpenAI IPO" in items[0].text
    assert "https://www.bbc.com/news/a1" in items[0].links
