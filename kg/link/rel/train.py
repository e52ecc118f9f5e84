"""Train the relation classifier (kg train-relations): silver instances from the training corpora
(kg/link/rel/silver.py) plus the hand-annotated pairs (every tests/data/relations-train*.jsonl), seeded, config
in kg/link/rel/config.cfg. Where the config asks for static vectors (`vectors = true`), floret vectors are first
learned from the training text (kg/link/rel/vectors.py) and ship in the model. The evaluation text (layouts, the
newest months, the gold files) is never read.

A share of the hand-annotated sentences (`heldout`, every pair of a sentence on the same side) is first held out:
a model trained without them scores them, per relation, and each relation's threshold is chosen on those scores
(the lowest probability at which that model's statements of the relation are right at least `target_precision`
of the time, never below the configured threshold). The shipped model is then trained on everything with the same
settings; its meta.json keeps the held-out figures and the thresholds."""
from __future__ import annotations

import hashlib
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import fix_random_seed, load_config, load_model_from_config, minibatch

from kg.extract.rules import Rules
from kg.link.rel.instances import LABELS, with_edge_words
from kg.ingest.corpora import hand_annotated_files, training_files
from kg.link.rel.silver import Instance, hand_instances, silver_instances
from kg.link.rel.vectors import load_vectors, train_vectors

CONFIG = Path(__file__).with_name("config.cfg")
HAND_DIR = Path(__file__).resolve().parents[3] / "tests" / "data"
MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "rel"
DEFAULT_THRESHOLD = 0.5


@dataclass
class RelTrainReport:
    files: int = 0
    counts: dict[str, Counter] = field(default_factory=dict)  # source kind -> label counts
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    # relation -> {"pairs", "threshold", "precision", "recall", "f1"} on the held-out hand-annotated sentences
    heldout: dict[str, dict[str, float]] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    hand_files: list[str] = field(default_factory=list)
    vector_words: int = 0  # words of training text the static vectors were learned from (0: no vectors)


def hand_files(folder: Path = HAND_DIR) -> list[Path]:
    """The hand-annotated pair files: every relations-train*.jsonl of the folder, in name order."""
    return hand_annotated_files(folder)


def split_hand(hand: list[Instance], share: float, seed: int) -> tuple[list[Instance], list[Instance]]:
    """(kept, held out): about `share` of the annotated sentences, chosen by a seeded hash of the sentence, all of
    a sentence's pairs on one side."""
    def held(inst: Instance) -> bool:
        digest = hashlib.sha1(f"{seed}:{inst.sentence}".encode("utf-8")).digest()
        return int.from_bytes(digest[:4], "big") / 2**32 < share
    return [i for i in hand if not held(i)], [i for i in hand if held(i)]


def heldout_scores(predictions: list[tuple[str, str, float]], threshold: float) -> dict[str, dict[str, float]]:
    """Per relation precision, recall and F1 of (gold label, predicted label, probability) triples when a label is
    kept at `threshold` (a float or a per-relation dict)."""
    out = {}
    for label in LABELS[1:]:
        cut = threshold[label] if isinstance(threshold, dict) else threshold
        gold = sum(1 for g, _, _ in predictions if g == label)
        found = [(g, p) for g, p, score in predictions if p == label and score >= cut]
        right = sum(1 for g, _ in found if g == label)
        precision = right / len(found) if found else 0.0
        recall = right / gold if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if right else 0.0
        out[label] = {"pairs": gold, "found": len(found), "threshold": cut, "precision": round(precision, 2),
                      "recall": round(recall, 2), "f1": round(f1, 2)}
    return out


def choose_thresholds(predictions: list[tuple[str, str, float]], floor: dict[str, float], target: float,
                      grid: tuple[float, ...] = tuple(round(0.3 + 0.05 * i, 2) for i in range(14))) -> dict[str, float]:
    """Per relation, the lowest threshold (not below `floor`) at which the held-out statements of that relation
    reach precision `target`; the highest of the grid where none does or no statement is made."""
    chosen = {}
    for label in LABELS[1:]:
        options = [t for t in grid if t >= floor[label]] or [floor[label]]
        chosen[label] = options[-1]
        for t in options:
            found = [g for g, p, score in predictions if p == label and score >= t]
            if found and sum(1 for g in found if g == label) / len(found) >= target:
                chosen[label] = t
                break
    return chosen


def _balanced(silver: list[Instance], per_positive: float, per_label: int, rng: random.Random) -> list[Instance]:
    """At most `per_label` instances of one relation (develops dominates the rules' output), and at most
    `per_positive` negatives per positive."""
    by_label: dict[str, list[Instance]] = {}
    for inst in silver:
        by_label.setdefault(inst.label, []).append(inst)
    positives = []
    for label, group in sorted(by_label.items()):
        if label != "none":
            rng.shuffle(group)
            positives += group[:per_label]
    negatives = [i for i in silver if i.label == "none"]
    rng.shuffle(negatives)
    return positives + (negatives[: int(len(positives) * per_positive)] if positives else negatives)


def train_relations(shared: Path, rules: Rules, out: Path = MODEL_DIR, hand: Sequence[Path] | None = None,
                    threshold: float = DEFAULT_THRESHOLD, on_step: Callable[[str], None] = lambda _m: None,
                    config_path: Path = CONFIG) -> RelTrainReport:
    with tempfile.TemporaryDirectory(prefix="kg-rel-") as tmp:
        return _train(shared, rules, out, hand_files() if hand is None else list(hand), threshold, on_step,
                      config_path, Path(tmp))


def _train(shared: Path, rules: Rules, out: Path, hand: list[Path], threshold: float,
           on_step: Callable[[str], None], config_path: Path, tmp: Path) -> RelTrainReport:
    started = time.perf_counter()
    config = load_config(config_path)
    params = config["kg_training"]
    seed = int(params["seed"])
    fix_random_seed(seed)
    rng = random.Random(seed)
    report = RelTrainReport()
    files = training_files(shared, every=int(params["every"]))
    report.files = len(files)
    on_step(f"silver pairs from {len(files)} training files")
    silver = _balanced(list(silver_instances(files, rules, seed=seed)), float(params["negatives_per_positive"]),
                       int(params["max_per_label"]), rng)
    hand_data = [inst for path in hand for inst in hand_instances(path)]
    report.hand_files = [path.name for path in hand]
    report.counts = {"silver": Counter(i.label for i in silver), "hand": Counter(i.label for i in hand_data)}
    on_step(f"{len(silver)} silver and {len(hand_data)} hand-annotated pairs ({', '.join(report.hand_files)})")
    table = None
    if params.get("vectors", False):
        vector_files = training_files(shared, every=int(params["vectors_every"]))
        on_step(f"static vectors from {len(vector_files)} training files")
        table = tmp / "vectors.floret"
        report.vector_words = train_vectors(vector_files, table, params)
        on_step(f"static vectors learned from {report.vector_words} words")

    floor = {label: float(config["kg_thresholds"].get(label, threshold)) for label in LABELS[1:]}
    report.thresholds = dict(floor)
    share = float(params.get("heldout", 0.0))
    kept, held = split_hand(hand_data, share, seed) if share > 0 else (hand_data, [])
    if held and kept:
        on_step(f"held-out check: {len(kept)} hand-annotated pairs to train on, {len(held)} held out")
        trial = _fit(config, silver, kept, params, seed, on_step, table=table)
        edges = int(params.get("edge_words", 0))
        docs = trial.pipe(Doc(trial.vocab, words=with_edge_words(i.words, edges)) for i in held)
        predictions = [(inst.label, *max(doc.cats.items(), key=lambda kv: kv[1])) for inst, doc in zip(held, docs)]
        report.thresholds = choose_thresholds(predictions, floor, float(params["target_precision"]))
        report.heldout = heldout_scores(predictions, report.thresholds)
        for label, row in report.heldout.items():
            on_step(f"held out {label}: {row['pairs']} pairs, threshold {row['threshold']}, P {row['precision']} "
                    f"R {row['recall']} F1 {row['f1']}")
    nlp = _fit(config, silver, hand_data, params, seed, on_step, report.losses, table)
    report.seconds = round(time.perf_counter() - started, 1)
    out.mkdir(parents=True, exist_ok=True)
    nlp.meta["name"] = "kg_relations"
    nlp.meta["kg"] = {"labels": list(LABELS), "threshold": threshold, "known_threshold": float(params["known_threshold"]),
                      "thresholds": report.thresholds, "heldout": report.heldout, "seed": seed,
                      "edge_words": int(params.get("edge_words", 0)),
                      "training_files": report.files, "hand_files": report.hand_files,
                      "vector_words": report.vector_words,
                      "pairs": {k: dict(sorted(v.items())) for k, v in report.counts.items()},
                      "train_seconds": report.seconds}
    nlp.to_disk(out)
    return report


def _fit(config, silver: list[Instance], hand: list[Instance], params, seed: int,
         on_step: Callable[[str], None], losses_out: list[float] | None = None, table: Path | None = None):
    """A fresh pipeline trained on the silver and hand-annotated instances (the latter repeated `hand_weight`
    times), seeded; with the static vectors of `table` in its vocabulary when given."""
    fix_random_seed(seed)
    rng = random.Random(seed)
    nlp_config = config.copy()
    del nlp_config["kg_training"], nlp_config["kg_thresholds"]
    nlp = load_model_from_config(nlp_config, auto_fill=True, validate=True)
    if table is not None:
        load_vectors(nlp, table)
    textcat = nlp.get_pipe("textcat")
    for label in LABELS:
        textcat.add_label(label)

    edges = int(params.get("edge_words", 0))

    def example(inst: Instance) -> Example:
        doc = Doc(nlp.vocab, words=with_edge_words(inst.words, edges))
        return Example.from_dict(doc, {"cats": {label: float(label == inst.label) for label in LABELS}})

    data = [example(i) for i in silver] + [example(i) for i in hand] * int(params["hand_weight"])
    optimizer = nlp.initialize(lambda: data[:500])
    optimizer.learn_rate = float(params["learn_rate"])
    for epoch in range(int(params["epochs"])):
        rng.shuffle(data)
        losses: dict[str, float] = {}
        for batch in minibatch(data, size=int(params["batch_size"])):
            nlp.update(batch, drop=float(params["dropout"]), sgd=optimizer, losses=losses)
        if losses_out is not None:
            losses_out.append(round(losses.get("textcat", 0.0), 3))
        on_step(f"epoch {epoch + 1}: loss {round(losses.get('textcat', 0.0), 3)}")
    return nlp


def configured_threshold(config_path: Path = CONFIG) -> float:
    return float(load_config(config_path)["kg_training"]["threshold"])
