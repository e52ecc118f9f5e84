"""The export formats, one module each, listed in `EXPORTERS` (format name -> Exporter, see kg/export/base.py),
and `export_all`, which writes them together into an output folder."""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import tempfile
import threading
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import networkx as nx

from kg.builder import gc_control as collector
from kg.errors import KgError
from kg.export import html
from kg.export.base import DEFAULT_BASE, Exporter, ExportOptions
from kg.export.graphml import GraphMLExporter
from kg.export.turtle import TurtleExporter


class HtmlExporter:
    """graph.html, the offline explorer (kg/export/html.py)."""

    name = "html"
    filename = "graph.html"

    def write(self, graph: nx.MultiDiGraph, path: Path, options: ExportOptions) -> None:
        html.export(graph, path, max_nodes=options.max_nodes)


EXPORTERS: dict[str, Exporter] = {exporter.name: exporter for exporter in (TurtleExporter(), GraphMLExporter(), HtmlExporter())}


class ExportLockedError(KgError):
    """Another build is writing into the same folder."""


@contextmanager
def out_dir_lock(out_dir: Path):
    """One writer per export folder: a second build into it is refused, not interleaved."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / ".kg-build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ExportLockedError(
                f"another kg build is writing into {out_dir}: wait for it to finish or choose another --out"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# Written by a forked process while this one writes the Turtle (and starts its query store): on two cores the
# exports take about as long as the Turtle alone.
FORKED = ("graphml", "html")


def export_all(graph: nx.MultiDiGraph, out_dir: Path, *, formats=None, update: bool = True,
               on_step: Callable[[str], None] | None = None, parallel: bool = True, base: str = DEFAULT_BASE,
               max_nodes: int | None = 500, notes: list[str] | None = None) -> dict[str, Path]:
    """Write every format (or those named) into out_dir; returns format -> path written.

    All are written into a staging folder inside out_dir first and moved into place only when every one is
    complete, so an interrupted export leaves the previous set of files as it was, not a mix of old and new.
    With `update`, an exporter that can (Turtle and its query store, GraphML) reuses the unchanged parts of the
    file it replaces; pass `notes=[]` to hear what it did. `base` and `max_nodes`: see ExportOptions. `on_step` is told each file as it starts being
    written, and when the export waits for the query store. With `parallel`, GraphML and HTML are written by a
    forked process meanwhile (when this process can fork safely: no other threads); the files are the same.
    """
    out_dir = Path(out_dir)
    names = list(formats or EXPORTERS)
    written = {name: out_dir / EXPORTERS[name].filename for name in names}
    options = {"base": base, "max_nodes": max_nodes}
    noted: dict[str, list[str]] = {name: [] for name in names}
    with out_dir_lock(out_dir), collector.paused():  # millions of short-lived tuples, no garbage cycles
        for orphan in out_dir.glob(".kg-export-*.tmp"):  # left by a killed build: we hold the lock, no one else writes
            shutil.rmtree(orphan, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=".kg-export-", suffix=".tmp", dir=out_dir))
        background = []  # jobs an exporter left running (the query store), waited for before anything moves
        child = None
        try:
            here = names
            forked = [name for name in names if name in FORKED]
            if parallel and forked and len(forked) < len(names) and _can_fork():
                here = [name for name in names if name not in forked]
                child = _ForkedExports(lambda: {name: _export_one(name, graph, staging, out_dir, update, options)[1]
                                                for name in forked})
            if on_step and child is not None:  # all of them are being written from now on
                for name in names:
                    on_step(EXPORTERS[name].filename)
            for name in here:
                if on_step and child is None:
                    on_step(EXPORTERS[name].filename)
                job, noted[name] = _export_one(name, graph, staging, out_dir, update, options)
                if job is not None:
                    background.append(job)
            if child is not None:
                noted.update(child.wait())
                child = None
            if background and on_step:
                on_step("query store")
            while background:
                background[0].wait()
                background.pop(0)
            if notes is not None:
                notes.extend(note for name in names for note in noted[name])
            for staged in sorted(staging.iterdir(), key=lambda p: (p.is_dir(), p.name)):  # files, then the query store
                _move_into_place(staged, out_dir / staged.name)
        finally:
            if child is not None:  # this process failed or was interrupted
                child.cancel()
            for job in background:  # an exporter failed or the build was interrupted
                job.cancel()
            shutil.rmtree(staging, ignore_errors=True)
    return written


def _export_one(name: str, graph: nx.MultiDiGraph, staging: Path, out_dir: Path, update: bool, options: dict):
    """Write one format into staging; returns (the background job it left running or None, its notes)."""
    exporter = EXPORTERS[name]
    previous = out_dir / exporter.filename
    # background: slow side work (the query store) overlaps the rest
    given = ExportOptions(**options, background=True, previous=previous if update and previous.is_file() else None)
    job = exporter.write(graph, staging / exporter.filename, given)
    return job, given.notes


def _can_fork() -> bool:
    """fork() copies only the calling thread: with other threads alive (a Dask client), a lock one of them holds
    could never be released in the child."""
    return hasattr(os, "fork") and threading.active_count() == 1


class ForkedExportError(KgError):
    """An export written by the forked process failed."""


class _ForkedExports:
    """Runs `work` (returning JSON-able notes) in a forked child; `wait` gives its result or raises its error."""

    def __init__(self, work: Callable[[], dict]):
        read_end, write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns into the caller's code
            code = 0
            try:
                os.close(read_end)
                try:
                    message = {"notes": work()}
                except KgError as exc:
                    message, code = {"error": str(exc), "kind": "kg"}, 1
                except OSError as exc:  # disk full, permission denied: raised again as such in the parent
                    message, code = {"error": [a if isinstance(a, (int, str)) else str(a) for a in exc.args],
                                     "kind": "os"}, 1
                except BaseException:  # noqa: BLE001 - reported by the parent
                    message, code = {"error": traceback.format_exc(), "kind": "bug"}, 1
                with os.fdopen(write_end, "w", encoding="utf-8") as pipe:
                    json.dump(message, pipe)
            finally:
                os._exit(code)  # no atexit handlers, finalizers or buffered output of the parent's
        os.close(write_end)
        self._pipe = os.fdopen(read_end, "r", encoding="utf-8")

    def wait(self) -> dict:
        text = self._pipe.read()
        self._pipe.close()
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        try:
            message = json.loads(text)
        except ValueError:
            raise ForkedExportError(f"the process writing GraphML and HTML stopped ({_how(status)})") from None
        if "error" in message:
            if message["kind"] == "kg":
                raise ForkedExportError(message["error"])
            if message["kind"] == "os":
                raise OSError(*message["error"])
            raise RuntimeError("writing GraphML and HTML failed:\n" + message["error"])
        return message["notes"]

    def cancel(self) -> None:
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.pid = None
        if not self._pipe.closed:
            self._pipe.close()


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.WEXITSTATUS(status)}"


def _move_into_place(staged: Path, target: Path) -> None:
    if staged.is_dir() and target.exists():  # a folder cannot be replaced by rename: move the old one aside
        old = target.with_name(target.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(staged, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staged, target)
