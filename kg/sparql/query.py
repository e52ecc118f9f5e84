"""Running SPARQL 1.1: on a pyoxigraph store (the default prefixes declared) or on a remote endpoint, with
syntax errors told as a position and what was expected there."""
from __future__ import annotations

import re

import pyoxigraph as ox

from kg.errors import QueryError
from kg.sparql.results import QueryResult, term_value


PRECOMPUTED_CHECK = "ASK { ?entity <https://w3id.org/kg-ai/vocab#name> ?name }"



def explain_empty(rows: int, ask) -> None:
    """After a named query found no rows: raise if the graph lacks the precomputed names and counts the named
    queries read (an export of an older kg), so "no rows" is never a silent wrong answer. `ask` runs a query."""
    if rows:
        return
    answer = ask(PRECOMPUTED_CHECK)
    if answer.rows and answer.rows[0][0] not in ("true", "1", True):
        raise QueryError("this graph has no kg:name triples: it was exported by an older kg, and the named queries"
                         " read the names and monthly counts kg build now precomputes. Rebuild it with kg build")



# Declared for every query (the prefixes the docs and graph.ttl use); a query's own PREFIX line for one of these
# names wins.
DEFAULT_PREFIXES = {
    "kg": "https://w3id.org/kg-ai/vocab#",
    "schema": "https://schema.org/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "wd": "http://www.wikidata.org/entity/",
}



_DECLARED = re.compile(r"(?i)\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:")



def with_default_prefixes(sparql: str) -> str:
    """The query with a PREFIX line for each default prefix it does not declare itself: for engines that cannot be
    given prefixes (a remote endpoint). Local queries pass DEFAULT_PREFIXES to pyoxigraph instead, which keeps the
    line numbers of syntax errors those of the query as written."""
    declared = {m.group(1) or "" for m in _DECLARED.finditer(sparql)}
    lines = [f"PREFIX {name}: <{iri}>" for name, iri in DEFAULT_PREFIXES.items() if name not in declared]
    return "\n".join(lines + [sparql]) if lines else sparql



_POSITION = re.compile(r"^error at (\d+):(\d+): expected (?:one of )?(.*)$", re.S)



def _expected_tokens(listing: str) -> list[str]:
    """The tokens of pyoxigraph's "expected one of" list that a user can type: quoted punctuation and keywords;
    character classes (the Unicode ranges of names) are left out."""
    tokens, i, n = [], 0, len(listing)
    while i < n:
        c = listing[i]
        if c in ", \n":
            i += 1
        elif c == '"':  # a quoted token, backslash-escaped
            j, out = i + 1, []
            while j < n and listing[j] != '"':
                if listing[j] == "\\" and j + 1 < n:
                    j += 1
                out.append(listing[j])
                j += 1
            tokens.append("".join(out))
            i = j + 1
        elif c == "[":  # a character class: skip to its closing bracket (quoted characters may hold brackets)
            j, depth = i, 0
            while j < n:
                if listing[j] == "'" and j + 2 < n:
                    j += 3 if listing[j + 1] != "\\" else 4
                    continue
                depth += {"[": 1, "]": -1}.get(listing[j], 0)
                j += 1
                if depth == 0:
                    break
            i = j
        else:
            j = listing.find(", ", i)
            j = n if j < 0 else j
            tokens.append(listing[i:j].strip())
            i = j
    return [t for t in dict.fromkeys(tokens) if t]



def syntax_error_message(error: Exception | str, sparql: str) -> str:
    """pyoxigraph's SPARQL syntax error as one line: where (line, column, the text before it) and what was
    expected, or which prefix is unknown; without the Unicode ranges of its token lists."""
    m = _POSITION.match(str(error).strip())
    if not m:
        return f"SPARQL syntax error: {' '.join(str(error).split())}"
    line_no, column, listing = int(m.group(1)), int(m.group(2)), m.group(3)
    lines = sparql.split("\n")
    line = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
    before = line[: max(column - 1, 0)]
    where = f"SPARQL syntax error at line {line_no}, column {column}"
    if "Prefix not found" in listing:
        token = re.search(r"([A-Za-z][\w.-]*)?:[^\s:]*$", before.rstrip())
        name = (token.group(1) or "") if token else ""
        known = ", ".join(DEFAULT_PREFIXES)
        return (f"{where}: unknown prefix '{name}:' (predeclared: {known}); declare it with"
                f" PREFIX {name}: <...> at the top of the query")
    tokens = [t for t in _expected_tokens(listing) if t != "Prefix not found"]
    shown = " ".join(f"'{t}'" if not t.isalpha() else t for t in tokens[:12]) + (" ..." if len(tokens) > 12 else "")
    context = before.strip()
    context = context if len(context) <= 40 else "…" + context[-39:]
    near = f" (after '{context}')" if context else ""
    if not shown:
        return f"{where}{near}: unexpected text"
    return f"{where}{near}: expected {'one of ' if len(tokens) > 1 else ''}{shown}"



def run(store: ox.Store, sparql: str) -> QueryResult:
    """Run a query on a local store; the prefixes of DEFAULT_PREFIXES are declared (a query's own PREFIX wins)."""
    try:
        result = store.query(sparql, prefixes=DEFAULT_PREFIXES)
    except SyntaxError as exc:
        raise QueryError(syntax_error_message(exc, sparql)) from None
    except (ValueError, OSError) as exc:
        raise QueryError(f"query failed: {exc}") from None
    if isinstance(result, (bool, ox.QueryBoolean)):  # ASK
        return QueryResult(["result"], [["true" if bool(result) else "false"]])
    if isinstance(result, ox.QuerySolutions):
        columns = [v.value for v in result.variables]
        rows = [[term_value(solution[c]) for c in columns] for solution in result]
        return QueryResult(columns, rows)
    triples = list(result)  # CONSTRUCT / DESCRIBE
    return QueryResult(["subject", "predicate", "object"], [[term_value(t.subject), term_value(t.predicate), term_value(t.object)] for t in triples])



def run_remote(endpoint: str, sparql: str, *, graph: str | None = None, user: str | None = None,
               password: str | None = None) -> QueryResult:
    """Run a SELECT query on a SPARQL 1.1 query endpoint, on `graph` (default: the graph `kg push` loads into)."""
    from kg.sparql.push import DEFAULT_GRAPH, Server

    server = Server(endpoint=endpoint, sparql=endpoint, graph=graph or DEFAULT_GRAPH, user=user, password=password,
                    retries=1, sparql_option="--endpoint")
    return server.select(with_default_prefixes(sparql), default_graph=server.graph)

