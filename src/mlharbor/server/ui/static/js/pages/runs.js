// One experiment's runs: a server-paged, server-sorted table with user-chosen columns,
// MLflow filter search, selection for compare and delete, grouping by a param or tag, and
// the chart view over the same runs.

import { h, mount, hashUrl, errorLine } from "../dom.js";
import * as api from "../api.js";
import { formatTime, formatDuration, formatNumber } from "../format.js";
import { runColors } from "../palette.js";
import { renderRunsTable } from "./runtable.js";
import { chartView } from "./chartview.js";
import { descriptionEditor } from "../description.js";

const PAGE_SIZE = 100;
const CHART_RUN_CHOICES = [10, 20, 50, 100];
const BASE_COLUMNS = [
  { id: "a:start_time", label: "Created", order: "attributes.start_time", cell: (r) => formatTime(r.info.start_time) },
  { id: "a:duration", label: "Duration", cell: (r) => formatDuration(r.info.start_time, r.info.end_time) },
  { id: "a:status", label: "Status", order: "attributes.status", cell: (r) => r.info.status },
  { id: "a:user_id", label: "User", order: "attributes.user_id", cell: (r) => r.info.user_id || "" },
].map((c) => ({ ...c, kind: "a" }));
const KINDS = { m: ["metrics", "Metric"], p: ["params", "Param"], t: ["tags", "Tag"] };

function columnFor(id) {
  const kind = id.slice(0, 1);
  const key = id.slice(2);
  const [section, label] = KINDS[kind];
  const quoted = "`" + key.replace(/`/g, "") + "`";
  return {
    id, label: key, title: `${label}: ${key}`, kind,
    order: `${section}.${quoted}`,
    cell: (run) => {
      const item = (run.data[section] || []).find((x) => x.key === key);
      if (!item) return "";
      return kind === "m" ? formatNumber(item.value) : item.value;
    },
    numeric: kind === "m",
  };
}

function stored(name, experimentId) {
  try { return JSON.parse(localStorage.getItem(`mlharbor.${name}.${experimentId}`) || "null"); } catch { return null; }
}

function store(name, experimentId, value) {
  localStorage.setItem(`mlharbor.${name}.${experimentId}`, JSON.stringify(value));
}

export async function renderRuns(view, params, query, isCurrent) {
  const experimentId = params.id;
  const filter = query.get("filter") || "";
  const order = query.get("order") || "attributes.start_time DESC";
  const lifecycle = query.get("view") || "ACTIVE_ONLY";
  const mode = query.get("mode") === "charts" ? "charts" : "table";
  const groupBy = query.get("group") || "";
  const experiment = (await api.get("experiments/get", { experiment_id: experimentId })).experiment;
  if (!isCurrent()) return;

  const state = {
    tokens: [null], page: 0, runs: [], selected: new Set(), columns: stored("columns", experimentId),
    hiddenAttributes: new Set(stored("attributes", experimentId) || []), hidden: new Set(stored("hidden", experimentId) || []),
    chartRuns: stored("chartRuns", experimentId) || CHART_RUN_CHOICES[0], expanded: new Set(), colors: new Map(),
  };
  const navigate = (changes) => {
    const next = { filter, order, view: lifecycle, mode, group: groupBy, ...changes };
    location.hash = hashUrl(["experiments", experimentId], next);
  };

  const searchBox = h("input", { type: "search", id: "run-filter", value: filter, placeholder: "metrics.rmse < 1 and params.model = 'tree'", "aria-label": "Search runs" });
  searchBox.addEventListener("keydown", (e) => { if (e.key === "Enter") navigate({ filter: searchBox.value.trim() }); });
  const searchError = h("div", { id: "search-error" });
  const status = h("div");
  const pager = h("span", { class: "muted" });
  const prev = h("button", { onclick: () => load(state.page - 1) }, "Previous");
  const next = h("button", { onclick: () => load(state.page + 1) }, "Next");
  const compare = h("button", { class: "primary", id: "compare-runs", onclick: () => {
    location.hash = hashUrl(["compare"], { runs: [...state.selected].join(","), experiment: experimentId });
  } }, "Compare");
  // Deleted runs are restored, others deleted, by the one action button.
  const restoring = lifecycle === "DELETED_ONLY";
  const remove = h("button", { class: restoring ? "" : "danger", id: "delete-runs", onclick: async () => {
    if (!restoring && !confirm(`Delete ${state.selected.size} run(s)?`)) return;
    try {
      for (const id of state.selected) await api.post(restoring ? "runs/restore" : "runs/delete", { run_id: id });
      state.selected.clear();
      updateButtons();
      await load(state.page);
    } catch (err) { mount(status, errorLine(err)); }
  } }, restoring ? "Restore" : "Delete");
  // Datasets the experiment's runs used; choosing one adds it to the filter.
  const datasetSelect = h("select", { id: "dataset-filter", "aria-label": "Dataset", hidden: true, onchange: (e) => {
    const clause = e.target.value;
    if (clause) navigate({ filter: filter ? `${filter} and ${clause}` : clause });
  } });
  const columnsPanel = h("div", { class: "columns-panel", hidden: true });
  const columnsButton = h("button", { id: "columns-button", onclick: () => { columnsPanel.hidden = !columnsPanel.hidden; } }, "Columns");
  const lifecycleSelect = h("select", { "aria-label": "Lifecycle", onchange: (e) => navigate({ view: e.target.value }) },
    [["ACTIVE_ONLY", "Active runs"], ["DELETED_ONLY", "Deleted runs"], ["ALL", "All runs"]].map(([v, l]) => h("option", { value: v, selected: v === lifecycle }, l)));

  const modeTabs = h("div", { class: "tabs" }, [["table", "Table"], ["charts", "Charts"]].map(([id, label]) =>
    h("button", { class: id === mode ? "active" : "", id: "mode-" + id, onclick: () => navigate({ mode: id }) }, label)));
  const groupSelect = h("select", { id: "group-by", "aria-label": "Group by", onchange: (e) => navigate({ group: e.target.value }) });
  const chartRunsSelect = h("select", { id: "chart-runs", "aria-label": "Runs on charts", hidden: mode !== "charts", onchange: (e) => {
    state.chartRuns = Number(e.target.value);
    store("chartRuns", experimentId, state.chartRuns);
    render();
  } }, CHART_RUN_CHOICES.map((n) => h("option", { value: n, selected: n === state.chartRuns }, `First ${n} runs on charts`)));
  const content = h("div");

  const updateButtons = () => {
    compare.disabled = state.selected.size < 2;
    remove.disabled = state.selected.size === 0;
  };

  mount(view,
    h("div", { class: "crumbs" }, h("a", { href: "#/" }, "Experiments"), " / "),
    h("h1", {}, experiment.name),
    h("div", { class: "muted" }, `ID ${experiment.experiment_id} · artifacts: ${experiment.artifact_location || ""} · `,
      h("a", { href: hashUrl(["experiments", experimentId, "traces"]), id: "traces-link" }, "Traces")),
    descriptionEditor(((experiment.tags || []).find((t) => t.key === "mlflow.note.content") || {}).value || "",
      (text) => api.post("experiments/set-experiment-tag", { experiment_id: experimentId, key: "mlflow.note.content", value: text }),
      "experiment-description"),
    h("div", { class: "toolbar" }, searchBox, h("button", { onclick: () => navigate({ filter: searchBox.value.trim() }) }, "Search"),
      filter ? h("button", { onclick: () => navigate({ filter: "" }) }, "Clear") : null, datasetSelect),
    searchError,
    modeTabs,
    h("div", { class: "toolbar" }, lifecycleSelect, groupSelect, chartRunsSelect, compare, remove,
      h("span", { style: "flex:1" }), prev, pager, next, h("span", { class: "columns-menu" }, columnsButton, columnsPanel)),
    status,
    content);
  updateButtons();

  const columns = () => [...BASE_COLUMNS.filter((c) => !state.hiddenAttributes.has(c.id)), ...(state.columns || []).map(columnFor)]
    .sort((a, b) => "ampt".indexOf(a.kind) - "ampt".indexOf(b.kind));

  const sortBy = (column) => {
    if (!column.order) return;
    const [current, dir] = order.split(/\s+(?=(?:ASC|DESC)$)/i);
    const descending = current === column.order ? !/DESC/i.test(dir || "") : column.kind === "m";
    navigate({ order: `${column.order} ${descending ? "DESC" : "ASC"}` });
  };

  const renderColumnsPanel = (runs) => {
    const keys = { m: new Set(), p: new Set(), t: new Set() };
    for (const run of runs) {
      for (const m of run.data.metrics || []) keys.m.add(m.key);
      for (const p of run.data.params || []) keys.p.add(p.key);
      for (const t of run.data.tags || []) if (!t.key.startsWith("mlflow.")) keys.t.add(t.key);
    }
    for (const id of state.columns || []) keys[id.slice(0, 1)].add(id.slice(2));
    if (state.columns === null) {
      state.columns = [...[...keys.m].sort().slice(0, 12).map((k) => "m:" + k), ...[...keys.p].sort().slice(0, 12).map((k) => "p:" + k)];
    }
    const chosen = new Set(state.columns);
    const attributes = [h("strong", {}, "Attributes"), BASE_COLUMNS.map((c) => h("label", {}, h("input", { type: "checkbox", checked: !state.hiddenAttributes.has(c.id), dataset: { column: c.id }, onchange: (e) => {
      e.target.checked ? state.hiddenAttributes.delete(c.id) : state.hiddenAttributes.add(c.id);
      store("attributes", experimentId, [...state.hiddenAttributes]);
      render();
    } }), " ", c.label))];
    mount(groupSelect, h("option", { value: "" }, "No grouping"),
      [...keys.p].sort().map((k) => h("option", { value: "p:" + k, selected: groupBy === "p:" + k }, "Group by param " + k)),
      [...keys.t].sort().map((k) => h("option", { value: "t:" + k, selected: groupBy === "t:" + k }, "Group by tag " + k)));
    const groups = Object.entries(KINDS).map(([kind, [, label]]) => [
      h("strong", {}, label + "s"),
      [...keys[kind]].sort().map((key) => {
        const id = kind + ":" + key;
        return h("label", {}, h("input", { type: "checkbox", checked: chosen.has(id), dataset: { column: id }, onchange: (e) => {
          state.columns = e.target.checked ? [...state.columns, id] : state.columns.filter((c) => c !== id);
          store("columns", experimentId, state.columns);
          render();
          renderColumnsPanel(state.runs);
        } }), " ", key, chosen.has(id) ? h("button", { class: "move-column", title: "Move left in the table", "aria-label": `Move ${key} left`, onclick: (e) => {
          e.preventDefault();
          const at = state.columns.indexOf(id);
          const before = state.columns.slice(0, at).map((c, i) => [c, i]).filter(([c]) => c[0] === kind).pop();
          if (!before) return;
          [state.columns[before[1]], state.columns[at]] = [state.columns[at], state.columns[before[1]]];
          store("columns", experimentId, state.columns);
          render();
          renderColumnsPanel(state.runs);
        } }, "↑") : null);
      }),
    ]);
    mount(columnsPanel, attributes, groups);
  };

  const table = h("table", { id: "runs-table" });
  const render = () => {
    const [orderKey, orderDir] = order.split(/\s+(?=(?:ASC|DESC)$)/i);
    state.colors = runColors(experimentId, state.runs.map((r) => r.info.run_id));
    if (mode === "charts") {
      const shown = state.runs.filter((r) => !state.hidden.has(r.info.run_id)).slice(0, state.chartRuns);
      mount(content, h("p", { class: "muted", id: "chart-runs-note" },
        `Charts show ${shown.length} of the ${state.runs.length} runs on this page; hide runs or show more in the table.`),
        chartView({ experimentId, runs: shown, colors: state.colors, groupBy }));
      return;
    }
    renderRunsTable(table, {
      runs: state.runs, columns: columns(), orderKey, ascending: /ASC/i.test(orderDir || ""),
      selected: state.selected, hidden: state.hidden, colors: state.colors, groupBy, expanded: state.expanded,
      onSort: sortBy, onSelectionChange: updateButtons,
      onHiddenChange: () => store("hidden", experimentId, [...state.hidden].slice(-1000)),
    });
    if (!content.contains(table)) mount(content, h("div", { class: "table-wrap" }, table));
  };

  async function load(page) {
    const token = state.tokens[page];
    if (page < 0 || token === undefined) return;
    let reply;
    try {
      reply = await api.post("runs/search", {
        experiment_ids: [experimentId], filter, run_view_type: lifecycle,
        max_results: PAGE_SIZE, order_by: [order], page_token: token || undefined,
      });
    } catch (err) {
      if (!isCurrent()) return;
      mount(searchError, errorLine(err));
      prev.disabled = true;
      next.disabled = true;
      state.runs = [];
      render();
      return;
    }
    if (!isCurrent()) return;
    state.page = page;
    state.runs = reply.runs || [];
    state.tokens[page + 1] = reply.next_page_token || undefined;
    state.tokens.length = page + 2;
    mount(pager, `Page ${page + 1} · runs ${page * PAGE_SIZE + (state.runs.length ? 1 : 0)}–${page * PAGE_SIZE + state.runs.length}`);
    prev.disabled = page === 0;
    next.disabled = !reply.next_page_token;
    renderColumnsPanel(state.runs);
    render();
    // Lets scripts (tests, benchmarks) wait for a finished page load.
    const root = document.documentElement.dataset;
    root.runsLoads = String(Number(root.runsLoads || 0) + 1);
  }

  loadDatasets(experimentId, datasetSelect, isCurrent);
  await load(0);
}

/** A filter literal for `value`, or null when it holds both kinds of quote. */
function literal(value) {
  if (!value.includes("'")) return `'${value}'`;
  return value.includes('"') ? null : `"${value}"`;
}

async function loadDatasets(experimentId, select, isCurrent) {
  let summaries;
  try {
    summaries = (await api.post("experiments/search-datasets", { experiment_ids: [experimentId] })).dataset_summaries || [];
  } catch {
    return; // the filter box still works without the list
  }
  if (!isCurrent() || !summaries.length) return;
  const options = summaries.map((s) => {
    const name = literal(s.name);
    const digest = literal(s.digest);
    const context = s.context ? literal(s.context) : "";
    const parts = [`dataset.name = ${name}`, `dataset.digest = ${digest}`, context ? `dataset.context = ${context}` : null];
    const usable = name && digest && context !== null;
    const label = `${s.name} (${s.digest})${s.context ? " · " + s.context : ""}`;
    return h("option", { value: usable ? parts.filter(Boolean).join(" and ") : "", disabled: !usable }, label);
  });
  mount(select, h("option", { value: "" }, "Filter by dataset…"), options);
  select.hidden = false;
}
