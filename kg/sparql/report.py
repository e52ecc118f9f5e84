"""`kg report`: what happened in a date window, for analysts, read from an exported graph with SPARQL.

Five sections, each line dated inside the window and linked to its source:

- new names: entities whose kg:firstSeen falls in the window, with type, first date and the first item naming them;
- releases: kg:develops statements, grouped by developer, newest first;
- deals: kg:investsIn, kg:acquires, kg:partnersWith statements, newest first;
- people: kg:worksFor statements with their role, newest first;
- rising: entities named in more news items than in the previous window of the same length (both counts shown).

Statements that say the same thing (subject, relation, object, role) in the window are one line: its date is the
first report in the window, its link that report's source, and the others are counted. A statement's kg:status
("reported", "planned", "denied") is shown when present; without one a statement counts as stated.

The queries run on a graph file's query store (kg/sparql/query.py) or on a SPARQL endpoint (`kg serve`, `kg push`):
`run` is any function from SPARQL text to a QueryResult.
"""
from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kg.errors import QueryError
from kg.sparql.results import QueryResult

PREFIXES = """PREFIX kg: <https://w3id.org/kg-ai/vocab#>
PREFIX schema: <https://schema.org/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

SECTIONS = ("new", "releases", "deals", "people", "rising")
TITLES = {
    "new": "New names",
    "releases": "Releases",
    "deals": "Deals",
    "people": "People",
    "rising": "Rising",
}
DEAL_RELATIONS = ("investsIn", "acquires", "partnersWith")
STATED = "stated"
#: An entity is "rising" only when named in at least this many items in the window.
RISING_MIN = 3

Runner = Callable[[str], QueryResult]


@dataclass
class Line:
    """One line of a section."""

    date: str
    text: str  # the line without date and source, e.g. "OpenAI develops GPT-5"
    url: str | None  # the source's link (None: the item has none)
    source: str  # what the link shows: the item's headline, else its digest file
    digest: str = ""  # the digest file that listed the item
    status: str = STATED  # stated, reported, planned, denied
    group: str = ""  # releases: the developer
    sources: int = 1  # statements (or items) the line stands for
    last_date: str = ""  # the latest of them, when later than date
    fields: dict = field(default_factory=dict)  # the section's own values (names, counts, role, type)


@dataclass
class Report:
    start: str
    end: str
    previous_start: str
    previous_end: str
    sections: dict[str, list[Line]]
    totals: dict[str, int]  # lines per section before --limit
    seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps({
            "from": self.start, "to": self.end, "previous": {"from": self.previous_start, "to": self.previous_end},
            "sections": {name: [asdict(line) for line in lines] for name, lines in self.sections.items()},
            "totals": self.totals,
        }, ensure_ascii=False, indent=2)


def _date(value: str, option: str) -> dt.date:
    try:
        if len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise QueryError(f"{option} {value!r} is not a date: use YYYY-MM-DD") from None


def _literal(day: dt.date) -> str:
    return f'"{day.isoformat()}"^^xsd:date'


def _statements(run: Runner, start: dt.date, end: dt.date) -> list[dict]:
    relations = " ".join(f"kg:{r}" for r in ("develops", "worksFor", *DEAL_RELATIONS))
    text = PREFIXES + f"""SELECT ?st ?relation ?s ?subject ?o ?object ?date ?url ?item_url ?title ?digest ?status ?role
  ?confidence WHERE {{
  VALUES ?p {{ {relations} }}
  ?st rdf:predicate ?p ; dcterms:date ?date .
  FILTER(?date >= {_literal(start)} && ?date <= {_literal(end)})
  ?st rdf:subject ?s ; rdf:object ?o .
  ?s kg:name ?subject . ?o kg:name ?object .
  OPTIONAL {{ ?st schema:url ?url }}
  OPTIONAL {{ ?st kg:status ?status }}
  OPTIONAL {{ ?st kg:role ?role }}
  OPTIONAL {{ ?st kg:confidence ?confidence }}
  OPTIONAL {{ ?st prov:wasDerivedFrom ?item .
             OPTIONAL {{ ?item schema:url ?item_url }} OPTIONAL {{ ?item schema:headline ?title }}
             OPTIONAL {{ ?item kg:listedIn/schema:name ?digest }} }}
  BIND(STRAFTER(STR(?p), "#") AS ?relation)
}}"""
    return _rows(run(text))


def _rows(result: QueryResult) -> list[dict]:
    return [{c: (v if v not in ("",) else None) for c, v in zip(result.columns, row)} for row in result.rows]


def _first_sources(rows: list[dict], key: str) -> dict[str, dict]:
    """One row per key value: the earliest date, then the first URL (rows from several items or digests)."""
    best: dict[str, dict] = {}
    for row in rows:
        current = best.get(row[key])
        rank = (row.get("date") or "", row.get("url") or row.get("item_url") or "~", row.get("digest") or "",
                row.get("title") or "", row.get("item") or "")
        if current is None or rank < current["_rank"]:
            best[row[key]] = {**row, "_rank": rank}
    return best


def _statement_lines(rows: list[dict]) -> dict[str, list[Line]]:
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        key = (row["relation"], row["s"], row["o"], row.get("role") or "")
        groups.setdefault(key, []).append(row)
    out: dict[str, list[Line]] = {"releases": [], "deals": [], "people": []}
    for (relation, _s, _o, role), members in groups.items():
        members.sort(key=lambda r: (r["date"], r.get("url") or r.get("item_url") or "~", r["st"],
                                    r.get("digest") or "", r.get("title") or ""))
        first = members[0]
        statuses = {(r.get("status") or STATED).strip().lower() for r in members}
        status = STATED if STATED in statuses else sorted(statuses)[0]
        url = first.get("url") or first.get("item_url")
        text = f"{first['subject']} {relation} {first['object']}" + (f" ({role})" if role else "")
        dates = sorted({r["date"] for r in members})
        line = Line(
            date=first["date"], text=text, url=url, source=first.get("title") or first.get("digest") or "", digest=first.get("digest") or "",
            status=status, sources=len({r["st"] for r in members}),
            last_date=dates[-1] if dates[-1] != first["date"] else "",
            fields={"subject": first["subject"], "relation": relation, "object": first["object"],
                    **({"role": role} if role else {})},
        )
        if relation == "develops":
            line.group = first["subject"]
            out["releases"].append(line)
        elif relation == "worksFor":
            out["people"].append(line)
        else:
            out["deals"].append(line)
    for name in out:
        out[name].sort(key=lambda line: (line.date, line.text), reverse=True)
    # releases: developers in the order of their newest release, each developer's releases newest first
    newest: dict[str, str] = {}
    for line in out["releases"]:
        newest[line.group] = max(newest.get(line.group, ""), line.date)
    out["releases"].sort(key=lambda line: (newest[line.group], line.group, line.date, line.text), reverse=True)
    return out


def _new_names(run: Runner, start: dt.date, end: dt.date) -> list[Line]:
    text = PREFIXES + f"""SELECT ?e ?name ?type ?date ?mentions ?item ?url ?title ?digest WHERE {{
  ?e kg:firstSeen ?date .
  FILTER(?date >= {_literal(start)} && ?date <= {_literal(end)})
  ?e kg:name ?name ; a ?class .
  FILTER(STRSTARTS(STR(?class), STR(kg:)))
  BIND(STRAFTER(STR(?class), "#") AS ?type)
  OPTIONAL {{ ?e kg:mentionCount ?mentions }}
  OPTIONAL {{ ?item schema:mentions ?e ; schema:datePublished ?date .
             OPTIONAL {{ ?item schema:url ?url }} OPTIONAL {{ ?item schema:headline ?title }}
             OPTIONAL {{ ?item kg:listedIn/schema:name ?digest }} }}
}}"""
    lines = []
    for row in _first_sources(_rows(run(text)), "e").values():
        mentions = int(row.get("mentions") or 0)
        lines.append(Line(
            date=row["date"], text=f"{row['name']} ({row['type']})", url=row.get("url"),
            source=row.get("title") or row.get("digest") or "", digest=row.get("digest") or "",
            fields={"name": row["name"], "type": row["type"], "mentions": mentions},
        ))
    lines.sort(key=lambda line: (-line.fields["mentions"], line.date, line.fields["name"]))
    return lines


def _rising(run: Runner, previous_start: dt.date, start: dt.date, end: dt.date,
            limit: int | None) -> tuple[list[Line], int]:
    """The `limit` entities that grew most (more items than before, at least RISING_MIN), and how many grew."""
    counts = PREFIXES + f"""SELECT ?e (SUM(?in) AS ?now) (SUM(1 - ?in) AS ?before) WHERE {{
  ?item schema:datePublished ?d .
  FILTER(?d >= {_literal(previous_start)} && ?d <= {_literal(end)})
  BIND(IF(?d >= {_literal(start)}, 1, 0) AS ?in)
  ?item schema:mentions ?e .
}} GROUP BY ?e"""
    ranked = []
    for row in _rows(run(counts)):
        now, before = int(row["now"] or 0), int(row["before"] or 0)
        if now >= RISING_MIN and now > before:
            ranked.append((now - before, now / max(before, 1), now, row["e"]))
    ranked.sort(key=lambda r: (-r[0], -r[1], -r[2], r[3]))
    chosen = ranked if limit is None else ranked[:limit]
    if not chosen:
        return [], len(ranked)
    counted = {iri: (now, now - gain) for gain, _ratio, now, iri in chosen}
    values = " ".join(f"<{iri}>" for iri in counted)
    # the latest linked mention of each (the latest mention when none is linked), then its headline and digest
    # (the window's items first, then which of them name the entities: 3.5x faster on the store than the
    # entities' items first, as big entities are named in thousands of items outside the window)
    latest = PREFIXES + f"""SELECT ?e ?item ?date ?url WHERE {{
  {{ SELECT ?item ?date WHERE {{ ?item schema:datePublished ?date .
      FILTER(?date >= {_literal(start)} && ?date <= {_literal(end)}) }} }}
  ?item schema:mentions ?e .
  VALUES ?e {{ {values} }}
  OPTIONAL {{ ?item schema:url ?url }}
}}"""
    newest: dict[str, dict] = {}
    for row in _rows(run(latest)):
        current = newest.get(row["e"])
        rank = (row.get("url") is not None, row["date"], row.get("url") or "", row["item"])
        if current is None or rank > current["_rank"]:
            newest[row["e"]] = {**row, "_rank": rank}
    if not newest:
        return [], len(ranked)
    pairs = " ".join(f"(<{iri}> <{row['item']}>)" for iri, row in newest.items())
    about = PREFIXES + f"""SELECT ?e ?name ?type ?title ?digest WHERE {{
  VALUES (?e ?item) {{ {pairs} }}
  ?e kg:name ?name ; a ?class .
  FILTER(STRSTARTS(STR(?class), STR(kg:)))
  BIND(STRAFTER(STR(?class), "#") AS ?type)
  OPTIONAL {{ ?item schema:headline ?title }}
  OPTIONAL {{ ?item kg:listedIn/schema:name ?digest }}
}}"""
    for row in sorted(_rows(run(about)), key=lambda r: (r["e"], r.get("digest") or "", r.get("title") or ""),
                      reverse=True):
        newest[row["e"]].update(name=row["name"], type=row["type"], title=row.get("title"), digest=row.get("digest"))
    lines = []
    for _gain, _ratio, now, iri in chosen:
        row = newest.get(iri)
        if row is None or "name" not in row:
            continue
        before = counted[iri][1]
        lines.append(Line(
            date=row["date"], text=f"{row['name']} ({row['type']}): {_items(now)}, {before} before",
            url=row.get("url"), source=row.get("title") or row.get("digest") or "", digest=row.get("digest") or "",
            fields={"name": row["name"], "type": row["type"], "mentions": now, "previous": before},
        ))
    return lines, len(ranked)


def build_report(run: Runner, start: str, end: str, *, limit: int | None = 50) -> Report:
    """The report of the window start..end (inclusive, YYYY-MM-DD), each section cut to `limit` lines."""
    import time

    began = time.perf_counter()
    first, last = _date(start, "--from"), _date(end, "--to")
    if last < first:
        raise QueryError(f"--to {end} is before --from {start}: give the window's first day, then its last")
    days = (last - first).days + 1
    previous_start, previous_end = first - dt.timedelta(days=days), first - dt.timedelta(days=1)
    sections: dict[str, list[Line]] = {"new": _new_names(run, first, last)}
    sections.update(_statement_lines(_statements(run, first, last)))
    sections["rising"], rising_total = _rising(run, previous_start, first, last, limit)
    sections = {name: sections[name] for name in SECTIONS}
    totals = {name: len(lines) for name, lines in sections.items()}
    totals["rising"] = rising_total
    if limit is not None:
        sections = {name: lines[:limit] for name, lines in sections.items()}
    return Report(first.isoformat(), last.isoformat(), previous_start.isoformat(), previous_end.isoformat(),
                  sections, totals, time.perf_counter() - began)


# ---------------------------------------------------------------- rendering

INTRO = ("Each line: a date, what happened, its source. The date is the first day seen (new names), the first"
         " report in the window (releases, deals, people), the latest linked mention (rising).")


def _items(n: int) -> str:
    return f"{n} item{'' if n == 1 else 's'}"


def _status_note(line: Line) -> str:
    return "" if line.status == STATED else f" [{line.status}]"


def _more_note(line: Line) -> str:
    if line.sources <= 1:
        return ""
    until = f", until {line.last_date}" if line.last_date else ""
    return f" (+{line.sources - 1} more report{'s' if line.sources > 2 else ''}{until})"


def _md_escape(text: str) -> str:
    for c in "\\`*_[]<>|":
        text = text.replace(c, "\\" + c)
    return " ".join(text.split())


def _clip(text: str, limit: int = 90) -> str:
    """A headline cut for a line of the report (some items' headlines are whole paragraphs)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _md_link(line: Line) -> str:
    label = _md_escape(_clip(line.source or line.url or "source"))
    if line.url:
        return f"[{label}](<{line.url.replace('>', '%3E').replace(' ', '%20')}>)"
    where = f"listed in {_md_escape(line.digest)}" if line.digest and line.digest != line.source else ""
    return f"{label} (no link{'; ' + where if where else ''})" if line.source else "(no source link)"


def _cut_note(report: Report, name: str) -> str:
    shown, total = len(report.sections[name]), report.totals[name]
    return f"{shown} of {total} shown (kg report --limit 0 shows all)" if total > shown else ""


def to_markdown(report: Report) -> str:
    out = [f"# What happened {report.start} to {report.end}", ""]
    out.append(f"{INTRO} Rising compares with {report.previous_start} to {report.previous_end}.")
    for name in SECTIONS:
        lines = report.sections[name]
        out += ["", f"## {TITLES[name]} ({report.totals[name]})", ""]
        if not lines:
            out.append("Nothing in this window.")
            continue
        group = None
        for line in lines:
            if name == "releases" and line.group != group:
                group = line.group
                out += ([""] if out[-1] else []) + [f"### {_md_escape(group)}", ""]
            what = _md_escape(line.text)
            if name == "new" and line.fields.get("mentions"):
                what += f", {_items(line.fields['mentions'])} in all"
            out.append(f"- {line.date} {what}{_status_note(line)}{_more_note(line)}: {_md_link(line)}")
        if note := _cut_note(report, name):
            out += ["", f"_{note}_"]
    return "\n".join(out) + "\n"


_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
_CSS = """body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC",
  "WenQuanYi Zen Hei", "PingFang SC", "Microsoft YaHei", sans-serif; color: #222; max-width: 60em;
  margin: 1.5em auto; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ddd; margin-top: 1.6em; }
h3 { font-size: 1em; margin: 0.8em 0 0.2em; }
ul { list-style: none; padding: 0; margin: 0; } li { padding: 2px 0; }
.date { font-variant-numeric: tabular-nums; color: #555; margin-right: 0.6em; }
.status { background: #fff1d6; border: 1px solid #e9c46a; border-radius: 3px; padding: 0 4px; font-size: 0.85em; }
.status-denied { background: #fde2e1; border-color: #e76f51; }
.more, .muted, .cut { color: #777; font-size: 0.9em; }
.source { margin-left: 0.4em; } a { color: #1a5fb4; }
nav a { margin-right: 1em; }"""


def to_html(report: Report) -> str:
    e = html.escape
    title = f"What happened {report.start} to {report.end}"
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
           '<meta name="referrer" content="no-referrer">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{e(title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
           f"<h1>{e(title)}</h1>",
           f'<p class="muted">{e(INTRO)} Rising compares with {e(report.previous_start)} to'
           f" {e(report.previous_end)}.</p>",
           "<nav>" + "".join(f'<a href="#{n}">{e(TITLES[n])} ({report.totals[n]})</a>' for n in SECTIONS) + "</nav>"]
    for name in SECTIONS:
        lines = report.sections[name]
        out.append(f'<section id="{name}"><h2>{e(TITLES[name])} ({report.totals[name]})</h2>')
        if not lines:
            out.append('<p class="muted">Nothing in this window.</p></section>')
            continue
        group = None
        out.append("<ul>")
        for line in lines:
            if name == "releases" and line.group != group:
                if group is not None:
                    out.append("</ul>")
                group = line.group
                out.append(f"<h3>{e(group)}</h3><ul>")
            what = e(line.text)
            if name == "new" and line.fields.get("mentions"):
                what += f'<span class="muted">, {_items(line.fields["mentions"])} in all</span>'
            status = (f' <span class="status status-{e(line.status)}">{e(line.status)}</span>'
                      if line.status != STATED else "")
            more = f'<span class="more">{e(_more_note(line))}</span>' if line.sources > 1 else ""
            if line.url:
                source = (f'<a class="source" href="{e(line.url)}" target="_blank" rel="noopener noreferrer"'
                          f' title="{e(line.source or line.url)}">{e(_clip(line.source or line.url))}</a>')
            else:
                where = f"; listed in {line.digest}" if line.digest and line.digest != line.source else ""
                source = (f'<span class="source">{e(_clip(line.source or ""))} <span class="muted">(no link'
                          f'{e(where)})</span></span>')
            out.append(f'<li data-section="{name}"><span class="date">{e(line.date)}</span>{what}{status}{more}'
                       f" {source}</li>")
        out.append("</ul>")
        if note := _cut_note(report, name):
            out.append(f'<p class="cut">{e(note)}</p>')
        out.append("</section>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def write_report(report: Report, out_dir: Path) -> tuple[Path, Path]:
    """report.md and report.html in out_dir (each written atomically)."""
    from kg.export.atomic import atomic_file

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = out_dir / "report.md", out_dir / "report.html"
    for path, text in zip(paths, (to_markdown(report), to_html(report))):
        with atomic_file(path) as handle:
            handle.write(text.encode("utf-8"))
    return paths
