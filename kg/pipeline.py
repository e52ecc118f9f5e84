"""The build: files -> items -> mentions -> entities -> relations -> graph.

One broken file is reported and skipped; the rest of the build goes on.
"""
from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from .digest import DEFAULT_MAX_BYTES, DIGEST_SUFFIXES
from .engines import Engine, FileReader, FileResult, ReaderConfig, SerialEngine, make_engine
from .errors import InputProblem, NoInputError
from .extract import MODEL_DIR, model_available
from .graph import build_graph
from .normalize import fold_name
from .records import Entity, NewsItem, Relation
from .relations import co_mentions, knowledge_relations, pattern_relations, variant_relations
from .resolve import EntityResolver
from .rules import Rules, load_rules
from .spill import ItemSpill, SpilledItems

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
    engine: str = "local"
    cache_hits: int | None = None  # None: no cache used
    cache_misses: int | None = None
    cache_notes: list[str] = field(default_factory=list)  # why the cache was invalidated, if it was

    @property
    def files_ok(self) -> int:
        return self.files - len(self.skipped)


@dataclass
class BuildResult:
    graph: nx.MultiDiGraph
    items: Mapping[str, NewsItem]  # item id -> item with its text, read back from disk on access (kg/spill.py)
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


# The reading stage (kg/engines.py); the old names stay importable from here.
_FileResult = FileResult
_FileReader = FileReader


def _read_files(files: list[Path], rules: Rules, config: ReaderConfig, report: BuildReport, *, engine: str | Engine,
                workers: int, scheduler: str | None, cache: Path | None) -> Iterator[FileResult]:
    """File results in input order (so the build is the same with any engine), from the cache where it can.

    Every yielded result has the mentions of each of its items not seen in an earlier file: the cache or an
    engine may leave some out (the in-process reader skips items it has read already), and those are
    extracted here, so a build from the cache gives the graph a cold build gives.
    """
    from .cache import BuildCache

    store, keys, hits = None, {}, set()
    if cache is not None:
        clock = time.perf_counter()
        store = BuildCache(cache, rules, config)
        keys, hits = store.lookup(files)
        report.stage_seconds["cache"] += time.perf_counter() - clock
    own = not isinstance(engine, Engine)
    engine = make_engine(engine, rules, config, workers=workers, scheduler=scheduler) if own else engine
    report.engine = engine.name
    local = engine if isinstance(engine, SerialEngine) else SerialEngine(rules, config)  # lazy: no cost unless used
    known: set[str] = set()  # ids of the items of the files before this one
    fresh = None
    hit_count = 0
    try:
        # Engines start reading the files the cache lacks now, while the cached ones are loaded here.
        fresh = engine.read([path for path in files if path not in hits], known)
        for path in files:
            result = None
            if path in hits:
                clock = time.perf_counter()
                result = store.load(path, keys[path])
                report.stage_seconds["cache"] += time.perf_counter() - clock
                if result is None:  # the entry went bad since the lookup: read the file here
                    result = local.reader(path, known)
            else:
                result = next(fresh)
            changed = not result.cached
            missing = [item for item in result.items if item.id not in known and item.id not in result.mentions]
            if missing:
                result.mentions.update(local.reader.extract(missing, result))
                changed = True
            if store and changed:
                clock = time.perf_counter()
                store.store(path, keys.get(path), result)
                report.stage_seconds["cache"] += time.perf_counter() - clock
            hit_count += result.cached
            known.update(item.id for item in result.items)
            yield result
        if store:
            store.finish()
            report.cache_hits, report.cache_misses = hit_count, len(files) - hit_count
            report.cache_notes = store.stats.notes
    finally:
        if fresh is not None:
            fresh.close()
        report.stage_seconds["setup"] += engine.setup_seconds + (local.setup_seconds if local is not engine else 0.0)
        if own:
            engine.close()


def build(
    inputs: Iterable[Path] | None = None,
    *,
    rules: Rules | None = None,
    fallback_date: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_file: Callable[[Path], None] | None = None,
    workers: int = 1,
    use_model: bool = True,
    engine: str | Engine = "local",
    scheduler: str | None = None,
    cache: Path | str | None = None,
) -> BuildResult:
    """Build the knowledge graph of the given digests (default: the bundled sample corpus).

    `workers` > 1 parses and extracts files in that many processes; the result is the same.
    `use_model` runs the shipped statistical NER after the rules (when it is installed).
    `engine` "dask" reads the files on the Dask cluster at `scheduler` (tcp://HOST:PORT); the result is the same.
    `cache` is a folder of per-file results (kg/cache.py): unchanged files are not read again.
    """
    files = collect_files(inputs or [SAMPLE_CORPUS])
    rules = rules or load_rules()
    report = BuildReport(files=len(files))
    if use_model and not model_available():
        report.warnings.append(
            f"the statistical NER model is not installed ({MODEL_DIR}): entities come from the rules only."
            " Reinstall kg, or train it with `kg train CORPUS_FOLDER`, or pass --no-model to silence this"
        )

    items: dict[str, NewsItem] = {}  # compact: the text and mentions of each item wait on disk (kg/spill.py)
    spill = ItemSpill()
    resolver = EntityResolver(rules)
    config = ReaderConfig(fallback_date, max_bytes, use_model)
    reading = _read_files(files, rules, config, report, engine=engine, workers=workers, scheduler=scheduler,
                          cache=Path(cache) if cache is not None else None)
    for result in reading:
        if result.problem is not None:
            report.skipped.append(result.problem)
        report.warnings.extend(result.warnings)
        report.stage_seconds["parse"] += result.parse_seconds
        report.stage_seconds["extract"] += result.extract_seconds
        for item in result.items:
            seen = items.get(item.id)
            if seen is None:
                items[item.id] = spill.add(item, result.mentions[item.id])
                resolver.observe(result.mentions[item.id])
                report.chars += len(item.title) + len(item.text)
                continue
            report.repeated_items += 1  # the same story again: one item, every digest, earliest date
            seen.sources = list(dict.fromkeys(seen.sources + item.sources))
            if item.date < seen.date:
                seen.date = item.date
        if on_file:
            on_file(result.path)
    report.items = len(items)

    try:
        return _assemble(items, spill, resolver, rules, report)
    except BaseException:  # a failed or interrupted build leaves nothing behind in the temp dir
        spill.close()
        raise


def _assemble(items: dict[str, NewsItem], spill: ItemSpill, resolver: EntityResolver, rules: Rules,
              report: BuildReport) -> BuildResult:
    """Entities, relations and the graph, streaming each item's text and mentions back from the spill."""
    clock = time.perf_counter()
    resolver.finish()
    entities = resolver.entities()
    known = {fold_name(e.name): e for e in entities.values()}
    known.update({k: entities[v] for k, v in rules.alias_index.items() if v in entities})
    base_of = {e.id: b for e in entities.values() if (b := resolver.base_of(e, known)) and b in entities}
    report.stage_seconds["resolve"] += time.perf_counter() - clock

    clock = time.perf_counter()
    relations: list[Relation] = []
    pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
    mentioned_in: dict[str, set[str]] = defaultdict(set)
    for item_id, compact in items.items():  # one item in memory at a time
        item, found = spill.load(compact)
        found = [r for m in found if (r := resolver.resolve(m)) is not None]
        found_relations = pattern_relations(item, found, rules)
        found_relations += knowledge_relations(item, found, rules, found_relations)
        found_relations += variant_relations(item, found, base_of)
        relations.extend(found_relations)
        for pair in co_mentions(found):
            pairs[pair].append(item_id)
        for m in found:
            mentioned_in[m.entity_id].add(item_id)
    report.stage_seconds["relations"] += time.perf_counter() - clock

    clock = time.perf_counter()
    graph = build_graph(entities, items, mentioned_in, relations, pairs)
    report.stage_seconds["graph"] += time.perf_counter() - clock
    return BuildResult(graph, SpilledItems(items, spill), entities, relations, report)


def summarize(result: BuildResult) -> dict:
    """Counts a user checks after a build."""
    g = result.graph
    by_type = Counter(data["type"] for _, data in g.nodes(data=True))
    by_relation = Counter(data["relation"] for _, _, data in g.edges(data=True))
    return {"entities": dict(sorted(by_type.items())), "edges": dict(sorted(by_relation.items()))}
