"""Benchmark: build corpora end to end and print figures (not a test; run it by hand).

    python3 tests/benchmarks/bench_build.py ../shared/corpus/hextra-ai-insight-daily [more folders] [options]

Default (no option): one build of everything, as before: files, items, chars, entities by type, edges by
relation, time of each stage, peak RSS, and, on the same item text in the same run, the throughput of jieba
segmentation alone (the practical bound) with the ratio build/bound.

    --linear        time of each stage (parse, extract, resolve, relations, graph, Turtle, GraphML, HTML) for
                    1/4, 1/2 and all of the files (every 4th, every 2nd, all: the same mix of months), and the
                    cost per million characters, which stays flat when the cost is linear
    --incremental   on a copy of the files: a cold build with an empty cache, then the rebuild after one file is
                    changed (a story appended), both with exports, as `kg build` runs them; prints the ratio
    --dask          the same build read on a dask LocalCluster (--workers processes, 1 thread each) vs locally
    --no-model      rules only (the default build runs the shipped model too)
    --workers N     processes that read files (default 1; stage times of parse/extract are then CPU seconds
                    summed over the processes)
    --write-docs    also write the default run's table into the `build` section of docs/benchmarks.md
                    (tests/benchmarks/docs_section.py), stamped with the command, the date and the machine
    --docs PATH     the file --write-docs writes into (default docs/benchmarks.md)

Figures are for this machine; compare ratios, not seconds.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kg.export.base import ExportOptions  # noqa: E402
from kg.sparql import store as query_store  # noqa: E402
from kg.export import export_all  # noqa: E402
from kg.extract.mentions import item_text  # noqa: E402
from kg.builder.pipeline import build, collect_files, summarize  # noqa: E402
from kg.extract.rules import load_rules  # noqa: E402
from tests.benchmarks.docs_section import DOCS, command_line, write_section  # noqa: E402

STAGES = ("setup", "parse", "extract", "resolve", "relations", "graph", "turtle", "store", "graphml", "html")
EXPORTS = ("turtle", "graphml", "html")  # "store": the query store, written by another process meanwhile


def jieba_bound(texts) -> float:
    """Chars/s of jieba alone, one core; `texts` may be a generator (only segmenting is timed)."""
    import jieba

    jieba.initialize()
    chars, seconds = 0, 0.0
    for text in texts:
        started = time.perf_counter()
        jieba.lcut(text)
        seconds += time.perf_counter() - started
        chars += len(text)
    return chars / max(seconds, 1e-9)


def timed_build(files: list[Path], **options) -> tuple[object, dict[str, float]]:
    """Build and export like `kg build`; stage seconds plus 'build' (to the graph), 'exports' and 'total'."""
    started = time.perf_counter()
    result = build(files, **options)
    build_seconds = time.perf_counter() - started
    stages = dict(result.report.stage_seconds)
    # All formats in one export_all, as `kg build` writes them; each exporter and the query store (written by
    # another process while GraphML and HTML are) timed apart. "exports" is the wall time of the whole: GraphML
    # and HTML are written by a forked process meanwhile.
    from kg import export as exporters
    timed = {}

    class Timed:
        """An exporter that notes how long it wrote."""

        def __init__(self, exporter):
            self.exporter, self.name, self.filename = exporter, exporter.name, exporter.filename

        def write(self, graph, path, options):
            clock = time.perf_counter()
            try:
                return self.exporter.write(graph, path, options)
            finally:
                timed[self.name] = time.perf_counter() - clock

    real_job = query_store.StoreJob

    class TimedStoreJob(real_job):
        def __init__(self, *args, **kwargs):
            self.started = time.perf_counter()
            super().__init__(*args, **kwargs)

        def wait(self):
            try:
                return super().wait()
            finally:
                timed["store"] = time.perf_counter() - self.started

    real_exporters = dict(exporters.EXPORTERS)
    query_store.StoreJob = TimedStoreJob
    exporters.EXPORTERS.update({n: Timed(e) for n, e in real_exporters.items()})
    try:
        with tempfile.TemporaryDirectory() as out:
            clock = time.perf_counter()
            export_all(result.graph, Path(out), max_nodes=500)
            stages["exports"] = time.perf_counter() - clock
            stages["total"] = time.perf_counter() - started
            # GraphML and HTML were written by a forked process (kg.export.FORKED), whose timers this process
            # cannot see: time each again here, alone (not counted in the total)
            for name in exporters.FORKED:
                if name not in timed:
                    exporter = exporters.EXPORTERS[name]
                    exporter.write(result.graph, Path(out) / ("again-" + exporter.filename), ExportOptions(max_nodes=500))
    finally:
        query_store.StoreJob = real_job
        exporters.EXPORTERS.update(real_exporters)
    stages.update({n: timed.get(n, 0.0) for n in (*EXPORTS, "store")})
    stages["build"] = build_seconds
    return result, stages


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_rss_mb() -> float:
    """The largest child process's peak (the query store writer; file-reading workers)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def overview(files: list[Path], workers: int, use_model: bool = True) -> str:
    """Print the figures of one build; return them as the Markdown table of docs/benchmarks.md."""
    result, stages = timed_build(files, workers=workers, use_model=use_model)
    report = result.report
    counts = summarize(result)
    peak_build = rss_mb()  # before the baseline reads the texts back
    bound = jieba_bound(item_text(i) for i in result.items.values())
    chars_per_s = report.chars / stages["build"]
    print(f"files: {report.files} ({len(report.skipped)} skipped)   items: {report.items} ({report.repeated_items} repeated listings merged)")
    print(f"chars: {report.chars:,}   build (to graph): {stages['build']:.1f} s   with exports: {stages['total']:.1f} s")
    print("entities:", sum(counts["entities"].values()), counts["entities"])
    print("edges:", sum(counts["edges"].values()), counts["edges"])
    print("stages (s):", {k: round(v, 2) for k, v in stages.items()})
    print(f"model: {'on' if use_model else 'off (--no-model)'}   peak RSS of build and exports: {peak_build:.0f} MB;"
          f" largest child process (store writer, readers): {child_rss_mb():.0f} MB")
    print(f"throughput: {chars_per_s / 1e6:.3f} M chars/s; jieba alone on the same text: {bound / 1e6:.3f} M chars/s;"
          f" ratio build/bound: {chars_per_s / bound:.2f}")
    extract_rate = report.chars / max(stages.get("extract", 0), 1e-9)
    print(f"extraction stage alone: {extract_rate / 1e6:.3f} M chars/s, ratio to bound {extract_rate / bound:.2f}")
    print(f"Turtle file: {stages['turtle']:.1f} s = {stages['turtle'] / stages['total']:.1%} of the total;"
          f" query store: {stages['store']:.1f} s = {stages['store'] / stages['total']:.1%}, written while GraphML"
          f" and HTML are (by a forked process): exports {stages['exports']:.1f} s against"
          f" {sum(stages[n] for n in (*EXPORTS, 'store')):.1f} s one after another")
    entities, edges = sum(counts["entities"].values()), sum(counts["edges"].values())
    return "\n".join([
        textwrap.fill(
            f"{report.files:,} files, {report.items:,} items, {report.chars / 1e6:.1f} M characters, model"
            f" {'on' if use_model else 'off'}. jieba alone on the same text is the baseline (the bound: no build"
            " can segment faster than jieba segments).", width=115),
        "",
        "| | value |",
        "|---|---|",
        f"| build to the graph | {stages['build']:.1f} s |",
        f"| exports | {stages['exports']:.1f} s |",
        f"| total | {stages['total']:.1f} s |",
        f"| throughput | {chars_per_s / 1e6:.3f} M chars/s |",
        f"| jieba alone, same text, same run | {bound / 1e6:.3f} M chars/s |",
        f"| **build / bound** | **{chars_per_s / bound:.2f}** |",
        f"| Turtle file | {stages['turtle']:.1f} s, {stages['turtle'] / stages['total']:.1%} of the total |",
        f"| peak RSS | {peak_build:,.0f} MB |",
        f"| entities / edges | {entities:,} / {edges:,} |",
    ])


def linear(files: list[Path], workers: int) -> None:
    """Stage times at 1/4, 1/2 and all of the files; seconds per M chars should stay flat."""
    load_rules()  # warm imports so the first row does not pay them
    rows = []
    for label, subset in (("1/4", files[::4]), ("1/2", files[::2]), ("all", files)):
        result, stages = timed_build(subset, workers=workers)
        rows.append((label, len(subset), result.report.chars, result.report.items, stages))
        print(f"  done {label}: {len(subset)} files in {stages['total']:.1f} s", file=sys.stderr)
    shown = [s for s in STAGES if any(s in r[4] for r in rows)] + ["total"]
    print("| part | files | items | M chars | " + " | ".join(shown) + " | s per M chars (no setup) |")
    print("|---" * (len(shown) + 5) + "|")
    for label, n, chars, items, stages in rows:
        per = (stages["total"] - stages.get("setup", 0)) / max(chars / 1e6, 1e-9)
        print(f"| {label} | {n} | {items} | {chars / 1e6:.2f} | " + " | ".join(f"{stages.get(s, 0):.2f}" for s in shown)
              + f" | {per:.1f} |")
    print(f"peak RSS: {rss_mb():.0f} MB")


def kg_build(files_root: Path, out: Path, workers: int) -> tuple[float, str]:
    """`kg build` in a fresh process, as a user runs it (imports, spaCy set-up, exports): seconds and output."""
    command = [sys.executable, "-c", "from kg.cli import main; main()", "build", str(files_root), "--out", str(out),
               "--workers", str(workers)]
    clock = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - clock
    if done.returncode not in (0, 3):
        raise SystemExit(f"kg build failed:\n{done.stderr[-2000:]}")
    return seconds, done.stdout


def incremental(files: list[Path], workers: int) -> None:
    """`kg build` with an empty cache vs `kg build` again after one file changed (each in a fresh process)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "corpus"
        copies = []
        common = Path(os.path.commonpath([Path(f).resolve().parent for f in files]))
        for f in files:
            target = root / Path(f).resolve().relative_to(common)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, target)
            copies.append(target)
        out = Path(tmp) / "out"
        cold, said = kg_build(root, out, workers)
        cache_line = next((line for line in said.splitlines() if line.startswith("Cache:")), "")
        print(f"kg build, empty cache: {cold:.1f} s   {cache_line}")
        changed = copies[len(copies) // 2]
        with open(changed, "a", encoding="utf-8") as f:
            f.write("\n\n### 英伟达发布新芯片 H300\n英伟达今天发布了 H300 芯片，微软将在 Azure 上使用。\n"
                    "[>阅读原文](https://example.com/bench-incremental)\n")
        warm, said = kg_build(root, out, workers)
        cache_line = next((line for line in said.splitlines() if line.startswith("Cache:")), "")
        print(f"kg build after changing {changed.name}: {warm:.1f} s   {cache_line}")
        for line in said.splitlines():
            if line.startswith("Export:"):
                print("  " + line)
        print(f"rebuild / cold build: {warm / cold:.1%} (target < 10%)")
        _, stages = timed_build(copies, workers=workers, cache=Path(out) / ".kg-cache",  # all hits now
                                max_bytes=int(32 * 1e6))  # the CLI's default --max-file-mb, part of the key
        print("an all-cached build's stages, in this process (s):", {k: round(v, 2) for k, v in stages.items()})


def on_dask(files: list[Path], workers: int) -> None:
    from dask.distributed import LocalCluster

    workers = max(workers, 2)
    _, local = timed_build(files, workers=workers)
    print(f"local, {workers} processes: build {local['build']:.1f} s, total {local['total']:.1f} s")
    clock = time.perf_counter()
    with LocalCluster(n_workers=workers, processes=True, threads_per_worker=1, dashboard_address=None,
                      scheduler_port=0, silence_logs=40) as cluster:
        started = time.perf_counter() - clock
        _, remote = timed_build(files, engine="dask", scheduler=cluster.scheduler_address)
    print(f"dask LocalCluster, {workers} worker processes (cluster start {started:.1f} s, not counted):"
          f" build {remote['build']:.1f} s, total {remote['total']:.1f} s; dask/local {remote['total'] / local['total']:.2f}")


def _without_docs_options(argv: list[str]) -> list[str]:
    """The arguments that shaped the figures (not --write-docs, --docs PATH)."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--docs":
            skip = True
        elif arg != "--write-docs" and not arg.startswith("--docs="):
            kept.append(arg)
    return kept


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", default=[str(Path(__file__).resolve().parents[2] / "kg" / "sample_corpus")])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--linear", action="store_true")
    parser.add_argument("--incremental", action="store_true")
    parser.add_argument("--dask", action="store_true")
    parser.add_argument("--no-model", action="store_true", help="rules only (default build: rules + model)")
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/benchmarks.md")
    parser.add_argument("--docs", default=str(DOCS), help="the file --write-docs writes into")
    args = parser.parse_args(argv)
    if args.write_docs and (args.linear or args.incremental or args.dask):
        parser.error("--write-docs writes the default run's table: run it without --linear, --incremental, --dask")
    files = collect_files([Path(f) for f in args.folders])
    if not (args.linear or args.incremental or args.dask):
        table = overview(files, args.workers, use_model=not args.no_model)
        if args.write_docs:
            written = write_section("build", table, command_line([sys.argv[0], *_without_docs_options(argv)]),
                                    args.docs)
            print(f"wrote the build section of {written}")
    if args.linear:
        linear(files, args.workers)
    if args.incremental:
        incremental(files, args.workers)
    if args.dask:
        on_dask(files, args.workers)


if __name__ == "__main__":
    main(sys.argv[1:])
