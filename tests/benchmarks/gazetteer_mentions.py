"""Where gazetteer names match in the training text: a precision check for new gazetteer entries.

    python tests/benchmarks/gazetteer_mentions.py --since main          # entries added since a git revision
    python tests/benchmarks/gazetteer_mentions.py --ids kpmg,temasek    # these entries
    python tests/benchmarks/gazetteer_mentions.py --since main --contexts 5 --min 2

Runs the gazetteer matcher (as `kg build` does, outlets cited as sources left out) over every item of the
training part of the shared corpora (hextra-ai-insight-daily before 2026-01, ainews-zh before 26-07;
kg.ingest.corpora.training_files) and prints, per entry and surface form, how many times it matched, most first,
with a few random contexts (seed 1). Read them: a name that matches inside other words (强生 in 增强生成), a common
word, or an acronym with another meaning shows up here before it costs precision.
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kg.extract.mentions import GazetteerMatcher, _non_overlapping  # noqa: E402
from kg.extract.rules import load_rules  # noqa: E402
from kg.ingest.corpora import read_items, training_files  # noqa: E402

SHARED = Path(os.environ.get("KG_SHARED", ROOT.parent / "shared"))  # KG_SHARED: where ../shared is


def ids_since(revision: str) -> set[str]:
    """The gazetteer ids of the working tree that the rules of `revision` do not have."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "rules"], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        old = set(load_rules(Path(tmp) / "rules").entities)
    return set(load_rules().entities) - old


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--since", metavar="REV", help="entries added since this git revision")
    which.add_argument("--ids", help="comma-separated gazetteer ids")
    parser.add_argument("--contexts", type=int, default=3, help="random contexts shown per form (default 3)")
    parser.add_argument("--min", type=int, default=1, help="show forms matched at least this often")
    args = parser.parse_args()
    if not (SHARED / "corpus").is_dir():
        sys.exit(f"{SHARED / 'corpus'} not found: set KG_SHARED to the shared folder")
    rules = load_rules()
    wanted = ids_since(args.since) if args.since else set(args.ids.split(","))
    unknown = wanted - set(rules.entities)
    if unknown:
        sys.exit(f"unknown gazetteer id(s): {', '.join(sorted(unknown))}")
    matcher = GazetteerMatcher(rules)
    hits: dict[tuple[str, str], list[str]] = defaultdict(list)
    files = training_files(SHARED)
    for item in read_items(files):
        for text in (item.title, item.text):
            found = [m for m in matcher.find(text) if not matcher._cited_as_source(text, m)]
            for m in _non_overlapping(found):
                if m.entity_id in wanted:
                    hits[(m.entity_id, text[m.start:m.end])].append(text[max(0, m.start - 40):m.end + 40].replace("\n", " "))
    rng = random.Random(1)
    total = sum(len(v) for v in hits.values())
    print(f"{len(files)} training files; {len(wanted)} entries, {len({k[0] for k in hits})} of them matched, {total} matches")
    for (entity_id, form), contexts in sorted(hits.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(contexts) < args.min:
            continue
        print(f"{len(contexts):6d}  {entity_id} [{form}]")
        for context in rng.sample(contexts, min(args.contexts, len(contexts))):
            print(f"          {context}")


if __name__ == "__main__":
    main()
