// Experiments list: search by name, create, rename, delete, restore and (admins, through the
// server's gc endpoint) permanently delete a deleted experiment with its runs and artifacts.

import { h, mount, hashUrl, errorLine, askForm } from "../dom.js";
import * as api from "../api.js";
import { formatTime } from "../format.js";

export async function renderExperiments(view, _params, query) {
  const viewType = query.get("view") || "ACTIVE_ONLY";
  const nameFilter = query.get("q") || "";
  const status = h("div");
  const body = h("tbody");
  const search = h("input", { type: "search", placeholder: "Filter experiments by name", value: nameFilter, "aria-label": "Filter experiments" });
  const viewSelect = h("select", { "aria-label": "Lifecycle" },
    [["ACTIVE_ONLY", "Active"], ["DELETED_ONLY", "Deleted"], ["ALL", "All"]].map(([v, label]) => h("option", { value: v, selected: v === viewType }, label)));
  const go = () => { location.hash = hashUrl(["experiments"], { q: search.value, view: viewSelect.value }); };
  search.addEventListener("keydown", (e) => { if (e.key === "Enter") go(); });
  viewSelect.addEventListener("change", go);

  const create = async () => {
    const values = await askForm("Create experiment", [
      { name: "name", label: "Name" },
      { name: "artifact_location", label: "Artifact location (optional)" },
    ], "Create");
    if (!values) return;
    try {
      const created = await api.post("experiments/create", { name: values.name, artifact_location: values.artifact_location || undefined });
      location.hash = hashUrl(["experiments", created.experiment_id]);
    } catch (err) { mount(status, errorLine(err)); }
  };

  mount(view,
    h("h1", {}, "Experiments"),
    h("div", { class: "toolbar" }, search, viewSelect, h("button", { class: "primary", onclick: create }, "Create experiment")),
    status,
    h("div", { class: "table-wrap" }, h("table", { id: "experiments-table" },
      h("thead", {}, h("tr", {}, ["Name", "ID", "Artifact location", "Created", "Last updated", ""].map((c) => h("th", {}, c)))),
      body)));

  const escaped = nameFilter.replace(/'/g, "\\'");
  let token = null;
  const loadPage = async () => {
    const reply = await api.post("experiments/search", {
      max_results: 200,
      view_type: viewType,
      filter: nameFilter ? `name ILIKE '%${escaped}%'` : undefined,
      order_by: ["last_update_time DESC"],
      page_token: token || undefined,
    });
    for (const exp of reply.experiments || []) body.appendChild(experimentRow(exp, status));
    token = reply.next_page_token || null;
    more.hidden = !token;
  };
  const more = h("button", { onclick: () => loadPage().catch((e) => mount(status, errorLine(e))) }, "Load more");
  view.appendChild(more);
  await loadPage();
}

function experimentRow(exp, status) {
  const deleted = exp.lifecycle_stage === "deleted";
  const act = (fn) => async () => {
    try { await fn(); window.dispatchEvent(new HashChangeEvent("hashchange")); } catch (err) { mount(status, errorLine(err)); }
  };
  const rename = act(async () => {
    const values = await askForm("Rename experiment", [{ name: "new_name", label: "New name", value: exp.name }], "Rename");
    if (values) await api.post("experiments/update", { experiment_id: exp.experiment_id, new_name: values.new_name });
  });
  const remove = act(async () => {
    if (confirm(`Delete experiment "${exp.name}"?`)) await api.post("experiments/delete", { experiment_id: exp.experiment_id });
  });
  const restore = act(() => api.post("experiments/restore", { experiment_id: exp.experiment_id }));
  const purge = act(async () => {
    if (confirm(`Permanently delete experiment "${exp.name}" with all its runs and artifacts? This cannot be undone.`)) {
      await api.post("../mlharbor/gc", { experiment_ids: [exp.experiment_id] });
    }
  });
  return h("tr", { dataset: { experimentId: exp.experiment_id } },
    h("td", {}, h("a", { href: hashUrl(["experiments", exp.experiment_id]) }, exp.name)),
    h("td", {}, exp.experiment_id),
    h("td", { class: "muted" }, exp.artifact_location || ""),
    h("td", {}, formatTime(exp.creation_time)),
    h("td", {}, formatTime(exp.last_update_time)),
    h("td", {},
      deleted
        ? [h("button", { onclick: restore }, "Restore"), " ", h("button", { class: "danger", onclick: purge }, "Permanently delete")]
        : [h("button", { onclick: rename }, "Rename"), " ", h("button", { class: "danger", onclick: remove }, "Delete")]));
}
