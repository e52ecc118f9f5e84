"""Score an exported graph against hand-annotated gold items (format: docs/gold-format.md).

Items are matched by normalised URL, else by headline and date. An entity counts as found when the graph
item mentions an entity of the same type one of whose names or aliases folds to one of the gold entity's
names or aliases; a relation when its predicate matches and both ends are found (either direction for
symmetric relations). Gold relations with a `status` (reported, planned, denied: hedged, planned or negated
statements) are not scored: how many of them the graph asserts as plain facts (a statement without kg:status) is
counted apart, by status, and a graph statement matching one is neither right nor wrong in the scores.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError
from kg.ingest.normalize import fold_name, normalize_url
from kg.sparql.entities import ENTITY_PREFIXES
from kg.sparql.store import load_store
from kg.records import ENTITY_TYPES, RELATION_TYPES, SYMMETRIC_RELATIONS


class GoldFileError(KgError):
    """A gold file that cannot be read."""


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


STATUSES = ("reported", "planned", "denied")


@dataclass
class StatusCount:
    """Gold relations with one status, and how many of them the graph asserts as plain facts."""

    gold: int = 0
    in_graph: int = 0


@dataclass
class Evaluation:
    items: int = 0
    matched_items: int = 0
    entities: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    relations: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    unmatched: list[str] = field(default_factory=list)
    # one per gold entity of a found item: (gold name, gold type, type of the graph entity with one of its names
    # or "" when none, whether it counted as found, every folded name and alias)
    outcomes: list[tuple[str, str, str, bool, frozenset[str]]] = field(default_factory=list)
    status: dict[str, StatusCount] = field(default_factory=lambda: defaultdict(StatusCount))
    gold_files: list[str] = field(default_factory=list)
    graph: str = ""

    def total(self, table: dict[str, Score]) -> Score:
        return Score(sum(s.tp for s in table.values()), sum(s.fp for s in table.values()), sum(s.fn for s in table.values()))


def read_gold(path: Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise GoldFileError(f"{path}: no such gold file")
    records = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldFileError(f"{path}:{n}: not JSON ({exc.msg}). Fix: one JSON object per line") from None
        missing = {"title", "date", "entities", "relations"} - set(record)
        if missing:
            raise GoldFileError(f"{path}:{n}: missing {', '.join(sorted(missing))}. Fix: see docs/gold-format.md")
        for e in record["entities"]:
            if e.get("type") not in ENTITY_TYPES:
                raise GoldFileError(f"{path}:{n}: entity {e.get('name')!r} has unknown type {e.get('type')!r}")
        for r in record["relations"]:
            if r.get("p") not in RELATION_TYPES:
                raise GoldFileError(f"{path}:{n}: unknown relation {r.get('p')!r}")
            if "status" in r and r["status"] not in STATUSES:
                raise GoldFileError(f"{path}:{n}: relation {r.get('s')!r} {r['p']} {r.get('o')!r} has unknown status"
                                    f" {r['status']!r}. Fix: use one of {', '.join(STATUSES)}, or leave it out")
        records.append(record)
    return records


@dataclass
class _PredictedEntity:
    iri: str
    type: str
    names: set[str]


def _graph_items(store: ox.Store) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    by_url, by_title = {}, {}
    for row in store.query(ENTITY_PREFIXES + "SELECT ?i ?h ?d ?u WHERE { ?i a schema:NewsArticle ; schema:headline ?h ; schema:datePublished ?d OPTIONAL { ?i schema:url ?u } }"):
        iri = row["i"].value
        if row["u"] is not None:
            by_url[normalize_url(row["u"].value)] = iri
        by_title[(fold_name(row["h"].value), row["d"].value)] = iri
    return by_url, by_title


def _item_entities(store: ox.Store, item_iri: str) -> list[_PredictedEntity]:
    node = str(ox.NamedNode(item_iri))
    found: dict[str, _PredictedEntity] = {}
    query = ENTITY_PREFIXES + (
        "SELECT ?e ?t ?l WHERE { VALUES ?i { " + node + " } ?i schema:mentions ?e . ?e a ?t ; rdfs:label|skos:altLabel ?l "
        "FILTER(STRSTARTS(STR(?t), STR(kg:))) }"
    )
    for row in store.query(query):
        e = found.setdefault(row["e"].value, _PredictedEntity(row["e"].value, row["t"].value.rsplit("#", 1)[-1], set()))
        e.names.add(fold_name(row["l"].value))
    return list(found.values())


def _item_relations(store: ox.Store, item_iri: str) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """The item's statements (subject, relation, object), and those of them stated as facts (no kg:status)."""
    node = str(ox.NamedNode(item_iri))
    query = ENTITY_PREFIXES + (
        "SELECT ?s ?p ?o ?status WHERE { VALUES ?i { " + node + " } ?st a kg:Statement ; prov:wasDerivedFrom ?i ; "
        "rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o OPTIONAL { ?st kg:status ?status } }"
    )
    every, plain = set(), set()
    for r in store.query(query):
        triple = (r["s"].value, r["p"].value.rsplit("#", 1)[-1], r["o"].value)
        every.add(triple)
        if r["status"] is None:
            plain.add(triple)
    return every, plain


def gold_keys(entity: dict) -> set[str]:
    """The folded names of a gold entity: its name and its aliases."""
    return {fold_name(entity["name"])} | {fold_name(a) for a in entity.get("aliases", [])}


def match_entity(entity: dict, predicted: list, used: set[str]):
    """The graph entity of the item that a gold entity is: same type, a name in common, not taken by an earlier gold
    entity; one carrying the gold entity's own name before one that only shares an alias (gold `Claude Fable 5`,
    alias `Fable`: the graph's `Claude Fable 5`, not its `Fable`)."""
    keys = gold_keys(entity)
    candidates = [p for p in predicted if p.type == entity["type"] and p.names & keys and p.iri not in used]
    own = fold_name(entity["name"])
    return next((p for p in candidates if own in p.names), candidates[0] if candidates else None)


def evaluate(gold_paths: Path | str | Iterable[Path | str], graph_path: Path) -> Evaluation:
    """Score graph_path against the gold items of one or several JSON Lines files."""
    paths = [Path(gold_paths)] if isinstance(gold_paths, (str, Path)) else [Path(p) for p in gold_paths]
    if not paths:
        raise GoldFileError("no gold file given")
    gold = [record for path in paths for record in read_gold(path)]
    store = load_store(graph_path)
    by_url, by_title = _graph_items(store)
    result = Evaluation(items=len(gold), gold_files=[str(p) for p in paths], graph=str(graph_path))
    for record in gold:
        item_iri = None
        if record.get("url"):
            item_iri = by_url.get(normalize_url(record["url"]))
        item_iri = item_iri or by_title.get((fold_name(record["title"]), record["date"]))
        predicted = _item_entities(store, item_iri) if item_iri else []
        predicted_relations, plain_relations = _item_relations(store, item_iri) if item_iri else (set(), set())
        if item_iri:
            result.matched_items += 1
        else:
            result.unmatched.append(f"{record.get('file')}#{record.get('item')}: {record['title'][:40]}")
        # entities: gold name -> predicted iri
        resolved: dict[str, str] = {}
        used: set[str] = set()
        for g in record["entities"]:
            keys = gold_keys(g)
            hit = match_entity(g, predicted, used)
            if hit:
                result.entities[g["type"]].tp += 1
                resolved[g["name"]] = hit.iri
                used.add(hit.iri)
            else:
                result.entities[g["type"]].fn += 1
            if item_iri:
                named = hit or next((p for p in predicted if p.names & keys), None)
                result.outcomes.append((g["name"], g["type"], named.type if named else "", hit is not None, frozenset(keys)))
        for p in predicted:
            if p.iri not in used:
                result.entities[p.type].fp += 1
        gold_relations = set()
        for r in record["relations"]:
            s, o = resolved.get(r["s"]), resolved.get(r["o"])
            gold_relations.add((r["p"], s, o, r["s"], r["o"], r.get("status")))
        matched_predicted = set()
        for p_name, s, o, _s_name, _o_name, status in sorted(gold_relations, key=lambda g: g[5] is not None):
            candidates = {(s, p_name, o)}
            if p_name in SYMMETRIC_RELATIONS:
                candidates.add((o, p_name, s))
            hit = next((c for c in candidates if c in predicted_relations and None not in c), None)
            if status is not None:  # hedged, planned or negated: counted apart, not scored
                result.status[status].gold += 1
                if hit:
                    matched_predicted.add(hit)
                    if hit in plain_relations:  # asserted as a plain fact
                        result.status[status].in_graph += 1
            elif hit:
                result.relations[p_name].tp += 1
                matched_predicted.add(hit)
            else:
                result.relations[p_name].fn += 1
        for rel in predicted_relations - matched_predicted:
            result.relations[rel[1]].fp += 1
    return result


def format_evaluation(ev: Evaluation) -> str:
    files = f" in {len(ev.gold_files)} files" if len(ev.gold_files) > 1 else ""
    lines = [f"Gold items: {ev.items}{files}, found in the graph: {ev.matched_items}"]
    for title, table, keys in (("Entities", ev.entities, ENTITY_TYPES), ("Relations", ev.relations, RELATION_TYPES)):
        lines.append("")
        lines.append(f"{title:<14}{'gold':>6}{'found':>7}{'P':>8}{'R':>8}{'F1':>8}")
        for key in [k for k in keys if k in table] + ["all"]:
            s = ev.total(table) if key == "all" else table[key]
            lines.append(f"{key:<14}{s.tp + s.fn:>6}{s.tp + s.fp:>7}{s.precision:>8.2f}{s.recall:>8.2f}{s.f1:>8.2f}")
    if ev.status:
        lines.append("")
        lines.append("Relations with a status (not scored above): how many the graph asserts as plain facts")
        lines.append(f"{'status':<14}{'gold':>6}{'in graph':>10}")
        for status in [s for s in STATUSES if s in ev.status]:
            count = ev.status[status]
            lines.append(f"{status:<14}{count.gold:>6}{count.in_graph:>10}")
    if ev.unmatched:
        lines.append("")
        lines.append(f"Not in the graph ({len(ev.unmatched)}): " + "; ".join(ev.unmatched[:10]))
    return "\n".join(lines)


def evaluation_dict(ev: Evaluation) -> dict:
    """The evaluation as plain values (`kg eval --format json`): counts and P/R/F1 per type, relation and overall."""
    def score(s: Score) -> dict:
        return {"gold": s.tp + s.fn, "found": s.tp + s.fp, "tp": s.tp, "fp": s.fp, "fn": s.fn,
                "precision": round(s.precision, 4), "recall": round(s.recall, 4), "f1": round(s.f1, 4)}

    def table(scores: dict[str, Score], keys) -> dict:
        return {**{k: score(scores[k]) for k in keys if k in scores}, "all": score(ev.total(scores))}

    return {
        "gold_files": ev.gold_files,
        "graph": ev.graph,
        "items": ev.items,
        "matched_items": ev.matched_items,
        "entities": table(ev.entities, ENTITY_TYPES),
        "relations": table(ev.relations, RELATION_TYPES),
        "status": {k: {"gold": ev.status[k].gold, "in_graph": ev.status[k].in_graph} for k in STATUSES if k in ev.status},
        "unmatched": ev.unmatched,
    }
