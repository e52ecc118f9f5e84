"""Interactive, self-contained HTML explorer for the knowledge graph (``graph.html``).

The page is a single file that works from disk with no network at all: the
vis-network 9.1.2 library bundled with pyvis 0.3.2 (the same files pyvis inlines
with ``cdn_resources="in_line"``), our own script (``explorer.js``), our own
style sheet (``explorer.css``) and the graph data (JSON) are all inlined.  No
Bootstrap, no CDN, and a Content-Security-Policy of ``default-src 'none'`` so
the page cannot fetch anything even if some data slipped through.

Data safety: every string from the digests travels as JSON inside a
``<script type="application/json">`` block with ``<``, ``>``, ``&``, U+2028 and
U+2029 escaped, and the page builds its DOM with ``textContent`` only.  Only
``http(s)`` URLs become links (checked here and again in the browser).

Layout: positions are computed here (communities found with a seeded Louvain,
each laid out with a seeded, vectorised force layout, then packed apart), so the
browser draws with physics off; small graphs of one community (see
``_PHYSICS_MAX_NODES``) additionally relax for a bounded number of stabilisation
iterations, after which physics is switched off.
"""
from __future__ import annotations

import datetime as _dt
import html
import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Iterable

import networkx as nx

from kg.records import CO_MENTION, SYMMETRIC_RELATIONS

__all__ = ["export", "render"]

_HERE = Path(__file__).parent
VIS_VERSION = "9.1.2"

#: Entity type -> colour (Tableau 10); anything else is drawn as "Other".
TYPE_COLORS: dict[str, str] = {
    "Company": "#4e79a7",
    "Organization": "#59a14f",
    "Person": "#f28e2b",
    "Product": "#e15759",
    "Hardware": "#76b7b2",
}
OTHER_TYPE = "Other"
OTHER_COLOR = "#9c9c9c"

#: Relation -> colour; coMention is deliberately pale and thin.
RELATION_COLORS: dict[str, str] = {
    "develops": "#4e79a7",
    "worksFor": "#f28e2b",
    "uses": "#59a14f",
    "partnersWith": "#b07aa1",
    "investsIn": "#d4a72c",
    "acquires": "#e15759",
    "competesWith": "#ff9da7",
    "variantOf": "#9c755f",
    "coMention": "#c4c4c4",
}
OTHER_RELATION_COLOR = "#8a8a8a"
#: Relations drawn without an arrow head.
UNDIRECTED_RELATIONS = frozenset(SYMMETRIC_RELATIONS) | {CO_MENTION}

#: Graphs up to this many nodes get a short physics relaxation in the browser;
#: bigger ones are drawn from the precomputed layout with physics off.
_PHYSICS_MAX_NODES = 300
_PHYSICS_ITERATIONS = 150
#: At most this many item references are kept per coMention edge.
_MAX_COMENTION_ITEMS = 5
_MAX_COMENTION_EDGES = 4000  # the strongest co-mentions among the shown entities
# Big builds: the page keeps the newest statements of each edge and clips long sentences, so a graph of
# 500 entities from years of digests stays a few MB instead of a hundred.
_MAX_ATTESTATIONS = 25
_MAX_TEXT = 400

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_QID_RE = re.compile(r"^Q[1-9]\d*$")
_HTTP_RE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


# --------------------------------------------------------------------------
# coercion helpers: the page must render whatever the pipeline hands us
# --------------------------------------------------------------------------
def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:  # pragma: no cover - pathological __str__
        return ""
    # drop NULs and lone surrogates (cannot be encoded to UTF-8)
    text = text.replace("\x00", "")
    return text.encode("utf-8", "replace").decode("utf-8") if _has_surrogates(text) else text


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _int(value: Any, default: int = 0) -> int:
    try:
        if isinstance(value, bool):
            return int(value)
        number = float(value)
        if not math.isfinite(number):
            return default
        return int(number)
    except (TypeError, ValueError):
        return default


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _date(value: Any) -> str:
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    text = _str(value).strip()
    return text[:10] if _DATE_RE.match(text) else ""


def _url(value: Any) -> str:
    text = _str(value).strip()
    return text if _HTTP_RE.match(text) else ""


def _str_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    try:
        items = list(value)
    except TypeError:
        return [_str(value)]
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        text = _str(item).strip()
        if text and text not in seen:
            seen.add(text)
            out.append(text)
    return out


def _attr(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values to keep the embedded JSON small."""
    return {k: v for k, v in record.items() if v not in ("", None, [], {})}


# --------------------------------------------------------------------------
# layout
# --------------------------------------------------------------------------
def _layout(n: int, edges: Iterable[tuple[int, int, float]], seed: int = 7) -> list[tuple[float, float]]:
    """Positions (vis-network pixels) for ``n`` nodes and weighted undirected pairs.

    Connected entities get a force layout (``_force_layout``); entities with no
    relation at all are shelved in a compact grid below the drawing instead of
    drifting out to a wide ring that would make "fit" zoom far out.
    """
    pairs = [(a, b, w) for a, b, w in edges if a != b]
    linked = sorted({a for a, _, _ in pairs} | {b for _, b, _ in pairs})
    spacing, col_w = 70.0, 130.0  # isolated entities: row height, column width
    positions: list[tuple[float, float]] = [(0.0, 0.0)] * n
    if linked:
        local = {node: i for i, node in enumerate(linked)}
        placed = _force_layout(len(linked), [(local[a], local[b], w) for a, b, w in pairs], seed)
        for node, xy in zip(linked, placed):
            positions[node] = xy
    linked_set = set(linked)
    isolated = [i for i in range(n) if i not in linked_set]
    if isolated:
        if linked:
            xs = [positions[i][0] for i in linked]
            ys = [positions[i][1] for i in linked]
            left, width, top = min(xs), max(max(xs) - min(xs), col_w), max(ys) + 2 * spacing
        else:
            width = col_w * math.ceil(math.sqrt(len(isolated)))
            left, top = -width / 2, -width / 3
        # at least as wide as the block is high (a narrow drawing must not become a tall shelf)
        columns = max(1, int(width // col_w) + 1, math.ceil(math.sqrt(len(isolated) * col_w / spacing)))
        for k, node in enumerate(isolated):
            positions[node] = (left + (k % columns) * col_w, top + (k // columns) * spacing)
    return positions


def _force_layout(n: int, pairs: list[tuple[int, int, float]], seed: int = 7) -> list[tuple[float, float]]:
    """Seeded ForceAtlas2-style layout, fast enough for thousands of nodes.

    Repulsion ``m_i * m_j / d`` (``m = 1 + degree``, so hubs push their leaves
    apart), linear springs, and "strong" gravity so isolated entities stay
    near the rest.  Repulsion is computed exactly between nodes in the same or
    adjacent cells of a grid (k-d tree) and through an FFT convolution of the
    grid masses for everything farther away (particle-mesh), so one iteration
    is O(n + grid^2 log grid).  networkx's spring_layout needs 10-15 s at 2,000
    nodes; this needs about half a second.  Returns vis-network pixels.
    """
    if n == 0:
        return []
    if n == 1:
        return [(0.0, 0.0)]
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy comes with the scientific stack
        return _circle_layout(n)
    try:
        from scipy.spatial import cKDTree
    except ImportError:  # pragma: no cover
        cKDTree = None

    rng = np.random.default_rng(seed)
    src = np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs))
    dst = np.fromiter((p[1] for p in pairs), dtype=np.int64, count=len(pairs))
    wts = np.fromiter((p[2] for p in pairs), dtype=np.float64, count=len(pairs))
    mass = 1.0 + np.bincount(src, minlength=n) + np.bincount(dst, minlength=n)

    repulsion = 1.0
    gravity = 0.02
    radius = 2.0 * math.sqrt(n)
    pos = rng.uniform(-radius, radius, size=(n, 2))
    iterations = 150 if n <= 500 else 100
    temperature = radius / 4
    cooling = (0.02) ** (1.0 / iterations)
    grid = 64
    exact_all = cKDTree is None or n <= 400
    if not exact_all:
        # force kernel for offsets (in cells) -grid..grid-1, zero for the 3x3
        # neighbourhood that is handled exactly
        off = np.fft.fftfreq(2 * grid, 1.0 / (2 * grid))
        ox, oy = np.meshgrid(off, off, indexing="ij")
        r2 = ox * ox + oy * oy
        near_mask = (np.abs(ox) <= 1) & (np.abs(oy) <= 1)
        r2[near_mask] = 1.0
        kx = np.where(near_mask, 0.0, ox / r2)
        ky = np.where(near_mask, 0.0, oy / r2)
        kx_f = np.fft.rfft2(kx)
        ky_f = np.fft.rfft2(ky)

    def add(disp: Any, idx: Any, vec: Any) -> None:
        disp[:, 0] += np.bincount(idx, weights=vec[:, 0], minlength=n)
        disp[:, 1] += np.bincount(idx, weights=vec[:, 1], minlength=n)

    for _ in range(iterations):
        disp = np.zeros((n, 2))
        if exact_all:
            dx = pos[:, 0:1] - pos[None, :, 0]
            dy = pos[:, 1:2] - pos[None, :, 1]
            w = (repulsion * mass[:, None] * mass[None, :]) / np.maximum(dx * dx + dy * dy, 1e-4)
            disp[:, 0] += (dx * w).sum(axis=1)
            disp[:, 1] += (dy * w).sum(axis=1)
        else:
            lo = np.percentile(pos, 1, axis=0)
            hi = np.percentile(pos, 99, axis=0)
            h = max(float((hi - lo).max()) * 1.1 / grid, 1e-6)
            lo = (lo + hi) / 2 - h * grid / 2
            cell = np.clip(np.floor((pos - lo) / h).astype(np.int64), 0, grid - 1)
            grid_mass = np.zeros((2 * grid, 2 * grid))
            np.add.at(grid_mass, (cell[:, 0], cell[:, 1]), mass)
            m_f = np.fft.rfft2(grid_mass)
            fx = np.fft.irfft2(m_f * kx_f, s=grid_mass.shape)[:grid, :grid] / h
            fy = np.fft.irfft2(m_f * ky_f, s=grid_mass.shape)[:grid, :grid] / h
            disp[:, 0] += repulsion * mass * fx[cell[:, 0], cell[:, 1]]
            disp[:, 1] += repulsion * mass * fy[cell[:, 0], cell[:, 1]]
            near = cKDTree(pos).query_pairs(r=2.9 * h, output_type="ndarray")
            if len(near):
                i, j = near[:, 0], near[:, 1]
                keep = np.abs(cell[i] - cell[j]).max(axis=1) <= 1
                i, j = i[keep], j[keep]
                delta = pos[i] - pos[j]
                dist2 = np.maximum((delta * delta).sum(axis=1), 1e-4)
                force = delta * (repulsion * mass[i] * mass[j] / dist2)[:, None]
                add(disp, i, force)
                add(disp, j, -force)
        if len(src):
            force = (pos[src] - pos[dst]) * wts[:, None]
            add(disp, src, -force)
            add(disp, dst, force)
        disp -= pos * (gravity * mass)[:, None]
        step = disp / mass[:, None]
        length = np.maximum(np.sqrt((step * step).sum(axis=1)), 1e-9)
        pos += step * (np.minimum(length, temperature) / length)[:, None]
        temperature *= cooling

    pos -= np.median(pos, axis=0)
    # scale so that the median nearest-neighbour distance is ~70 px
    if cKDTree is not None:
        nn = cKDTree(pos).query(pos, k=2)[0][:, 1]
        typical = float(np.median(nn)) or 1.0
    else:
        typical = 2.0 * math.sqrt(float(np.ptp(pos[:, 0]) * np.ptp(pos[:, 1]) or 1.0) / n)
    scale = 70.0 / typical
    return [(float(x) * scale, float(y) * scale) for x, y in pos]


def _circle_layout(n: int) -> list[tuple[float, float]]:  # pragma: no cover
    radius = 40.0 * math.sqrt(n)
    return [
        (radius * math.cos(2 * math.pi * i / n), radius * math.sin(2 * math.pi * i / n))
        for i in range(n)
    ]


# --------------------------------------------------------------------------
# communities: found at export (Louvain, fixed seed), so two builds give the same page
# --------------------------------------------------------------------------
#: Communities are found among this many times --max-nodes most mentioned entities (at least _POOL_MIN).
_POOL_FACTOR = 4
_POOL_MIN = 2000
#: At most this many communities are named and coloured; smaller ones join the "loosely linked" group.
_MAX_COMMUNITIES = 20
_MIN_COMMUNITY = 3
#: Each community gets this many of the --max-nodes seats (its most mentioned members; fewer when that would
#: fill more than half the page) before the rest go by mentions, so every community is on the page.
_COMMUNITY_SEATS = 5
#: Pages with more entities than this open with the top members of each community only (expand in the page).
_COLLAPSE_OVER = 150
_COMMUNITY_TOP = 12
_COMMUNITY_SEED = 7
#: Hull colours (Tableau 20, the light half first).
COMMUNITY_COLORS = (
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5", "#c7c7c7",
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf", "#7f7f7f",
)
LOOSE_COLOR = "#e0e0e0"
_COMMUNITY_SPREAD = 1.6


def _communities(graph: nx.MultiDiGraph, pool: list[Any]) -> tuple[dict[Any, int], list[list[Any]], int | None]:
    """Community index of each entity of ``pool`` (in mention order) and the members of each, biggest first.

    Louvain (networkx, seed fixed) on the entities' undirected graph: a typed statement weighs 1, a co-mention
    log(1 + items). Community 0..k-1 are the named ones, by the mentions of their members; the last, when there is
    one, gathers the entities in communities smaller than _MIN_COMMUNITY ("loosely linked").
    """
    if not pool:
        return {}, [], None
    members = set(pool)
    simple = nx.Graph()
    simple.add_nodes_from(pool)
    for u, v, data in graph.edges(pool, data=True):
        if u == v or v not in members:
            continue
        data = data or {}
        if _str(data.get("relation")) == CO_MENTION:
            w = math.log1p(max(_int(data.get("count"), 1), 1))
        else:
            w = 1.0
        if simple.has_edge(u, v):
            simple[u][v]["weight"] += w
        else:
            simple.add_edge(u, v, weight=w)
    found = nx.community.louvain_communities(simple, weight="weight", seed=_COMMUNITY_SEED) if simple.number_of_edges() else []
    order = {node: i for i, node in enumerate(pool)}  # mention rank
    mentions = {node: max(_int((graph.nodes[node] or {}).get("mentions")), 0) for node in pool}
    groups = [sorted(c, key=order.__getitem__) for c in found if len(c) >= _MIN_COMMUNITY]
    groups.sort(key=lambda c: (-sum(mentions[n] for n in c), order[c[0]]))
    loose = groups[_MAX_COMMUNITIES:]
    groups = groups[:_MAX_COMMUNITIES]
    placed = {n for c in groups for n in c}
    rest = sorted({n for c in loose for n in c} | (members - placed), key=order.__getitem__)
    loose_index = None
    if rest:
        loose_index = len(groups)
        groups.append(rest)
    community_of = {node: i for i, c in enumerate(groups) for node in c}
    return community_of, groups, loose_index


def _choose_by_community(pool: list[Any], groups: list[list[Any]], loose_index: int | None, limit: int) -> set[Any]:
    """``limit`` entities: the top members of every community first, then the most mentioned."""
    chosen: list[Any] = []
    seen: set[Any] = set()
    named = [c for i, c in enumerate(groups) if i != loose_index]
    # at most half of the page goes to these seats, the rest to the most mentioned
    seats = min(_COMMUNITY_SEATS, limit // (2 * len(named))) if named else 0
    for rank in range(seats):
        for c in named:
            if rank < len(c) and len(chosen) < limit:
                chosen.append(c[rank])
                seen.add(c[rank])
    for node in pool:
        if len(chosen) >= limit:
            break
        if node not in seen:
            chosen.append(node)
            seen.add(node)
    return seen


def _community_list(nodes: list[dict[str, Any]], groups: list[list[Any]], loose_index: int | None) -> list[dict[str, Any]]:
    """The communities of the page: name (top members), colour, members on the page and in the graph."""
    shown: dict[int, list[dict[str, Any]]] = {}
    for node in nodes:
        shown.setdefault(node.get("c", 0), []).append(node)
    out = []
    for i, members in enumerate(groups):
        on_page = sorted(shown.get(i, []), key=lambda n: (-n.get("mentions", 0), n["id"]))
        for rank, node in enumerate(on_page):
            node["cr"] = rank
        loose = i == loose_index
        top = [n["name"] for n in on_page[:3]]
        out.append({
            "id": i,
            "name": ("Loosely linked: " if loose and top else "Loosely linked" if loose else "")
            + " \u00b7 ".join(_clip(t, 24) for t in top),
            "color": LOOSE_COLOR if loose else COMMUNITY_COLORS[i % len(COMMUNITY_COLORS)],
            "shown": len(on_page),
            "total": len(members),
            "loose": loose,
        })
    return out


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _view_defaults(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    """What the page shows when it opens: on big pages the top members of each community, no noise."""
    big = len(nodes) > _COLLAPSE_OVER
    return {
        "top": _COMMUNITY_TOP if big else 0,
        "min_mentions": _NOISE_MENTIONS if big else 0,
        "min_confidence": _NOISE_CONFIDENCE if big else 0,
    }


#: On big pages, entities named in fewer items, or found with a lower confidence, start hidden (sliders in the page).
_NOISE_MENTIONS = 2
_NOISE_CONFIDENCE = 0.75


def _community_layout(nodes: list[dict[str, Any]], weights: dict[tuple[int, int], float]) -> list[tuple[float, float]]:
    """Each community's own layout, then the communities packed around the biggest, a gap between them."""
    by_community: dict[int, list[int]] = {}
    for i, node in enumerate(nodes):
        by_community.setdefault(node.get("c", 0), []).append(i)
    positions: list[tuple[float, float]] = [(0.0, 0.0)] * len(nodes)
    discs: list[tuple[float, float, float]] = []  # placed: x, y, radius
    gap = 90.0
    for c in sorted(by_community):
        members = by_community[c]
        local = {node: k for k, node in enumerate(members)}
        pairs = [(local[a], local[b], w) for (a, b), w in weights.items() if a in local and b in local]
        placed = _layout(len(members), pairs)
        cx = sum(x for x, _ in placed) / len(placed)
        cy = sum(y for _, y in placed) / len(placed)
        # spread out: the members of a community are crowded with the same number of links in less room
        placed = [((x - cx) * _COMMUNITY_SPREAD, (y - cy) * _COMMUNITY_SPREAD) for x, y in placed]
        radius = max((math.hypot(x, y) for x, y in placed), default=0.0) + 40.0
        ox, oy = _free_spot(discs, radius, gap)
        discs.append((ox, oy, radius))
        for node, (x, y) in zip(members, placed):
            positions[node] = (x + ox, y + oy)
    return positions


def _free_spot(discs: list[tuple[float, float, float]], radius: float, gap: float) -> tuple[float, float]:
    """The point nearest the centre where a disc of ``radius`` overlaps none of ``discs`` (greedy packing)."""
    if not discs:
        return 0.0, 0.0
    best: tuple[float, float, float] | None = None
    for x0, y0, r0 in discs:
        for step in range(36):
            angle = 2 * math.pi * step / 36
            d = r0 + radius + gap
            x, y = x0 + d * math.cos(angle), y0 + d * math.sin(angle)
            if all(math.hypot(x - x1, y - y1) >= r1 + radius + gap - 1e-6 for x1, y1, r1 in discs):
                dist = math.hypot(x, y * 1.4)  # a little wider than high, like a screen
                if best is None or dist < best[0] - 1e-9:
                    best = (dist, x, y)
    assert best is not None  # the outermost disc always has a free side
    return round(best[1], 3), round(best[2], 3)


# --------------------------------------------------------------------------
# payload
# --------------------------------------------------------------------------
def _item_lookup(graph: nx.MultiDiGraph) -> dict[str, Any]:
    items = graph.graph.get("items") if isinstance(graph.graph, dict) else None
    return items if isinstance(items, dict) else {}


def _months(item_ids: Any, items: dict[str, Any]) -> list[list[Any]]:
    """[[YYYY-MM, items naming the entity that month], ...] by month (the kg:MonthlyMentions of graph.ttl)."""
    counts: dict[str, int] = {}
    for item_id in _str_list(item_ids):
        day = _date(_attr(items.get(item_id), "date"))
        if day:
            counts[day[:7]] = counts.get(day[:7], 0) + 1
    return [[month, n] for month, n in sorted(counts.items())]


def _kept_nodes(
    graph: nx.MultiDiGraph, max_nodes: int | None
) -> tuple[list[tuple[Any, Any]], dict[Any, int], list[list[Any]], int | None, bool]:
    """The entities shown (all, or the most mentioned chosen by community) and the communities found among them."""
    all_nodes = list(graph.nodes(data=True))
    total_nodes = len(all_nodes)
    cut = max_nodes is not None and total_nodes > max(int(max_nodes), 0)
    limit = max(int(max_nodes), 0) if cut else total_nodes
    ranked = sorted(
        all_nodes,
        key=lambda nd: (
            -_int((nd[1] or {}).get("mentions")),
            -graph.degree(nd[0]),
            _str(nd[0]),
        ),
    )
    # communities are found among the most mentioned entities (all of them on a page that shows everything)
    pool = [n for n, _ in ranked[: max(_POOL_FACTOR * limit, _POOL_MIN) if cut else total_nodes]]
    community_of, community_members, loose_index = _communities(graph, pool)
    keep_ids = _choose_by_community(pool, community_members, loose_index, limit) if cut else None
    # keep the original (insertion) order for stable output
    kept = [nd for nd in all_nodes if nd[0] in keep_ids] if cut else all_nodes
    return kept, community_of, community_members, loose_index, cut


def _js_ids(kept: list[tuple[Any, Any]]) -> dict[Any, str]:
    """Stable, unique string ids for the browser."""
    js_id: dict[Any, str] = {}
    used: set[str] = set()
    for node, _ in kept:
        base = _str(node) or "node"
        candidate, k = base, 1
        while candidate in used:
            k += 1
            candidate = f"{base}#{k}"
        used.add(candidate)
        js_id[node] = candidate
    return js_id


def _node_records(
    kept: list[tuple[Any, Any]], js_id: dict[Any, str], community_of: dict[Any, int], items: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[Any, int]]:
    """One record per entity shown, and each entity's position in that list."""
    mentions = [max(_int((d or {}).get("mentions")), 0) for _, d in kept]
    max_mentions = max(mentions, default=0) or 1
    nodes: list[dict[str, Any]] = []
    index: dict[Any, int] = {}
    for (node, data), mention_count in zip(kept, mentions):
        data = data or {}
        name = _str(data.get("name")).strip() or _str(node)
        name_zh = _str(data.get("name_zh")).strip()
        node_type = _str(data.get("type")).strip()
        if node_type not in TYPE_COLORS:
            node_type = OTHER_TYPE
        qid = _str(data.get("wikidata")).strip()
        index[node] = len(nodes)
        nodes.append(
            _compact(
                {
                    "id": js_id[node],
                    "name": name,
                    "name_zh": name_zh if name_zh != name else "",
                    "aliases": [a for a in _str_list(data.get("aliases")) if a not in (name, name_zh)],
                    "type": node_type,
                    "wikidata": qid if _QID_RE.match(qid) else "",
                    "mentions": mention_count,
                    "extractor": _str(data.get("extractor")),
                    "confidence": _float(data.get("confidence")),
                    "first_date": _date(data.get("first_date")),
                    "last_date": _date(data.get("last_date")),
                    "size": round(10 + 30 * math.sqrt(mention_count / max_mentions), 1),
                    "months": _months(data.get("items"), items),
                    "c": community_of.get(node, 0),
                }
            )
        )
    return nodes, index


def _weak_co_mentions(shown_edges: list[tuple[Any, Any, Any, Any]], index: dict[Any, int]) -> set[str]:
    """Keys of the co-mentions left out: they grow with the square of the entities shown, keep the strongest."""
    co_mentions = sorted(
        ((_int((d or {}).get("count"), 1), str(k)) for u, v, k, d in shown_edges
         if u in index and v in index and _str((d or {}).get("relation")) == CO_MENTION),
        reverse=True,
    )
    return {k for _count, k in co_mentions[_MAX_COMENTION_EDGES:]}


def _co_mention_refs(data: dict[str, Any], items: dict[str, Any]) -> list[dict[str, Any]]:
    """The items (title, URL, date) behind a co-mention or an aggregated statement."""
    item_ids = _str_list(data.get("items"))
    urls = _str_list(data.get("urls"))
    refs = []
    for pos_, item_id in enumerate(item_ids[:_MAX_COMENTION_ITEMS]):
        item = items.get(item_id)
        refs.append(
            _compact(
                {
                    "item": item_id,
                    "title": _str(_attr(item, "title")) if item is not None else "",
                    "url": _url(_attr(item, "url")) if item is not None else (
                        _url(urls[pos_]) if pos_ < len(urls) and len(urls) == len(item_ids) else ""
                    ),
                    "date": _date(_attr(item, "date")) if item is not None else "",
                }
            )
        )
    if not item_ids:
        refs = [{"url": u} for u in (_url(x) for x in urls[:_MAX_COMENTION_ITEMS]) if u]
    return refs


def _attestation(key: Any, data: dict[str, Any], relation: str, items: dict[str, Any]) -> dict[str, Any]:
    """One statement of a drawn edge: its date, source and evidence."""
    att = {
        "key": _str(key),
        "date": _date(data.get("date")),
        "url": _url(data.get("url")),
        "title": _str(data.get("title"))[:_MAX_TEXT],
        "evidence": _str(data.get("evidence"))[:_MAX_TEXT],
        "extractor": _str(data.get("extractor")),
        "confidence": _float(data.get("confidence")),
        "role": _str(data.get("role")),
        "item": _str(data.get("item_id")),
        "digest": _str(data.get("digest")),  # the source of an item without a link: digest file and line
        "line": _int(data.get("line")) or "",
    }
    if data.get("status"):  # reported / planned / denied: not a stated fact
        att["status"] = _str(data["status"])
    if relation == CO_MENTION or "count" in data or "items" in data:
        item_ids = _str_list(data.get("items"))
        att["count"] = max(_int(data.get("count"), len(item_ids) or 1), 0)
        att["refs"] = _co_mention_refs(data, items)
    return _compact(att)


def _statement_groups(
    graph: nx.MultiDiGraph,
    kept: list[tuple[Any, Any]],
    js_id: dict[Any, str],
    index: dict[Any, int],
    items: dict[str, Any],
) -> tuple[list[dict[str, Any]], int]:
    """Parallel statements with the same relation grouped into one drawn edge; the number of statements shown."""
    # Only the out-edges of the nodes shown, in the order graph.edges() gives them (nodes in insertion order).
    shown_edges = list(graph.edges([node for node, _ in kept], keys=True, data=True))
    weak_co_mentions = _weak_co_mentions(shown_edges, index)
    groups: dict[tuple[Any, Any, str], dict[str, Any]] = {}
    shown_statements = 0
    for u, v, key, data in shown_edges:
        if u not in index or v not in index or str(key) in weak_co_mentions:
            continue
        shown_statements += 1
        data = data or {}
        relation = _str(data.get("relation")).strip() or "related"
        group = groups.get((u, v, relation))
        if group is None:
            group = groups[(u, v, relation)] = {
                "from": js_id[u],
                "to": js_id[v],
                "relation": relation,
                "atts": [],
                "_pair": (index[u], index[v]),
            }
        group["atts"].append(_attestation(key, data, relation, items))
    return list(groups.values()), shown_statements


def _edge_records(groups: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The drawn edges with their dates (newest statements kept), and the first and last date of each."""
    edges: list[dict[str, Any]] = []
    dates: list[str] = []
    for n_edge, group in enumerate(groups):
        atts = group["atts"]
        atts.sort(key=lambda a: (a.get("date", ""), a.get("key", "")))
        edge_dates = {a["date"] for a in atts if a.get("date")}
        for att in atts:
            for ref in att.get("refs", ()):
                if ref.get("date"):
                    edge_dates.add(ref["date"])
        group["dates"] = sorted(edge_dates)
        if len(atts) > _MAX_ATTESTATIONS:
            group["more"] = len(atts) - _MAX_ATTESTATIONS
            del atts[: len(atts) - _MAX_ATTESTATIONS]  # sorted by date: keep the newest
        group["id"] = f"e{n_edge}"
        dates.extend(group["dates"][:1] + group["dates"][-1:])
        edges.append(group)
    return edges, dates


def _place_nodes(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> None:
    """Precomputed layout (undirected, weighted by log(#statements)): each community laid out on its own, the
    communities then packed apart, the biggest in the middle."""
    weights: dict[tuple[int, int], float] = {}
    for group in edges:
        a, b = group.pop("_pair")
        pair = (min(a, b), max(a, b))
        strength = 0.3 if group["relation"] == CO_MENTION else 1.0
        weights[pair] = weights.get(pair, 0.0) + strength * (1 + math.log1p(len(group["atts"])) / 2)
    positions = _community_layout(nodes, weights)
    for node, (x, y) in zip(nodes, positions):
        node["x"] = round(x, 1) if math.isfinite(x) else 0.0
        node["y"] = round(y, 1) if math.isfinite(y) else 0.0


def _legend(
    nodes: list[dict[str, Any]], edges: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The entity types and relations shown, with their colours and counts."""
    relation_counts: dict[str, int] = {}
    for group in edges:
        relation_counts[group["relation"]] = relation_counts.get(group["relation"], 0) + len(group["atts"])
    type_counts: dict[str, int] = {}
    for node in nodes:
        type_counts[node["type"]] = type_counts.get(node["type"], 0) + 1

    type_list = [t for t in TYPE_COLORS if t in type_counts] + ([OTHER_TYPE] if OTHER_TYPE in type_counts else [])
    known_relations = [r for r in RELATION_COLORS if r in relation_counts]
    other_relations = sorted(r for r in relation_counts if r not in RELATION_COLORS)
    types = [{"name": t, "color": TYPE_COLORS.get(t, OTHER_COLOR), "count": type_counts[t]} for t in type_list]
    relations = [
        {
            "name": r,
            "color": RELATION_COLORS.get(r, OTHER_RELATION_COLOR),
            "count": relation_counts[r],
            "directed": r not in UNDIRECTED_RELATIONS,
        }
        for r in known_relations + other_relations
    ]
    return types, relations


def _build_payload(graph: nx.MultiDiGraph, max_nodes: int | None) -> dict[str, Any]:
    kept, community_of, community_members, loose_index, cut = _kept_nodes(graph, max_nodes)
    js_id = _js_ids(kept)
    items = _item_lookup(graph)
    nodes, index = _node_records(kept, js_id, community_of, items)
    groups, shown_statements = _statement_groups(graph, kept, js_id, index, items)
    edges, dates = _edge_records(groups)
    communities = _community_list(nodes, community_members, loose_index)
    _place_nodes(nodes, edges)
    types, relations = _legend(nodes, edges)
    return {
        "nodes": nodes,
        "edges": edges,
        "types": types,
        "relations": relations,
        "date_min": min(dates, default=""),
        "date_max": max(dates, default=""),
        "communities": communities,
        "view": _view_defaults(nodes),
        "stats": {
            "total_nodes": graph.number_of_nodes(),
            "shown_nodes": len(nodes),
            "total_statements": graph.number_of_edges(),
            "shown_statements": shown_statements,
            "cut": cut,
        },
        "physics": {
            # communities laid out apart stay apart: no relaxation that would mix them
            "enabled": 1 < len(nodes) <= _PHYSICS_MAX_NODES and sum(not c["loose"] for c in communities) < 2,
            "iterations": _PHYSICS_ITERATIONS,
        },
    }


# --------------------------------------------------------------------------
# HTML assembly
# --------------------------------------------------------------------------
def _json_for_script(payload: Any) -> str:
    """JSON that is safe inside <script>: no '<', '>', '&', U+2028/2029 literally."""
    text = json.dumps(payload, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _inline_script(code: str) -> str:
    # a literal "</script" would end the element early; "<\/" is the same in JS strings
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)


def _inline_style(css: str) -> str:
    return re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)


def _vis_assets() -> tuple[str, str]:
    import pyvis  # the vis-network build pyvis 0.3.2 inlines with cdn_resources="in_line"

    lib = Path(pyvis.__file__).parent / "templates" / "lib" / f"vis-{VIS_VERSION}"
    js = (lib / "vis-network.min.js").read_text(encoding="utf-8")
    css = (lib / "vis-network.css").read_text(encoding="utf-8")
    return js, css


_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:; base-uri 'none'; form-action 'none'"
)


def _fmt(n: int) -> str:
    return f"{n:,}"


def render(graph: nx.MultiDiGraph, *, max_nodes: int | None = 500, title: str = "AI industry knowledge graph") -> str:
    """Return the page as a string (``export`` writes it)."""
    payload = _build_payload(graph, max_nodes)
    payload["title"] = _str(title)
    stats = payload["stats"]
    vis_js, vis_css = _vis_assets()
    explorer_js = (_HERE / "explorer.js").read_text(encoding="utf-8")
    explorer_css = (_HERE / "explorer.css").read_text(encoding="utf-8")

    esc_title = html.escape(_str(title) or "Knowledge graph")
    if stats["total_nodes"] == 0:
        summary = "The graph is empty: no entities to show."
    else:
        summary = (
            f"{_fmt(stats['shown_nodes'])} entities · {_fmt(stats['shown_statements'])} statements"
        )
    cut_note = ""
    if stats["cut"]:
        cut_note = (
            f"Showing {_fmt(stats['shown_nodes'])} of {_fmt(stats['total_nodes'])} entities "
            f"(the most mentioned of each community) and {_fmt(stats['shown_statements'])} of "
            f"{_fmt(stats['total_statements'])} statements."
        )

    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n',
        '<meta name="referrer" content="no-referrer">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{esc_title}</title>\n",
        f"<style>\n{_inline_style(vis_css)}\n</style>\n",
        f"<style>\n{_inline_style(explorer_css)}\n</style>\n",
        "</head>\n<body>\n",
        '<header id="kg-header">',
        f'<h1 id="kg-title">{esc_title}</h1>',
        f'<span id="kg-summary">{html.escape(summary)}</span>',
        f'<span id="kg-cut-note"{"" if cut_note else " hidden"}>{html.escape(cut_note)}</span>',
        "</header>\n",
        _BODY,
        f'<script type="application/json" id="kg-data">{_json_for_script(payload)}</script>\n',
        f"<script>\n{_inline_script(vis_js)}\n</script>\n",
        f"<script>\n{_inline_script(explorer_js)}\n</script>\n",
        "</body>\n</html>\n",
    ]
    return "".join(parts)


_BODY = """<div id="kg-main">
<aside id="kg-controls" aria-label="Search and filters">
  <div class="kg-box">
    <label for="kg-search" class="kg-label">Search</label>
    <input id="kg-search" type="search" list="kg-names" autocomplete="off"
           placeholder="Google, 谷歌, alias…" spellcheck="false">
    <datalist id="kg-names"></datalist>
    <div id="kg-search-status" class="kg-muted" aria-live="polite"></div>
  </div>
  <fieldset class="kg-box" id="kg-path"><legend>Path between</legend>
    <input id="kg-path-from" type="search" list="kg-names" autocomplete="off" placeholder="from" aria-label="Path from">
    <input id="kg-path-to" type="search" list="kg-names" autocomplete="off" placeholder="to" aria-label="Path to">
    <button type="button" id="kg-path-go">show path</button>
    <div id="kg-path-status" class="kg-muted" aria-live="polite"></div>
  </fieldset>
  <fieldset class="kg-box" id="kg-communities"><legend>Communities</legend>
    <div id="kg-communities-list"></div>
  </fieldset>
  <fieldset class="kg-box" id="kg-noise"><legend>Noise</legend>
    <label>min. mentions <input type="number" id="kg-min-mentions" min="0" step="1" value="0"></label>
    <label>min. confidence <input type="number" id="kg-min-confidence" min="0" max="1" step="0.05" value="0"></label>
    <div id="kg-noise-count" class="kg-muted" aria-live="polite"></div>
  </fieldset>
  <fieldset class="kg-box" id="kg-types"><legend>Entity types</legend></fieldset>
  <fieldset class="kg-box" id="kg-relations"><legend>Relations</legend></fieldset>
  <fieldset class="kg-box" id="kg-timeline"><legend>Timeline</legend>
    <div class="kg-row">
      <button type="button" id="kg-play" aria-label="Play the timeline">▶ play</button>
      <select id="kg-time-mode" aria-label="Timeline mode">
        <option value="asof">graph as of</option>
        <option value="window">window ending</option>
      </select>
    </div>
    <input type="range" id="kg-time" min="0" max="0" step="1" value="0" aria-label="Timeline date">
    <div id="kg-time-label" class="kg-muted" aria-live="polite">all dates</div>
    <label><input type="checkbox" id="kg-time-on"> use the timeline</label>
  </fieldset>
  <fieldset class="kg-box" id="kg-dates"><legend>Date range</legend>
    <label>from <input type="date" id="kg-date-from"></label>
    <label>to <input type="date" id="kg-date-to"></label>
    <button type="button" id="kg-date-reset">all dates</button>
  </fieldset>
  <fieldset class="kg-box"><legend>View</legend>
    <label><input type="checkbox" id="kg-hide-isolated"> hide entities without visible relations</label>
    <label><input type="checkbox" id="kg-physics"> physics (re-layout)</label>
    <button type="button" id="kg-fit">fit to screen</button>
  </fieldset>
  <div id="kg-visible" class="kg-muted" aria-live="polite"></div>
</aside>
<div id="kg-canvas-wrap">
  <div id="kg-network"></div>
  <nav id="kg-crumbs" aria-label="Views"></nav>
  <div id="kg-overlay" hidden></div>
</div>
<aside id="kg-panel" hidden aria-live="polite"></aside>
</div>
"""


def export(
    graph: nx.MultiDiGraph,
    path: Path,
    *,
    max_nodes: int | None = 500,
    title: str = "AI industry knowledge graph",
) -> None:
    """Write the interactive explorer for ``graph`` to ``path`` (atomically).

    ``max_nodes`` keeps the most-mentioned entities (and the statements among
    them); ``None`` keeps everything.  The page notes what was cut.
    """
    path = Path(path)
    page = render(graph, max_nodes=max_nodes, title=title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(page)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise
