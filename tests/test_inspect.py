"""`kg inspect`: how kg reads a digest (reader, date, items with their links and text, warnings)."""
from __future__ import annotations

import json

from click.testing import CliRunner

from kg.cli import cli

STORIES = {
    "03": ("谷歌发布 Gemini 3", "英伟达发布 H200 芯片，显存大幅提升，面向大模型训练。", "Anthropic 发布 Claude 4"),
    "04": ("OpenAI 发布 GPT-5.2", "微软发布 Phi-5 小模型，可在手机上运行。", "Meta 开源 Llama 5"),
    "05": ("阿里发布 Qwen 4", "字节发布豆包 2.0，支持实时语音对话。", "DeepSeek 发布 V4"),
}


def write_source(folder):
    """Three days of one source: same header and sign-off every day, different stories."""
    for n, (day, (first, second, third)) in enumerate(STORIES.items(), 1):
        (folder / f"2025-12-{day}.md").write_text(
            f"# AI 早报 2025-12-{day}\n\n"
            "> 每天早八点更新 · [视频版](https://video.example.com/daily) · [播客](https://podcast.example.com/feed)\n\n"
            "## 模型\n\n"
            f"### 1. {first} #{n}\n\n"
            f"- 链接：[官方博客](https://blog.example.com/{day}/a)\n"
            f"- 摘要：{first}，推理能力大幅提升，价格下降。\n\n"
            f"### 2. {second.split('，')[0]}\n\n{second}\n\n"
            f"## [{third}](https://news.example.com/{day}/c)\n\n"
            "---\n\n本期完，感谢收看。编辑：小明 | [订阅](https://example.com/rss)\n",
            encoding="utf-8",
        )
    return folder / "2025-12-04.md"


EXPECTED = """\
{path}
  reader: structure
  date:   2025-12-04
  items:  3
    1. line 7: OpenAI 发布 GPT-5.2
       date: 2025-12-04
       url:  https://blog.example.com/04/a
       text: 链接：官方博客 摘要：OpenAI 发布 GPT-5.2，推理能力大幅提升，价格下降。
    2. line 12: 微软发布 Phi-5 小模型
       date: 2025-12-04
       url:  -
       text: 微软发布 Phi-5 小模型，可在手机上运行。
    3. line 16: Meta 开源 Llama 5
       date: 2025-12-04
       url:  https://news.example.com/04/c
  warning: line 3: repeated block dropped (1 line(s) found in most of the source's files): 每天早八点更新 · 视频版 · 播客
  warning: line 12: item without link: '微软发布 Phi-5 小模型' (its source is this file and line)
  warning: line 16: headline without text: 'Meta 开源 Llama 5'
  warning: line 20: repeated block dropped (1 line(s) found in most of the source's files): 本期完，感谢收看。编辑：小明 | 订阅
"""


def test_inspect_shows_items_links_and_warnings(tmp_path):
    path = write_source(tmp_path)
    result = CliRunner().invoke(cli, ["inspect", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output == EXPECTED.format(path=path)


def test_inspect_json_for_scripts(tmp_path):
    path = write_source(tmp_path)
    result = CliRunner().invoke(cli, ["inspect", "--format", "json", "--chars", "10", str(path)])
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.output)
    assert (report["reader"], report["expected_reader"], report["date"]) == ("structure", "structure", "2025-12-04")
    assert [item["title"] for item in report["items"]] == ["OpenAI 发布 GPT-5.2", "微软发布 Phi-5 小模型", "Meta 开源 Llama 5"]
    assert report["items"][0]["links"] == ["https://blog.example.com/04/a"]
    assert report["items"][0]["text"] == "链接：官方博客\n摘要"
    assert report["items"][1]["url"] is None and report["items"][1]["line"] == 12
    assert {"line": 3, "message": "repeated block dropped (1 line(s) found in most of the source's files): "
            "每天早八点更新 · 视频版 · 播客"} in report["warnings"]
    assert not any("video.example.com" in link for item in report["items"] for link in item["links"])


def test_inspect_says_when_a_layout_reader_was_replaced(tmp_path):
    """Looks like layout A (阅读原文, ### headings) but the items are numbered entries under ### sections."""
    entries = "".join(
        f"{n}. 公司{n}发布了新的大模型产品，性能提升明显，价格大幅下降。[阅读原文](https://example.com/{n})\n\n" for n in range(1, 7)
    )
    path = tmp_path / "2025-08-12.md"
    path.write_text(f"## AI资讯日报 2025/8/12\n\n### 产品与功能更新\n\n{entries}### 前沿研究\n\n{entries.replace('example.com', 'example.org')}",
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["inspect", str(path)])
    assert result.exit_code == 0, result.output
    assert "  reader: structure (looked like layout A)\n" in result.output
    assert "  items:  12\n" in result.output
    assert ("  warning: read by its structure, not as layout A: the layout A reader found 2 linked item(s) of 2, "
            "the structure 12\n") in result.output


def test_inspect_unreadable_file_is_one_line_and_exit_1(tmp_path):
    empty = tmp_path / "2025-12-01.md"
    empty.write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["inspect", str(empty)])
    assert result.exit_code == 1
    assert result.output == f"{empty}\n  error: {empty}: file is empty. Fix: remove it or give it digest content\n"
