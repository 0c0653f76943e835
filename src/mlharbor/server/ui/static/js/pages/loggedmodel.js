// A logged model (MLflow 3): its overview, params, metrics per dataset, tags, the runs that
// produced or evaluated it, the registry versions it became, and its files.

import { h, mount, hashUrl, errorLine } from "../dom.js";
import * as api from "../api.js";
import { formatTime, formatNumber } from "../format.js";
import { artifactBrowser } from "../artifacts.js";
import { registerModel } from "../register.js";

const quote = (s) => "'" + String(s).replace(/\\/g, "\\\\").replace(/'/g, "\\'") + "'";

export async function renderLoggedModel(view, params, _query, isCurrent) {
  const { id: experimentId, modelId } = params;
  const [modelReply, experimentReply] = await Promise.all([
    api.get("logged-models/" + encodeURIComponent(modelId)),
    api.get("experiments/get", { experiment_id: experimentId }),
  ]);
  if (!isCurrent()) return;
  const { info, data = {} } = modelReply.model;
  const experiment = experimentReply.experiment;
  const tags = info.tags || [];
  const metrics = data.metrics || [];
  const runIds = [...new Set([info.source_run_id, ...metrics.map((m) => m.run_id)].filter(Boolean))];
  const field = (label, value, id) => (value === undefined || value === null || value === "" ? null
    : [h("div", { class: "muted" }, label), h("div", { id }, value)]);
  const versions = h("div", { id: "model-registrations" }, h("span", { class: "muted" }, "…"));
  const runs = h("div", { id: "model-runs" }, h("span", { class: "muted" }, "…"));
  const files = h("div");
  const status = h("div");
  mount(view,
    h("div", { class: "crumbs" }, h("a", { href: "#/" }, "Experiments"), " / ",
      h("a", { href: hashUrl(["experiments", experiment.experiment_id]) }, experiment.name), " / Logged models /"),
    h("h1", { id: "logged-model-title" }, info.name),
    h("div", { class: "toolbar" }, h("button", { class: "primary", onclick: () => registerModel({
      source: `models:/${info.model_id}`, runId: info.source_run_id || undefined, modelId: info.model_id, suggestedName: info.name,
    }).catch((e) => mount(status, errorLine(e))) }, "Register model")),
    status,
    h("div", { class: "card grid2", id: "logged-model-overview" },
      field("Model ID", info.model_id),
      field("Status", info.status),
      field("Created", formatTime(info.creation_timestamp_ms)),
      field("Last modified", formatTime(info.last_updated_timestamp_ms)),
      field("Model type", info.model_type),
      field("Source run", info.source_run_id ? h("a", { href: hashUrl(["runs", info.source_run_id]), id: "logged-model-source-run" }, info.source_run_id) : null),
      field("Artifact URI", info.artifact_uri)),
    h("h2", {}, "Registered versions"), versions,
    h("h2", {}, "Parameters"), keyValues(data.params || [], "logged-model-params"),
    h("h2", {}, "Metrics"), metricsByDataset(metrics),
    h("h2", {}, "Runs"), runs,
    h("h2", {}, "Tags"), keyValues(tags.filter((t) => !t.key.startsWith("mlflow.")), "logged-model-tags"),
    tags.some((t) => t.key.startsWith("mlflow.")) ? h("details", {}, h("summary", {}, "System"), keyValues(tags.filter((t) => t.key.startsWith("mlflow.")), "logged-model-system-tags")) : null,
    h("h2", {}, "Files"), files);
  mount(files, artifactBrowser({
    list: (path) => api.get(`logged-models/${encodeURIComponent(info.model_id)}/artifacts/directories`, { artifact_directory_path: path }),
    url: (path) => api.loggedModelArtifactUrl(info.model_id, path),
  }));

  const [versionReply, ...runReplies] = await Promise.allSettled([
    info.source_run_id ? api.get("model-versions/search", { filter: `run_id = ${quote(info.source_run_id)}`, max_results: 200 }) : Promise.resolve({}),
    ...runIds.map((id) => api.get("runs/get", { run_id: id })),
  ]);
  if (!isCurrent()) return;
  // Versions registered from this model: those the server lists on it, and those of the
  // source run whose model id is this one.
  const found = new Map((info.registrations || []).map((r) => [`${r.name}\u0000${r.version}`, r]));
  if (versionReply.status === "fulfilled") {
    for (const v of versionReply.value.model_versions || []) if (v.model_id === info.model_id) found.set(`${v.name}\u0000${v.version}`, v);
  }
  mount(versions, found.size
    ? [...found.values()].map((v) => [h("a", { class: "pill", href: hashUrl(["models", v.name, "versions", String(v.version)]) }, `${v.name} v${v.version}`), " "])
    : h("span", { class: "muted" }, "Not registered."),
  versionReply.status === "rejected" ? errorLine(versionReply.reason) : null);
  mount(runs, runIds.length ? h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Run"), h("th", {}, "Role"))),
    h("tbody", {}, runIds.map((id, i) => {
      const reply = runReplies[i];
      const name = reply.status === "fulfilled" ? reply.value.run.info.run_name || id : id;
      return h("tr", {}, h("td", {}, h("a", { href: hashUrl(["runs", id]) }, name)),
        h("td", {}, id === info.source_run_id ? "logged this model" : "evaluated this model"));
    }))) : h("span", { class: "muted" }, "None."));
}

function keyValues(items, id) {
  if (!items.length) return h("p", { class: "muted" }, "None.");
  return h("table", { id }, h("thead", {}, h("tr", {}, h("th", {}, "Key"), h("th", {}, "Value"))),
    h("tbody", {}, [...items].sort((a, b) => a.key.localeCompare(b.key)).map((i) => h("tr", {}, h("td", {}, i.key), h("td", {}, i.value)))));
}

/** Metrics in one table per dataset they were computed on. */
function metricsByDataset(metrics) {
  if (!metrics.length) return h("p", { class: "muted" }, "None.");
  const byDataset = new Map();
  for (const m of metrics) {
    const label = m.dataset_name ? `${m.dataset_name}${m.dataset_digest ? ` (${m.dataset_digest})` : ""}` : "No dataset";
    if (!byDataset.has(label)) byDataset.set(label, []);
    byDataset.get(label).push(m);
  }
  return h("div", { id: "logged-model-metrics" }, [...byDataset.entries()].map(([label, items]) => h("div", { class: "card", dataset: { dataset: label } },
    h("strong", {}, label),
    h("table", {}, h("thead", {}, h("tr", {}, ["Metric", "Value", "Step", "Run"].map((c) => h("th", {}, c)))),
      h("tbody", {}, items.sort((a, b) => a.key.localeCompare(b.key)).map((m) => h("tr", {},
        h("td", {}, m.key), h("td", { class: "num" }, formatNumber(m.value)), h("td", {}, m.step ?? 0),
        h("td", {}, m.run_id ? h("a", { href: hashUrl(["runs", m.run_id]) }, m.run_id) : ""))))))));
}
