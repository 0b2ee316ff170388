/**
 * The dashboard webview (bundled to dist/media/dashboard.js, chart.js included — no remote content).
 * Live learning curves: one card per metric, grouped in sections by prefix (charts/, losses/, reward/),
 * runs overlaid, seeds optionally averaged into mean ± std, TensorBoard's debiased EMA smoothing, x by
 * global step or wall time. Data is stored in columns (Float64Array) and downsampled with LTTB to the
 * canvas width before chart.js sees it, so a run with 1 M points costs what a run with ~1,000 does.
 */
import { CategoryScale, Chart, Filler, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartDataset, type Plugin } from "chart.js";
import type { MetricsRecord, RunState } from "../../protocol/src/runtime.js";
import { DEFAULT_DASHBOARD_STATE, type DashboardRun, type DashboardState, type ExtensionToWebview, type WebviewToExtension } from "../../protocol/src/webview.js";
import { doubled, EmaSmoother, lttb, metricGroup, SeedBand, toCsv, type Point } from "./series.js";

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip, Filler);

interface VsCodeApi {
  postMessage(message: WebviewToExtension): void;
  getState(): DashboardState | undefined;
  setState(state: DashboardState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

// ── columnar run store ────────────────────────────────────────────────────────

class Column {
  data = new Float64Array(256);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) this.data = doubled(this.data);
    this.data[this.length++] = v;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

interface RunData {
  info: Omit<DashboardRun, "metrics">;
  step: Column;
  wall: Column;
  /** Aligned with `step`; NaN where an iteration did not log the metric. */
  metrics: Map<string, Column>;
  colour: string;
  /** Bumped on every append, to invalidate cached series. */
  version: number;
}

const runs = new Map<string, RunData>();
let colourCounter = 0;

function appendRecords(run: RunData, records: readonly MetricsRecord[]): void {
  for (const r of records) {
    // Records at or before the last step are already here (a live message racing a full read).
    if (run.step.length > 0 && r.globalStep <= run.step.data[run.step.length - 1]!) continue;
    const index = run.step.length;
    run.step.push(r.globalStep);
    run.wall.push(r.wallSeconds);
    for (const [name, column] of run.metrics) column.push(r.metrics[name] ?? Number.NaN);
    for (const [name, value] of Object.entries(r.metrics)) {
      if (run.metrics.has(name)) continue;
      const column = new Column();
      for (let i = 0; i < index; i++) column.push(Number.NaN);
      column.push(value);
      run.metrics.set(name, column);
    }
  }
  run.version++;
}

function forgetSeries(runId: string): void {
  for (const key of cache.keys()) if (key.startsWith(`${runId}\u0000`)) cache.delete(key);
  // The run's seed group is recomputed on its next draw (its band's memory is freed now).
  const groupKey = runs.get(runId)?.info.groupKey;
  if (groupKey !== undefined) forgetBands(groupKey);
}

function putRun(r: DashboardRun): void {
  // A re-sent run (e.g. resumed: its files were cut back to the checkpoint) replaces the old columns.
  forgetSeries(r.runId);
  const { metrics, ...info } = r;
  const previous = runs.get(r.runId);
  const run: RunData = { info, step: new Column(), wall: new Column(), metrics: new Map(), colour: previous?.colour ?? palette(colourCounter++), version: (previous?.version ?? 0) + 1 };
  appendRecords(run, metrics);
  runs.set(r.runId, run);
}

// ── state ─────────────────────────────────────────────────────────────────────

let state: DashboardState = { ...DEFAULT_DASHBOARD_STATE, ...(vscode.getState() ?? {}) };
let reportLatency = false;
const pendingLatency: { runId: string; globalStep: number; sentAt: number }[] = [];

function saveState(): void {
  vscode.setState(state);
}

function visibleRuns(): RunData[] {
  const all = [...runs.values()];
  if (state.selectedRunIds.length === 0) return all;
  const selected = new Set(state.selectedRunIds);
  const shown = all.filter((r) => selected.has(r.info.runId));
  return shown.length > 0 ? shown : all;
}

// ── theme ─────────────────────────────────────────────────────────────────────

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}
const PALETTE_VARS = ["--vscode-charts-blue", "--vscode-charts-orange", "--vscode-charts-green", "--vscode-charts-red", "--vscode-charts-purple", "--vscode-charts-yellow"];
const PALETTE_FALLBACK = ["#3794ff", "#d18616", "#89d185", "#f14c4c", "#b180d7", "#cca700"];
function palette(i: number): string {
  const k = i % PALETTE_VARS.length;
  const base = cssVar(PALETTE_VARS[k]!, PALETTE_FALLBACK[k]!);
  // Past the theme's six chart colours, vary lightness so runs stay distinguishable.
  return i < PALETTE_VARS.length ? base : `color-mix(in srgb, ${base} ${100 - 25 * Math.floor(i / PALETTE_VARS.length)}%, ${cssVar("--vscode-foreground", "#ccc")})`;
}
function withAlpha(colour: string, alpha: number): string {
  return `color-mix(in srgb, ${colour} ${Math.round(alpha * 100)}%, transparent)`;
}
interface Theme {
  fg: string;
  grid: string;
  bg: string;
}
let theme: Theme = readTheme();
function readTheme(): Theme {
  const fg = cssVar("--vscode-foreground", "#cccccc");
  return { fg, grid: withAlpha(cssVar("--vscode-panel-border", fg), 0.35), bg: cssVar("--vscode-editor-background", "#1e1e1e") };
}

/** Paints the editor background under the chart, so an exported PNG is not transparent. */
const backgroundPlugin: Plugin<"line"> = {
  id: "rlStudioBackground",
  beforeDraw(chart) {
    const ctx = chart.ctx;
    ctx.save();
    ctx.fillStyle = theme.bg;
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

// ── series cache ──────────────────────────────────────────────────────────────

/**
 * One metric of one run, kept up to date incrementally: finite points and their EMA are appended
 * as records arrive (O(new points)); the LTTB-downsampled arrays chart.js draws are recomputed only
 * when the appended tail exceeds 2 % of what was downsampled (until then new points are appended at
 * full resolution), so a live update of a 1 M-point run does not redo 1 M points of work per frame.
 */
interface CachedSeries {
  smoothing: number;
  xAxis: DashboardState["xAxis"];
  threshold: number;
  /** Column entries already consumed. */
  consumed: number;
  xs: Column;
  ys: Column;
  sm: Column;
  ema: EmaSmoother;
  raw: Point[];
  smoothed: Point[];
  /** Point count when LTTB last ran (−1: `raw`/`smoothed` must be recomputed). */
  decimatedAt: number;
  /** Points (of xs) that `raw`/`smoothed` represent. */
  drawn: number;
}
const cache = new Map<string, CachedSeries>();

/**
 * The series of `metric` in `run`, its points and EMA brought up to date; with `decimate` (the
 * default) also its drawn, downsampled `raw`/`smoothed`, which a run drawn only inside its seed
 * group's band does not need.
 */
function series(run: RunData, metric: string, threshold: number, decimate = true): CachedSeries | null {
  const column = run.metrics.get(metric);
  if (!column) return null;
  const key = `${run.info.runId}\u0000${metric}`;
  let c = cache.get(key);
  if (!c || c.xAxis !== state.xAxis || c.consumed > column.length) {
    c = { smoothing: state.smoothing, xAxis: state.xAxis, threshold, consumed: 0, xs: new Column(), ys: new Column(), sm: new Column(), ema: new EmaSmoother(state.smoothing), raw: [], smoothed: [], decimatedAt: -1, drawn: 0 };
    cache.set(key, c);
  } else if (c.smoothing !== state.smoothing) {
    // Slider moved: the points stay, only their EMA is recomputed (one tight pass).
    c.smoothing = state.smoothing;
    c.ema = new EmaSmoother(state.smoothing);
    const ys = c.ys.data;
    const sm = c.sm.data;
    for (let i = 0; i < c.ys.length; i++) sm[i] = c.ema.push(ys[i]!);
    c.decimatedAt = -1;
  }
  if (c.consumed < column.length) {
    const xsAll = state.xAxis === "step" ? run.step.data : run.wall.data;
    for (let i = c.consumed; i < column.length; i++) {
      const y = column.data[i]!;
      if (!Number.isFinite(y)) continue;
      c.xs.push(xsAll[i]!);
      c.ys.push(y);
      c.sm.push(c.ema.push(y));
    }
    c.consumed = column.length;
  }
  if (!decimate) return c;
  if (c.threshold !== threshold) {
    c.threshold = threshold;
    c.decimatedAt = -1;
  }
  const n = c.xs.length;
  if (c.decimatedAt >= 0 && c.drawn === n) return c;
  if (c.decimatedAt < 0 || n - c.decimatedAt > Math.max(16, 0.02 * c.decimatedAt)) {
    const xs = c.xs.view();
    c.smoothed = lttb(xs, c.sm.view(), threshold);
    c.raw = state.smoothing > 0 ? lttb(xs, c.ys.view(), threshold) : [];
    c.decimatedAt = n;
  } else {
    for (let i = c.drawn; i < n; i++) {
      const x = c.xs.data[i]!;
      c.smoothed.push({ x, y: c.sm.data[i]! });
      if (state.smoothing > 0) c.raw.push({ x, y: c.ys.data[i]! });
    }
  }
  c.drawn = n;
  return c;
}

/**
 * Mean ± std bands of seed groups, per group key and metric: recomputed only from where the
 * group's runs grew, or in full on a smoothing / x-axis / membership change (see `SeedBand`).
 */
const bands = new Map<string, SeedBand>();

function forgetBands(groupKey: string): void {
  for (const key of bands.keys()) if (key.startsWith(`${groupKey}\u0000`)) bands.delete(key);
}

// ── DOM ───────────────────────────────────────────────────────────────────────

const chartsEl = document.getElementById("charts")!;
const runsEl = document.getElementById("runs")!;
const emptyEl = document.getElementById("empty")!;
const smoothingEl = document.getElementById("smoothing") as HTMLInputElement;
const smoothingValueEl = document.getElementById("smoothingValue") as HTMLOutputElement;
const xAxisEl = document.getElementById("xAxis") as HTMLSelectElement;
const groupSeedsEl = document.getElementById("groupSeeds") as HTMLInputElement;

interface Card {
  figure: HTMLElement;
  chart: Chart<"line", Point[]>;
}
const cards = new Map<string, Card>();
const sections = new Map<string, HTMLElement>();

function sectionFor(group: string): HTMLElement {
  let s = sections.get(group);
  if (s) return s.querySelector(".grid") as HTMLElement;
  s = document.createElement("section");
  s.className = "group";
  s.dataset.group = group;
  const h = document.createElement("h2");
  h.textContent = `${group}/`;
  const grid = document.createElement("div");
  grid.className = "grid";
  s.append(h, grid);
  // Fixed order: the curves a practitioner looks at first come first.
  const order = ["charts", "losses", "reward", "other"];
  const rank = (g: string) => (order.indexOf(g) === -1 ? order.length : order.indexOf(g));
  const after = [...sections.values()].find((other) => rank(other.dataset.group!) > rank(group));
  chartsEl.insertBefore(s, after ?? null);
  sections.set(group, s);
  return grid;
}

function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(a >= 1e4 ? 0 : 1)}k`;
  if (a === 0) return "0";
  return a < 1e-2 ? v.toExponential(2) : String(Number(v.toPrecision(3)));
}

function cardFor(metric: string): Card {
  const existing = cards.get(metric);
  if (existing) return existing;
  const figure = document.createElement("figure");
  figure.className = "card";
  figure.dataset.metric = metric;
  const caption = document.createElement("figcaption");
  const title = document.createElement("span");
  title.textContent = metric;
  const png = document.createElement("button");
  png.type = "button";
  png.textContent = "PNG";
  png.title = `Export ${metric} as a PNG image`;
  const box = document.createElement("div");
  box.className = "chart-box";
  const canvas = document.createElement("canvas");
  box.append(canvas);
  caption.append(title, png);
  figure.append(caption, box);
  sectionFor(metricGroup(metric)).append(figure);
  const chart = new Chart<"line", Point[]>(canvas, {
    type: "line",
    data: { datasets: [] },
    plugins: [backgroundPlugin],
    options: {
      animation: false,
      parsing: false,
      normalized: true,
      responsive: true,
      maintainAspectRatio: false,
      spanGaps: true,
      elements: { point: { radius: 0, hitRadius: 4, hoverRadius: 3 }, line: { borderWidth: 1.5, tension: 0 } },
      interaction: { mode: "nearest", axis: "x", intersect: false },
      scales: {
        x: { type: "linear", ticks: { color: theme.fg, maxTicksLimit: 6, callback: (v) => formatNumber(Number(v)) }, grid: { color: theme.grid } },
        y: { type: "linear", ticks: { color: theme.fg, maxTicksLimit: 6, callback: (v) => formatNumber(Number(v)) }, grid: { color: theme.grid } },
      },
      plugins: {
        tooltip: {
          filter: (item) => !(item.dataset as { rlRole?: string }).rlRole,
          callbacks: {
            title: (items) => (items[0] ? `${state.xAxis === "step" ? "step" : "wall s"} ${formatNumber(items[0].parsed.x ?? 0)}` : ""),
            label: (item) => `${item.dataset.label ?? ""}: ${Number(item.parsed.y).toPrecision(5)}`,
          },
        },
      },
    },
  });
  png.addEventListener("click", () => {
    vscode.postMessage({ type: "exportPng", suggestedName: `${metric.replace(/[^a-z0-9_-]+/gi, "_")}.png`, dataUrl: chart.toBase64Image("image/png") });
  });
  const card = { figure, chart };
  cards.set(metric, card);
  return card;
}

function renderRunList(): void {
  runsEl.replaceChildren();
  const selected = new Set(state.selectedRunIds);
  for (const run of runs.values()) {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = selected.size === 0 || selected.has(run.info.runId);
    box.addEventListener("change", () => {
      const current = new Set(state.selectedRunIds.length === 0 ? [...runs.keys()] : state.selectedRunIds);
      if (box.checked) current.add(run.info.runId);
      else current.delete(run.info.runId);
      state = { ...state, selectedRunIds: current.size === runs.size ? [] : [...current] };
      saveState();
      renderRunList();
      scheduleRender();
    });
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = run.colour;
    const text = document.createElement("span");
    text.textContent = run.info.label;
    const st = document.createElement("span");
    st.className = "state";
    st.textContent = run.info.state;
    label.append(box, swatch, text, st);
    label.dataset.runId = run.info.runId;
    runsEl.append(label);
  }
}

// ── render ────────────────────────────────────────────────────────────────────

type LineDataset = ChartDataset<"line", Point[]> & { rlRole?: "band" | "raw" };

function datasetsFor(metric: string, shown: RunData[], threshold: number): { datasets: LineDataset[]; points: number; lastX: number } {
  const datasets: LineDataset[] = [];
  let points = 0;
  let lastX = Number.NEGATIVE_INFINITY;
  const groups = new Map<string, RunData[]>();
  for (const run of shown) {
    const key = state.groupSeeds ? run.info.groupKey : run.info.runId;
    const list = groups.get(key) ?? [];
    list.push(run);
    groups.set(key, list);
  }
  for (const members of groups.values()) {
    const first = members[0]!;
    const banded = state.groupSeeds && members.length > 1;
    const all = members.map((m) => series(m, metric, threshold, !banded)).filter((s): s is CachedSeries => s !== null && s.xs.length > 0);
    if (all.length === 0) continue;
    for (const s of all) {
      points += s.xs.length;
      lastX = Math.max(lastX, s.xs.data[s.xs.length - 1]!);
    }
    if (banded) {
      const key = `${first.info.groupKey}\u0000${metric}`;
      let band = bands.get(key);
      if (!band) bands.set(key, (band = new SeedBand()));
      const seeds = all.map((s) => ({ xs: s.xs.data, ys: s.sm.data, length: s.xs.length }));
      const lines = band.update(seeds, all, `${state.smoothing}\u0000${state.xAxis}`, threshold);
      const label = `${first.info.groupLabel ?? first.info.experimentName} (${members.length} seeds)`;
      datasets.push({ label: `${label} −std`, data: lines.low, borderWidth: 0, pointRadius: 0, fill: false, rlRole: "band" });
      datasets.push({ label: `${label} +std`, data: lines.high, borderWidth: 0, pointRadius: 0, backgroundColor: withAlpha(first.colour, 0.2), fill: "-1", rlRole: "band" });
      datasets.push({ label: `${label} mean`, data: lines.mean, borderColor: first.colour, backgroundColor: first.colour });
      continue;
    }
    for (const [i, s] of all.entries()) {
      const run = members[i]!;
      if (state.smoothing > 0) datasets.push({ label: `${run.info.label} (raw)`, data: s.raw, borderColor: withAlpha(run.colour, 0.25), borderWidth: 1, rlRole: "raw" });
      datasets.push({ label: run.info.label, data: s.smoothed, borderColor: run.colour, backgroundColor: run.colour });
    }
  }
  return { datasets, points, lastX };
}

let frame = 0;
function scheduleRender(): void {
  if (frame === 0) frame = requestAnimationFrame(render);
}

function render(): void {
  frame = 0;
  const shown = visibleRuns();
  const names = new Set<string>();
  for (const run of shown) for (const [name, column] of run.metrics) if (column.length > 0) names.add(name);
  emptyEl.hidden = runs.size > 0;
  for (const [metric, card] of cards) {
    if (!names.has(metric)) card.figure.hidden = true;
  }
  const sorted = [...names].sort((a, b) => a.localeCompare(b));
  for (const metric of sorted) {
    const card = cardFor(metric);
    card.figure.hidden = false;
    // LTTB target: one point per device pixel of the canvas width is all the screen can show.
    const threshold = Math.max(200, Math.round((card.chart.width || 600) * (window.devicePixelRatio || 1)));
    const { datasets, points, lastX } = datasetsFor(metric, shown, threshold);
    card.chart.data.datasets = datasets;
    card.chart.update("none");
    card.figure.dataset.points = String(points);
    card.figure.dataset.lastX = Number.isFinite(lastX) ? String(lastX) : "";
    // What is drawn, for tests and assistive tooling (the canvas itself is opaque): one label per line.
    card.figure.dataset.datasets = datasets.map((d) => d.label ?? "").join("\n");
  }
  for (const [group, section] of sections) section.hidden = ![...names].some((n) => metricGroup(n) === group);
  document.body.dataset.runs = String(runs.size);
  if (reportLatency && pendingLatency.length > 0) {
    const renderedAt = Date.now();
    for (const p of pendingLatency.splice(0)) vscode.postMessage({ type: "rendered", ...p, renderedAt });
  }
}

// ── controls ──────────────────────────────────────────────────────────────────

function syncControls(): void {
  smoothingEl.value = String(state.smoothing);
  smoothingValueEl.value = state.smoothing.toFixed(2);
  xAxisEl.value = state.xAxis;
  groupSeedsEl.checked = state.groupSeeds;
}
smoothingEl.addEventListener("input", () => {
  state = { ...state, smoothing: Number(smoothingEl.value) };
  smoothingValueEl.value = state.smoothing.toFixed(2);
  saveState();
  scheduleRender();
});
xAxisEl.addEventListener("change", () => {
  state = { ...state, xAxis: xAxisEl.value === "wall" ? "wall" : "step" };
  saveState();
  scheduleRender();
});
groupSeedsEl.addEventListener("change", () => {
  state = { ...state, groupSeeds: groupSeedsEl.checked };
  if (!state.groupSeeds) bands.clear();
  saveState();
  scheduleRender();
});
document.getElementById("exportCsv")!.addEventListener("click", () => {
  const shown = visibleRuns().map((r) => ({ label: r.info.label, metrics: recordsOf(r) }));
  vscode.postMessage({ type: "exportCsv", suggestedName: "rl-studio-metrics.csv", csv: toCsv(shown) });
});

function recordsOf(run: RunData): MetricsRecord[] {
  const out: MetricsRecord[] = [];
  for (let i = 0; i < run.step.length; i++) {
    const metrics: Record<string, number> = {};
    for (const [name, column] of run.metrics) {
      const v = column.data[i]!;
      if (Number.isFinite(v)) metrics[name] = v;
    }
    out.push({ globalStep: run.step.data[i]!, iteration: i + 1, wallSeconds: run.wall.data[i]!, metrics });
  }
  return out;
}

// Theme switches change body's class (vscode-light / vscode-dark / vscode-high-contrast).
new MutationObserver(() => {
  theme = readTheme();
  runs.forEach((run, id) => (run.colour = palette([...runs.keys()].indexOf(id))));
  for (const { chart } of cards.values()) {
    for (const axis of ["x", "y"] as const) {
      const scale = chart.options.scales?.[axis];
      if (scale?.ticks) scale.ticks.color = theme.fg;
      if (scale?.grid) scale.grid.color = theme.grid;
    }
  }
  renderRunList();
  scheduleRender();
}).observe(document.body, { attributes: true, attributeFilter: ["class"] });

// ── messages ──────────────────────────────────────────────────────────────────

function setRunState(runId: string, s: RunState): void {
  const run = runs.get(runId);
  if (!run || run.info.state === s) return;
  run.info = { ...run.info, state: s };
  renderRunList();
}

window.addEventListener("message", (event: MessageEvent<ExtensionToWebview>) => {
  const m = event.data;
  try {
    switch (m.type) {
      case "init":
        runs.clear();
        cache.clear();
        bands.clear();
        colourCounter = 0;
        reportLatency = m.reportLatency;
        for (const r of m.runs) putRun(r);
        if (m.focusRunIds.length > 0) state = { ...state, selectedRunIds: m.focusRunIds };
        state = { ...state, selectedRunIds: state.selectedRunIds.filter((id) => runs.has(id)) };
        saveState();
        renderRunList();
        break;
      case "run":
        putRun(m.run);
        renderRunList();
        break;
      case "metrics": {
        const run = runs.get(m.runId);
        if (!run) return; // the extension sends the whole run first; a stray message before it is ignored
        appendRecords(run, m.records);
        const last = m.records[m.records.length - 1];
        if (reportLatency && last) pendingLatency.push({ runId: m.runId, globalStep: last.globalStep, sentAt: m.sentAt });
        break;
      }
      case "runState":
        setRunState(m.runId, m.state);
        return;
      case "removeRun":
        forgetSeries(m.runId);
        runs.delete(m.runId);
        renderRunList();
        break;
      case "focus":
        state = { ...state, selectedRunIds: m.runIds.filter((id) => runs.has(id)) };
        saveState();
        renderRunList();
        break;
    }
    scheduleRender();
  } catch (err) {
    vscode.postMessage({ type: "error", message: `dashboard: ${m.type}: ${err instanceof Error ? err.stack ?? err.message : String(err)}` });
  }
});

syncControls();
vscode.postMessage({ type: "ready" });
