"""What the Chinese-name slots (rules/patterns.yml, ids `zh-*`; kg.extract.mentions.zh_name_edges) add, and
what they cost, on the Chinese items of the hextra training months (../shared/corpus/hextra-ai-insight-daily,
months before 2026-01).

    PYTHONPATH=$PWD python tests/benchmarks/bench_zh_names.py [--show N]

Runs the rule components (gazetteer, patterns and the structure after them, no model) over the items twice in
the same process: with every pattern, and without the `zh-*` ones. Prints the seconds of each run, their ratio,
the names each slot proposes (entity mentions), and with --show N that many random ones with their context, to
read and judge.
"""
from __future__ import annotations

import argparse
import dataclasses
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kg.errors import InputFileError  # noqa: E402
from kg.extract.mentions import make_pipelines, rule_matches  # noqa: E402
from kg.extract.rules import load_rules  # noqa: E402
from kg.extract.spans import item_text  # noqa: E402
from kg.ingest.digest import parse_digest  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "hextra-ai-insight-daily"
ZH_EXTRACTORS = ("pattern:zh-", "pattern:bracket-alias")


def chinese_items() -> list[str]:
    texts = []
    for month in sorted(p for p in CORPUS.iterdir() if p.is_dir() and p.name < "2026-01"):
        for path in sorted(month.rglob("*.md")):
            try:
                items = parse_digest(path).items
            except InputFileError:
                continue
            texts += [t for t in map(item_text, items) if len(re.findall(r"[\u4e00-\u9fff]", t)) > 0.3 * len(t)]
    return texts


def run(rules, texts):
    nlp = make_pipelines(rules, use_model=False)["zh"]
    gazetteer, patterns = nlp.get_pipe("kg_gazetteer"), nlp.get_pipe("kg_patterns")
    rule_matches(texts[0], gazetteer, patterns)  # jieba's dictionary loaded before the clock starts
    began = time.perf_counter()
    found = [(text, rule_matches(text, gazetteer, patterns)) for text in texts]
    return time.perf_counter() - began, found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", type=int, default=0, help="print this many random names the slots propose")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"no corpus at {CORPUS}")
    texts = chinese_items()
    rules = load_rules()
    without = dataclasses.replace(rules, patterns=[p for p in rules.patterns if not p.id.startswith("zh-")])
    base_seconds, _ = run(without, texts)
    seconds, found = run(rules, texts)
    print(f"{len(texts)} Chinese items; rules without the zh-* slots {base_seconds:.1f} s, with them {seconds:.1f} s "
          f"(x{seconds / base_seconds:.2f})")
    proposed = [(m.extractor[len("pattern:"):], m.type, text[m.start:m.end], text[max(0, m.start - 15):m.end + 15])
                for text, matches in found for m in matches if m.extractor.startswith(ZH_EXTRACTORS)]
    by_slot = Counter(slot for slot, *_ in proposed)
    print(f"names proposed (mentions): {len(proposed)}")
    for slot, n in by_slot.most_common():
        print(f"  {slot:<24} {n:>5}")
    for slot, kind, name, context in random.Random(0).sample(proposed, min(args.show, len(proposed))):
        print(f"{slot:<24} {kind:<12} {name:<16} | {context.replace(chr(10), ' ')}")


if __name__ == "__main__":
    main()
