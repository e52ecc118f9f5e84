"""The `kg` command line: wires the library together and turns its errors into messages."""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import click

from kg import __version__
from kg.errors import KgError, NothingReadError, QueryError, RulesError

EXIT_SKIPPED = 3  # built, but some input files were skipped
RULES_HELP = "Rules folder (default: $KG_RULES, else the rules shipped with kg; kg rules init DIR copies them)."


def _fail(exc: KgError) -> click.ClickException:
    return click.ClickException(str(exc))


@click.group()
@click.version_option(__version__, prog_name="kg")
def cli():
    """kg: build a dated, sourced knowledge graph of the AI industry from news digests.

    \b
    Example:
        kg build                                  # the bundled sample corpus -> exports/
        kg entity exports/graph.ttl 英伟达
    """


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("exports"), show_default=True, help="Folder for graph.ttl, graph.html, graph.graphml.")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help=RULES_HELP)
@click.option("--date", "fallback_date", metavar="YYYY-MM-DD", help="Date for digests that carry none.")
@click.option("--strict", is_flag=True, help="Fail (and write nothing) if any input file is skipped.")
@click.option("--max-nodes", type=int, default=500, show_default=True, help="Most-mentioned entities shown in graph.html (0: all).")
@click.option("--max-file-mb", type=float, default=32, show_default=True, help="Skip digest files larger than this.")
@click.option("--base-iri", default=None, help="Base IRI of entities, items and statements in graph.ttl.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Processes that read and extract files (same result).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True, help="Where files are read: this machine (--workers processes) or a Dask cluster (--scheduler).")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Dask scheduler address, for --engine dask.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path), help="Folder of per-file results reused when file, rules and model are unchanged (default: OUT/.kg-cache).")
@click.option("--no-cache", is_flag=True, help="Read every file again and write every export in full; do not use or write the cache.")
@click.option("--no-model", is_flag=True, help="Rules only: do not run the shipped statistical NER.")
def build(inputs, out_dir, rules_dir, fallback_date, strict, max_nodes, max_file_mb, base_iri, workers, engine,
          scheduler, cache_dir, no_cache, no_model):
    """Build the knowledge graph from digest files and folders (recursive; .md, .markdown, .txt).

    With no INPUTS, builds the bundled sample corpus. Writes graph.ttl (RDF Turtle), graph.html
    (interactive, works offline) and graph.graphml into --out. Exit code 3: built, but some files
    were skipped (each is reported with the fix).

    \b
    Example:
        kg build ../shared/corpus/hextra-ai-insight-daily --out /tmp/out
    """
    from kg.ingest.digest import date_in_text
    from kg.export import export_all
    from kg.export.turtle import DEFAULT_BASE
    from kg.builder.pipeline import build as run_build
    from kg.builder.pipeline import check_out_dir, collect_files, summarize
    from kg.extract.rules import load_rules

    if fallback_date and date_in_text(fallback_date) != fallback_date:
        raise click.BadParameter(f"{fallback_date!r} is not a date: use YYYY-MM-DD", param_hint="--date")
    started = time.perf_counter()
    try:
        check_out_dir(out_dir)
        rules = load_rules(rules_dir)
        files = collect_files(inputs) if inputs else None
    except RulesError as exc:
        raise click.ClickException(f"{exc}\nFix the rules above (check them with: kg rules check)") from None
    except KgError as exc:
        raise _fail(exc) from None
    total = len(files) if files else None
    with click.progressbar(length=total or 0, label="Reading digests", file=sys.stderr, show_pos=True) as bar:
        try:
            with _ctrl_c_stops_this_process_only():
                result = run_build(
                    files, rules=rules, fallback_date=fallback_date, max_bytes=int(max_file_mb * 1e6),
                    on_file=lambda _p: bar.update(1), workers=workers, engine=engine, scheduler=scheduler,
                    cache=None if no_cache else (cache_dir or out_dir / ".kg-cache"), use_model=not no_model,
                )
        except NothingReadError as exc:
            nothing = exc
        except KgError as exc:
            raise _fail(exc) from None
        except KeyboardInterrupt:
            _interrupted(out_dir, writing=False)
        else:
            nothing = None
    if nothing is not None:
        _echo_problems(nothing.report)
        raise click.ClickException(
            f"{nothing}: nothing written, the previous files in {out_dir} are unchanged."
            " Fix: the problems above, or give folders of Markdown digests (.md, .markdown, .txt)"
        )
    report = result.report
    _echo_problems(report)
    if strict and report.skipped:
        raise click.ClickException(f"{len(report.skipped)} file(s) skipped and --strict given: nothing written")
    try:
        with _stop_signals_interrupt(signal.SIGTERM):
            export_notes: list[str] = []
            written = export_all(result.graph, out_dir, base=base_iri or DEFAULT_BASE, max_nodes=max_nodes or None,
                                 update=not no_cache, notes=export_notes,
                                 on_step=lambda step: click.echo(f"Writing {step}...", err=True))
    except KgError as exc:
        raise _fail(exc) from None
    except OSError as exc:  # the folder was checked before the build: it changed, or the disk filled up
        where = exc.filename or out_dir
        raise click.ClickException(
            f"cannot write {where} ({exc.strerror or exc}); each file in {out_dir} is the previous one or the new"
            " one, whole. Fix: free space or pass --out a folder you can write to"
        ) from None
    except KeyboardInterrupt:
        _interrupted(out_dir, writing=True)
    counts = summarize(result)
    click.echo(
        f"Read {report.files_ok} of {report.files} files: {report.items} items"
        f" ({report.repeated_items} repeated listings merged), {len(report.skipped)} skipped."
    )
    click.echo(_count_line("Entities", counts["entities"]))
    click.echo(_count_line("Edges", counts["edges"]))
    click.echo("Wrote " + ", ".join(str(p) for p in written.values()) + f" in {time.perf_counter() - started:.1f} s.")
    if report.cache_hits is not None:
        click.echo(
            f"Cache: {report.cache_hits} file(s) from the cache, {report.cache_misses} read"
            + "".join(f"; {note}" for note in report.cache_notes)
            + (f"; relations found again in {again} of them (a name they mention resolves differently now, or"
               " a story they list is first listed elsewhere)"
               if (again := report.pieces_redone - report.cache_misses) > 0 else "") + "."
        )
    for note in export_notes:
        click.echo(f"Export: {note}.")
    result.items.close()  # the item texts waiting on disk are not needed any more
    if _exit_fast:
        _kept.append(result)
    if report.skipped:
        sys.exit(EXIT_SKIPPED)


def _echo_problems(report) -> None:
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for problem in report.skipped:
        click.echo(f"skipped: {problem}", err=True)


def _ctrl_c_stops_this_process_only():
    """Ctrl-C (or SIGTERM, as from `kill` or `timeout`) raises KeyboardInterrupt here only: forked reading workers
    inherit this handler and ignore it (no traceback from each), finish their current file and stop; the files not
    started are cancelled."""
    return _stop_signals_interrupt(signal.SIGINT, signal.SIGTERM)


_received: list[int] = []  # the signal that stopped the build, for the exit code


@contextmanager
def _stop_signals_interrupt(*signals: int):
    """While inside, the given signals raise KeyboardInterrupt in this process (not in forked children), so the
    build cleans up (temp files, staged exports) as after Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    me = os.getpid()

    def on_signal(signum, frame):
        if os.getpid() == me:
            _received.append(signum)
            raise KeyboardInterrupt

    previous = {signum: signal.signal(signum, on_signal) for signum in signals}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            default = signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
            signal.signal(signum, handler if handler is not None else default)


def _interrupted(out_dir: Path, writing: bool) -> None:
    if writing:
        what = f"each file in {out_dir} is the previous one or the new one, whole; no partial or temporary files"
    else:
        what = f"no export written: the previous files in {out_dir} are unchanged"
    signum = _received[-1] if _received else signal.SIGINT
    cause = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    click.echo(f"\nkg build: interrupted ({cause}); {what}.", err=True)
    sys.exit(128 + signum)


def _count_line(label: str, counts: dict[str, int]) -> str:
    inner = ", ".join(f"{k} {v}" for k, v in counts.items())
    return f"{label}: {sum(counts.values())}" + (f" ({inner})" if inner else "")


@cli.command()
@click.argument("graph_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.argument("sparql", required=False)
@click.option("--named", help="Run a query shipped with kg (see --list).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Parameter of a named query (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--list", "list_queries", is_flag=True, help="List the named queries and their parameters.")
@click.option("--endpoint", metavar="URL", help="Query this SPARQL endpoint (a server loaded with kg push) instead of a file.")
@click.option("--graph", "graph_iri", metavar="IRI", help="With --endpoint: the graph to query.  [default: kg push's graph]")
@click.option("--user", help="With --endpoint: user name, if the server asks for one.")
@click.option("--password", help="With --endpoint: password for --user.")
def query(graph_file, sparql, named, params, fmt, list_queries, endpoint, graph_iri, user, password):
    """Run a SPARQL 1.1 query on an exported graph.ttl, or on a SPARQL server loaded with `kg push`.

    SPARQL may be given inline, as @FILE, or as - for standard input. With --endpoint there is no GRAPH_FILE:
    the first argument is the query. The prefixes kg, schema, rdf, rdfs, skos, owl, prov, dcterms, xsd and wd
    are declared for every query (a PREFIX line of the query's own wins).

    \b
    Example:
        kg query exports/graph.ttl --named releases --param company=Google --format csv
        kg query exports/graph.ttl 'SELECT ?c ?p WHERE { ?c kg:develops ?p }'
        kg query --endpoint http://localhost:8890/sparql --named timeline --param entity=NVIDIA
    """
    from kg.sparql import query as sparql_query
    from kg.sparql import results
    from kg.sparql import store as query_store
    from kg.sparql import templates

    queries = templates.named_queries()
    if list_queries:
        for nq in queries.values():
            click.echo(f"{nq.name}: {nq.description}")
            for p in nq.params:
                click.echo(f"    --param {p.name}=...  ({p.kind}, default {p.default!r}) {p.help}".rstrip())
        return
    if endpoint:
        if graph_file is not None and sparql is not None:
            raise click.UsageError("with --endpoint give no GRAPH_FILE: kg query --endpoint URL [SPARQL]")
        sparql = sparql if sparql is not None else (str(graph_file) if graph_file is not None else None)
    elif graph_file is None:
        raise click.UsageError("give a GRAPH_FILE (an exported graph.ttl), or --endpoint URL of a SPARQL server")
    elif graph_iri or user or password is not None:
        raise click.UsageError("--graph, --user and --password go with --endpoint")
    if bool(named) == bool(sparql):
        raise click.UsageError("give either a SPARQL query or --named NAME (kg query GRAPH --list shows the names)")
    try:
        if named:
            if named not in queries:
                raise QueryError(f"no named query '{named}'; available: {', '.join(queries)}")
            given = {}
            for item in params:
                if "=" not in item:
                    raise QueryError(f"--param {item!r}: use NAME=VALUE")
                key, value = item.split("=", 1)
                given[key.strip()] = value
            text = templates.bind_params(queries[named], given)
        else:
            if params:
                raise QueryError("--param works with --named queries only")
            text = _read_query(sparql)
        if endpoint:
            def run(sparql_text):
                return sparql_query.run_remote(endpoint, sparql_text, graph=graph_iri, user=user, password=password)
        else:
            store = query_store.load_store(graph_file)

            def run(sparql_text):
                return sparql_query.run(store, sparql_text)
        result = run(text)
        if named:
            sparql_query.explain_empty(len(result.rows), run)
        click.echo(results.format_result(result, fmt))
    except KgError as exc:
        raise _fail(exc) from None


@cli.command()
@click.argument("graph_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback: this machine only).")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
@click.option("--graph", "graph_iri", metavar="IRI", help="Named graph to hold the triples.  [default: kg push's graph]")
@click.option("--quiet", is_flag=True, help="Do not log each request.")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(0.1), metavar="SECONDS",
              help="Longest a query may run (then it is stopped: 503); a request may wait 10x that for a free worker.")
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Queries answered at once, each in its own process.")
@click.option("--max-request-kb", default=1024, show_default=True, type=click.IntRange(1),
              help="Largest request body or query string (larger: 413).")
@click.option("--max-result-mb", default=64, show_default=True, type=click.IntRange(1),
              help="Largest serialized result (larger: 500; add a LIMIT).")
@click.option("--worker-memory-mb", default=1024, show_default=True, type=click.IntRange(16),
              help="A worker that no longer shares this much memory with the others is replaced.")
def serve(graph_file, host, port, graph_iri, quiet, timeout, workers, max_request_kb, max_result_mb,
          worker_memory_mb):
    """Serve an exported graph.ttl as a read-only SPARQL endpoint, held in memory for fast queries.

    Loading takes a while once (about 40 s for 3.6 M triples); then `kg query --endpoint`, curl or any SPARQL
    client gets answers without reading the file again. Each query runs in a worker process and is stopped at
    --timeout. Stop it with Ctrl-C. Limits and status codes: docs/server.md.

    \b
    Example:
        kg serve exports/graph.ttl --port 7878
        kg query --endpoint http://127.0.0.1:7878/sparql --named timeline --param entity=NVIDIA
    """
    from kg.sparql import serve as s
    from kg.sparql.push import DEFAULT_GRAPH

    started = time.perf_counter()
    click.echo(f"Loading {graph_file} into memory...", err=True)
    limits = s.Limits(timeout=timeout, workers=workers, max_request_bytes=max_request_kb * 1024,
                      max_result_bytes=max_result_mb * 1024 * 1024, worker_memory_mb=worker_memory_mb)
    try:
        server = s.SparqlServer(graph_file, graph_iri or DEFAULT_GRAPH, host, port, limits=limits,
                                log=None if quiet else lambda line: click.echo(line, err=True))
    except KgError as exc:
        raise _fail(exc) from None
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port} ({exc.strerror or exc}): pick another --port") from None
    except KeyboardInterrupt:
        click.echo("Stopped while loading.", err=True)
        sys.exit(130)
    click.echo(f"Serving {server.triples:,} triples at {server.url} (loaded in {time.perf_counter() - started:.1f} s;"
               f" {workers} workers, {timeout:g} s per query; Ctrl-C to stop)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
    finally:
        server.server_close()


def _read_query(sparql: str) -> str:
    if sparql == "-":
        return sys.stdin.read()
    if sparql.startswith("@"):
        path = Path(sparql[1:])
        if not path.is_file():
            raise QueryError(f"{path}: no such query file")
        return path.read_text(encoding="utf-8")
    return sparql


@cli.command()
@click.argument("graph_file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("name")
def entity(graph_file, name):
    """Show one entity: its type, names, aliases, and every dated edge with its source.

    NAME is any name or alias, in any language (case, spaces and hyphens ignored).

    \b
    Example:
        kg entity exports/graph.ttl 英伟达
    """
    from kg.sparql import entities
    from kg.sparql import results
    from kg.sparql import store as query_store

    try:
        store = query_store.load_store(graph_file)
        iris = entities.find_entities(store, name)
        if not iris:
            raise QueryError(f"no entity named {name!r} in {graph_file} (try another spelling or alias)")
        for n, iri in enumerate(iris):
            view = entities.describe_entity(store, iri)
            if n:
                click.echo()
            click.echo(f"{' / '.join(view.labels)}  [{view.type}]")
            click.echo(f"  iri:      {view.iri}")
            if view.aliases:
                click.echo(f"  aliases:  {', '.join(view.aliases)}")
            if view.wikidata:
                click.echo(f"  wikidata: https://www.wikidata.org/wiki/{view.wikidata}")
            click.echo(f"  mentioned in {view.mentions} item(s)")
            click.echo()
            click.echo(results.format_table(view.edges))
            if view.co_mentions.rows:
                click.echo()
                click.echo("Most often named with: " + ", ".join(f"{o} ({c})" for o, c in view.co_mentions.rows))
    except KgError as exc:
        raise _fail(exc) from None


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--chars", default=60, show_default=True, type=click.IntRange(0), help="Characters of each item's text shown.")
@click.option("--date", "fallback_date", metavar="YYYY-MM-DD", help="Date for digests that carry none.")
def inspect(files, fmt, chars, fallback_date):
    """Show how kg reads digest files: reader, date, each item (title, date, links, text), warnings.

    Run it first on a new source. Lines that recur across most files of a folder are boilerplate: inspect a file
    where it lies with the rest of its source.

    \b
    Example:
        kg inspect digests/2025-12-07.md
        kg inspect --format json digests/*.md
    """
    import json

    from kg.ingest.digest import item_notes, parse_digest

    reports, failed = [], 0
    for path in files:
        try:
            digest = parse_digest(path, fallback_date=fallback_date)
        except KgError as exc:
            failed += 1
            reports.append({"file": str(path), "error": str(exc)})
            continue
        warnings = [{"line": None, "message": w.split(": ", 1)[1] if w.startswith(f"{path}: ") else w} for w in digest.warnings]
        warnings += [{"line": note.line, "message": note.message} for note in item_notes(digest)]
        reports.append({
            "file": str(path), "reader": digest.layout, "expected_reader": digest.expected_layout, "date": digest.date,
            "items": [{"line": i.line, "title": i.title, "date": i.date, "url": i.url, "links": i.links,
                       "text": i.text[:chars]} for i in digest.items],
            "warnings": warnings,
        })
    if fmt == "json":
        click.echo(json.dumps(reports, ensure_ascii=False, indent=1))
    else:
        for n, report in enumerate(reports):
            if n:
                click.echo()
            click.echo(report["file"])
            if "error" in report:
                click.echo(f"  error: {report['error']}")
                continue
            reader = report["reader"]
            if reader != report["expected_reader"]:
                reader += f" (looked like layout {report['expected_reader']})"
            click.echo(f"  reader: {reader}")
            click.echo(f"  date:   {report['date']}")
            click.echo(f"  items:  {len(report['items'])}")
            for k, item in enumerate(report["items"], 1):
                click.echo(f"  {k:>3}. line {item['line']}: {item['title']}")
                click.echo(f"       date: {item['date']}")
                for label, url in zip(["url: "] + ["also:"] * len(item["links"]), item["links"] or ["-"]):
                    click.echo(f"       {label} {url}")
                if item["text"]:
                    click.echo(f"       text: {' '.join(item['text'].split())}")
            for w in report["warnings"]:
                where = f"line {w['line']}: " if w["line"] else ""
                click.echo(f"  warning: {where}{w['message']}")
    if failed:
        raise SystemExit(1)


@cli.command()
@click.argument("graph_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from", "start", required=True, metavar="YYYY-MM-DD", help="First day of the window.")
@click.option("--to", "end", required=True, metavar="YYYY-MM-DD", help="Last day of the window (included).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True, help="Folder for report.md and report.html.")
@click.option("--format", "fmt", type=click.Choice(["files", "json"]), default="files", show_default=True, help="files: write report.md and report.html; json: print the report to standard output.")
@click.option("--limit", type=click.IntRange(0), default=50, show_default=True, help="Lines per section (0: all).")
@click.option("--endpoint", metavar="URL", help="Read the graph from this SPARQL endpoint (kg serve, kg push) instead of a file.")
@click.option("--graph", "graph_iri", metavar="IRI", help="With --endpoint: the graph to query.  [default: kg push's graph]")
def report(graph_file, start, end, out_dir, fmt, limit, endpoint, graph_iri):
    """Write what happened in a date window: new names, releases, deals, people and rising entities.

    Every line has its date (inside the window) and a link to its source; reported, planned or denied
    statements are marked. Writes report.md and report.html (works offline) into --out, or prints JSON.

    \b
    Example:
        kg report exports/graph.ttl --from 2025-12-01 --to 2025-12-31 --out /tmp/report
        kg report --endpoint http://127.0.0.1:7878/sparql --from 2025-12-01 --to 2025-12-07 --format json
    """
    from kg.sparql import query as sparql_query
    from kg.sparql import store as query_store
    from kg.sparql.report import build_report, write_report

    if endpoint and graph_file is not None:
        raise click.UsageError("give either GRAPH_FILE or --endpoint URL, not both")
    if not endpoint and graph_file is None:
        raise click.UsageError("give a GRAPH_FILE (an exported graph.ttl), or --endpoint URL of a SPARQL server")
    if graph_iri and not endpoint:
        raise click.UsageError("--graph goes with --endpoint")
    try:
        if endpoint:
            def run(sparql_text):
                return sparql_query.run_remote(endpoint, sparql_text, graph=graph_iri)
        else:
            store = query_store.load_store(graph_file)

            def run(sparql_text):
                return sparql_query.run(store, sparql_text)
        result = build_report(run, start, end, limit=limit or None)
        if not any(result.totals.values()):
            sparql_query.explain_empty(0, run)
        if fmt == "json":
            click.echo(result.to_json())
            return
        md, page = write_report(result, out_dir)
    except KgError as exc:
        raise _fail(exc) from None
    counts = ", ".join(f"{name} {n}" for name, n in result.totals.items())
    click.echo(f"Wrote {md} and {page} ({counts}) in {result.seconds:.1f} s.")


@cli.command("eval")
@click.argument("gold_files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--graph", "graph_file", type=click.Path(dir_okay=False, path_type=Path), default=Path("exports/graph.ttl"), show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def eval_command(gold_files, graph_file, fmt):
    """Score a graph against hand-annotated gold items: precision, recall and F1 by entity type and relation.

    GOLD_FILES are JSON Lines in the format of docs/gold-format.md (several are scored together); build the
    graph from the digests the gold items come from first. Gold relations with a status (reported, planned,
    denied) are counted apart.

    \b
    Example:
        kg build && kg eval tests/data/sample-gold.jsonl --graph exports/graph.ttl
        kg eval gold-a.jsonl gold-b.jsonl --graph /tmp/out/graph.ttl --format json
    """
    import json

    from kg.quality.evaluate import evaluate, evaluation_dict, format_evaluation

    try:
        ev = evaluate(gold_files, graph_file)
    except KgError as exc:
        raise _fail(exc) from None
    if fmt == "json":
        click.echo(json.dumps(evaluation_dict(ev), ensure_ascii=False, indent=2))
    else:
        click.echo(format_evaluation(ev))


@cli.command()
@click.argument("corpus", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "work_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("build/ner"), show_default=True, help="Working folder: silver data, spaCy output, report.json, model/.")
@click.option("--holdout", type=click.FloatRange(0, 0.9), default=0.0, show_default=True, help="Share of gazetteer ids hidden from the training rules, then recall measured on them.")
@click.option("--seed", type=int, default=13, show_default=True, help="Seed of the hold-out, the file split, the sampling and spaCy.")
@click.option("--max-sentences", type=click.IntRange(100), default=30000, show_default=True, help="Silver sentences to train on.")
@click.option("--max-steps", type=click.IntRange(10), default=4000, show_default=True, help="spaCy training steps.")
@click.option("--install", is_flag=True, help="Copy the model into the package (kg/models/ner), where kg build runs it.")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help=RULES_HELP)
@click.option("--before", multiple=True, metavar="[FOLDER=]YYYY-MM-DD", help="Train only on digests dated before this day, in every corpus folder or in the one named (a time split; repeatable).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None, help="spaCy training config  [default: kg/extract/ner/config.cfg]")
def train(corpus, work_dir, holdout, seed, max_sentences, max_steps, install, rules_dir, before, config_path):
    """Train kg's statistical NER with spaCy on digest folders, labelled by the rules (silver data).

    The config is kg/extract/ner/config.cfg (or --config; kg/extract/ner/config-vectors.cfg first learns static
    subword vectors from the same files, which needs floret: pip install 'kg[train]'). With --holdout, a share of
    the gazetteer is hidden from the rules that label the training data and the model is scored on what it finds
    of them in files it did not train on; report.json holds the figures and a sample of the model's own
    predictions to hand-check.

    \b
    Example:
        kg train ../shared/corpus/ainews-zh ../shared/corpus/hextra-ai-insight-daily --install
        kg train ../shared/corpus/ainews-zh --holdout 0.2 --out /tmp/ner-heldout
        kg train ../shared/corpus/ainews-zh ../shared/corpus/hextra-ai-insight-daily \\
            --before ainews-zh=2026-07-01 --before hextra-ai-insight-daily=2026-01-01
        kg train ../shared/corpus/ainews-zh --config kg/extract/ner/config-vectors.cfg --out /tmp/ner-vectors
    """
    import re

    from kg.extract.ner.train import CONFIG, TrainPlan, install_model
    from kg.extract.ner.train import train as run_train
    from kg.extract.rules import load_rules

    if install and holdout:
        raise click.UsageError("--install ships a model trained on all the rules: drop --holdout")
    try:
        rules = load_rules(rules_dir)
        cuts = {}
        for value in before:
            folder, _, day = value.rpartition("=")
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
                raise click.BadParameter(f"{value!r}: expected [FOLDER=]YYYY-MM-DD, e.g. ainews-zh=2026-07-01", param_hint="--before")
            cuts[folder] = day
        plan = TrainPlan(list(corpus), work_dir, holdout=holdout, seed=seed, max_docs=max_sentences, max_steps=max_steps,
                         before=cuts, config=config_path or CONFIG)
        report = run_train(plan, rules, on_step=lambda message: click.echo(f"kg train: {message}", err=True))
        if install:
            click.echo(f"Installed the model in {install_model(report.model)}")
    except KgError as exc:
        raise _fail(exc) from None
    silver = report.silver
    click.echo(f"Silver data: {silver['sentences_kept']} sentences, {silver['entities']} entities "
               f"({silver['structure_labelled']} named by the structure), {silver['replaced']} names replaced"
               + (f"; {silver['hand_sentences']} hand-annotated sentences, {silver['hand_entities']} entities." if silver.get("hand_sentences") else "."))
    click.echo("Seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in report.seconds.items()) + f". Model: {report.model}")
    if report.evaluation:
        ev = report.evaluation
        click.echo(
            f"Held-out ({report.held_out_ids} ids, {ev['held_out_mentions']} mentions in {ev['eval_files']} unseen files):"
            f" recall rules only {ev['recall_rules_only']}, rules + model {ev['recall_rules_and_model']}"
            f" ({ev['held_out_entities_found']} of {ev['held_out_entities_mentioned']} entities found)."
        )
        click.echo(f"{len(ev['precision_sample'])} model predictions to hand-check are in {work_dir / 'report.json'}.")


@cli.command("train-names")
@click.argument("shared", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Model file  [default: the package's kg/models/names/types.json]")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help="Rules folder (default: the project's rules/).")
def train_names(shared, out, rules_dir):
    """Train the type classifier of the proper-name proposer from the shared corpora folder (SHARED).

    It learns from the English sentences of the training part of hextra-ai-insight-daily (before 2026-01) and
    ainews-zh (before 26-07): each capitalised name the gazetteer knows is an example of its type, each place,
    stopword or common word an example of no name; and which words English writes in lower case. Deterministic.

    \b
    Example:
        kg train-names ../shared
    """
    from kg.extract.propernames import TYPES_MODEL
    from kg.extract.propernames_train import train_names as run
    from kg.extract.rules import load_rules

    try:
        rules = load_rules(rules_dir)
        report = run(shared, rules, out=out or TYPES_MODEL, every=1,
                     on_step=lambda message: click.echo(f"kg train-names: {message}", err=True))
    except KgError as exc:
        raise _fail(exc) from None
    click.echo("Examples: " + ", ".join(f"{label} {n}" for label, n in sorted(report.examples.items())))
    held = ", ".join(f"{k} {v}" for k, v in report.held_out.items() if k not in ("all", "n"))
    click.echo(f"Held-out type accuracy {report.held_out['all']} on {report.held_out['n']} names ({held}).")
    click.echo(f"Trained in {report.seconds:.0f} s on {report.files} files. Model: {out or TYPES_MODEL}")


@cli.command("train-relations")
@click.argument("shared", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Model folder  [default: the package's kg/models/rel]")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None, help="Probability a relation needs  [default: kg/link/rel/config.cfg]")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help="Rules folder (default: the project's rules/).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None, help="spaCy config and training settings  [default: kg/link/rel/config.cfg]")
def train_relations(shared, out, threshold, rules_dir, config_path):
    """Train kg's relation classifier from the shared corpora folder (SHARED, holding corpus/).

    Silver pairs come from the precise relation rules and the gazetteer's facts on the training part of
    hextra-ai-insight-daily (before 2026-01) and ainews-zh (before 26-07), plus the hand-annotated pairs of
    every tests/data/relations-train*.jsonl. Config and seed: kg/link/rel/config.cfg (or --config).

    \b
    Example:
        kg train-relations ../shared
        kg train-relations ../shared --config kg/link/rel/config-vectors.cfg --out /tmp/rel
    """
    from kg.link.rel.train import CONFIG, MODEL_DIR, configured_threshold, train_relations as run
    from kg.extract.rules import load_rules

    config_path = config_path or CONFIG
    try:
        rules = load_rules(rules_dir)
        report = run(shared, rules, out=out or MODEL_DIR,
                     threshold=configured_threshold(config_path) if threshold is None else threshold,
                     on_step=lambda message: click.echo(f"kg train-relations: {message}", err=True), config_path=config_path)
    except KgError as exc:
        raise _fail(exc) from None
    for kind, counts in report.counts.items():
        click.echo(f"{kind} pairs: " + ", ".join(f"{label} {n}" for label, n in sorted(counts.items())))
    if report.heldout:
        click.echo("held-out hand-annotated pairs (relation: pairs, threshold, P, R, F1): " + "; ".join(
            f"{label} {row['pairs']} {row['threshold']} {row['precision']:.2f} {row['recall']:.2f} {row['f1']:.2f}"
            for label, row in report.heldout.items()))
    click.echo(f"Trained in {report.seconds:.0f} s on {report.files} files. Model: {out or MODEL_DIR}")


@cli.command()
@click.argument("graph_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--endpoint", required=True, metavar="URL", help="Graph Store (SPARQL 1.1 GSP) endpoint of the server.")
@click.option("--graph", "graph_iri", default=None, metavar="IRI", help="Named graph to load into  [default: https://w3id.org/kg-ai/graph]")
@click.option("--sparql", "sparql_url", default=None, metavar="URL", help="SPARQL query endpoint for the count check (default: next to --endpoint, e.g. /sparql for Virtuoso).")
@click.option("--user", default=None, help="User name (HTTP Digest or Basic, whichever the server asks for).")
@click.option("--password", default=None, envvar="KG_PUSH_PASSWORD", help="Password (or set KG_PUSH_PASSWORD).")
@click.option("--replace", is_flag=True, help="Delete the graph first (needed when it already holds triples).")
@click.option("--chunk-size", type=click.IntRange(1), default=50_000, show_default=True, help="Triples per request.")
@click.option("--graph-param", type=click.Choice(["graph", "graph-uri"]), default="graph", show_default=True, help="Name of the graph parameter (graph-uri: older Virtuoso).")
@click.option("--retries", type=click.IntRange(0, 20), default=4, show_default=True, help="Retries of a request after a connection error or a 5xx answer.")
@click.option("--retry-delay", type=click.FloatRange(0), default=1.0, show_default=True, help="Seconds before the first retry; doubles each time.")
@click.option("--timeout", type=click.FloatRange(0, min_open=True), default=300.0, show_default=True, help="Seconds to wait for one request.")
def push(graph_file, endpoint, graph_iri, sparql_url, user, password, replace, chunk_size, graph_param, retries, retry_delay, timeout):
    """Load an exported graph.ttl into a SPARQL server (SPARQL 1.1 Graph Store HTTP Protocol), in chunks.

    Each chunk is POSTed to ENDPOINT?graph=IRI; then the server's triple count in the graph must equal the
    file's. Exit code 1 on any error (server down after retries, wrong password, wrong URL, count mismatch).

    \b
    Example:
        kg push exports/graph.ttl --endpoint http://localhost:8890/sparql-graph-crud-auth \\
            --graph https://w3id.org/kg-ai/graph --user dba --password dba --replace
    """
    from kg.sparql import push as p

    try:
        server = p.Server(
            endpoint, graph=graph_iri or p.DEFAULT_GRAPH, sparql=sparql_url, user=user, password=password,
            graph_param=graph_param, retries=retries, retry_delay=retry_delay, timeout=timeout,
        )
        checked = time.perf_counter()
        plan = p.plan(graph_file, chunk_size)
        checked = time.perf_counter() - checked
        with click.progressbar(length=plan.chunks, label=f"Pushing {plan.triples} triples", file=sys.stderr, show_pos=True) as bar:
            result = p.push(plan, server, replace=replace, on_chunk=lambda _n: bar.update(1))
    except KgError as exc:
        raise _fail(exc) from None
    rate = result.triples / result.seconds if result.seconds else 0
    click.echo(
        f"Pushed {result.triples} triples in {result.chunks} chunk(s) to <{result.graph}> at {result.endpoint}"
        f" in {result.seconds:.1f} s ({rate:,.0f} triples/s{f', {result.retries} retries' if result.retries else ''};"
        f" the file was parsed and counted first in {checked:.1f} s)."
    )
    repeated = f" ({result.repeated} triples the file states more than once are held once)" if result.repeated else ""
    click.echo(f"Count check OK: {result.sparql} reports {result.server_count} triples in the graph{repeated}.")


@cli.group()
def rules():
    """Inspect and validate the rule files (gazetteer, name patterns, relation patterns)."""


@rules.command("check")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help=RULES_HELP)
def rules_check(rules_dir):
    """Validate every rule file and report every problem at once.

    \b
    Example:
        kg rules check --rules rules/
    """
    from collections import Counter

    from kg.extract.rules import load_rules

    try:
        loaded = load_rules(rules_dir)
    except RulesError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s) in the rules; fix them and run kg rules check again") from None
    by_type = Counter(e.type for e in loaded.entities.values())
    click.echo(
        f"rules OK: {len(loaded.entities)} gazetteer entities ("
        + ", ".join(f"{t} {by_type[t]}" for t in sorted(by_type))
        + f"), {len(loaded.alias_index)} names, {len(loaded.patterns)} name patterns, {len(loaded.relation_rules) + len(loaded.headline_rules)} relation patterns"
    )


@rules.command("init")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite rule files already in DIRECTORY.")
def rules_init(directory, force):
    """Copy the rules shipped with kg into DIRECTORY, to edit them and build with them.

    Refuses to overwrite a rule file already there unless --force is given.

    \b
    Example:
        kg rules init my-rules
        kg build digests/ --rules my-rules        # or: export KG_RULES=my-rules
    """
    from kg.extract.rules import copy_default_rules

    try:
        written = copy_default_rules(directory, force=force)
    except KgError as exc:
        raise _fail(exc) from None
    click.echo(f"Copied {len(written)} rule files to {directory}. Check your edits with: kg rules check --rules"
               f" {directory}; build with them: kg build --rules {directory} (or set KG_RULES={directory}).")


@rules.command("suggest")
@click.argument("graph_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--type", "entity_type", type=click.Choice(["Company", "Organization", "Person", "Product", "Hardware"]), help="Only names of this type.")
@click.option("--min-mentions", type=click.IntRange(1), default=1, show_default=True, help="Only names mentioned at least this often.")
@click.option("--limit", type=click.IntRange(0), default=50, show_default=True, help="At most this many names (0: all).")
@click.option("--format", "fmt", type=click.Choice(["table", "tsv"]), default="table", show_default=True)
def rules_suggest(graph_file, entity_type, min_mentions, limit, fmt):
    """List the names only patterns or the model found: candidates for the gazetteer, most mentioned first.

    \b
    Example:
        kg rules suggest exports/graph.ttl --type Company --min-mentions 2
        kg rules add exports/graph.ttl "Firestorm Labs" "Grok Build"
    """
    from kg.quality.suggest import suggestions

    try:
        found = suggestions(graph_file, entity_type or "", min_mentions, limit + 1 if limit else 0)
    except KgError as exc:
        raise _fail(exc) from None
    shown = found[:limit] if limit else found
    if fmt == "tsv":
        click.echo("name\ttype\tmentions\tconfidence\tfirst_seen\tfound_by\texample")
        for s in shown:
            click.echo(f"{s.name}\t{s.type}\t{s.mentions}\t{s.confidence:.2f}\t{s.first_seen}\t{s.extractor}\t{s.example}")
        return
    if not shown:
        click.echo("No names found only by patterns or the model.")
        return
    width = min(32, max(len(s.name) for s in shown))
    click.echo(f"{'name':<{width}}  {'type':<12}  {'mentions':>8}  {'conf':>4}  {'first seen':<10}  {'found by':<26}  example")
    for s in shown:
        example = s.example if len(s.example) <= 80 else s.example[:79] + "…"
        click.echo(f"{s.name[:width]:<{width}}  {s.type:<12}  {s.mentions:>8}  {s.confidence:>4.2f}  {s.first_seen:<10}  {s.extractor[:26]:<26}  {example}")
    if len(found) > len(shown):
        click.echo("… more (--limit 0 lists all)")


@rules.command("add")
@click.argument("graph_file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("names", nargs=-1, required=True)
@click.option("--type", "entity_type", type=click.Choice(["Company", "Organization", "Person", "Product", "Hardware"]), help="Type to give every name (default: the type the graph gives it).")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help="Rules folder (default: the project's rules/).")
def rules_add(graph_file, names, entity_type, rules_dir):
    """Accept names `kg rules suggest` lists: write them into the gazetteer (rules/gazetteer/<type>.yml).

    The rules are validated after writing; on a problem nothing is changed. Rebuild to use them.

    \b
    Example:
        kg rules add exports/graph.ttl "Firestorm Labs" "Grok Build"
        kg rules add exports/graph.ttl Inkling --type Product
    """
    from kg.ingest.normalize import fold_name
    from kg.quality.suggest import SuggestError, add_to_gazetteer, suggestions

    try:
        proposed = {fold_name(s.name): s for s in suggestions(graph_file, examples=False)}
        accepted = []
        for name in names:
            s = proposed.get(fold_name(name))
            if s is None and entity_type is None:
                raise SuggestError(f"{name}: not a name the graph's patterns or model found. Fix: check `kg rules suggest {graph_file}`, or give --type")
            accepted.append((s.name if s else name, entity_type or s.type))
        added = add_to_gazetteer(rules_dir, accepted)
    except RulesError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s) in the rules; nothing was added") from None
    except KgError as exc:
        raise _fail(exc) from None
    for entity_id, name, path in added:
        click.echo(f"Added {name} ({entity_id}) to {path}")
    click.echo("Rules OK. Rebuild the graph to use them.")


# Set by main(): the process ends after the command. A built graph is then kept to the end and not freed object
# by object (the full ainews-zh graph takes ~2 s to free; the system takes the memory back at once).
_exit_fast = False
_kept: list = []


def main():  # pragma: no cover - the `kg` program; tests call `cli` in-process
    global _exit_fast
    _exit_fast = True
    try:
        cli()
        code = 0
    except SystemExit as exc:
        code = exc.code
    if not _kept:
        sys.exit(code)
    if isinstance(code, str):  # as sys.exit would: the message, exit status 1
        click.echo(code, err=True)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)
