// Compare runs: parameters and metrics side by side (differences highlighted), overlaid
// metric histories, a parallel coordinates plot and a scatter plot.

import { h, mount, hashUrl } from "../dom.js";
import * as api from "../api.js";
import { formatNumber, runName } from "../format.js";
import { createChart, draw, metricOptions, parallelOptions, scatterOptions, chartControls, loadChartLibrary } from "../charts.js";
import { runColors } from "../palette.js";

export async function renderCompare(view, _params, query, isCurrent) {
  const ids = (query.get("runs") || "").split(",").filter(Boolean).slice(0, 100);
  const [replies] = await Promise.all([Promise.all(ids.map((id) => api.get("runs/get", { run_id: id }))), loadChartLibrary()]);
  const runs = replies.map((r) => r.run);
  if (!isCurrent()) return;
  const names = runs.map(runName);
  const experimentId = query.get("experiment") || (runs[0] && runs[0].info.experiment_id);
  const experiment = experimentId ? (await api.get("experiments/get", { experiment_id: experimentId })).experiment : null;
  if (!isCurrent()) return;
  const colorMap = runColors(experimentId, runs.map((r) => r.info.run_id));
  const entries = runs.map((r, i) => ({ name: names[i], color: colorMap.get(r.info.run_id) }));
  const params = valuesBy(runs, "params");
  const metrics = valuesBy(runs, "metrics");

  const overlay = h("div");
  const parallel = h("div");
  const scatter = h("div");
  mount(view,
    h("div", { class: "crumbs" }, h("a", { href: "#/" }, "Experiments"), " / ",
      experiment ? [h("a", { href: hashUrl(["experiments", experimentId]) }, experiment.name), " / "] : null, "Compare runs"),
    h("h1", {}, `Comparing ${runs.length} runs`),
    h("h2", {}, "Parameters"), sideBySide("compare-params", runs, names, params, (v) => v),
    h("h2", {}, "Metrics (latest values)"), sideBySide("compare-metrics", runs, names, metrics, formatNumber),
    h("h2", {}, "Metric history"), overlay,
    h("h2", {}, "Parallel coordinates"), parallel,
    h("h2", {}, "Scatter plot"), scatter);

  renderOverlay(overlay, runs, entries, metricKeysByHistory(runs));
  renderParallel(parallel, entries, params, metrics);
  renderScatter(scatter, entries, params, metrics);
}

/** Map key -> array of per-run values (undefined where a run lacks the key). */
function valuesBy(runs, section) {
  const out = new Map();
  runs.forEach((run, i) => {
    for (const item of run.data[section] || []) {
      if (!out.has(item.key)) out.set(item.key, new Array(runs.length).fill(undefined));
      out.get(item.key)[i] = item.value;
    }
  });
  return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function sideBySide(id, runs, names, values, format) {
  if (!values.size) return h("p", { class: "muted" }, "None.");
  const onlyDiff = h("input", { type: "checkbox", onchange: (e) => {
    table.querySelectorAll("tbody tr:not(.diff)").forEach((tr) => { tr.hidden = e.target.checked; });
  } });
  const table = h("table", { id },
    h("thead", {}, h("tr", {}, h("th", {}, "Key"), runs.map((r, i) => h("th", {}, h("a", { href: hashUrl(["runs", r.info.run_id]) }, names[i]))))),
    h("tbody", {}, [...values.entries()].map(([key, vals]) => {
      const differs = new Set(vals.map((v) => String(v))).size > 1;
      return h("tr", { class: differs ? "diff" : "", dataset: { key } }, h("td", {}, key),
        vals.map((v) => h("td", { class: "num" }, v === undefined ? "-" : format(v))));
    })));
  return h("div", {}, h("label", { class: "muted" }, onlyDiff, " Show only differences"), h("div", { class: "table-wrap" }, table));
}

/** Metric keys, those logged over the most steps first: they make the most telling chart. */
function metricKeysByHistory(runs) {
  const lastStep = new Map();
  for (const run of runs) {
    for (const m of run.data.metrics || []) lastStep.set(m.key, Math.max(lastStep.get(m.key) ?? 0, Number(m.step || 0)));
  }
  return [...lastStep.keys()].sort((a, b) => lastStep.get(b) - lastStep.get(a) || a.localeCompare(b));
}

function renderOverlay(container, runs, entries, keys) {
  if (!keys.length) { mount(container, h("p", { class: "muted" }, "No metrics.")); return; }
  const opts = { x: "step", smoothing: 0, log: false };
  const select = h("select", { "aria-label": "Metric" }, keys.map((k) => h("option", { value: k }, k)));
  const { el, chart } = createChart("chart tall", { id: "overlay-chart" });
  let series = [];
  const redraw = () => draw(chart, metricOptions(select.value, series, opts));
  const load = async () => {
    const reply = await api.get("metrics/get-history-bulk-interval", {
      // About 20,000 points in all: 1,000 per run for a few runs, 200 each for a hundred.
      run_ids: runs.map((r) => r.info.run_id), metric_key: select.value, max_results: Math.max(200, Math.min(1000, Math.floor(20000 / runs.length))),
    });
    series = runs.map((r, i) => ({ ...entries[i], points: (reply.metrics || []).filter((m) => m.run_id === r.info.run_id) }));
    redraw();
  };
  select.addEventListener("change", load);
  mount(container, h("div", { class: "toolbar" }, "Metric ", select), chartControls(opts, redraw), el);
  load();
}

function dimensionChooser(label, keys, chosen, onChange) {
  return h("details", {}, h("summary", {}, label),
    keys.map((k) => h("label", { style: "margin-right:12px" }, h("input", { type: "checkbox", checked: chosen.has(k), onchange: (e) => {
      e.target.checked ? chosen.add(k) : chosen.delete(k);
      onChange();
    } }), " ", k)));
}

function renderParallel(container, entries, params, metrics) {
  const all = [...[...params.keys()].map((k) => "param: " + k), ...[...metrics.keys()].map((k) => "metric: " + k)];
  if (!all.length) { mount(container, h("p", { class: "muted" }, "Nothing to plot.")); return; }
  const valueOf = (dim) => (dim.startsWith("param: ") ? params.get(dim.slice(7)) : metrics.get(dim.slice(8)));
  // Start with parameters that differ between runs plus every metric, as they explain results.
  const chosen = new Set(all.filter((d) => d.startsWith("metric: ") || new Set(valueOf(d).map(String)).size > 1));
  if (!chosen.size) all.forEach((d) => chosen.add(d));
  const { el, chart } = createChart("chart tall", { id: "parallel-chart" });
  // Coloured by a metric, a hundred lines still read as a gradient from worst to best.
  const metricDims = all.filter((d) => d.startsWith("metric: "));
  const colorSelect = h("select", { id: "parallel-color", "aria-label": "Colour by" },
    h("option", { value: "" }, "Run colour"), metricDims.map((d, i) => h("option", { value: d, selected: i === 0 }, d)));
  const redraw = () => {
    const dims = all.filter((d) => chosen.has(d) || d === colorSelect.value).map((name) => {
      const values = valueOf(name);
      const numeric = values.every((v) => v === undefined || (v !== "" && Number.isFinite(Number(v))));
      return { name, values, numeric };
    });
    const colorBy = dims.findIndex((d) => d.name === colorSelect.value && d.numeric);
    chart.setOption(parallelOptions(dims, entries, colorBy, el.clientWidth || 1000), true);
  };
  colorSelect.addEventListener("change", redraw);
  mount(container, h("div", { class: "toolbar" }, dimensionChooser("Axes", all, chosen, redraw), "Colour by ", colorSelect,
    h("span", { class: "muted" }, "Drag along an axis to filter runs.")), el);
  redraw();
}

function renderScatter(container, entries, params, metrics) {
  const options = [...[...metrics.keys()].map((k) => ["metric: " + k, metrics.get(k)]), ...[...params.keys()].map((k) => ["param: " + k, params.get(k)])]
    .filter(([, vals]) => vals.some((v) => v !== undefined && Number.isFinite(Number(v))));
  if (!options.length) { mount(container, h("p", { class: "muted" }, "No numeric values to plot.")); return; }
  const lookup = new Map(options);
  const xSel = h("select", { "aria-label": "X" }, options.map(([k], i) => h("option", { value: k, selected: i === Math.min(1, options.length - 1) }, k)));
  const ySel = h("select", { "aria-label": "Y" }, options.map(([k], i) => h("option", { value: k, selected: i === 0 }, k)));
  const { el, chart } = createChart("chart", { id: "scatter-chart" });
  const redraw = () => {
    const xs = lookup.get(xSel.value);
    const ys = lookup.get(ySel.value);
    const points = entries.map((e, i) => ({ ...e, x: Number(xs[i]), y: Number(ys[i]) })).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    draw(chart, scatterOptions(xSel.value, ySel.value, points));
  };
  xSel.addEventListener("change", redraw);
  ySel.addEventListener("change", redraw);
  mount(container, h("div", { class: "toolbar" }, "X ", xSel, " Y ", ySel), el);
  redraw();
}
