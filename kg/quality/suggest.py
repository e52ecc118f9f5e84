"""The review loop for the gazetteer: names only patterns or the model found, and accepting them into rules/.

`suggestions(graph)` lists the entities of a built graph that no gazetteer entry names (their `kg:extractor`
is a pattern or the model), most mentioned first, with type, confidence, first date and an example sentence.
`add_to_gazetteer(rules_dir, accepted)` appends accepted names to `rules/gazetteer/<type>.yml` and validates
the whole rules folder; when the rules then have problems, the files are put back as they were and the problems
are raised (`[file -> loc] msg`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError, RulesError
from kg.ingest.normalize import fold_name, slugify
from kg.sparql.entities import ENTITY_PREFIXES as _PREFIXES
from kg.sparql.store import load_store
from kg.records import ENTITY_TYPES

GAZETTEER_FILES = {
    "Company": "companies.yml",
    "Organization": "organizations.yml",
    "Person": "people.yml",
    "Product": "products.yml",
    "Hardware": "hardware.yml",
}


class SuggestError(KgError):
    """A name to accept that the graph does not propose, or a type that is not one of ours."""


@dataclass(frozen=True)
class Suggestion:
    name: str
    type: str
    mentions: int
    confidence: float
    first_seen: str
    extractor: str
    example: str


def suggestions(graph_path: Path, entity_type: str = "", min_mentions: int = 1, limit: int = 0,
                examples: bool = True) -> list[Suggestion]:
    """Names only patterns or the model found, most mentioned first (then by name): the first `limit` (0: all),
    with an example sentence each unless `examples` is false."""
    store = load_store(graph_path, persistent=False)
    query = _PREFIXES + """
        SELECT ?e ?name ?class ?mentions ?confidence ?first ?extractor WHERE {
          ?e kg:extractor ?extractor ; kg:mentionCount ?mentions ; rdfs:label ?name ; a ?class .
          FILTER(STRSTARTS(STR(?extractor), "pattern:") || STRSTARTS(STR(?extractor), "model:"))
          FILTER(STRSTARTS(STR(?class), STR(kg:)))
          OPTIONAL { ?e kg:confidence ?confidence }
          OPTIONAL { ?e kg:firstSeen ?first }
        }"""
    found: dict[str, Suggestion] = {}
    for row in store.query(query):
        kind = row["class"].value.rsplit("#", 1)[-1]
        mentions = int(row["mentions"].value)
        if kind not in ENTITY_TYPES or (entity_type and kind != entity_type) or mentions < min_mentions:
            continue
        iri = row["e"].value
        found[iri] = Suggestion(
            name=row["name"].value,
            type=kind,
            mentions=mentions,
            confidence=float(row["confidence"].value) if row["confidence"] is not None else 0.0,
            first_seen=row["first"].value if row["first"] is not None else "",
            extractor=row["extractor"].value,
            example=iri,  # replaced by a sentence below, for the names returned
        )
    ranked = sorted(found.values(), key=lambda s: (-s.mentions, fold_name(s.name)))
    if limit:
        ranked = ranked[:limit]
    return [replace(s, example=_example(store, s.example) if examples else "") for s in ranked]


def _example(store: ox.Store, iri: str) -> str:
    """A sentence that states something about the entity, else the headline of the first item naming it."""
    node = str(ox.NamedNode(iri))
    for query in (
        "SELECT ?t ?d WHERE { ?st kg:evidence ?t ; dcterms:date ?d . { ?st rdf:subject " + node + " } UNION "
        "{ ?st rdf:object " + node + " } } ORDER BY ?d STR(?t) LIMIT 1",
        "SELECT ?t ?d WHERE { ?i schema:mentions " + node + " ; schema:headline ?t ; schema:datePublished ?d } "
        "ORDER BY ?d STR(?t) LIMIT 1",
    ):
        for row in store.query(_PREFIXES + query):
            return " ".join(row["t"].value.split())
    return ""


def add_to_gazetteer(rules_dir: Path, accepted: list[tuple[str, str]]) -> list[tuple[str, str, Path]]:
    """Append (name, type) entries to the gazetteer files of rules_dir; returns (id, name, file) of each.

    Names the gazetteer already has are refused. The rules folder is validated after writing; if it has
    problems the files are restored and RulesError carries them.
    """
    from kg.extract.rules import load_rules

    rules = load_rules(rules_dir)
    directory = rules.directory
    planned: dict[Path, list[str]] = {}
    added = []
    taken = set(rules.entities)
    for name, kind in accepted:
        if kind not in GAZETTEER_FILES:
            raise SuggestError(f"{name}: unknown type {kind!r}. Fix: one of {', '.join(ENTITY_TYPES)}")
        known = rules.alias_index.get(fold_name(name))
        if known:
            raise SuggestError(f"{name}: the gazetteer already names it (id {known}). Fix: leave it out")
        entity_id = slugify(name)
        if entity_id in taken:
            entity_id = f"{entity_id}-{kind.lower()}"
        taken.add(entity_id)
        path = directory / "gazetteer" / GAZETTEER_FILES[kind]
        quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        planned.setdefault(path, []).append(f"  - id: {entity_id}\n    name: {quoted}\n")
        added.append((entity_id, name, path))
    before = {path: path.read_text(encoding="utf-8") if path.exists() else None for path in planned}
    for path, entries in planned.items():
        text = before[path]
        if text is None:
            text = f"type: {next(k for k, f in GAZETTEER_FILES.items() if f == path.name)}\nentities:\n"
        if not text.endswith("\n"):
            text += "\n"
        path.write_text(text + "".join(entries), encoding="utf-8")
    try:
        load_rules(directory)
    except RulesError:
        for path, text in before.items():
            if text is None:
                path.unlink()
            else:
                path.write_text(text, encoding="utf-8")
        raise
    return added
