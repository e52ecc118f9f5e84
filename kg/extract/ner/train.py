"""Train kg's NER with `spacy train` on silver data, and measure how it generalises to names it never saw.

The held-out evaluation: a share of the gazetteer ids (seeded) is removed from the rules that make the training
data, the corpus files are split into train and eval files (seeded), and recall is measured on the eval files'
mentions of the held-out entities, which the training data never labelled.
"""
from __future__ import annotations

import hashlib
import json
import random
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from spacy.tokens import DocBin

from kg.errors import KgError
from kg.extract.mentions import SPAN_KEY, GazetteerMatcher, _exact_match, _non_overlapping, item_text, language_of, make_pipelines, sentence_bounds
from kg.ingest.normalize import fold_name
from kg.link.resolve import MODEL_MIN_ITEMS
from kg.extract.rules import Rules
from kg.extract.ner.silver import MAX_CHARS, MIN_CHARS, SilverStats, hand_docs, silver_docs
from kg.ingest.corpora import gold_files, hand_annotated_files, hand_annotated_mentions, read_items

CONFIG = Path(__file__).parent / "config.cfg"
MODEL_NAME = "kg_ner"
MODEL_VERSION = "1.2.0"
COMMON_WORDS_FILE = "common_words.txt"


class TrainError(KgError):
    """Training could not run (no corpus, spaCy failed)."""


@dataclass
class TrainPlan:
    corpus: list[Path]
    out: Path
    holdout: float = 0.0  # share of gazetteer ids removed from the training rules
    seed: int = 13
    max_docs: int = 30000
    max_steps: int = 4000
    eval_share: float = 0.2  # share of files kept out of training, for the held-out evaluation
    # A time split: only digests dated before a day (YYYY-MM-DD), by corpus folder name ("" = every folder)
    before: dict[str, str] = field(default_factory=dict)
    config: Path = CONFIG  # spaCy config, with kg's own [kg_training] settings (hand-annotated sentences, vectors)
    hand: list[Path] | None = None  # hand-annotated sentence files (default: tests/data/relations-train*.jsonl)


@dataclass
class TrainReport:
    model: Path
    seconds: dict[str, float] = field(default_factory=dict)
    silver: dict = field(default_factory=dict)
    held_out_ids: int = 0
    evaluation: dict = field(default_factory=dict)
    vectors: dict = field(default_factory=dict)  # files and words the static vectors were learned from


def corpus_files(folders: list[Path], before: dict[str, str] | None = None) -> list[Path]:
    """The digest files of the folders; with `before` ({folder name or "": day}), only those dated before the
    day given for their folder (or for every folder); a digest without a date is then left out."""
    before = before or {}
    unknown = set(before) - {""} - {Path(f).name for f in folders}
    if unknown:
        raise TrainError(f"--before names no corpus folder: {', '.join(sorted(unknown))}. Fix: use a folder's name, "
                         "e.g. ainews-zh=2026-07-01")
    files = []
    for folder in folders:
        found = sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in {".md", ".markdown", ".txt"})
        cut = before.get(Path(folder).name) or before.get("")
        if cut:
            found = [p for p in found if (day := file_date(p)) is not None and day < cut]
        files.extend(found)
    files.sort()
    if not files:
        raise TrainError("no digest files (.md, .txt) in " + ", ".join(map(str, folders)) + (" before the --before days" if before else ""))
    return files


def file_date(path: Path) -> str | None:
    """A digest's date as the build reads it (file name first, else front matter and headings)."""
    from kg.ingest.digest import date_in_filename, digest_date, read_text, split_front_matter
    from kg.errors import KgError

    found = date_in_filename(path.name)
    if found:
        return found
    try:
        text, _warnings = read_text(path)
        meta, body, _line = split_front_matter(path, text)
        return digest_date(path, meta, body, None)
    except KgError:
        return None


def split_files(files: list[Path], eval_share: float, seed: int) -> tuple[list[Path], list[Path]]:
    """Train and eval files by a seeded hash of the file name: stable when files are added."""
    def bucket(p: Path) -> float:
        return int(hashlib.sha256(f"{seed}:{p.name}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF

    return [p for p in files if bucket(p) >= eval_share], [p for p in files if bucket(p) < eval_share]


def held_out_ids(rules: Rules, share: float, seed: int) -> set[str]:
    ids = sorted(rules.entities)
    return set(random.Random(seed).sample(ids, round(len(ids) * share))) if share else set()


def rules_without(rules: Rules, ids: set[str]) -> Rules:
    entities = {k: v for k, v in rules.entities.items() if k not in ids}
    return replace(rules, entities=entities, alias_index={k: v for k, v in rules.alias_index.items() if v not in ids})


def train(plan: TrainPlan, rules: Rules, on_step: Callable[[str], None] = lambda _m: None) -> TrainReport:
    """Make silver data, (when the config asks) learn static vectors, train, (with a hold-out) evaluate; the model
    lands in plan.out/model."""
    from spacy.cli.train import train as spacy_train
    from spacy.util import load_config

    try:
        params = load_config(plan.config).get("kg_training", {})
    except ValueError:  # confection's ConfigValidationError: no [section] heading, a bad ${reference}
        raise TrainError(f"{plan.config}: not a spaCy config. Fix: start from kg/extract/ner/config.cfg") from None

    files = corpus_files(plan.corpus, plan.before)
    train_files, eval_files = split_files(files, plan.eval_share if plan.holdout else 0.0, plan.seed)
    held = held_out_ids(rules, plan.holdout, plan.seed)
    training_rules = rules_without(rules, held)
    report = TrainReport(model=plan.out / "model", held_out_ids=len(held))
    plan.out.mkdir(parents=True, exist_ok=True)

    clock = time.perf_counter()
    on_step(f"silver data from {len(train_files)} files (rules without {len(held)} held-out ids)")
    pipelines = make_pipelines(training_rules, use_model=False, proper_names=True)  # the rules' structure, no NER
    stats = SilverStats()
    docs, common = silver_docs(train_files, training_rules, pipelines, max_docs=plan.max_docs, seed=plan.seed, stats=stats)
    if len(docs) < 50:
        raise TrainError(f"only {len(docs)} usable sentences in {len(train_files)} files: give a bigger corpus")
    random.Random(plan.seed).shuffle(docs)
    dev_size = max(50, len(docs) // 20)
    # Hand-annotated sentences of the same training text, repeated `hand_repeat` times: names and types as a
    # person read them, where the silver labels inherit the rules' blind spots. Training only, never the dev part.
    repeat = int(params.get("hand_repeat", 0))
    hand = hand_docs(_hide(hand_annotated_mentions(plan.hand if plan.hand is not None else hand_annotated_files()),
                           rules, held), pipelines, stats, common) if repeat else []
    train_docs = docs[dev_size:] + hand * repeat
    random.Random(plan.seed + 1).shuffle(train_docs)
    DocBin(docs=train_docs).to_disk(plan.out / "train.spacy")
    DocBin(docs=docs[:dev_size]).to_disk(plan.out / "dev.spacy")
    report.silver = asdict(stats)
    report.seconds["silver"] = time.perf_counter() - clock

    overrides = {
        "paths.train": str(plan.out / "train.spacy"),
        "paths.dev": str(plan.out / "dev.spacy"),
        "system.seed": plan.seed,
        "training.max_steps": plan.max_steps,
        "training.eval_frequency": max(50, min(400, plan.max_steps // 5)),
    }
    if params.get("vectors", False):
        clock = time.perf_counter()
        overrides["paths.vectors"] = str(learn_vectors(train_files, pipelines, params, plan.out, report, on_step))
        report.seconds["vectors"] = time.perf_counter() - clock

    clock = time.perf_counter()
    on_step(f"spacy train on {len(docs) - dev_size} sentences, {plan.max_steps} steps")
    try:
        spacy_train(plan.config, plan.out / "spacy", overrides=overrides)
    except SystemExit as exc:  # spaCy's CLI helpers exit on bad input
        raise TrainError(f"spacy train stopped (exit {exc.code}): see its output above") from None
    report.seconds["train"] = time.perf_counter() - clock
    _finish_model(plan.out / "spacy" / "model-best", report.model, stats, common, report.vectors)

    if held:
        clock = time.perf_counter()
        on_step(f"held-out evaluation on {len(eval_files)} files")
        report.evaluation = evaluate_held_out(report.model, eval_files, rules, training_rules, held, plan.seed)
        report.seconds["evaluate"] = time.perf_counter() - clock
    (plan.out / "report.json").write_text(json.dumps(asdict(report), default=str, ensure_ascii=False, indent=2))
    return report


def _hide(sentences: dict[str, list[tuple[int, int, str]]], rules: Rules, held: set[str]) -> dict[str, list[tuple[int, int, str]]]:
    """The hand-annotated mentions with those of held-out gazetteer ids marked missing (label ""), so that the
    held-out evaluation measures names the training never labelled."""
    if not held:
        return sentences
    matcher = GazetteerMatcher(rules)
    out = {}
    for text, spans in sentences.items():
        hidden = [(m.start, m.end) for m in matcher.find(text) if m.entity_id in held]
        out[text] = [(a, b, "" if any(h0 < b and a < h1 for h0, h1 in hidden) else t) for a, b, t in spans]
    return out


def install_model(model: Path) -> Path:
    """Copy a trained model to where `kg build` looks for it."""
    from kg.extract.mentions import MODEL_DIR

    if not (Path(model) / "meta.json").is_file():
        raise TrainError(f"{model} is not a trained model (no meta.json): run kg train first")
    staging = MODEL_DIR.with_name(MODEL_DIR.name + ".new")
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(model, staging)
    if MODEL_DIR.exists():
        shutil.rmtree(MODEL_DIR)
    staging.rename(MODEL_DIR)
    return MODEL_DIR


def learn_vectors(train_files: list[Path], pipelines: dict, params, out: Path, report: TrainReport,
                  on_step: Callable[[str], None]) -> Path:
    """Learn floret vectors from every `vectors_every`-th training file (no file a gold item comes from), cut into
    words as the silver sentences are; returns the spaCy vectors folder for `[initialize] vectors`."""
    from kg.link.rel.vectors import train_vectors, write_vectors_folder

    gold = gold_files()
    files = [p for p in train_files if p.name not in gold][:: int(params.get("vectors_every", 1))]
    if not files:
        raise TrainError("no files to learn the static vectors from: every training file is the source of a gold "
                         "item (tests/data/gold). Fix: give more digest files")
    on_step(f"static vectors from {len(files)} training files")
    table = out / "vectors.floret"
    words = train_vectors(files, table, params, sentences=_sentence_words(pipelines))
    folder = out / "vectors"
    if folder.exists():
        shutil.rmtree(folder)
    write_vectors_folder(table, folder)
    table.unlink()
    report.vectors = {"files": len(files), "words": words}
    on_step(f"static vectors learned from {words} words")
    return folder


def _sentence_words(pipelines: dict):
    """An item -> the tokens of each of its sentences, as `silver_docs` cuts them (the item's language's
    tokenizer on the stripped sentence), whitespace tokens left out."""
    def sentences(item):
        text = item_text(item)
        nlp = pipelines[language_of(text)]
        for s, e in sentence_bounds(text):
            sentence = text[s:e].strip()
            if sentence:
                yield [t.text for t in nlp.make_doc(sentence) if not t.is_space]
    return sentences


def _finish_model(best: Path, target: Path, stats: SilverStats, common: frozenset[str], vectors: dict) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(best, target)
    # the corpus's common words: the build drops a lone predicted word that is one of them (Library, Debug)
    (target / COMMON_WORDS_FILE).write_text("\n".join(sorted(common)) + "\n", encoding="utf-8")
    meta_path = target / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta.update(name=MODEL_NAME, version=MODEL_VERSION, description="kg's NER for AI-industry news (silver data from kg rules)")
    meta["kg_silver"] = {"sentences": stats.sentences_kept, "entities": stats.entities,
                         "named_by_structure": stats.structure_labelled, "by_label": stats.by_label,
                         "hand_sentences": stats.hand_sentences, "hand_entities": stats.hand_entities}
    if vectors:
        meta["kg_vectors"] = vectors
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2))


# ---------------------------------------------------------------- held-out evaluation


def evaluate_held_out(model_dir: Path, eval_files: list[Path], rules: Rules, training_rules: Rules, held: set[str], seed: int,
                      sample: int = 150, other_sentences: int = 8000) -> dict:
    """On the eval files: recall of the held-out entities' mentions by the build's extraction (training rules
    + model, as `kg build` runs it) and by the training rules alone; and a sample of the model's own
    predictions for hand-checking precision (those that hit a held-out mention exactly are marked so).

    Every sentence that mentions a held-out entity is scored, plus `other_sentences` others picked at random
    (where the model's predictions are sampled from too)."""
    # Gold: the full gazetteer's matches on the characters. No pipeline of the full rules is made, because
    # that would teach jieba the held-out names and hand the model their token edges.
    gold_matcher = GazetteerMatcher(rules)
    rng = random.Random(seed)
    chosen: list[tuple[str, str, str, list, str]] = []  # (lang, sentence, file, gold matches, item id)
    others: list[tuple[str, str, str, list, str]] = []
    for item in read_items(eval_files):
        text = item_text(item)
        lang = language_of(text)
        source = Path(item.sources[0]).name if item.sources else ""
        for s, e in sentence_bounds(text):
            sentence = text[s:e].strip()
            if not MIN_CHARS <= len(sentence) <= MAX_CHARS:
                continue
            gold = [m for m in _non_overlapping(gold_matcher.find(sentence)) if m.entity_id in held]
            (chosen if gold else others).append((lang, sentence, source, gold, item.id))
    chosen += rng.sample(others, min(other_sentences, len(others)))

    rules_only = make_pipelines(training_rules, use_model=False)
    with_model = make_pipelines(training_rules, use_model=True, model_dir=model_dir)
    targets = by_rules = by_build = by_model = overlap = 0
    per_type: Counter = Counter()
    per_type_found: Counter = Counter()
    entities_seen: set[str] = set()
    entities_found: set[str] = set()
    found_in_items: dict[str, set[str]] = defaultdict(set)
    predicted_in_items: dict[str, set[str]] = defaultdict(set)
    found_by_rules: set[str] = set()
    predictions: list[dict] = []
    for lang in ("zh", "en"):
        group = [c for c in chosen if c[0] == lang]
        texts = [c[1] for c in group]
        for (_, sentence, source, gold, item_id), plain, built in zip(group, rules_only[lang].pipe(texts), with_model[lang].pipe(texts)):
            rule_spans = {(m.start, m.end) for m in _doc_matches(plain)}
            built_matches = _doc_matches(built)
            model_spans = {(m.start, m.end): m for m in built_matches if m.extractor.startswith("model:")}
            built_spans = {(m.start, m.end) for m in built_matches}
            for m in gold:
                targets += 1
                per_type[m.type] += 1
                entities_seen.add(m.entity_id)
                by_rules += (m.start, m.end) in rule_spans
                if (m.start, m.end) in rule_spans:
                    found_by_rules.add(m.entity_id)
                by_model += (m.start, m.end) in model_spans
                if (m.start, m.end) in built_spans:
                    by_build += 1
                    per_type_found[m.type] += 1
                    entities_found.add(m.entity_id)
                    found_in_items[m.entity_id].add(item_id)
                elif any(a < m.end and m.start < b for a, b in built_spans):
                    overlap += 1
            gold_spans = {(m.start, m.end): m for m in gold}
            for (a, b), m in model_spans.items():
                hit = gold_spans.get((a, b))
                predictions.append({
                    "name": sentence[a:b], "label": m.type, "sentence": sentence, "file": source,
                    "held_out_hit": bool(hit), "gold_type": hit.type if hit else None,
                })
                predicted_in_items[fold_name(sentence[a:b])].add(item_id)
    # As in the build: a model-only name becomes an entity once found in MODEL_MIN_ITEMS news items.
    distinct = [p for p in {fold_name(p["name"]): p for p in predictions}.values()
                if len(predicted_in_items[fold_name(p["name"])]) >= MODEL_MIN_ITEMS]
    picked = rng.sample(distinct, min(sample, len(distinct)))
    supported = {e for e, items in found_in_items.items() if len(items) >= MODEL_MIN_ITEMS or e in found_by_rules}

    def ratio(n: int) -> float | None:
        return round(n / targets, 3) if targets else None

    return {
        "eval_files": len(eval_files),
        "eval_sentences": len(chosen),
        "held_out_mentions": targets,
        "recall_rules_only": ratio(by_rules),
        "recall_rules_and_model": ratio(by_build),
        "recall_by_model": ratio(by_model),
        "recall_overlapping": ratio(by_build + overlap),
        "recall_by_type": {t: round(per_type_found[t] / n, 3) for t, n in per_type.most_common()},
        "mentions_by_type": dict(per_type.most_common()),
        "held_out_entities_mentioned": len(entities_seen),
        "held_out_entities_found": len(entities_found),
        "held_out_entities_in_graph": len(supported),  # found by the rules, or by the model in enough items
        "entity_recall_in_graph": round(len(supported) / len(entities_seen), 3) if entities_seen else None,
        "model_predictions": len(predictions),
        "model_names_in_enough_items": len(distinct),
        "precision_sample": picked,
        "held_out_ids_in_graph": sorted(supported),
        "held_out_ids_missed": sorted(entities_seen - supported),
        "model_names": sorted(fold_name(p["name"]) for p in distinct),
    }


def _doc_matches(doc):
    return [_exact_match(doc, sp) for sp in doc.spans.get(SPAN_KEY, [])]


def _rule_matches(nlp, sentence: str):
    doc = nlp(sentence)
    return [_exact_match(doc, sp) for sp in doc.spans.get(SPAN_KEY, [])]
