"""Typed errors raised by the library; only the CLI turns them into messages and exit codes."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class KgError(Exception):
    """Base class of every error kg raises on purpose."""


@dataclass
class InputProblem:
    """One problem with one input file: what, where, and how to fix it."""

    path: Path
    problem: str
    fix: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.problem}. Fix: {self.fix}"


class InputFileError(KgError):
    """A digest file that cannot be used; the build skips it and goes on."""

    def __init__(self, path: Path, problem: str, fix: str, line: int | None = None):
        self.detail = InputProblem(Path(path), problem, fix, line)
        super().__init__(str(self.detail))


class RulesError(KgError):
    """Rule files with problems; carries every problem found, as `[file -> entry -> field] message`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in rules:\n" + "\n".join(problems))


class RulesCopyError(KgError):
    """The default rules could not be copied out (kg rules init): files already there, or no permission."""


class QueryError(KgError):
    """A SPARQL query or a graph file that cannot be queried."""


class NoInputError(KgError):
    """Nothing to build from."""


class NothingReadError(KgError):
    """Every input file was skipped: a build of nothing, which must not replace a previous graph."""

    def __init__(self, report):
        self.report = report  # the build's report: each skipped file's problem, the warnings
        super().__init__(f"read 0 of {report.files} files (every one was skipped)")


class OutputDirError(KgError):
    """A --out folder kg cannot write into (a file in the way, no permission, a read-only file system)."""


class BuildAbortedError(KgError):
    """--strict build with skipped input; nothing was written."""


class EngineError(KgError):
    """An engine that cannot run: dask not installed, scheduler unreachable, the cluster failed."""


class PushError(KgError):
    """A graph that could not be loaded into a SPARQL server (kg push): file, URL, credentials or server."""
