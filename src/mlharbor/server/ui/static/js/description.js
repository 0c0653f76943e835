// A Markdown description that can be edited in place, with a live preview beside the text.

import { h, mount, errorLine } from "./dom.js";
import { renderMarkdown } from "./markdown.js";

/**
 * @param text the current Markdown
 * @param save async (text) => void, storing the new text
 * @returns the element showing (and editing) the description
 */
export function descriptionEditor(text, save, id = "description") {
  const el = h("div", { class: "card description", id });
  const show = () => mount(el,
    h("div", { class: "toolbar" }, h("strong", {}, "Description"), h("button", { class: "edit-description", onclick: edit }, "Edit")),
    text ? renderMarkdown(text) : h("span", { class: "muted" }, "No description."));
  const edit = () => {
    const area = h("textarea", { rows: 10, "aria-label": "Description (Markdown)", value: text });
    const preview = h("div", { class: "description-preview" }, renderMarkdown(text));
    area.addEventListener("input", () => mount(preview, renderMarkdown(area.value)));
    const status = h("div");
    const submit = async () => {
      try {
        await save(area.value);
        text = area.value;
        show();
      } catch (err) { mount(status, errorLine(err)); }
    };
    mount(el,
      h("div", { class: "toolbar" }, h("strong", {}, "Description"), h("span", { class: "muted" }, "Markdown, previewed on the right")),
      h("div", { class: "description-edit" }, area, preview),
      h("div", { class: "toolbar" }, h("button", { class: "primary save-description", onclick: submit }, "Save"), h("button", { onclick: show }, "Cancel")),
      status);
    area.focus();
  };
  show();
  return el;
}
