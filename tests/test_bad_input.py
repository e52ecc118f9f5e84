"""Each broken digest gets one clear line (file, problem, fix) and the rest of the build goes on."""
from __future__ import annotations

import errno
import os
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from kg.cli import EXIT_SKIPPED, cli
from kg.ingest.digest import parse_digest
from kg.errors import InputFileError
from kg.builder.pipeline import build

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
    from kg.export.atomic import atomic_write_bytes

    target = tmp_path / "graph.ttl"
    target.write_text("previous")

    class Boom(Exception):
        pass

    def disk_full(_fd):
        raise Boom("No space left on device")

    monkeypatch.setattr("kg.export.atomic.os.fsync", disk_full)
    with pytest.raises(Boom):
        atomic_write_bytes(target, b"new content")
    monkeypatch.undo()
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]


def test_second_build_into_a_locked_folder_is_refused(tmp_path):
    from kg.export import ExportLockedError, out_dir_lock

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


IMPOSSIBLE_DATES = {  # unquoted, so the YAML loader itself fails on them
    "feb-30.md": "---\ntitle: 日报\ndate: 2025-02-30\n---\n## 谷歌发布Gemini 3\n\n谷歌发布了新的模型。\n",
    "month-13.md": "---\ndate: 2025-13-45\n---\n## 谷歌发布Gemini 3\n\n谷歌发布了新的模型。\n",
}


@pytest.mark.parametrize("name, line, why", [("feb-30.md", 3, "day is out of range for month"),
                                              ("month-13.md", 2, "month must be in 1..12")])
def test_an_impossible_front_matter_date_is_the_files_problem_with_its_line(tmp_path, name, line, why):
    path = tmp_path / name
    path.write_text(IMPOSSIBLE_DATES[name], encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        parse_digest(path)
    assert str(err.value) == (
        f"{path}:{line}: front matter has an impossible date ({why}). Fix: write a real date as YYYY-MM-DD"
        " (e.g. date: 2025-02-28), or remove the front matter"
    )


def _crash_on(monkeypatch, name: str) -> None:
    """parse_digest raises an error kg does not expect on the file called `name` (a stand-in for a bug)."""
    from kg.builder import readers as engines
    real = engines.parse_digest

    def parse(path, **kwargs):
        if path.name == name:
            raise RuntimeError("boom\nsecond line")
        return real(path, **kwargs)

    monkeypatch.setattr(engines, "parse_digest", parse)


UNEXPECTED = ("unexpected error while reading it (RuntimeError: boom second line); please report this to the kg"
              " developers with the file. Fix: the build skipped it; move it out of the input folder to silence this")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_impossible_dates_and_an_unexpected_error_skip_only_their_files(seed_copy, tmp_path, monkeypatch, workers):
    for name, text in IMPOSSIBLE_DATES.items():
        (seed_copy / name).write_text(text, encoding="utf-8")
    (seed_copy / "crash.md").write_text("---\ndate: 2025-12-01\n---\n## 谷歌发布Gemini 3\n\n谷歌发布了新的模型。\n")
    _crash_on(monkeypatch, "crash.md")  # forked workers (--workers 2) inherit it
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(seed_copy), "--out", str(out), "--workers", workers])
    assert result.exit_code == EXIT_SKIPPED, result.output
    assert "Traceback" not in result.output
    skipped = sorted(line for line in result.stderr.splitlines() if line.startswith("skipped: "))
    assert skipped == [
        f"skipped: {seed_copy / 'crash.md'}: {UNEXPECTED}",
        f"skipped: {seed_copy / 'feb-30.md'}:3: front matter has an impossible date (day is out of range for month)."
        " Fix: write a real date as YYYY-MM-DD (e.g. date: 2025-02-28), or remove the front matter",
        f"skipped: {seed_copy / 'month-13.md'}:2: front matter has an impossible date (month must be in 1..12)."
        " Fix: write a real date as YYYY-MM-DD (e.g. date: 2025-02-28), or remove the front matter",
    ]
    assert "Read 5 of 8 files: 97 items (12 repeated listings merged), 3 skipped." in result.stdout
    assert (out / "graph.ttl").stat().st_size > 0


def test_a_file_that_failed_unexpectedly_is_not_cached(seed_copy, tmp_path, monkeypatch):
    (seed_copy / "crash.md").write_text("---\ndate: 2025-12-01\n---\n- **谷歌发布Gemini 3**：新模型 [原文](https://example.com/a)\n")
    cache = tmp_path / "cache"
    with monkeypatch.context() as patched:
        _crash_on(patched, "crash.md")
        first = build([seed_copy], cache=cache)
    assert [p.problem.split(";")[0] for p in first.report.skipped] == [
        "unexpected error while reading it (RuntimeError: boom second line)"]
    again = build([seed_copy], cache=cache)  # the bug is gone: the file is read, not taken from the cache
    assert (again.report.skipped, again.report.cache_hits, again.report.cache_misses) == ([], 5, 1)


def test_dask_workers_report_bad_files_as_problems(seed_copy, monkeypatch):
    distributed = pytest.importorskip("dask.distributed", reason="dask[distributed] not installed")
    (seed_copy / "feb-30.md").write_text(IMPOSSIBLE_DATES["feb-30.md"], encoding="utf-8")
    (seed_copy / "crash.md").write_text("---\ndate: 2025-12-01\n---\n## 谷歌发布Gemini 3\n\n谷歌发布了新的模型。\n")
    _crash_on(monkeypatch, "crash.md")  # the workers are threads of this process: they see it
    with distributed.LocalCluster(n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None,
                                  scheduler_port=0, silence_logs=40) as cluster:
        result = build([seed_copy], engine="dask", scheduler=cluster.scheduler_address)
    assert sorted((p.path.name, p.line, p.problem.split(" (")[0]) for p in result.report.skipped) == [
        ("crash.md", None, "unexpected error while reading it"),
        ("feb-30.md", 3, "front matter has an impossible date"),
    ]
    assert result.report.items == 97


def test_a_build_that_reads_nothing_fails_and_keeps_the_previous_exports(tmp_path):
    binaries = tmp_path / "binaries"
    binaries.mkdir()
    for name in ("a.md", "b.md"):
        (binaries / name).write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)))
    out = tmp_path / "exports"
    out.mkdir()
    (out / "graph.ttl").write_text("previous graph\n")
    result = CliRunner().invoke(cli, ["build", str(binaries), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[1:] == [
        f"skipped: {binaries / 'a.md'}: file is binary, not a Markdown digest. Fix: remove it from the input folder",
        f"skipped: {binaries / 'b.md'}: file is binary, not a Markdown digest. Fix: remove it from the input folder",
        f"Error: read 0 of 2 files (every one was skipped): nothing written, the previous files in {out} are"
        " unchanged. Fix: the problems above, or give folders of Markdown digests (.md, .markdown, .txt)",
    ]
    assert result.stdout == ""
    assert (out / "graph.ttl").read_text() == "previous graph\n"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["graph.ttl"]


def test_the_library_build_of_nothing_raises_with_each_problem(tmp_path):
    from kg.errors import NothingReadError

    (tmp_path / "empty.md").write_bytes(b"")
    with pytest.raises(NothingReadError) as err:
        build([tmp_path])
    assert str(err.value) == "read 0 of 1 files (every one was skipped)"
    assert [p.problem for p in err.value.report.skipped] == ["file is empty"]


def test_out_under_a_regular_file_is_refused_before_reading(tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file")
    result = CliRunner().invoke(cli, ["build", "--out", str(blocker / "exports")])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: --out {blocker / 'exports'}: {blocker} is a file, not a folder."
                             " Fix: pass --out a folder (new or existing), or move that file away\n")


@pytest.mark.parametrize("code, message", [
    (errno.EROFS, "it is on a read-only file system. Fix: pass --out a folder on a writable disk"),
    (errno.EACCES, "no permission to write there. Fix: pass --out a folder you can write to, or fix its permissions"),
])
def test_out_on_a_read_only_or_forbidden_folder_is_refused_before_reading(tmp_path, monkeypatch, code, message):
    """Tests run as root, who may write anywhere: the file system's answer is simulated."""
    import kg.builder.pipeline

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(kg.builder.pipeline.tempfile, "mkstemp", refuse)
    result = CliRunner().invoke(cli, ["build", "--out", str(tmp_path / "exports")])
    assert result.exit_code == 1
    assert result.stderr == f"Error: --out {tmp_path / 'exports'}: {message}\n"


def test_out_on_an_immutable_folder_is_refused_before_reading(tmp_path):
    """A real refusal from the file system, even to root: the immutable flag (chattr +i)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(locked)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here (needs e2fsprogs, root and a file system with the flag)")
    try:
        result = CliRunner().invoke(cli, ["build", "--out", str(locked / "exports")])
    finally:
        subprocess.run(["chattr", "-i", str(locked)], check=True)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: --out {locked / 'exports'}: the system does not allow writing there"
                             " (permissions or an immutable flag). Fix: pass --out a folder you can write to\n")
