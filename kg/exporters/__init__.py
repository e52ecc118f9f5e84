"""The exporters, one module each; `EXPORTERS` maps a format name to (file name, export function)."""
from __future__ import annotations

import fcntl
import inspect
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


def export_all(graph: nx.MultiDiGraph, out_dir: Path, *, formats=None, **options) -> dict[str, Path]:
    """Write every format (or those named) into out_dir, each atomically; returns format -> path written."""
    written = {}
    with out_dir_lock(Path(out_dir)):
        for name in formats or EXPORTERS:
            filename, exporter = EXPORTERS[name]
            path = Path(out_dir) / filename
            accepted = inspect.signature(exporter).parameters
            exporter(graph, path, **{k: v for k, v in options.items() if k in accepted or "_options" in accepted})
            written[name] = path
    return written
