// The runs table of an experiment page: column headers grouped as Attributes / Metrics /
// Params / Tags, a pinned run-name column with each run's colour, child runs folded under
// their parent, optional grouping rows with per-group means, and keyboard navigation
// (arrows move, Enter opens, Space selects, left/right fold and unfold).

import { h, mount, hashUrl } from "../dom.js";
import { formatNumber, runName } from "../format.js";
import { groupRuns, mean } from "../groups.js";

const GROUP_LABELS = { a: "Attributes", m: "Metrics", p: "Params", t: "Tags" };

function parentOf(run) {
  const tag = (run.data.tags || []).find((t) => t.key === "mlflow.parentRunId");
  return tag ? tag.value : null;
}

/** Runs ordered as rows: each parent followed by its children found on the same page. */
function nest(runs) {
  const ids = new Set(runs.map((r) => r.info.run_id));
  const children = new Map();
  const top = [];
  for (const run of runs) {
    const parent = parentOf(run);
    if (parent && ids.has(parent) && parent !== run.info.run_id) {
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(run);
    } else top.push(run);
  }
  const rows = [];
  const visit = (run, depth) => {
    rows.push({ run, depth, children: (children.get(run.info.run_id) || []).length });
    for (const child of children.get(run.info.run_id) || []) if (depth < 8) visit(child, depth + 1);
  };
  top.forEach((r) => visit(r, 0));
  return rows;
}

/**
 * Render the table.
 * @param ctx {runs, columns: [{id, kind, label, title, order, cell, numeric}], orderKey, ascending,
 *   selected: Set, hidden: Set, colors: Map, groupBy, expanded: Set,
 *   onSort(column), onSelectionChange(), onHiddenChange()}
 */
export function renderRunsTable(table, ctx) {
  const { runs, columns, selected, hidden, colors, expanded } = ctx;
  const sortClass = (c) => (c.order ? "sortable" : "") + (c.order && c.order === ctx.orderKey ? " sorted" + (ctx.ascending ? " asc" : "") : "");
  const allBox = h("input", { type: "checkbox", "aria-label": "Select all", checked: runs.length > 0 && runs.every((r) => selected.has(r.info.run_id)), onchange: (e) => {
    for (const r of runs) e.target.checked ? selected.add(r.info.run_id) : selected.delete(r.info.run_id);
    ctx.onSelectionChange();
    renderRunsTable(table, ctx);
  } });
  const spans = [];
  for (const c of columns) {
    const last = spans[spans.length - 1];
    if (last && last.kind === c.kind) last.count += 1;
    else spans.push({ kind: c.kind, count: 1 });
  }
  const groupRow = h("tr", { class: "column-groups" }, h("th", { class: "pin pin-0" }), h("th", { class: "pin pin-1" }),
    spans.map((s) => h("th", { colspan: s.count, class: "group-" + s.kind, dataset: { group: s.kind } }, GROUP_LABELS[s.kind])));
  const header = h("tr", {}, h("th", { class: "pin pin-0" }, allBox),
    h("th", { class: "pin pin-1 " + sortClass({ order: "attributes.run_name" }), onclick: () => ctx.onSort({ order: "attributes.run_name" }) }, "Run name"),
    columns.map((c) => h("th", { class: sortClass(c) + " group-" + c.kind, title: c.title || c.label, onclick: () => ctx.onSort(c), dataset: { column: c.id } }, c.label)));

  const runRow = ({ run, depth, children }, visible) => {
    const id = run.info.run_id;
    const toggle = children ? h("button", { class: "expander", "aria-label": (expanded.has(id) ? "Collapse" : "Expand") + " child runs", "aria-expanded": expanded.has(id) ? "true" : "false", onclick: (e) => {
      e.stopPropagation();
      expanded.has(id) ? expanded.delete(id) : expanded.add(id);
      renderRunsTable(table, ctx);
    } }, expanded.has(id) ? "▾" : "▸") : null;
    // The colour swatch doubles as the run's show/hide toggle on charts.
    const off = hidden.has(id);
    const swatch = h("button", { class: "swatch run-swatch" + (off ? " off" : ""), "aria-pressed": off ? "false" : "true",
      title: off ? "Hidden from charts; click to show" : "Shown on charts; click to hide",
      "aria-label": (off ? "Show " : "Hide ") + runName(run) + " on charts", onclick: (e) => {
        e.stopPropagation();
        off ? hidden.delete(id) : hidden.add(id);
        ctx.onHiddenChange();
        renderRunsTable(table, ctx);
      } });
    swatch.style.borderColor = colors.get(id);
    if (!off) swatch.style.background = colors.get(id);
    return h("tr", { dataset: { runId: id, depth: String(depth) }, tabindex: -1, hidden: !visible, "aria-level": depth + 1 },
      h("td", { class: "pin pin-0" }, h("input", { type: "checkbox", "aria-label": "Select run", checked: selected.has(id), onchange: (e) => {
        e.target.checked ? selected.add(id) : selected.delete(id);
        ctx.onSelectionChange();
      } })),
      h("td", { class: "pin pin-1 run-name" },
        h("span", { class: "indent", style: `width:${depth * 16}px` }), toggle, swatch,
        h("a", { href: hashUrl(["runs", id]) }, runName(run)),
        children ? h("span", { class: "muted" }, ` (${children})`) : null),
      columns.map((c) => h("td", { class: c.numeric ? "num" : "" }, c.cell(run))));
  };

  // Rows of one list of runs, children shown only under an expanded parent.
  const rowsOf = (list) => {
    const out = [];
    const open = [];
    for (const row of nest(list)) {
      open.length = row.depth;
      const visible = open.every(Boolean);
      out.push(runRow(row, visible));
      open.push(visible && expanded.has(row.run.info.run_id));
    }
    return out;
  };

  let body;
  if (ctx.groupBy) {
    body = groupRuns(runs, ctx.groupBy).map((g) => {
      const key = "group:" + g.key;
      const open = !expanded.has(key); // groups start open; the set records folded ones
      const fold = h("button", { class: "expander", "aria-expanded": open ? "true" : "false", "aria-label": (open ? "Collapse" : "Expand") + " group", onclick: () => {
        open ? expanded.add(key) : expanded.delete(key);
        renderRunsTable(table, ctx);
      } }, open ? "▾" : "▸");
      const aggregate = columns.map((c) => {
        if (c.kind !== "m") return h("td", {});
        const m = mean(g.runs.map((r) => { const item = (r.data.metrics || []).find((x) => x.key === c.id.slice(2)); return item ? item.value : undefined; }));
        return h("td", { class: "num", title: "Mean over the group" }, m === undefined ? "" : formatNumber(m));
      });
      const groupRowEl = h("tr", { class: "group-row", dataset: { group: g.key }, tabindex: -1 }, h("td", { class: "pin pin-0" }),
        h("td", { class: "pin pin-1" }, fold, h("strong", {}, `${ctx.groupBy.slice(2)} = ${g.key}`), h("span", { class: "muted" }, ` (${g.runs.length} runs, mean)`)), aggregate);
      const members = rowsOf(g.runs);
      if (!open) members.forEach((r) => { r.hidden = true; });
      return [groupRowEl, members];
    });
  } else body = rowsOf(runs);
  const empty = runs.length ? null : h("tr", {}, h("td", { colspan: columns.length + 2, class: "muted" }, "No runs."));
  const tbody = h("tbody", { onkeydown: (e) => keyboard(e, table, ctx) }, body, empty);
  mount(table, h("thead", {}, groupRow, header), tbody);
  const first = tbody.querySelector("tr[tabindex]:not([hidden])");
  if (first) first.tabIndex = 0;
}

function keyboard(event, table, ctx) {
  const row = event.target.closest("tr");
  if (!row || event.target !== row) return;
  const rows = [...table.querySelectorAll("tbody tr[tabindex]:not([hidden])")];
  const index = rows.indexOf(row);
  const focus = (target) => {
    if (!target) return;
    rows.forEach((r) => { r.tabIndex = -1; });
    target.tabIndex = 0;
    target.focus();
  };
  const expander = row.querySelector(".expander");
  switch (event.key) {
    case "ArrowDown": focus(rows[index + 1]); break;
    case "ArrowUp": focus(rows[index - 1]); break;
    case "Home": focus(rows[0]); break;
    case "End": focus(rows[rows.length - 1]); break;
    case "Enter": { const link = row.querySelector("a"); if (link) link.click(); break; }
    case " ": { const box = row.querySelector("input[type=checkbox]"); if (box) box.click(); break; }
    case "ArrowRight":
    case "ArrowLeft": {
      const wantOpen = event.key === "ArrowRight";
      if (expander && (expander.getAttribute("aria-expanded") === "true") !== wantOpen) {
        expander.click(); // re-renders the table: focus the same row's new element
        focus(table.querySelector(row.dataset.runId ? `tr[data-run-id="${CSS.escape(row.dataset.runId)}"]` : `tr[data-group="${CSS.escape(row.dataset.group)}"]`));
      }
      break;
    }
    default: return;
  }
  event.preventDefault();
}
