"""Benchmark: one digest item made of one sentence repeated n times, n doubling; prints the time per repetition.

    python3 tests/benchmarks/bench_long_item.py [--no-model] [--sentence NAME | --text "..."] [--sizes 10000,...]

The item is a digest file with a single `###` item whose text is the sentence repeated n times (no line break):
a pasted transcript, a scraped table or a generated list in which known names recur. Each size is built and
exported as `kg build` does (no cache), in this process, with pipelines loaded once beforehand (their set-up
does not depend on n). When every step is linear in the item's length, the time per repetition stays flat as
n doubles: the last column is its ratio to the smallest size. CPU seconds (this process and the processes
it waited for: the exports' fork, the query store writer) are printed beside the wall-clock seconds, and the
ratio is taken on them: on a shared machine they vary less than the wall clock.

Sentences (--sentence):
    companies   英伟达与谷歌合作发布新芯片。  (two known companies, a relation pattern fires in every sentence)
    english     Nvidia and Google announce a new chip together.  (the English pipeline)
    unknown     创业公司Blorfix发布了Zentra助手，Quillmate也跟进。  (Latin names no rule knows: the model's windows)
    patterns    阿里推出 Qwen9-Omni-TTS，Fooly公司发布Zorblax-V3.2-Exp。  (pattern names the resolver must settle)
    mixed       all four in turn
    windows     Blorfix，一心一意，一心一意，一心一意，一心一意，一心一意，  (one unknown Latin name every 31
                characters: the model's stretches around them join one after another)
    list        英伟达、谷歌、 n times, then 发布了, then H200、Gemini 3、 n times: one sentence, a list of makers
                and a list of products (each repetition here is one maker and one product pair)

Figures are for this machine; compare the ratios, not the seconds.
"""
from __future__ import annotations

import argparse
import platform
import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import timed_build  # noqa: E402
from kg.ingest.digest import DEFAULT_MAX_BYTES  # noqa: E402
from kg.builder.readers import ReaderConfig, SerialEngine  # noqa: E402
from kg.builder.pipeline import summarize  # noqa: E402
from kg.extract.rules import load_rules  # noqa: E402

SENTENCES = {
    "companies": "英伟达与谷歌合作发布新芯片。",
    "english": "Nvidia and Google announce a new chip together. ",
    "unknown": "创业公司Blorfix发布了Zentra助手，Quillmate也跟进。",
    "patterns": "阿里推出 Qwen9-Omni-TTS，Fooly公司发布Zorblax-V3.2-Exp。",
}
SENTENCES["mixed"] = "".join(SENTENCES[name] for name in ("companies", "english", "unknown", "patterns"))
SENTENCES["windows"] = "Blorfix，" + "一心一意，" * 5
LISTS = {"list": ("英伟达、谷歌、", "发布了", "H200、Gemini 3、")}  # before, once between, after
SIZES = (10_000, 20_000, 40_000, 80_000, 160_000)


def digest(sentence: str, repetitions: int) -> str:
    return ("---\ndate: 2025-12-07\n---\n\n# 2025-12-07 资讯日报\n\n### 英伟达与谷歌的合作\n\n"
            + sentence * repetitions + "\n")


def item_text(shape: str, text: str | None, repetitions: int) -> str:
    """The long item's text: the sentence repeated, or a list shape."""
    if text is None and shape in LISTS:
        before, between, after = LISTS[shape]
        return before * repetitions + between + after * repetitions + "。"
    return (text or SENTENCES[shape]) * repetitions


def cpu_seconds() -> float:
    """User and system seconds of this process and of its children that ended."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentence", choices=sorted([*SENTENCES, *LISTS]), default="companies")
    parser.add_argument("--text", help="the sentence to repeat (instead of --sentence)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="repetitions, comma-separated")
    parser.add_argument("--no-model", action="store_true", help="rules only (the default build runs the model too)")
    args = parser.parse_args()
    sentence = args.text or SENTENCES.get(args.sentence) or " … ".join(LISTS[args.sentence])
    sizes = [int(n) for n in args.sizes.split(",")]
    use_model = not args.no_model
    print(f"sentence: {sentence!r}   model: {'on' if use_model else 'off (--no-model)'}   "
          f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    rules = load_rules()
    engine = SerialEngine(rules, ReaderConfig(None, DEFAULT_MAX_BYTES, use_model))  # pipelines loaded once
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in [10, *sizes]:  # the first (10): loads the pipelines, not shown
            path = Path(tmp) / f"long-{n}.md"
            path.write_text(digest(item_text(args.sentence, args.text, n), 1), encoding="utf-8")
            cpu = cpu_seconds()
            result, stages = timed_build([path], rules=rules, engine=engine, use_model=use_model)
            cpu = cpu_seconds() - cpu
            counts = summarize(result)
            rows.append((n, path.stat().st_size, stages["total"], cpu, stages, counts))
            print(f"  done {n}: {stages['total']:.1f} s, {cpu:.1f} CPU s", file=sys.stderr)
            del result
            path.unlink()
    rows = rows[1:]
    base = rows[0][3] / rows[0][0]
    print("| repetitions | MB | entities | edges | extract s | relations s | exports s | total s | CPU s "
          "| µs per repetition | CPU µs per repetition | ratio to smallest (CPU) |")
    print("|---:" * 12 + "|")
    for n, size, seconds, cpu, stages, counts in rows:
        print(f"| {n:,} | {size / 1e6:.2f} | {sum(counts['entities'].values())} | {sum(counts['edges'].values())} "
              f"| {stages.get('extract', 0):.2f} | {stages.get('relations', 0):.2f} | {stages['exports']:.2f} "
              f"| {seconds:.2f} | {cpu:.2f} | {seconds / n * 1e6:.0f} | {cpu / n * 1e6:.0f} | {cpu / n / base:.2f} |")
    ratios = [cpu / n / base for n, _, _, cpu, _, _ in rows]
    print(f"largest ratio of CPU time per repetition to the smallest size's: {max(ratios):.2f}")


if __name__ == "__main__":
    main()
