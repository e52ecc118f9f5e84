"""The three seed layouts parse exactly; other layouts are read from their structure; dates are found."""
from __future__ import annotations


import pytest

from kg.digest import date_in_filename, date_in_text, detect_layout, parse_digest
from kg.errors import InputFileError
from kg.normalize import normalize_url
from kg.pipeline import SAMPLE_CORPUS

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
