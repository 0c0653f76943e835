// Run colours: 100 colours picked greedily for the largest smallest CIELAB distance between
// any two (lightness 40-72, so each reads on light and dark backgrounds). A run keeps the colour
// it was first given in this browser, per experiment, so the table swatch, the line charts and
// the parallel coordinates agree, and the first 100 runs seen never share one.

export const PALETTE = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#8700ff",
  "#ff0fe1", "#3c694b", "#005af0", "#ff0078", "#966900", "#ff8787", "#00b487", "#a5b478", "#962dc3", "#4b6900",
  "#b4a5d2", "#d20096", "#b42d5a", "#d29669", "#6996ff", "#f078ff", "#e1a500", "#ff0000", "#006978", "#00c300",
  "#b44b00", "#874b78", "#d22dff", "#b44b3c", "#c38796", "#00b4f0", "#a578ff", "#87784b", "#78b400", "#00783c",
  "#784bff", "#005ac3", "#c3a54b", "#ff875a", "#87a53c", "#69a587", "#a53ca5", "#ff5aa5", "#ff4b69", "#69b469",
  "#f0963c", "#5a5a96", "#d296ff", "#4b96b4", "#c300b4", "#00c369", "#d26987", "#ff5a1e", "#965a2d", "#694bc3",
  "#b43c87", "#69a5f0", "#69874b", "#ff5ad2", "#c387c3", "#1ec3b4", "#3c9696", "#c3003c", "#008769", "#878700",
  "#c35aff", "#8787d2", "#4b8700", "#c37869", "#87b4e1", "#ff003c", "#0078ff", "#d20f78", "#78c34b", "#961ee1",
  "#0078d2", "#7887b4", "#b49600", "#d24b5a", "#ff695a", "#78691e", "#ff0096", "#a54b5a", "#d269d2", "#c3783c",
  "#9678a5", "#f096b4", "#785af0", "#c3870f", "#00780f", "#9687f0", "#ff00ff", "#ff00b4", "#c34bd2", "#e15a2d",
];

const KEPT = 1000; // remembered runs per experiment; older assignments are forgotten first

function storageKey(experimentId) {
  return "mlharbor.colors." + experimentId;
}

function load(experimentId) {
  try {
    const stored = JSON.parse(localStorage.getItem(storageKey(experimentId)) || "[]");
    return Array.isArray(stored) ? stored : [];
  } catch {
    return [];
  }
}

/** Colours for `runIds` of one experiment, as a Map run id -> CSS colour. */
export function runColors(experimentId, runIds) {
  const entries = load(experimentId); // [[runId, index], ...] oldest first
  const byRun = new Map(entries);
  let changed = false;
  for (const id of runIds) {
    if (byRun.has(id)) continue;
    const used = new Set(byRun.values());
    let index = PALETTE.findIndex((_, i) => !used.has(i));
    if (index < 0) index = byRun.size % PALETTE.length;
    byRun.set(id, index);
    changed = true;
  }
  if (changed) {
    const kept = [...byRun.entries()].slice(-KEPT);
    try { localStorage.setItem(storageKey(experimentId), JSON.stringify(kept)); } catch { /* storage full: colours stay for this view */ }
  }
  return new Map(runIds.map((id) => [id, PALETTE[byRun.get(id)]]));
}
