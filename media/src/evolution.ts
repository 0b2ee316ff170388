/**
 * The Eureka evolution page (bundled to dist/media/evolution.js with chart.js: no remote content),
 * live while the evolution runs and the saved result once it ended. Shows every finished candidate
 * (iteration, components, fitness, status or failure; the best so far marked), the fitness of each
 * candidate over iterations with the best-so-far line, and each trained candidate's unshaped
 * episodic-return curve; "Apply winner" (enabled once the evolution ended with a winner) asks the
 * extension to preview and apply it (the page never runs candidate code: it only shows text and
 * numbers). The model (evolution-page.ts) is kept as the webview state, so a reloaded page shows it at once.
 */
import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, ScatterController, Tooltip, type ChartDataset } from "chart.js";
import { bestSoFarLine, canApply, candidateLabel, candidateReason, fixed, isBestCandidate, rowStatus, summaryText, type EvolutionPageModel } from "./evolution-page.js";
import { isEvolutionToWebview, type EvolutionFromWebview } from "../../protocol/src/webview.js";

Chart.register(LineController, ScatterController, LineElement, PointElement, LinearScale, Tooltip, Legend);

interface VsCodeApi {
  postMessage(message: EvolutionFromWebview): void;
  getState(): EvolutionPageModel | undefined;
  setState(state: EvolutionPageModel): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

const css = (name: string, fallback: string) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

let fitnessChart: Chart | null = null;
let curvesChart: Chart | null = null;

function renderTable(e: EvolutionPageModel): void {
  const body = document.querySelector("#candidates tbody")!;
  body.replaceChildren();
  for (const c of e.candidates) {
    const tr = document.createElement("tr");
    tr.className = isBestCandidate(e, c) ? "candidate best" : "candidate";
    tr.dataset.status = c.status;
    const cells: [string, boolean][] = [
      [String(c.iteration), true],
      [String(c.index), true],
      [c.components.map((x) => x.name).join(" + ") + (c.repaired ? " (repaired)" : ""), false],
      [fixed(c.fitness), true],
      [c.successRate === null ? "—" : `${Math.round(100 * c.successRate)}%`, true],
      [rowStatus(e, c), false],
      [c.globalStep.toLocaleString("en-US"), true],
    ];
    for (const [text, num] of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      if (num) td.className = "num";
      tr.append(td);
    }
    const comps = tr.children[2] as HTMLElement;
    comps.title = [c.rationale, ...c.components.map((x) => `${x.name}: ${x.code}`)].join("\n");
    body.append(tr);
    const reason = candidateReason(e, c);
    if (reason) {
      // Why it was rejected, failed or cancelled, on a full-width row of its own (tracebacks are long).
      const row = document.createElement("tr");
      row.className = "failure-row";
      const td = document.createElement("td");
      td.colSpan = cells.length;
      td.className = "failure";
      td.textContent = reason.length > 600 ? `${reason.slice(0, 600)}…` : reason;
      row.append(td);
      body.append(row);
    }
  }
}

function renderCharts(e: EvolutionPageModel): void {
  const fg = css("--vscode-foreground", "#ccc");
  const grid = css("--vscode-panel-border", "#444");
  const scales = (x: string, y: string) => ({
    x: { type: "linear" as const, title: { display: true, text: x, color: fg }, ticks: { color: fg }, grid: { color: grid } },
    y: { title: { display: true, text: y, color: fg }, ticks: { color: fg }, grid: { color: grid } },
  });
  // Fitness: each trained candidate as a point at its iteration; the best so far as a line.
  const trained = e.candidates.filter((c) => c.fitness !== null);
  const bestSoFar = bestSoFarLine(e);
  const fitnessData: ChartDataset<"scatter" | "line", { x: number; y: number }[]>[] = [
    { type: "scatter", label: "candidate", data: trained.map((c) => ({ x: c.iteration, y: c.fitness! })), backgroundColor: PALETTE[0], pointRadius: 4 },
    { type: "line", label: "best so far", data: bestSoFar, borderColor: PALETTE[1], backgroundColor: PALETTE[1], pointRadius: 3 },
  ];
  fitnessChart?.destroy();
  fitnessChart = new Chart(document.getElementById("fitness") as HTMLCanvasElement, {
    type: "scatter",
    data: { datasets: fitnessData as ChartDataset<"scatter", { x: number; y: number }[]>[] },
    options: { animation: false, maintainAspectRatio: false, scales: { ...scales("iteration", "fitness"), x: { ...scales("iteration", "").x, ticks: { color: fg, stepSize: 1 } } }, plugins: { legend: { labels: { color: fg } } } },
  });
  document.getElementById("fitnessCard")!.dataset.points = String(trained.length);
  // Per-candidate curves: unshaped episodic return against global step.
  const curves = e.candidates
    .filter((c) => c.curves.some((p) => p.episodicReturn !== null))
    .map((c, i) => ({
      label: candidateLabel(c),
      data: c.curves.filter((p) => p.episodicReturn !== null).map((p) => ({ x: p.globalStep, y: p.episodicReturn! })),
      borderColor: PALETTE[i % PALETTE.length],
      backgroundColor: PALETTE[i % PALETTE.length],
      borderWidth: isBestCandidate(e, c) ? 3 : 1.5,
      pointRadius: 0,
    }));
  curvesChart?.destroy();
  curvesChart = new Chart(document.getElementById("curves") as HTMLCanvasElement, {
    type: "line",
    data: { datasets: curves },
    options: { animation: false, maintainAspectRatio: false, parsing: false, scales: scales("global step", "episodic return"), plugins: { legend: { labels: { color: fg, boxWidth: 10 } } } },
  });
  document.getElementById("curvesCard")!.dataset.curves = String(curves.length);
}

let current: EvolutionPageModel | null = null;

function renderStatus(e: EvolutionPageModel): void {
  const status = document.getElementById("status")!;
  status.dataset.status = e.status;
  status.textContent = e.status === "running" ? "● running" : e.status;
  const activity = document.getElementById("activity")!;
  activity.textContent = e.status === "running" ? e.activity : e.error ? `failed: ${e.error}` : "";
  document.getElementById("summary")!.textContent = summaryText(e);
  const apply = document.getElementById("applyWinner") as HTMLButtonElement;
  apply.disabled = !canApply(e);
  apply.title = e.status === "running" ? "Available when the evolution ends" : e.best ? "Preview the winner's reward against the file, then apply it" : "No trained candidate";
}

function render(e: EvolutionPageModel): void {
  current = e;
  vscode.setState(e);
  document.getElementById("title")!.textContent = `Evolution ${e.id}`;
  document.body.dataset.status = e.status;
  renderStatus(e);
  renderTable(e);
  try {
    renderCharts(e);
  } catch (err) {
    vscode.postMessage({ type: "error", message: `charts: ${err instanceof Error ? err.message : String(err)}` });
  }
}

window.addEventListener("message", (ev: MessageEvent) => {
  const m: unknown = ev.data;
  if (!isEvolutionToWebview(m)) return;
  if (m.type === "evolution") render(m.model);
  else if (current) {
    // Training steps: only the activity line changes (rows and charts change with candidate-done).
    current = { ...current, activity: m.activity, wallSeconds: m.wallSeconds };
    vscode.setState(current);
    renderStatus(current);
  }
});
document.getElementById("applyWinner")!.addEventListener("click", () => {
  if (current && canApply(current)) vscode.postMessage({ type: "applyWinner" });
});
const restored = vscode.getState();
if (restored && typeof restored === "object" && Array.isArray(restored.candidates)) render(restored);
vscode.postMessage({ type: "ready" });
