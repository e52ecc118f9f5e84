"""Train the relation classifier (kg train-relations): silver instances from the training corpora
(kg/link/rel/silver.py) plus the hand-annotated pairs (tests/data/relations-train.jsonl), seeded, config in
kg/link/rel/config.cfg. The evaluation text (layouts, the newest months, the gold files) is never read."""
from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import fix_random_seed, load_config, load_model_from_config, minibatch

from kg.extract.rules import Rules
from kg.link.rel.instances import LABELS
from kg.link.rel.silver import Instance, hand_instances, silver_instances, training_files

CONFIG = Path(__file__).with_name("config.cfg")
HAND = Path(__file__).resolve().parents[3] / "tests" / "data" / "relations-train.jsonl"
MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "rel"
DEFAULT_THRESHOLD = 0.5


@dataclass
class RelTrainReport:
    files: int = 0
    counts: dict[str, Counter] = field(default_factory=dict)  # source kind -> label counts
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0


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
    return positives + negatives[: int(len(positives) * per_positive) or len(negatives)]


def train_relations(shared: Path, rules: Rules, out: Path = MODEL_DIR, hand: Path = HAND,
                    threshold: float = DEFAULT_THRESHOLD, on_step: Callable[[str], None] = lambda _m: None) -> RelTrainReport:
    started = time.perf_counter()
    config = load_config(CONFIG)
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
    hand_data = hand_instances(hand) if hand.is_file() else []
    report.counts = {"silver": Counter(i.label for i in silver), "hand": Counter(i.label for i in hand_data)}
    on_step(f"{len(silver)} silver and {len(hand_data)} hand-annotated pairs")

    nlp_config = config.copy()
    del nlp_config["kg_training"], nlp_config["kg_thresholds"]
    nlp = load_model_from_config(nlp_config, auto_fill=True, validate=True)
    textcat = nlp.get_pipe("textcat")
    for label in LABELS:
        textcat.add_label(label)

    def example(inst: Instance) -> Example:
        doc = Doc(nlp.vocab, words=inst.words)
        return Example.from_dict(doc, {"cats": {label: float(label == inst.label) for label in LABELS}})

    data = [example(i) for i in silver] + [example(i) for i in hand_data] * int(params["hand_weight"])
    optimizer = nlp.initialize(lambda: data[:500])
    optimizer.learn_rate = float(params["learn_rate"])
    for epoch in range(int(params["epochs"])):
        rng.shuffle(data)
        losses: dict[str, float] = {}
        for batch in minibatch(data, size=int(params["batch_size"])):
            nlp.update(batch, drop=float(params["dropout"]), sgd=optimizer, losses=losses)
        report.losses.append(round(losses.get("textcat", 0.0), 3))
        on_step(f"epoch {epoch + 1}: loss {report.losses[-1]}")
    report.seconds = round(time.perf_counter() - started, 1)
    out.mkdir(parents=True, exist_ok=True)
    nlp.meta["name"] = "kg_relations"
    nlp.meta["kg"] = {"labels": list(LABELS), "threshold": threshold, "known_threshold": float(params["known_threshold"]),
                      "thresholds": {k: float(v) for k, v in config["kg_thresholds"].items()}, "seed": seed, "training_files": report.files,
                      "pairs": {k: dict(sorted(v.items())) for k, v in report.counts.items()},
                      "train_seconds": report.seconds}
    nlp.to_disk(out)
    return report


def configured_threshold() -> float:
    return float(load_config(CONFIG)["kg_training"]["threshold"])
