// Building DOM nodes. Every piece of data becomes a text node or an attribute value set
// through the DOM API; nothing here parses strings as markup.

/** Create an element: h("a", {href: "#/x", onclick: fn}, "text", child, [more]). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "value" || key === "checked" || key === "disabled" || key === "selected") {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replace the children of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A URL fragment `#/a/b?x=1` whose segments and query values are encoded. */
export function hashUrl(segments, query) {
  let url = "#/" + segments.map((s) => encodeURIComponent(s)).join("/");
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
    const text = q.toString();
    if (text) url += "?" + text;
  }
  return url;
}

/** An inline error line showing the server's message. */
export function errorLine(err) {
  return h("div", { class: "error", role: "alert" }, err && err.message ? err.message : String(err));
}

/** A modal dialog with labelled inputs; resolves with their values or null when cancelled. */
export function askForm(title, fields, submitLabel = "OK") {
  return new Promise((resolve) => {
    const inputs = {};
    const rows = fields.map((f) => {
      const input = f.options
        ? h("select", { name: f.name }, f.options.map((o) => h("option", { value: o, selected: o === f.value }, o)))
        : h("input", { name: f.name, type: "text", value: f.value || "", placeholder: f.placeholder || "" });
      inputs[f.name] = input;
      return h("label", {}, f.label, h("br"), input);
    });
    const dialog = h("dialog", {},
      h("form", { method: "dialog" },
        h("h2", {}, title), rows,
        h("div", { class: "toolbar" },
          h("button", { value: "ok", class: "primary", type: "submit" }, submitLabel),
          h("button", { value: "cancel", type: "button", onclick: () => dialog.close("cancel") }, "Cancel"))));
    dialog.addEventListener("close", () => {
      const values = {};
      for (const [k, input] of Object.entries(inputs)) values[k] = input.value;
      dialog.remove();
      resolve(dialog.returnValue === "ok" ? values : null);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}
