// Artifact browser: a lazily expanded tree of files, previews by file type, downloads, and
// "Register model" on directories holding an MLmodel file.

import { h, mount, errorLine } from "./dom.js";
import * as api from "./api.js";
import { registerModel } from "./register.js";

const IMAGE = /\.(png|jpe?g|gif|bmp|webp|svg)$/i;
const TEXT = /\.(txt|log|py|md|sh|cfg|ini|toml|html?|xml|r|sql|ipynb)$/i;
const JSON_FILE = /\.json$/i;
const YAML = /\.ya?ml$/i;
const CSV = /\.(csv|tsv)$/i;
const HTML = /\.html?$/i;
const TEXT_NAMES = new Set(["MLmodel", "MLproject", "requirements.txt", "conda.yaml", "python_env.yaml"]);
const MAX_PREVIEW_BYTES = 2 * 1024 * 1024;

/**
 * A browser over one artifact root.
 * @param source {list(path) -> Promise<{files, root_uri}>, url(path) -> string, runId, modelId,
 *   openPath: a file or directory to expand and select once listed (optional)}
 */
export function artifactBrowser(source) {
  const tree = h("div", { class: "tree", role: "tree", id: "artifact-tree" });
  const preview = h("div", { class: "preview", id: "artifact-preview" }, h("span", { class: "muted" }, "Select a file to preview it."));
  const el = h("div", { class: "artifacts" }, tree, preview);
  let rootUri = "";
  let selected = null;
  const activators = new Map();

  const select = (row) => {
    if (selected) selected.classList.remove("selected");
    selected = row;
    row.classList.add("selected");
  };

  const addEntries = async (container, path, depth) => {
    const reply = await source.list(path);
    rootUri = reply.root_uri || rootUri;
    const files = (reply.files || []).sort((a, b) => (b.is_dir - a.is_dir) || a.path.localeCompare(b.path));
    if (!files.length && depth === 0) container.appendChild(h("span", { class: "muted" }, "No artifacts."));
    for (const file of files) {
      const name = file.path.split("/").pop();
      const children = h("div", { hidden: true });
      const row = h("div", { role: "treeitem", style: `padding-left:${depth * 14 + 4}px`, dataset: { path: file.path }, title: file.path },
        (file.is_dir ? "\u25B8 " : "  ") + name);
      let loaded = false;
      const activate = async () => {
        select(row);
        if (file.is_dir) {
          children.hidden = !children.hidden;
          row.firstChild.textContent = (children.hidden ? "\u25B8 " : "\u25BE ") + name;
          if (!loaded) {
            loaded = true;
            await addEntries(children, file.path, depth + 1).catch((e) => children.appendChild(errorLine(e)));
          }
          await showDirectory(file.path, name);
        } else {
          await showFile(file);
        }
      };
      activators.set(file.path, activate);
      row.addEventListener("click", activate);
      container.append(row, children);
    }
  };

  const showDirectory = async (path, name) => {
    const reply = await source.list(path);
    const hasModel = (reply.files || []).some((f) => f.path.split("/").pop() === "MLmodel");
    const parts = [h("h3", {}, path)];
    if (hasModel && source.runId) {
      parts.push(h("p", {}, "This directory holds a model."),
        h("button", { class: "primary", onclick: () => registerModel({
          source: `${rootUri.replace(/\/$/, "")}/${path}`, runId: source.runId, suggestedName: name,
        }).catch((e) => preview.appendChild(errorLine(e))) }, "Register model"));
    }
    mount(preview, parts);
  };

  const showFile = async (file) => {
    const name = file.path.split("/").pop();
    const url = source.url(file.path);
    const header = h("div", { class: "toolbar" }, h("strong", {}, file.path),
      file.file_size !== undefined ? h("span", { class: "muted" }, `${file.file_size} bytes`) : null,
      h("a", { href: url, download: name }, "Download"));
    mount(preview, header);
    if (IMAGE.test(name)) {
      preview.appendChild(h("img", { src: url, alt: name }));
      return;
    }
    const textual = TEXT.test(name) || JSON_FILE.test(name) || YAML.test(name) || CSV.test(name) || TEXT_NAMES.has(name);
    if (!textual) {
      preview.appendChild(h("p", { class: "muted" }, "No preview for this file type."));
      return;
    }
    if (Number(file.file_size) > MAX_PREVIEW_BYTES) {
      preview.appendChild(h("p", { class: "muted" }, "File too large to preview."));
      return;
    }
    let text;
    try { text = await api.fetchText(url); } catch (err) { preview.appendChild(errorLine(err)); return; }
    if (JSON_FILE.test(name)) {
      try { text = JSON.stringify(JSON.parse(text), null, 2); } catch { /* shown as written */ }
      preview.appendChild(h("pre", {}, text));
    } else if (CSV.test(name)) {
      preview.appendChild(csvTable(text, /\.tsv$/i.test(name) ? "\t" : ","));
    } else if (HTML.test(name)) {
      // Rendered in a sandbox: no scripts run and the frame gets no access to this page.
      preview.appendChild(h("iframe", { class: "html-preview", sandbox: "", srcdoc: text, title: name }));
    } else if (name === "MLmodel") {
      preview.appendChild(mlmodelSummary(text));
      preview.appendChild(h("pre", {}, text));
    } else {
      preview.appendChild(h("pre", {}, text));
    }
  };

  const openPath = async (path) => {
    const parts = path.split("/").filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const activate = activators.get(parts.slice(0, i).join("/"));
      if (!activate) return;
      await activate();
    }
  };

  addEntries(tree, "", 0)
    .then(() => (source.openPath ? openPath(source.openPath) : undefined))
    .catch((e) => tree.appendChild(errorLine(e)));
  return el;
}

/** Split CSV text into rows, honouring quoted fields. */
export function parseCsv(text, sep = ",") {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) { row.push(field); field = ""; }
    else if (c === "\n") { row.push(field.replace(/\r$/, "")); rows.push(row); row = []; field = ""; }
    else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

function csvTable(text, sep) {
  const rows = parseCsv(text, sep);
  const shown = rows.slice(0, 501);
  return h("div", {},
    h("table", { class: "csv" },
      h("thead", {}, h("tr", {}, (shown[0] || []).map((c) => h("th", {}, c)))),
      h("tbody", {}, shown.slice(1).map((r) => h("tr", {}, r.map((c) => h("td", {}, c)))))),
    rows.length > 501 ? h("p", { class: "muted" }, `Showing 500 of ${rows.length - 1} rows.`) : null);
}

/** The flavors and signature of an MLmodel file, read from its top-level YAML keys. */
export function parseMlmodel(text) {
  const flavors = [];
  const signature = {};
  let section = null;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const top = line.match(/^([A-Za-z_]+):/);
    if (top) { section = top[1]; continue; }
    const sub = line.match(/^ {2}([A-Za-z_]+):\s*(.*)$/);
    if (!sub) continue;
    if (section === "flavors") flavors.push(sub[1]);
    if (section === "signature" && sub[2] && sub[2] !== "null") {
      let value = sub[2].trim();
      // A long quoted scalar continues on deeper-indented lines, folded with single spaces.
      while (value.startsWith("'") && !/[^']'$|^''$/.test(value.replace(/''/g, "")) && /^ {4,}/.test(lines[i + 1] || "")) {
        value += " " + lines[++i].trim();
      }
      if (value.startsWith("'") && value.endsWith("'")) value = value.slice(1, -1).replace(/''/g, "'");
      try { signature[sub[1]] = JSON.parse(value); } catch { signature[sub[1]] = value; }
    }
  }
  return { flavors, signature };
}

/** A table of a model signature's columns. */
export function signatureView(signature) {
  const parts = [];
  for (const key of ["inputs", "outputs", "params"]) {
    const value = signature[key];
    if (!value) continue;
    const items = Array.isArray(value) ? value : [];
    parts.push(h("h3", {}, key),
      items.length
        ? h("table", { class: "signature" }, h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Type"))),
          h("tbody", {}, items.map((i) => h("tr", {}, h("td", {}, i.name ?? "-"), h("td", {}, i.type === "tensor" && i["tensor-spec"] ? `tensor ${i["tensor-spec"].dtype} ${JSON.stringify(i["tensor-spec"].shape)}` : i.type ?? "")))))
        : h("pre", {}, String(value)));
  }
  return parts.length ? h("div", {}, parts) : h("p", { class: "muted" }, "No signature.");
}

function mlmodelSummary(text) {
  const { flavors, signature } = parseMlmodel(text);
  return h("div", { class: "card" }, h("div", {}, "Flavors: ", flavors.map((f) => h("span", { class: "pill" }, f))), signatureView(signature));
}
