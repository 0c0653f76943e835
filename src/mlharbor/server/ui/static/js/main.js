// Hash router: each view of the application lives behind a "#/..." fragment, so the page
// works under any path prefix and reloads keep the view.

import { h, mount, errorLine } from "./dom.js";
import { renderExperiments } from "./pages/experiments.js";
import { renderRuns } from "./pages/runs.js";
import { renderRun } from "./pages/run.js";
import { renderCompare } from "./pages/compare.js";
import { renderModels, renderModel, renderModelVersion } from "./pages/models.js";
import { renderSweep } from "./pages/sweep.js";
import { renderLoggedModel } from "./pages/loggedmodel.js";
import { mlflowAlias } from "./aliases.js";
import { renderTraces, renderTrace } from "./pages/traces.js";

const ROUTES = [
  [[], renderExperiments, "experiments"],
  [["experiments"], renderExperiments, "experiments"],
  [["experiments", ":id"], renderRuns, "experiments"],
  [["experiments", ":id", "models", ":modelId"], renderLoggedModel, "experiments"],
  [["runs", ":id"], renderRun, "experiments"],
  [["compare"], renderCompare, "experiments"],
  [["experiments", ":id", "traces"], renderTraces, "experiments"],
  [["traces", ":id"], renderTrace, "experiments"],
  [["models"], renderModels, "models"],
  [["models", ":name"], renderModel, "models"],
  [["models", ":name", "versions", ":version"], renderModelVersion, "models"],
  [["sweeps", ":id"], renderSweep, "experiments"],
];

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, queryText] = raw.split("?", 2);
  const segments = path ? path.split("/").map((s) => decodeURIComponent(s)) : [];
  return { segments, query: new URLSearchParams(queryText || "") };
}

function match(segments) {
  for (const [pattern, render, section] of ROUTES) {
    if (pattern.length !== segments.length) continue;
    const params = {};
    if (pattern.every((p, i) => (p.startsWith(":") ? ((params[p.slice(1)] = segments[i]), true) : p === segments[i]))) {
      return { render, params, section };
    }
  }
  return null;
}

let generation = 0;

async function route() {
  const root = document.getElementById("app");
  const parsed = parseHash();
  let { query } = parsed;
  let found = match(parsed.segments);
  const alias = found ? null : mlflowAlias(parsed.segments, query);
  if (alias) {
    found = match(alias.segments);
    query = alias.query;
  }
  const mine = ++generation;
  document.querySelectorAll("[data-nav]").forEach((a) => a.classList.toggle("active", found && a.dataset.nav === found.section));
  if (!found) {
    mount(root, h("h1", {}, "Page not found"), h("a", { href: "#/" }, "Back to experiments"));
    return;
  }
  const view = h("div", { class: "view" });
  mount(root, view);
  try {
    await found.render(view, found.params, query, () => mine === generation);
  } catch (err) {
    if (mine === generation) view.appendChild(errorLine(err));
  }
}

window.addEventListener("hashchange", route);
route();
