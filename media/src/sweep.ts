/**
 * The sweep page (bundled to dist/media/sweep.js; no remote content): the table per configuration
 * (final and best mean return, mean ± std over seeds, steps to solve; click a header to sort), a
 * parallel-coordinates SVG of the grid's hyperparameters against the final mean return, and the
 * members with their live state. The view is kept as the webview state, so a reload shows it at once.
 */
import { isSweepToWebview, type SweepFromWebview, type SweepView } from "../../protocol/src/sweep.js";
import { sortConfigRows, type ConfigSortKey } from "../../runtime/src/sweeps/aggregate.js";
import { parallelCoordinates } from "./parcoords.js";
import { configColumns, summaryText } from "./sweep-page.js";

interface PageState {
  view: SweepView | null;
  sort: { key: ConfigSortKey; title: string; descending: boolean };
}
interface VsCodeApi {
  postMessage(message: SweepFromWebview): void;
  getState(): PageState | undefined;
  setState(state: PageState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

let state: PageState = vscode.getState() ?? { view: null, sort: { key: "finalMeanReturn", title: "final mean return", descending: true } };
const SVG = "http://www.w3.org/2000/svg";
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

function cell(tag: "td" | "th", text: string, numeric = false): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = text;
  if (numeric) el.className = "num";
  return el;
}

function renderTable(view: SweepView): void {
  const columns = configColumns(view);
  const head = document.querySelector("#configs thead")!;
  const tr = document.createElement("tr");
  for (const c of columns) {
    const th = cell("th", c.title + (state.sort.title === c.title ? (state.sort.descending ? " ▼" : " ▲") : ""));
    th.className = "sortable";
    th.addEventListener("click", () => {
      const same = state.sort.title === c.title;
      state = { ...state, sort: { key: c.key, title: c.title, descending: same ? !state.sort.descending : c.key !== "stepsToSolve" && c.key !== "config" } };
      vscode.setState(state);
      render();
    });
    tr.append(th);
  }
  head.replaceChildren(tr);
  const body = document.querySelector("#configs tbody")!;
  body.replaceChildren(
    ...sortConfigRows(view.rows, state.sort.key, state.sort.descending).map((r) => {
      const row = document.createElement("tr");
      row.className = "config";
      for (const c of columns) row.append(cell("td", c.cell(r), c.numeric));
      return row;
    }),
  );
}

function renderParallel(view: SweepView): void {
  const svg = document.getElementById("parcoords")!;
  const width = Math.max(360, svg.clientWidth || 640);
  const height = 240;
  const pad = { left: 60, right: 60, top: 24, bottom: 28 };
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const { axes, lines } = parallelCoordinates(view.fields, view.rows.map((r) => ({ config: r.config, values: r.values, result: r.finalMeanReturn.mean })));
  const x = (i: number) => pad.left + (axes.length === 1 ? 0 : (i * (width - pad.left - pad.right)) / (axes.length - 1));
  const y = (v: number) => height - pad.bottom - v * (height - pad.top - pad.bottom);
  const nodes: SVGElement[] = [];
  const el = (tag: string, attrs: Record<string, string | number>, text?: string) => {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    nodes.push(e);
    return e;
  };
  lines.forEach((line, i) => {
    const points = line.ys.map((v, a) => (v === null ? null : `${x(a)},${y(v)}`)).filter((p): p is string => p !== null);
    const path = el("polyline", { points: points.join(" "), fill: "none", stroke: PALETTE[i % PALETTE.length]!, "stroke-width": 2, class: "line" });
    const title = document.createElementNS(SVG, "title");
    title.textContent = `configuration ${line.config}`;
    path.append(title);
  });
  axes.forEach((axis, a) => {
    el("line", { x1: x(a), x2: x(a), y1: y(0), y2: y(1), class: "axis" });
    el("text", { x: x(a), y: 14, "text-anchor": "middle", class: "axis-title" }, axis.kind === "log" ? `${axis.name} (log)` : axis.name);
    const ticks = axis.ticks.length > 6 ? [axis.ticks[0]!, axis.ticks[axis.ticks.length - 1]!] : axis.ticks;
    for (const t of ticks) el("text", { x: x(a) + 4, y: y(t.at) + 4, class: "tick" }, t.label);
  });
  svg.replaceChildren(...nodes);
}

function renderMembers(view: SweepView): void {
  const body = document.querySelector("#members tbody")!;
  body.replaceChildren(
    ...view.members.map((m) => {
      const row = document.createElement("tr");
      row.dataset.state = m.state;
      row.append(
        cell("td", String(m.index), true),
        cell("td", m.configText),
        cell("td", String(m.seed), true),
        cell("td", m.state + (m.detail && m.state === "failed" ? `: ${m.detail}` : "")),
        cell("td", `${m.globalStep.toLocaleString("en-US")}/${m.totalTimesteps.toLocaleString("en-US")}`, true),
        cell("td", m.runId),
      );
      return row;
    }),
  );
}

function render(): void {
  const view = state.view;
  if (!view) return;
  document.getElementById("title")!.textContent = `Sweep ${view.summary.id}`;
  document.getElementById("summary")!.textContent = summaryText(view);
  renderTable(view);
  renderParallel(view);
  renderMembers(view);
}

window.addEventListener("message", (e: MessageEvent<unknown>) => {
  if (!isSweepToWebview(e.data)) return;
  state = { ...state, view: e.data.view };
  vscode.setState(state);
  try {
    render();
  } catch (err) {
    vscode.postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) });
  }
});
document.getElementById("openDashboard")!.addEventListener("click", () => vscode.postMessage({ type: "openDashboard" }));
render();
vscode.postMessage({ type: "ready" });
