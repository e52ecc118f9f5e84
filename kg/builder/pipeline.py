"""The build: files -> items -> mentions -> entities -> relations -> graph.

One broken file is reported and skipped; the rest of the build goes on.
"""
from __future__ import annotations

import contextlib
import errno
import os
import pickle
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from kg.builder import gc_control as collector
from kg.builder.cache import BuildCache
from kg.ingest.digest import DEFAULT_MAX_BYTES, DIGEST_SUFFIXES
from kg.builder.readers import Engine, FileReader, FileResult, ReaderConfig, SerialEngine, make_engine, unexpected_problem
from kg.errors import InputProblem, NoInputError, NothingReadError, OutputDirError
from kg.extract.mentions import MODEL_DIR, model_available
from kg.graph import build_graph
from kg.ingest.normalize import fold_name
from kg.builder.contributions import Piece, dated, find_relations
from kg.link.rel.component import RelationModel
from kg.link.rel.component import model_installed as relation_model_installed
from kg.records import Entity, Mention, NewsItem, Relation
from kg.link.relations import co_mention_pairs
from kg.link.resolve import EntityResolver
from kg.extract.rules import Rules, load_rules
from kg.builder.itemstore import ItemSpill, SpilledItems

SAMPLE_CORPUS = Path(__file__).parent.parent / "sample_corpus"


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
    pieces_redone: int = 0  # files whose relations were found in this build (the rest came from the cache)

    @property
    def files_ok(self) -> int:
        return self.files - len(self.skipped)


@dataclass
class BuildResult:
    graph: nx.MultiDiGraph
    items: Mapping[str, NewsItem]  # item id -> item with its text, read back from disk on access (kg/builder/itemstore.py)
    entities: dict[str, Entity]
    relations: list[Relation]
    report: BuildReport


def check_out_dir(out_dir: Path) -> Path:
    """Make the export folder (and its parents) and check a file can be created in it, before a build reads
    anything; raise OutputDirError with the fix otherwise."""
    out_dir = Path(out_dir)
    for folder in (out_dir, *out_dir.parents):
        if folder.exists():
            if not folder.is_dir():
                raise OutputDirError(f"--out {out_dir}: {folder} is a file, not a folder."
                                     " Fix: pass --out a folder (new or existing), or move that file away")
            break
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".kg-write-check-", dir=out_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputDirError(f"--out {out_dir}: {_cannot_write(exc)}") from None
    return out_dir


def _cannot_write(exc: OSError) -> str:
    why = {
        errno.EROFS: ("it is on a read-only file system", "pass --out a folder on a writable disk"),
        errno.EACCES: ("no permission to write there", "pass --out a folder you can write to, or fix its permissions"),
        errno.EPERM: ("the system does not allow writing there (permissions or an immutable flag)",
                      "pass --out a folder you can write to"),
        errno.ENOSPC: ("the disk is full", "free some space or pass --out a folder on another disk"),
        errno.ENOTDIR: ("part of the path is a file, not a folder", "pass --out a folder path"),
    }
    problem, fix = why.get(exc.errno, (f"cannot write there ({exc.strerror or exc})", "pass --out a folder you can write to"))
    return f"{problem}. Fix: {fix}"


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


def _read_files(files: list[Path], rules: Rules, config: ReaderConfig, report: BuildReport, *, engine: str | Engine,
                workers: int, scheduler: str | None, store: BuildCache | None) -> Iterator[FileResult | Piece]:
    """File results in input order (so the build is the same with any engine), from the cache where it can.

    A file whose piece (kg/builder/contributions.py) is in the cache, and whose new items are the same as when it was made,
    is yielded as that piece: its entry is not loaded. Every yielded result has the mentions of each of its
    items not seen in an earlier file: the cache or an engine may leave some out (the in-process reader skips
    items it has read already), and those are extracted here, so a build from the cache gives the graph a cold
    build gives.
    """
    keys, hits, with_piece = {}, set(), set()
    if store is not None:
        clock = time.perf_counter()
        keys, hits = store.lookup(files)
        with_piece = store.piece_hits(keys, hits)
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
        # All pieces now, while the workers set up spaCy: the loop below then waits less for the first file read.
        clock = time.perf_counter()
        with collector.paused():  # unpickling makes no garbage cycles
            cached_pieces = {path: store.load_piece(path, keys[path]) for path in files if path in with_piece}
        report.stage_seconds["cache"] += time.perf_counter() - clock
        for path in files:
            result = None
            if path in with_piece:
                piece = cached_pieces.pop(path)
                if piece is not None and piece.first_listed(known) == piece.new_ids:
                    hit_count += 1
                    known.update(item.id for item in piece.items)
                    yield piece
                    continue
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
                try:
                    result.mentions.update(local.reader.extract(missing, result))
                except Exception as exc:  # noqa: BLE001 - as FileReader does: this file's problem, not the build's
                    result = FileResult(path, problem=unexpected_problem(path, exc), unexpected=True)
                changed = True
            if store and changed and not result.unexpected:
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
    `use_model` runs the shipped statistical NER after the rules and the relation classifier after the relation
    rules (each when it is installed).
    `engine` "dask" reads the files on the Dask cluster at `scheduler` (tcp://HOST:PORT); the result is the same.
    `cache` is a folder of per-file results (kg/builder/cache.py): unchanged files are not read again, and what they
    add to the graph is not worked out again unless what it depends on changed (kg/builder/contributions.py).
    A file that cannot be used is reported in `report.skipped` and the build goes on; when every file is
    skipped, NothingReadError (there is no graph to write).
    """
    files = collect_files(inputs or [SAMPLE_CORPUS])
    rules = rules or load_rules()
    report = BuildReport(files=len(files))
    if use_model and not model_available():
        report.warnings.append(
            f"the statistical NER model is not installed ({MODEL_DIR}): entities come from the rules only."
            " Reinstall kg, or train it with `kg train CORPUS_FOLDER`, or pass --no-model to silence this"
        )

    items: dict[str, NewsItem] = {}  # compact: the text and mentions of each item wait on disk (kg/builder/itemstore.py)
    spill = ItemSpill()
    resolver = EntityResolver(rules)
    config = ReaderConfig(fallback_date, max_bytes, use_model)
    store = None
    if cache is not None:
        clock = time.perf_counter()
        store = BuildCache(Path(cache), rules, config)
        report.stage_seconds["cache"] += time.perf_counter() - clock
    reading = _read_files(files, rules, config, report, engine=engine, workers=workers, scheduler=scheduler,
                          store=store)
    pieces: list[Piece] = []
    shared: dict[str, str] = {}  # dates and digest names of cached pieces, one string object each
    with collector.freezing() as kept:
        for got in reading:
            if isinstance(got, Piece):
                piece = got
                for item in piece.items:
                    item.date = shared.setdefault(item.date, item.date)
                    item.sources = [shared.setdefault(name, name) for name in item.sources]
                    if item.id not in items:
                        items[item.id] = item
                    else:
                        _listed_again(items, item, report)
            else:
                piece = _piece_of(got, items, spill, rules.alias_index, report)
            pieces.append(piece)
            resolver.add(piece.tally)
            if piece.problem is not None:
                report.skipped.append(piece.problem)
            report.warnings.extend(piece.warnings)
            report.chars += piece.chars
            kept()  # what the file added stays to the end of the build: out of the collector's scans
            if on_file:
                on_file(piece.path)
        report.items = len(items)

        try:
            if not items:
                raise NothingReadError(report)
            with collector.paused():  # millions of objects that live to the end, and no garbage cycles
                return _assemble(items, pieces, spill, store, resolver, rules, report, use_model, workers)
        except BaseException:  # a failed or interrupted build leaves nothing behind in the temp dir
            spill.close()
            raise


def _piece_of(result: FileResult, items: dict[str, NewsItem], spill: ItemSpill, alias_index: dict[str, str],
              report: BuildReport) -> Piece:
    """A file read now: its new items go to the spill and `items`, the rest merge into the items they repeat."""
    piece = Piece(result.path, warnings=result.warnings, problem=result.problem)
    report.stage_seconds["parse"] += result.parse_seconds
    report.stage_seconds["extract"] += result.extract_seconds
    for item in result.items:
        if item.id not in items:
            compact = items[item.id] = spill.add(item, result.mentions[item.id])
            piece.items.append(compact)
            piece.new_ids.append(item.id)
            piece.tally.observe(result.mentions[item.id], alias_index)
            piece.chars += len(item.title) + len(item.text)
        else:
            compact = item.with_body("", (), item.date, item.sources)
            piece.items.append(compact)
            _listed_again(items, compact, report)
    return piece


def _listed_again(items: dict[str, NewsItem], item: NewsItem, report: BuildReport) -> None:
    """The same story again: one item, every digest, earliest date (a new compact item: pieces keep theirs)."""
    report.repeated_items += 1
    seen = items[item.id]
    items[item.id] = seen.with_body("", (), min(seen.date, item.date), list(dict.fromkeys(seen.sources + item.sources)))


def _assemble(items: dict[str, NewsItem], pieces: list[Piece], spill: ItemSpill, store: BuildCache | None,
              resolver: EntityResolver, rules: Rules, report: BuildReport, use_model: bool = True,
              workers: int = 1) -> BuildResult:
    """Entities, relations and the graph: each piece's relations kept when their resolutions still hold, else
    found again (by `workers` forked processes when there are several), streaming each item's text and mentions
    back from the spill (or the piece's cache entry)."""
    clock = time.perf_counter()
    resolver.finish()
    entities = resolver.entities()
    known = {fold_name(e.name): e for e in entities.values()}
    known.update({k: entities[v] for k, v in rules.alias_index.items() if v in entities})
    base_of = {e.id: b for e in entities.values() if (b := resolver.base_of(e, known)) and b in entities}
    report.stage_seconds["resolve"] += time.perf_counter() - clock

    clock = time.perf_counter()
    relations: list[Relation] = []
    model = RelationModel() if use_model and relation_model_installed() else None
    pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
    mentioned_in: dict[str, set[str]] = defaultdict(set)
    elsewhere: dict[str, Path] = {}  # id -> file, of the new items of cached pieces (their text is not in the spill)
    redo = [piece for piece in pieces if not piece.holds(resolver, base_of)]
    _find_relations_of(redo, items, spill, store, resolver, base_of, rules, model, workers)
    redone = {id(piece) for piece in redo}
    for piece in pieces:
        if id(piece) in redone:
            if store is not None:
                store.store_piece(piece.path, store.keys.get(piece.path), piece)
            report.pieces_redone += 1
        if piece.from_cache:
            elsewhere.update(dict.fromkeys(piece.new_ids, piece.path))
        relations.extend(dated(piece.relations, items))
        for item_id, ids in piece.named:
            for pair in co_mention_pairs(ids):
                pairs[pair].append(item_id)
            for entity_id in ids:
                mentioned_in[entity_id].add(item_id)
    report.stage_seconds["relations"] += time.perf_counter() - clock

    clock = time.perf_counter()
    graph = build_graph(entities, items, mentioned_in, relations, pairs)
    report.stage_seconds["graph"] += time.perf_counter() - clock
    fallback = _entry_items(elsewhere, items, store) if elsewhere else None
    return BuildResult(graph, SpilledItems(items, spill, fallback), entities, relations, report)


def _find_relations_of(redo: list[Piece], items: dict[str, NewsItem], spill: ItemSpill, store: BuildCache | None,
                       resolver: EntityResolver, base_of: dict[str, str], rules: Rules, model, workers: int) -> None:
    """find_relations for each piece of `redo`: here, or split over `workers` forked processes that see this
    process's memory as it is (entities, items, the loaded models) and send back what each piece found. Each
    piece is worked out alone either way (the relation model's batches never mix pieces), so the result is the
    same; pieces get their findings back in their order."""
    if workers <= 1 or len(redo) < 2 or not _can_fork():
        for piece in redo:
            find_relations(piece, _item_loader(piece, items, spill, store), resolver, base_of, rules, model)
        return
    spill.flush()  # the children read the spill file
    children: list[tuple[int, str, list[int]]] = []  # pid, the file it writes, the pieces it works out
    try:
        for k in range(min(workers, len(redo))):
            numbers = list(range(k, len(redo), workers))  # every k-th piece: big and small files alike
            handle, path = tempfile.mkstemp(prefix="kg-relations-", suffix=".pickle")
            pid = os.fork()
            if pid == 0:  # the child: its pieces, then out without running the parent's exit handlers
                os._exit(_find_in_child(handle, numbers, redo, items, spill, store, resolver, base_of, rules, model))
            os.close(handle)
            children.append((pid, path, numbers))
        for n, (pid, path, numbers) in enumerate(children):
            _, status = os.waitpid(pid, 0)
            children[n] = (0, path, numbers)
            with open(path, "rb") as file:
                ok, found = pickle.load(file) if os.path.getsize(path) else (False, None)
            if not ok or status != 0:
                raise found if isinstance(found, BaseException) else RuntimeError(
                    f"finding relations in a forked process failed (status {status}): {found}")
            for number, (piece_relations, named, resolutions, bases) in zip(numbers, found):
                piece = redo[number]
                piece.relations, piece.named, piece.resolutions, piece.bases = piece_relations, named, resolutions, bases
    finally:
        for pid, path, _ in children:
            if pid:  # still running: this process failed or was interrupted
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
            with contextlib.suppress(OSError):
                os.remove(path)


def _find_in_child(handle: int, numbers: list[int], redo: list[Piece], items, spill, store, resolver, base_of, rules,
                   model) -> int:
    """In a forked process: the findings of the numbered pieces, pickled into the file `handle`; the exit code."""
    code = 0
    try:
        found = []
        for number in numbers:
            piece = redo[number]
            find_relations(piece, _item_loader(piece, items, spill, store), resolver, base_of, rules, model)
            found.append((piece.relations, piece.named, piece.resolutions, piece.bases))
        payload: tuple = (True, found)
    except BaseException as exc:  # sent to the parent, which raises it
        code = 1
        try:
            pickle.dumps(exc)
            payload = (False, exc)
        except Exception:
            payload = (False, traceback.format_exc())
    try:
        with os.fdopen(handle, "wb") as file:
            pickle.dump(payload, file, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        code = 2
    return code


def _can_fork() -> bool:
    """fork() copies only the calling thread: with other threads alive (a Dask client), a lock one of them holds
    could never be released in the child."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def _item_loader(piece: Piece, items: dict[str, NewsItem], spill: ItemSpill, store: BuildCache | None):
    """Item id -> (full item, mentions) for the piece's new items: from the spill, or its file's cache entry."""
    entry: dict[str, tuple[NewsItem, list[Mention]]] = {}

    def load(item_id: str) -> tuple[NewsItem, list[Mention]]:
        compact = items[item_id]
        if item_id in spill:
            return spill.load(compact)
        if not entry:
            entry.update(_read_entry(piece.path, store))
        full, mentions = entry[item_id]
        return compact.with_body(full.text, list(full.links), compact.date, compact.sources), mentions
    return load


def _read_entry(path: Path, store: BuildCache) -> dict[str, tuple[NewsItem, list[Mention]]]:
    """Every item of a cached file with its mentions; the file is read again if the entry went bad."""
    result = store.load(path, store.keys[path])
    if result is None or any(item.id not in result.mentions for item in result.items):
        config = store.config
        result = FileReader(store.rules, config.fallback_date, config.max_bytes, config.use_model)(path)
    return {item.id: (item, result.mentions[item.id]) for item in result.items}


def _entry_items(origin: dict[str, Path], items: dict[str, NewsItem], store: BuildCache):
    """Item id -> full item, for the items whose text is in a cache entry (the last file read is kept)."""
    last: dict[Path, dict[str, tuple[NewsItem, list[Mention]]]] = {}

    def full(item_id: str) -> NewsItem:
        path = origin[item_id]
        if path not in last:
            last.clear()
            last[path] = _read_entry(path, store)
        item = last[path][item_id][0]
        compact = items[item_id]
        return compact.with_body(item.text, list(item.links), compact.date, compact.sources)
    return full


def summarize(result: BuildResult) -> dict:
    """Counts a user checks after a build."""
    g = result.graph
    by_type = Counter(data["type"] for _, data in g.nodes(data=True))
    by_relation = Counter(data["relation"] for _, _, data in g.edges(data=True))
    return {"entities": dict(sorted(by_type.items())), "edges": dict(sorted(by_relation.items()))}
