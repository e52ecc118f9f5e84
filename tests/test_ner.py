"""Our statistical NER: silver data, the shipped model inside the build, and the build without it."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st
from rdflib import Graph, Literal, URIRef

from kg.extract import mentions as extract
from kg.cli import cli
from kg.export.turtle import DEFAULT_BASE, KG
from kg.ingest.digest import parse_digest
from kg.extract.mentions import MODEL_DIR, _make_doc, extract_mentions, item_text, language_of, make_pipelines, mentions_from_doc, model_available
from kg.extract.ner.component import covered_tokens, _is_cut, _jieba_cut, _jieba_tokens, model_extractor, read_meta
from kg.extract.ner.silver import SilverStats, is_name_like, silver_doc, silver_docs
from kg.extract.propernames import available as proper_names_available
from kg.builder.pipeline import build

from .conftest import NEW_NAMES, SEEDS

needs_model = pytest.mark.skipif(not model_available(), reason="the shipped model is not installed (kg train --install)")

ONE_OFF = "## 快讯\n\n据报道，Meta 收购了 AI 芯片新公司 Kestrion。\n[原文](https://example.com/kestrion)\n"


def _digest(tmp_path, body: str):
    folder = tmp_path / "digests"
    folder.mkdir()
    (folder / "2026-03-01.md").write_text(f"# AI 日报 2026-03-01\n\n{body}", encoding="utf-8")
    return folder


# ---------------------------------------------------------------- silver data


def test_silver_doc_labels_rule_spans_and_leaves_unknown_names_missing(rules):
    nlp = make_pipelines(rules, use_model=False)["zh"]
    text = "谷歌发布了Gemini 3，Zentrova也推出了Orbix。"
    doc = nlp(text)
    spans = [(s.start_char, s.end_char, s.label_) for s in doc.spans[extract.SPAN_KEY]]
    silver = silver_doc(nlp, text, spans, SilverStats(), set())
    labelled = {ent.text: ent.label_ for ent in silver.ents}
    # Orbix is the object of a release verb (a slot pattern): the model learns the names the structure proposes
    assert labelled == {"谷歌": "Company", "Gemini 3": "Product", "Orbix": "Product"}
    iob = {t.text: t.ent_iob_ for t in silver}
    assert iob["Zentrova"] == ""  # missing: neither taught as entity nor as "O"
    assert iob["发布"] == "O"


def _pair_file(tmp_path, records) -> Path:
    path = tmp_path / "relations-train-x.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_hand_annotated_sentences_teach_every_marked_name_and_leave_unmarked_names_missing(tmp_path, rules):
    from kg.extract.ner.silver import hand_docs
    from kg.ingest.corpora import hand_annotated_mentions

    text = "Zentrova 基于 Orbix 打造了 Quellbot，并接入 vLLM。"
    records = [  # two pairs of one sentence: the union of their mentions is the sentence's annotation
        {"text": text, "s": [0, 8, "Company"], "o": [12, 17, "Product"], "others": [[22, 30, "Product"]], "p": "none"},
        {"text": text, "s": [22, 30, "Product"], "o": [12, 17, "Product"], "others": [], "p": "uses"},
        # one stretch read two ways: the sentence is left out
        {"text": "OpenAI 收购 Kestrion", "s": [0, 6, "Company"], "o": [10, 18, "Company"], "others": [[0, 3, "Product"]], "p": "acquires"},
    ]
    sentences = hand_annotated_mentions([_pair_file(tmp_path, records)])
    assert list(sentences) == [text]
    stats = SilverStats()
    docs = hand_docs(sentences, make_pipelines(rules, use_model=False), stats)
    assert [(e.text, e.label_) for e in docs[0].ents] == [("Zentrova", "Company"), ("Orbix", "Product"), ("Quellbot", "Product")]
    iob = {t.text: t.ent_iob_ for t in docs[0]}
    assert iob["vLLM"] == ""  # a name nobody marked is neither taught as a name nor as "O"
    assert iob["打造"] == "O"
    assert (stats.hand_sentences, stats.hand_entities) == (1, 3)


def test_a_broken_hand_annotated_record_names_its_file_and_line(tmp_path):
    from kg.ingest.corpora import TrainingDataError, hand_annotated_mentions

    path = _pair_file(tmp_path, [{"text": "OpenAI 收购 Kestrion", "s": [0, 6, "Company"], "o": [10, 18, "Company"], "p": "acquires"}])
    path.write_text(path.read_text(encoding="utf-8") + '{"text": "x", "s": [0, 1]}\n', encoding="utf-8")
    with pytest.raises(TrainingDataError, match=r"relations-train-x\.jsonl:2: not a pair record"):
        hand_annotated_mentions([path])


@pytest.mark.skipif(not proper_names_available(), reason="the proper-name model is not installed (kg train-names)")
def test_silver_data_labels_the_names_the_structure_proposes_with_their_slot_types(tmp_path, rules):
    digest = tmp_path / "2026-03-01.md"
    digest.write_text(
        "# AI 日报 2026-03-01\n\n## Quellbrook：在 Obsidian 里直接用 Claude 的插件\n\nQuellbrook 支持本地模型。\n\n"
        "## Notes\n\nDenise Quarrington said the Tarnwick Institute tested tools like Quorvane and Tessaline.\n",
        encoding="utf-8")
    pipelines = make_pipelines(rules, use_model=False, proper_names=True)
    stats = SilverStats()
    docs, _common = silver_docs([digest], rules, pipelines, max_docs=10, seed=13, negative_share=0, replace_share=0,
                                stats=stats)
    labelled = {doc.text: {ent.text: ent.label_ for ent in doc.ents} for doc in docs}
    # the headline says Quellbrook is a plug-in: labelled Product in the headline and in the item's body
    assert labelled["Quellbrook 支持本地模型。"] == {"Quellbrook": "Product"}
    english = next(doc for doc in docs if doc.text.startswith("Denise"))
    # a given name and a surname: a person; an institution's last word: an organisation
    assert {ent.text: ent.label_ for ent in english.ents} == {"Denise Quarrington": "Person",
                                                                "Tarnwick Institute": "Organization"}
    # the members of a list the proposer types are missing: neither taught as names nor as "O"
    assert {t.text: t.ent_iob_ for t in english}["Tessaline"] == ""
    assert stats.structure_labelled == 4


def test_common_words_and_short_acronyms_are_not_name_like():
    assert is_name_like("Zentrova") and is_name_like("Qorvel-7B") and is_name_like("@karpathy")
    common = frozenset({"library", "debug"})
    assert not is_name_like("Library", common)
    assert not is_name_like("PDF") and not is_name_like("API") and not is_name_like("the")


# ---------------------------------------------------------------- the model in the build


@needs_model
def test_model_finds_names_no_rule_knows_and_marks_them(tmp_path, rules):
    result = build([_digest(tmp_path, NEW_NAMES + "\n" + ONE_OFF)], rules=rules, use_model=True)
    extractor = model_extractor(read_meta(MODEL_DIR))
    found = {data["name"]: data for _, data in result.graph.nodes(data=True)}
    assert found["Zentrova"]["extractor"] == extractor
    assert found["Zentrova"]["type"] == "Company"
    assert 0 < found["Zentrova"]["confidence"] < 1
    # rules still win where they fire: Hugging Face is in the gazetteer, Qorvel-7B has a version pattern
    assert found["Hugging Face"]["extractor"] == "gazetteer"
    assert found["Qorvel-7B"]["extractor"] == "pattern:versioned-model"
    # a name the model finds in one news item only is not made an entity (see kg.link.resolve.MODEL_MIN_ITEMS)
    assert "Kestrion" not in found and "Meta" in found


@needs_model
def test_model_entities_are_marked_in_turtle(tmp_path, rules):
    folder = _digest(tmp_path, NEW_NAMES)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(folder), "--out", str(out), "--no-cache"])
    assert result.exit_code == 0, result.output
    g = Graph().parse(out / "graph.ttl")
    extractor = model_extractor(read_meta(MODEL_DIR))
    entity = URIRef(DEFAULT_BASE + "entity/zentrova")
    assert (entity, KG.extractor, Literal(extractor)) in g
    assert g.value(entity, KG.confidence) is not None
    html = (out / "graph.html").read_text(encoding="utf-8")
    assert extractor in html
    listed = CliRunner().invoke(cli, ["query", str(out / "graph.ttl"), "--named", "new-names", "--format", "csv"])
    assert listed.exit_code == 0, listed.output
    confidence = read_meta(MODEL_DIR)["kg_confidence"]["Company"]
    assert f"Zentrova,Company,2,{confidence},2026-03-01,{extractor}" in listed.stdout.splitlines()


def test_no_model_builds_from_rules_only(tmp_path, rules):
    result = build([_digest(tmp_path, NEW_NAMES)], rules=rules, use_model=False)
    extractors = {data["extractor"] for _, data in result.graph.nodes(data=True)}
    assert not any(e.startswith("model:") for e in extractors)
    assert not any("statistical NER" in w for w in result.report.warnings)


def test_missing_model_warns_how_to_get_it_and_builds(tmp_path, monkeypatch):
    monkeypatch.setattr(extract, "MODEL_DIR", tmp_path / "no-model")
    monkeypatch.setattr("kg.builder.pipeline.MODEL_DIR", tmp_path / "no-model")
    monkeypatch.setattr("kg.builder.pipeline.model_available", lambda: False)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", "--out", str(out), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert (
        f"warning: the statistical NER model is not installed ({tmp_path / 'no-model'}): entities come from the rules"
        " only. Reinstall kg, or train it with `kg train CORPUS_FOLDER`, or pass --no-model to silence this"
    ) in result.output
    assert (out / "graph.ttl").is_file()


@needs_model
def test_shipped_model_is_small_and_documented():
    size = sum(p.stat().st_size for p in MODEL_DIR.rglob("*") if p.is_file())
    assert size < 12_000_000
    meta = json.loads((MODEL_DIR / "meta.json").read_text())
    assert meta["name"] == "kg_ner" and set(meta["labels"]["ner"]) == {"Company", "Organization", "Person", "Product", "Hardware"}


def test_train_refuses_install_with_holdout(tmp_path):
    result = CliRunner().invoke(cli, ["train", str(tmp_path), "--holdout", "0.2", "--install"])
    assert result.exit_code == 2
    assert "--install ships a model trained on all the rules: drop --holdout" in result.output


@pytest.mark.slow
def test_train_on_the_sample_makes_a_loadable_model(tmp_path):
    from kg.builder.pipeline import SAMPLE_CORPUS

    out = tmp_path / "ner"
    result = CliRunner().invoke(cli, ["train", str(SAMPLE_CORPUS), "--out", str(out), "--max-sentences", "150", "--max-steps", "20"])
    assert result.exit_code == 0, result.output
    assert "Silver data: " in result.output
    meta = read_meta(out / "model")
    assert (meta["name"], meta["version"]) == ("kg_ner", "1.2.0")
    assert (out / "model" / "common_words.txt").is_file()
    assert meta["kg_silver"]["hand_sentences"] == 0  # the shipped config adds no hand-annotated sentences
    pipelines = make_pipelines(__import__("kg.extract.rules", fromlist=["load_rules"]).load_rules(), model_dir=out / "model")
    assert "kg_model_mentions" in pipelines["zh"].pipe_names


def test_train_with_hand_annotated_sentences_adds_each_of_them(tmp_path):
    from spacy.util import load_config

    from kg.builder.pipeline import SAMPLE_CORPUS
    from kg.extract.ner.train import CONFIG
    from kg.ingest.corpora import hand_annotated_files, hand_annotated_mentions

    config = load_config(CONFIG)
    config["kg_training"]["hand_repeat"] = 2
    config.to_disk(tmp_path / "config.cfg")
    out = tmp_path / "ner"
    result = CliRunner().invoke(cli, ["train", str(SAMPLE_CORPUS), "--out", str(out), "--config", str(tmp_path / "config.cfg"),
                                      "--max-sentences", "150", "--max-steps", "10"])
    assert result.exit_code == 0, result.output
    sentences = len(hand_annotated_mentions(hand_annotated_files()))
    assert f"; {sentences} hand-annotated sentences, " in result.output
    assert read_meta(out / "model")["kg_silver"]["hand_sentences"] == sentences > 1000


SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _train_with_vectors(tmp_path, name: str) -> Path:
    """kg train --config config-vectors.cfg (a small table, one epoch) on ten training days of hextra."""
    from spacy.util import load_config

    from kg.extract.ner.train import CONFIG

    corpus = tmp_path / "hextra-ai-insight-daily"
    if not corpus.exists():
        corpus.mkdir()
        for day in range(10, 20):
            source = SHARED / "corpus" / "hextra-ai-insight-daily" / "2025-06" / f"2025-06-{day}.md"
            (corpus / source.name).write_bytes(source.read_bytes())
        config = load_config(CONFIG.with_name("config-vectors.cfg"))
        config["kg_training"].update({"vectors_every": 1, "vectors_bucket": 2000, "vectors_dim": 16,
                                      "vectors_epochs": 1, "vectors_min_count": 1})
        config.to_disk(tmp_path / "config.cfg")
    out = tmp_path / name
    # One process a run, as a user runs the command: each pipeline made in a process adds the gazetteer's names to
    # jieba's dictionary again, which shifts its word counts and so its cuts.
    result = subprocess.run([sys.executable, "-c", "from kg.cli import main; main()", "train", str(corpus),
                             "--out", str(out), "--config", str(tmp_path / "config.cfg"),
                             "--max-sentences", "150", "--max-steps", "20"],
                            capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 0, result.stderr
    return out / "model"


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "corpus" / "hextra-ai-insight-daily").is_dir(), reason="needs ../shared (the shared corpora)")
def test_training_with_static_vectors_is_reproducible_and_the_build_runs_the_model(tmp_path):
    pytest.importorskip("floret", reason="static vectors need floret (pip install 'kg[train]')")
    first, second = _train_with_vectors(tmp_path, "a"), _train_with_vectors(tmp_path, "b")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert {Path("ner/model"), Path("vocab/vectors")} <= set(files)
    for name in files:
        if name != Path("config.cfg"):  # it names the --out folder's training files
            assert (first / name).read_bytes() == (second / name).read_bytes(), name
    meta = read_meta(first)
    assert (meta["vectors"]["mode"], meta["vectors"]["vectors"], meta["vectors"]["width"]) == ("floret", 2000, 16)
    from kg.ingest.corpora import gold_files

    not_gold = [p for p in (tmp_path / "hextra-ai-insight-daily").iterdir() if p.name not in gold_files()]
    assert meta["kg_vectors"]["files"] == len(not_gold) > 0 and meta["kg_vectors"]["words"] > 0
    # The build's NER windows are read with the model's vectors: a digest with Latin names goes through.
    items = parse_digest(_digest(tmp_path, ONE_OFF.replace("Kestrion", "Kestrion Labs 与 Vantor AI")) / "2026-03-01.md").items
    pipelines = make_pipelines(__import__("kg.extract.rules", fromlist=["load_rules"]).load_rules(), model_dir=first)
    assert pipelines["zh"].get_pipe("kg_model_mentions").mentions.vocab.vectors.shape == (2000, 16)
    found = extract_mentions(items, pipelines)
    assert [item.id for item, _ in found] == [item.id for item in items]


def test_train_with_a_config_that_is_not_one_says_so(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "2026-01-01.md").write_text("# 2026-01-01\n\n## 快讯\n\nOpenAI 发布 GPT-5。\n", encoding="utf-8")
    bad = tmp_path / "bad.cfg"
    bad.write_text("not a config\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["train", str(tmp_path / "in"), "--out", str(tmp_path / "ner"), "--config", str(bad)])
    assert result.exit_code == 1
    assert result.output == f"Error: {bad}: not a spaCy config. Fix: start from kg/extract/ner/config.cfg\n"


def test_train_without_digests_says_so(tmp_path):
    result = CliRunner().invoke(cli, ["train", str(tmp_path), "--out", str(tmp_path / "ner")])
    assert result.exit_code == 1
    assert result.output == f"Error: no digest files (.md, .txt) in {tmp_path}\n"


# ---------------------------------------------------------------- which model names become entities

PRECISION_CHECKS = [
    Path(__file__).parent / "data" / "ner-precision-check.jsonl",  # held-out model, unseen files (150)
    Path(__file__).parent / "data" / "ner-precision-check-shipped.jsonl",  # shipped model, 287 files (200)
]


@pytest.mark.parametrize("text, name, plausible", [
    ("Microsoft OneDrive 和 SharePoint", "OneDrive", True),
    ("Apple 计划使用 M2 芯片", "M2", True),  # after a known name: not cut from a longer one
    ("Sakana AI’s 新模型", "Sakana AI", True),  # a possessive does not continue the name
    ("工具 NNsight 支持", "NNsight", True),
    ("DeepSeek V3.1 发布", "V3.1", True),
    ("Gorden Sun 分享了", "Gorden", False),  # cut from a person's name
    ("Lumina-Next 模型", "Lumina", False),
    ("报错 ContextWindowExceededError 了", "ContextWindowExceededError", False),
    ("用 SFTTrainer 微调", "SFTTrainer", False),
    ("llm.c 的 floatX 类型", "floatX", False),
    ("占用 12 MiB 内存", "MiB", False),
    ("升级到 v1.5 版本", "v1.5", False),
    ("Quick 测试一下", "Quick", False),  # a common English word, capitalised
    ("各种 DSLs 的", "DSLs", False),
    ("学 micrograd？你会爱上 它", "micrograd？你会爱上", False),  # a sentence piece across full-width punctuation
    ("struct Point { x: i32 }", "i32", False),  # a type, not a chip
    ("在 SimpleBench 上得分最高", "SimpleBench", False),  # a benchmark by its name
    ("MaxHastings/KoloLLM 仓库", "MaxHastings", False),  # the account a repository is in
    ("来自 Lisan al Gaib 的推文", "Gaib", False),  # a surname after a particle
    ("Zyphra 发布 Zamba2", "Zamba2", True),
    ("With OneDrive 同步文件", "OneDrive", True),  # an English sentence starts with a common word
    ("Lyria 3：Google DeepMind 的音乐生成器", "Lyria", True),  # a version number does not make a longer name
    ("AI安全专家Amanda Askell提出了质疑", "Askell", False),  # a surname after a first name
    ("运行 llama1.6 Mistral 或 Vicuña 时", "Vicu", False),  # the tokenizer split the word
    ("微调 Mistral-OpenOrca 模型", "OpenOrca", False),  # glued to the name before it
    ("由 DeepLearning.AI 提供", "DeepLearning", False),
    ("讨论了 Gemma 3、CommandR+ 和 Mistral", "CommandR", False),
    ("TRL 的 GRPO 开发进展", "GRPO", False),  # a technique, in capitals
    ("迁移 ServiceContext 的配置", "ServiceContext", False),  # a class name
    ("torchtune 的 a226a58b8c36db5afa123f0885c5337d1ebc91f6 版本", "a226a58b8c36db5afa123f0885c5337d1ebc91f6", False),
    ("支持 Wifi 6 和 USB4", "Wifi 6", False),  # a standard
    ("在 HotpotQA 上评估", "HotpotQA", False),  # a benchmark
])
def test_plausible_names(rules, text, name, plausible):
    from kg.extract.ner.plausible import plausible_name
    from kg.ingest.normalize import fold_name

    start = text.index(name)
    assert plausible_name(text, start, start + len(name), lambda w: fold_name(w) in rules.alias_index) is plausible


@pytest.mark.parametrize("path", PRECISION_CHECKS, ids=["held-out", "shipped"])
def test_names_the_filter_drops_are_mostly_not_entities(rules, path):
    """On hand-checked model-only names, what plausible_name drops is far less often a real entity than what it keeps."""
    from kg.extract.ner.plausible import plausible_name
    from kg.ingest.normalize import fold_name

    kept, dropped = [], []
    for row in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
        text, name = row["sentence"], row["name"]
        start = text.find(name)
        ok = start < 0 or plausible_name(text, start, start + len(name), lambda w: fold_name(w) in rules.alias_index)
        (kept if ok else dropped).append(row["entity"])
    assert len(kept) + len(dropped) >= 150 and len(dropped) >= 30
    assert sum(dropped) / len(dropped) < 0.35 < sum(kept) / len(kept)


@pytest.mark.parametrize("text, name, label, settled", [
    ("Milvus 是一个向量数据库", "Milvus", "Company", "Product"),  # a bare name: the model's Company is not enough
    ("Eureka Labs 正在招聘", "Eureka Labs", "Company", "Company"),  # a company-shaped name keeps it
    ("LlamaIndex 与 CleanlabAI 集成", "CleanlabAI", "Company", "Company"),
    ("Etched 公司宣布融资", "Etched", "Product", "Company"),  # the word after it says company
    ("OmniGen 模型开源了", "OmniGen", "Company", "Product"),  # ... or product
    ("CEO Jane Doe 表示", "Jane Doe", "Product", "Person"),  # ... or person, before it
    ("他们在 Jetson 上跑通了", "Jetson", "Hardware", "Hardware"),  # nothing said: the model's label stands
])
def test_model_types_settle_on_what_the_words_beside_the_name_say(text, name, label, settled):
    from kg.extract.ner.cues import settle_type

    start = text.index(name)
    assert settle_type(label, text, start, start + len(name)) == settled


# ---------------------------------------------------------------- the model's windows without segmenting whole texts

# Pieces of the genre: Chinese words, Latin names with versions, handles, punctuation of both scripts, spaces.
_PIECES = st.sampled_from([
    "谷歌", "发布了", "英伟达", "模型", "开源", "新", "的", "在", "阿尔苏普", "勤勤恳恳", "，", "。", "、", "（", "）", "：",
    " ", "  ", "\n", "Gemini", "3", "GPT-5.2", "Zentrova", "Qorvel-7B", "@karpathy", "Claude Opus", "H200", "T恤",
    "A股", "v1.5", "and", "the", "Vicuña", "🤗", "Hugging Face", "Marek Wolansky", "x.com/foo", "3.5%", "C++", "#1",
    # short runs no piece of which is a candidate (acronyms, a stopword): no window of their own
    "AI", "GPU", "VRAM", "LLM", "CEO", "IT", "PK", "AI芯片",
    # runs jieba cuts into letter-and-digit stretches unless a dictionary word overlaps them
    "Agent", "Discord", "Python", "agentic", "A1%", "R&D", "C#", "foo_bar", "卡拉OK", "Prompt工程", "X光", "B超",
    # segmentations that change when a text is cut inside them
    "南京市长江大桥", "结婚的和尚未结婚的", "研究生命起源", "他说的确实在理", "乒乓球拍卖完了", "发展中国家",
])


@pytest.fixture(scope="module")
def zh_with_model(rules):
    if not model_available():
        pytest.skip("the shipped model is not installed")
    return make_pipelines(rules)["zh"]


@needs_model
@settings(max_examples=300, deadline=None)
@given(words=st.lists(_PIECES, min_size=1, max_size=60), taken_every=st.integers(min_value=2, max_value=9))
def test_windows_from_stretches_are_the_windows_of_the_whole_text(zh_with_model, words, taken_every):
    """Tokenizing only the stretches around Latin words gives the model exactly the windows it would get
    from the whole tokenized text, whatever the rules took (here: every n-th Latin word)."""
    nlp = zh_with_model
    model = nlp.get_pipe("kg_model_mentions").mentions
    text = "".join(words)
    latin = [m.span() for m in re.finditer(r"[A-Za-z][A-Za-z0-9\-]*", text)]
    taken = latin[::taken_every]
    doc = nlp.tokenizer(text)
    whole = [(piece.text, [t.whitespace_ for t in piece], offset) for piece, offset in model.pieces_of_doc(doc, covered_tokens(doc, taken))]
    stretched = [(piece.text, [t.whitespace_ for t in piece], offset) for piece, offset in model.pieces_of_text(text, taken, nlp.tokenizer)]
    assert stretched == whole


@settings(max_examples=300, deadline=None)
@given(words=st.lists(_PIECES, min_size=1, max_size=40), data=st.data())
def test_text_cut_where_is_cut_says_tokenizes_as_the_whole_text(zh_with_model, words, data):
    text = "".join(words)
    cuts = [i for i in range(len(text) + 1) if _is_cut(text, i)]
    start, end = sorted(data.draw(st.lists(st.sampled_from(cuts), min_size=2, max_size=2)))
    whole = [(t.idx, t.text, t.whitespace_) for t in zh_with_model.tokenizer(text) if start <= t.idx < end]
    words_, spaces, starts = _jieba_tokens(zh_with_model.tokenizer, text, start, end)
    assert list(zip(starts, words_)) == [(idx, word) for idx, word, _ in whole]
    assert spaces[:-1] == [bool(ws) for _, _, ws in whole][: len(spaces) - 1]


def test_chinese_words_are_not_model_candidates(zh_with_model):
    model = zh_with_model.get_pipe("kg_model_mentions").mentions
    assert not model.is_candidate("阿尔苏普") and not model.is_candidate("勤勤恳恳")
    assert model.is_candidate("Zentrova") and model.is_candidate("Qorvel-7B")


@needs_model
def test_build_extraction_gives_what_the_spacy_components_give(rules):
    """`extract_mentions` (rules on characters, model on stretches) against `nlp.pipe` over whole Docs."""
    pipelines = make_pipelines(rules)
    items = [item for path in sorted(SEEDS) for item in parse_digest(path).items]
    # item by item, as the components see them (within_digest adds what no single item shows)
    fast = {id(item): mentions for item, mentions in extract_mentions(items, pipelines, within_digest=False)}  # a story may repeat
    for item in items:
        nlp = pipelines[language_of(item_text(item))]
        slow = mentions_from_doc(item, nlp(_make_doc(nlp, item_text(item))))
        assert fast[id(item)] == slow, item.title
    assert sum(m.extractor.startswith("model:") for found in fast.values() for m in found) > 0
    assert len(fast) == len(items)


def test_segmentation_follows_words_added_to_the_dictionary():
    """The stretches are segmented as jieba segments them, also after a name is added to its dictionary (the
    gazetteer's Chinese names are, when the pipelines are made)."""
    import types

    import jieba

    segmenter = jieba.Tokenizer()
    segmenter.initialize()
    module = types.SimpleNamespace(dt=segmenter, cut=segmenter.cut, re_han_default=jieba.re_han_default,
                                   re_skip_default=jieba.re_skip_default)
    text = "泽恩特洛瓦发布了 Qorvel-7B 模型\n泽恩特洛瓦"
    before = _jieba_cut(module, text)
    assert before == [w for w in segmenter.cut(text) if w] and "泽恩特洛瓦" not in before
    segmenter.add_word("泽恩特洛瓦", freq=10**6)
    after = _jieba_cut(module, text)
    assert after == [w for w in segmenter.cut(text) if w] and after.count("泽恩特洛瓦") == 2
