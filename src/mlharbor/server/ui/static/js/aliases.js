// MLflow's UI routes, as its client, UI and docs print them, mapped onto this UI's own views, so
// a link such as "#/experiments/1/runs/<run id>" opens the same thing here.

const RUN_TABS = { "model-metrics": "metrics", "system-metrics": "metrics", artifacts: "artifacts", overview: "overview" };

/** A JSON array query value (`runs=["a","b"]`) or a comma-separated one, as a list. */
function listParam(query, name) {
  const raw = query.get(name);
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw);
    if (Array.isArray(parsed)) return parsed.map(String);
    if (parsed && typeof parsed === "object") return Object.values(parsed).map(String);
    return [String(parsed)];
  } catch {
    return raw.split(",").filter(Boolean);
  }
}

function compare(runIds, experimentIds) {
  const query = new URLSearchParams({ runs: runIds.join(",") });
  if (experimentIds.length) query.set("experiment", experimentIds[0]);
  return { segments: ["compare"], query };
}

/**
 * The view an MLflow route stands for: `{segments, query}` of this UI's route, or null when
 * `segments` is not one of MLflow's routes.
 */
export function mlflowAlias(segments, query) {
  const [head, id, section, runId, tab, ...rest] = segments;
  if (head === "experiments" && id !== undefined) {
    if (section === "runs" && runId !== undefined) {
      const q = new URLSearchParams();
      if (tab === "artifacts" || tab === "artifactPath") {
        q.set("tab", "artifacts");
        if (rest.length) q.set("path", rest.join("/"));
      } else if (tab !== undefined) {
        if (rest.length || !(tab in RUN_TABS)) return null;
        q.set("tab", RUN_TABS[tab]);
      }
      return { segments: ["runs", runId], query: q };
    }
    // Tabs of an experiment's page ("runs", "overview", "chart", "traces"...); routes of this
    // UI (a logged model's page) match before any alias.
    if (section !== undefined && runId === undefined) {
      return { segments: ["experiments", id], query: new URLSearchParams() };
    }
    if (section === "overview" && tab === undefined) {
      return { segments: ["experiments", id], query: new URLSearchParams() };
    }
    return null;
  }
  if (head === "compare-runs" && segments.length === 1) {
    return compare(listParam(query, "runs"), listParam(query, "experiments"));
  }
  if (head === "compare-model-versions" && segments.length === 1) {
    return compare(listParam(query, "runs"), []);
  }
  if (head === "compare-experiments") {
    return { segments: ["experiments"], query: new URLSearchParams() };
  }
  if (head === "metric" && segments.length >= 2) {
    const metric = segments.slice(1).join("/");
    const runIds = listParam(query, "runs");
    if (runIds.length === 1) {
      return { segments: ["runs", runIds[0]], query: new URLSearchParams({ tab: "metrics", metric }) };
    }
    return compare(runIds, listParam(query, "experiments"));
  }
  if (head === "models" && id !== undefined && section !== undefined && section !== "versions" && runId === undefined) {
    return { segments: ["models", id], query: new URLSearchParams() };
  }
  if (head === "models" && section === "versions" && runId !== undefined && tab !== undefined && !rest.length) {
    return { segments: ["models", id, "versions", runId], query: new URLSearchParams() };
  }
  return null;
}
