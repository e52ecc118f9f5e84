"""Entity and relation quality on the hand-annotated dev and test gold (tests/data/gold/), on text no rule was
mined from and no model was trained on: the digests of ../shared/corpus/layouts/ and the newest month of the two
large corpora (a time split).

    python tests/benchmarks/bench_quality.py                   # build the evaluation graph, score dev and test
    python tests/benchmarks/bench_quality.py --split dev       # only dev (tune on dev; read only test's scores)
    python tests/benchmarks/bench_quality.py --split dev2      # the second dev set, on a build of its own files
    python tests/benchmarks/bench_quality.py --graph G.ttl     # score an existing build of the same files
    python tests/benchmarks/bench_quality.py --no-model        # rules only

The evaluation graph is one `kg build` of every layouts source (whole folders: a source's files are read
together, as a user would) plus the large-corpus files the gold items come from. Besides `kg eval`'s tables it
prints the recall of gold entities no rule names (no folded name or alias in the gazetteer), the type
confusion (gold type x type of the graph entity carrying one of its names), the relation scores restricted to
gold relations whose two ends were both found (and statements between found gold entities), the scores per
extractor kind (rule, model, gazetteer), and how many gold relations the text hedges, plans or denies
("status" in the gold) the graph asserts as plain facts (a statement without kg:status).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("KG_SHARED", ROOT.parent / "shared")) / "corpus"  # KG_SHARED: where ../shared is
GOLD = ROOT / "tests" / "data" / "gold"
FOLDERS = {"hextra": "hextra-ai-insight-daily", "ainews-zh": "ainews-zh"}

sys.path.insert(0, str(ROOT))

from kg.quality.evaluate import _graph_items, _item_entities, evaluate, format_evaluation, match_entity, read_gold  # noqa: E402
from kg.sparql.entities import ENTITY_PREFIXES as _PREFIXES  # noqa: E402
from kg.sparql.store import load_store  # noqa: E402
from kg.records import SYMMETRIC_RELATIONS  # noqa: E402
from kg.ingest.normalize import fold_name  # noqa: E402
from kg.records import ENTITY_TYPES  # noqa: E402
from kg.extract.rules import load_rules  # noqa: E402


def inputs(gold_files: list[Path]) -> list[Path]:
    """Whole layouts source folders, and the large-corpus files the gold items come from."""
    paths: set[Path] = set()
    for path in gold_files:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            corpus = record["corpus"]
            if corpus.startswith("layouts-"):
                paths.add(SHARED / "layouts" / corpus[len("layouts-"):])
            else:
                paths.add(SHARED / FOLDERS[corpus] / record["file"])
    return sorted(paths)


def build(paths: list[Path], out: Path, no_model: bool) -> None:
    command = [sys.executable, "-c", "from kg.cli import main; main()", "build", *map(str, paths), "--out", str(out),
               "--workers", "2"]
    if no_model:
        command.append("--no-model")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode not in (0, 3):
        sys.exit(f"kg build failed ({done.returncode}):\n{done.stderr[-2000:]}")


def unknown_name_recall(outcomes, rules) -> tuple[int, int]:
    known = rules.alias_index
    absent = [o for o in outcomes if not any(key in known for key in o[4])]
    return sum(1 for o in absent if o[3]), len(absent)


def confusion(outcomes) -> str:
    table = Counter((gold, graph or "-") for _, gold, graph, _, _ in outcomes)
    columns = [*ENTITY_TYPES, "-"]
    lines = ["gold \\ graph " + "".join(f"{c[:7]:>8}" for c in columns)]
    for gold in ENTITY_TYPES:
        lines.append(f"{gold:<13}" + "".join(f"{table[(gold, c)]:>8}" for c in columns))
    return "\n".join(lines)


def _statements(store, item_iri: str) -> list[tuple[str, str, str, str, str]]:
    """(subject, predicate, object, extractor kind, status or "") of the statements derived from one item."""
    import pyoxigraph as ox

    query = _PREFIXES + (
        "SELECT ?s ?p ?o ?x ?st WHERE { VALUES ?i { " + str(ox.NamedNode(item_iri)) + " } ?t a kg:Statement ; "
        "prov:wasDerivedFrom ?i ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o "
        "OPTIONAL { ?t kg:extractor ?x } OPTIONAL { ?t kg:status ?st } }"
    )
    return [(r["s"].value, r["p"].value.rsplit("#", 1)[-1], r["o"].value,
             (r["x"].value.split(":", 1)[0] if r["x"] is not None else "?"),
             (r["st"].value if r["st"] is not None else "")) for r in store.query(query)]


def relation_details(gold_path: Path, graph_path: Path) -> str:
    """Relations where both ends were found, per extractor kind, and hedged gold relations asserted as facts."""
    store = load_store(graph_path)
    by_url, by_title = _graph_items(store)
    both = {"tp": 0, "fn": 0, "fp": 0}
    per_kind: dict[str, Counter] = {}
    per_relation_both: dict[str, Counter] = {}
    hedged = Counter()
    from kg.ingest.normalize import normalize_url

    for record in read_gold(gold_path):
        item_iri = (by_url.get(normalize_url(record["url"])) if record.get("url") else None) or \
            by_title.get((fold_name(record["title"]), record["date"]))
        if not item_iri:
            hedged["gold"] += sum(1 for r in record["relations"] if r.get("status"))
            continue
        predicted = _item_entities(store, item_iri)
        resolved, used = {}, set()
        for g in record["entities"]:
            hit = match_entity(g, predicted, used)
            if hit:
                resolved[g["name"]] = hit.iri
                used.add(hit.iri)
        statements = _statements(store, item_iri)
        matched = set()
        for r in record["relations"]:
            s, o = resolved.get(r["s"]), resolved.get(r["o"])
            ends = [(s, o), (o, s)] if r["p"] in SYMMETRIC_RELATIONS else [(s, o)]
            hits = [st for st in statements if st[1] == r["p"] and (st[0], st[2]) in ends and None not in (s, o)]
            matched.update((st[0], st[1], st[2]) for st in hits)
            if r.get("status"):
                hedged["gold"] += 1
                hedged["found"] += bool(hits)
                hedged["asserted"] += any(not st[4] for st in hits)
            if s is not None and o is not None:
                table = per_relation_both.setdefault(r["p"], Counter())
                if hits:
                    both["tp"] += 1
                    table["tp"] += 1
                else:
                    both["fn"] += 1
                    table["fn"] += 1
            for kind in {st[3] for st in hits}:
                per_kind.setdefault(kind, Counter())["recall_tp"] += 1
        found_iris = set(resolved.values())
        for st in statements:
            key = (st[0], st[1], st[2])
            kind = per_kind.setdefault(st[3], Counter())
            kind["found"] += 1
            kind["correct"] += key in matched
            if key not in matched and st[0] in found_iris and st[2] in found_iris:
                both["fp"] += 1
                per_relation_both.setdefault(st[1], Counter())["fp"] += 1
        per_kind.setdefault("all", Counter())["gold"] += len(record["relations"])

    def prf(tp, fp, fn):
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    lines = ["Relations with both ends found (statements between two found gold entities)",
             f"{'relation':<14}{'gold':>6}{'found':>7}{'P':>8}{'R':>8}{'F1':>8}"]
    for name, c in sorted(per_relation_both.items()) + [("all", Counter(both))]:
        p, r, f = prf(c["tp"], c["fp"], c["fn"])
        lines.append(f"{name:<14}{c['tp'] + c['fn']:>6}{c['tp'] + c['fp']:>7}{p:>8.2f}{r:>8.2f}{f:>8.2f}")
    gold_total = per_kind.pop("all", Counter())["gold"]
    lines += ["", "By extractor     found correct       P  gold hit  R (of all gold)"]
    for kind, c in sorted(per_kind.items()):
        p = c["correct"] / c["found"] if c["found"] else 0.0
        lines.append(f"{kind:<14}{c['found']:>8}{c['correct']:>8}{p:>8.2f}{c['recall_tp']:>10}{c['recall_tp'] / gold_total if gold_total else 0:>8.2f}")
    lines += ["", f"Gold relations with a status (reported/planned/denied): {hedged['gold']}, in the graph "
                  f"{hedged['found']}, asserted without status: {hedged['asserted']}"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["dev", "test", "both", "dev2"], default="both",
                        help="dev2: the second dev set (dev2-en, dev2-zh), on a build of its own files")
    parser.add_argument("--graph", type=Path, help="score this graph.ttl instead of building one")
    parser.add_argument("--no-model", action="store_true")
    parser.add_argument("--gold", type=Path, help="score this gold file instead of the dev/test split (on a build of "
                                                   "its files, or on --graph)")
    args = parser.parse_args()
    splits = {"both": ["dev", "test"], "dev2": ["dev2-en", "dev2-zh"]}.get(args.split, [args.split])
    gold_files = [GOLD / f"{split}.jsonl" for split in splits]
    built_from = gold_files if args.split == "dev2" else [GOLD / "dev.jsonl", GOLD / "test.jsonl"]
    if args.gold:
        splits, gold_files = [args.gold.stem], [args.gold.resolve()]
        built_from = gold_files
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} not found: the evaluation reads the shared corpora")
    rules = load_rules()
    with tempfile.TemporaryDirectory() as scratch:
        graph = args.graph
        if graph is None:
            out = Path(scratch) / "out"
            build(inputs(built_from), out, args.no_model)
            graph = out / "graph.ttl"
        for split, gold in zip(splits, gold_files):
            result = evaluate(gold, graph)
            found, absent = unknown_name_recall(result.outcomes, rules)
            print(f"== {split} ({gold.resolve().relative_to(ROOT) if gold.resolve().is_relative_to(ROOT) else gold})")
            print(format_evaluation(result).split("\nNot in the graph")[0])
            print(f"\nGold names no rule lists: {absent}, found {found} (recall {found / absent if absent else 0:.2f})")
            print("\nType confusion (gold entities of found items):")
            print(confusion(result.outcomes))
            print()
            print(relation_details(gold, graph))
            print()


if __name__ == "__main__":
    main()
