/**
 * Number formatting shared by the summary, the hovers and the narrative check, so a figure is
 * written the same way everywhere (and the check knows which roundings to accept).
 */

/** An integer with thousands separators: 4812 → "4,812". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/**
 * A measured number: integers as counts; otherwise 1 decimal from 100, 2 decimals from 1, and
 * 2 significant digits below 1 (0.0412 → "0.041"). Minus signs as "-" (ASCII, copy-pasteable).
 */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return formatCount(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return "0";
  return String(Number(x.toPrecision(2)));
}

/**
 * A fraction as a percentage: whole percents, except that a count short of all (or above none) is
 * never rounded to "100%" (or "0%"): 0.996 → "99.6%", and closer still → ">99.9%".
 */
export function formatPercent(fraction: number, count?: number, n?: number): string {
  if (count !== undefined && n !== undefined) {
    if (count === n) return "100%";
    if (count === 0) return "0%";
  }
  const p = fraction * 100;
  const whole = Math.round(p);
  if ((whole === 100 && p < 100) || (whole === 0 && p > 0)) {
    const one = p.toFixed(1);
    if (one === "100.0") return ">99.9%";
    if (one === "0.0") return "<0.1%";
    return `${one}%`;
  }
  return `${whole}%`;
}

/** "a", "a or b", "a, b or c" (and/or by `conjunction`). */
export function listPhrase(items: readonly string[], conjunction: "and" | "or"): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;
}
