"""Benchmark: reading (parse + extract) a sample of digests against jieba alone on the same text, optionally
against another commit's code in the same run (not a test; run it by hand).

    python3 tests/benchmarks/bench_extract.py ../shared/corpus/ainews-zh [--every 30] [--rounds 3] [--against REF]
    python3 tests/benchmarks/bench_extract.py ../shared/corpus/ainews-zh --model DIR [--model DIR2]

Takes every n-th file of the folder (sorted by name). Each round runs, for this tree and for REF (a git commit,
exported to a temporary folder) in turn, one fresh process that loads the pipelines, reads one file outside the
sample (so what is loaded on first use is loaded), then parses the sample's files, extracts their items' mentions
once (the caches as cold as in a build's reading process) and segments the same text with jieba alone; it
reports CPU seconds (`time.process_time`: less moved by other jobs on a shared box than the wall clock).
Printed: the median of each tree over the rounds, its throughput against jieba alone (the bound of
bench_build.py), the ratio of the two trees, and whether both found exactly the same mentions (a digest of every
mention's offsets, type, entity, extractor, confidence and sentence). With `--model DIR` (repeatable), this tree's
code also runs with the NER model of each folder (a `kg train` model/), alternating with the installed one.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def child(folder: Path, every: int, model: Path | None = None) -> None:
    """In the tree on sys.path: read the sample once and print one JSON line of figures."""
    import jieba

    from kg.extract.mentions import extract_mentions, item_text, make_pipelines
    from kg.extract.rules import load_rules
    from kg.ingest.digest import parse_digest

    files = sorted(p for p in folder.rglob("*") if p.suffix in {".md", ".txt"})
    sample = files[::every]
    warm = next(p for p in files if p not in sample)
    pipelines = make_pipelines(load_rules()) if model is None else make_pipelines(load_rules(), model_dir=model)
    list(extract_mentions(parse_digest(warm).items, pipelines))
    started = time.process_time()
    items = [item for path in sample for item in parse_digest(path).items]
    parse = time.process_time() - started
    started = time.process_time()
    found = list(extract_mentions(items, pipelines))
    extract = time.process_time() - started
    texts = [item_text(item) for item in items]
    started = time.process_time()
    for text in texts:
        jieba.lcut(text)
    alone = time.process_time() - started
    digest = hashlib.sha256(repr([(item.id, [(m.start, m.end, m.type, m.entity_id, m.extractor, m.confidence, m.sentence)
                                             for m in mentions]) for item, mentions in found]).encode()).hexdigest()[:16]
    print(json.dumps({"files": len(sample), "items": len(items), "chars": sum(map(len, texts)), "parse": parse,
                      "extract": extract, "jieba": alone, "mentions": sum(len(m) for _, m in found), "digest": digest}))


def export(ref: str, into: Path) -> Path:
    """The tree of commit `ref`, written into `into`."""
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True).stdout
    with tempfile.TemporaryFile() as file:
        file.write(archive)
        file.seek(0)
        with tarfile.open(fileobj=file) as tar:
            tar.extractall(into, filter="data")
    return into


def run(tree: Path, folder: Path, every: int, model: Path | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), str(folder.resolve()), "--every", str(every),
                           "--child", *(["--model", str(model.resolve())] if model else [])],
                          cwd=tree, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"the reading process in {tree} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--every", type=int, default=30, help="use every n-th file (sorted by name)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", metavar="REF", help="also run the code of this git commit, alternating")
    parser.add_argument("--model", type=Path, action="append", default=[],
                        help="also run this tree with the NER model of this folder, alternating (repeatable)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.folder, args.every, args.model[0] if args.model else None)
        return
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as scratch:
        trees: dict[str, tuple[Path, Path | None]] = {"this tree": (ROOT, None)}
        if args.against:
            trees[args.against] = (export(args.against, Path(scratch)), None)
        for model in args.model:
            trees[str(model)] = (ROOT, model)
        runs: dict[str, list[dict]] = {name: [] for name in trees}
        for n in range(args.rounds):
            for name, (tree, model) in trees.items():
                figures = run(tree, args.folder, args.every, model)
                runs[name].append(figures)
                print(f"round {n + 1}, {name}: parse {figures['parse']:.2f} s, extract {figures['extract']:.2f} s, "
                      f"jieba alone {figures['jieba']:.2f} s (CPU)", flush=True)
    first = runs["this tree"][0]
    print(f"\n{first['files']} files (every {args.every}th), {first['items']} items, {first['chars'] / 1e6:.2f} M chars, "
          f"{args.rounds} rounds, medians of CPU seconds")
    medians = {}
    for name, figures in runs.items():
        median = {key: statistics.median(f[key] for f in figures) for key in ("parse", "extract", "jieba")}
        medians[name] = median
        reading = median["parse"] + median["extract"]
        print(f"{name:>12}: parse {median['parse']:6.2f}  extract {median['extract']:6.2f}  jieba alone "
              f"{median['jieba']:5.2f}   throughput against jieba alone: {median['jieba'] / reading:.3f}   "
              f"{figures[0]['mentions']} mentions, digest {figures[0]['digest']}")
    for other_name in [n for n in trees if n != "this tree"]:
        this, other = medians["this tree"], medians[other_name]
        same = {f["digest"] for name in ("this tree", other_name) for f in runs[name]}
        print(f"this tree / {other_name}: extract {this['extract'] / other['extract']:.3f}, parse "
              f"{this['parse'] / other['parse']:.3f}, parse + extract "
              f"{(this['parse'] + this['extract']) / (other['parse'] + other['extract']):.3f}; mentions "
              + ("identical" if len(same) == 1 else "DIFFER"))


if __name__ == "__main__":
    main()
