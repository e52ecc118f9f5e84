"""The build cache (kg/builder/cache.py): unchanged files come from it, and a cached build is the cold build."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from kg.builder.cache import ENTRY_SUFFIX, PIECE_SUFFIX
from kg.cli import cli
from kg.export import turtle
from kg.export.turtle import to_rdf
from kg.builder.pipeline import build
from kg.extract.rules import load_rules


@pytest.fixture
def rules_copy(tmp_path, rules):
    folder = tmp_path / "rules"
    shutil.copytree(rules.directory, folder)
    return folder


def same_graph(a, b) -> bool:
    return to_rdf(a.graph).isomorphic(to_rdf(b.graph))


def cold(folder, rules_dir):
    return build([folder], rules=load_rules(rules_dir))


def extracted_items(monkeypatch) -> list[str]:
    """The ids of the items the in-process reader extracts mentions from, from now on."""
    import kg.builder.readers

    seen: list[str] = []
    real = kg.builder.readers.extract_mentions

    def counting(items, *args, **kwargs):
        seen.extend(item.id for item in items)
        return real(items, *args, **kwargs)

    monkeypatch.setattr(kg.builder.readers, "extract_mentions", counting)
    return seen


def test_second_build_is_all_hits_and_the_same_graph(seed_copy, rules_copy, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    assert (first.report.cache_hits, first.report.cache_misses) == (0, 5)
    extracted = extracted_items(monkeypatch)
    second = build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    assert (second.report.cache_hits, second.report.cache_misses) == (5, 0)
    assert extracted == []
    assert len(list(cache.glob("*" + ENTRY_SUFFIX))) == 5
    reference = cold(seed_copy, rules_copy)
    assert reference.report.cache_hits is None  # no cache given: none used
    assert same_graph(first, reference) and same_graph(second, reference)
    assert second.report.items == reference.report.items
    assert second.report.repeated_items == reference.report.repeated_items


def test_an_all_cached_build_with_workers_starts_no_pool_and_gives_the_same_graph(seed_copy, rules_copy, tmp_path):
    cache = tmp_path / "cache"
    first = build([seed_copy], rules=load_rules(rules_copy), cache=cache, workers=2)
    again = build([seed_copy], rules=load_rules(rules_copy), cache=cache, workers=2)
    assert (again.report.cache_hits, again.report.cache_misses) == (5, 0)
    assert same_graph(first, again)


def test_changing_one_file_reads_only_that_file(seed_copy, rules_copy, tmp_path):
    cache = tmp_path / "cache"
    build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    changed = sorted(seed_copy.iterdir())[1]
    changed.write_text(
        changed.read_text(encoding="utf-8")
        + "\n\n### 英伟达发布新芯片 H300\n英伟达今天发布了 H300 芯片，微软将在 Azure 上使用。\n"
        "[>阅读原文](https://example.com/nvidia-h300)\n",
        encoding="utf-8",
    )
    again = build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    assert (again.report.cache_hits, again.report.cache_misses) == (4, 1)
    assert same_graph(again, cold(seed_copy, rules_copy))


def test_removing_the_file_that_listed_a_story_first_still_extracts_it(seed_copy, rules_copy, tmp_path, monkeypatch):
    # The in-process reader does not extract a story again when a later digest lists it, so the later
    # digests' entries lack those mentions; once the first digest is gone they must be extracted.
    cache = tmp_path / "cache"
    build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    (seed_copy / "002_30655789a3e84f55.txt").unlink()
    extracted = extracted_items(monkeypatch)
    again = build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    assert (again.report.cache_hits, again.report.cache_misses) == (4, 0)
    assert extracted  # the stories now first listed in 003 and 004
    assert same_graph(again, cold(seed_copy, rules_copy))
    extracted.clear()
    third = build([seed_copy], rules=load_rules(rules_copy), cache=cache)  # the filled entries were stored
    assert extracted == []
    assert same_graph(third, again)


def _append(path, title: str, body: str, url: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n\n### {title}\n{body}\n[>阅读原文]({url})\n", encoding="utf-8")


def same_turtle(a, b, tmp_path) -> bool:
    """The exported files are byte for byte the same (order of entities and statements included)."""
    turtle.export(a.graph, tmp_path / "a.ttl")
    turtle.export(b.graph, tmp_path / "b.ttl")
    return (tmp_path / "a.ttl").read_bytes() == (tmp_path / "b.ttl").read_bytes()


def test_a_name_retyped_by_another_file_redoes_the_relations_of_the_files_naming_it(seed_copy, rules_copy, tmp_path):
    files = sorted(seed_copy.iterdir())
    _append(files[0], "Zorvex 发布新品", "Zorvex公司今天与英伟达合作，Zorvex公司称将推出新品。", "https://example.com/zorvex-1")
    cache = tmp_path / "cache"
    first = build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    assert first.entities["zorvex"].type == "Company"
    for n in range(3):  # more chip cues than company cues: the name is now Hardware
        _append(files[3], f"Zorvex 芯片 {n}", f"英伟达表示 Zorvex芯片第{n}代性能强，Zorvex芯片已量产。", f"https://example.com/zorvex-chip-{n}")
    again = build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    assert (again.report.cache_hits, again.report.cache_misses) == (4, 1)
    reference = cold(seed_copy, rules_copy)
    assert reference.entities["zorvex"].type == again.entities["zorvex"].type == "Hardware"
    assert again.report.pieces_redone == 2  # the changed file, and the first, which named Zorvex too
    assert same_turtle(again, reference, tmp_path)
    assert sorted(map(repr, again.relations)) == sorted(map(repr, reference.relations))


def _append_listed(path, title: str, body: str, url: str) -> None:
    """A story in the numbered-list layout of the 4-hourly digests."""
    path.write_text(path.read_text(encoding="utf-8") + f"\n\n99.  [{title}]({url})\n\n    {body}\n", encoding="utf-8")


def test_a_story_listed_again_with_an_earlier_date_moves_its_relations(seed_copy, rules_copy, tmp_path):
    files = sorted(seed_copy.iterdir())  # 002 is dated 2025-12-21, 003 2025-12-20
    cache = tmp_path / "cache"
    story = ("英伟达与微软合作", "英伟达宣布与微软合作，英伟达 CEO 黄仁勋表示将共同开发 Azure 上的新服务。", "https://example.com/story")
    _append_listed(files[2], *story)
    first = build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    [item_id] = [i for i, item in first.graph.graph["items"].items() if item.url == story[2]]
    assert {r.date[:10] for r in first.relations if r.item_id == item_id} == {"2025-12-21"}
    _append_listed(files[3], *story)
    again = build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    assert (again.report.cache_hits, again.report.pieces_redone) == (4, 1)  # 002's relations kept, and dated again
    assert {r.date[:10] for r in again.relations if r.item_id == item_id} == {"2025-12-20"}
    reference = cold(seed_copy, rules_copy)
    assert same_turtle(again, reference, tmp_path)
    assert sorted(map(repr, again.relations)) == sorted(map(repr, reference.relations))


def test_changing_the_gazetteer_invalidates_all_and_says_why(seed_copy, rules_copy, tmp_path):
    cache = tmp_path / "cache"
    build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    companies = rules_copy / "gazetteer" / "companies.yml"
    text = companies.read_text(encoding="utf-8")
    companies.write_text(text.rstrip("\n") + "\n  - id: acme-ai-test\n    name: Acme AI Test\n", encoding="utf-8")
    again = build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    assert (again.report.cache_hits, again.report.cache_misses) == (0, 5)
    assert any("rules changed (gazetteer/companies.yml)" in n and "all 5 files re-extracted" in n
               for n in again.report.cache_notes), again.report.cache_notes
    assert same_graph(again, cold(seed_copy, rules_copy))


@pytest.mark.parametrize("manifest", [None, "[]", "{not json"], ids=["missing", "not an object", "corrupt"])
def test_a_cache_whose_first_build_was_stopped_serves_the_next_build(seed_copy, rules_copy, tmp_path, manifest):
    """Entries are written file by file and the manifest only at the end: a first build killed in between
    leaves entries without (or with a broken) manifest, and the next build uses them."""
    cache = tmp_path / "cache"
    build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    (cache / "manifest.json").unlink()
    if manifest is not None:
        (cache / "manifest.json").write_text(manifest, encoding="utf-8")
    again = build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    assert (again.report.cache_hits, again.report.cache_misses) == (5, 0)
    assert again.report.cache_notes == []
    assert same_graph(again, cold(seed_copy, rules_copy))


def test_changing_relation_rules_keeps_the_extraction_cache(seed_copy, rules_copy, tmp_path):
    cache = tmp_path / "cache"
    build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    relations = rules_copy / "relations.yml"
    relations.write_text(relations.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    again = build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    assert (again.report.cache_hits, again.report.cache_misses) == (5, 0)
    assert any("relations.yml" in n and "cache kept" in n for n in again.report.cache_notes), again.report.cache_notes


def _damage(path, damage: str) -> None:
    data = path.read_bytes()
    header, payload = data.split(b"\n", 1)
    path.write_bytes({"garbage": b"\x00\xff not an entry", "truncated": data[: len(data) // 2],
                      "bad pickle": header + b"\n" + payload[:40] + b"\x00" * 40}[damage])


@pytest.mark.parametrize("damage", ["garbage", "truncated", "bad pickle"])
def test_a_corrupt_entry_is_read_again(seed_copy, rules_copy, tmp_path, damage):
    cache = tmp_path / "cache"
    first = build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    entry = sorted(cache.glob("*" + ENTRY_SUFFIX))[2]
    _damage(entry, damage)
    _damage(entry.with_suffix(PIECE_SUFFIX), damage)  # its piece too, or the build would not need the entry
    (cache / ".tmp-left-by-a-killed-build.entry").write_bytes(b"half")
    again = build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    assert again.report.cache_hits == 4
    assert same_graph(again, first)
    third = build([seed_copy], rules=load_rules(rules_copy), cache=cache)  # the entry was written again
    assert third.report.cache_hits == 5


@pytest.mark.parametrize("damage", ["garbage", "truncated", "bad pickle"])
def test_a_corrupt_piece_is_made_again_from_its_entry(seed_copy, rules_copy, tmp_path, damage):
    cache = tmp_path / "cache"
    first = build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    assert first.report.pieces_redone == 5
    piece = sorted(cache.glob("*" + PIECE_SUFFIX))[2]
    _damage(piece, damage)
    again = build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    assert (again.report.cache_hits, again.report.pieces_redone) == (5, 1)
    assert same_graph(again, first)
    assert build([seed_copy], rules=load_rules(rules_copy), cache=cache).report.pieces_redone == 0


def test_cli_uses_the_cache_in_the_out_folder_and_no_cache_turns_it_off(seed_copy, tmp_path):
    runner = CliRunner()
    out = tmp_path / "out"
    first = runner.invoke(cli, ["build", str(seed_copy), "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert "Cache: 0 file(s) from the cache, 5 read" in first.output
    assert (out / ".kg-cache" / ".gitignore").is_file()
    second = runner.invoke(cli, ["build", str(seed_copy), "--out", str(out)])
    assert "Cache: 5 file(s) from the cache, 0 read." in second.output, second.output
    plain = tmp_path / "plain"
    off = runner.invoke(cli, ["build", str(seed_copy), "--out", str(plain), "--no-cache"])
    assert off.exit_code == 0, off.output
    assert "Cache:" not in off.output
    assert not (plain / ".kg-cache").exists()
    elsewhere = tmp_path / "elsewhere"
    other = runner.invoke(cli, ["build", str(seed_copy), "--out", str(plain), "--cache", str(elsewhere)])
    assert "5 read" in other.output and any(elsewhere.glob("*" + ENTRY_SUFFIX))
    assert (out / "graph.ttl").read_bytes() == (plain / "graph.ttl").read_bytes()


def test_entries_written_by_worker_processes_serve_a_serial_build(seed_copy, rules_copy, tmp_path):
    cache = tmp_path / "cache"
    pooled = build([seed_copy], rules=load_rules(rules_copy), cache=cache, workers=2)
    assert pooled.report.cache_misses == 5
    serial = build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    assert serial.report.cache_hits == 5
    assert same_graph(serial, pooled)


def test_cli_says_how_many_cached_files_had_their_relations_found_again(seed_copy, tmp_path):
    runner = CliRunner()
    out = tmp_path / "out"
    files = sorted(seed_copy.iterdir())
    _append(files[0], "Zorvex 发布新品", "Zorvex公司今天与英伟达合作，Zorvex公司称将推出新品。", "https://example.com/zorvex-1")
    assert runner.invoke(cli, ["build", str(seed_copy), "--out", str(out)]).exit_code == 0
    for n in range(3):
        _append(files[3], f"Zorvex 芯片 {n}", f"英伟达表示 Zorvex芯片第{n}代性能强，Zorvex芯片已量产。", f"https://example.com/zorvex-chip-{n}")
    again = runner.invoke(cli, ["build", str(seed_copy), "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert ("Cache: 4 file(s) from the cache, 1 read; relations found again in 1 of them (a name they mention"
            " resolves differently now, or a story they list is first listed elsewhere).") in again.output


def test_changing_only_known_base_re_extracts(seed_copy, rules_copy, tmp_path):
    cache = tmp_path / "cache"
    build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    patterns = rules_copy / "patterns.yml"
    text = patterns.read_text(encoding="utf-8")
    assert text.count("known_base: [Product, Hardware]") == 1
    patterns.write_text(text.replace("known_base: [Product, Hardware]", "known_base: [Product]"), encoding="utf-8")
    again = build([seed_copy], rules=load_rules(rules_copy), cache=cache)
    assert (again.report.cache_hits, again.report.cache_misses) == (0, 5)
    assert any("rules changed (patterns.yml)" in n for n in again.report.cache_notes), again.report.cache_notes
    assert same_graph(again, cold(seed_copy, rules_copy))


def _changed(value):
    """Another value of the same kind, for any field of the validated rules."""
    import re

    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value / 2 + 0.01
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, re.Pattern):
        return re.compile(value.pattern + "x", value.flags)
    if isinstance(value, frozenset):
        return value | {"x"}
    if isinstance(value, list):
        return value + [value[0] if value else "x"]
    if isinstance(value, tuple):
        return (*value, "x")
    if value is None:
        return "x"
    raise AssertionError(f"no test value for {type(value).__name__}")


def test_every_field_of_a_pattern_and_a_gazetteer_entity_is_in_the_cache_key(rules):
    """Whatever fields the validated rules have (known_base, require, ...), changing one changes the key; only
    where an entry was written (`source`) is left out."""
    import copy
    import dataclasses

    from kg.builder.fingerprints import rules_fingerprint

    base = rules_fingerprint(copy.deepcopy(rules))
    pattern = next(p for p in rules.patterns if p.known_base)
    entity = next(iter(rules.entities.values()))
    for owner, field_names in ((pattern, [f.name for f in dataclasses.fields(pattern)]),
                               (entity, [f.name for f in dataclasses.fields(entity) if f.name != "source"])):
        for name in field_names:
            changed = copy.deepcopy(rules)
            target = changed.patterns[rules.patterns.index(owner)] if owner is pattern else changed.entities[entity.id]
            setattr(target, name, _changed(getattr(target, name)))
            changed.__dict__.pop("_kg_cache_fingerprint", None)
            assert rules_fingerprint(changed) != base, f"{type(owner).__name__}.{name}"
    stop = copy.deepcopy(rules)
    stop.stopwords = stop.stopwords | {"x"}
    stop.__dict__.pop("_kg_cache_fingerprint", None)
    assert rules_fingerprint(stop) != base


def _digest(day: int, story: str, signed: bool) -> str:
    text = f"# AI 日报 2026-03-{day:02d}\n\n### {story}\n{story}，谷歌发布了新模型。[阅读原文](https://example.com/{day})\n\n"
    if signed:
        text += "### 关注我们\n本日报由机器人自动生成，订阅请访问 [这里](https://example.com/subscribe)\n"
    return text


def test_files_added_to_a_source_that_make_a_line_boilerplate_reread_the_others(tmp_path):
    folder = tmp_path / "source"
    folder.mkdir()
    for day, signed in ((1, True), (2, True), (3, False), (4, False)):
        (folder / f"2026-03-{day:02d}.md").write_text(_digest(day, f"新闻{day}", signed), encoding="utf-8")
    out, cold = tmp_path / "out", tmp_path / "cold"
    assert CliRunner().invoke(cli, ["build", str(folder), "--out", str(out), "--no-model"]).exit_code == 0
    (folder / "2026-03-05.md").write_text(_digest(5, "新闻5", True), encoding="utf-8")  # the sign-off: 3 files of 5
    assert CliRunner().invoke(cli, ["build", str(folder), "--out", str(out), "--no-model"]).exit_code == 0
    assert CliRunner().invoke(cli, ["build", str(folder), "--out", str(cold), "--no-model", "--no-cache"]).exit_code == 0
    assert b"subscribe" not in (cold / "graph.ttl").read_bytes()
    assert (out / "graph.ttl").read_bytes() == (cold / "graph.ttl").read_bytes()
