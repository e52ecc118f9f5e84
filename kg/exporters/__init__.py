"""The exporters, one module each; `EXPORTERS` maps a format name to (file name, export function)."""
from __future__ import annotations

import fcntl
import inspect
import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import networkx as nx

from ..errors import KgError
from . import graphml, html, turtle

Exporter = Callable[..., None]

EXPORTERS: dict[str, tuple[str, Exporter]] = {
    "turtle": ("graph.ttl", turtle.export),
    "graphml": ("graph.graphml", graphml.export),
    "html": ("graph.html", html.export),
}


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


def export_all(graph: nx.MultiDiGraph, out_dir: Path, *, formats=None, update: bool = True,
               on_step: Callable[[str], None] | None = None, **options) -> dict[str, Path]:
    """Write every format (or those named) into out_dir; returns format -> path written.

    All are written into a staging folder inside out_dir first and moved into place only when every one is
    complete, so an interrupted export leaves the previous set of files as it was, not a mix of old and new.
    With `update`, an exporter that can (Turtle and its query store) reuses the unchanged parts of the file it
    replaces; pass `notes=[]` to hear what it did. `on_step` is told each file as it starts being written, and
    when the export waits for the query store.
    """
    out_dir = Path(out_dir)
    written = {}
    with out_dir_lock(out_dir):
        for orphan in out_dir.glob(".kg-export-*.tmp"):  # left by a killed build: we hold the lock, no one else writes
            shutil.rmtree(orphan, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=".kg-export-", suffix=".tmp", dir=out_dir))
        background = []  # jobs an exporter left running (the query store), waited for before anything moves
        try:
            for name in formats or EXPORTERS:
                filename, exporter = EXPORTERS[name]
                if on_step:
                    on_step(filename)
                accepted = inspect.signature(exporter).parameters
                given = {"background": True, **options}  # slow side work (the query store) overlaps the next format
                if update and (out_dir / filename).is_file():
                    given["previous"] = out_dir / filename
                job = exporter(graph, staging / filename, **{k: v for k, v in given.items() if k in accepted or "_options" in accepted})
                if job is not None:
                    background.append(job)
                written[name] = out_dir / filename
            if background and on_step:
                on_step("query store")
            while background:
                background[0].wait()
                background.pop(0)
            for staged in sorted(staging.iterdir(), key=lambda p: (p.is_dir(), p.name)):  # files, then the query store
                _move_into_place(staged, out_dir / staged.name)
        finally:
            for job in background:  # an exporter failed or the build was interrupted
                job.cancel()
            shutil.rmtree(staging, ignore_errors=True)
    return written


def _move_into_place(staged: Path, target: Path) -> None:
    if staged.is_dir() and target.exists():  # a folder cannot be replaced by rename: move the old one aside
        old = target.with_name(target.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(staged, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staged, target)
