"""Named queries shipped in the package (kg/queries/*.rq) and their parameters.

Parameters of named queries are `$name` variables in the query text; values are typed and written as
escaped SPARQL literals, so user input can never change the query's structure. A `name` parameter is written
in lower case, to match the precomputed `kg:nameKey` of every label and alias. A line ending in `# if NAME` is
kept only when parameter NAME is given (not empty): a filter that is not needed is not evaluated at all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import QueryError


QUERIES_DIR = Path(__file__).parent.parent / "queries"



_PARAM_LINE = re.compile(r"^#\s*param\s+(\w+)\s+(string|name|date|integer)\s+(\"[^\"]*\"|\S+)\s*(.*)$")



_IF_LINE = re.compile(r"#\s*if\s+(\w+)\s*$")



@dataclass
class Param:
    name: str
    kind: str
    default: str
    help: str



@dataclass
class NamedQuery:
    name: str
    description: str
    params: list[Param]
    text: str



def named_queries() -> dict[str, NamedQuery]:
    out = {}
    for path in sorted(QUERIES_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        description = lines[0].lstrip("# ").strip() if lines else ""
        params = []
        for line in lines:
            m = _PARAM_LINE.match(line)
            if m:
                params.append(Param(m.group(1), m.group(2), m.group(3).strip('"'), m.group(4).strip()))
        out[path.stem] = NamedQuery(path.stem, description, params, text)
    return out



def literal_for(kind: str, value: str, name: str) -> str:
    """A typed, escaped SPARQL literal for a parameter value."""
    if kind == "date":
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise QueryError(f"parameter {name}={value!r} is not a date: use YYYY-MM-DD")
        return str(ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")))
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", value):
            raise QueryError(f"parameter {name}={value!r} is not a whole number")
        return str(int(value))
    if kind == "name":
        value = value.strip().lower()
    return str(ox.Literal(value))  # N-Triples escaping: every character survives, nothing can end the string



def bind_params(query: NamedQuery, given: dict[str, str]) -> str:
    unknown = set(given) - {p.name for p in query.params}
    if unknown:
        known = ", ".join(p.name for p in query.params) or "none"
        raise QueryError(f"query '{query.name}' has no parameter {', '.join(sorted(unknown))} (parameters: {known})")
    values = {p.name: given.get(p.name, p.default) for p in query.params}
    text = "\n".join(
        line for line in query.text.splitlines()
        if not ((m := _IF_LINE.search(line)) and not values.get(m.group(1), "").strip())
    )
    for p in query.params:
        value = literal_for(p.kind, values[p.name], p.name)
        text = re.sub(rf"\${p.name}\b", lambda _m, literal=value: literal, text)
    return text

