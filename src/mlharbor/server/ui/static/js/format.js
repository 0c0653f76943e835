// Formatting of timestamps, durations and numbers for display.

export function formatTime(ms) {
  if (!ms) return "";
  const d = new Date(Number(ms));
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatDuration(start, end) {
  if (!start || !end) return "";
  let s = (Number(end) - Number(start)) / 1000;
  if (s < 60) return s.toFixed(1) + "s";
  const m = Math.floor(s / 60);
  s = Math.round(s % 60);
  if (m < 60) return `${m}min ${s}s`;
  return `${Math.floor(m / 60)}h ${m % 60}min`;
}

export function formatNumber(v) {
  if (v === undefined || v === null || v === "") return "";
  // NaN and infinities arrive as the strings "NaN", "Infinity" and "-Infinity".
  if (typeof v === "string") return v;
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  return abs !== 0 && (abs < 1e-4 || abs >= 1e6) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
}

export function runName(run) {
  return run.info.run_name || run.info.run_id;
}
