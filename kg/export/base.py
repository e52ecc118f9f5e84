"""What every export format implements: a name, the file it writes, and `write` (the model is rdflib's
Serializer plugins). kg/export/__init__.py lists the formats in `EXPORTERS` and writes them together."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import networkx as nx

DEFAULT_BASE = "https://w3id.org/kg-ai/id/"


@dataclass
class ExportOptions:
    """Everything an export may be told; each format reads the fields it needs."""

    base: str = DEFAULT_BASE  # the IRI namespace of entities, items and statements (Turtle)
    max_nodes: int | None = 500  # the most-mentioned entities the explorer shows; None: all (HTML)
    previous: Path | None = None  # the file being replaced: its unchanged parts are reused (Turtle, GraphML)
    background: bool = False  # slow side work (the query store) is left running and returned as a job (Turtle)
    notes: list[str] = field(default_factory=list)  # what the export did, for the build's summary


class Job(Protocol):
    """Side work an export left running: waited for, or cancelled when the export fails."""

    def wait(self) -> None: ...

    def cancel(self) -> None: ...


class Exporter(Protocol):
    name: str  # the format, as `kg build --format` names it
    filename: str  # the file written into the output folder

    def write(self, graph: nx.MultiDiGraph, path: Path, options: ExportOptions) -> Job | None:
        """Write `graph` to `path` atomically; return the side work left running, if any."""
        ...
