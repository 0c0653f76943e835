// A run: overview, parameters, metrics with charts, tags (editable), datasets, logged models
// and the artifact browser.

import { h, mount, hashUrl, errorLine, askForm } from "../dom.js";
import * as api from "../api.js";
import { formatTime, formatDuration, formatNumber, runName } from "../format.js";
import { createChart, draw as drawChart, metricOptions, chartControls, loadChartLibrary } from "../charts.js";
import { runColors } from "../palette.js";
import { descriptionEditor } from "../description.js";
import { artifactBrowser } from "../artifacts.js";
import { registerModel } from "../register.js";

const MAX_CHART_POINTS = 2500;
const TABS = [["overview", "Overview"], ["metrics", "Metric charts"], ["artifacts", "Artifacts"]];

export async function renderRun(view, params, query, isCurrent) {
  const runId = params.id;
  const tab = query.get("tab") || "overview";
  const run = (await api.get("runs/get", { run_id: runId })).run;
  if (!isCurrent()) return;
  const experiment = (await api.get("experiments/get", { experiment_id: run.info.experiment_id })).experiment;
  const tags = api.toMap(run.data.tags);
  const body = h("div");
  mount(view,
    h("div", { class: "crumbs" }, h("a", { href: "#/" }, "Experiments"), " / ",
      h("a", { href: hashUrl(["experiments", experiment.experiment_id]) }, experiment.name), " /"),
    h("h1", { id: "run-title" }, runName(run)),
    h("div", { class: "tabs" }, TABS.map(([id, label]) => h("button", {
      class: id === tab ? "active" : "", onclick: () => { location.hash = hashUrl(["runs", runId], { tab: id }); },
    }, label))),
    body);
  if (tab === "metrics") return renderCharts(body, run, query.get("metric"));
  if (tab === "artifacts") {
    mount(body, artifactBrowser({
      runId,
      list: (path) => api.get("artifacts/list", { run_id: runId, path }),
      url: (path) => api.runArtifactUrl(runId, path),
      openPath: query.get("path") || "",
    }));
    return;
  }
  await renderOverview(body, run, tags, isCurrent);
}

async function renderOverview(body, run, tags, isCurrent) {
  const info = run.info;
  const parentId = tags.get("mlflow.parentRunId");
  // Rows without a value are left out rather than shown empty.
  const field = (label, value, id) => (value === undefined || value === null || value === "" ? null
    : [h("div", { class: "muted" }, label), h("div", { id }, value)]);
  const overview = h("div", { class: "card grid2", id: "run-overview" });
  const models = h("div");
  const source = tags.get("mlflow.source.name");
  const fill = (extra = []) => mount(overview,
    field("Run ID", info.run_id),
    field("Status", info.status),
    field("Started", formatTime(info.start_time)),
    field("Duration", formatDuration(info.start_time, info.end_time)),
    field("User", info.user_id || tags.get("mlflow.user")),
    field("Source", source ? [source, tags.get("mlflow.source.type") ? ` (${tags.get("mlflow.source.type")})` : ""] : null),
    field("Git commit", tags.get("mlflow.source.git.commit")),
    field("Lifecycle", info.lifecycle_stage === "active" ? null : info.lifecycle_stage),
    field("Parent run", parentId ? h("a", { href: hashUrl(["runs", parentId]) }, parentId) : null),
    extra,
    field("Artifact URI", info.artifact_uri));
  fill();
  const description = descriptionEditor(tags.get("mlflow.note.content") || "",
    (text) => api.post("runs/set-tag", { run_id: info.run_id, key: "mlflow.note.content", value: text }), "run-description");
  mount(body,
    overview,
    description,
    h("h2", {}, "Parameters"), keyValueTable(run.data.params, "params-table"),
    h("h2", {}, "Metrics"), metricsTable(run),
    h("h2", {}, "Tags"), tagEditor(run, tags),
    h("h2", {}, "Datasets"), datasetsView(run.inputs),
    h("h2", {}, "Logged models"), models);

  const [childReply, modelReply, versionReply] = await Promise.allSettled([
    api.post("runs/search", { experiment_ids: [info.experiment_id], filter: `tags.mlflow.parentRunId = '${info.run_id}'`, max_results: 100 }),
    api.post("logged-models/search", { experiment_ids: [info.experiment_id], filter: `source_run_id = '${info.run_id}'`, max_results: 100 }),
    api.get("model-versions/search", { filter: `run_id = '${info.run_id}'`, max_results: 100 }),
  ]);
  if (!isCurrent()) return;
  const children = childReply.status === "fulfilled" ? childReply.value.runs || [] : [];
  const versions = versionReply.status === "fulfilled" ? versionReply.value.model_versions || [] : [];
  fill([
    field("Child runs", children.length ? children.map((c) => [h("a", { href: hashUrl(["runs", c.info.run_id]) }, runName(c)), " "]) : null),
    field("Registered as", versions.length ? versions.map((v) => [h("a", { class: "pill", href: hashUrl(["models", v.name, "versions", v.version]) }, `${v.name} v${v.version}`), " "]) : null, "registered-versions"),
    [childReply, versionReply].filter((r) => r.status === "rejected").map((r) => errorLine(r.reason)),
  ]);
  if (modelReply.status === "fulfilled") mount(models, loggedModels(modelReply.value.models || [], run));
  else mount(models, errorLine(modelReply.reason));
}

function keyValueTable(items, id) {
  if (!items || !items.length) return h("p", { class: "muted" }, "None.");
  const sorted = [...items].sort((a, b) => a.key.localeCompare(b.key));
  return h("table", { id }, h("thead", {}, h("tr", {}, h("th", {}, "Key"), h("th", {}, "Value"))),
    h("tbody", {}, sorted.map((i) => h("tr", {}, h("td", {}, i.key), h("td", {}, i.value)))));
}

function metricsTable(run) {
  const items = [...(run.data.metrics || [])].sort((a, b) => a.key.localeCompare(b.key));
  if (!items.length) return h("p", { class: "muted" }, "None.");
  return h("table", { id: "metrics-table" }, h("thead", {}, h("tr", {}, ["Key", "Latest value", "Step", ""].map((c) => h("th", {}, c)))),
    h("tbody", {}, items.map((m) => h("tr", {},
      h("td", {}, m.key), h("td", { class: "num" }, formatNumber(m.value)), h("td", {}, m.step ?? 0),
      h("td", {}, h("a", { href: hashUrl(["runs", run.info.run_id], { tab: "metrics", metric: m.key }) }, "Chart"))))));
}

function tagEditor(run, tags) {
  const status = h("div");
  const runId = run.info.run_id;
  const refresh = () => window.dispatchEvent(new HashChangeEvent("hashchange"));
  const edit = async (key, value) => {
    const values = await askForm(key ? "Edit tag" : "Add tag", [
      { name: "key", label: "Key", value: key || "" },
      { name: "value", label: "Value", value: value || "" },
    ], "Save");
    if (!values) return;
    try {
      await api.post("runs/set-tag", { run_id: runId, key: values.key, value: values.value });
      if (key && key !== values.key) await api.post("runs/delete-tag", { run_id: runId, key });
      refresh();
    } catch (err) { mount(status, errorLine(err)); }
  };
  const remove = async (key) => {
    try { await api.post("runs/delete-tag", { run_id: runId, key }); refresh(); } catch (err) { mount(status, errorLine(err)); }
  };
  const userTags = [...tags.entries()].filter(([k]) => !k.startsWith("mlflow.")).sort();
  const systemTags = [...tags.entries()].filter(([k]) => k.startsWith("mlflow.") && k !== "mlflow.note.content").sort();
  return h("div", {},
    h("table", { id: "tags-table" }, h("thead", {}, h("tr", {}, h("th", {}, "Key"), h("th", {}, "Value"), h("th", {}, ""))),
      h("tbody", {},
        userTags.map(([k, v]) => h("tr", { dataset: { tag: k } }, h("td", {}, k), h("td", {}, v), h("td", {},
          h("button", { onclick: () => edit(k, v) }, "Edit"), " ", h("button", { class: "danger", onclick: () => remove(k) }, "Delete")))),
        userTags.length ? null : h("tr", {}, h("td", { colspan: 3, class: "muted" }, "No tags.")))),
    systemTags.length ? h("details", { id: "system-tags" }, h("summary", {}, `System (${systemTags.length})`),
      h("table", {}, h("tbody", {}, systemTags.map(([k, v]) => h("tr", { class: "muted" }, h("td", {}, k), h("td", {}, v)))))) : null,
    h("div", { class: "toolbar" }, h("button", { id: "add-tag", onclick: () => edit(null, null) }, "Add tag")),
    status);
}

function datasetsView(inputs) {
  const items = (inputs && inputs.dataset_inputs) || [];
  if (!items.length) return h("p", { class: "muted" }, "None.");
  return h("table", { id: "datasets-table" },
    h("thead", {}, h("tr", {}, ["Name", "Digest", "Context", "Source", "Schema"].map((c) => h("th", {}, c)))),
    h("tbody", {}, items.map((input) => {
      const d = input.dataset || {};
      const context = (input.tags || []).find((t) => t.key === "mlflow.data.context");
      return h("tr", {}, h("td", {}, d.name), h("td", {}, d.digest), h("td", {}, context ? context.value : ""),
        h("td", {}, d.source_type ? `${d.source_type}: ${d.source || ""}` : d.source || ""),
        h("td", {}, h("details", {}, h("summary", {}, "schema"), h("pre", {}, d.schema || ""))));
    })));
}

function loggedModels(models, run) {
  if (!models.length) return h("p", { class: "muted" }, "None.");
  return h("table", { id: "logged-models-table" },
    h("thead", {}, h("tr", {}, ["Name", "Model ID", "Created", "Status", ""].map((c) => h("th", {}, c)))),
    h("tbody", {}, models.map((m) => {
      const info = m.info || m;
      const files = h("div");
      return [h("tr", {},
        h("td", {}, h("a", { href: hashUrl(["experiments", info.experiment_id, "models", info.model_id]) }, info.name)), h("td", {}, info.model_id), h("td", {}, formatTime(info.creation_timestamp_ms)), h("td", {}, info.status),
        h("td", {},
          h("button", { onclick: () => mount(files, artifactBrowser({
            list: (path) => api.get(`logged-models/${encodeURIComponent(info.model_id)}/artifacts/directories`, { artifact_directory_path: path }),
            url: (path) => api.loggedModelArtifactUrl(info.model_id, path),
          })) }, "Files"), " ",
          h("button", { class: "primary register-logged-model", onclick: () => registerModel({
            source: `models:/${info.model_id}`, runId: run.info.run_id, modelId: info.model_id, suggestedName: info.name,
          }).catch((e) => files.appendChild(errorLine(e))) }, "Register model"))),
      h("tr", {}, h("td", { colspan: 5 }, files))];
    })));
}

async function renderCharts(body, run, focus) {
  const keys = [...new Set((run.data.metrics || []).map((m) => m.key))].sort();
  if (!keys.length) { mount(body, h("p", { class: "muted" }, "This run has no metrics.")); return; }
  await loadChartLibrary();
  const opts = { x: "step", smoothing: 0, log: false };
  const color = runColors(run.info.experiment_id, [run.info.run_id]).get(run.info.run_id);
  const grid = h("div", { class: "charts" });
  const charts = [];
  mount(body, chartControls(opts, () => charts.forEach((c) => c.draw())), grid);
  for (const key of keys) {
    const { el, chart } = createChart("chart", { dataset: { metric: key } });
    grid.appendChild(el);
    if (key === focus) requestAnimationFrame(() => el.scrollIntoView({ block: "center" }));
    const entry = { points: null, draw() { if (this.points) drawChart(chart, metricOptions(key, [{ name: runName(run), color, points: this.points }], opts)); } };
    charts.push(entry);
    // The server samples long histories evenly (first and last step kept), so a metric with
    // millions of points still draws at once.
    api.get("metrics/get-history-bulk-interval", { run_ids: [run.info.run_id], metric_key: key, max_results: MAX_CHART_POINTS }).then((reply) => {
      entry.points = reply.metrics || [];
      entry.draw();
      el.dataset.points = String(entry.points.length);
    }).catch((err) => el.replaceWith(errorLine(err)));
  }
}
