// Chart construction on top of the vendored Apache ECharts (global `echarts`).
// Text given to charts (run names, keys) is set as series/axis names, which ECharts renders
// as canvas text; tooltips are built with formatters that escape through the DOM.

import { h } from "./dom.js";

const charts = new Set();
let library = null;

/** Load the chart library once (about 1 MB, so only pages with charts fetch it). */
export function loadChartLibrary() {
  if (!library) {
    library = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = "static-files/vendor/echarts.min.js";
      script.onload = () => resolve(window.echarts);
      script.onerror = () => { library = null; reject(new Error("Could not load the chart library.")); };
      document.head.appendChild(script);
    });
  }
  return library;
}
window.addEventListener("resize", () => charts.forEach((c) => c.resize()));

function escapeText(text) {
  const span = document.createElement("span");
  span.textContent = String(text);
  return span.innerHTML;
}

/** Create a chart in a new element (after loadChartLibrary); returns {el, chart}. */
export function createChart(className = "chart", attrs = {}) {
  const el = h("div", { class: className, ...attrs });
  const chart = window.echarts.init(el, null, { renderer: "canvas" });
  charts.add(chart);
  // Charts are created before the element is attached; size them once it has a layout.
  requestAnimationFrame(() => chart.resize());
  return { el, chart };
}

/** Exponential moving average with bias correction (weight 0 leaves values unchanged). */
export function smooth(values, weight) {
  if (!weight) return values;
  let last = 0;
  let count = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    count += 1;
    last = last * weight + (1 - weight) * v;
    return last / (1 - Math.pow(weight, count));
  });
}

/**
 * Line chart options for metric histories.
 * @param series [{name, points: [{step, timestamp, value}]}]
 * @param opts {x: "step" | "time" | "relative", smoothing: 0..0.99, log: boolean}
 */
export function lineOptions(title, series, opts) {
  const xType = opts.x === "time" ? "time" : "value";
  const xName = { step: "step", time: "time", relative: "seconds since first point" }[opts.x];
  return {
    animation: false,
    title: { text: title, textStyle: { fontSize: 13 } },
    tooltip: {
      trigger: "axis",
      formatter: (items) => items.map((i) => `${i.marker}${escapeText(i.seriesName)}: ${escapeText(Number(i.value[1]).toPrecision(6))}`).join("<br>"),
    },
    legend: { type: "scroll", bottom: 0 },
    grid: { left: 60, right: 20, top: 36, bottom: 56 },
    xAxis: { type: xType, name: xName, nameLocation: "middle", nameGap: 24, scale: true },
    yAxis: { type: opts.log ? "log" : "value", scale: true },
    dataZoom: [{ type: "inside" }],
    series: series.map((s) => {
      const points = [...s.points].sort((a, b) => (opts.x === "step" ? a.step - b.step || a.timestamp - b.timestamp : a.timestamp - b.timestamp));
      const values = smooth(points.map((p) => Number(p.value)), opts.smoothing);
      const t0 = points.length ? Number(points[0].timestamp) : 0;
      const data = points.map((p, i) => {
        const x = opts.x === "step" ? Number(p.step) : opts.x === "time" ? Number(p.timestamp) : (Number(p.timestamp) - t0) / 1000;
        return [x, values[i]];
      }).filter(([, y]) => Number.isFinite(y) && (!opts.log || y > 0));
      return { name: s.name, type: "line", showSymbol: data.length < 40, data };
    }),
  };
}

/** Parallel coordinates over runs; each dimension {name, values: [per run], numeric}. */
export function parallelOptions(dimensions, runNames) {
  return {
    animation: false,
    parallelAxis: dimensions.map((d, dim) => d.numeric
      ? { dim, name: d.name, type: "value", scale: true }
      : { dim, name: d.name, type: "category", data: [...new Set(d.values.map((v) => (v === undefined ? "" : String(v))))] }),
    parallel: { left: 60, right: 80, top: 90, bottom: 30, parallelAxisDefault: { nameTextStyle: { fontSize: 11 }, nameRotate: 20 } },
    tooltip: { formatter: (p) => escapeText(p.seriesName) },
    series: runNames.map((name, i) => ({
      name, type: "parallel", lineStyle: { width: 2, opacity: 0.8 },
      data: [dimensions.map((d) => (d.numeric ? Number(d.values[i]) : d.values[i] === undefined ? "" : String(d.values[i])))],
    })),
    legend: { type: "scroll", top: 0 },
  };
}

/** Scatter plot of runs on two chosen values. */
export function scatterOptions(xName, yName, points) {
  return {
    animation: false,
    grid: { left: 70, right: 30, top: 30, bottom: 50 },
    tooltip: { formatter: (p) => `${escapeText(p.data.name)}<br>${escapeText(xName)}: ${escapeText(p.data.value[0])}<br>${escapeText(yName)}: ${escapeText(p.data.value[1])}` },
    xAxis: { type: "value", name: xName, nameLocation: "middle", nameGap: 28, scale: true },
    yAxis: { type: "value", name: yName, scale: true },
    series: [{ type: "scatter", symbolSize: 12, data: points.map((p) => ({ name: p.name, value: [p.x, p.y] })) }],
  };
}

/** Controls for metric charts: x axis, smoothing and log scale; calls onChange(opts). */
export function chartControls(opts, onChange) {
  const xSelect = h("select", { "aria-label": "X axis", onchange: (e) => { opts.x = e.target.value; onChange(opts); } },
    [["step", "Step"], ["time", "Wall time"], ["relative", "Relative time"]].map(([v, l]) => h("option", { value: v, selected: v === opts.x }, l)));
  const label = h("span", { class: "muted" }, String(opts.smoothing));
  const slider = h("input", { type: "range", min: 0, max: 0.99, step: 0.01, value: opts.smoothing, "aria-label": "Smoothing", oninput: (e) => {
    opts.smoothing = Number(e.target.value);
    label.textContent = String(opts.smoothing);
    onChange(opts);
  } });
  const log = h("input", { type: "checkbox", checked: opts.log, "aria-label": "Log scale", onchange: (e) => { opts.log = e.target.checked; onChange(opts); } });
  return h("div", { class: "toolbar" }, "X axis ", xSelect, " Smoothing ", slider, label, h("label", {}, log, " Log scale"));
}
