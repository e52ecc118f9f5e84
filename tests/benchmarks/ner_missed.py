"""Where the build loses the dev names no rule lists: for each gold name of tests/data/gold/dev.jsonl that no
gazetteer name or alias covers and that a graph misses, whether the statistical NER ever saw it (not a test).

    python3 tests/benchmarks/ner_missed.py GRAPH [--model DIR] [--list]

GRAPH is a build of the evaluation files (/work/data/tools/build_eval.py OUT, or bench_quality.py's build) made
with the model in DIR (default: the installed kg/models/ner). The source files of the dev items are read again
with that model, and each missed name is counted in the first of these that holds:

    not in the text      the name is not written so in the items of its files (the gold names it otherwise)
    no window            no window the model reads (5 tokens around a Latin name-like word no rule covers)
                         holds it
    model silent         a window holds it and the model predicts no entity with exactly its text
    model proposed       the model predicts it somewhere in those items, and the build's filters after the
                         model (kg/extract/ner/component.py, plausible.py, 2 items) or the typing drop it

Counts are by text, over all the items of the dev files: a name the model proposes in one item is
"proposed" even where the gold counts it in another. Only dev is read (never the test split).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from spacy.tokens import Doc  # noqa: E402

from kg.extract.mentions import MODEL_DIR, extract_mentions, item_text, make_pipelines  # noqa: E402
from kg.extract.ner.component import ModelMentions  # noqa: E402
from kg.extract.rules import load_rules  # noqa: E402
from kg.ingest.digest import parse_digest  # noqa: E402
from kg.quality.evaluate import evaluate  # noqa: E402

SHARED = Path(os.environ.get("KG_SHARED", ROOT.parent / "shared")) / "corpus"
DEV = ROOT / "tests" / "data" / "gold" / "dev.jsonl"
FOLDERS = {"hextra": "hextra-ai-insight-daily", "ainews-zh": "ainews-zh"}
KINDS = ("not in the text", "no window", "model silent", "model proposed")


def dev_files() -> list[Path]:
    files = set()
    for line in DEV.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        corpus = record["corpus"]
        folder = SHARED / "layouts" / corpus[len("layouts-"):] if corpus.startswith("layouts-") else SHARED / FOLDERS[corpus]
        files.update(folder.rglob(record["file"]))
    return sorted(files)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("graph", type=Path)
    parser.add_argument("--model", type=Path, default=MODEL_DIR, help="the NER model the graph was built with")
    parser.add_argument("--list", action="store_true", help="print the names of each kind")
    args = parser.parse_args()
    rules = load_rules()
    missed = [name for name, _gold, _graph, hit, keys in evaluate(DEV, args.graph).outcomes
              if not hit and not any(key in rules.alias_index for key in keys)]

    windows: list[str] = []
    proposed: set[str] = set()
    predict = ModelMentions.predict

    def recording(self, pieces, texts, taken):  # the model's own entities in each window, before any filter
        copies = [Doc(p.vocab, words=[t.text for t in p], spaces=[bool(t.whitespace_) for t in p]) for _, p, _ in pieces]
        for (n, piece, offset), doc in zip(pieces, self.ner.pipe(copies)):
            windows.append(texts[n][offset:offset + len(piece.text)])
            proposed.update(texts[n][offset + e.start_char:offset + e.end_char] for e in doc.ents)
        return predict(self, pieces, texts, taken)

    ModelMentions.predict = recording
    items = [item for path in dev_files() for item in parse_digest(path).items]
    texts = [item_text(item) for item in items]
    list(extract_mentions(items, make_pipelines(rules, model_dir=args.model)))

    names: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for name in missed:
        if not any(name in text for text in texts):
            names["not in the text"].append(name)
        elif not any(name in window for window in windows):
            names["no window"].append(name)
        elif name not in proposed:
            names["model silent"].append(name)
        else:
            names["model proposed"].append(name)
    print(f"{args.model}: {len(items)} items of the dev files, {len(missed)} dev names no rule lists missed by {args.graph}")
    for kind in KINDS:
        print(f"  {kind:<16} {len(names[kind]):>4}" + (f"  {', '.join(sorted(names[kind]))}" if args.list else ""))


if __name__ == "__main__":
    main()
