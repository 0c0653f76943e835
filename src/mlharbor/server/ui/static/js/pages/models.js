// Model registry: models list with search, a model's page (description, tags, aliases,
// versions) and a version's page (source run, signature, stage, aliases).

import { h, mount, hashUrl, errorLine, askForm } from "../dom.js";
import * as api from "../api.js";
import { formatTime } from "../format.js";
import { descriptionEditor } from "../description.js";
import { parseMlmodel, signatureView } from "../artifacts.js";

const STAGES = ["None", "Staging", "Production", "Archived"];
const refresh = () => window.dispatchEvent(new HashChangeEvent("hashchange"));
const quote = (s) => "'" + String(s).replace(/\\/g, "\\\\").replace(/'/g, "\\'") + "'";

function guarded(status, fn) {
  return async (...args) => {
    try { await fn(...args); } catch (err) { mount(status, errorLine(err)); }
  };
}

export async function renderModels(view, _params, query) {
  const q = query.get("q") || "";
  const status = h("div", { id: "models-error" });
  const search = h("input", { type: "search", value: q, placeholder: "Search models by name", "aria-label": "Search models" });
  search.addEventListener("keydown", (e) => { if (e.key === "Enter") location.hash = hashUrl(["models"], { q: search.value }); });
  const body = h("tbody");
  const create = guarded(status, async () => {
    const values = await askForm("Create model", [{ name: "name", label: "Name" }, { name: "description", label: "Description" }], "Create");
    if (!values) return;
    await api.post("registered-models/create", { name: values.name, description: values.description || undefined });
    location.hash = hashUrl(["models", values.name]);
  });
  let token = null;
  const more = h("button", { hidden: true, onclick: () => load().catch((e) => mount(status, errorLine(e))) }, "Load more");
  mount(view, h("h1", {}, "Registered models"),
    h("div", { class: "toolbar" }, search, h("button", { class: "primary", onclick: create }, "Create model")),
    status,
    h("table", { id: "models-table" }, h("thead", {}, h("tr", {}, ["Name", "Latest version", "Aliases", "Last modified", "Tags"].map((c) => h("th", {}, c)))), body),
    more);
  const load = async () => {
    const reply = await api.get("registered-models/search", {
      filter: q ? `name ILIKE ${quote("%" + q + "%")}` : undefined, max_results: 100, page_token: token || undefined,
      order_by: ["name ASC"],
    });
    for (const m of reply.registered_models || []) {
      const latest = (m.latest_versions || []).reduce((a, v) => Math.max(a, Number(v.version)), 0);
      body.appendChild(h("tr", {},
        h("td", {}, h("a", { href: hashUrl(["models", m.name]) }, m.name)),
        h("td", {}, latest ? h("a", { href: hashUrl(["models", m.name, "versions", String(latest)]) }, "Version " + latest) : ""),
        h("td", {}, (m.aliases || []).map((a) => h("span", { class: "pill" }, `@${a.alias} → v${a.version}`))),
        h("td", {}, formatTime(m.last_updated_timestamp)),
        h("td", {}, (m.tags || []).map((t) => h("span", { class: "pill" }, `${t.key}: ${t.value}`)))));
    }
    token = reply.next_page_token || null;
    more.hidden = !token;
  };
  await load();
}

export async function renderModel(view, params, _query, isCurrent) {
  const name = params.name;
  const [modelReply, versionsReply] = await Promise.all([
    api.get("registered-models/get", { name }),
    api.get("model-versions/search", { filter: `name=${quote(name)}`, max_results: 1000, order_by: ["version_number DESC"] }),
  ]);
  if (!isCurrent()) return;
  const model = modelReply.registered_model;
  const versions = versionsReply.model_versions || [];
  const aliasesOf = new Map();
  for (const a of model.aliases || []) aliasesOf.set(a.version, [...(aliasesOf.get(a.version) || []), a.alias]);
  const status = h("div");

  const rename = guarded(status, async () => {
    const values = await askForm("Rename model", [{ name: "new_name", label: "New name", value: name }], "Rename");
    if (!values) return;
    await api.post("registered-models/rename", { name, new_name: values.new_name });
    location.hash = hashUrl(["models", values.new_name]);
  });
  const remove = guarded(status, async () => {
    if (!confirm(`Delete model "${name}" and all its versions?`)) return;
    await api.send("DELETE", "registered-models/delete", { name });
    location.hash = "#/models";
  });

  mount(view,
    h("div", { class: "crumbs" }, h("a", { href: "#/models" }, "Registered models"), " /"),
    h("h1", {}, name),
    h("div", { class: "toolbar" }, h("button", { onclick: rename }, "Rename"), h("button", { class: "danger", onclick: remove }, "Delete model")),
    status,
    h("div", { class: "muted" }, `Created ${formatTime(model.creation_timestamp)} · last modified ${formatTime(model.last_updated_timestamp)}`),
    descriptionEditor(model.description || "", (text) => api.send("PATCH", "registered-models/update", { name, description: text }), "model-description"),
    h("h2", {}, "Tags"),
    tagTable(model.tags, status,
      (key, value) => api.post("registered-models/set-tag", { name, key, value }),
      (key) => api.send("DELETE", "registered-models/delete-tag", { name, key })),
    h("h2", {}, "Aliases"),
    aliasEditor(name, model.aliases || [], status, null),
    h("h2", {}, "Versions"),
    h("table", { id: "versions-table" },
      h("thead", {}, h("tr", {}, ["Version", "Registered", "Stage", "Aliases", "Source run", "Description"].map((c) => h("th", {}, c)))),
      h("tbody", {}, versions.map((v) => h("tr", { dataset: { version: v.version } },
        h("td", {}, h("a", { href: hashUrl(["models", name, "versions", v.version]) }, "Version " + v.version)),
        h("td", {}, formatTime(v.creation_timestamp)),
        h("td", {}, v.current_stage),
        h("td", {}, (aliasesOf.get(v.version) || []).map((a) => h("span", { class: "pill" }, "@" + a))),
        h("td", {}, v.run_id ? h("a", { href: hashUrl(["runs", v.run_id]) }, v.run_id) : ""),
        h("td", {}, v.description || ""))))));
}

function tagTable(tags, status, setTag, deleteTag) {
  const edit = guarded(status, async (key, value) => {
    const values = await askForm(key ? "Edit tag" : "Add tag", [{ name: "key", label: "Key", value: key || "" }, { name: "value", label: "Value", value: value || "" }], "Save");
    if (!values) return;
    await setTag(values.key, values.value);
    if (key && key !== values.key) await deleteTag(key);
    refresh();
  });
  const remove = guarded(status, async (key) => { await deleteTag(key); refresh(); });
  return h("div", {},
    h("table", {}, h("tbody", {}, (tags || []).map((t) => h("tr", {}, h("td", {}, t.key), h("td", {}, t.value), h("td", {},
      h("button", { onclick: () => edit(t.key, t.value) }, "Edit"), " ", h("button", { class: "danger", onclick: () => remove(t.key) }, "Delete")))))),
    h("button", { onclick: () => edit(null, null) }, "Add tag"));
}

/** Alias pills with remove buttons and an "Add alias" action; `version` fixes the target. */
function aliasEditor(name, aliases, status, version) {
  const add = guarded(status, async () => {
    const fields = [{ name: "alias", label: "Alias" }];
    if (version === null) fields.push({ name: "version", label: "Version" });
    const values = await askForm("Set alias", fields, "Set alias");
    if (!values) return;
    await api.post("registered-models/alias", { name, alias: values.alias, version: version ?? values.version });
    refresh();
  });
  const remove = guarded(status, async (alias) => {
    await api.send("DELETE", "registered-models/alias", { name, alias });
    refresh();
  });
  const shown = version === null ? aliases : aliases.filter((a) => a.version === version);
  return h("div", { class: "toolbar", id: "aliases" },
    shown.length ? shown.map((a) => h("span", { class: "pill", dataset: { alias: a.alias } }, `@${a.alias}`, version === null ? ` → v${a.version}` : "", " ",
      h("button", { title: "Remove alias", "aria-label": "Remove alias " + a.alias, onclick: () => remove(a.alias) }, "×"))) : h("span", { class: "muted" }, "No aliases."),
    h("button", { id: "add-alias", onclick: add }, "Add alias"));
}

export async function renderModelVersion(view, params, _query, isCurrent) {
  const { name, version } = params;
  const [versionReply, modelReply] = await Promise.all([
    api.get("model-versions/get", { name, version }),
    api.get("registered-models/get", { name }),
  ]);
  if (!isCurrent()) return;
  const mv = versionReply.model_version;
  const status = h("div");
  const signature = h("div", {}, h("span", { class: "muted" }, "…"));
  const stageSelect = h("select", { id: "stage-select", "aria-label": "Stage" }, STAGES.map((s) => h("option", { value: s, selected: s === mv.current_stage }, s)));
  const archive = h("input", { type: "checkbox" });
  const transition = guarded(status, async () => {
    await api.post("model-versions/transition-stage", { name, version, stage: stageSelect.value, archive_existing_versions: archive.checked });
    refresh();
  });
  const field = (label, value) => [h("div", { class: "muted" }, label), h("div", {}, value ?? "")];
  mount(view,
    h("div", { class: "crumbs" }, h("a", { href: "#/models" }, "Registered models"), " / ", h("a", { href: hashUrl(["models", name]) }, name), " /"),
    h("h1", {}, `${name} · Version ${version}`),
    status,
    h("div", { class: "card grid2", id: "version-overview" },
      field("Registered", formatTime(mv.creation_timestamp)),
      field("Last modified", formatTime(mv.last_updated_timestamp)),
      field("Status", mv.status),
      field("Stage", mv.current_stage),
      field("Source run", mv.run_id ? h("a", { href: hashUrl(["runs", mv.run_id]), id: "source-run" }, mv.run_id) : ""),
      field("Source", mv.source),
      field("Logged model", h("span", { id: "logged-model-link" }, mv.model_id || ""))),
    h("h2", {}, "Stage"),
    h("div", { class: "toolbar" }, stageSelect, h("label", {}, archive, " Archive other versions in this stage"), h("button", { class: "primary", id: "transition", onclick: transition }, "Transition")),
    h("h2", {}, "Aliases"),
    aliasEditor(name, modelReply.registered_model.aliases || [], status, version),
    descriptionEditor(mv.description || "", (text) => api.send("PATCH", "model-versions/update", { name, version, description: text }), "version-description"),
    h("h2", {}, "Tags"),
    tagTable(mv.tags, status,
      (key, value) => api.post("model-versions/set-tag", { name, version, key, value }),
      (key) => api.send("DELETE", "model-versions/delete-tag", { name, version, key })),
    h("h2", {}, "Signature"), signature);
  if (mv.model_id) linkLoggedModel(mv.model_id, isCurrent);
  try {
    const text = await api.fetchText(api.modelVersionArtifactUrl(name, version, "MLmodel"));
    if (!isCurrent()) return;
    const parsed = parseMlmodel(text);
    mount(signature, h("div", {}, "Flavors: ", parsed.flavors.map((f) => h("span", { class: "pill" }, f))), signatureView(parsed.signature));
  } catch (err) {
    mount(signature, errorLine(err));
  }
}

/** Turn the version's logged model id into a link to its page, which needs its experiment. */
async function linkLoggedModel(modelId, isCurrent) {
  try {
    const { info } = (await api.get("logged-models/" + encodeURIComponent(modelId))).model;
    const holder = document.getElementById("logged-model-link");
    if (!isCurrent() || !holder) return;
    mount(holder, h("a", { href: hashUrl(["experiments", info.experiment_id, "models", modelId]) }, `${info.name} (${modelId})`));
  } catch {
    // The id stays as text when the model is gone or not readable.
  }
}
