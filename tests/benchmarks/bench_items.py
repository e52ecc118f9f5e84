"""Items found in the hand-annotated digests of ../shared/corpus/layouts (tests/data/items-gold.jsonl), per source.

    PYTHONPATH=$PWD python tests/benchmarks/bench_items.py [CORPUS_LAYOUTS_DIR] [--show-misses]

For each source: annotated items, those found with the right URL, with the right URL and title; items found in
the annotated files that are not annotated (extra: read them, boilerplate would show here); and over every file
of the source, headlines that still carry a list number. Parse only (no extraction).
"""
from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from kg.ingest.digest import parse_digest
from kg.errors import InputFileError
from kg.ingest.normalize import fold_name, normalize_url

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "layouts"
GOLD = ROOT / "tests" / "data" / "items-gold.jsonl"
NUMBERED = re.compile(r"^\s*(\d{1,3}\s?[.、)）](?!\d)|【\d{1,3}】|#\d{1,4}\s)|(?<![A-Za-z0-9])\s#\d{1,4}\s*$")
_PUNCT = re.compile(r"[\W_]+")


def title_key(title: str) -> str:
    return _PUNCT.sub("", fold_name(title))


def same_title(found: str, gold: str) -> bool:
    a, b = title_key(found), title_key(gold)
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return bool(short) and short in long and len(short) >= 0.6 * len(long)


def measure(show_misses: bool = False) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        row = table[record["source"]]
        path = CORPUS / record["file"]
        items = parse_digest(path).items
        by_url = {}
        for item in items:
            for url in item.links[:1]:
                by_url.setdefault(normalize_url(url), item)
        matched = set()
        for gold in record["items"]:
            row["annotated"] += 1
            item = by_url.get(normalize_url(gold["url"]))
            if item is None:
                if show_misses:
                    print(f"  missed {record['file']}: {gold['title'][:60]} {gold['url'][:60]}")
                continue
            matched.add(item.id)
            row["url"] += 1
            if same_title(item.title, gold["title"]):
                row["url+title"] += 1
            elif show_misses:
                print(f"  title {record['file']}: {item.title[:60]!r} != {gold['title'][:60]!r}")
        row["extra"] += sum(1 for item in items if item.id not in matched)
        if show_misses:
            for item in items:
                if item.id not in matched:
                    print(f"  extra {record['file']}:{item.line}: {item.title[:60]} {item.url}")
    for source in table:
        folder = CORPUS / source.replace("/", "__")
        for path in sorted(folder.glob("*.md")):
            table[source]["files"] += 1
            try:
                items = parse_digest(path).items
            except InputFileError:
                table[source]["unreadable"] += 1
                continue
            table[source]["items"] += len(items)
            table[source]["numbered"] += sum(1 for item in items if NUMBERED.search(item.title))
    return table


def main() -> int:
    global CORPUS
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    CORPUS = Path(args[0]) if args else CORPUS
    if not CORPUS.is_dir():
        print(f"skipped: {CORPUS} is missing")
        return 0
    table = measure("--show-misses" in sys.argv)
    print("| source | files | items | annotated | right URL | right URL + title | % | extra in annotated files | numbered headlines |")
    print("|---|---|---|---|---|---|---|---|---|")
    total = defaultdict(int)
    for source, row in sorted(table.items()):
        share = 100 * row["url+title"] / row["annotated"] if row["annotated"] else 0
        print(f"| {source} | {row['files']} | {row['items']} | {row['annotated']} | {row['url']} | {row['url+title']} | "
              f"{share:.1f} | {row['extra']} | {row['numbered']} |")
        for key, value in row.items():
            total[key] += value
    share = 100 * total["url+title"] / total["annotated"]
    print(f"| all | {total['files']} | {total['items']} | {total['annotated']} | {total['url']} | {total['url+title']} | "
          f"{share:.1f} | {total['extra']} | {total['numbered']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
