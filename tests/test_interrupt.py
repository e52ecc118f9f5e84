"""Ctrl-C: `kg build` run as a real process and interrupted keeps the previous exports whole, leaves no temporary
files (in the export folder or the temp dir), says so without a traceback, and the next build is not blocked.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from kg.export import export_all
from kg.builder.pipeline import build

from .conftest import SEEDS

EXPORTS = ("graph.ttl", "graph.html", "graph.graphml")
KG = [sys.executable, "-c", "from kg.cli import main; main()"]
DEADLINE = 600  # seconds: only so that a broken build cannot hang the test run; nothing is timed


pytestmark = pytest.mark.slow  # builds stopped by signals, in child processes


@pytest.fixture
def previous(tmp_path):
    """An export folder holding the exports of an earlier build (of one seed digest: not what is built next)."""
    out = tmp_path / "out"
    export_all(build([SEEDS[0]]).graph, out)
    return out, {name: (out / name).read_bytes() for name in EXPORTS}


def _env(tmp_path):
    tmp = tmp_path / "tmp"  # the build's own temp dir, so we can see what it leaves behind
    tmp.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1"}, tmp


def _leftovers(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.name.endswith((".tmp", ".old")))


def _check_interrupted(proc, stderr, out, tmp, signum=signal.SIGINT):
    assert proc.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr, stderr
    assert "interrupted" in stderr, stderr
    assert _leftovers(out) == []
    assert list(tmp.glob("kg-build-*")) == []  # the spilled item texts are gone


def _next_build_is_not_blocked(out, tmp_path):
    env, _ = _env(tmp_path)
    done = subprocess.run([*KG, "build", str(SEEDS[1]), "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=DEADLINE)
    assert done.returncode == 0, done.stderr
    assert (out / ".kg-build.lock").exists()  # the lock file stays; the lock itself died with the process


@pytest.mark.parametrize("signum, to_group", [(signal.SIGINT, True), (signal.SIGTERM, False)], ids=["ctrl-c", "kill"])
def test_stopped_while_reading_keeps_the_previous_exports(previous, tmp_path, signum, to_group):
    """Ctrl-C in a terminal signals the build and its workers; `kill PID` (SIGTERM) only the build."""
    out, before = previous
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(30):  # 150 files: reading takes a while with every item extracted by 2 workers
        for seed in SEEDS:
            shutil.copy(seed, corpus / f"{n:02d}-{seed.name}")
    env, tmp = _env(tmp_path)
    proc = subprocess.Popen([*KG, "build", str(corpus), "--out", str(out), "--workers", "2"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        started = time.monotonic()
        while not any(p.stat().st_size for p in tmp.glob("kg-build-*/items.bin")):  # items are being read
            assert proc.poll() is None, proc.communicate()
            if time.monotonic() - started > DEADLINE:  # a hang guard, not a speed check
                pytest.fail("the build never started reading its files")
            time.sleep(0.1)
        if to_group:
            os.killpg(proc.pid, signum)  # like Ctrl-C in a terminal: the build and its workers get it
        else:
            os.kill(proc.pid, signum)
        _, stderr = proc.communicate(timeout=DEADLINE)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    _check_interrupted(proc, stderr, out, tmp, signum)
    assert "no export written" in stderr
    assert {name: (out / name).read_bytes() for name in EXPORTS} == before
    _next_build_is_not_blocked(out, tmp_path)


# Ctrl-C at the most delicate moment of an export: its temporary file is complete and about to replace the old one.
WRAPPER = textwrap.dedent("""
    import os, signal, sys
    import {module} as target

    # Ctrl-C works as in a terminal even when the test run itself was started with SIGINT ignored (in the background)
    signal.signal(signal.SIGINT, signal.default_int_handler)

    class Os:
        replaced = 0

        def __getattr__(self, name):
            return getattr(os, name)

        def replace(self, src, dst):
            Os.replaced += 1
            if Os.replaced < {nth}:
                return os.replace(src, dst)
            os.kill(os.getpid(), signal.SIGINT)  # raises KeyboardInterrupt here, before the rename
            raise SystemExit("SIGINT was not delivered")

    target.os = Os()
    from kg.cli import cli
    cli(sys.argv[1:], prog_name="kg")
""")


@pytest.mark.parametrize("nth, replaced", [
    (1, ()),  # the first export (Turtle): every previous file stays
    (2, ()),  # GraphML (second): graph.ttl is staged, not yet in place: every previous file stays
], ids=["turtle", "graphml"])
def test_ctrl_c_while_writing_an_export(previous, tmp_path, nth, replaced):
    out, before = previous
    script = tmp_path / "interrupting_kg.py"
    script.write_text(WRAPPER.format(module="kg.export.atomic", nth=nth), encoding="utf-8")
    env, tmp = _env(tmp_path)
    done = subprocess.run([sys.executable, str(script), "build", "--out", str(out), "--no-cache"], env=env,
                          capture_output=True, text=True, timeout=DEADLINE)
    _check_interrupted(done, done.stderr, out, tmp)
    assert "the previous one or the new one, whole" in done.stderr
    for name in EXPORTS:
        if name in replaced:
            assert (out / name).read_bytes() != before[name]  # the new export, complete
            assert (out / name).read_bytes().rstrip().endswith(b".")
        else:
            assert (out / name).read_bytes() == before[name], name
    _next_build_is_not_blocked(out, tmp_path)


def test_a_killed_build_leaves_nothing_behind_after_the_next_build(previous, tmp_path):
    """SIGKILL (or the OOM killer) gives no chance to clean up: the next build removes what the dead one left."""
    out, before = previous
    env, tmp = _env(tmp_path)
    wrapper = tmp_path / "killed_while_exporting.py"  # killed with the item spill and the export staging on disk
    wrapper.write_text(WRAPPER.format(module="kg.export.atomic", nth=1).replace(
        "os.kill(os.getpid(), signal.SIGINT)", "os.kill(os.getpid(), signal.SIGKILL)"), encoding="utf-8")
    done = subprocess.run([sys.executable, str(wrapper), "build", "--out", str(out), "--no-cache"], env=env,
                          capture_output=True, text=True, timeout=DEADLINE)
    assert done.returncode == -signal.SIGKILL
    assert len(list(tmp.glob("kg-build-*"))) == 1 and len(list(out.glob(".kg-export-*.tmp"))) == 1
    assert {name: (out / name).read_bytes() for name in EXPORTS} == before
    _next_build_is_not_blocked(out, tmp_path)
    assert list(tmp.glob("kg-build-*")) == [] and list(out.glob(".kg-export-*.tmp")) == []


def test_only_folders_of_dead_builds_on_this_host_are_removed(tmp_path):
    from kg.builder.itemstore import remove_orphans

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = __import__("socket").gethostname()
    owners = {"running": f"{os.getpid()} {host}", "dead": f"{dead.stdout.strip()} {host}",
              "elsewhere": f"{dead.stdout.strip()} another-host"}
    for name, owner in owners.items():
        (tmp_path / f"kg-build-{name}").mkdir()
        (tmp_path / f"kg-build-{name}" / "owner").write_text(owner)
    (tmp_path / "kg-build-just-created").mkdir()  # no owner file yet: a build starting this very moment
    assert remove_orphans(str(tmp_path)) == [str(tmp_path / "kg-build-dead")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kg-build-elsewhere", "kg-build-just-created", "kg-build-running"]
