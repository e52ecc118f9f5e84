"""Engines (kg/builder/readers.py): a build whose files are read on a real Dask cluster is the local build."""
from __future__ import annotations

import socket
import sys

import pytest
from click.testing import CliRunner

from kg.builder import readers as engines
from kg.cli import cli
from kg.errors import EngineError
from kg.export.turtle import to_rdf
from kg.builder.pipeline import build

distributed = pytest.importorskip("dask.distributed", reason="dask[distributed] not installed (pip install -e '.[test]')")


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes on this machine, one thread each, no dashboard (no fixed ports)."""
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                  scheduler_port=0, silence_logs=40) as local:
        yield local


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dask_build_is_isomorphic_to_the_local_build(cluster, sample, rules, tmp_path):
    on_dask = build(rules=rules, engine="dask", scheduler=cluster.scheduler_address)
    assert on_dask.report.engine == "dask"
    assert (on_dask.report.items, on_dask.report.repeated_items) == (sample.report.items, sample.report.repeated_items)
    assert to_rdf(on_dask.graph).isomorphic(to_rdf(sample.graph))
    assert len(cluster.scheduler_info["workers"]) == 2


def test_dask_build_with_the_cache(cluster, sample, rules, tmp_path):
    cache = tmp_path / "cache"
    first = build(rules=rules, engine="dask", scheduler=cluster.scheduler_address, cache=cache)
    second = build(rules=rules, engine="dask", scheduler=cluster.scheduler_address, cache=cache)
    assert (first.report.cache_misses, second.report.cache_hits) == (5, 5)
    assert to_rdf(second.graph).isomorphic(to_rdf(sample.graph))


def test_cli_builds_on_dask(cluster, sample, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", "--out", str(out), "--no-cache", "--engine", "dask",
                                      "--scheduler", cluster.scheduler_address])
    assert result.exit_code == 0, result.output
    import rdflib

    exported = rdflib.Graph().parse(out / "graph.ttl")
    assert exported.isomorphic(to_rdf(sample.graph))


def test_unreachable_scheduler_is_a_clear_error(rules, monkeypatch, tmp_path):
    monkeypatch.setattr(engines, "DASK_CONNECT_TIMEOUT", 1.0)
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(EngineError, match="cannot reach the Dask scheduler"):
        build(rules=rules, engine="dask", scheduler=address)
    result = CliRunner().invoke(cli, ["build", "--out", str(tmp_path), "--engine", "dask", "--scheduler", address])
    assert result.exit_code == 1
    assert "cannot reach the Dask scheduler at " + address in result.output
    assert "Traceback" not in result.output


def test_engine_options_are_checked(rules, monkeypatch):
    with pytest.raises(EngineError, match="needs the scheduler address"):
        build(rules=rules, engine="dask")
    with pytest.raises(EngineError, match="--scheduler is for --engine dask"):
        build(rules=rules, scheduler="tcp://127.0.0.1:8786")
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # as if dask were not installed
    with pytest.raises(EngineError, match=r"pip install 'kg\[dask\]'"):
        build(rules=rules, engine="dask", scheduler="tcp://127.0.0.1:8786")


def test_a_worker_with_another_kg_is_refused(cluster, rules, monkeypatch):
    import kg.builder.readers

    monkeypatch.setattr(kg.builder.readers, "config_token", lambda *_: "not-the-workers-token")
    with pytest.raises(EngineError, match="is not the client's"):
        build(rules=rules, engine="dask", scheduler=cluster.scheduler_address)
