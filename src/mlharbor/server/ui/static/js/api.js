// Calls to the tracking server's /ajax-api endpoints. Errors carry the server's
// error_code and message so pages can show them inline.

const BASE = "ajax-api/2.0/mlflow/";
const CSRF = { "X-MLharbor-CSRF": "1" };

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function parse(response) {
  const text = await response.text();
  let body = {};
  try { body = text ? JSON.parse(text) : {}; } catch { body = { message: text }; }
  if (!response.ok) {
    throw new ApiError(response.status, body.error_code || "HTTP_" + response.status,
      body.message || response.statusText);
  }
  return body;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) v.forEach((item) => q.append(k, item));
    else q.set(k, v);
  }
  const text = q.toString();
  return text ? "?" + text : "";
}

export async function get(path, params) {
  return parse(await fetch(BASE + path + query(params), { headers: CSRF }));
}

export async function send(method, path, body) {
  return parse(await fetch(BASE + path, {
    method,
    headers: { ...CSRF, "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  }));
}

export const post = (path, body) => send("POST", path, body);

/** URL of a run artifact's bytes. */
export function runArtifactUrl(runId, path) {
  return "get-artifact" + query({ path, run_uuid: runId });
}

/** URL of a logged model artifact's bytes. */
export function loggedModelArtifactUrl(modelId, path) {
  return BASE + "logged-models/" + encodeURIComponent(modelId) + "/artifacts/files" + query({ artifact_file_path: path });
}

/** URL of a registered model version's artifact bytes. */
export function modelVersionArtifactUrl(name, version, path) {
  return "model-versions/get-artifact" + query({ name, version, path });
}

/** Fetch the text of an artifact URL, failing with the server's message. */
export async function fetchText(url) {
  const response = await fetch(url);
  if (!response.ok) await parse(response);
  return response.text();
}

/** Key/value list of a run's data section as a Map. */
export function toMap(items, field = "value") {
  const map = new Map();
  for (const item of items || []) map.set(item.key, item[field]);
  return map;
}
