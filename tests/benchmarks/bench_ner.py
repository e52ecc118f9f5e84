"""Benchmark: extraction with the statistical NER on vs off, on the same items in one run (not a test).

    python3 tests/benchmarks/bench_ner.py ../shared/corpus/ainews-zh [--every 10] [--rounds 2]

Parses every n-th file of the folder once, then runs the extraction pipelines (rules only; rules + model)
and jieba alone over the same items in alternating rounds, and prints chars/s of each, the ratio on/off, the
model's added cost per character, and each pipeline against jieba alone. The rules segment nothing (they
match characters) and all segmentation the build does is for the model's windows, so the on/off ratio does
not compare the model with a pass that segments the whole text; the ratio to jieba alone is the build's own
measure (bench_build.py).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import jieba  # noqa: E402

from kg.ingest.digest import parse_digest  # noqa: E402
from kg.extract.mentions import extract_mentions, item_text, make_pipelines, model_available  # noqa: E402
from kg.extract.rules import load_rules  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--every", type=int, default=10, help="use every n-th file (sorted by name)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not model_available():
        sys.exit("the model is not installed: kg train CORPUS --install")
    files = sorted(p for p in args.folder.rglob("*") if p.suffix in {".md", ".txt"})[:: args.every]
    items = [item for path in files for item in parse_digest(path).items]
    chars = sum(len(item_text(item)) for item in items)
    rules = load_rules()
    pipelines = {"rules only": make_pipelines(rules, use_model=False), "rules + model": make_pipelines(rules, use_model=True)}
    speeds: dict[str, list[float]] = {name: [] for name in (*pipelines, "jieba alone")}
    found: dict[str, int] = {}
    for _ in range(args.rounds):
        for name, nlp in pipelines.items():
            started = time.perf_counter()
            found[name] = sum(len(m) for _item, m in extract_mentions(items, nlp))
            speeds[name].append(chars / (time.perf_counter() - started))
        started = time.perf_counter()
        for item in items:
            jieba.lcut(item_text(item))
        speeds["jieba alone"].append(chars / (time.perf_counter() - started))
    print(f"{len(files)} files, {len(items)} items, {chars / 1e6:.2f} M chars, {args.rounds} rounds (median)")
    median = {name: statistics.median(values) for name, values in speeds.items()}
    for name, value in median.items():
        print(f"{name:14} {value / 1e3:8.1f} k chars/s" + (f"   {found[name]} mentions" if name in found else ""))
    print(f"ratio on/off: {median['rules + model'] / median['rules only']:.2f}; the model adds"
          f" {1e6 / median['rules + model'] - 1e6 / median['rules only']:.2f} µs per character")
    for name in pipelines:
        print(f"{name} against jieba alone (one core): {median[name] / median['jieba alone']:.2f}")


if __name__ == "__main__":
    main()
