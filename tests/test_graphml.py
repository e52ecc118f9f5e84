"""GraphML export: what Gephi / Cytoscape (or networkx.read_graphml) read back is the graph we built."""
import json

import networkx as nx

from kg.export import graphml
from kg.builder.pipeline import build


def _flat(data: dict) -> dict:
    return {k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v for k, v in data.items()}


def test_sample_build_reads_back_the_same(tmp_path):
    graph = build(use_model=False).graph
    graphml.export(graph, tmp_path / "graph.graphml")
    back = nx.read_graphml(tmp_path / "graph.graphml", force_multigraph=True)
    assert dict(back.nodes(data=True)) == {n: _flat(d) for n, d in graph.nodes(data=True)}
    # (read_graphml turns an all-digit edge id into an int)
    assert {(u, v, str(k)): d for u, v, k, d in back.edges(keys=True, data=True)} == {
        (u, v, k): _flat(d) for u, v, k, d in graph.edges(keys=True, data=True)
    }
    nvidia = back.nodes["nvidia"]
    assert nvidia["name"] == "NVIDIA" and isinstance(nvidia["mentions"], int) and isinstance(nvidia["confidence"], float)


def test_markup_and_control_characters(tmp_path):
    graph = nx.MultiDiGraph()
    graph.add_node('a&b <"x">', name="R&D <Lab>", mentions=3, confidence=1, flag=True, aliases=["x\x07y"])
    graph.add_node("b", name="B", mentions=1, confidence=0.5, flag=False, aliases=[])
    graph.add_edge('a&b <"x">', "b", key="k1", evidence="他说：\x00“A & B”", count=2)
    graphml.export(graph, tmp_path / "g.graphml")
    back = nx.read_graphml(tmp_path / "g.graphml", force_multigraph=True)
    assert back.nodes['a&b <"x">'] == {
        "name": "R&D <Lab>", "mentions": 3, "confidence": 1.0, "flag": True,
        "aliases": r'["x\u0007y"]',  # JSON escapes it
    }
    assert back.nodes["b"]["confidence"] == 0.5  # an int among doubles is written as a double
    assert back.edges['a&b <"x">', "b", "k1"] == {"evidence": "他说：“A & B”", "count": 2}
