// Grouping runs by a param or tag value, and the aggregates drawn for a group: the mean of
// the group's runs with their min-max range or standard deviation as a band, and per-column
// means in the table.

/** The value `run` has for `groupBy` ("p:<param>" or "t:<tag>"), or "(none)". */
export function groupValue(run, groupBy) {
  const section = groupBy.startsWith("p:") ? "params" : "tags";
  const key = groupBy.slice(2);
  const item = (run.data[section] || []).find((x) => x.key === key);
  return item ? item.value : "(none)";
}

/** [{key, runs}] in order of first appearance of each value among `runs`. */
export function groupRuns(runs, groupBy) {
  const groups = new Map();
  for (const run of runs) {
    const key = groupValue(run, groupBy);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(run);
  }
  return [...groups.entries()].map(([key, members]) => ({ key, runs: members }));
}

/** Linear interpolation of sorted [[x, y]] at `x`, or undefined outside its range. */
function valueAt(xy, x, cursor) {
  while (cursor.i < xy.length - 1 && xy[cursor.i + 1][0] <= x) cursor.i += 1;
  const [x0, y0] = xy[cursor.i];
  if (x < xy[0][0] || x > xy[xy.length - 1][0]) return undefined;
  if (x0 === x || cursor.i === xy.length - 1) return y0;
  const [x1, y1] = xy[cursor.i + 1];
  return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
}

/**
 * Mean line, min-max band and mean ± one standard deviation band of several runs' [[x, y]]
 * lines. Runs are interpolated at the
 * union of their x values (the server samples the same steps of equally long runs, so these
 * mostly coincide); a run counts only within its own x range.
 */
export function aggregateLines(lines) {
  const nonEmpty = lines.filter((xy) => xy.length);
  const xs = [...new Set(nonEmpty.flatMap((xy) => xy.map(([x]) => x)))].sort((a, b) => a - b);
  const cursors = nonEmpty.map(() => ({ i: 0 }));
  const mean = [];
  const band = [];
  const std = [];
  for (const x of xs) {
    let sum = 0;
    let squares = 0;
    let n = 0;
    let lo = Infinity;
    let hi = -Infinity;
    nonEmpty.forEach((xy, k) => {
      const y = valueAt(xy, x, cursors[k]);
      if (y === undefined || !Number.isFinite(y)) return;
      sum += y;
      squares += y * y;
      n += 1;
      lo = Math.min(lo, y);
      hi = Math.max(hi, y);
    });
    if (!n) continue;
    const m = sum / n;
    const sd = Math.sqrt(Math.max(0, squares / n - m * m));
    mean.push([x, m]);
    band.push([x, lo, hi]);
    std.push([x, m - sd, m + sd]);
  }
  return { mean, band, std };
}

/** Mean of the finite numbers among `values`, or undefined. */
export function mean(values) {
  const finite = values.map(Number).filter((v) => Number.isFinite(v));
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : undefined;
}
