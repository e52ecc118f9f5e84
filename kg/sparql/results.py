"""A query's result (columns and rows of strings) and its output formats: a text table, CSV, TSV, JSON."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list[str | None]]



def term_value(term) -> str | None:
    if term is None:
        return None
    return term.value



def format_result(result: QueryResult, fmt: str) -> str:
    if fmt == "json":
        return json.dumps([dict(zip(result.columns, row)) for row in result.rows], ensure_ascii=False, indent=2)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([["" if v is None else v for v in row] for row in result.rows])
        return buffer.getvalue().rstrip("\n")
    return format_table(result)



def _width(text: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)



def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    if _width(text) <= limit or text.startswith(("http://", "https://")):  # links stay whole: users open them
        return text
    out, width = [], 0
    for c in text:
        width += _width(c)
        if width > limit - 1:
            break
        out.append(c)
    return "".join(out) + "…"



def format_table(result: QueryResult) -> str:
    cells = [[_clip("" if v is None else v) for v in row] for row in result.rows]
    widths = [max([_width(c)] + [_width(row[i]) for row in cells]) for i, c in enumerate(result.columns)]

    def line(values):
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths)).rstrip()

    out = [line(result.columns), line(["-" * w for w in widths])] + [line(row) for row in cells]
    out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(out)

