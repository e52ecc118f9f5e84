"""Write a benchmark's figures into docs/benchmarks.md: the block between `<!-- bench:NAME -->` and
`<!-- /bench:NAME -->` is replaced by the figures, stamped with the command, the date and the machine."""
from __future__ import annotations

import os
import platform
import re
import sys
import time
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"


class MissingSection(LookupError):
    """The docs file has no `<!-- bench:NAME -->` ... `<!-- /bench:NAME -->` block of that name."""


def machine() -> str:
    """Cores, RAM and Python of this machine, e.g. '2 cores, 24 GB RAM, Python 3.11.2'."""
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
        ram_text = f"{ram:.0f} GB RAM"
    except (ValueError, OSError, AttributeError):
        ram_text = "RAM unknown"
    return f"{os.cpu_count()} cores, {ram_text}, Python {platform.python_version()}"


def stamp(command: str) -> str:
    return f"`{command}`, {time.strftime('%Y-%m-%d', time.gmtime())}, {machine()}:"


def write_section(name: str, markdown: str, command: str, docs: str | Path = DOCS) -> Path:
    """Replace the block NAME of `docs` with the stamp and `markdown`; raises MissingSection if it has none."""
    path = Path(docs)
    text = path.read_text(encoding="utf-8")
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise MissingSection(f"{path}: no {start} ... {end} block; add the two markers where the figures go")
    body = f"{start}\n{stamp(command)}\n{markdown.strip()}\n{end}"
    path.write_text(pattern.sub(lambda _m: body, text, count=1), encoding="utf-8")
    return path


def command_line(argv: list[str] | None = None) -> str:
    """The command that ran this script, as a user would type it (`python3 tests/benchmarks/...`)."""
    argv = sys.argv if argv is None else argv
    script = Path(argv[0])
    try:
        script = script.resolve().relative_to(DOCS.parents[1])
    except ValueError:
        pass
    return " ".join(["python3", str(script), *argv[1:]])
