"""Benchmark: build corpora end to end and print figures (not a test; run it by hand).

    python3 tests/benchmarks/bench_build.py ../shared/corpus/hextra-ai-insight-daily [more folders]

Prints files, items, chars, entities by type, edges by relation, time of each stage, peak RSS, and, on the
same item text in the same run, the throughput of jieba segmentation alone (the practical bound) with the
ratio build/bound. Figures are ratios against that baseline because machines are noisy.
"""
from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kg.exporters import export_all  # noqa: E402
from kg.extract import item_text  # noqa: E402
from kg.pipeline import build, summarize  # noqa: E402


def jieba_bound(texts: list[str]) -> float:
    import jieba

    jieba.initialize()
    started = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    return sum(map(len, texts)) / (time.perf_counter() - started)


def main(folders: list[str]) -> None:
    started = time.perf_counter()
    result = build([Path(f) for f in folders])
    build_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as out:
        for name in ("turtle", "graphml", "html"):
            clock = time.perf_counter()
            export_all(result.graph, Path(out), formats=[name], max_nodes=500)
            result.report.stage_seconds[f"export {name}"] = time.perf_counter() - clock
    total = time.perf_counter() - started
    report = result.report
    counts = summarize(result)
    texts = [item_text(i) for i in result.items.values()]
    bound = jieba_bound(texts)
    chars_per_s = report.chars / build_seconds
    print(f"files: {report.files} ({len(report.skipped)} skipped)   items: {report.items} ({report.repeated_items} repeated listings merged)")
    print(f"chars: {report.chars:,}   build (to graph): {build_seconds:.1f} s   with exports: {total:.1f} s")
    print("entities:", sum(counts["entities"].values()), counts["entities"])
    print("edges:", sum(counts["edges"].values()), counts["edges"])
    print("stages (s):", {k: round(v, 2) for k, v in report.stage_seconds.items()})
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"throughput: {chars_per_s / 1e6:.3f} M chars/s; jieba alone on the same text: {bound / 1e6:.3f} M chars/s;"
          f" ratio build/bound: {chars_per_s / bound:.2f}")
    extract_rate = report.chars / max(report.stage_seconds["extract"], 1e-9)
    print(f"extraction stage alone: {extract_rate / 1e6:.3f} M chars/s, ratio to bound {extract_rate / bound:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:] or [str(Path(__file__).resolve().parents[2] / "kg" / "sample_corpus")])
