/* kg explorer: the interactive page written by kg/export/html.py.
 *
 * The graph arrives as JSON in <script type="application/json" id="kg-data">.
 * Every string that comes from a news digest reaches the DOM through
 * textContent (or vis-network's canvas / innerText tooltips) - never innerHTML -
 * and only http(s) URLs ever become an href.
 *
 * Filtering hides items through vis DataView filters + refresh(), so the
 * network is never rebuilt.  window.kgExplorer exposes the state for tests.
 */
(function () {
  "use strict";

  var T0 = performance.now();
  var DATA;
  try {
    DATA = JSON.parse(document.getElementById("kg-data").textContent);
  } catch (err) {
    DATA = null;
  }
  if (!DATA || typeof DATA !== "object") DATA = {};
  var NODES = Array.isArray(DATA.nodes) ? DATA.nodes : [];
  var EDGES = Array.isArray(DATA.edges) ? DATA.edges : [];
  var TYPES = Array.isArray(DATA.types) ? DATA.types : [];
  var RELATIONS = Array.isArray(DATA.relations) ? DATA.relations : [];
  var CO = "coMention";

  var api = (window.kgExplorer = {
    data: DATA,
    timings: { scriptStart: T0, parsed: performance.now() },
    ready: false,
    readyMs: null,
    lastFilterMs: null,
  });

  // ------------------------------------------------------------------ helpers
  function $(id) {
    return document.getElementById(id);
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function safeHref(url) {
    if (typeof url !== "string" || !url) return null;
    if (!/^https?:\/\//i.test(url.trim())) return null;
    try {
      var parsed = new URL(url.trim());
      if (parsed.protocol === "http:" || parsed.protocol === "https:") return parsed.href;
    } catch (err) {
      /* not a URL */
    }
    return null;
  }
  function link(url, text) {
    var href = safeHref(url);
    if (!href) return el("span", "kg-nolink", text || "");
    var a = el("a", null, text || href);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }
  function domain(url) {
    var href = safeHref(url);
    if (!href) return "";
    try {
      return new URL(href).hostname.replace(/^www\./, "");
    } catch (err) {
      return "";
    }
  }
  function fmt(n) {
    // toLocaleString is slow enough to matter 10,000 times at start-up
    var s = String(Math.round(Number(n) || 0));
    return s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }
  function quickDomain(url) {
    var m = /^https?:\/\/(?:[^@\/?#]*@)?([^\/?#:]+)/i.exec(url || "");
    return m ? m[1].toLowerCase().replace(/^www\./, "") : "";
  }
  function norm(s) {
    s = String(s || "");
    try {
      s = s.normalize("NFKC");
    } catch (err) {
      /* old engines */
    }
    return s.toLowerCase().replace(/\s+/g, " ").trim();
  }
  function clip(s, n) {
    s = String(s || "");
    return s.length > n ? s.slice(0, n - 1) + "\u2026" : s;
  }

  // --------------------------------------------------------------- data maps
  var nodeById = Object.create(null);
  var edgeById = Object.create(null);
  var adjacency = Object.create(null);
  var relInfo = Object.create(null);
  var typeInfo = Object.create(null);
  TYPES.forEach(function (t) {
    typeInfo[t.name] = t;
  });
  RELATIONS.forEach(function (r, i) {
    r.order = i;
    relInfo[r.name] = r;
  });
  function relOf(name) {
    return relInfo[name] || { name: name, color: "#8a8a8a", directed: true, order: 999 };
  }
  function nodeName(id) {
    var n = nodeById[id];
    return n ? n.name : String(id);
  }
  function fullName(n) {
    return n.name_zh ? n.name + " / " + n.name_zh : n.name;
  }
  function attCount(edge) {
    if (edge.relation !== CO) return edge.atts.length + (edge.more || 0);
    var total = 0;
    edge.atts.forEach(function (a) {
      total += a.count || 1;
    });
    return total;
  }

  var large = NODES.length > 300 || EDGES.length > 1500;
  var ARROW_SCALE = 0.35;

  var visNodes = NODES.map(function (n) {
    nodeById[n.id] = n;
    adjacency[n.id] = [];
    var label = n.name_zh ? clip(n.name, 40) + "\n" + clip(n.name_zh, 30) : clip(n.name, 40);
    var tip = fullName(n) + "\n" + n.type + " \u00b7 " + fmt(n.mentions) + " mentions";
    if (n.aliases && n.aliases.length) tip += "\naka " + clip(n.aliases.slice(0, 6).join(", "), 120);
    var item = { id: n.id, label: label, title: tip, group: n.type, size: n.size || 12 };
    if (typeof n.x === "number" && typeof n.y === "number") {
      item.x = n.x;
      item.y = n.y;
    }
    return item;
  });

  // parallel drawn edges between one pair are curved apart
  var pairSeen = Object.create(null);
  var visEdges = EDGES.map(function (e) {
    edgeById[e.id] = e;
    if (!Array.isArray(e.atts)) e.atts = [];
    if (!Array.isArray(e.dates)) e.dates = [];
    if (adjacency[e.from]) adjacency[e.from].push(e.id);
    if (adjacency[e.to] && e.to !== e.from) adjacency[e.to].push(e.id);
    var rel = relOf(e.relation);
    var co = e.relation === CO;
    var n = attCount(e);
    var first = e.dates[0] || "";
    var last = e.dates[e.dates.length - 1] || "";
    var latest = e.atts[e.atts.length - 1] || {};
    var src = latest.url || "";
    if (!src && latest.refs && latest.refs.length) src = latest.refs[0].url || "";
    var tip =
      e.relation + (n > 1 ? " \u00d7" + fmt(n) : "") + "\n" +
      nodeName(e.from) + (rel.directed ? " \u2192 " : " \u2014 ") + nodeName(e.to) + "\n" +
      (first ? (first === last ? first : first + " \u2013 " + last) : "undated");
    if (src || latest.title) {
      tip += "\nsource: " + quickDomain(src) + (latest.title ? (src ? " \u2014 " : "") + clip(latest.title, 90) : "");
    }
    var item = {
      id: e.id,
      from: e.from,
      to: e.to,
      label: n > 1 ? e.relation + " \u00d7" + n : e.relation,
      title: tip,
      color: rel.color,
      width: co ? 0.5 : 1.2 + Math.min(3, Math.log(n) / Math.LN2),
    };
    if (!rel.directed) item.arrows = { to: { enabled: false } };
    // only reported, planned or denied: not a stated fact, drawn dashed
    if (!co && e.atts.length && e.atts.every(function (a) { return a.status; })) item.dashes = true;
    if (co) item.font = { size: 8, color: "#9a9a9a" };
    var key = e.from < e.to ? e.from + "\u0000" + e.to : e.to + "\u0000" + e.from;
    var k = pairSeen[key] || 0;
    pairSeen[key] = k + 1;
    if (k > 0 && e.from !== e.to) {
      var cw = k % 2 === 1;
      if (e.from > e.to) cw = !cw; // curvedCW is relative to the edge direction
      item.smooth = { enabled: true, type: cw ? "curvedCW" : "curvedCCW", roundness: 0.2 * Math.ceil(k / 2) };
    }
    return item;
  });

  // ---------------------------------------------------------------- filters
  var typeOn = Object.create(null);
  var relOn = Object.create(null);
  TYPES.forEach(function (t) {
    typeOn[t.name] = true;
  });
  RELATIONS.forEach(function (r) {
    relOn[r.name] = r.name !== CO; // co-mentions: one click away, not drawn by default
  });
  var nodePass = Object.create(null);
  var edgePass = Object.create(null);
  var dateFrom = DATA.date_min || "";
  var dateTo = DATA.date_max || "";
  var hideIsolated = false;

  function dateActive() {
    return (DATA.date_min && dateFrom && dateFrom > DATA.date_min) ||
      (DATA.date_max && dateTo && dateTo < DATA.date_max) ||
      (dateFrom && dateTo && dateFrom > dateTo);
  }
  function datePass(e, active) {
    if (!active) return true;
    var ds = e.dates;
    for (var i = 0; i < ds.length; i++) {
      if ((!dateFrom || ds[i] >= dateFrom) && (!dateTo || ds[i] <= dateTo)) return true;
    }
    return false; // undated edges are hidden once the range is narrowed
  }

  var nodesSet, edgesSet, nodesView, edgesView, network;
  var arrowsOn = true;
  var viewChanged = function () {}; // set in start() for big graphs

  // ------------------------------------------------------------------ views
  // overview: the top members of each community (a community expanded shows all of its members);
  // focus: an entity's neighbourhood (1 or 2 hops over the relations and dates that pass the filters), laid out
  // in rings around it; path: the shortest typed path between two entities, laid out in a row.
  var COMMUNITIES = Array.isArray(DATA.communities) ? DATA.communities : [];
  var VIEW = DATA.view && typeof DATA.view === "object" ? DATA.view : {};
  var topPerCommunity = Number(VIEW.top) || 0;
  var expanded = Object.create(null);
  var minMentions = Number(VIEW.min_mentions) || 0;
  var minConfidence = Number(VIEW.min_confidence) || 0;
  var MAX_SECOND_HOP = 150;
  var view = { mode: "overview", center: null, hops: 1, from: null, to: null, trail: [], path: null, dist: null, order: [] };
  var inView = null; // focus / path: the entities of the view
  var pathEdge = null; // path: the drawn edges of the path
  var hidden = { noise: 0, collapsed: 0, cut: 0 };

  function noisy(n) {
    return (n.mentions || 0) < minMentions || (typeof n.confidence === "number" && n.confidence < minConfidence);
  }

  // breadth-first over the edges that pass: {dist, parent, order}
  function neighbourhood(center, hops, edgeOk, basePass) {
    var dist = Object.create(null), parent = Object.create(null), order = [center];
    dist[center] = 0;
    var frontier = [center];
    hidden.cut = 0;
    for (var h = 1; h <= hops && frontier.length; h++) {
      var next = [];
      for (var i = 0; i < frontier.length; i++) {
        var ids = adjacency[frontier[i]] || [];
        for (var k = 0; k < ids.length; k++) {
          if (!edgeOk[ids[k]]) continue;
          var e = edgeById[ids[k]];
          var other = e.from === frontier[i] ? e.to : e.from;
          if (dist[other] !== undefined || !basePass[other]) continue;
          dist[other] = h;
          parent[other] = frontier[i];
          next.push(other);
        }
      }
      next.sort(bySizeDesc);
      if (h > 1 && next.length > MAX_SECOND_HOP) {
        next.slice(MAX_SECOND_HOP).forEach(function (id) {
          delete dist[id];
        });
        hidden.cut = next.length - MAX_SECOND_HOP;
        next = next.slice(0, MAX_SECOND_HOP);
      }
      order = order.concat(next);
      frontier = next;
    }
    return { dist: dist, parent: parent, order: order };
  }
  function bySizeDesc(a, b) {
    return (nodeById[b].size || 0) - (nodeById[a].size || 0) || (nodeById[b].mentions || 0) - (nodeById[a].mentions || 0) || (a < b ? -1 : 1);
  }

  // the shortest path over typed relations (co-mentions never), each step's drawn edges
  function shortestPath(a, b, edgeOk, basePass) {
    if (!nodeById[a] || !nodeById[b]) return null;
    var parent = Object.create(null);
    parent[a] = null;
    var queue = [a];
    for (var q = 0; q < queue.length && parent[b] === undefined; q++) {
      var id = queue[q];
      var ids = (adjacency[id] || []).slice().sort(function (x, y) {
        return bySizeDesc(otherEnd(x, id), otherEnd(y, id));
      });
      for (var k = 0; k < ids.length; k++) {
        var e = edgeById[ids[k]];
        if (e.relation === CO || !edgeOk[ids[k]]) continue;
        var other = e.from === id ? e.to : e.from;
        if (parent[other] !== undefined || (!basePass[other] && other !== b)) continue;
        parent[other] = id;
        queue.push(other);
      }
    }
    if (parent[b] === undefined) return null;
    var nodes = [b];
    while (parent[nodes[0]] !== null) nodes.unshift(parent[nodes[0]]);
    var steps = [];
    for (var i = 0; i + 1 < nodes.length; i++) {
      var u = nodes[i], v = nodes[i + 1];
      steps.push((adjacency[u] || []).filter(function (eid) {
        var o = edgeById[eid];
        return o.relation !== CO && edgeOk[eid] && ((o.from === u && o.to === v) || (o.from === v && o.to === u));
      }));
    }
    return { nodes: nodes, steps: steps };
  }
  function otherEnd(eid, id) {
    var e = edgeById[eid];
    return e.from === id ? e.to : e.from;
  }

  function computeFilters() {
    var changedNodes = false;
    var changedEdges = false;
    var active = dateActive();
    var typePass = Object.create(null);
    var degree = Object.create(null);
    var baseEdge = Object.create(null);
    var i, n, e, ok;
    hidden.noise = 0;
    hidden.collapsed = 0;
    for (i = 0; i < NODES.length; i++) {
      n = NODES[i];
      // with a date range, an entity is shown when it was named inside it (first seen by its end, last
      // seen from its start)
      ok = typeOn[n.type] !== false &&
        (!active || (!!n.first_date && n.first_date <= dateTo && (!n.last_date || n.last_date >= dateFrom)));
      if (ok && noisy(n)) {
        hidden.noise++;
        ok = false;
      }
      typePass[n.id] = ok;
      degree[n.id] = 0;
    }
    for (i = 0; i < EDGES.length; i++) {
      e = EDGES[i];
      baseEdge[e.id] = relOn[e.relation] === true && datePass(e, active);
    }
    inView = null;
    pathEdge = null;
    if (view.mode === "focus") {
      var nb = neighbourhood(view.center, view.hops, baseEdge, typePass);
      view.dist = nb.dist;
      view.parent = nb.parent;
      view.order = nb.order;
      inView = nb.dist;
    } else if (view.mode === "path") {
      view.path = shortestPath(view.from, view.to, baseEdge, typePass);
      inView = Object.create(null);
      pathEdge = Object.create(null);
      inView[view.from] = inView[view.to] = true;
      if (view.path) {
        view.path.nodes.forEach(function (id) {
          inView[id] = true;
        });
        view.path.steps.forEach(function (ids) {
          ids.forEach(function (eid) {
            pathEdge[eid] = true;
          });
        });
      }
    }
    var show = Object.create(null);
    for (i = 0; i < NODES.length; i++) {
      n = NODES[i];
      if (inView) ok = inView[n.id] !== undefined;
      else {
        ok = typePass[n.id];
        if (ok && topPerCommunity && !expanded[n.c || 0] && (n.cr || 0) >= topPerCommunity) {
          hidden.collapsed++;
          ok = false;
        }
      }
      show[n.id] = ok;
    }
    var shownEdges = 0;
    for (i = 0; i < EDGES.length; i++) {
      e = EDGES[i];
      ok = !!(baseEdge[e.id] && show[e.from] && show[e.to] && (!pathEdge || pathEdge[e.id]));
      if (edgePass[e.id] !== ok) changedEdges = true;
      edgePass[e.id] = ok;
      if (ok) {
        shownEdges++;
        degree[e.from]++;
        degree[e.to]++;
      }
    }
    var shownNodes = 0;
    for (i = 0; i < NODES.length; i++) {
      n = NODES[i];
      ok = !!(show[n.id] && (inView || !hideIsolated || degree[n.id] > 0));
      if (nodePass[n.id] !== ok) changedNodes = true;
      nodePass[n.id] = ok;
      if (ok) shownNodes++;
    }
    return { nodes: shownNodes, edges: shownEdges, changedNodes: changedNodes, changedEdges: changedEdges };
  }

  function applyFilters() {
    var t0 = performance.now();
    var counts = computeFilters();
    // Each DataView refresh that changes something makes vis redraw the whole
    // network synchronously (~100 ms at 10,000 edges).  Refresh only the views
    // whose content changed, and hold vis's redraw flag (the one it uses itself
    // in setData) so that the two refreshes cost a single redraw.
    if (nodesView) {
      var renderer = network && network.renderer;
      var hold = renderer && renderer.allowRedraw === true;
      if (hold) renderer.allowRedraw = false;
      try {
        placeView();
        if (counts.changedEdges) edgesView.refresh();
        if (counts.changedNodes) nodesView.refresh();
      } finally {
        if (hold) {
          renderer.allowRedraw = true;
          network.redraw();
        }
      }
    }
    api.lastFilterMs = performance.now() - t0;
    var visible = $("kg-visible");
    if (visible) {
      visible.textContent =
        "Visible: " + fmt(counts.nodes) + " of " + fmt(NODES.length) + " entities, " +
        fmt(counts.edges) + " of " + fmt(EDGES.length) + " links";
    }
    var noise = $("kg-noise-count");
    if (noise) {
      noise.textContent = fmt(hidden.noise) + " entit" + (hidden.noise === 1 ? "y" : "ies") + " hidden below the thresholds" +
        (hidden.collapsed ? "; " + fmt(hidden.collapsed) + " more in collapsed communities" : "");
    }
    renderCrumbs();
    renderCommunities();
    return counts;
  }
  api.applyFilters = applyFilters;
  api.isNodeVisible = function (id) {
    return nodePass[id] === true;
  };
  api.isEdgeVisible = function (id) {
    return edgePass[id] === true;
  };
  api.visibleEdgeIds = function () {
    return edgesView ? edgesView.getIds() : [];
  };
  api.visibleNodeIds = function () {
    return nodesView ? nodesView.getIds() : [];
  };

  // positions of the view: the precomputed layout (overview), rings around the entity (focus), a row (path)
  var homePos = Object.create(null);
  NODES.forEach(function (n) {
    homePos[n.id] = { x: typeof n.x === "number" ? n.x : 0, y: typeof n.y === "number" ? n.y : 0 };
  });
  var moved = Object.create(null);
  var viewPos = null;
  var RING_GAP = 190, RING_SPACING = 120;
  function focusLayout() {
    var c = homePos[view.center] || { x: 0, y: 0 };
    var pos = Object.create(null), angle = Object.create(null);
    pos[view.center] = { x: c.x, y: c.y };
    var radius = 0;
    for (var h = 1; h <= view.hops; h++) {
      var ids = view.order.filter(function (id) {
        return view.dist[id] === h;
      });
      if (h > 1) {
        // the second ring follows the first: each entity near the one it hangs from
        ids.sort(function (a, b) {
          return angle[view.parent[a]] - angle[view.parent[b]] || bySizeDesc(a, b);
        });
      }
      var k = 0;
      while (k < ids.length) {
        radius += RING_GAP;
        var cap = Math.max(6, Math.floor((2 * Math.PI * radius) / RING_SPACING));
        var ring = ids.slice(k, k + cap);
        var offset = h === 1 ? -Math.PI / 2 : -Math.PI / 2 + Math.PI / Math.max(ring.length, 1);
        ring.forEach(function (id, j) {
          var a = offset + (2 * Math.PI * j) / ring.length;
          angle[id] = ((a % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
          pos[id] = { x: c.x + radius * Math.cos(a), y: c.y + radius * Math.sin(a) };
        });
        k += cap;
      }
    }
    return { pos: pos, center: { x: c.x, y: c.y }, radius: radius };
  }
  function pathLayout() {
    var ids = view.path ? view.path.nodes : [view.from, view.to];
    var c = homePos[ids[0]] || { x: 0, y: 0 };
    var pos = Object.create(null), step = 260;
    ids.forEach(function (id, i) {
      pos[id] = { x: c.x + i * step, y: c.y };
    });
    return { pos: pos, center: { x: c.x + ((ids.length - 1) * step) / 2, y: c.y }, radius: ((ids.length - 1) * step) / 2 + 60 };
  }
  function placeView() {
    if (!nodesSet) return;
    var updates = [];
    var target = view.mode === "focus" ? focusLayout() : view.mode === "path" ? pathLayout() : null;
    viewPos = target;
    var pos = target ? target.pos : Object.create(null);
    Object.keys(moved).forEach(function (id) {
      if (!pos[id]) {
        updates.push({ id: id, x: homePos[id].x, y: homePos[id].y });
        delete moved[id];
      }
    });
    Object.keys(pos).forEach(function (id) {
      updates.push({ id: id, x: pos[id].x, y: pos[id].y });
      moved[id] = true;
    });
    if (updates.length) nodesSet.update(updates);
  }
  function frameView() {
    if (!network || !viewPos) return;
    var c = network.body.container;
    var w = c.clientWidth || 800, h = c.clientHeight || 600;
    var r = Math.max(viewPos.radius + 90, 200);
    var scale = Math.min(1.4, Math.min(w / (2 * r), h / (2 * r)));
    network.moveTo({ position: viewPos.center, scale: scale, animation: false });
    viewChanged();
  }

  function focusOn(id, hops, keepTrail) {
    if (!nodeById[id]) return;
    var t0 = performance.now();
    if (view.mode === "focus" && view.center !== id && !keepTrail) view.trail.push(view.center);
    if (view.mode !== "focus") view.trail = [];
    view.mode = "focus";
    view.center = id;
    if (hops) view.hops = hops === 2 ? 2 : 1;
    var renderer = network && network.renderer;
    var hold = renderer && renderer.allowRedraw === true;
    if (hold) renderer.allowRedraw = false;
    try {
      applyFilters();
      if (network) {
        network.selectNodes([id]);
        frameView();
      }
    } finally {
      if (hold) renderer.allowRedraw = true;
    }
    if (network) network.redraw();
    api.lastFocusMs = performance.now() - t0;
  }
  function showOverview() {
    view.mode = "overview";
    view.center = null;
    view.trail = [];
    applyFilters();
    if (network) {
      network.unselectAll();
      network.fit({ animation: false });
      viewChanged();
      network.redraw();
    }
  }
  function showPathView(a, b) {
    var t0 = performance.now();
    if (!nodeById[a] || !nodeById[b]) return null;
    view.mode = "path";
    view.from = a;
    view.to = b;
    view.trail = [];
    applyFilters();
    if (network) {
      network.selectNodes([a, b].filter(function (id) {
        return nodePass[id];
      }));
      frameView();
      network.redraw();
    }
    showPathPanel();
    api.lastPathMs = performance.now() - t0;
    return view.path ? view.path.nodes.slice() : null;
  }
  api.focus = focusOn;
  api.overview = showOverview;
  api.path = showPathView;
  api.view = function () {
    return {
      mode: view.mode,
      center: view.center,
      hops: view.hops,
      trail: view.trail.slice(),
      path: view.mode === "path" && view.path ? view.path.nodes.slice() : null,
      hidden: { noise: hidden.noise, collapsed: hidden.collapsed, cut: hidden.cut },
    };
  };

  // breadcrumb: Overview > earlier focused entities > the current view
  function crumb(text, onClick) {
    var b = el("button", "kg-crumb", text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }
  function renderCrumbs() {
    var bar = $("kg-crumbs");
    if (!bar) return;
    while (bar.firstChild) bar.removeChild(bar.firstChild);
    if (view.mode === "overview") {
      bar.appendChild(el("span", "kg-crumb-here", "Overview"));
      var nc = COMMUNITIES.filter(function (c) {
        return c.shown;
      }).length;
      if (nc) bar.appendChild(el("span", "kg-muted", " \u00b7 " + nc + " communit" + (nc === 1 ? "y" : "ies") + " \u00b7 click an entity to focus on it"));
      return;
    }
    bar.appendChild(crumb("Overview", showOverview));
    var sep = function () {
      bar.appendChild(el("span", "kg-crumb-sep", "\u203a"));
    };
    if (view.mode === "focus") {
      view.trail.slice(-4).forEach(function (id) {
        sep();
        bar.appendChild(crumb(clip(nodeName(id), 24), function () {
          var at = view.trail.lastIndexOf(id);
          view.trail = view.trail.slice(0, at);
          focusOn(id, 0, true);
          showNode(id);
        }));
      });
      sep();
      bar.appendChild(el("span", "kg-crumb-here", clip(nodeName(view.center), 30)));
      var hops = el("select");
      hops.id = "kg-hops";
      hops.setAttribute("aria-label", "Hops around the entity");
      [1, 2].forEach(function (h) {
        var o = el("option", null, h + (h === 1 ? " hop" : " hops"));
        o.value = String(h);
        if (h === view.hops) o.selected = true;
        hops.appendChild(o);
      });
      hops.addEventListener("change", function () {
        focusOn(view.center, Number(hops.value), true);
      });
      bar.appendChild(hops);
      var nn = view.order.length - 1;
      bar.appendChild(el("span", "kg-muted", fmt(nn) + " linked" + (hidden.cut ? " (+" + fmt(hidden.cut) + " smaller not shown)" : "")));
    } else {
      sep();
      var text = "path " + clip(nodeName(view.from), 24) + " \u2192 " + clip(nodeName(view.to), 24);
      bar.appendChild(el("span", "kg-crumb-here", text));
      bar.appendChild(el("span", "kg-muted", view.path ? (view.path.nodes.length - 1) + " step" + (view.path.nodes.length === 2 ? "" : "s") : "no typed path with the current filters"));
    }
  }

  // communities: name (top members), members on the page, expand
  function renderCommunities() {
    var box = $("kg-communities-list");
    if (!box || box.getAttribute("data-built")) {
      if (box) {
        COMMUNITIES.forEach(function (c) {
          var b = box.querySelector('input[data-community="' + c.id + '"]');
          if (b) b.checked = !!expanded[c.id];
        });
      }
      return;
    }
    box.setAttribute("data-built", "1");
    COMMUNITIES.forEach(function (c) {
      if (!c.shown) return;
      var row = el("div", "kg-community");
      row.setAttribute("data-community-row", String(c.id));
      var sw = el("span", "kg-swatch kg-dot");
      sw.style.backgroundColor = c.color;
      var name = el("button", "kg-community-name", c.name);
      name.type = "button";
      name.title = "Show this community";
      name.addEventListener("click", function () {
        showCommunity(c.id);
      });
      var label = el("label", "kg-expand");
      var box2 = el("input");
      box2.type = "checkbox";
      box2.setAttribute("data-community", String(c.id));
      box2.title = "Show all of its entities";
      box2.addEventListener("change", function () {
        expanded[c.id] = box2.checked;
        applyFilters();
      });
      label.appendChild(box2);
      label.appendChild(el("span", "kg-count", fmt(c.shown)));
      row.appendChild(sw);
      row.appendChild(name);
      if (topPerCommunity && c.shown > topPerCommunity) row.appendChild(label);
      else row.appendChild(el("span", "kg-count", fmt(c.shown)));
      box.appendChild(row);
    });
  }
  function showCommunity(cid) {
    expanded[cid] = true;
    if (view.mode !== "overview") {
      view.mode = "overview";
      view.trail = [];
    }
    applyFilters();
    if (!network) return;
    var ids = NODES.filter(function (n) {
      return (n.c || 0) === cid && nodePass[n.id];
    }).map(function (n) {
      return n.id;
    });
    network.unselectAll();
    if (ids.length) network.fit({ nodes: ids, animation: false });
    viewChanged();
    network.redraw();
  }
  api.expandCommunity = function (cid, on) {
    expanded[cid] = on !== false;
    applyFilters();
  };
  api.showCommunity = showCommunity;
  api.setThresholds = function (mentions, confidence) {
    minMentions = Number(mentions) || 0;
    minConfidence = Number(confidence) || 0;
    $("kg-min-mentions").value = String(minMentions);
    $("kg-min-confidence").value = String(minConfidence);
    return applyFilters();
  };

  function buildControls() {
    var typesBox = $("kg-types");
    TYPES.forEach(function (t) {
      var label = el("label", "kg-check");
      var box = el("input");
      box.type = "checkbox";
      box.checked = true;
      box.value = t.name;
      box.setAttribute("data-type", t.name);
      box.addEventListener("change", function () {
        typeOn[t.name] = box.checked;
        applyFilters();
      });
      var sw = el("span", "kg-swatch kg-dot");
      sw.style.backgroundColor = t.color;
      label.appendChild(box);
      label.appendChild(sw);
      label.appendChild(el("span", null, t.name));
      label.appendChild(el("span", "kg-count", fmt(t.count)));
      typesBox.appendChild(label);
    });
    var relBox = $("kg-relations");
    RELATIONS.forEach(function (r) {
      var label = el("label", "kg-check");
      var box = el("input");
      box.type = "checkbox";
      box.checked = relOn[r.name] === true;
      box.value = r.name;
      box.setAttribute("data-relation", r.name);
      box.addEventListener("change", function () {
        relOn[r.name] = box.checked;
        applyFilters();
      });
      var sw = el("span", "kg-swatch kg-line" + (r.name === CO ? " kg-thin" : ""));
      sw.style.backgroundColor = r.color;
      label.appendChild(box);
      label.appendChild(sw);
      label.appendChild(el("span", null, r.name));
      label.appendChild(el("span", "kg-count", fmt(r.count)));
      relBox.appendChild(label);
    });

    var from = $("kg-date-from");
    var to = $("kg-date-to");
    if (DATA.date_min && DATA.date_max) {
      [from, to].forEach(function (input) {
        input.min = DATA.date_min;
        input.max = DATA.date_max;
      });
      from.value = DATA.date_min;
      to.value = DATA.date_max;
    } else {
      from.disabled = true;
      to.disabled = true;
      $("kg-date-reset").disabled = true;
    }
    function onDate(ev) {
      dateFrom = from.value || DATA.date_min || "";
      dateTo = to.value || DATA.date_max || "";
      if (ev && timeline.on) timelineOff(); // a date typed in replaces the timeline's range
      applyFilters();
    }
    from.addEventListener("change", onDate);
    to.addEventListener("change", onDate);
    from.addEventListener("input", onDate);
    to.addEventListener("input", onDate);
    $("kg-date-reset").addEventListener("click", function () {
      from.value = DATA.date_min || "";
      to.value = DATA.date_max || "";
      if (timeline.on) timelineOff();
      onDate();
    });
    buildTimeline();
    var mm = $("kg-min-mentions"), mc = $("kg-min-confidence");
    mm.value = String(minMentions);
    mc.value = String(minConfidence);
    mm.addEventListener("input", function () {
      minMentions = Math.max(0, Number(mm.value) || 0);
      applyFilters();
    });
    mc.addEventListener("input", function () {
      minConfidence = Math.max(0, Number(mc.value) || 0);
      applyFilters();
    });
    $("kg-path-go").addEventListener("click", function () {
      var a = findMatches($("kg-path-from").value)[0], b = findMatches($("kg-path-to").value)[0];
      var status = $("kg-path-status");
      if (!a || !b) {
        status.textContent = "No entity matches \u201c" + (!a ? $("kg-path-from").value : $("kg-path-to").value) + "\u201d.";
        return;
      }
      status.textContent = "";
      showPathView(a, b);
    });
    $("kg-hide-isolated").addEventListener("change", function (ev) {
      hideIsolated = ev.target.checked;
      applyFilters();
    });
    $("kg-physics").addEventListener("change", function (ev) {
      if (!network) return;
      network.setOptions({ physics: { enabled: ev.target.checked, stabilization: { enabled: false } } });
    });
    $("kg-fit").addEventListener("click", function () {
      if (!network) return;
      network.fit({ animation: large ? false : { duration: 300 } });
      viewChanged();
    });

    // search
    var list = $("kg-names");
    var seen = Object.create(null);
    var frag = document.createDocumentFragment();
    NODES.forEach(function (n) {
      [n.name, n.name_zh].forEach(function (v) {
        if (v && !seen[v]) {
          seen[v] = 1;
          var opt = el("option");
          opt.value = v;
          frag.appendChild(opt);
        }
      });
    });
    list.appendChild(frag);
    var input = $("kg-search");
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        ev.preventDefault();
        search(input.value);
      }
    });
    // Enter searches (again: next match); "change" (also fired by Enter) and
    // picking a datalist suggestion search only for a new query
    var searchIfNew = function () {
      if (norm(input.value) !== lastQuery) search(input.value);
    };
    input.addEventListener("change", searchIfNew);
    input.addEventListener("input", function (ev) {
      if (!ev.inputType || ev.inputType === "insertReplacementText") searchIfNew();
    });
  }


  // ---------------------------------------------------------------- timeline
  // Steps are days when the dates span at most ~3 months, months otherwise. "graph as of" shows what was
  // known by the step's end (everything from the first date); "window ending" shows the step's window (7 days
  // for day steps, the month for month steps). Entities first seen in the step's period are highlighted.
  var timeline = { on: false, mode: "asof", index: 0, steps: [], timer: null, newIds: Object.create(null) };
  var DAY = 86400000;
  function isoDay(ms) {
    return new Date(ms).toISOString().slice(0, 10);
  }
  function dayMs(iso) {
    return Date.parse(iso + "T00:00:00Z");
  }
  function timelineSteps() {
    var steps = [];
    if (!DATA.date_min || !DATA.date_max) return steps;
    var lo = dayMs(DATA.date_min), hi = dayMs(DATA.date_max);
    if (!(lo <= hi)) return steps;
    if ((hi - lo) / DAY <= 92) {
      for (var t = lo; t <= hi; t += DAY) {
        steps.push({ label: isoDay(t), start: isoDay(t), end: isoDay(t), windowStart: isoDay(Math.max(lo, t - 6 * DAY)) });
      }
      return steps;
    }
    var y = Number(DATA.date_min.slice(0, 4)), m = Number(DATA.date_min.slice(5, 7)) - 1;
    var lastKey = DATA.date_max.slice(0, 7);
    for (;;) {
      var first = new Date(Date.UTC(y, m, 1)).getTime();
      var last = new Date(Date.UTC(y, m + 1, 1)).getTime() - DAY;
      var key = isoDay(first).slice(0, 7);
      steps.push({ label: key, start: isoDay(first), end: isoDay(last), windowStart: isoDay(first) });
      if (key >= lastKey) break;
      m += 1;
      if (m === 12) {
        m = 0;
        y += 1;
      }
    }
    return steps;
  }
  function buildTimeline() {
    timeline.steps = timelineSteps();
    var slider = $("kg-time");
    var n = timeline.steps.length;
    if (!n) {
      ["kg-time", "kg-play", "kg-time-mode", "kg-time-on"].forEach(function (id) {
        $(id).disabled = true;
      });
      $("kg-time-label").textContent = "no dates";
      return;
    }
    slider.max = String(n - 1);
    slider.value = String(n - 1);
    timeline.index = n - 1;
    slider.addEventListener("input", function () {
      setTimeline(Number(slider.value));
    });
    $("kg-time-mode").addEventListener("change", function (ev) {
      timeline.mode = ev.target.value === "window" ? "window" : "asof";
      setTimeline(timeline.index);
    });
    $("kg-time-on").addEventListener("change", function (ev) {
      if (ev.target.checked) setTimeline(timeline.index);
      else $("kg-date-reset").click(); // all dates again
    });
    $("kg-play").addEventListener("click", function () {
      if (timeline.timer) stopTimeline();
      else playTimeline();
    });
  }
  function setTimeline(index) {
    var steps = timeline.steps;
    if (!steps.length) return;
    index = Math.max(0, Math.min(steps.length - 1, Math.round(Number(index) || 0)));
    timeline.index = index;
    timeline.on = true;
    var step = steps[index];
    var from = timeline.mode === "window" ? step.windowStart : DATA.date_min;
    // the new entities: first seen in this step (as of) or in the window
    var newFrom = timeline.mode === "window" ? step.windowStart : step.start;
    timeline.newIds = Object.create(null);
    var fresh = 0;
    NODES.forEach(function (n) {
      if (n.first_date && n.first_date >= newFrom && n.first_date <= step.end) {
        timeline.newIds[n.id] = true;
        fresh++;
      }
    });
    $("kg-time").value = String(index);
    $("kg-time-on").checked = true;
    $("kg-date-from").value = from;
    $("kg-date-to").value = step.end;
    dateFrom = from;
    dateTo = step.end;
    var counts = applyFilters();
    $("kg-time-label").textContent =
      (timeline.mode === "window" ? from + " \u2013 " + step.end : "as of " + step.end) + ": " +
      fmt(counts.nodes) + " entities, " + fmt(fresh) + " new";
    document.body.setAttribute("data-kg-timeline", step.end);
    if (network) network.redraw();
  }
  function timelineOff() {
    stopTimeline();
    timeline.on = false;
    timeline.newIds = Object.create(null);
    $("kg-time-on").checked = false;
    $("kg-time-label").textContent = "all dates";
    document.body.removeAttribute("data-kg-timeline");
    if (network) network.redraw();
  }
  function playTimeline() {
    if (!timeline.steps.length) return;
    if (!timeline.on || timeline.index >= timeline.steps.length - 1) setTimeline(0);
    $("kg-play").textContent = "\u275a\u275a pause";
    timeline.timer = setInterval(function () {
      if (timeline.index >= timeline.steps.length - 1) {
        stopTimeline();
        return;
      }
      setTimeline(timeline.index + 1);
    }, 900);
  }
  function stopTimeline() {
    if (timeline.timer) clearInterval(timeline.timer);
    timeline.timer = null;
    $("kg-play").textContent = "\u25b6 play";
  }
  api.timeline = {
    steps: function () {
      return timeline.steps.slice();
    },
    set: setTimeline,
    off: function () {
      $("kg-date-reset").click();
    },
    mode: function (m) {
      $("kg-time-mode").value = m;
      timeline.mode = m === "window" ? "window" : "asof";
      if (timeline.on) setTimeline(timeline.index);
    },
    play: playTimeline,
    stop: stopTimeline,
    playing: function () {
      return !!timeline.timer;
    },
    index: function () {
      return timeline.index;
    },
    newNodeIds: function () {
      return Object.keys(timeline.newIds).filter(function (id) {
        return nodePass[id] === true;
      });
    },
  };

  // ------------------------------------------------------------------ labels
  // vis-network's own labels are not drawn (they overlap into a grey mat at fit-to-screen). Labels are drawn
  // here after each frame at a readable screen size: the selected entity's label and its 12 biggest
  // neighbours' always, then its other neighbours', then the others biggest first, each of these only where it
  // overlaps no label already placed (the selected one and its neighbours are drawn on top, framed); zoomed in
  // (scale >= 1) every entity in view gets its label.
  var LABEL_PX = 12;
  var NEIGHBOUR_LABELS = 12;
  var LABEL_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans CJK SC', " +
    "'WenQuanYi Zen Hei', 'WenQuanYi Micro Hei', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";
  var bySize = NODES.map(function (n) {
    return n.id;
  }).sort(function (a, b) {
    return (nodeById[b].size || 0) - (nodeById[a].size || 0) || (nodeById[b].mentions || 0) - (nodeById[a].mentions || 0) || (a < b ? -1 : 1);
  });
  var labelLines = Object.create(null);
  NODES.forEach(function (n) {
    labelLines[n.id] = n.name_zh ? [clip(n.name, 40), clip(n.name_zh, 30)] : [clip(n.name, 40)];
  });
  var widthCache = Object.create(null);
  var drawnLabels = [];
  function neighbours(id) {
    var out = [];
    (adjacency[id] || []).forEach(function (eid) {
      if (!edgePass[eid]) return;
      var e = edgeById[eid];
      var other = e.from === id ? e.to : e.from;
      if (nodePass[other] && out.indexOf(other) < 0) out.push(other);
    });
    return out;
  }
  var COMMUNITY_LABEL_SCALE = 0.6;
  function edgeAlpha() {
    if (view.mode !== "overview" || !network) return 1;
    var scale = network.getScale();
    return scale >= 0.6 ? 1 : scale >= 0.3 ? 0.5 : 0.25;
  }
  api.edgeAlpha = edgeAlpha;
  var labelBoxes = [];
  var obstacles = []; // the breadcrumb bar over the canvas: no label under it
  function overlaps(box) {
    var k, o;
    for (k = 0; k < obstacles.length; k++) {
      o = obstacles[k];
      if (box.l < o.r && box.r > o.l && box.t < o.b && box.b > o.t) return true;
    }
    for (k = 0; k < labelBoxes.length; k++) {
      o = labelBoxes[k];
      if (box.l < o.r && box.r > o.l && box.t < o.b && box.b > o.t) return true;
    }
    return false;
  }
  function crumbBoxes() {
    var bar = $("kg-crumbs"), frame = network.canvas.frame.canvas;
    if (!bar || !frame) return [];
    var origin = frame.getBoundingClientRect(), out = [];
    for (var i = 0; i < bar.children.length; i++) {
      var r = bar.children[i].getBoundingClientRect();
      if (r.width) out.push({ l: r.left - origin.left - 2, r: r.right - origin.left + 2, t: r.top - origin.top - 2, b: r.bottom - origin.top + 2 });
    }
    return out;
  }
  function textWidth(ctx, text, px, bold) {
    var key = (bold ? "b" : "") + px + "\u0000" + text;
    if (widthCache[key] === undefined) {
      ctx.font = (bold ? "600 " : "") + px + "px " + LABEL_FONT;
      widthCache[key] = ctx.measureText(text).width;
    }
    return widthCache[key];
  }
  // members of each community shown (overview): hull corners in canvas coordinates
  function communityPoints() {
    var body = network.body, pts = Object.create(null);
    var ids = nodesView.getIds();
    for (var i = 0; i < ids.length; i++) {
      var n = nodeById[ids[i]], node = body.nodes[ids[i]];
      if (!n || !node) continue;
      var c = n.c || 0;
      (pts[c] = pts[c] || []).push([node.x, node.y]);
    }
    return pts;
  }
  function hull(points) {
    var p = points.slice().sort(function (a, b) {
      return a[0] - b[0] || a[1] - b[1];
    });
    if (p.length < 3) return p;
    function cross(o, a, b) {
      return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    }
    var lower = [], upper = [], i;
    for (i = 0; i < p.length; i++) {
      while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p[i]) <= 0) lower.pop();
      lower.push(p[i]);
    }
    for (i = p.length - 1; i >= 0; i--) {
      while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p[i]) <= 0) upper.pop();
      upper.push(p[i]);
    }
    upper.pop();
    lower.pop();
    return lower.concat(upper);
  }
  var hullCache = [];
  function drawHulls(ctx) {
    hullCache = [];
    if (view.mode !== "overview" || COMMUNITIES.length < 2) return;
    var pts = communityPoints();
    var scale = network.getScale();
    ctx.save();
    ctx.lineJoin = "round";
    ctx.lineCap = "round";
    Object.keys(pts).forEach(function (key) {
      var c = COMMUNITIES[Number(key)];
      if (!c || c.loose) return;
      var h = hull(pts[key]);
      var minX = Infinity, maxX = -Infinity, minY = Infinity;
      h.forEach(function (q) {
        minX = Math.min(minX, q[0]);
        maxX = Math.max(maxX, q[0]);
        minY = Math.min(minY, q[1]);
      });
      hullCache.push({ id: c.id, x: (minX + maxX) / 2, y: minY });
      ctx.beginPath();
      h.forEach(function (q, i) {
        if (i) ctx.lineTo(q[0], q[1]);
        else ctx.moveTo(q[0], q[1]);
      });
      ctx.closePath();
      ctx.globalAlpha = 0.16;
      ctx.fillStyle = c.color;
      ctx.strokeStyle = c.color;
      ctx.lineWidth = Math.max(50, 24 / scale); // the hull padded around its members
      ctx.fill();
      ctx.stroke();
    });
    ctx.restore();
  }

  // Labels: every label where it fits, never over another one. Placed in order of importance: the focused or
  // selected entity, the path, the neighbours (biggest first), the communities' names (zoomed out), then
  // everyone else biggest first; a label that does not fit below its entity tries above, right and left.
  function drawLabels(ctx) {
    var began = performance.now();
    var body = network.body;
    var scale = network.getScale();
    var ratio = (network.canvas && network.canvas.pixelRatio) || window.devicePixelRatio || 1;
    var w = network.canvas.frame.canvas.clientWidth, h = network.canvas.frame.canvas.clientHeight;
    var selected = view.mode === "focus" ? view.center : (network.getSelectedNodes() || [])[0];
    var first = [];
    var strong = Object.create(null);
    if (view.mode === "path") {
      (view.path ? view.path.nodes : [view.from, view.to]).forEach(function (id) {
        first.push(id);
        strong[id] = 2;
      });
    } else if (selected && nodePass[selected]) {
      first.push(selected);
      strong[selected] = 2;
      var near = neighbours(selected).sort(bySizeDesc);
      near.forEach(function (id, k) {
        first.push(id);
        strong[id] = k < NEIGHBOUR_LABELS ? 2 : 1;
      });
    }
    labelBoxes = [];
    obstacles = crumbBoxes();
    var todo = [];
    function consider(id) {
      var node = body.nodes[id];
      if (!node || !nodePass[id]) return;
      var p = network.canvasToDOM({ x: node.x, y: node.y });
      var r = (node.options.size || 10) * scale;
      var lines = labelLines[id];
      var bold = !!strong[id];
      var px = bold ? LABEL_PX + 1 : LABEL_PX;
      var width = 0;
      for (var i = 0; i < lines.length; i++) width = Math.max(width, textWidth(ctx, lines[i], px, bold));
      var height = lines.length * px * 1.2 + 2;
      var hw = width / 2 + 2;
      var spots = [
        { l: p.x - hw, r: p.x + hw, t: p.y + r + 1, b: p.y + r + 1 + height },
        { l: p.x - hw, r: p.x + hw, t: p.y - r - 1 - height, b: p.y - r - 1 },
        { l: p.x + r + 2, r: p.x + r + 2 + 2 * hw, t: p.y - height / 2, b: p.y + height / 2 },
        { l: p.x - r - 2 - 2 * hw, r: p.x - r - 2, t: p.y - height / 2, b: p.y + height / 2 },
      ];
      for (var s2 = 0; s2 < spots.length; s2++) {
        var box = spots[s2];
        if (box.r < 0 || box.l > w || box.b < 0 || box.t > h) continue;
        if (overlaps(box)) continue;
        box.id = id;
        labelBoxes.push(box);
        todo.push({ id: id, x: (box.l + box.r) / 2, box: box, lines: lines, px: px });
        return;
      }
    }
    var seen = Object.create(null);
    first.forEach(function (id) {
      seen[id] = true;
      consider(id);
    });
    var names = [];
    if (view.mode === "overview" && scale < COMMUNITY_LABEL_SCALE) {
      hullCache.forEach(function (hc) {
        var c = COMMUNITIES[hc.id];
        var p = network.canvasToDOM({ x: hc.x, y: hc.y });
        var text = clip(c.name, 60);
        var width = textWidth(ctx, text, 14, true);
        var lift = Math.max(25, 12 / scale) * scale + 4; // above the hull's padded edge
        var box = { l: p.x - width / 2 - 4, r: p.x + width / 2 + 4, t: p.y - lift - 20, b: p.y - lift };
        if (box.l < 0 || box.r > w || box.t < 0 || box.b > h || overlaps(box)) return; // whole names only
        box.id = "community:" + c.id;
        labelBoxes.push(box);
        names.push({ text: text, box: box, color: c.color });
      });
    }
    for (var i = 0; i < bySize.length; i++) if (!seen[bySize[i]]) consider(bySize[i]);
    ctx.save();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.lineJoin = "round";
    names.forEach(function (nm) {
      ctx.font = "600 14px " + LABEL_FONT;
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 4;
      ctx.strokeText(nm.text, (nm.box.l + nm.box.r) / 2, nm.box.t + 2);
      ctx.fillStyle = "#333";
      ctx.fillText(nm.text, (nm.box.l + nm.box.r) / 2, nm.box.t + 2);
    });
    for (var j = todo.length - 1; j >= 0; j--) {
      // the first placed (selected, neighbours) are drawn last: on top
      var t = todo[j];
      var level = strong[t.id] || 0;
      if (level) {
        var isSelected = t.id === selected || (view.mode === "path" && (t.id === view.from || t.id === view.to));
        ctx.fillStyle = isSelected ? "#fff6c7" : "rgba(255,255,255,0.92)";
        ctx.strokeStyle = isSelected ? "#c99a00" : "#bbb";
        ctx.lineWidth = 1;
        ctx.fillRect(t.box.l, t.box.t, t.box.r - t.box.l, t.box.b - t.box.t);
        ctx.strokeRect(t.box.l, t.box.t, t.box.r - t.box.l, t.box.b - t.box.t);
      }
      ctx.font = (level ? "600 " : "") + t.px + "px " + LABEL_FONT;
      for (var m = 0; m < t.lines.length; m++) {
        var y = t.box.t + 1 + m * t.px * 1.2;
        if (!level) {
          ctx.strokeStyle = "#ffffff";
          ctx.lineWidth = 3;
          ctx.strokeText(t.lines[m], t.x, y);
        }
        ctx.fillStyle = "#222";
        ctx.fillText(t.lines[m], t.x, y);
      }
    }
    ctx.restore();
    drawnLabels = todo.map(function (t) {
      return t.id;
    });
    api.lastLabelMs = performance.now() - began;
  }
  api.labelBoxes = function () {
    return labelBoxes.map(function (b) {
      return { id: b.id, l: b.l, r: b.r, t: b.t, b: b.b };
    });
  };
  function drawNewHalos(ctx) {
    var ids = Object.keys(timeline.newIds);
    if (!ids.length) return;
    var body = network.body;
    var scale = network.getScale();
    ctx.save();
    ctx.fillStyle = "rgba(255, 190, 0, 0.45)";
    ctx.strokeStyle = "#e0a000";
    ctx.lineWidth = 2 / scale;
    ids.forEach(function (id) {
      var node = body.nodes[id];
      if (!node || !nodePass[id]) return;
      ctx.beginPath();
      ctx.arc(node.x, node.y, (node.options.size || 10) + 7 / scale, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    });
    ctx.restore();
  }
  api.drawnLabels = function () {
    return drawnLabels.slice();
  };

  // ------------------------------------------------------------------ search
  var searchIndex = NODES.map(function (n) {
    var keys = [n.name, n.name_zh, n.id].concat(n.aliases || []);
    return { id: n.id, keys: keys.filter(Boolean).map(norm), mentions: n.mentions || 0 };
  });
  var lastQuery = null;
  var lastMatches = [];
  var lastPick = -1;

  function findMatches(query) {
    var q = norm(query);
    if (!q) return [];
    var hits = [];
    for (var i = 0; i < searchIndex.length; i++) {
      var entry = searchIndex[i];
      var best = 9;
      for (var j = 0; j < entry.keys.length; j++) {
        var key = entry.keys[j];
        if (key === q) best = Math.min(best, 0);
        else if (key.indexOf(q) === 0) best = Math.min(best, 1);
        else if (key.indexOf(q) > 0) best = Math.min(best, 2);
      }
      if (best < 9) hits.push({ id: entry.id, rank: best, mentions: entry.mentions });
    }
    hits.sort(function (a, b) {
      return a.rank - b.rank || b.mentions - a.mentions || (a.id < b.id ? -1 : 1);
    });
    return hits.map(function (h) {
      return h.id;
    });
  }

  function search(query) {
    var status = $("kg-search-status");
    var q = norm(query);
    if (q !== lastQuery) {
      lastQuery = q;
      lastMatches = findMatches(query);
      lastPick = -1;
    }
    if (!lastMatches.length) {
      status.textContent = q ? "No entity matches \u201c" + String(query).trim() + "\u201d." : "";
      return null;
    }
    lastPick = (lastPick + 1) % lastMatches.length;
    var id = lastMatches[lastPick];
    var msg = lastMatches.length === 1 ? "1 match" : "match " + (lastPick + 1) + " of " + lastMatches.length + " (Enter for next)";
    if (!nodePass[id]) msg += " \u2014 hidden by the current filters";
    status.textContent = msg;
    selectNode(id, true, true);
    return id;
  }
  api.search = search;
  api.findMatches = findMatches;

  function clearSearch() {
    var input = $("kg-search");
    if (input) input.value = "";
    var status = $("kg-search-status");
    if (status) status.textContent = "";
    lastQuery = null;
    lastMatches = [];
    lastPick = -1;
  }
  api.clearSearch = clearSearch;

  // fromSearch: the search box chose it (its text stays); any other choice clears the search box.
  // focus: show the entity's neighbourhood (the focus view); otherwise only select it where it is
  function selectNode(id, focus, fromSearch) {
    if (!nodeById[id]) return;
    if (!fromSearch) clearSearch();
    showNode(id); // first: opening the panel narrows the canvas
    api.selectedNode = id;
    if (!network) return;
    if (focus) {
      focusOn(id);
    } else if (nodePass[id]) {
      network.selectNodes([id]);
    }
  }
  api.selectNode = selectNode;

  // ------------------------------------------------------------------- panel
  var panel = $("kg-panel");

  function openPanel(kind) {
    while (panel.firstChild) panel.removeChild(panel.firstChild);
    panel.hidden = false;
    panel.setAttribute("data-kind", kind);
    var close = el("button", "kg-close", "\u00d7");
    close.type = "button";
    close.title = "Close";
    close.setAttribute("aria-label", "Close panel");
    close.addEventListener("click", function () {
      panel.hidden = true;
      syncSize();
      if (network) network.unselectAll();
    });
    panel.appendChild(close);
    panel.scrollTop = 0;
    syncSize();
  }

  // the canvas shares the row with the panel: resize it right away (vis's own
  // ResizeObserver is asynchronous, which would spoil a focus() done now)
  function syncSize() {
    if (network) network.setSize("100%", "100%");
  }

  function entityButton(id) {
    var n = nodeById[id];
    var b = el("button", "kg-entity", n ? fullName(n) : String(id));
    b.type = "button";
    if (n) {
      var sw = el("span", "kg-swatch kg-dot");
      sw.style.backgroundColor = (typeInfo[n.type] || {}).color || "#999";
      b.insertBefore(sw, b.firstChild);
      b.addEventListener("click", function () {
        selectNode(id, true);
      });
    }
    return b;
  }

  function attestationItem(att, edge) {
    var li = el("li", "kg-att");
    var head = el("div", "kg-att-head");
    head.appendChild(el("span", "kg-date", att.date || "undated"));
    if (att.role) head.appendChild(el("span", "kg-role", att.role));
    if (att.status) head.appendChild(el("span", "kg-status", att.status));
    if (edge.relation === CO) head.appendChild(el("span", "kg-count-badge", "co-mentioned in " + fmt(att.count || 1) + " item" + ((att.count || 1) === 1 ? "" : "s")));
    li.appendChild(head);
    if (att.evidence) li.appendChild(el("blockquote", "kg-evidence", att.evidence));
    if (att.url || att.title) {
      var src = el("div", "kg-source");
      src.appendChild(el("span", "kg-muted", "source: "));
      src.appendChild(link(att.url, att.title || att.url));
      var d = domain(att.url);
      if (d) src.appendChild(el("span", "kg-domain", " (" + d + ")"));
      li.appendChild(src);
    }
    if (att.digest) li.appendChild(el("div", "kg-meta kg-listed", "listed in " + att.digest + (att.line ? ", line " + att.line : "")));
    if (att.refs && att.refs.length) {
      var ul = el("ul", "kg-refs");
      att.refs.forEach(function (ref) {
        var r = el("li");
        if (ref.date) r.appendChild(el("span", "kg-date", ref.date));
        r.appendChild(link(ref.url, ref.title || ref.url || ref.item || "item"));
        var dm = domain(ref.url);
        if (dm) r.appendChild(el("span", "kg-domain", " (" + dm + ")"));
        ul.appendChild(r);
      });
      if ((att.count || 0) > att.refs.length) ul.appendChild(el("li", "kg-muted", "\u2026 and " + fmt(att.count - att.refs.length) + " more"));
      li.appendChild(ul);
    }
    var meta = [];
    if (att.extractor) meta.push(att.extractor);
    if (typeof att.confidence === "number") meta.push("confidence " + att.confidence.toFixed(2));
    if (meta.length) li.appendChild(el("div", "kg-meta", meta.join(" \u00b7 ")));
    return li;
  }

  function attestationList(edge, limit) {
    var ul = el("ul", "kg-atts");
    var atts = edge.atts.slice().sort(attOrder); // most confident first, then newest
    var shown = Math.min(atts.length, limit);
    for (var i = 0; i < shown; i++) ul.appendChild(attestationItem(atts[i], edge));
    if (atts.length > shown) {
      var holder = el("li", "kg-more-row");
      var more = el("button", "kg-more", "show " + fmt(atts.length - shown) + " more");
      more.type = "button";
      more.addEventListener("click", function () {
        for (var j = shown; j < atts.length; j++) ul.insertBefore(attestationItem(atts[j], edge), holder);
        ul.removeChild(holder);
      });
      holder.appendChild(more);
      ul.appendChild(holder);
    }
    if (edge.more) {
      // the page keeps the newest statements of an edge; the rest are in graph.ttl
      ul.appendChild(el("li", "kg-more-row", fmt(edge.more) + " earlier statements are in graph.ttl (kg entity / kg query)"));
    }
    return ul;
  }

  function conf(att) {
    return typeof att.confidence === "number" ? att.confidence : 0;
  }
  function attOrder(a, b) {
    return conf(b) - conf(a) || ((b.date || "") < (a.date || "") ? -1 : (b.date || "") > (a.date || "") ? 1 : 0);
  }
  var bestCache = Object.create(null);
  function bestAtt(edge) {
    var best = bestCache[edge.id];
    if (!best) {
      best = edge.atts[0] || {};
      for (var i = 1; i < edge.atts.length; i++) if (attOrder(edge.atts[i], best) < 0) best = edge.atts[i];
      bestCache[edge.id] = best;
    }
    return best;
  }
  // edges: by their most confident statement, then its date, then the number of statements
  function edgeOrder(a, b) {
    return attOrder(bestAtt(a), bestAtt(b)) || attCount(b) - attCount(a);
  }

  function statementLine(edge) {
    var rel = relOf(edge.relation);
    var line = el("div", "kg-statement");
    line.appendChild(entityButton(edge.from));
    var r = el("span", "kg-rel", rel.directed ? edge.relation + " \u2192" : "\u2014 " + edge.relation + " \u2014");
    r.style.borderColor = rel.color;
    line.appendChild(r);
    line.appendChild(entityButton(edge.to));
    if (!edgePass[edge.id]) line.appendChild(el("span", "kg-hidden-note", "hidden by filters"));
    return line;
  }

  function groupByRelation(edgeIds) {
    var groups = Object.create(null);
    edgeIds.forEach(function (eid) {
      var e = edgeById[eid];
      (groups[e.relation] = groups[e.relation] || []).push(e);
    });
    var best = Object.create(null);
    Object.keys(groups).forEach(function (name) {
      best[name] = groups[name].map(bestAtt).sort(attOrder)[0] || {};
    });
    return Object.keys(groups)
      .sort(function (a, b) {
        // co-occurrence last; then the relation whose best statement is the most confident, the newest
        return (a === CO) - (b === CO) || attOrder(best[a], best[b]) || relOf(a).order - relOf(b).order || (a < b ? -1 : 1);
      })
      .map(function (name) {
        return { relation: name, edges: groups[name] };
      });
  }

  function relationSection(group, perEdgeLimit, edgeLimit, focusId) {
    var sec = el("section", "kg-relgroup");
    sec.setAttribute("data-relation", group.relation);
    var total = 0;
    group.edges.forEach(function (e) {
      total += attCount(e);
    });
    var h = el("h4", null, group.relation + " (" + fmt(total) + ")");
    h.style.borderLeftColor = relOf(group.relation).color;
    sec.appendChild(h);
    var edges = group.edges.slice().sort(edgeOrder);
    var render = function (e) {
      var box = el("div", "kg-edge" + (e.id === focusId ? " kg-focus" : ""));
      box.setAttribute("data-edge", e.id);
      box.appendChild(statementLine(e));
      box.appendChild(attestationList(e, perEdgeLimit));
      return box;
    };
    var shown = Math.min(edges.length, edgeLimit);
    for (var i = 0; i < shown; i++) sec.appendChild(render(edges[i]));
    if (edges.length > shown) {
      var more = el("button", "kg-more", "show " + fmt(edges.length - shown) + " more " + group.relation + " links");
      more.type = "button";
      more.addEventListener("click", function () {
        for (var j = shown; j < edges.length; j++) sec.insertBefore(render(edges[j]), more);
        sec.removeChild(more);
      });
      sec.appendChild(more);
    }
    return sec;
  }

  function fact(dl, term, value) {
    if (value === undefined || value === null || value === "") return;
    dl.appendChild(el("dt", null, term));
    var dd = el("dd");
    if (value instanceof Node) dd.appendChild(value);
    else dd.textContent = String(value);
    dl.appendChild(dd);
  }

  var SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      e.setAttribute(k, String(attrs[k]));
    });
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  // items naming the entity per month, every month from its first to its last (empty months as gaps)
  function monthlyChart(n) {
    var counts = Object.create(null);
    n.months.forEach(function (pair) {
      counts[pair[0]] = pair[1];
    });
    var months = [];
    var y = Number(n.months[0][0].slice(0, 4)), m = Number(n.months[0][0].slice(5, 7));
    var last = n.months[n.months.length - 1][0];
    for (var guard = 0; guard < 600; guard++) {
      var key = y + "-" + (m < 10 ? "0" : "") + m;
      months.push(key);
      if (key >= last) break;
      m += 1;
      if (m === 13) {
        m = 1;
        y += 1;
      }
    }
    var max = 1;
    months.forEach(function (k) {
      max = Math.max(max, counts[k] || 0);
    });
    var W = 340, H = 74, top = 12, base = 58;
    var bw = Math.min(W / months.length, 28); // a few months: narrow bars, not one wide block
    var box = el("figure", "kg-chart-box");
    box.style.margin = "0";
    var chart = svg("svg", { class: "kg-chart", width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img" });
    chart.setAttribute("aria-label", "Items naming " + n.name + " per month");
    var nowFrom = timeline.on ? dateFrom.slice(0, 7) : "", nowTo = timeline.on ? dateTo.slice(0, 7) : "";
    months.forEach(function (k, i) {
      var v = counts[k] || 0;
      var h = Math.round((base - top) * v / max);
      var bar = svg("rect", {
        class: "kg-bar" + (nowFrom && k >= nowFrom && k <= nowTo ? " kg-now" : ""),
        x: (i * bw + Math.min(1, bw * 0.15)).toFixed(1), y: base - h,
        width: Math.max(1, bw - Math.min(2, bw * 0.3)).toFixed(1), height: h,
        "data-month": k, "data-count": v,
      });
      bar.appendChild(svg("title", {}, k + ": " + v + " item" + (v === 1 ? "" : "s")));
      chart.appendChild(bar);
    });
    chart.appendChild(svg("line", { x1: 0, x2: W, y1: base + 0.5, y2: base + 0.5, stroke: "#bbb" }));
    chart.appendChild(svg("text", { x: 0, y: H - 3 }, months[0]));
    if (months.length > 1) chart.appendChild(svg("text", { x: Math.max(months.length * bw, 84), y: H - 3, "text-anchor": "end" }, months[months.length - 1]));
    chart.appendChild(svg("text", { x: 0, y: 9 }, "max " + max + " items/month"));
    box.appendChild(el("figcaption", "kg-muted", "Mentions per month"));
    box.appendChild(chart);
    return box;
  }

  function showNode(id) {
    var n = nodeById[id];
    if (!n) return;
    openPanel("node");
    panel.setAttribute("data-id", id);
    var badge = el("span", "kg-type", n.type);
    badge.style.backgroundColor = (typeInfo[n.type] || {}).color || "#999";
    panel.appendChild(badge);
    panel.appendChild(el("h2", "kg-name", n.name));
    if (n.name_zh) {
      var zh = el("div", "kg-name-zh", n.name_zh);
      zh.lang = "zh";
      panel.appendChild(zh);
    }
    if (!nodePass[id]) panel.appendChild(el("p", "kg-hidden-note", "This entity is hidden by the current filters."));
    var dl = el("dl", "kg-facts");
    if (n.aliases && n.aliases.length) fact(dl, "Aliases", n.aliases.join(" \u00b7 "));
    if (n.wikidata && /^Q[1-9][0-9]*$/.test(n.wikidata)) {
      fact(dl, "Wikidata", link("https://www.wikidata.org/wiki/" + n.wikidata, n.wikidata));
    }
    fact(dl, "Mentions", fmt(n.mentions));
    if (n.first_date || n.last_date) fact(dl, "Seen", (n.first_date || "?") + " \u2013 " + (n.last_date || "?"));
    var ex = n.extractor || "";
    if (typeof n.confidence === "number") ex += (ex ? " \u00b7 " : "") + "confidence " + n.confidence.toFixed(2);
    fact(dl, "Extracted by", ex);
    fact(dl, "Id", n.id);
    panel.appendChild(dl);
    if (n.months && n.months.length) panel.appendChild(monthlyChart(n));
    panel.appendChild(pathButtons(id));

    var ids = adjacency[id] || [];
    panel.appendChild(el("h3", null, ids.length ? "Relations" : "No relations"));
    groupByRelation(ids).forEach(function (g) {
      panel.appendChild(relationSection(g, g.relation === CO ? 3 : 10, g.relation === CO ? 25 : 60, null));
    });
  }
  api.showNode = showNode;

  var pathStart = null;
  function pathButtons(id) {
    var row = el("div", "kg-path-buttons");
    var from = el("button", "kg-more", "path from here\u2026");
    from.type = "button";
    from.addEventListener("click", function () {
      pathStart = id;
      $("kg-path-from").value = nodeName(id);
      $("kg-path-status").textContent = "Now choose the other end (click an entity, or type it).";
      $("kg-path-to").focus();
    });
    row.appendChild(from);
    if (pathStart && pathStart !== id && nodeById[pathStart]) {
      var to = el("button", "kg-more kg-path-here", "path from " + clip(nodeName(pathStart), 24) + " to here");
      to.type = "button";
      var a = pathStart;
      to.addEventListener("click", function () {
        $("kg-path-to").value = nodeName(id);
        showPathView(a, id);
      });
      row.appendChild(to);
    }
    return row;
  }

  function showPathPanel() {
    openPanel("path");
    panel.setAttribute("data-id", view.from + "\u0000" + view.to);
    var title = el("h2", "kg-pair");
    title.appendChild(entityButton(view.from));
    title.appendChild(el("span", "kg-muted", " \u2192 "));
    title.appendChild(entityButton(view.to));
    panel.appendChild(title);
    if (!view.path) {
      panel.appendChild(el("p", "kg-hidden-note", "No path of typed relations links them with the current filters (co-mentions are not used)."));
      return;
    }
    var n = view.path.nodes.length - 1;
    panel.appendChild(el("p", "kg-muted", "Shortest path of typed relations: " + n + " step" + (n === 1 ? "" : "s") + ". Each step with its sources."));
    view.path.steps.forEach(function (ids, i) {
      var sec = el("section", "kg-path-step");
      sec.setAttribute("data-step", String(i));
      sec.appendChild(el("h4", null, (i + 1) + ". " + nodeName(view.path.nodes[i]) + " \u2013 " + nodeName(view.path.nodes[i + 1])));
      ids.map(function (eid) {
        return edgeById[eid];
      }).sort(edgeOrder).forEach(function (e) {
        var box = el("div", "kg-edge");
        box.setAttribute("data-edge", e.id);
        box.appendChild(statementLine(e));
        box.appendChild(attestationList(e, 3));
        sec.appendChild(box);
      });
      panel.appendChild(sec);
    });
  }
  api.showPathPanel = showPathPanel;

  function showEdge(edgeId) {
    var e = edgeById[edgeId];
    if (!e) return;
    openPanel("edge");
    panel.setAttribute("data-id", edgeId);
    // every drawn edge between this pair, both directions: all attestations
    var ids = (adjacency[e.from] || []).filter(function (eid) {
      var o = edgeById[eid];
      return (o.from === e.from && o.to === e.to) || (o.from === e.to && o.to === e.from);
    });
    var title = el("h2", "kg-pair");
    title.appendChild(entityButton(e.from));
    title.appendChild(el("span", "kg-muted", e.from === e.to ? "" : " \u2194 "));
    if (e.from !== e.to) title.appendChild(entityButton(e.to));
    panel.appendChild(title);
    var total = 0;
    ids.forEach(function (eid) {
      total += attCount(edgeById[eid]);
    });
    panel.appendChild(el("p", "kg-muted", fmt(total) + " attestation" + (total === 1 ? "" : "s") + " between this pair"));
    groupByRelation(ids).forEach(function (g) {
      panel.appendChild(relationSection(g, 200, 50, edgeId));
    });
  }
  api.showEdge = showEdge;

  // ----------------------------------------------------------------- network
  function markReady() {
    if (api.ready) return;
    api.ready = true;
    api.readyMs = performance.now();
    api.timings.ready = api.readyMs;
    var ov = $("kg-overlay");
    if (ov) ov.hidden = true;
    document.body.setAttribute("data-kg-ready", "1");
  }

  function start() {
    buildControls();
    applyFilters();
    var container = $("kg-network");
    if (!NODES.length) {
      var total = (DATA.stats && DATA.stats.total_nodes) || 0;
      var empty = el("div", "kg-empty", total ? "No entities to show." : "The graph is empty: there are no entities to show.");
      container.appendChild(empty);
      markReady();
      return;
    }
    if (typeof vis === "undefined" || !vis.Network) {
      container.appendChild(el("div", "kg-empty", "The graph library failed to load."));
      return;
    }
    nodesSet = new vis.DataSet(visNodes);
    edgesSet = new vis.DataSet(visEdges);
    nodesView = new vis.DataView(nodesSet, {
      filter: function (item) {
        return nodePass[item.id] === true;
      },
    });
    edgesView = new vis.DataView(edgesSet, {
      filter: function (item) {
        return edgePass[item.id] === true;
      },
    });
    api.nodes = nodesSet;
    api.edges = edgesSet;
    api.nodesView = nodesView;
    api.edgesView = edgesView;

    var groups = {};
    TYPES.forEach(function (t) {
      groups[t.name] = {
        color: { background: t.color, border: t.color, highlight: { background: t.color, border: "#111" }, hover: { background: t.color, border: "#111" } },
      };
    });
    var physics = DATA.physics || {};
    // arrow heads cost as much to draw as the lines; on big graphs they are
    // drawn only once zoomed in far enough to see them
    arrowsOn = !large;
    var withPhysics = !!physics.enabled;
    var options = {
      autoResize: true,
      groups: groups,
      nodes: {
        shape: "dot",
        // vis's labels are never drawn (threshold out of reach): drawLabels() draws them
        scaling: { label: { enabled: false, drawThreshold: 1e9 } },
        borderWidth: 1,
        borderWidthSelected: 3,
        font: {
          size: 14,
          face: LABEL_FONT,
          color: "#222",
          strokeWidth: 3,
          strokeColor: "#ffffff",
        },
      },
      edges: {
        arrows: { to: { enabled: arrowsOn, scaleFactor: 0.5 } },
        smooth: false,
        selectionWidth: 2,
        hoverWidth: 0.5,
        font: { size: 10, color: "#555", strokeWidth: 2, strokeColor: "#ffffff", align: "middle" },
      },
      layout: { improvedLayout: false, randomSeed: 7 },
      interaction: {
        hover: !large,
        tooltipDelay: 150,
        hideEdgesOnDrag: large,
        hideEdgesOnZoom: large,
        multiselect: false,
      },
      physics: withPhysics
        ? {
            enabled: true,
            solver: "barnesHut",
            // strong central gravity keeps small components near the centre, so the fitted view
            // stays close enough for labels to be drawn
            barnesHut: { gravitationalConstant: -3000, centralGravity: 1.2, springLength: 110, avoidOverlap: 0.1 },
            stabilization: { enabled: true, iterations: physics.iterations || 150, updateInterval: 25, fit: true },
          }
        : { enabled: false },
    };
    var overlay = $("kg-overlay");
    if (withPhysics && overlay) {
      overlay.hidden = false;
      overlay.textContent = "Laying out\u2026";
    }
    api.timings.datasets = performance.now();
    network = new vis.Network(container, { nodes: nodesView, edges: edgesView }, options);
    api.network = network;
    api.timings.network = performance.now();

    if (large) {
      viewChanged = function () {
        var want = network.getScale() >= ARROW_SCALE;
        if (want !== arrowsOn) {
          arrowsOn = want;
          network.setOptions({ edges: { arrows: { to: { enabled: want, scaleFactor: 0.5 } } } });
        }
      };
      network.on("zoom", viewChanged);
      network.on("animationFinished", viewChanged);
    }
    network.on("beforeDrawing", drawHulls);
    network.on("beforeDrawing", drawNewHalos);
    // level of detail: in the overview, edges are faded when zoomed out (the entities and labels stay crisp)
    var renderer = network.renderer;
    if (renderer && typeof renderer._drawEdges === "function") {
      var drawEdges = renderer._drawEdges;
      renderer._drawEdges = function (ctx) {
        var alpha = edgeAlpha();
        if (alpha >= 1) return drawEdges.apply(this, arguments);
        ctx.save();
        ctx.globalAlpha = alpha;
        try {
          return drawEdges.apply(this, arguments);
        } finally {
          ctx.restore();
        }
      };
    }
    network.on("afterDrawing", drawLabels);
    api.arrowsOn = function () {
      return arrowsOn;
    };
    network.on("click", function (params) {
      if (params.nodes && params.nodes.length) {
        var id = params.nodes[0];
        if (pathStart && pathStart !== id && /^Now choose/.test($("kg-path-status").textContent)) {
          $("kg-path-to").value = nodeName(id);
          $("kg-path-status").textContent = "";
          showPathView(pathStart, id);
          return;
        }
        selectNode(id, true);
      } else if (params.edges && params.edges.length) {
        showEdge(params.edges[0]);
      }
    });
    if (withPhysics) {
      network.on("stabilizationProgress", function (p) {
        if (overlay) overlay.textContent = "Laying out\u2026 " + Math.round((100 * p.iterations) / Math.max(p.total, 1)) + "%";
      });
      network.once("stabilizationIterationsDone", function () {
        network.setOptions({ physics: { enabled: false } });
        var relaxed = network.getPositions();
        Object.keys(relaxed).forEach(function (id) {
          homePos[id] = relaxed[id];
        });
        network.once("afterDrawing", markReady);
        network.fit();
        network.redraw();
      });
    } else {
      network.once("afterDrawing", markReady);
      network.fit();
      network.redraw();
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
