"""Entity and relation quality on the hand-annotated dev and test gold (tests/data/gold/), on text no rule was
mined from and no model was trained on: the digests of ../shared/corpus/layouts/ and the newest month of the two
large corpora (a time split).

    python tests/benchmarks/bench_quality.py                   # build the evaluation graph, score dev and test
    python tests/benchmarks/bench_quality.py --split dev       # only dev (tune on dev; read only test's scores)
    python tests/benchmarks/bench_quality.py --graph G.ttl     # score an existing build of the same files
    python tests/benchmarks/bench_quality.py --no-model        # rules only

The evaluation graph is one `kg build` of every layouts source (whole folders: a source's files are read
together, as a user would) plus the large-corpus files the gold items come from. Besides `kg eval`'s tables it
prints the recall of gold entities no rule names (no folded name or alias in the gazetteer) and the type
confusion (gold type x type of the graph entity carrying one of its names).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("KG_SHARED", ROOT.parent / "shared")) / "corpus"  # KG_SHARED: where ../shared is
GOLD = ROOT / "tests" / "data" / "gold"
FOLDERS = {"hextra": "hextra-ai-insight-daily", "ainews-zh": "ainews-zh"}

sys.path.insert(0, str(ROOT))

from kg.quality.evaluate import evaluate, format_evaluation  # noqa: E402
from kg.ingest.normalize import fold_name  # noqa: E402
from kg.records import ENTITY_TYPES  # noqa: E402
from kg.extract.rules import load_rules  # noqa: E402


def inputs(gold_files: list[Path]) -> list[Path]:
    """Whole layouts source folders, and the large-corpus files the gold items come from."""
    paths: set[Path] = set()
    for path in gold_files:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            corpus = record["corpus"]
            if corpus.startswith("layouts-"):
                paths.add(SHARED / "layouts" / corpus[len("layouts-"):])
            else:
                paths.add(SHARED / FOLDERS[corpus] / record["file"])
    return sorted(paths)


def build(paths: list[Path], out: Path, no_model: bool) -> None:
    command = [sys.executable, "-c", "from kg.cli import main; main()", "build", *map(str, paths), "--out", str(out),
               "--workers", "2"]
    if no_model:
        command.append("--no-model")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode not in (0, 3):
        sys.exit(f"kg build failed ({done.returncode}):\n{done.stderr[-2000:]}")


def unknown_name_recall(outcomes, rules) -> tuple[int, int]:
    known = rules.alias_index
    absent = [o for o in outcomes if not any(key in known for key in o[4])]
    return sum(1 for o in absent if o[3]), len(absent)


def confusion(outcomes) -> str:
    table = Counter((gold, graph or "-") for _, gold, graph, _, _ in outcomes)
    columns = [*ENTITY_TYPES, "-"]
    lines = ["gold \\ graph " + "".join(f"{c[:7]:>8}" for c in columns)]
    for gold in ENTITY_TYPES:
        lines.append(f"{gold:<13}" + "".join(f"{table[(gold, c)]:>8}" for c in columns))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["dev", "test", "both"], default="both")
    parser.add_argument("--graph", type=Path, help="score this graph.ttl instead of building one")
    parser.add_argument("--no-model", action="store_true")
    args = parser.parse_args()
    splits = ["dev", "test"] if args.split == "both" else [args.split]
    gold_files = [GOLD / f"{split}.jsonl" for split in splits]
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} not found: the evaluation reads the shared corpora")
    rules = load_rules()
    with tempfile.TemporaryDirectory() as scratch:
        graph = args.graph
        if graph is None:
            out = Path(scratch) / "out"
            build(inputs([GOLD / "dev.jsonl", GOLD / "test.jsonl"]), out, args.no_model)
            graph = out / "graph.ttl"
        for split, gold in zip(splits, gold_files):
            result = evaluate(gold, graph)
            found, absent = unknown_name_recall(result.outcomes, rules)
            print(f"== {split} ({gold.relative_to(ROOT)})")
            print(format_evaluation(result).split("\nNot in the graph")[0])
            print(f"\nGold names no rule lists: {absent}, found {found} (recall {found / absent if absent else 0:.2f})")
            print("\nType confusion (gold entities of found items):")
            print(confusion(result.outcomes))
            print()


if __name__ == "__main__":
    main()
