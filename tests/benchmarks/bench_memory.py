"""Benchmark: peak memory of `kg build` against input size (prints figures; not a test, run it by hand).

    python3 tests/benchmarks/bench_memory.py FOLDER [FOLDER...] [--workers 2] [--fractions 0.25,0.5,1]
    python3 tests/benchmarks/bench_memory.py --make-big /tmp/kg-1gb --from ../shared/corpus/ainews-zh --mb 1024
    python3 tests/benchmarks/bench_memory.py /tmp/kg-1gb --workers 2 --no-model  # progress lines on stderr

Each build runs in a fresh child process (build + the three exports into a temp folder). A sampling thread
reads, every 0.2 s, the RSS of the build process and the PSS of it and its reading workers (PSS counts pages
shared after fork once); it prints a curve (RSS after each tenth of the input read, and each minute) and the
peak of each stage:
read (parse + extract + spill), assemble (resolve, relations, graph), and each export.

`--fractions` builds every k-th file of each folder (0.25: every 4th), so the parts spread over the corpus.
`--make-big` writes copies of a corpus until the folder holds --mb megabytes; in copy N every http(s) URL gets
the host prefix `cN.copy.invalid/` and every date (2025-12-07, 25-12-07 in file names) moves N years on, so
no item of a copy merges with another (repeats would be merged and prove nothing). `--time-limit` stops a
build that has not finished (reading such a folder takes hours on a small machine): the curve up to there is
still printed.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

MB = 1e6


def _status_kb(pid: int | str, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kb(pid: int | str) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    kids = [int(k) for k in f.read().split()]
                out += kids
                todo += kids
        except OSError:
            continue
    return out


class Sampler(threading.Thread):
    """Peak RSS of this process and peak PSS of it plus its children, per stage."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stage, self.peaks, self.order = "start", {}, []
        self.lock = threading.Lock()

    def sample(self) -> tuple[int, int]:
        me = os.getpid()
        rss = _status_kb(me, "VmRSS")
        total = _pss_kb(me) + sum(_pss_kb(c) for c in _descendants(me))
        with self.lock:
            r, t = self.peaks.get(self.stage, (0, 0))
            self.peaks[self.stage] = (max(r, rss), max(t, total))
        return rss, total

    def mark(self, stage: str) -> None:
        self.sample()
        with self.lock:
            self.stage = stage
            self.order.append(stage)

    def run(self) -> None:
        while True:
            self.sample()
            time.sleep(0.2)


def one_build(folder: str, workers: int, fraction: float, time_limit: float | None, use_model: bool = True) -> None:
    """In the child: build, export, print one JSON line of figures."""
    from kg.export import export_all
    from kg.builder.pipeline import build, collect_files, summarize

    sampler = Sampler()
    sampler.start()
    files = collect_files([Path(folder)])
    if fraction < 1:
        step = round(1 / fraction)
        files = files[::step]
    sizes = {p: p.stat().st_size for p in files}
    total_mb = sum(sizes.values()) / MB
    started = time.perf_counter()
    curve, done = [], [0, 0.0]
    next_mark, last_point = [0.1], [0.0]  # a point per tenth of the input, and at least one a minute

    def on_file(path: Path) -> None:
        done[0] += 1
        done[1] += sizes.get(path, 0) / MB
        if done[1] >= next_mark[0] * total_mb - 1e-9 or time.perf_counter() - started > last_point[0] + 60:
            last_point[0] = time.perf_counter() - started
            rss, total = sampler.sample()
            curve.append((round(done[1], 1), rss // 1024, total // 1024, round(time.perf_counter() - started)))
            print("progress (MB read, RSS MB, PSS incl. workers MB, s):", *curve[-1], file=sys.stderr, flush=True)
            while next_mark[0] * total_mb <= done[1] + 1e-9:
                next_mark[0] += 0.1
        if time_limit and time.perf_counter() - started > time_limit:
            rss, total = sampler.sample()
            curve.append((round(done[1], 1), rss // 1024, total // 1024, round(time.perf_counter() - started)))
            print(json.dumps({"folder": folder, "fraction": fraction, "workers": workers, "files": len(files),
                              "input_mb": round(total_mb, 1), "stopped_after_s": time_limit, "files_read": done[0],
                              "curve": curve, "peaks": _peaks(sampler)}), flush=True)
            for child in _descendants(os.getpid()):  # the reading workers we started
                try:
                    os.kill(child, 9)
                except OSError:
                    pass
            os._exit(0)

    sampler.mark("read")
    orig_assemble = _hook_assemble(sampler)
    result = build(files, workers=workers, on_file=on_file, use_model=use_model)
    build_s = time.perf_counter() - started
    print(f"built in {build_s:.0f} s; peaks so far {_peaks(sampler)}", file=sys.stderr, flush=True)
    export_s = {}
    with tempfile.TemporaryDirectory() as out:
        for name in ("turtle", "graphml", "html"):
            sampler.mark("export " + name)
            clock = time.perf_counter()
            export_all(result.graph, Path(out), formats=[name], max_nodes=500)
            export_s[name] = round(time.perf_counter() - clock, 1)
            print(f"export {name}: {export_s[name]} s; peaks so far {_peaks(sampler)}", file=sys.stderr, flush=True)
    sampler.mark("done")
    orig_assemble()
    counts = summarize(result)
    print(json.dumps({
        "folder": folder, "fraction": fraction, "workers": workers, "files": len(files), "input_mb": round(total_mb, 1),
        "items": result.report.items, "repeated": result.report.repeated_items,
        "entities": sum(counts["entities"].values()), "edges": sum(counts["edges"].values()),
        "build_s": round(build_s), "export_s": export_s, "curve": curve, "peaks": _peaks(sampler),
        "vmhwm_mb": _status_kb(os.getpid(), "VmHWM") // 1024,
    }), flush=True)


def _hook_assemble(sampler: Sampler):
    """Mark the start of the second half of the build (resolve, relations, graph)."""
    import kg.builder.pipeline as pipeline

    original = pipeline._assemble

    def assemble(*args, **kwargs):
        sampler.mark("assemble")
        return original(*args, **kwargs)

    pipeline._assemble = assemble
    return lambda: setattr(pipeline, "_assemble", original)


def _peaks(sampler: Sampler) -> dict:
    return {stage: {"rss_mb": r // 1024, "pss_all_mb": t // 1024} for stage, (r, t) in sampler.peaks.items() if stage != "done"}


def make_big(target: Path, source: Path, mb: float) -> None:
    """Copies of source with URLs and dates changed per copy until target holds mb megabytes."""
    files = sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in {".md", ".markdown", ".txt"})
    target.mkdir(parents=True, exist_ok=True)
    written, copy = 0, 0
    while written < mb * MB:
        folder = target / f"copy-{copy:03d}"
        folder.mkdir(exist_ok=True)
        for path in files:
            text = path.read_text(encoding="utf-8", errors="replace")
            if copy:
                text = re.sub(r"https?://", lambda m: f"{m.group(0)}c{copy}.copy.invalid/", text)
                text = re.sub(r"\b(20\d\d)([-/年])", lambda m: f"{int(m.group(1)) + copy}{m.group(2)}", text)
            name = path.name
            if copy:
                name = re.sub(r"^(\d\d)-", lambda m: f"{(int(m.group(1)) + copy) % 100:02d}-", name)
                name = re.sub(r"^(20\d\d)-", lambda m: f"{int(m.group(1)) + copy}-", name)
            data = text.encode("utf-8")
            (folder / name).write_bytes(data)
            written += len(data)
            if written >= mb * MB:
                break
        copy += 1
    print(f"wrote {written / MB:.0f} MB in {copy} cop{'y' if copy == 1 else 'ies'} of {source} into {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--fractions", default="1")
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--make-big", type=Path)
    parser.add_argument("--from", dest="source", type=Path)
    parser.add_argument("--mb", type=float, default=1024)
    parser.add_argument("--no-model", action="store_true", help="rules only (default build: rules + model)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_big:
        make_big(args.make_big, args.source, args.mb)
        return
    if args.child:
        one_build(args.folders[0], args.workers, float(args.fractions), args.time_limit, use_model=not args.no_model)
        return
    print(f"{'input':>9} {'files':>6} {'items':>7} {'edges':>7} {'time':>6}  peak RSS build process (MB): read / assemble /"
          f" turtle / graphml / html   peak PSS incl. workers")
    for folder in args.folders:
        for fraction in (float(f) for f in args.fractions.split(",")):
            cmd = [sys.executable, __file__, folder, "--child", "--workers", str(args.workers), "--fractions", str(fraction)]
            if args.time_limit:
                cmd += ["--time-limit", str(args.time_limit)]
            if args.no_model:
                cmd.append("--no-model")
            out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)  # progress lines go to our stderr
            line = next((x for x in reversed(out.stdout.splitlines()) if x.startswith("{")), None)
            if line is None:
                print(f"{folder} x{fraction}: failed (exit {out.returncode}; its errors are above)")
                continue
            r = json.loads(line)
            p = r["peaks"]
            stages = ["read", "assemble", "export turtle", "export graphml", "export html"]
            rss = " / ".join(str(p.get(s, {}).get("rss_mb", "-")) for s in stages)
            pss = max(v["pss_all_mb"] for v in p.values())
            if "stopped_after_s" in r:
                print(f"{r['input_mb']:7.1f}MB {r['files']:6d}  stopped after {r['stopped_after_s']:.0f} s,"
                      f" {r['files_read']} files read; peak RSS read {p['read']['rss_mb']} MB, PSS incl. workers {pss} MB")
            else:
                print(f"{r['input_mb']:7.1f}MB {r['files']:6d} {r['items']:7d} {r['edges']:7d} {r['build_s']:5d}s  {rss}   {pss}"
                      f"   ({folder} x{fraction}, workers {r['workers']})")
            print("          RSS/PSS curve (MB read: RSS MB, PSS incl. workers MB, s): "
                  + ", ".join(f"{c[0]}: {c[1]}, {c[2]}, {c[3]}s" for c in r["curve"]), flush=True)


if __name__ == "__main__":
    main()
