/**
 * The explanation panel's pure parts (no DOM at import, so unit tests can load them):
 *
 * - Facts → chart series and table rows for the action-by-field charts and the conditioning
 *   table (`fieldChartSeries`, `conditioningTable`), and the heat map's cells, title and tooltips
 *   (`actionMapView`, with its layout and hit test), with the display formatting they share.
 * - 2-D drawings of the classic-control systems for the replay, from one observation (and the
 *   simulator state where the run recorded it). Geometry follows Gymnasium's renderers:
 *   CartPole's pole is 2 × 0.5 m long and leans right for θ > 0; Acrobot's links hang down at
 *   θ1 = 0 with the target one link-length above the pivot; MountainCar's hill is
 *   y = 0.45 sin(3x) + 0.55 with the flag at 0.5 (0.45 for the continuous version); Pendulum is
 *   upright at θ = 0 with θ counter-clockwise.
 */
import type { ActionBin, BehaviourFacts } from "../../protocol/src/explain.js";
// The same two fields as the summary's sentences (no DOM or Node there: it bundles into the webview).
import { influentialConditioning } from "../../runtime/src/explain/summary.js";

// ── formatting (display only; the figures themselves come from the facts) ──────

export const fmt = (x: number | null | undefined): string => {
  if (x === null || x === undefined) return "–";
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return x.toLocaleString("en-US");
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : String(Number(x.toPrecision(2)));
};
export const pct = (f: number) => `${(f * 100).toFixed(Math.abs(f * 100 - Math.round(f * 100)) < 1e-9 ? 0 : 1)}%`;

/** A bin's value range as the axis and the table show it: `< hi`, `[lo, hi)`, `≥ lo` (open ends are null). */
export function binLabel(b: Pick<ActionBin, "lo" | "hi">): string {
  if (b.lo === null && b.hi === null) return "all";
  if (b.lo === null) return `< ${fmt(b.hi)}`;
  if (b.hi === null) return `≥ ${fmt(b.lo)}`;
  return `[${fmt(b.lo)}, ${fmt(b.hi)})`;
}

/** An action's meaning up to its first ":" or " (" (the env specs add units and clipping there). */
export function actionName(f: Pick<BehaviourFacts, "actionMeanings">, k: number): string {
  const m = f.actionMeanings[k];
  if (!m) return `action ${k}`;
  return m.split(/:| \(/)[0]!.trim() || m;
}

// ── facts → action-by-field series and rows ────────────────────────────────────

export interface FieldSeriesDataset {
  label: string;
  /** One value per bin (null where the bin holds no state). */
  data: (number | null)[];
  /** Tooltip lines per bin: the range and its n, and (discrete) how often the action was taken. */
  details: string[][];
}

/** One chart: the action over the bins of one field, each bin a category labelled by its range. */
export interface FieldChartSeries {
  field: string;
  rank: number | null;
  title: string;
  /** The bins' ranges, lowest first. */
  labels: string[];
  n: number[];
  xTitle: string;
  yTitle: string;
  /** [0, 1] for probabilities; null (fit the data) for mean actions. */
  yRange: { min: number; max: number } | null;
  datasets: FieldSeriesDataset[];
}

/**
 * Discrete actions: the policy's mean probability π(a | s) per bin, one line per action (the
 * frequency the action was taken goes to the tooltip with the bin's n). Continuous actions: the
 * mean applied action per bin, one line per action element.
 */
export function fieldChartSeries(f: BehaviourFacts): FieldChartSeries[] {
  const discrete = f.actionKind === "discrete";
  const width = actionWidth(f);
  return influentialConditioning(f).map(({ rank, conditioning: c }) => {
    const where = (b: ActionBin) => `${c.field} ${binLabel(b)}, n = ${fmt(b.n)}`;
    const datasets: FieldSeriesDataset[] = Array.from({ length: width }, (_, a) => ({
      label: discrete ? `π(${actionName(f, a)})` : meanActionLabel(f, a, width),
      data: c.bins.map((b) => {
        if (b.n === 0) return null;
        return (discrete ? b.meanProbability?.[a] : b.meanAction?.[a]) ?? null;
      }),
      details: c.bins.map((b) => {
        if (!discrete) return [where(b)];
        const count = b.actionCounts?.[a];
        const freq = b.actionFrequency?.[a];
        return [where(b), freq === undefined ? "taken: –" : `taken in ${pct(freq)} of them${count === undefined ? "" : ` (${fmt(count)})`}`];
      }),
    }));
    const which = rank === null ? "" : rank === 1 ? " (most influential field)" : ` (influence rank ${rank})`;
    return {
      field: c.field,
      rank,
      title: `${discrete ? "Action probability" : "Mean action"} by ${c.field}${which}`,
      labels: c.bins.map(binLabel),
      n: c.bins.map((b) => b.n),
      xTitle: `${c.field} (quantile bins of the deterministic rollouts' states)`,
      yTitle: discrete ? "mean π(a | s)" : "mean applied action",
      yRange: discrete ? { min: 0, max: 1 } : null,
      datasets,
    };
  });
}

/** Actions (discrete) or action elements (continuous). */
function actionWidth(f: BehaviourFacts): number {
  if (f.actionKind === "discrete") return f.actionMeanings.length;
  return Math.max(f.actionMeanings.length, ...f.deterministic.conditioning.flatMap((c) => c.bins.map((b) => b.meanAction?.length ?? 0)));
}

const meanActionLabel = (f: BehaviourFacts, k: number, width: number) => `mean ${width > 1 ? `[${k}] ` : ""}${actionName(f, k)}`;

/** The conditioning table: one row per bin of the two most influential fields — field, range, n, P(a) (mean π) per action or the mean action per element. */
export function conditioningTable(f: BehaviourFacts): { head: string[]; rows: (string | number)[][] } {
  const series = fieldChartSeries(f);
  const discrete = f.actionKind === "discrete";
  const width = actionWidth(f);
  const head = ["field", "range", "states (n)", ...Array.from({ length: width }, (_, a) => (discrete ? `P(${actionName(f, a)})` : meanActionLabel(f, a, width)))];
  const rows: (string | number)[][] = [];
  for (const s of series) {
    s.labels.forEach((range, i) => {
      rows.push([s.field, range, s.n[i]!, ...s.datasets.map((d) => {
        const v = d.data[i];
        return v === null || v === undefined ? "–" : discrete ? pct(v) : fmt(v);
      })]);
    });
  }
  return { head, rows };
}

// ── facts → the heat map over the two most influential fields ─────────────────

/** What the heat map's colour is: mean π(a | s) (discrete, when the facts carry it), the taken frequency (older facts), the mean applied action (continuous). */
export type ActionMapQuantity = "meanProbability" | "actionFrequency" | "meanAction";

export interface ActionMapCellView {
  ix: number;
  iy: number;
  n: number;
  /** The plotted value; null in a cell with no visited state. */
  value: number | null;
  /** The value as written in the cell ("" when empty). */
  text: string;
  /** The cell's tooltip: its ranges, n, the plotted value and (discrete) how often the action was taken there. */
  tooltip: string[];
}

export interface ActionMapView {
  quantity: ActionMapQuantity;
  title: string;
  note: string;
  xField: string;
  yField: string;
  /** Bin edges of each axis, the visited range's ends included (cells: xs.length − 1 by ys.length − 1). */
  xs: number[];
  ys: number[];
  /** The colour scale: [0, 1] for probabilities and frequencies, the values' range for mean actions. */
  lo: number;
  hi: number;
  /** Every cell, row by row (cells[iy * columns + ix]). */
  cells: ActionMapCellView[];
}

/**
 * The heat map of action `a` over the facts' action map (null when there is none). Discrete: the
 * policy's mean probability π(a | s) over each cell's states when the cells carry it — as the
 * conditioning table and the field charts — else how often `a` was taken there; the cell's n and
 * the taken frequency go to the tooltip. Continuous: the mean applied action element `a`.
 */
export function actionMapView(f: BehaviourFacts, a: number): ActionMapView | null {
  const map = f.actionMap;
  if (!map) return null;
  const discrete = f.actionKind === "discrete";
  const occupied = map.cells.flat().filter((c) => c.n > 0);
  const quantity: ActionMapQuantity = !discrete
    ? "meanAction"
    : occupied.length > 0 && occupied.every((c) => Array.isArray(c.meanProbability))
      ? "meanProbability"
      : "actionFrequency";
  const name = actionName(f, a);
  const valueOf = (c: (typeof map.cells)[number][number]): number | null => (c.n === 0 ? null : (c[quantity]?.[a] ?? null));
  const xLabel = (ix: number) => binLabel({ lo: ix === 0 ? null : map.xEdges[ix - 1]!, hi: ix === map.xEdges.length ? null : map.xEdges[ix]! });
  const yLabel = (iy: number) => binLabel({ lo: iy === 0 ? null : map.yEdges[iy - 1]!, hi: iy === map.yEdges.length ? null : map.yEdges[iy]! });
  const show = (v: number) => (quantity === "meanAction" ? fmt(v) : pct(v));
  const cells: ActionMapCellView[] = map.cells.flatMap((row, iy) =>
    row.map((c, ix) => {
      const value = valueOf(c);
      const tooltip = [`${map.xField} ${xLabel(ix)}, ${map.yField} ${yLabel(iy)}`, `n = ${fmt(c.n)} visited state${c.n === 1 ? "" : "s"}`];
      if (c.n > 0) {
        if (quantity === "meanAction") tooltip.push(`mean ${name} = ${value === null ? "–" : fmt(value)}`);
        else {
          if (quantity === "meanProbability") tooltip.push(`mean π(${name} | s) = ${value === null ? "–" : pct(value)}`);
          const freq = c.actionFrequency?.[a];
          const count = c.actionCounts?.[a];
          tooltip.push(freq === undefined ? "taken: –" : `${name} taken in ${pct(freq)} of them${count === undefined ? "" : ` (${fmt(count)})`}`);
        }
      }
      return { ix, iy, n: c.n, value, text: value === null ? "" : show(value), tooltip };
    }),
  );
  const values = cells.flatMap((c) => (c.value === null ? [] : [c.value]));
  const [lo, hi] = quantity === "meanAction" ? (values.length ? [Math.min(...values), Math.max(...values)] : [0, 0]) : [0, 1];
  const over = `over ${map.xField} and ${map.yField} (${map.mode} rollouts)`;
  const title =
    quantity === "meanProbability"
      ? `Mean action probability π(${name} | s) ${over}`
      : quantity === "actionFrequency"
        ? `How often ${name} was taken ${over}`
        : `Mean applied action (${name}) ${over}`;
  const note =
    quantity === "meanProbability"
      ? `Each cell: the policy's mean probability of "${name}" over its n visited states (hover a cell for n and how often the action was taken there).`
      : quantity === "actionFrequency"
        ? `Each cell: the share of its n visited states where the policy chose "${name}" (these facts carry no action probabilities).`
        : `Each cell: the mean applied action (${name}, after clipping) over its n visited states.`;
  return { quantity, title, note, xField: map.xField, yField: map.yField, xs: [map.xRange[0], ...map.xEdges, map.xRange[1]], ys: [map.yRange[0], ...map.yEdges, map.yRange[1]], lo, hi, cells };
}

/** Where the heat map's cells lie on a canvas of `width` × `height` (equal widths: quantile bins hold similar n). */
export interface ActionMapLayout {
  left: number;
  top: number;
  width: number;
  height: number;
  cellWidth: number;
  cellHeight: number;
}

export function actionMapLayout(view: Pick<ActionMapView, "xs" | "ys">, width: number, height: number): ActionMapLayout {
  const left = 56;
  const top = 8;
  const w = width - left - 8;
  const h = height - 36 - top;
  return { left, top, width: w, height: h, cellWidth: w / (view.xs.length - 1), cellHeight: h / (view.ys.length - 1) };
}

/** The top-left corner of cell (ix, iy): y grows upwards, so row 0 is at the bottom. */
export function cellOrigin(view: Pick<ActionMapView, "ys">, l: ActionMapLayout, ix: number, iy: number): { x: number; y: number } {
  return { x: l.left + ix * l.cellWidth, y: l.top + (view.ys.length - 2 - iy) * l.cellHeight };
}

/** The cell under canvas point (x, y), or null outside the grid. */
export function cellAt(view: ActionMapView, l: ActionMapLayout, x: number, y: number): ActionMapCellView | null {
  const columns = view.xs.length - 1;
  const rows = view.ys.length - 1;
  const ix = Math.floor((x - l.left) / l.cellWidth);
  const fromTop = Math.floor((y - l.top) / l.cellHeight);
  if (ix < 0 || ix >= columns || fromTop < 0 || fromTop >= rows) return null;
  return view.cells[(rows - 1 - fromTop) * columns + ix] ?? null;
}

// ── scenes ───────────────────────────────────────────────────────────────────────

export interface SceneColours {
  foreground: string;
  accent: string;
  muted: string;
  background: string;
}

/** Envs with a drawing; others get only the state-over-time chart. */
export function hasScene(envId: string): boolean {
  return ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"].includes(envId);
}

/** Draw `envId` in the state given by `obs` (and `state`, the simulator's own variables, when known). */
export function drawScene(ctx: CanvasRenderingContext2D, envId: string, obs: readonly number[], state: readonly number[] | null, c: SceneColours): void {
  const { width: w, height: h } = ctx.canvas;
  ctx.clearRect(0, 0, w, h);
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  switch (envId) {
    case "CartPole-v1":
      return drawCartPole(ctx, w, h, obs[0]!, obs[2]!, c);
    case "Acrobot-v1": {
      const t1 = state ? state[0]! : Math.atan2(obs[1]!, obs[0]!);
      const t2 = state ? state[1]! : Math.atan2(obs[3]!, obs[2]!);
      return drawAcrobot(ctx, w, h, t1, t2, c);
    }
    case "MountainCar-v0":
      return drawMountainCar(ctx, w, h, obs[0]!, 0.5, c);
    case "MountainCarContinuous-v0":
      return drawMountainCar(ctx, w, h, obs[0]!, 0.45, c);
    case "Pendulum-v1":
      return drawPendulum(ctx, w, h, state ? state[0]! : Math.atan2(obs[1]!, obs[0]!), c);
    default:
      return;
  }
}

function drawCartPole(ctx: CanvasRenderingContext2D, w: number, h: number, x: number, theta: number, c: SceneColours): void {
  // World: x ∈ [−2.4, 2.4] (the termination bounds) fills the width with a margin.
  const scale = w / (2 * 2.4 * 1.1);
  const trackY = h * 0.72;
  const cx = w / 2 + x * scale;
  ctx.strokeStyle = c.muted;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(0, trackY);
  ctx.lineTo(w, trackY);
  ctx.stroke();
  // The ±2.4 limits.
  for (const lim of [-2.4, 2.4]) {
    const lx = w / 2 + lim * scale;
    ctx.beginPath();
    ctx.moveTo(lx, trackY - 10);
    ctx.lineTo(lx, trackY + 10);
    ctx.stroke();
  }
  const cartW = 0.5 * scale;
  const cartH = 0.3 * scale;
  ctx.fillStyle = c.foreground;
  ctx.fillRect(cx - cartW / 2, trackY - cartH / 2, cartW, cartH);
  const poleLength = 1.0 * scale;
  ctx.strokeStyle = c.accent;
  ctx.lineWidth = Math.max(3, 0.1 * scale);
  ctx.beginPath();
  ctx.moveTo(cx, trackY - cartH / 4);
  ctx.lineTo(cx + poleLength * Math.sin(theta), trackY - cartH / 4 - poleLength * Math.cos(theta));
  ctx.stroke();
  ctx.fillStyle = c.muted;
  ctx.beginPath();
  ctx.arc(cx, trackY - cartH / 4, 3, 0, 2 * Math.PI);
  ctx.fill();
}

function drawAcrobot(ctx: CanvasRenderingContext2D, w: number, h: number, t1: number, t2: number, c: SceneColours): void {
  const scale = Math.min(w, h) / (2 * 2.2);
  const px = w / 2;
  const py = h / 2;
  // y up in the world, down on the canvas; θ1 = 0 hangs straight down.
  const p1 = [px + scale * Math.sin(t1), py + scale * Math.cos(t1)] as const;
  const p2 = [p1[0] + scale * Math.sin(t1 + t2), p1[1] + scale * Math.cos(t1 + t2)] as const;
  ctx.strokeStyle = c.muted;
  ctx.lineWidth = 1;
  ctx.setLineDash([4, 4]);
  ctx.beginPath();
  ctx.moveTo(0, py - scale);
  ctx.lineTo(w, py - scale);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.lineWidth = Math.max(4, scale * 0.12);
  ctx.strokeStyle = c.foreground;
  ctx.beginPath();
  ctx.moveTo(px, py);
  ctx.lineTo(p1[0], p1[1]);
  ctx.stroke();
  ctx.strokeStyle = c.accent;
  ctx.beginPath();
  ctx.moveTo(p1[0], p1[1]);
  ctx.lineTo(p2[0], p2[1]);
  ctx.stroke();
  ctx.fillStyle = c.muted;
  for (const p of [[px, py], p1]) {
    ctx.beginPath();
    ctx.arc(p[0]!, p[1]!, 4, 0, 2 * Math.PI);
    ctx.fill();
  }
}

function drawMountainCar(ctx: CanvasRenderingContext2D, w: number, h: number, position: number, goal: number, c: SceneColours): void {
  const minX = -1.2;
  const maxX = 0.6;
  const height = (x: number) => Math.sin(3 * x) * 0.45 + 0.55;
  const sx = (x: number) => ((x - minX) / (maxX - minX)) * w;
  const sy = (y: number) => h - 10 - y * (h - 30);
  ctx.strokeStyle = c.muted;
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (let i = 0; i <= 100; i++) {
    const x = minX + ((maxX - minX) * i) / 100;
    if (i === 0) ctx.moveTo(sx(x), sy(height(x)));
    else ctx.lineTo(sx(x), sy(height(x)));
  }
  ctx.stroke();
  // Flag at the goal.
  ctx.strokeStyle = c.foreground;
  ctx.beginPath();
  ctx.moveTo(sx(goal), sy(height(goal)));
  ctx.lineTo(sx(goal), sy(height(goal)) - 30);
  ctx.stroke();
  ctx.fillStyle = c.accent;
  ctx.fillRect(sx(goal), sy(height(goal)) - 30, 14, 9);
  // The car, tilted along the slope (dy/dx = 1.35 cos 3x).
  const angle = Math.atan(1.35 * Math.cos(3 * position) * ((h - 30) / (w / (maxX - minX))));
  ctx.save();
  ctx.translate(sx(position), sy(height(position)));
  ctx.rotate(-angle);
  ctx.fillStyle = c.foreground;
  ctx.fillRect(-14, -12, 28, 10);
  ctx.fillStyle = c.muted;
  for (const wx of [-8, 8]) {
    ctx.beginPath();
    ctx.arc(wx, -2, 3, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.restore();
}

function drawPendulum(ctx: CanvasRenderingContext2D, w: number, h: number, theta: number, c: SceneColours): void {
  const scale = Math.min(w, h) * 0.38;
  const px = w / 2;
  const py = h / 2;
  // θ = 0 upright, counter-clockwise positive: the free end is at (−sin θ, cos θ) with y up.
  ctx.strokeStyle = c.accent;
  ctx.lineWidth = Math.max(6, scale * 0.1);
  ctx.beginPath();
  ctx.moveTo(px, py);
  ctx.lineTo(px - scale * Math.sin(theta), py - scale * Math.cos(theta));
  ctx.stroke();
  ctx.fillStyle = c.foreground;
  ctx.beginPath();
  ctx.arc(px, py, 5, 0, 2 * Math.PI);
  ctx.fill();
}
