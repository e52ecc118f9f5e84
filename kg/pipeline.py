"""The build: files -> items -> mentions -> entities -> relations -> graph.

One broken file is reported and skipped; the rest of the build goes on.
"""
from __future__ import annotations

import multiprocessing
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from .digest import DEFAULT_MAX_BYTES, DIGEST_SUFFIXES, parse_digest
from .errors import InputFileError, InputProblem, NoInputError
from .extract import extract_mentions, make_pipelines
from .graph import build_graph
from .normalize import fold_name
from .records import Entity, Mention, NewsItem, Relation
from .relations import co_mentions, knowledge_relations, pattern_relations, variant_relations
from .resolve import EntityResolver
from .rules import Rules, load_rules

SAMPLE_CORPUS = Path(__file__).parent / "sample_corpus"


@dataclass
class BuildReport:
    files: int = 0
    skipped: list[InputProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    items: int = 0
    repeated_items: int = 0  # the same story listed again (by normalised URL)
    chars: int = 0
    stage_seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    @property
    def files_ok(self) -> int:
        return self.files - len(self.skipped)


@dataclass
class BuildResult:
    graph: nx.MultiDiGraph
    items: dict[str, NewsItem]
    entities: dict[str, Entity]
    relations: list[Relation]
    report: BuildReport


def collect_files(inputs: Iterable[Path]) -> list[Path]:
    """Digest files from files and folders (recursive), in a stable order."""
    files: list[Path] = []
    for path in map(Path, inputs):
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DIGEST_SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            raise NoInputError(f"{path}: no such file or folder")
    if not files:
        raise NoInputError("no digest files (.md, .markdown, .txt) in " + ", ".join(map(str, inputs)))
    return list(dict.fromkeys(files))


@dataclass
class _FileResult:
    path: Path
    items: list[NewsItem] = field(default_factory=list)
    mentions: dict[str, list[Mention]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    problem: InputProblem | None = None
    parse_seconds: float = 0.0
    extract_seconds: float = 0.0


class _FileReader:
    """Parses one digest and extracts the mentions of its items; one per process."""

    def __init__(self, rules: Rules, fallback_date: str | None, max_bytes: int, use_model: bool = True):
        self.pipelines = make_pipelines(rules, use_model=use_model)
        self.fallback_date = fallback_date
        self.max_bytes = max_bytes

    def __call__(self, path: Path, known: set[str] | frozenset[str] = frozenset()) -> _FileResult:
        result = _FileResult(path)
        clock = time.perf_counter()
        try:
            digest = parse_digest(path, fallback_date=self.fallback_date, max_bytes=self.max_bytes)
        except InputFileError as exc:
            result.problem = exc.detail
            return result
        result.items, result.warnings = digest.items, digest.warnings
        result.parse_seconds = time.perf_counter() - clock
        clock = time.perf_counter()
        fresh = [item for item in digest.items if item.id not in known]
        result.mentions = {item.id: found for item, found in extract_mentions(fresh, self.pipelines)}
        result.extract_seconds = time.perf_counter() - clock
        return result


_WORKER_READER: _FileReader | None = None


def _start_worker(rules_dir: str, fallback_date: str | None, max_bytes: int, use_model: bool) -> None:
    global _WORKER_READER
    _WORKER_READER = _FileReader(load_rules(Path(rules_dir)), fallback_date, max_bytes, use_model)


def _read_in_worker(path: Path) -> _FileResult:
    return _WORKER_READER(path)


def _read_files(files, rules, fallback_date, max_bytes, workers, report, use_model) -> Iterator[_FileResult]:
    """File results in input order, so the build is the same with any number of workers."""
    if workers <= 1:
        clock = time.perf_counter()
        reader = _FileReader(rules, fallback_date, max_bytes, use_model)
        report.stage_seconds["setup"] += time.perf_counter() - clock
        known: set[str] = set()
        for path in files:
            result = reader(path, known)
            known.update(item.id for item in result.items)
            yield result
        return
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(str(rules.directory), fallback_date, max_bytes, use_model)) as pool:
        yield from pool.map(_read_in_worker, files, chunksize=1)


def build(
    inputs: Iterable[Path] | None = None,
    *,
    rules: Rules | None = None,
    fallback_date: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_file: Callable[[Path], None] | None = None,
    workers: int = 1,
    use_model: bool = True,
) -> BuildResult:
    """Build the knowledge graph of the given digests (default: the bundled sample corpus).

    `workers` > 1 parses and extracts files in that many processes; the result is the same.
    `use_model` runs the shipped statistical NER after the rules (when it is installed).
    """
    files = collect_files(inputs or [SAMPLE_CORPUS])
    rules = rules or load_rules()
    report = BuildReport(files=len(files))

    items: dict[str, NewsItem] = {}
    mentions: dict[str, list[Mention]] = {}
    for result in _read_files(files, rules, fallback_date, max_bytes, workers, report, use_model):
        if result.problem is not None:
            report.skipped.append(result.problem)
        report.warnings.extend(result.warnings)
        report.stage_seconds["parse"] += result.parse_seconds
        report.stage_seconds["extract"] += result.extract_seconds
        for item in result.items:
            seen = items.get(item.id)
            if seen is None:
                items[item.id] = item
                mentions[item.id] = result.mentions[item.id]
                report.chars += len(item.title) + len(item.text)
                continue
            report.repeated_items += 1  # the same story again: one item, every digest, earliest date
            seen.sources = list(dict.fromkeys(seen.sources + item.sources))
            if item.date < seen.date:
                seen.date = item.date
        if on_file:
            on_file(result.path)
    report.items = len(items)

    clock = time.perf_counter()
    resolver = EntityResolver(rules)
    for found in mentions.values():
        resolver.observe(found)
    new_entities = resolver.finish()
    mentions = {item_id: [resolver.resolve(m) for m in found] for item_id, found in mentions.items()}
    entities: dict[str, Entity] = {}
    for found in mentions.values():
        for m in found:
            if m.entity_id not in entities:
                entities[m.entity_id] = resolver.entity(m.entity_id) or new_entities[fold_name(m.surface)]
    known = {fold_name(e.name): e for e in entities.values()}
    known.update({k: entities[v] for k, v in rules.alias_index.items() if v in entities})
    base_of = {e.id: b for e in entities.values() if (b := resolver.base_of(e, known)) and b in entities}
    report.stage_seconds["resolve"] += time.perf_counter() - clock

    clock = time.perf_counter()
    relations: list[Relation] = []
    pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for item_id, found in mentions.items():
        item = items[item_id]
        found_relations = pattern_relations(item, found, rules)
        found_relations += knowledge_relations(item, found, rules, found_relations)
        found_relations += variant_relations(item, found, base_of)
        relations.extend(found_relations)
        for pair in co_mentions(found):
            pairs[pair].append(item_id)
    report.stage_seconds["relations"] += time.perf_counter() - clock

    clock = time.perf_counter()
    graph = build_graph(entities, items, mentions, relations, pairs)
    report.stage_seconds["graph"] += time.perf_counter() - clock
    return BuildResult(graph, items, entities, relations, report)


def summarize(result: BuildResult) -> dict:
    """Counts a user checks after a build."""
    g = result.graph
    by_type = Counter(data["type"] for _, data in g.nodes(data=True))
    by_relation = Counter(data["relation"] for _, _, data in g.edges(data=True))
    return {"entities": dict(sorted(by_type.items())), "edges": dict(sorted(by_relation.items()))}
