"""GraphML export for Gephi / Cytoscape users: lists become JSON strings, items are left out."""
from __future__ import annotations

import io
import json
from pathlib import Path

import networkx as nx

from .atomic import atomic_write_bytes


def _flat(data: dict) -> dict:
    return {k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v for k, v in data.items() if v is not None}


def export(graph: nx.MultiDiGraph, path: Path, **_options) -> None:
    flat = nx.MultiDiGraph()
    flat.add_nodes_from((n, _flat(d)) for n, d in graph.nodes(data=True))
    flat.add_edges_from((u, v, k, _flat(d)) for u, v, k, d in graph.edges(keys=True, data=True))
    buffer = io.BytesIO()
    nx.write_graphml(flat, buffer, encoding="utf-8")
    atomic_write_bytes(Path(path), buffer.getvalue())
