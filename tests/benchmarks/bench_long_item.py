"""Benchmark: one digest item made of one sentence repeated n times, n doubling; prints the time per repetition.

    python3 tests/benchmarks/bench_long_item.py [--no-model] [--sentence NAME | --text "..."] [--sizes 10000,...]

The item is a digest file with a single `###` item whose text is the sentence repeated n times (no line break):
a pasted transcript, a scraped table or a generated list in which known names recur. Each size is built and
exported as `kg build` does (no cache), in this process; the time per repetition leaves out the set-up
(loading the pipelines), which does not depend on n. When every step is linear in the item's length, the
time per repetition stays flat as n doubles: the last column is its ratio to the smallest size.

Sentences (--sentence):
    companies   英伟达与谷歌合作发布新芯片。  (two known companies, a relation pattern fires in every sentence)
    english     Nvidia and Google announce a new chip together.  (the English pipeline)
    unknown     创业公司Blorfix发布了Zentra助手，Quillmate也跟进。  (Latin names no rule knows: the model's windows)
    patterns    阿里推出 Qwen9-Omni-TTS，Fooly公司发布Zorblax-V3.2-Exp。  (pattern names the resolver must settle)
    mixed       all four in turn

Figures are for this machine; compare the ratios, not the seconds.
"""
from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import timed_build  # noqa: E402
from kg.pipeline import summarize  # noqa: E402

SENTENCES = {
    "companies": "英伟达与谷歌合作发布新芯片。",
    "english": "Nvidia and Google announce a new chip together. ",
    "unknown": "创业公司Blorfix发布了Zentra助手，Quillmate也跟进。",
    "patterns": "阿里推出 Qwen9-Omni-TTS，Fooly公司发布Zorblax-V3.2-Exp。",
}
SENTENCES["mixed"] = "".join(SENTENCES[name] for name in ("companies", "english", "unknown", "patterns"))
SIZES = (10_000, 20_000, 40_000, 80_000, 160_000)


def digest(sentence: str, repetitions: int) -> str:
    return ("---\ndate: 2025-12-07\n---\n\n# 2025-12-07 资讯日报\n\n### 英伟达与谷歌的合作\n\n"
            + sentence * repetitions + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentence", choices=sorted(SENTENCES), default="companies")
    parser.add_argument("--text", help="the sentence to repeat (instead of --sentence)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="repetitions, comma-separated")
    parser.add_argument("--no-model", action="store_true", help="rules only (the default build runs the model too)")
    args = parser.parse_args()
    sentence = args.text or SENTENCES[args.sentence]
    sizes = [int(n) for n in args.sizes.split(",")]
    use_model = not args.no_model
    print(f"sentence: {sentence!r}   model: {'on' if use_model else 'off (--no-model)'}   "
          f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"long-{n}.md"
            path.write_text(digest(sentence, n), encoding="utf-8")
            result, stages = timed_build([path], use_model=use_model)
            counts = summarize(result)
            seconds = stages["total"] - stages.get("setup", 0.0)
            rows.append((n, path.stat().st_size, seconds, stages, counts))
            print(f"  done {n}: {seconds:.1f} s", file=sys.stderr)
            del result
            path.unlink()
    base = rows[0][2] / rows[0][0]
    print("| repetitions | MB | entities | edges | extract s | relations s | exports s | total s (no set-up) "
          "| µs per repetition | ratio to smallest |")
    print("|---:" * 10 + "|")
    for n, size, seconds, stages, counts in rows:
        per = seconds / n
        print(f"| {n:,} | {size / 1e6:.2f} | {sum(counts['entities'].values())} | {sum(counts['edges'].values())} "
              f"| {stages.get('extract', 0):.2f} | {stages.get('relations', 0):.2f} | {stages['exports']:.2f} "
              f"| {seconds:.2f} | {per * 1e6:.0f} | {per / base:.2f} |")
    ratios = [seconds / n / base for n, _, seconds, _, _ in rows]
    print(f"largest ratio of time per repetition to the smallest size's: {max(ratios):.2f}")


if __name__ == "__main__":
    main()
