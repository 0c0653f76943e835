// Sweep page (#/sweeps/<id>): the best trial, a parallel-coordinates plot coloured by the
// target metric, parameter importance, the target metric over time, every trial, and the
// stop / resume controls.

import * as api from "../api.js";
import { h, mount, hashUrl, errorLine } from "../dom.js";
import { createChart, loadChartLibrary } from "../charts.js";

// The sweep endpoints sit beside MLflow's under the same API version.
const SWEEPS = "../mlharbor/sweeps/";

function escapeHtml(text) {
  const span = document.createElement("span");
  span.textContent = String(text);
  return span.innerHTML;
}

function formatValue(value) {
  if (typeof value === "number") return String(Number(value.toPrecision(6)));
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** |Pearson correlation| of each parameter with the metric; categories count by their order. */
export function importance(trials, names) {
  const scored = trials.filter((t) => Number.isFinite(t.value));
  return names.map((name) => {
    const raw = scored.map((t) => t.params[name]);
    const numeric = raw.every((v) => typeof v === "number");
    const levels = numeric ? null : [...new Set(raw.map(formatValue))];
    const xs = raw.map((v) => (numeric ? v : levels.indexOf(formatValue(v))));
    const ys = scored.map((t) => t.value);
    const n = xs.length;
    if (n < 2) return { name, score: 0 };
    const mx = xs.reduce((a, b) => a + b, 0) / n;
    const my = ys.reduce((a, b) => a + b, 0) / n;
    let sxy = 0, sxx = 0, syy = 0;
    for (let i = 0; i < n; i++) {
      sxy += (xs[i] - mx) * (ys[i] - my);
      sxx += (xs[i] - mx) ** 2;
      syy += (ys[i] - my) ** 2;
    }
    return { name, score: sxx && syy ? Math.abs(sxy / Math.sqrt(sxx * syy)) : 0 };
  }).sort((a, b) => b.score - a.score);
}

function parallelChart(trials, names, metric) {
  const scored = trials.filter((t) => Number.isFinite(t.value));
  const dims = names.map((name, dim) => {
    const values = scored.map((t) => t.params[name]);
    return values.every((v) => typeof v === "number")
      ? { dim, name, type: "value", scale: true }
      : { dim, name, type: "category", data: [...new Set(values.map(formatValue))] };
  });
  dims.push({ dim: names.length, name: metric, type: "value", scale: true });
  const data = scored.map((t) => [
    ...names.map((name, i) => (dims[i].type === "value" ? t.params[name] : formatValue(t.params[name]))),
    t.value,
  ]);
  const values = scored.map((t) => t.value);
  const { el, chart } = createChart("chart", { "aria-label": "Parallel coordinates" });
  chart.setOption({
    animation: false,
    parallelAxis: dims,
    parallel: { left: 60, right: 90, top: 50, bottom: 30, parallelAxisDefault: { nameRotate: 20 } },
    visualMap: {
      type: "continuous", dimension: names.length, min: Math.min(...values), max: Math.max(...values),
      right: 0, top: "middle", calculable: true, inRange: { color: ["#d73027", "#fee08b", "#1a9850"] },
    },
    series: [{ type: "parallel", lineStyle: { width: 2, opacity: 0.7 }, data }],
  });
  return el;
}

function timeChart(trials, metric, maximize) {
  const ended = trials.filter((t) => Number.isFinite(t.value) && t.end_time).sort((a, b) => a.end_time - b.end_time);
  let best = null;
  const bestLine = ended.map((t) => {
    if (best === null || (maximize ? t.value > best : t.value < best)) best = t.value;
    return [t.end_time, best];
  });
  const { el, chart } = createChart("chart", { "aria-label": "Trials over time" });
  chart.setOption({
    animation: false,
    grid: { left: 70, right: 30, top: 30, bottom: 40 },
    // Tooltips are HTML: the metric name comes from the sweep's configuration, so escape it.
    tooltip: { trigger: "item", formatter: (p) => `${escapeHtml(p.seriesName)}: ${escapeHtml(formatValue(p.value[1]))}` },
    xAxis: { type: "time" },
    yAxis: { type: "value", name: metric, scale: true },
    series: [
      { name: metric, type: "scatter", data: ended.map((t) => [t.end_time, t.value]) },
      { name: "best so far", type: "line", step: "end", showSymbol: false, data: bestLine },
    ],
  });
  return el;
}

function trialTable(trials, names) {
  return h("table", { id: "sweep-trials" },
    h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "State"), h("th", {}, "Value"),
      names.map((n) => h("th", {}, n)), h("th", {}, "Run"))),
    h("tbody", {}, [...trials].reverse().map((t) => h("tr", {},
      h("td", {}, String(t.number)), h("td", {}, t.state),
      h("td", {}, Number.isFinite(t.value) ? formatValue(t.value) : ""),
      names.map((n) => h("td", {}, formatValue(t.params[n]))),
      h("td", {}, t.run_id ? h("a", { href: hashUrl(["runs", t.run_id]) }, t.run_id.slice(0, 8)) : "")))));
}

export async function renderSweep(view, params, _query, current) {
  const [reply] = await Promise.all([api.get(SWEEPS + "get", { sweep_id: params.id }), loadChartLibrary()]);
  if (!current()) return;
  const sweep = reply.sweep;
  const trials = sweep.trials || [];
  const metric = sweep.config.metric.name;
  const maximize = sweep.config.metric.goal === "maximize";
  const names = Object.keys(sweep.config.parameters);
  const status = h("span", {});
  const act = (action) => async () => {
    try {
      await api.post(SWEEPS + action, { sweep_id: sweep.sweep_id });
      if (current()) await renderSweep(view, params, _query, current);
    } catch (err) {
      mount(status, errorLine(err));
    }
  };
  const best = trials.find((t) => t.run_id && t.run_id === sweep.best_run_id);
  const counts = Object.entries(sweep.trial_counts || {}).map(([k, v]) => `${k.toLowerCase()} ${v}`).join(", ");
  mount(view,
    h("h1", {}, "Sweep ", sweep.name),
    h("p", { class: "muted" },
      `${sweep.config.method} search, ${maximize ? "maximize" : "minimize"} ${metric} · `,
      h("a", { href: hashUrl(["experiments", sweep.experiment_id]) }, "experiment"), " · ",
      h("a", { href: hashUrl(["runs", sweep.parent_run_id]) }, "parent run")),
    h("div", { class: "toolbar" },
      h("strong", { "data-testid": "sweep-state" }, sweep.state), " ", counts || "no trials yet", " ",
      h("button", { onclick: act("stop"), disabled: sweep.state !== "RUNNING" }, "Stop"),
      h("button", { onclick: act("resume"), disabled: sweep.state !== "STOPPED" }, "Resume"),
      status),
    h("h2", {}, "Best trial"),
    best
      ? h("p", { "data-testid": "best-trial" }, `${metric} = ${formatValue(sweep.best_value)} in trial ${best.number} (`,
        h("a", { href: hashUrl(["runs", best.run_id]) }, best.run_id.slice(0, 8)), "): ",
        names.map((n) => `${n}=${formatValue(best.params[n])}`).join(", "))
      : h("p", { class: "muted" }, "No trial has finished yet."));
  if (trials.some((t) => Number.isFinite(t.value))) {
    const ranked = importance(trials, names);
    view.append(
      h("h2", {}, "Parameters, coloured by ", metric), parallelChart(trials, names, metric),
      h("h2", {}, "Parameter importance"),
      h("p", { class: "muted" }, `Absolute correlation with ${metric} over the finished trials.`),
      h("table", { id: "sweep-importance" }, h("tbody", {}, ranked.map((r) => h("tr", {},
        h("td", {}, r.name), h("td", {}, r.score.toFixed(2)),
        h("td", { style: "width: 60%" }, h("div", { style: `background: #4c78a8; height: 10px; width: ${(r.score * 100).toFixed(0)}%` })))))),
      h("h2", {}, metric, " over time"), timeChart(trials, metric, maximize));
  }
  view.append(h("h2", {}, "Trials"), trialTable(trials, names));
}
