// The experiment's chart view: panels over the runs shown in the table (one per metric by
// default, plus scatter and parallel-coordinates panels), added, removed and moved by the
// user and kept per experiment in localStorage. Metric histories are sampled by the server
// and fetched only when a panel scrolls into view.

import { h, mount, errorLine } from "../dom.js";
import * as api from "../api.js";
import { runName } from "../format.js";
import { createChart, disposeChart, draw, metricOptions, linePoints, parallelOptions, scatterOptions, chartControls, loadChartLibrary } from "../charts.js";
import { groupRuns, aggregateLines } from "../groups.js";

const POINTS_BUDGET = 20_000; // points fetched per panel, shared by its runs (about 3 px apart at 100 runs)
const MAX_POINTS_PER_RUN = 1000;
const MIN_POINTS_PER_RUN = 200;

const storageKey = (experimentId) => "mlharbor.charts." + experimentId;

function loadLayout(experimentId) {
  try { return JSON.parse(localStorage.getItem(storageKey(experimentId)) || "null"); } catch { return null; }
}

function latest(run, key) {
  return (run.data.metrics || []).find((m) => m.key === key);
}

function metricKeys(runs) {
  return [...new Set(runs.flatMap((r) => (r.data.metrics || []).map((m) => m.key)))].sort();
}

/** A metric's history is worth fetching unless every run logged it at step 0 only. */
function hasHistory(runs, key) {
  return runs.some((r) => { const m = latest(r, key); return m && Number(m.step || 0) > 0; });
}

/**
 * @param ctx {experimentId, runs, colors: Map run id -> colour, groupBy: "" | "p:<key>" | "t:<key>"}
 */
export function chartView(ctx) {
  const { experimentId, runs, colors, groupBy } = ctx;
  const keys = metricKeys(runs);
  const stored = loadLayout(experimentId);
  const layout = stored || { panels: keys.map((metric) => ({ kind: "metric", metric })), opts: {} };
  const opts = { x: "step", smoothing: 0, smoothKind: "ema", log: false, ...layout.opts };
  layout.opts = opts;
  const save = () => localStorage.setItem(storageKey(experimentId), JSON.stringify(layout));
  const grid = h("div", { class: "charts", id: "chart-panels" });
  const panels = [];
  const root = h("div", { id: "chart-view" });
  const observer = new IntersectionObserver((entries) => {
    for (const e of entries) if (e.isIntersecting) { const p = panels.find((x) => x.el === e.target); if (p) p.show(); }
  }, { rootMargin: "200px" });

  const addSelect = h("select", { id: "add-panel", "aria-label": "Add panel", onchange: () => {
    const value = addSelect.value;
    addSelect.value = "";
    if (!value) return;
    layout.panels.push(value === "scatter" ? { kind: "scatter" } : value === "parallel" ? { kind: "parallel" } : { kind: "metric", metric: value.slice(7) });
    save();
    build();
  } });
  const fillAddSelect = () => {
    const shown = new Set(layout.panels.filter((p) => p.kind === "metric").map((p) => p.metric));
    mount(addSelect, h("option", { value: "" }, "Add panel…"),
      keys.filter((k) => !shown.has(k)).map((k) => h("option", { value: "metric:" + k }, "Metric: " + k)),
      h("option", { value: "scatter" }, "Scatter plot"), h("option", { value: "parallel" }, "Parallel coordinates"));
  };
  const reset = h("button", { onclick: () => { localStorage.removeItem(storageKey(experimentId)); layout.panels = keys.map((metric) => ({ kind: "metric", metric })); build(); } }, "Reset panels");
  const redrawAll = () => { save(); panels.forEach((p) => p.redraw()); };
  const controls = chartControls(opts, redrawAll);
  const bandSelect = groupBy ? h("select", { id: "band-kind", "aria-label": "Group band", onchange: (e) => { opts.band = e.target.value; redrawAll(); } },
    [["range", "Band: min to max"], ["std", "Band: mean ± std"]].map(([v, l]) => h("option", { value: v, selected: v === (opts.band || "range") }, l))) : null;

  const build = () => {
    panels.forEach((p) => { observer.unobserve(p.el); disposeChart(p.chart); });
    panels.length = 0;
    mount(grid, layout.panels.map((config, index) => {
      const panel = makePanel(config, index);
      panels.push(panel);
      observer.observe(panel.el);
      return panel.el;
    }));
    if (!layout.panels.length) grid.appendChild(h("p", { class: "muted" }, "No panels. Add one above."));
    fillAddSelect();
  };

  const move = (index, delta) => {
    const target = index + delta;
    if (target < 0 || target >= layout.panels.length) return;
    [layout.panels[index], layout.panels[target]] = [layout.panels[target], layout.panels[index]];
    save();
    build();
  };
  const remove = (index) => { layout.panels.splice(index, 1); save(); build(); };

  const makePanel = (config, index) => {
    const title = config.kind === "metric" ? config.metric : config.kind === "scatter" ? "Scatter plot" : "Parallel coordinates";
    const { el: chartEl, chart } = createChart(config.kind === "parallel" ? "chart tall" : "chart");
    const extra = h("span");
    const status = h("div");
    const el = h("div", { class: "panel card" + (config.kind === "parallel" ? " wide" : ""), dataset: { panel: config.kind, metric: config.metric || "", state: "waiting" } },
      h("div", { class: "panel-head" }, h("strong", {}, title), extra, h("span", { style: "flex:1" }),
        h("button", { title: "Move left", "aria-label": `Move ${title} left`, onclick: () => move(index, -1) }, "◀"),
        h("button", { title: "Move right", "aria-label": `Move ${title} right`, onclick: () => move(index, 1) }, "▶"),
        h("button", { class: "remove-panel", title: "Remove panel", "aria-label": `Remove ${title}`, onclick: () => remove(index) }, "×")),
      status, chartEl);
    const panel = { el, chart, shown: false, redraw: () => {}, show() {
      if (this.shown) return;
      this.shown = true;
      const done = (option) => { draw(chart, option); el.dataset.state = "drawn"; };
      const fail = (err) => { mount(status, errorLine(err)); el.dataset.state = "failed"; };
      if (config.kind === "metric") loadMetric(config.metric).then((histories) => {
        // The panel's head names the metric; the chart itself needs no title.
        panel.redraw = () => done(metricOptions("", metricSeries(histories), opts));
        el.dataset.points = String([...histories.values()].reduce((n, pts) => n + pts.length, 0));
        panel.redraw();
      }).catch(fail);
      else if (config.kind === "scatter") scatterPanel(config, extra, done);
      else parallelPanel(done, chartEl);
    } };
    return panel;
  };

  // Histories of `key` by run id: from the latest values when nobody logged a second step.
  const loadMetric = async (key) => {
    const withKey = runs.filter((r) => latest(r, key));
    const histories = new Map();
    if (!hasHistory(withKey, key)) {
      for (const r of withKey) histories.set(r.info.run_id, [latest(r, key)]);
      return histories;
    }
    const perRun = Math.max(MIN_POINTS_PER_RUN, Math.min(MAX_POINTS_PER_RUN, Math.floor(POINTS_BUDGET / withKey.length)));
    const reply = await api.get("metrics/get-history-bulk-interval", { run_ids: withKey.map((r) => r.info.run_id), metric_key: key, max_results: perRun });
    for (const r of withKey) histories.set(r.info.run_id, []);
    for (const m of reply.metrics || []) histories.get(m.run_id).push(m);
    return histories;
  };

  const metricSeries = (histories) => {
    const withData = runs.filter((r) => histories.has(r.info.run_id));
    if (!groupBy) return withData.map((r) => ({ name: runName(r), color: colors.get(r.info.run_id), points: histories.get(r.info.run_id) }));
    return groupRuns(withData, groupBy).map((g) => {
      const lines = g.runs.map((r) => linePoints(histories.get(r.info.run_id), opts));
      const { mean, band, std } = aggregateLines(lines);
      const name = `${groupBy.slice(2)}=${g.key} (${g.runs.length})`;
      const shown = opts.band === "std" ? std : band;
      return { name, color: colors.get(g.runs[0].info.run_id), xy: mean, band: g.runs.length > 1 && mean.length > 1 ? shown : undefined };
    });
  };

  const numericValues = () => {
    const values = new Map();
    runs.forEach((r, i) => {
      for (const m of r.data.metrics || []) {
        const name = "metric: " + m.key;
        if (!values.has(name)) values.set(name, new Array(runs.length).fill(undefined));
        values.get(name)[i] = m.value;
      }
      for (const p of r.data.params || []) {
        const name = "param: " + p.key;
        if (!values.has(name)) values.set(name, new Array(runs.length).fill(undefined));
        values.get(name)[i] = p.value;
      }
    });
    return values;
  };

  const scatterPanel = (config, extra, done) => {
    const values = numericValues();
    const names = [...values.keys()].filter((k) => values.get(k).some((v) => v !== undefined && Number.isFinite(Number(v))));
    if (!names.length) { mount(extra, h("span", { class: "muted" }, " no numeric values")); return; }
    config.x = names.includes(config.x) ? config.x : names[Math.min(1, names.length - 1)];
    config.y = names.includes(config.y) ? config.y : names[0];
    const choose = (axis) => h("select", { "aria-label": axis.toUpperCase(), onchange: (e) => { config[axis] = e.target.value; save(); redraw(); } },
      names.map((n) => h("option", { value: n, selected: n === config[axis] }, n)));
    const redraw = () => {
      const xs = values.get(config.x);
      const ys = values.get(config.y);
      const points = runs.map((r, i) => ({ name: runName(r), color: colors.get(r.info.run_id), x: Number(xs[i]), y: Number(ys[i]) }))
        .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
      done(scatterOptions(config.x, config.y, points));
    };
    mount(extra, " ", choose("x"), " ", choose("y"));
    redraw();
  };

  const parallelPanel = (done, chartEl) => {
    const values = numericValues();
    // Params that differ between runs, then metrics: the axes that explain a result.
    const dims = [...values.entries()]
      .filter(([name, vals]) => name.startsWith("metric: ") || new Set(vals.map(String)).size > 1)
      .sort(([a], [b]) => (a.startsWith("param") === b.startsWith("param") ? a.localeCompare(b) : a.startsWith("param") ? -1 : 1))
      .slice(0, 12)
      .map(([name, vals]) => ({ name, values: vals, numeric: vals.every((v) => v === undefined || (v !== "" && Number.isFinite(Number(v)))) }));
    const colorBy = dims.findIndex((d) => d.name.startsWith("metric: ") && d.numeric);
    // Runs with none of the axes' values would only add flat lines at the bottom.
    const keep = runs.map((_, i) => dims.some((d) => d.values[i] !== undefined));
    const kept = dims.map((d) => ({ ...d, values: d.values.filter((_, i) => keep[i]) }));
    const lines = runs.filter((_, i) => keep[i]).map((r) => ({ name: runName(r), color: colors.get(r.info.run_id) }));
    done(parallelOptions(kept, lines, colorBy, chartEl.clientWidth || 1000));
  };

  mount(root, h("div", { class: "toolbar" }, controls, bandSelect, addSelect, reset), grid);
  loadChartLibrary().then(build).catch((err) => root.appendChild(errorLine(err)));
  return root;
}
