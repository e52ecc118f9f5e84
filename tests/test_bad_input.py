"""Each broken digest gets one clear line (file, problem, fix) and the rest of the build goes on."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from kg.cli import EXIT_SKIPPED, cli
from kg.digest import parse_digest
from kg.errors import InputFileError

BAD_FILES = {
    "empty.md": (b"", "file is empty"),
    "binary.md": (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR" + bytes(range(256)), "file is binary"),
    "latin1.md": ("# 2025-12-01\n\n## Café\n\nrésumé ".encode("latin-1") + b"\xff\xfe\xfa\n", "is not UTF-8"),
    "truncated.md": (b"---\ndate: 2025-12-01\ntitle: x\n\n## item\n\nsome text here that is long enough\n", "front matter opened on line 1 is never closed"),
    "bad-yaml.md": (b"---\ndate: [2025-12-01\n---\n\n## item\n\ntext\n", "front matter is not valid YAML"),
    "no-items.md": (b"---\ndate: 2025-12-01\n---\n\nhi\n", "contains no news items"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_raises_one_clear_error_with_fix(tmp_path, name):
    data, problem = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputFileError) as err:
        parse_digest(path)
    message = str(err.value)
    assert message.startswith(str(path))
    assert problem in message
    assert "Fix: " in message


def test_oversized_file_is_skipped_with_the_limit_to_raise(tmp_path):
    path = tmp_path / "huge.md"
    path.write_bytes(b"---\ndate: 2025-12-01\n---\n" + b"## x\n\n" + b"a" * 2_000_000)
    with pytest.raises(InputFileError) as err:
        parse_digest(path, max_bytes=1_000_000)
    assert "over the 1 MB limit" in str(err.value) and "--max-file-mb 3" in str(err.value)


def test_gb18030_file_is_read_with_a_warning(tmp_path):
    path = tmp_path / "gbk.md"
    path.write_bytes("---\ndate: 2025-12-01\n---\n\n## 英伟达发布H200\n\n英伟达发布了新的H200芯片，性能提升明显。\n".encode("gb18030"))
    digest = parse_digest(path)
    assert digest.items[0].title == "英伟达发布H200"
    assert "GB18030" in digest.warnings[0]


def test_line_number_of_undecodable_byte(tmp_path):
    path = tmp_path / "bad.md"
    path.write_bytes(b"line one\nline two\n\x81\x30\xff\n")
    with pytest.raises(InputFileError) as err:
        parse_digest(path)
    assert err.value.detail.line == 3


def test_build_skips_bad_files_reports_each_and_exits_3(seed_copy, tmp_path):
    for name, (data, _problem) in BAD_FILES.items():
        (seed_copy / name).write_bytes(data)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(seed_copy), "--out", str(out)])
    assert result.exit_code == EXIT_SKIPPED, result.output
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped: ")]
    assert len(skipped) == len(BAD_FILES)
    assert all("Fix: " in line for line in skipped)
    assert "Read 5 of 11 files: 97 items" in result.stdout
    assert (out / "graph.ttl").stat().st_size > 0


def test_strict_build_with_a_bad_file_fails_and_writes_nothing(seed_copy, tmp_path):
    (seed_copy / "empty.md").write_bytes(b"")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(seed_copy), "--out", str(out), "--strict"])
    assert result.exit_code == 1
    assert "--strict given: nothing written" in result.stderr
    assert not list(out.glob("graph.*"))  # no export; only the reading cache is kept for the next try


def test_failed_export_leaves_previous_file_intact(tmp_path, monkeypatch):
    from kg.exporters.atomic import atomic_write_bytes

    target = tmp_path / "graph.ttl"
    target.write_text("previous")

    class Boom(Exception):
        pass

    def disk_full(_fd):
        raise Boom("No space left on device")

    monkeypatch.setattr("kg.exporters.atomic.os.fsync", disk_full)
    with pytest.raises(Boom):
        atomic_write_bytes(target, b"new content")
    monkeypatch.undo()
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]


def test_second_build_into_a_locked_folder_is_refused(tmp_path):
    from kg.exporters import ExportLockedError, out_dir_lock

    with out_dir_lock(tmp_path):
        with pytest.raises(ExportLockedError) as err:
            with out_dir_lock(tmp_path):
                pass
    assert "another kg build is writing into" in str(err.value)
    with out_dir_lock(tmp_path):  # released afterwards
        pass


def test_messy_markdown_is_read_without_mining_code_or_tables(tmp_path):
    path = tmp_path / "messy.md"
    path.write_bytes(
        "\ufeff---\r\ndate: 2025-12-01\r\n---\r\n# 日报\r\n\r\n"
        "- **谷歌发布Gemini 3**：新模型 🚀 &amp; <b>更强</b> [原文](https://example.com/a)\r"
        "  - 嵌套一层\n    - 嵌套两层\n      - 嵌套三层：英伟达H200\n"
        "\n| 公司 | 产品 |\n|---|---|\n| 微软 | Copilot |\n\n"
        "```python\nprint('OpenAI发布GPT-9')\n```\n".encode("utf-8")
    )
    digest = parse_digest(path)
    [item] = digest.items
    assert item.title == "谷歌发布Gemini 3"
    assert "& 更强" in item.text and "<b>" not in item.text and "🚀" in item.text
    assert "嵌套三层：英伟达H200" in item.text
    assert "GPT-9" not in item.text and "Copilot" not in item.text


def test_one_megabyte_single_line_and_many_items(tmp_path):
    line = tmp_path / "line.md"
    line.write_text("---\ndate: 2025-12-01\n---\n## 长文\n\n" + "谷歌发布Gemini 3。" * 80_000 + "\n", encoding="utf-8")
    assert len(parse_digest(line).items[0].text) > 1_000_000
    many = tmp_path / "many.md"
    many.write_text(
        "---\ndate: 2025-12-01\n---\n" + "".join(f"- **条目{i}**：内容 [链接](https://example.com/{i})\n" for i in range(100_000)),
        encoding="utf-8",
    )
    assert len(parse_digest(many).items) == 100_000


@pytest.mark.parametrize("value, expected", [("2025-02-30", "2025-12-05"), ("2031-01-01", "2031-01-01")])
def test_impossible_dates_fall_back_and_future_dates_are_kept(tmp_path, value, expected):
    path = tmp_path / "2025-12-05.md"
    path.write_text(f"---\ndate: '{value}'\n---\n## 谷歌发布Gemini 3\n\n谷歌发布了新的模型，性能大幅提升。\n", encoding="utf-8")
    assert parse_digest(path).date == expected
