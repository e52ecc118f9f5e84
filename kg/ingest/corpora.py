"""The training part of the shared corpora: what kg's trained components learn from.

hextra-ai-insight-daily before 2026-01 and ainews-zh before 26-07. The newest months of both and the layouts
sources are where the evaluation gold comes from (tests/data/gold/), so no component learns from them; the
files of the older hand-annotated gold (tests/data/gold.jsonl) are left out too.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.errors import KgError, InputFileError
from kg.ingest.digest import parse_digest

GOLD_DIR = Path(__file__).resolve().parents[2] / "tests" / "data"


class TrainingDataError(KgError):
    """The training corpora or the hand-annotated pairs cannot be read."""


def gold_files() -> set[str]:
    """The names of the files hand-annotated gold items come from (tests/data/gold.jsonl and gold/*.jsonl)."""
    names = set()
    for path in [GOLD_DIR / "gold.jsonl", *sorted((GOLD_DIR / "gold").glob("*.jsonl"))]:
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    names.add(json.loads(line).get("file", "").rsplit("/", 1)[-1])
    return names


def training_files(shared: Path, every: int = 1) -> list[Path]:
    """The training part of the two large corpora (every `every`-th file of each), without the files any gold
    item comes from."""
    corpus = shared / "corpus"
    gold = gold_files()
    hextra = sorted(p for p in (corpus / "hextra-ai-insight-daily").rglob("*.md") if p.name < "2026-01" and p.name not in gold)
    ainews = sorted(p for p in (corpus / "ainews-zh").glob("*.md")
                    if not p.name.startswith(("26-07", "2026-07")) and p.name not in gold)
    if not hextra and not ainews:
        raise TrainingDataError(f"{corpus}: no training corpora (hextra-ai-insight-daily, ainews-zh)")
    return hextra[::every] + ainews[::every]


HAND_FILES = "relations-train*.jsonl"


def hand_annotated_files(folder: Path = GOLD_DIR) -> list[Path]:
    """The hand-annotated sentence files (tests/data/relations-train*.jsonl), in name order."""
    return sorted(Path(folder).glob(HAND_FILES))


def pair_records(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, record) of a hand-annotated pair file: `text`, `s` and `o` as [start, end, type], the
    sentence's other mentions as `others`, the label `p`."""
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            for start, end, kind in [record["s"], record["o"], *record.get("others", [])]:
                int(start), int(end), str(kind)
            if not isinstance(record["text"], str) or not isinstance(record["p"], str):
                raise TypeError("text and p must be strings")
        except (ValueError, KeyError, TypeError) as exc:
            raise TrainingDataError(f"{path}:{n}: not a pair record ({exc}). Fix: text, s, o, p") from None
        yield n, record


def hand_annotated_mentions(paths: Iterable[Path]) -> dict[str, list[tuple[int, int, str]]]:
    """Each hand-annotated sentence with every mention its records mark (subject, object and others), as
    (start, end, type); a sentence whose records give one stretch of text two readings is left out."""
    sentences: dict[str, set[tuple[int, int, str]]] = {}
    for path in paths:
        for _n, record in pair_records(path):
            spans = [record["s"], record["o"], *record.get("others", [])]
            sentences.setdefault(record["text"], set()).update((int(a), int(b), str(t)) for a, b, t in spans)
    out = {}
    for text, spans in sentences.items():
        ordered = sorted(spans)
        if all(a[1] <= b[0] for a, b in zip(ordered, ordered[1:])) and all(0 <= a < b <= len(text) for a, b, _ in ordered):
            out[text] = ordered
    return out


def read_items(files: Iterable[Path]) -> Iterator:
    """The items of the files; a file that cannot be read is skipped."""
    for path in files:
        try:
            yield from parse_digest(path).items
        except InputFileError:
            continue
