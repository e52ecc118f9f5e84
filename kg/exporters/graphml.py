"""GraphML export for Gephi / Cytoscape users: lists become JSON strings, items are left out.

networkx writes GraphML with lxml's incremental writer straight into the file (no document tree or bytes buffer
in memory: on the full ainews-zh graph the xml.etree writer needed about a GB for its tree).
"""
from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

from .atomic import atomic_file


def _flat(data: dict) -> dict:
    return {k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v for k, v in data.items() if v is not None}


def export(graph: nx.MultiDiGraph, path: Path, **_options) -> None:
    flat = nx.MultiDiGraph()
    flat.add_nodes_from((n, _flat(d)) for n, d in graph.nodes(data=True))
    flat.add_edges_from((u, v, k, _flat(d)) for u, v, k, d in graph.edges(keys=True, data=True))
    with atomic_file(Path(path), buffering=1 << 20) as handle:
        nx.write_graphml_lxml(flat, handle, encoding="utf-8")
