from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.export import export_all
from kg.builder.pipeline import SAMPLE_CORPUS, build
from kg.extract.rules import load_rules

DATA = Path(__file__).parent / "data"
SEEDS = sorted(SAMPLE_CORPUS.glob("*.txt"))


@pytest.fixture(scope="session")
def rules():
    return load_rules()


@pytest.fixture(scope="session")
def sample(rules):
    """The bundled sample corpus, built once for the whole test session."""
    return build(rules=rules)


@pytest.fixture(scope="session")
def sample_exports(sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    export_all(sample.graph, out, max_nodes=None)
    return out


@pytest.fixture
def seed_copy(tmp_path):
    """A writable copy of the seed digests."""
    folder = tmp_path / "digests"
    folder.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, folder / seed.name)
    return folder


def edges(graph, relation, subject=None, obj=None):
    return [
        (u, v, d)
        for u, v, d in graph.edges(data=True)
        if d["relation"] == relation and (subject is None or u == subject) and (obj is None or v == obj)
    ]
