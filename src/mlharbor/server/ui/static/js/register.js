// "Register model": create the registered model when it is new, then a version of it.

import { askForm, hashUrl } from "./dom.js";
import * as api from "./api.js";

/**
 * Ask for a model name and register `source` as a new version.
 * @param source artifact URI of the model directory, or "models:/<id>" of a logged model
 * @returns the created model version, or null when cancelled
 */
export async function registerModel({ source, runId, modelId, suggestedName }) {
  const values = await askForm("Register model", [
    { name: "name", label: "Registered model name", value: suggestedName || "" },
  ], "Register");
  if (!values || !values.name.trim()) return null;
  const name = values.name.trim();
  try {
    await api.post("registered-models/create", { name });
  } catch (err) {
    if (err.code !== "RESOURCE_ALREADY_EXISTS") throw err;
  }
  const reply = await api.post("model-versions/create", { name, source, run_id: runId, model_id: modelId });
  location.hash = hashUrl(["models", name, "versions", reply.model_version.version]);
  return reply.model_version;
}
