// A small Markdown renderer that builds DOM nodes directly: headings, paragraphs, lists,
// fenced code, block quotes, tables, emphasis, inline code and links. Raw HTML in the source stays
// text, and links are kept only for http(s), mailto and relative targets.

import { h } from "./dom.js";

const SAFE_URL = /^(https?:|mailto:|#|\/|\.{0,2}\/|[^:]*$)/i;

function inline(text) {
  const out = [];
  const pattern = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*]+\*|(?<!\w)_[^_]+_(?!\w))|(\[[^\]]+\]\([^)\s]+\))/;
  let rest = text;
  while (rest) {
    const m = rest.match(pattern);
    if (!m) { out.push(rest); break; }
    if (m.index) out.push(rest.slice(0, m.index));
    const token = m[0];
    if (m[1]) out.push(h("code", {}, token.slice(1, -1)));
    else if (m[2]) out.push(h("strong", {}, inline(token.slice(2, -2))));
    else if (m[3]) out.push(h("em", {}, inline(token.slice(1, -1))));
    else {
      const [, label, url] = token.match(/^\[([^\]]+)\]\(([^)\s]+)\)$/);
      out.push(SAFE_URL.test(url) ? h("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, inline(label)) : label);
    }
    rest = rest.slice(m.index + token.length);
  }
  return out;
}

// A GitHub-style table: a row of cells between pipes, then a rule such as |---|:--:|.
const TABLE_RULE = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;
const isTableRow = (line) => /^\s*\|.*\|\s*$/.test(line);
const cells = (line) => line.trim().replace(/^\||\|$/g, "").split("|").map((c) => c.trim());

/** Render Markdown `source` into a <div class="markdown">. */
export function renderMarkdown(source) {
  const root = h("div", { class: "markdown" });
  const lines = String(source || "").replace(/\r\n?/g, "\n").split("\n");
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (/^```/.test(line)) {
      const code = [];
      for (i++; i < lines.length && !/^```/.test(lines[i]); i++) code.push(lines[i]);
      i++;
      root.appendChild(h("pre", {}, h("code", {}, code.join("\n"))));
      continue;
    }
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    if (heading) {
      root.appendChild(h("h" + Math.min(6, heading[1].length + 2), {}, inline(heading[2])));
      i++;
      continue;
    }
    const listItem = /^\s*([-*+]|\d+[.)])\s+/;
    if (listItem.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const list = h(ordered ? "ol" : "ul");
      for (; i < lines.length && listItem.test(lines[i]); i++) list.appendChild(h("li", {}, inline(lines[i].replace(listItem, ""))));
      root.appendChild(list);
      continue;
    }
    if (isTableRow(line) && i + 1 < lines.length && TABLE_RULE.test(lines[i + 1])) {
      const header = cells(line);
      const body = [];
      for (i += 2; i < lines.length && isTableRow(lines[i]); i++) body.push(cells(lines[i]));
      root.appendChild(h("table", {},
        h("thead", {}, h("tr", {}, header.map((c) => h("th", {}, inline(c))))),
        h("tbody", {}, body.map((row) => h("tr", {}, header.map((_, j) => h("td", {}, inline(row[j] || ""))))))));
      continue;
    }
    if (/^>\s?/.test(line)) {
      const quote = [];
      for (; i < lines.length && /^>\s?/.test(lines[i]); i++) quote.push(lines[i].replace(/^>\s?/, ""));
      root.appendChild(h("blockquote", {}, inline(quote.join(" "))));
      continue;
    }
    if (!line.trim()) { i++; continue; }
    const para = [];
    for (; i < lines.length && lines[i].trim() && (!para.length || (!/^(```|#{1,6}\s|>|\s*([-*+]|\d+[.)])\s)/.test(lines[i]) && !isTableRow(lines[i]))); i++) para.push(lines[i]);
    root.appendChild(h("p", {}, inline(para.join(" "))));
  }
  return root;
}
