/**
 * Parallel coordinates of a sweep, pure: one vertical axis per hyperparameter of the grid and a
 * last one for the final mean return; each configuration is a polyline across them. Positions
 * are in [0, 1] (0 bottom, 1 top), for the page to scale to its SVG.
 *
 * Numeric axes are linear, or logarithmic when every value is positive and they span more than a
 * factor of 10 (learning rates); values that are not all numbers (booleans, layer lists) are
 * spaced evenly in the order they first appear. An axis with one distinct value sits at 0.5.
 */

export interface ParAxis {
  name: string;
  kind: "linear" | "log" | "category";
  /** Tick labels with their positions. */
  ticks: { label: string; at: number }[];
}

export interface ParLine {
  config: number;
  /** One position per axis; null where the configuration has no value (no return yet). */
  ys: (number | null)[];
}

function label(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toPrecision(3).replace(/\.?0+(e|$)/, "$1");
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Positions of `values` on one axis, and the axis. */
export function scaleAxis(name: string, values: readonly unknown[]): { axis: ParAxis; at: (number | null)[] } {
  const present = values.filter((v) => v !== null && v !== undefined);
  const numeric = present.length > 0 && present.every((v) => typeof v === "number" && Number.isFinite(v));
  if (numeric) {
    const nums = present as number[];
    const min = Math.min(...nums);
    const max = Math.max(...nums);
    const log = min > 0 && max / min > 10;
    const f = (v: number) => (log ? Math.log10(v) : v);
    const lo = f(min);
    const hi = f(max);
    const pos = (v: number) => (hi === lo ? 0.5 : (f(v) - lo) / (hi - lo));
    const distinct = [...new Set(nums)].sort((a, b) => a - b);
    return {
      axis: { name, kind: log ? "log" : "linear", ticks: distinct.map((v) => ({ label: label(v), at: pos(v) })) },
      at: values.map((v) => (typeof v === "number" && Number.isFinite(v) ? pos(v) : null)),
    };
  }
  const keys: string[] = [];
  for (const v of present) if (!keys.includes(JSON.stringify(v))) keys.push(JSON.stringify(v));
  const pos = (v: unknown) => {
    const i = keys.indexOf(JSON.stringify(v));
    return keys.length === 1 ? 0.5 : i / (keys.length - 1);
  };
  return {
    axis: { name, kind: "category", ticks: keys.map((k) => ({ label: label(JSON.parse(k)), at: pos(JSON.parse(k)) })) },
    at: values.map((v) => (v === null || v === undefined ? null : pos(v))),
  };
}

/** Axes (the grid's fields, then `returnLabel`) and one line per configuration. */
export function parallelCoordinates(
  fields: readonly string[],
  configs: readonly { config: number; values: Record<string, unknown>; result: number | null }[],
  returnLabel = "final mean return",
): { axes: ParAxis[]; lines: ParLine[] } {
  const columns = [...fields.map((f) => ({ name: f, values: configs.map((c) => c.values[f]) })), { name: returnLabel, values: configs.map((c) => c.result) }];
  const scaled = columns.map((c) => scaleAxis(c.name, c.values));
  return {
    axes: scaled.map((s) => s.axis),
    lines: configs.map((c, i) => ({ config: c.config, ys: scaled.map((s) => s.at[i] ?? null) })),
  };
}
