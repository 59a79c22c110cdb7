// The fleet dashboard: loads a snapshot, then follows server-sent events. Every event is applied to the
// page's state and only what it touched is drawn again. Stable hooks for tests: data-deployment,
// data-instance, data-health, data-phase, data-chart + data-points, data-summary, #live[data-state].
(function () {
  "use strict";

  const API = "/dashboard/api";
  const PHASES = ["PHASE_READY", "PHASE_PROVISIONING", "PHASE_PENDING", "PHASE_UPDATING", "PHASE_RESUMING",
    "PHASE_PAUSED", "PHASE_DEGRADED", "PHASE_FAILED", "PHASE_DELETING", "PHASE_DELETED", "PHASE_UNSPECIFIED"];
  const PHASE_WORDS = {
    PHASE_UNSPECIFIED: "Unknown", PHASE_PENDING: "Pending", PHASE_PROVISIONING: "Provisioning", PHASE_READY: "Ready",
    PHASE_DEGRADED: "Degraded", PHASE_DELETING: "Deleting", PHASE_DELETED: "Deleted", PHASE_FAILED: "Failed",
    PHASE_UPDATING: "Updating", PHASE_PAUSED: "Paused", PHASE_RESUMING: "Resuming",
  };
  const HEALTH_WORDS = { HEALTH_UP: "Up", HEALTH_SUSPECT: "Suspect", HEALTH_DOWN: "Down", HEALTH_PAUSED: "Paused",
    HEALTH_UNSPECIFIED: "No report" };
  const ROLE_WORDS = { ROLE_PRIMARY: "primary", ROLE_REPLICA: "replica" };
  // Chart lines: cool hues that are none of the status colours.
  const LINE_COLOURS = ["#79a8ff", "#c3a0ff", "#7fd1e3", "#d3d8e0", "#9aa8ff", "#e4a3d8"];
  // Per chart: how a value reads in the caption, how the axis labels read, nice bounds in powers of 1024.
  const CHARTS = {
    queries_per_second: { format: number, axis: number },
    connections: { format: (v) => (v === null || v === undefined ? "–" : Math.round(v).toString()), axis: number },
    cpu_percent: { format: percent, axis: percent },
    memory_bytes: { format: bytes, axis: bytes, binary: true },
  };
  const MINUTE = 60 * 1000;

  const state = {
    fleet: new Map(), // key → deployment summary
    transitions: [], // fleet-wide, newest first
    selected: initialSelection(),
    detail: null, // { deployment, transitions, series: Map instance → {t: [], v: {gauge: []}} }
    missing: false, // the selected deployment is not (or no longer) on the dashboard
    windowMs: 10 * 60 * 1000,
    charted: Object.keys(CHARTS),
    skewMs: 0, // server clock minus ours
    source: null,
    loading: false,
    pending: [],
    hoverX: new Map(), // chart → pointer x
    drawQueued: false,
  };

  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ formatting

  function number(v) {
    if (v === null || v === undefined) return "–";
    const a = Math.abs(v);
    if (a >= 1e6) return (v / 1e6).toFixed(1) + "M";
    if (a >= 1e4) return Math.round(v / 1e3) + "k";
    if (a >= 1e3) return (v / 1e3).toFixed(1) + "k";
    if (a >= 100) return Math.round(v).toString();
    if (a >= 10) return trim(v.toFixed(1));
    return trim(v.toFixed(2));
  }
  function trim(s) { return s.indexOf(".") < 0 ? s : s.replace(/\.?0+$/, ""); }
  function percent(v) { return v === null || v === undefined ? "–" : (v < 10 ? trim(v.toFixed(1)) : Math.round(v)) + " %"; }
  function bytes(v) {
    if (v === null || v === undefined) return "–";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i === 0 || v >= 100 ? Math.round(v) : trim(v.toFixed(1))) + " " + units[i];
  }
  function lag(ms) {
    if (ms === null || ms === undefined) return "–";
    return ms < 1000 ? ms + " ms" : trim((ms / 1000).toFixed(1)) + " s";
  }
  function now() { return Date.now() + state.skewMs; }
  function ago(ms) {
    if (!ms) return "–";
    const s = Math.max(0, Math.round((now() - ms) / 1000));
    if (s < 2) return "just now";
    if (s < 60) return s + " s ago";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    return Math.floor(s / 3600) + " h ago";
  }
  function forHow(ms) {
    const s = Math.max(0, Math.round((now() - ms) / 1000));
    if (s < 120) return "for " + s + " s";
    if (s < 7200) return "for " + Math.floor(s / 60) + " min";
    return "for " + Math.floor(s / 3600) + " h";
  }
  function clock(ms) { return new Date(ms).toTimeString().slice(0, 8); }
  function healthWord(h) { return HEALTH_WORDS[h] || "Unknown"; }
  function phaseWord(p) { return PHASE_WORDS[p] || p.replace(/^PHASE_/, ""); }
  function alertLevel(alerts) {
    if (alerts.some((a) => a.severity === "critical")) return "critical";
    return alerts.length ? "warning" : "none";
  }

  /** el("span", {class: "x", "data-y": 1}, "text", child, …): an element, text set safely. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }
  function agoSpan(ms, prefix) { return el("span", { "data-ago": ms || "", "data-prefix": prefix || "" }, (prefix || "") + ago(ms)); }
  function nameNode(d) { return [el("span", { class: "tenant" }, d.tenant + "/"), d.name]; }
  function dot(health, label) {
    return el("span", { class: "dot", "data-health": health, role: "img", "aria-label": label, title: label });
  }

  // ------------------------------------------------------------------ loading and events

  function initialSelection() {
    const h = decodeURIComponent(location.hash.replace(/^#/, ""));
    return h.indexOf("/") > 0 ? h : null;
  }

  function connect() {
    if (state.source) state.source.close();
    const url = API + "/events" + (state.selected ? "?deployment=" + encodeURIComponent(state.selected) : "");
    const source = new EventSource(url);
    state.source = source;
    setLive("connecting");
    source.onmessage = (e) => {
      if (source !== state.source) return;
      handle(JSON.parse(e.data));
    };
    source.onerror = () => {
      if (source !== state.source) return;
      if (source.readyState === EventSource.CLOSED) {
        setLive("offline");
        setTimeout(() => { if (source === state.source) connect(); }, 3000);
      } else {
        setLive("reconnecting"); // the browser reconnects by itself; "hello" reloads the snapshot
      }
    };
  }

  function setLive(s) {
    const live = $("live");
    live.dataset.state = s;
    live.querySelector(".live-label").textContent =
      { live: "live", connecting: "connecting…", reconnecting: "reconnecting…", offline: "offline" }[s];
  }

  async function getJson(path) {
    const r = await fetch(API + path, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (r.status === 404) return null;
    if (!r.ok) throw new Error(path + ": HTTP " + r.status);
    return r.json();
  }

  /** Loads the snapshot; events that arrive meanwhile wait, and are applied on top of it. */
  async function loadAll() {
    if (state.loading) return;
    state.loading = true;
    state.pending = [];
    let retry = false;
    try {
      const fleet = await getJson("/fleet");
      applyFleet(fleet);
      if (state.selected) {
        const key = state.selected;
        const detail = await getJson("/deployments/" + key.split("/").map(encodeURIComponent).join("/"));
        if (key === state.selected) applyDetail(detail);
      }
      retry = !fleet.feed.caughtUp;
    } catch (err) {
      console.warn("dashboard: loading failed", err);
      retry = true;
    } finally {
      state.loading = false;
      const pending = state.pending;
      state.pending = [];
      pending.forEach(handle);
      renderAll();
    }
    if (retry) setTimeout(loadAll, 2000);
  }

  function handle(ev) {
    if (ev.type === "hello") {
      setLive("live");
      loadAll();
      return;
    }
    if (ev.type === "ping") return;
    if (state.loading) {
      state.pending.push(ev);
      return;
    }
    switch (ev.type) {
      case "deployment": onDeployment(ev.deployment); break;
      case "removed": onRemoved(ev.key); break;
      case "transition": onTransition(ev.key, ev.transition); break;
      case "point": onPoint(ev.key, ev.point); break;
    }
  }

  function applyFleet(fleet) {
    state.skewMs = fleet.generatedAt - Date.now();
    state.windowMs = fleet.chartWindowMs;
    state.fleet = new Map(fleet.deployments.map((d) => [d.key, d]));
    state.transitions = fleet.transitions;
    const banner = $("feed-problem");
    banner.hidden = fleet.feed.caughtUp;
    banner.textContent = fleet.feed.caughtUp ? "" :
      "Reading the topics: " + (fleet.feed.problem || "catching up") + ". What is shown may be incomplete.";
    document.querySelectorAll("#tiles .tile").forEach((t) => t.remove());
    for (const d of state.fleet.values()) upsertTile(d);
  }

  function applyDetail(detail) {
    if (!detail) {
      state.detail = null;
      state.missing = true;
      return;
    }
    state.missing = false;
    const series = new Map();
    for (const s of detail.series) {
      series.set(s.instance, { t: Array.from(s.t), v: s.values });
    }
    state.detail = { deployment: detail.deployment, transitions: detail.transitions, series };
  }

  function onDeployment(d) {
    state.fleet.set(d.key, d);
    upsertTile(d);
    renderSummary();
    if (d.key === state.selected) {
      if (!state.detail) {
        loadAll(); // it has just appeared: load its detail
        return;
      }
      state.detail.deployment = d;
      renderDetail();
    }
  }

  function onRemoved(key) {
    state.fleet.delete(key);
    const tile = tileOf(key);
    if (tile) tile.remove();
    renderSummary();
    renderEmptyFleet();
    if (key === state.selected) {
      state.detail = null;
      state.missing = true;
      renderDetail();
    }
  }

  function sameTransition(a, b) {
    return a.deployment === b.deployment && a.instance === b.instance && a.detectedAt === b.detectedAt && a.health === b.health;
  }

  function onTransition(key, t) {
    if (!state.transitions.some((x) => sameTransition(x, t))) {
      state.transitions.unshift(t);
      state.transitions.length = Math.min(state.transitions.length, 50);
      renderFleetTransitions();
    }
    if (key === state.selected && state.detail && !state.detail.transitions.some((x) => sameTransition(x, t))) {
      state.detail.transitions.unshift(t);
      state.detail.transitions.length = Math.min(state.detail.transitions.length, 20);
      renderDetailTransitions();
    }
  }

  function onPoint(key, p) {
    if (key !== state.selected || !state.detail) return;
    let s = state.detail.series.get(p.instance);
    if (!s) {
      s = { t: [], v: {} };
      state.charted.forEach((g) => { s.v[g] = []; });
      state.detail.series.set(p.instance, s);
    }
    if (s.t.length && p.t <= s.t[s.t.length - 1]) return;
    s.t.push(p.t);
    for (const g of state.charted) {
      if (!s.v[g]) s.v[g] = new Array(s.t.length - 1).fill(null);
      const v = p.values[g];
      s.v[g].push(v === undefined ? null : v);
    }
    dropOld(s);
    for (const d of [state.detail.deployment, state.fleet.get(key)]) {
      const inst = d && d.instances.find((i) => i.id === p.instance);
      if (!inst) continue;
      inst.latest = p.latest;
      inst.sampledAt = p.t;
      if (p.latest.replication_lag_seconds !== undefined) inst.lagMs = Math.round(p.latest.replication_lag_seconds * 1000);
    }
    renderInstances();
    queueDraw();
  }

  function dropOld(s) {
    const from = now() - state.windowMs;
    let n = 0;
    while (n < s.t.length && s.t[n] < from) n++;
    if (n === 0) return;
    s.t.splice(0, n);
    for (const g of Object.keys(s.v)) s.v[g].splice(0, n);
  }

  function select(key) {
    if (state.selected === key) return;
    state.selected = key;
    state.detail = null;
    state.missing = false;
    history.replaceState(null, "", "#" + encodeURIComponent(key));
    document.querySelectorAll("#tiles .tile").forEach((t) => t.setAttribute("aria-pressed", String(t.dataset.deployment === key)));
    renderDetail();
    connect(); // the stream for this deployment's points; its "hello" loads the detail
  }

  // ------------------------------------------------------------------ the fleet

  function tileOf(key) {
    return document.querySelector('#tiles .tile[data-deployment="' + CSS.escape(key) + '"]');
  }

  function buildTile(d) {
    const level = alertLevel(d.alerts);
    const dots = d.instances.length
      ? d.instances.map((i) => {
        const node = dot(i.health, i.id + ": " + healthWord(i.health));
        node.dataset.instance = i.id;
        return node;
      })
      : [el("span", { class: "none" }, "no instance")];
    const alertsText = d.alerts.length === 0 ? "no alerts" : d.alerts.length === 1 ? "1 alert" : d.alerts.length + " alerts";
    const tile = el("button", {
      type: "button", class: "tile", "data-deployment": d.key, "data-phase": d.phase, "data-alerts": d.alerts.length,
      "data-alert-level": level, "aria-pressed": String(d.key === state.selected),
    },
    el("div", { class: "tile-head" },
      el("span", { class: "tile-name" }, nameNode(d)),
      el("span", { class: "badge", "data-phase": d.phase }, phaseWord(d.phase))),
    el("div", { class: "tile-body" },
      el("span", { class: "dots", "aria-label": "instances" }, dots),
      el("span", { class: "tile-alerts", "data-level": level, title: d.alerts.map((a) => a.message).join("\n") }, alertsText)),
    el("div", { class: "tile-foot" }, "generation " + d.generation + " · updated ", agoSpan(d.updatedAt)));
    tile.addEventListener("click", () => select(d.key));
    return tile;
  }

  function upsertTile(d) {
    const tiles = $("tiles");
    const fresh = buildTile(d);
    const old = tileOf(d.key);
    if (old) {
      old.replaceWith(fresh);
    } else {
      const after = Array.from(tiles.children).find((t) => t.dataset.deployment > d.key);
      tiles.insertBefore(fresh, after || null);
    }
    filterTile(fresh);
    renderEmptyFleet();
  }

  function filterTile(tile) {
    const q = $("filter").value.trim().toLowerCase();
    tile.hidden = q !== "" && tile.dataset.deployment.toLowerCase().indexOf(q) < 0;
  }

  function renderEmptyFleet() {
    $("no-deployments").hidden = state.fleet.size > 0;
  }

  function renderSummary() {
    const phases = {};
    const health = { HEALTH_UP: 0, HEALTH_SUSPECT: 0, HEALTH_DOWN: 0, HEALTH_PAUSED: 0 };
    let critical = 0, warning = 0;
    for (const d of state.fleet.values()) {
      phases[d.phase] = (phases[d.phase] || 0) + 1;
      for (const i of d.instances) if (i.health in health) health[i.health]++;
      for (const a of d.alerts) { if (a.severity === "critical") critical++; else warning++; }
    }
    document.querySelector('[data-summary="deployments"] .stat-n').textContent = state.fleet.size;
    const chips = PHASES.filter((p) => phases[p]).map((p) =>
      el("span", { class: "badge", "data-phase": p }, phaseWord(p), el("span", { class: "n" }, phases[p])));
    document.querySelector('[data-summary="phases"]').replaceChildren(...chips);
    for (const [h, n] of Object.entries(health)) {
      document.querySelector('[data-summary="instances"] [data-health="' + h + '"] .stat-n').textContent = n;
    }
    const alerts = document.querySelector('[data-summary="alerts"]');
    alerts.querySelector(".stat-n").textContent = critical + warning;
    alerts.dataset.level = critical ? "critical" : warning ? "warning" : "none";
    alerts.title = critical + " critical, " + warning + " warning";
  }

  /**
   * A health change: when, the new health, who (the deployment fleet-wide) and why (with the instance fleet-wide).
   * A record whose previous health is its health tells of other changes (role, epoch, fencing, replication), named in the reason.
   */
  function transitionItem(t, fleetWide) {
    const from = t.previous && t.previous !== "HEALTH_UNSPECIFIED" && t.previous !== t.health ? healthWord(t.previous) + " → " : "";
    const change = from + healthWord(t.health);
    const why = [fleetWide ? t.instance : null, t.reason || null].filter((x) => x).join(" · ");
    return el("li", { "data-transition": true, "data-deployment": t.deployment, "data-instance": t.instance, "data-health": t.health },
      el("span", { class: "time", title: new Date(t.detectedAt).toString() }, clock(t.detectedAt)),
      dot(t.health, healthWord(t.health)),
      el("span", { class: "what" }, el("span", { class: "who" }, fleetWide ? t.deployment : t.instance), " ", change),
      why ? el("span", { class: "reason", title: why }, why) : null);
  }

  function renderFleetTransitions() {
    $("fleet-transitions").replaceChildren(...state.transitions.map((t) => transitionItem(t, true)));
    $("no-transitions").hidden = state.transitions.length > 0;
  }

  // ------------------------------------------------------------------ the selected deployment

  function renderDetail() {
    const detail = $("detail");
    const placeholder = $("detail-placeholder");
    if (!state.selected) {
      detail.hidden = true;
      placeholder.hidden = false;
      return;
    }
    if (!state.detail) {
      detail.hidden = true;
      placeholder.hidden = false;
      placeholder.querySelector("p").textContent = state.missing
        ? state.selected + " is not on the dashboard (deleted, or not created yet)."
        : "Loading " + state.selected + "…";
      return;
    }
    const d = state.detail.deployment;
    detail.hidden = false;
    placeholder.hidden = true;
    detail.dataset.deployment = d.key;
    detail.dataset.phase = d.phase;
    $("detail-name").replaceChildren(...nameNode(d));
    const phase = $("detail-phase");
    phase.dataset.phase = d.phase;
    phase.textContent = phaseWord(d.phase);
    $("detail-meta").replaceChildren("generation " + d.generation + " · status updated ", agoSpan(d.updatedAt),
      d.lastError ? " · last error: " + d.lastError : "");
    $("detail-endpoints").replaceChildren(...d.endpoints.map((e) =>
      el("li", { "data-endpoint": e.kind }, el("span", { class: "kind" }, e.kind), e.host + ":" + e.port,
        e.address && e.address !== e.host ? " → " + e.address : "")));
    $("detail-alerts").replaceChildren(...d.alerts.map((a) =>
      el("li", { "data-severity": a.severity, "data-kind": a.kind },
        el("span", {}, a.message), a.since ? el("span", { class: "since", "data-since": a.since }, forHow(a.since)) : null)));
    renderInstances();
    renderConditions();
    renderDetailTransitions();
    renderLegend();
    queueDraw();
  }

  function renderInstances() {
    if (!state.detail) return;
    const rows = state.detail.deployment.instances.map((i) => {
      const g = i.latest || {};
      const stale = i.sampledAt && now() - i.sampledAt > 30000;
      return el("tr", { "data-instance": i.id, "data-health": i.health, "data-role": i.role },
        el("td", {}, el("span", { class: "health-cell", "data-health": i.health }, el("span", { class: "dot", "aria-hidden": "true" }),
          el("span", { class: "word", title: i.healthReason || "" }, healthWord(i.health)))),
        el("td", { class: "mono" }, i.id),
        el("td", {}, ROLE_WORDS[i.role] || "–"),
        el("td", { class: "mono" }, i.address || "–"),
        el("td", { class: "num" }, lag(i.lagMs)),
        el("td", { class: "num" }, number(g.queries_per_second)),
        el("td", { class: "num" }, g.connections === undefined ? "–" : Math.round(g.connections)),
        el("td", { class: "num" }, percent(g.cpu_percent)),
        el("td", { class: "num" }, bytes(g.memory_bytes)),
        el("td", { class: "num" + (stale ? " stale" : "") }, i.sampledAt ? agoSpan(i.sampledAt) : "no sample"));
    });
    $("detail-instances").replaceChildren(...rows);
  }

  function renderConditions() {
    const rows = state.detail.deployment.conditions.map((c) => {
      const alerting = state.detail.deployment.alerts.some((a) => a.kind === "ConditionFalse" && a.message.startsWith(c.type + " "));
      return el("tr", { "data-condition": c.type, "data-status": String(c.status), "data-alert": String(alerting) },
        el("td", {}, c.type),
        el("td", {}, el("span", { class: c.status ? "holds-yes" : "holds-no" }, c.status ? "yes" : "no")),
        el("td", {}, c.reason),
        el("td", { class: "message" }, c.message),
        el("td", { class: "num" }, c.since ? agoSpan(c.since) : "–"));
    });
    $("detail-conditions").replaceChildren(...rows);
  }

  function renderDetailTransitions() {
    const list = state.detail ? state.detail.transitions : [];
    $("detail-transitions").replaceChildren(...list.map((t) => transitionItem(t, false)));
    $("no-detail-transitions").hidden = list.length > 0;
  }

  function instancesInOrder() {
    const ids = new Set(state.detail.deployment.instances.map((i) => i.id));
    for (const id of state.detail.series.keys()) ids.add(id);
    return Array.from(ids).sort();
  }

  function colourOf(instance) {
    const i = instancesInOrder().indexOf(instance);
    return LINE_COLOURS[(i < 0 ? 0 : i) % LINE_COLOURS.length];
  }

  function renderLegend() {
    $("legend").replaceChildren(...instancesInOrder().map((id) =>
      el("span", { "data-instance": id }, el("i", { style: "background:" + colourOf(id) }), id)));
  }

  function queueDraw() {
    if (state.drawQueued) return;
    state.drawQueued = true;
    requestAnimationFrame(() => {
      state.drawQueued = false;
      drawCharts();
    });
  }

  /**
   * The time the charts show: as much as there are points for, in whole minutes, at least one and at
   * most the chart window — a new deployment's lines are readable at once, and grow to the window.
   */
  function shownWindow(t) {
    let first = t;
    for (const s of state.detail.series.values()) if (s.t.length) first = Math.min(first, s.t[0]);
    return Math.min(state.windowMs, Math.max(MINUTE, Math.ceil((t - first) / MINUTE) * MINUTE));
  }

  function drawCharts() {
    if (!state.detail || $("detail").hidden) return;
    const t = now();
    const windowMs = shownWindow(t);
    $("chart-window").textContent = "last " + Math.round(windowMs / MINUTE) + " min, live";
    let any = false;
    const ids = instancesInOrder();
    for (const figure of document.querySelectorAll("#charts .chart")) {
      const gauge = figure.dataset.chart;
      const series = [];
      for (const id of ids) {
        const s = state.detail.series.get(id);
        if (!s || !s.v[gauge]) continue;
        series.push({ label: id, color: colourOf(id), t: s.t, v: s.v[gauge] });
      }
      const hoverX = state.hoverX.get(gauge);
      const canvas = figure.querySelector("canvas");
      const spec = CHARTS[gauge];
      const points = window.MarinaChart.draw(canvas, { series, windowMs, now: t, format: spec.axis, binary: spec.binary, hoverX });
      figure.dataset.points = points;
      any = any || points > 0;
      figure.querySelector(".chart-now").textContent = caption(series, gauge, hoverX, canvas, t, windowMs);
    }
    // No point at all: say so, rather than draw four empty grids.
    $("no-metrics").hidden = any;
    $("charts").classList.toggle("empty-charts", !any);
    $("legend").hidden = !any;
  }

  /** The values at the pointer while hovering, else the latest of each line. */
  function caption(series, gauge, hoverX, canvas, t, windowMs) {
    const format = CHARTS[gauge].format;
    const at = hoverX === undefined ? null : window.MarinaChart.timeAt(canvas, hoverX, t, windowMs);
    const parts = [];
    for (const s of series) {
      const i = at === null ? s.t.length - 1 : window.MarinaChart.nearest(s.t, at);
      if (i < 0 || s.v[i] === null) continue;
      parts.push((series.length > 1 ? s.label + " " : "") + format(s.v[i]));
    }
    return (at === null ? "" : clock(at) + "  ") + parts.join(" · ");
  }

  // ------------------------------------------------------------------ wiring

  function renderAll() {
    renderSummary();
    renderEmptyFleet();
    renderFleetTransitions();
    renderDetail();
  }

  function tickClock() {
    document.querySelectorAll("[data-ago]").forEach((n) => {
      const ms = Number(n.dataset.ago);
      if (ms) n.textContent = (n.dataset.prefix || "") + ago(ms);
    });
    document.querySelectorAll("[data-since]").forEach((n) => { n.textContent = forHow(Number(n.dataset.since)); });
    if (state.detail) {
      for (const s of state.detail.series.values()) dropOld(s);
      queueDraw(); // the charts move with time, even when no sample arrives
    }
  }

  $("filter").addEventListener("input", () => document.querySelectorAll("#tiles .tile").forEach(filterTile));
  for (const figure of document.querySelectorAll("#charts .chart")) {
    const canvas = figure.querySelector("canvas");
    canvas.addEventListener("mousemove", (e) => {
      state.hoverX.set(figure.dataset.chart, e.clientX - canvas.getBoundingClientRect().left);
      queueDraw();
    });
    canvas.addEventListener("mouseleave", () => { state.hoverX.delete(figure.dataset.chart); queueDraw(); });
  }
  window.addEventListener("resize", queueDraw);
  window.addEventListener("hashchange", () => {
    const key = initialSelection();
    if (key && key !== state.selected) select(key);
  });
  setInterval(tickClock, 1000);
  renderAll();
  connect();
})();
