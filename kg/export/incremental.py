"""Updating graph.ttl and its query store unit by unit, instead of writing both again.

graph.ttl is a run of units (`turtle.units`): one entity with its monthly tallies, one news item, one statement,
the digests; no subject is in two units. Next to it, `.graph.ttl.parts` records for every unit a fingerprint of
its inputs and its byte range in the file. The next export into the same folder fingerprints the new graph's
units: an unchanged unit is copied from the old file, a changed one is serialised again. The query store is
cloned (a RocksDB checkpoint: hard links, no copy) and given only the changed units' triples, instead of being
loaded again from the Turtle.

The file written is byte for byte what a full export writes (tests/test_splice.py). The parts file is trusted
only for the graph.ttl it describes (same size, mtime and inode) and the same base IRI, prefixes, pyoxigraph and
Python; anything else means a full export.
"""
from __future__ import annotations

import hashlib
import marshal
import mmap
import os
import pickle
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.export.atomic import atomic_file

FORMAT = 1
_BLOCK_START = re.compile(rb"(?m)^[^\t@\n]")  # pyoxigraph starts each subject's block at column 0, continues with tabs


def parts_path(ttl: Path) -> Path:
    return Path(ttl).parent / f".{Path(ttl).name}.parts"


def fingerprint(inputs: tuple) -> bytes:
    try:
        # version 2: no references between equal objects, so equal values give equal bytes whether or not
        # they are one object (version 3+ writes a back-reference for a string seen before)
        data = marshal.dumps(inputs, 2)
    except ValueError:  # a value marshal does not know (a numpy float): its repr is as stable
        data = repr(inputs).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).digest()


def environment(**what) -> dict:
    """What must be the same for old bytes to be reused: this module's format, Python (marshal), and `what`."""
    return {"format": FORMAT, "python": sys.version_info[:2], **what}


def code_hash(*modules: str) -> str:
    """A hash of the source of these modules of kg/export: units written by other code are not reused."""
    digest = hashlib.blake2b(digest_size=8)
    for name in modules:
        digest.update((Path(__file__).parent / f"{name}.py").read_bytes())
    return digest.hexdigest()


def turtle_environment(base: str, prefixes: dict[str, str]) -> dict:
    return environment(pyoxigraph=ox.__version__, base=base, prefixes=sorted(prefixes.items()), code=code_hash("turtle"))


def _stat(path: Path) -> tuple[int, int, int]:
    st = Path(path).stat()
    return st.st_size, st.st_mtime_ns, st.st_ino


def prefix_header(prefixes: dict[str, str]) -> bytes:
    """The @prefix lines the serialiser writes before the first triple (none at all when there is no triple)."""
    probe = ox.NamedNode("urn:kg:probe")
    text = ox.serialize([ox.Triple(probe, probe, probe)], None, ox.RdfFormat.TURTLE, prefixes=prefixes)
    return text[: _BLOCK_START.search(text).start()]


@dataclass
class Parts:
    environment: dict
    file: tuple[int, int, int]  # size, mtime, inode of the graph.ttl described
    units: dict[str, tuple[bytes, int, int]]  # key -> fingerprint, start, end

    def save(self, ttl: Path) -> None:
        with atomic_file(parts_path(ttl), buffering=1 << 20) as handle:
            pickle.dump(self, handle, protocol=pickle.HIGHEST_PROTOCOL)


@dataclass
class Changes:
    """What a spliced export changed, unit by unit (for the query store)."""

    units: int = 0
    rewritten: list[str] = field(default_factory=list)  # keys of new or changed units
    removed_ranges: list[tuple[int, int]] = field(default_factory=list)  # old byte ranges of changed or gone units
    added_ranges: list[tuple[int, int]] = field(default_factory=list)  # new byte ranges of the rewritten units
    added: int = 0  # triples in the rewritten units
    too_many: bool = False  # more triples changed than are worth updating a store with


def previous_parts(path: Path, expected: dict) -> Parts | None:
    """The parts of the export at path, if they still describe it (size, mtime, inode) and were made in the
    expected environment."""
    try:
        with open(parts_path(path), "rb") as handle:
            parts = pickle.load(handle)
        if not isinstance(parts, Parts) or parts.environment != expected:
            return None
        if _stat(path) != parts.file:
            return None
    except Exception:  # noqa: BLE001 - an unreadable or foreign parts file only means a full export
        return None
    return parts


def _triples(block: Callable) -> list[ox.Triple]:
    return [ox.Triple(s, p, o) for s, p, o in block()]


def write_full(units: Iterable, path: Path, base: str, prefixes: dict[str, str]) -> tuple[int, Parts]:
    """Serialise every unit into path (atomically); returns the triple count and the parts of the file."""
    plan: list[tuple[str, bytes, int]] = []  # key, fingerprint, number of subject blocks
    count = 0

    def stream():
        nonlocal count
        triple = ox.Triple
        for key, inputs, block in units:
            blocks, last = 0, None
            for s, p, o in block():
                if s != last:
                    blocks += 1
                    last = s
                count += 1
                yield triple(s, p, o)
            plan.append((key, fingerprint(inputs), blocks))

    with atomic_file(path, buffering=1 << 20) as handle:
        ox.serialize(stream(), handle, ox.RdfFormat.TURTLE, prefixes=prefixes)
    size = Path(path).stat().st_size
    with open(path, "rb") as handle:
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else _Empty() as data:
            starts = [m.start() for m in _BLOCK_START.finditer(data)]
    starts.append(size)
    table, at = {}, 0
    for key, print_, blocks in plan:
        start = starts[min(at, len(starts) - 1)]
        at += blocks
        table[key] = (print_, start, starts[min(at, len(starts) - 1)])
    if at != len(starts) - 1:  # the file is not laid out as expected: no parts, so the next export is full
        raise LayoutError(f"{path}: {len(starts) - 1} subject blocks for {at} planned")
    return count, Parts(turtle_environment(base, prefixes), _stat(path), table)


class LayoutError(Exception):
    pass


class _Empty:
    def __enter__(self):
        return b""

    def __exit__(self, *exc):
        return False


def write_spliced(units: Iterable, path: Path, old_path: Path, old: Parts, prefixes: dict[str, str], *,
                  max_added: int) -> tuple[Parts, Changes, str]:
    """Write path (atomically) from the old Turtle's unchanged units and the changed units serialised again.
    Returns the new parts, the changes (`too_many` when more than max_added triples were added: loading the store
    again is then faster than updating it), and the file's sha256."""
    header = prefix_header(prefixes)
    changes = Changes()

    def serialised(key, block):
        def render() -> bytes:
            triples = _triples(block)
            changes.rewritten.append(key)
            changes.added += len(triples)
            changes.too_many = changes.added > max_added
            return ox.serialize(triples, None, ox.RdfFormat.TURTLE, prefixes=prefixes)[len(header):]
        return render

    def rendered_units():
        yield "@prefix", header, lambda: header  # not a unit of the graph: not counted
        for key, inputs, block in units:
            changes.units += 1
            yield key, inputs, serialised(key, block)

    digest = hashlib.sha256()
    parts, _, _ = write_rendered(rendered_units(), path, old_path, old.environment, old=old, digest=digest)
    changes.removed_ranges = [entry[1:] for key, entry in old.units.items()
                              if key not in parts.units or parts.units[key][0] != entry[0]]
    changes.added_ranges = [parts.units[key][1:] for key in changes.rewritten]
    return parts, changes, digest.hexdigest()


def triples_in_ranges(path: Path, ranges: Iterable[tuple[int, int]], header: bytes) -> list[ox.Triple]:
    """The triples of some units of a Turtle file written by this module, parsed back from their byte ranges
    (each after the file's @prefix lines, `header`)."""
    out: list[ox.Triple] = []
    with open(path, "rb") as source:
        for start, end in ranges:
            if end > start:
                source.seek(start)
                text = header + source.read(end - start)
                out.extend(ox.Triple(q.subject, q.predicate, q.object)
                           for q in ox.parse(text, format=ox.RdfFormat.TURTLE))
    return out


def write_rendered(units: Iterable, path: Path, previous: Path | None, expected: dict, *, old: Parts | None = None,
                   digest=None) -> tuple[Parts, int, int]:
    """Write path (atomically) from units (key, inputs, render) whose render() gives the unit's bytes: a unit is
    copied from the previous file when its parts (`old`, else read next to it) say it is unchanged, else
    rendered. `digest` (a hashlib object) is fed what is written. Returns the parts of the new file, the number
    of units rendered and the number of units."""
    if old is None and previous is not None:
        old = previous_parts(previous, expected)
    table: dict[str, tuple[bytes, int, int]] = {}
    rendered = total = 0
    with atomic_file(path, buffering=1 << 20) as handle, open(previous if old else os.devnull, "rb") as source:
        with mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ) if old and old.file[0] else _Empty() as data:
            position, run_start, run_end = 0, -1, -1

            def emit(chunk) -> None:
                nonlocal position
                handle.write(chunk)
                if digest is not None:
                    digest.update(chunk)
                position += len(chunk)

            for key, inputs, render in units:
                total += 1
                print_ = fingerprint(inputs)
                before = old.units.get(key) if old else None
                if before is not None and before[0] == print_:  # unchanged: extend the run of old bytes to copy
                    _, start, end = before
                    if start != run_end:
                        if run_end > run_start:
                            emit(data[run_start:run_end])
                        run_start = run_end = start
                    new_start = position + (run_end - run_start)
                    run_end = end
                    table[key] = (print_, new_start, new_start + end - start)
                    continue
                if run_end > run_start:
                    emit(data[run_start:run_end])
                run_start = run_end = -1
                start = position
                emit(render())
                table[key] = (print_, start, position)
                rendered += 1
            if run_end > run_start:
                emit(data[run_start:run_end])
    return Parts(expected, _stat(path), table), rendered, total
