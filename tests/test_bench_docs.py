"""docs/benchmarks.md sections written by the benchmark scripts (tests/benchmarks/docs_section.py)."""
from __future__ import annotations

import pytest

from tests.benchmarks.docs_section import MissingSection, write_section


def test_write_section_replaces_only_its_block(tmp_path):
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# B\n\n<!-- bench:build -->\nold figures\n<!-- /bench:build -->\n\nhand text\n"
                    "<!-- bench:other -->\nkept\n<!-- /bench:other -->\n", encoding="utf-8")
    write_section("build", "| a | 1 |\n", "python3 tests/benchmarks/bench_build.py x", docs)
    write_section("build", "| a | 2 |\n", "python3 tests/benchmarks/bench_build.py y", docs)
    lines = docs.read_text(encoding="utf-8").splitlines()
    start = lines.index("<!-- bench:build -->")
    assert lines[start + 1].startswith("`python3 tests/benchmarks/bench_build.py y`, 20")
    assert " cores, " in lines[start + 1] and "Python 3." in lines[start + 1]
    assert lines[start + 2:start + 4] == ["| a | 2 |", "<!-- /bench:build -->"]
    assert "old figures" not in lines and "| a | 1 |" not in lines
    assert lines[start + 4:] == ["", "hand text", "<!-- bench:other -->", "kept", "<!-- /bench:other -->"]


def test_write_section_without_markers_says_which_to_add(tmp_path):
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# B\n", encoding="utf-8")
    with pytest.raises(MissingSection, match="<!-- bench:build -->"):
        write_section("build", "x", "cmd", docs)
    assert docs.read_text(encoding="utf-8") == "# B\n"
