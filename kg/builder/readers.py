"""Where files are read: in this process, in a local process pool, or on a Dask cluster.

Every engine turns a list of digest files into `FileResult`s (parsed items + extracted mentions) **in input
order**, so the graph assembled from them on the client is the same whatever the engine.

- `local` with 1 worker: in this process; items already read from an earlier file are not extracted again
  (the caller passes the ids it has seen in `known`).
- `local` with N workers: a `ProcessPoolExecutor`; each process builds its reader once.
- `dask`: a `dask.distributed` cluster (`--scheduler tcp://HOST:PORT`); the Rules object is shipped to every
  worker once (`scatter(broadcast=True)`), each worker process builds its reader on its first task and keeps
  it; the digest files must be readable at the same path on the workers (a shared file system).
"""
from __future__ import annotations

import gc
import multiprocessing
import socket
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from kg.builder.fingerprints import config_token
from kg.ingest.digest import parse_digest
from kg.errors import EngineError, InputFileError, InputProblem
from kg.extract.mentions import extract_mentions, make_pipelines
from kg.records import Mention, NewsItem
from kg.extract.rules import Rules, load_rules

ENGINES = ("local", "dask")
DASK_CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler


@dataclass
class FileResult:
    """One digest read: its items, the mentions of (at least) the items new to the build, warnings, problem."""

    path: Path
    items: list[NewsItem] = field(default_factory=list)
    mentions: dict[str, list[Mention]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    problem: InputProblem | None = None
    parse_seconds: float = 0.0
    extract_seconds: float = 0.0
    cached: bool = False  # loaded from the build cache, not read now
    unexpected: bool = False  # reading it raised an error kg does not expect: reported, never cached


@dataclass(frozen=True)
class ReaderConfig:
    """Everything besides the rules that changes what reading a file gives."""

    fallback_date: str | None
    max_bytes: int
    use_model: bool = True


class FileReader:
    """Parses one digest and extracts the mentions of its items; one per process."""

    def __init__(self, rules: Rules, fallback_date: str | None, max_bytes: int, use_model: bool = True):
        self.pipelines = make_pipelines(rules, use_model=use_model)
        self.fallback_date = fallback_date
        self.max_bytes = max_bytes

    def __call__(self, path: Path, known: set[str] | frozenset[str] = frozenset()) -> FileResult:
        """The file's result; a file that cannot be read, for any reason, is a result with its problem and no
        items (one bad file never stops the build)."""
        result = FileResult(path)
        clock = time.perf_counter()
        try:
            digest = parse_digest(path, fallback_date=self.fallback_date, max_bytes=self.max_bytes)
            result.items, result.warnings = digest.items, digest.warnings
            result.parse_seconds = time.perf_counter() - clock
            result.mentions = self.extract([item for item in digest.items if item.id not in known], result)
        except InputFileError as exc:
            return FileResult(path, problem=exc.detail)
        except Exception as exc:  # noqa: BLE001 - a bug met on one file: report it as that file's problem
            return FileResult(path, problem=unexpected_problem(path, exc), unexpected=True)
        return result

    def extract(self, items: list[NewsItem], result: FileResult | None = None) -> dict[str, list[Mention]]:
        clock = time.perf_counter()
        found = {item.id: mentions for item, mentions in extract_mentions(items, self.pipelines)}
        if result is not None:
            result.extract_seconds += time.perf_counter() - clock
        return found


def unexpected_problem(path: Path, exc: BaseException) -> InputProblem:
    """The one-line problem of a file whose reading raised an error kg does not expect (a bug in kg)."""
    text = " ".join(str(exc).split())[:300]
    return InputProblem(
        Path(path), f"unexpected error while reading it ({type(exc).__name__}{': ' + text if text else ''});"
        " please report this to the kg developers with the file", "the build skipped it; move it out of the input"
        " folder to silence this",
    )


class Engine:
    """Reads files into FileResults, in input order."""

    name = "engine"
    setup_seconds = 0.0

    def read(self, files: list[Path], known: set[str]) -> Iterator[FileResult]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SerialEngine(Engine):
    """In this process. Skips items whose ids are in `known` (the caller updates it between files)."""

    name = "local"

    def __init__(self, rules: Rules, config: ReaderConfig):
        self.rules, self.config = rules, config
        self._reader: FileReader | None = None

    @property
    def reader(self) -> FileReader:
        if self._reader is None:
            clock = time.perf_counter()
            self._reader = FileReader(self.rules, self.config.fallback_date, self.config.max_bytes, self.config.use_model)
            self.setup_seconds += time.perf_counter() - clock
        return self._reader

    def read(self, files: list[Path], known: set[str]) -> Iterator[FileResult]:
        for path in files:
            yield self.reader(path, known)


_WORKER_READER: FileReader | None = None


def _start_worker(rules_dir: str, fallback_date: str | None, max_bytes: int, use_model: bool) -> None:
    global _WORKER_READER
    _WORKER_READER = FileReader(load_rules(Path(rules_dir)), fallback_date, max_bytes, use_model)


_WORKER_FILES = 0


def _read_in_worker(path: Path) -> FileResult:
    global _WORKER_FILES
    _WORKER_FILES += 1
    if _WORKER_FILES == 2:
        # What the first file left alive (the rules, pipelines, models, word lists the first file loaded) lives as
        # long as the process: out of the cycle collector's full scans, which would otherwise walk it again and
        # again while the files are read (kg/builder/gc_control.py).
        gc.collect()
        gc.freeze()
    return _WORKER_READER(path)


class ProcessPoolEngine(Engine):
    """N local processes (fork on Linux); every item of every file is extracted."""

    name = "local"

    def __init__(self, rules: Rules, config: ReaderConfig, workers: int):
        self.rules, self.config, self.workers = rules, config, workers

    def read(self, files: list[Path], known: set[str]) -> Iterator[FileResult]:
        """Starts the processes and hands them every file now, not on the first `next`: while the caller
        loads cached files, the workers set up spaCy and read the changed ones."""
        if not files:
            return (result for result in ())  # closable, as the caller expects
        context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        c = self.config
        pool = ProcessPoolExecutor(min(self.workers, len(files)), mp_context=context, initializer=_start_worker,
                                   initargs=(str(self.rules.directory), c.fallback_date, c.max_bytes, c.use_model))
        return _PoolResults(pool, pool.map(_read_in_worker, files, chunksize=1))


class _PoolResults:
    """The pool's results in input order; `close` (also when never iterated) cancels the rest and ends the pool."""

    def __init__(self, pool: ProcessPoolExecutor, results: Iterator[FileResult]):
        self.pool, self.results = pool, results

    def __iter__(self) -> Iterator[FileResult]:
        return self

    def __next__(self) -> FileResult:
        return next(self.results)

    def close(self) -> None:
        self.results.close()
        self.pool.shutdown(wait=True, cancel_futures=True)


# ---------------------------------------------------------------- dask

_DASK_READERS: dict[str, FileReader] = {}
_DASK_LOCK = threading.Lock()


def _dask_read(path: str, rules: Rules, config: ReaderConfig, token: str) -> FileResult:
    """Runs on a Dask worker: one reader per worker process and build configuration, built on first use."""
    with _DASK_LOCK:  # spaCy pipelines and jieba are not shared between threads
        reader = _DASK_READERS.get(token)
        if reader is None:
            if config_token(rules, config) != token:  # kg's code, model or library versions differ from the client's
                raise EngineError(
                    f"the kg installed on Dask worker {socket.gethostname()} is not the client's (its code, NER model"
                    " or spaCy/jieba versions differ) and would build another graph. Fix: install the same kg"
                    " version on the client and every worker"
                )
            _DASK_READERS.clear()  # a new configuration: drop the old reader and its pipelines
            reader = _DASK_READERS[token] = FileReader(rules, config.fallback_date, config.max_bytes, config.use_model)
        return reader(Path(path))


class DaskEngine(Engine):
    """Per-file reading on a dask.distributed cluster; results gathered in input order on the client."""

    name = "dask"

    def __init__(self, rules: Rules, config: ReaderConfig, scheduler: str | None, timeout: float | None = None):
        try:
            from dask.distributed import Client
        except ImportError:
            raise EngineError(
                "--engine dask needs dask.distributed, which is not installed. Fix: pip install 'kg[dask]'"
            ) from None
        if not scheduler:
            raise EngineError("--engine dask needs the scheduler address. Fix: add --scheduler tcp://HOST:PORT")
        self.rules, self.config, self.scheduler = rules, config, scheduler
        clock = time.perf_counter()
        try:
            self.client = Client(scheduler, timeout=timeout or DASK_CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise EngineError(
                f"cannot reach the Dask scheduler at {scheduler} ({type(exc).__name__}: {exc}). "
                "Fix: start one (dask scheduler; dask worker tcp://HOST:8786) or check the address"
            ) from None
        self.setup_seconds = time.perf_counter() - clock

    def read(self, files: list[Path], known: set[str]) -> Iterator[FileResult]:
        """Sends every file to the cluster now (as the process pool does), then yields results in order."""
        if not files:
            return (result for result in ())
        clock = time.perf_counter()
        rules = self.client.scatter(self.rules, broadcast=True, hash=False)
        self.setup_seconds += time.perf_counter() - clock
        token = config_token(self.rules, self.config)
        futures = self.client.map(_dask_read, [str(p) for p in files], rules=rules, config=self.config,
                                  token=token, pure=False)
        return self._results(files, futures, rules)

    def _results(self, files: list[Path], futures: list, rules) -> Iterator[FileResult]:
        try:
            for n, future in enumerate(futures):
                try:
                    result = future.result()
                except Exception as exc:  # the worker's own error is re-raised on the client
                    if type(exc).__name__ in {"KilledWorker", "CommError", "CancelledError", "TimeoutError"}:
                        raise EngineError(f"the Dask cluster at {self.scheduler} failed reading {files[n]}: {exc}") from None
                    raise
                futures[n] = None  # release the result on the cluster as soon as it is here
                result.path = files[n]
                yield result
        finally:
            self.client.cancel([f for f in futures if f is not None])
            del rules

    def close(self) -> None:
        self.client.close()


def make_engine(name: str, rules: Rules, config: ReaderConfig, *, workers: int = 1,
                scheduler: str | None = None) -> Engine:
    if name == "local":
        if scheduler:
            raise EngineError("--scheduler is for --engine dask. Fix: add --engine dask or drop --scheduler")
        return SerialEngine(rules, config) if workers <= 1 else ProcessPoolEngine(rules, config, workers)
    if name == "dask":
        return DaskEngine(rules, config, scheduler)
    raise EngineError(f"no engine {name!r}; use one of: {', '.join(ENGINES)}")
