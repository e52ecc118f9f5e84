"""The exporters, one module each; `EXPORTERS` maps a format name to (file name, export function)."""
from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path

import networkx as nx

from . import graphml, html, turtle

Exporter = Callable[..., None]

EXPORTERS: dict[str, tuple[str, Exporter]] = {
    "turtle": ("graph.ttl", turtle.export),
    "graphml": ("graph.graphml", graphml.export),
    "html": ("graph.html", html.export),
}


def export_all(graph: nx.MultiDiGraph, out_dir: Path, *, formats=None, **options) -> dict[str, Path]:
    """Write every format (or those named) into out_dir; returns format -> path written."""
    written = {}
    for name in formats or EXPORTERS:
        filename, exporter = EXPORTERS[name]
        path = Path(out_dir) / filename
        accepted = inspect.signature(exporter).parameters
        exporter(graph, path, **{k: v for k, v in options.items() if k in accepted or "_options" in accepted})
        written[name] = path
    return written
