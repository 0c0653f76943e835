// Chart construction on top of the vendored Apache ECharts (global `echarts`), shared by the
// run page, the compare page and the experiment chart view, so every metric chart behaves the
// same: integer step axes, single values as bars, smoothing, x by step or time, log scale,
// a scrolling legend, a tooltip listing every run at the hovered x, and drag-to-zoom.
// Text given to charts (run names, keys) is set as series/axis names, which ECharts renders
// as canvas text; tooltips are DOM nodes built with h(), never markup strings.

import { h } from "./dom.js";
import { formatNumber } from "./format.js";

const charts = new Set();
let library = null;
const TOOLTIP_ROWS = 30; // rows in a hover tooltip; further runs are summed up in one line

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
// Charts of pages left behind are disposed here rather than resized.
window.addEventListener("resize", () => charts.forEach((c) => {
  if (c.getDom().isConnected) c.resize();
  else disposeChart(c);
}));

const dark = () => window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;

/** Create a chart in a new element (after loadChartLibrary); returns {el, chart}. */
export function createChart(className = "chart", attrs = {}) {
  const el = h("div", { class: className, ...attrs });
  const chart = window.echarts.init(el, dark() ? "dark" : null, { renderer: "canvas" });
  charts.add(chart);
  // Charts are created before the element is attached; size them once it has a layout.
  requestAnimationFrame(() => chart.resize());
  return { el, chart };
}

/** Forget a chart whose element is gone. */
export function disposeChart(chart) {
  charts.delete(chart);
  chart.dispose();
}

/** Set `option` on `chart`, with the box-zoom cursor on when the option has a zoom tool. */
export function draw(chart, option) {
  chart.setOption(option, true);
  if (option.toolbox) {
    chart.dispatchAction({ type: "takeGlobalCursor", key: "dataZoomSelect", dataZoomSelectActive: true });
  }
}

/**
 * Smoothed copy of `values`: "ema" is an exponential moving average with bias correction,
 * "mean" a running average over a window that grows with `weight`; weight 0 changes nothing.
 */
export function smooth(values, weight, kind = "ema") {
  if (!weight) return values;
  if (kind === "mean") {
    const half = Math.max(1, Math.round(weight * 50));
    return values.map((v, i) => {
      if (!Number.isFinite(v)) return v;
      let sum = 0;
      let n = 0;
      for (let j = Math.max(0, i - half); j <= Math.min(values.length - 1, i + half); j++) {
        if (Number.isFinite(values[j])) { sum += values[j]; n += 1; }
      }
      return sum / n;
    });
  }
  let last = 0;
  let count = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    count += 1;
    last = last * weight + (1 - weight) * v;
    return last / (1 - Math.pow(weight, count));
  });
}

function swatch(color) {
  const el = h("span", { class: "swatch" });
  el.style.background = color;
  return el;
}

function xLabel(opts, x) {
  if (opts.x === "time") return new Date(x).toLocaleString();
  if (opts.x === "relative") return `${formatNumber(x)} s`;
  return `step ${x}`;
}

/** The hover tooltip of a line chart: every run's value at the hovered x, highest first. */
function lineTooltip(opts) {
  return (items) => {
    const rows = items.filter((i) => !String(i.seriesId).startsWith("band:") && i.value && Number.isFinite(i.value[1]))
      .sort((a, b) => b.value[1] - a.value[1]);
    if (!rows.length) return h("div");
    const shown = rows.slice(0, TOOLTIP_ROWS);
    return h("div", { class: "chart-tooltip" },
      h("div", { class: "muted" }, xLabel(opts, items[0].axisValue)),
      shown.map((i) => h("div", {}, swatch(i.color), i.seriesName, ": ", h("strong", {}, formatNumber(i.value[1])))),
      rows.length > shown.length ? h("div", { class: "muted" }, `… ${rows.length - shown.length} more runs`) : null);
  };
}

function sortPoints(points, x) {
  return [...points].sort((a, b) => (x === "step" ? a.step - b.step || a.timestamp - b.timestamp : a.timestamp - b.timestamp));
}

/** [[x, y], ...] of one run's points under `opts`, smoothed. */
export function linePoints(points, opts) {
  const sorted = sortPoints(points, opts.x);
  const values = smooth(sorted.map((p) => Number(p.value)), opts.smoothing, opts.smoothKind);
  const t0 = sorted.length ? Number(sorted[0].timestamp) : 0;
  return sorted.map((p, i) => {
    const x = opts.x === "step" ? Number(p.step) : opts.x === "time" ? Number(p.timestamp) : (Number(p.timestamp) - t0) / 1000;
    return [x, values[i]];
  }).filter(([, y]) => Number.isFinite(y) && (!opts.log || y > 0));
}

/** One run's single value, written large in its colour. */
function valueOptions(title, bar) {
  return {
    animation: false,
    backgroundColor: "transparent",
    title: { text: title, textStyle: { fontSize: 13 } },
    graphic: [
      { type: "text", left: "center", top: "40%", style: { text: formatNumber(Number(bar.value)), fontSize: 40, fontWeight: "bold", fill: bar.color || "#0b6bcb" } },
      { type: "text", left: "center", top: "62%", style: { text: bar.name, fontSize: 13, fill: "#7b8794" } },
    ],
    series: [],
  };
}

/** Bars of single values, one per run, with the value written on each. */
export function barOptions(title, bars) {
  if (bars.length === 1) return valueOptions(title, bars[0]);
  return {
    animation: false,
    backgroundColor: "transparent",
    title: { text: title, textStyle: { fontSize: 13 } },
    tooltip: {
      trigger: "item",
      formatter: (p) => h("div", {}, swatch(p.color), p.name, ": ", h("strong", {}, formatNumber(p.value))),
    },
    grid: { left: 60, right: 20, top: 50, bottom: 56 },
    xAxis: {
      type: "category", data: bars.map((b) => b.name),
      axisLabel: { interval: 0, rotate: bars.length > 4 ? 30 : 0, width: 90, overflow: "truncate", show: bars.length <= 30 },
    },
    // Bars measure from zero, so their axis stays linear whatever the log-scale setting.
    yAxis: { type: "value", scale: false, axisLabel: { formatter: (v) => formatNumber(v) } },
    series: [{
      type: "bar", barMaxWidth: 48,
      data: bars.map((b) => ({ value: Number(b.value), name: b.name, itemStyle: { color: b.color } })),
      label: { show: bars.length <= 20, position: "top", formatter: (p) => formatNumber(p.value) },
    }],
  };
}

/**
 * Options for one metric over runs.
 * @param series [{name, color, points: [{step, timestamp, value}]}] or, for aggregates already
 *   in chart coordinates, [{name, color, xy: [[x, y]], band?: [[x, min, max]]}]
 * @param opts {x: "step" | "time" | "relative", smoothing: 0..0.99, smoothKind: "ema" | "mean", log: boolean}
 * Series of at most one point each become a bar chart: a lone value on a fractional axis
 * says nothing, a bar with its value does.
 */
export function metricOptions(title, series, opts) {
  const single = (s) => (s.xy ? s.xy.length <= 1 : s.points.length <= 1);
  if (series.length && series.every(single)) {
    const valueOf = (s) => (s.xy ? (s.xy.length ? s.xy[0][1] : undefined) : s.points.length ? s.points[0].value : undefined);
    const bars = series.filter((s) => valueOf(s) !== undefined).map((s) => ({ name: s.name, color: s.color, value: valueOf(s) }));
    return barOptions(title, bars);
  }
  const xName = { step: "step", time: "time", relative: "seconds since first point" }[opts.x];
  const lines = [];
  for (const s of series) {
    const data = s.xy || linePoints(s.points, opts);
    lines.push({
      id: "line:" + s.name, name: s.name, type: "line", data, color: s.color,
      showSymbol: data.length < 40, symbolSize: data.length === 1 ? 8 : 4,
      sampling: "lttb", lineStyle: { width: 1.6 }, emphasis: { focus: "series" },
    });
    if (s.band) {
      // The band is a transparent lower edge with the range stacked on top of it.
      const band = s.band.filter(([, lo, hi]) => Number.isFinite(lo) && Number.isFinite(hi));
      lines.push({ id: "band:lo:" + s.name, type: "line", data: band.map(([x, lo]) => [x, lo]), stack: "band:" + s.name,
        lineStyle: { opacity: 0 }, showSymbol: false, silent: true, color: s.color });
      lines.push({ id: "band:hi:" + s.name, type: "line", data: band.map(([x, lo, hi]) => [x, hi - lo]), stack: "band:" + s.name,
        lineStyle: { opacity: 0 }, areaStyle: { color: s.color, opacity: 0.18 }, showSymbol: false, silent: true, color: s.color });
    }
  }
  return {
    animation: false,
    backgroundColor: "transparent",
    title: { text: title, textStyle: { fontSize: 13 } },
    tooltip: { trigger: "axis", axisPointer: { type: "line" }, formatter: lineTooltip(opts), confine: true },
    legend: { type: "scroll", bottom: 0, data: series.map((s) => s.name) },
    grid: { left: 60, right: 24, top: 36, bottom: 60 },
    toolbox: { right: 8, itemSize: 13, feature: {
      dataZoom: { yAxisIndex: "none", title: { zoom: "Drag to zoom", back: "Undo zoom" } }, restore: { title: "Reset zoom" },
      saveAsImage: { title: "Save as PNG", name: title || "chart" },
    } },
    xAxis: {
      type: opts.x === "time" ? "time" : "value", name: xName, nameLocation: "middle", nameGap: 24, scale: true,
      // Steps are whole numbers: no tick ever falls between two of them. (A key set to
      // undefined would blank the axis labels, so the step-only keys are added only here.)
      ...(opts.x === "step" ? { minInterval: 1, axisLabel: { formatter: (v) => (Number.isInteger(v) ? String(v) : "") } } : {}),
    },
    yAxis: { type: opts.log ? "log" : "value", scale: true, axisLabel: { formatter: (v) => formatNumber(v) } },
    dataZoom: [{ type: "inside", filterMode: "none" }],
    series: lines,
  };
}

/**
 * Parallel coordinates over runs; each dimension {name, values: [per run], numeric}.
 * @param runs [{name, color}] in the dimensions' order
 * @param colorBy index of a numeric dimension to colour lines by, or -1 for each run's colour
 * @param width the chart's width in pixels, to keep axis names from overlapping
 */
export function parallelOptions(dimensions, runs, colorBy = -1, width = 1000) {
  const left = 60;
  const right = colorBy >= 0 ? 160 : 60;
  const spacing = dimensions.length > 1 ? (width - left - right) / (dimensions.length - 1) : width;
  // Neighbouring names sit at two heights, so each may take two spacings of width.
  const nameWidth = Math.max(40, Math.min(220, spacing * 2 - 12));
  const data = runs.map((run, i) => ({
    name: run.name,
    value: dimensions.map((d) => (d.numeric ? (d.values[i] === undefined ? null : Number(d.values[i])) : d.values[i] === undefined ? "" : String(d.values[i]))),
    lineStyle: colorBy >= 0 ? undefined : { color: run.color },
  }));
  const option = {
    animation: false,
    backgroundColor: "transparent",
    parallelAxis: dimensions.map((d, dim) => ({
      dim, name: d.name, nameGap: dim % 2 ? 30 : 12,
      nameTextStyle: { fontSize: 11, width: nameWidth, overflow: "truncate" },
      axisLabel: { width: Math.max(40, spacing - 10), overflow: "truncate" },
      ...(d.numeric ? { type: "value", scale: true }
        : { type: "category", data: [...new Set(d.values.map((v) => (v === undefined ? "" : String(v))))] }),
    })),
    parallel: { left, right, top: 70, bottom: 30, parallelAxisDefault: { realtime: true } },
    tooltip: { trigger: "item", formatter: (p) => h("div", {}, p.name) },
    series: [{ type: "parallel", lineStyle: { width: 2, opacity: 0.75 }, emphasis: { lineStyle: { width: 4, opacity: 1 } }, data }],
  };
  if (colorBy >= 0) {
    const values = data.map((d) => d.value[colorBy]).filter((v) => Number.isFinite(v));
    option.visualMap = {
      type: "continuous", dimension: colorBy, min: Math.min(...values), max: Math.max(...values),
      calculable: true, right: 10, formatter: (v) => formatNumber(Number(Number(v).toPrecision(4))), top: "middle", itemHeight: 200, text: [dimensions[colorBy].name, ""],
      textStyle: { width: 100, overflow: "truncate", fontSize: 11 },
      inRange: { color: ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"] },
    };
  }
  return option;
}

/** Scatter plot of runs on two chosen values; points [{name, x, y, color}]. */
export function scatterOptions(xName, yName, points) {
  return {
    animation: false,
    backgroundColor: "transparent",
    grid: { left: 70, right: 30, top: 30, bottom: 50 },
    tooltip: { formatter: (p) => h("div", {}, h("div", {}, swatch(p.color), p.data.name), `${xName}: ${formatNumber(p.data.value[0])}`, h("br"), `${yName}: ${formatNumber(p.data.value[1])}`) },
    xAxis: { type: "value", name: xName, nameLocation: "middle", nameGap: 28, scale: true },
    yAxis: { type: "value", name: yName, scale: true },
    toolbox: { right: 8, itemSize: 13, feature: { dataZoom: { title: { zoom: "Drag to zoom", back: "Undo zoom" } }, restore: { title: "Reset zoom" } } },
    series: [{ type: "scatter", symbolSize: 12, data: points.map((p) => ({ name: p.name, value: [p.x, p.y], itemStyle: p.color ? { color: p.color } : undefined })) }],
  };
}

/** Controls for metric charts: x axis, smoothing kind and weight, log scale; calls onChange(opts). */
export function chartControls(opts, onChange) {
  opts.smoothKind = opts.smoothKind || "ema";
  const xSelect = h("select", { "aria-label": "X axis", onchange: (e) => { opts.x = e.target.value; onChange(opts); } },
    [["step", "Step"], ["time", "Wall time"], ["relative", "Relative time"]].map(([v, l]) => h("option", { value: v, selected: v === opts.x }, l)));
  const kind = h("select", { "aria-label": "Smoothing method", onchange: (e) => { opts.smoothKind = e.target.value; onChange(opts); } },
    [["ema", "EMA"], ["mean", "Running average"]].map(([v, l]) => h("option", { value: v, selected: v === opts.smoothKind }, l)));
  const label = h("span", { class: "muted" }, String(opts.smoothing));
  const slider = h("input", { type: "range", min: 0, max: 0.99, step: 0.01, value: opts.smoothing, "aria-label": "Smoothing", oninput: (e) => {
    opts.smoothing = Number(e.target.value);
    label.textContent = String(opts.smoothing);
    onChange(opts);
  } });
  const log = h("input", { type: "checkbox", checked: opts.log, "aria-label": "Log scale", onchange: (e) => { opts.log = e.target.checked; onChange(opts); } });
  return h("div", { class: "toolbar" }, "X axis ", xSelect, " Smoothing ", kind, slider, label, h("label", {}, log, " Log scale"));
}
