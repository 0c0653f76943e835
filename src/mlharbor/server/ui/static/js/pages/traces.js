// Traces of one experiment (a filterable table, newest first) and one trace (span tree with a
// timeline, each span's inputs, outputs and attributes, and the trace's assessments).

import { h, mount, hashUrl, errorLine } from "../dom.js";
import { formatTime } from "../format.js";

const V3 = "ajax-api/3.0/mlflow/traces";
const HEADERS = { "X-MLharbor-CSRF": "1", "Content-Type": "application/json" };
const SPAN_INPUTS = "mlflow.spanInputs";
const SPAN_OUTPUTS = "mlflow.spanOutputs";
const SPAN_TYPE = "mlflow.spanType";

async function call(path, init) {
  const response = await fetch(V3 + path, { headers: HEADERS, ...init });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message || response.statusText);
  return body;
}

function seconds(duration) {
  return duration ? Number(String(duration).replace(/s$/, "")) : null;
}

function tokens(info) {
  try { return JSON.parse(info.trace_metadata["mlflow.trace.tokenUsage"]).total_tokens; } catch { return ""; }
}

export async function renderTraces(view, params, query, isCurrent) {
  const experimentId = params.id;
  const filter = query.get("filter") || "";
  const searchBox = h("input", { type: "search", id: "trace-filter", value: filter,
    placeholder: "trace.status = 'ERROR' and tags.team = 'search' and span.type = 'LLM'", "aria-label": "Search traces" });
  searchBox.addEventListener("keydown", (e) => {
    if (e.key === "Enter") location.hash = hashUrl(["experiments", experimentId, "traces"], { filter: searchBox.value.trim() });
  });
  const table = h("table", { id: "traces-table" });
  mount(view,
    h("div", { class: "crumbs" }, h("a", { href: "#/" }, "Experiments"), " / ",
      h("a", { href: hashUrl(["experiments", experimentId]) }, "Runs"), " / "),
    h("h1", {}, "Traces"),
    h("div", { class: "toolbar" }, searchBox),
    h("div", { class: "table-wrap" }, table));
  let reply;
  try {
    reply = await call("/search", { method: "POST", body: JSON.stringify({
      locations: [{ mlflow_experiment: { experiment_id: experimentId } }], filter, max_results: 200 }) });
  } catch (err) {
    view.appendChild(errorLine(err));
    return;
  }
  if (!isCurrent()) return;
  const rows = (reply.traces || []).map((info) => h("tr", {},
    h("td", {}, h("a", { href: hashUrl(["traces", info.trace_id]) }, info.tags["mlflow.traceName"] || info.trace_id)),
    h("td", {}, formatTime(Date.parse(info.request_time))),
    h("td", {}, info.state),
    h("td", { class: "num" }, seconds(info.execution_duration) === null ? "" : seconds(info.execution_duration).toFixed(3) + "s"),
    h("td", { class: "num" }, tokens(info)),
    h("td", {}, (info.request_preview || "").slice(0, 120)),
    h("td", {}, Object.entries(info.tags).filter(([k]) => !k.startsWith("mlflow.")).map(([k, v]) => h("span", { class: "pill" }, `${k}=${v}`)))));
  mount(table,
    h("thead", {}, h("tr", {}, ["Trace", "Started", "Status", "Latency", "Tokens", "Request", "Tags"].map((t) => h("th", {}, t)))),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 7, class: "muted" }, "No traces"))));
}

function attributes(span) {
  const out = {};
  for (const item of span.attributes || []) {
    const raw = item.value ? (item.value.stringValue ?? item.value.intValue ?? item.value.doubleValue ?? item.value.boolValue) : undefined;
    try { out[item.key] = typeof raw === "string" ? JSON.parse(raw) : raw; } catch { out[item.key] = raw; }
  }
  return out;
}

function pretty(value) {
  return h("pre", { class: "preview" }, value === undefined ? "" : JSON.stringify(value, null, 2));
}

export async function renderTrace(view, params, query, isCurrent) {
  const reply = await call("/get?trace_id=" + encodeURIComponent(params.id));
  if (!isCurrent()) return;
  const { trace_info: info, spans } = reply.trace;
  const byParent = new Map();
  for (const span of spans) {
    const parent = span.parentSpanId || "";
    if (!byParent.has(parent)) byParent.set(parent, []);
    byParent.get(parent).push(span);
  }
  const start = Math.min(...spans.map((s) => Number(s.startTimeUnixNano)));
  const end = Math.max(...spans.map((s) => Number(s.endTimeUnixNano || s.startTimeUnixNano)));
  const total = Math.max(end - start, 1);
  const detail = h("div", { id: "span-detail" });
  const tree = h("div", { class: "tree", id: "span-tree" });
  const show = (span, row) => {
    tree.querySelectorAll(".selected").forEach((el) => el.classList.remove("selected"));
    row.classList.add("selected");
    const attrs = attributes(span);
    const rest = Object.fromEntries(Object.entries(attrs).filter(([k]) => ![SPAN_INPUTS, SPAN_OUTPUTS].includes(k)));
    mount(detail, h("h2", {}, span.name), h("h3", {}, "Inputs"), pretty(attrs[SPAN_INPUTS]),
      h("h3", {}, "Outputs"), pretty(attrs[SPAN_OUTPUTS]), h("h3", {}, "Attributes"), pretty(rest),
      (span.events || []).length ? [h("h3", {}, "Events"), pretty(span.events)] : null);
  };
  const walk = (parent, depth) => {
    for (const span of (byParent.get(parent) || []).sort((a, b) => Number(a.startTimeUnixNano) - Number(b.startTimeUnixNano))) {
      const left = ((Number(span.startTimeUnixNano) - start) / total) * 100;
      const width = Math.max(((Number(span.endTimeUnixNano || span.startTimeUnixNano) - Number(span.startTimeUnixNano)) / total) * 100, 0.5);
      const status = span.status && String(span.status.code).includes("ERROR") ? "ERROR" : "";
      const row = h("div", { style: `padding-left:${depth * 16 + 4}px` },
        h("span", {}, span.name), " ", h("span", { class: "pill" }, attributes(span)[SPAN_TYPE] || ""),
        status ? h("span", { class: "error" }, " ERROR") : null,
        h("div", { class: "timeline" }, h("div", { style: `margin-left:${left}%;width:${width}%` })));
      row.addEventListener("click", () => show(span, row));
      tree.appendChild(row);
      walk(span.spanId, depth + 1);
    }
  };
  walk("", 0);
  const experimentId = info.trace_location.mlflow_experiment.experiment_id;
  const assessments = (info.assessments || []).map((a) => h("tr", {},
    h("td", {}, a.assessment_name), h("td", {}, JSON.stringify((a.feedback || a.expectation || {}).value)),
    h("td", {}, (a.source || {}).source_type || ""), h("td", {}, a.rationale || "")));
  mount(view,
    h("div", { class: "crumbs" }, h("a", { href: hashUrl(["experiments", experimentId, "traces"]) }, "Traces"), " / "),
    h("h1", {}, info.tags["mlflow.traceName"] || info.trace_id),
    h("div", { class: "grid2 card" }, "Trace ID", info.trace_id, "Status", info.state, "Started",
      formatTime(Date.parse(info.request_time)), "Latency", info.execution_duration || "", "Tokens", String(tokens(info))),
    h("div", { class: "artifacts" }, tree, detail),
    h("h2", {}, "Assessments"),
    h("table", { id: "assessments" }, h("tbody", {}, assessments.length ? assessments : h("tr", {}, h("td", { class: "muted" }, "None")))));
  const first = tree.querySelector("div");
  if (first) first.click();
}
