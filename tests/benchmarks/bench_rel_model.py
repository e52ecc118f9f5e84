"""Benchmark: the relation classifier's cost at build time, one model against another in the same run (not a
test; run it by hand).

    python tests/benchmarks/bench_rel_model.py FOLDER [--model DIR] [--against DIR] [--rounds 2]

The files' items are read, their mentions found (rules and the statistical NER, as `kg build`) and resolved by
their folded name, and the relation rules run, once. Then `RelationModel(DIR).relations` classifies the pairs
the rules left alone, 64 items a call as the build does, for each model in turn, `--rounds` times alternating
(A B A B ...) so that the load of a shared machine falls on both alike. Printed: items, pairs classified,
seconds of each model (the lowest of its rounds), the ratio, statements kept, and jieba's time on the same
text (the build/jieba bound of tests/benchmarks/bench_build.py) for scale.

`--model` defaults to the shipped model (kg/models/rel); `--against` to none (only the one model is timed).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kg.builder.pipeline import collect_files  # noqa: E402
from kg.extract.mentions import extract_mentions, make_pipelines  # noqa: E402
from kg.extract.rules import load_rules  # noqa: E402
from kg.extract.spans import item_text  # noqa: E402
from kg.ingest.corpora import read_items  # noqa: E402
from kg.ingest.normalize import fold_name  # noqa: E402
from kg.link.rel.component import MODEL_DIR, RelationModel  # noqa: E402
from kg.link.relations import pattern_relations  # noqa: E402
from tests.benchmarks.bench_build import jieba_bound  # noqa: E402

BATCH = 64  # items per classifier call, as kg.builder.contributions.MODEL_BATCH


def inputs(folder: Path, rules):
    items = list(read_items(collect_files([folder])))
    found = []
    for item, mentions in extract_mentions(items, make_pipelines(rules, use_model=True)):
        mentions = [m if m.entity_id else m.resolved(fold_name(m.surface), m.type) for m in mentions]
        found.append((item, mentions, pattern_relations(item, mentions, rules)))
    return items, found


def timed(model: RelationModel, found, rules) -> tuple[float, int]:
    started, kept = time.perf_counter(), 0
    for n in range(0, len(found), BATCH):
        kept += sum(len(r) for r in model.relations(found[n:n + BATCH], rules))
    return time.perf_counter() - started, kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--model", type=Path, default=MODEL_DIR)
    parser.add_argument("--against", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rules = load_rules()
    items, found = inputs(args.folder, rules)
    chars = sum(len(item_text(i)) for i in items)
    models = {"model": RelationModel(args.model)}
    if args.against:
        models["against"] = RelationModel(args.against)
    best: dict[str, float] = {}
    kept: dict[str, int] = {}
    for _ in range(args.rounds):
        for name, model in models.items():
            seconds, kept[name] = timed(model, found, rules)
            best[name] = min(best.get(name, seconds), seconds)
    jieba_seconds = chars / jieba_bound(item_text(i) for i in items)
    print(f"{len(items)} items, {chars / 1e6:.2f} M characters; jieba alone {jieba_seconds:.1f} s")
    for name, model in models.items():
        path = args.model if name == "model" else args.against
        print(f"{name:8} {path}: {best[name]:.2f} s ({best[name] / chars * 1e6:.2f} s per M characters, "
              f"{best[name] / jieba_seconds:.2f} of jieba's time), {kept[name]} statements")
    if args.against:
        print(f"ratio model/against: {best['model'] / best['against']:.2f}")


if __name__ == "__main__":
    main()
