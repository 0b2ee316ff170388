/**
 * The Eureka evolution page (bundled to dist/media/evolution.js with chart.js: no remote content).
 * Shows every candidate of an evolution (iteration, components, fitness, status or failure), the
 * fitness of each candidate over iterations with the best-so-far line, and each trained
 * candidate's unshaped episodic-return curve; "Apply winner" asks the extension to preview and
 * apply the best candidate (the page never runs candidate code: it only shows text and numbers).
 */
import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, ScatterController, Tooltip, type ChartDataset } from "chart.js";
import type { CandidateResult, EvolutionResult } from "../../runtime/src/reward-design/evolve.js";

Chart.register(LineController, ScatterController, LineElement, PointElement, LinearScale, Tooltip, Legend);

type FromWebview = { type: "ready" } | { type: "applyWinner" } | { type: "error"; message: string };
interface VsCodeApi {
  postMessage(message: FromWebview): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

const css = (name: string, fallback: string) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

let fitnessChart: Chart | null = null;
let curvesChart: Chart | null = null;

function label(c: CandidateResult): string {
  return `${c.iteration}.${c.index} ${c.components.map((x) => x.name).join(" + ") || "(none)"}`;
}

function fixed(v: number | null, digits = 1): string {
  return v === null || !Number.isFinite(v) ? "—" : v.toFixed(digits);
}

function isBest(e: EvolutionResult, c: CandidateResult): boolean {
  return e.best !== null && e.best.iteration === c.iteration && e.best.index === c.index;
}

function renderTable(e: EvolutionResult): void {
  const body = document.querySelector("#candidates tbody")!;
  body.replaceChildren();
  for (const c of e.candidates) {
    const tr = document.createElement("tr");
    tr.className = isBest(e, c) ? "candidate best" : "candidate";
    tr.dataset.status = c.status;
    const cells: [string, boolean][] = [
      [String(c.iteration), true],
      [String(c.index), true],
      [c.components.map((x) => x.name).join(" + ") + (c.repaired ? " (repaired)" : ""), false],
      [fixed(c.fitness), true],
      [c.successRate === null ? "—" : `${Math.round(100 * c.successRate)}%`, true],
      [c.status + (isBest(e, c) ? " · winner" : ""), false],
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
    if (c.error) {
      // Why it was rejected or failed, on a full-width row of its own (tracebacks are long).
      const row = document.createElement("tr");
      row.className = "failure-row";
      const td = document.createElement("td");
      td.colSpan = cells.length;
      td.className = "failure";
      td.textContent = c.error.length > 600 ? `${c.error.slice(0, 600)}…` : c.error;
      row.append(td);
      body.append(row);
    }
  }
}

function renderCharts(e: EvolutionResult): void {
  const fg = css("--vscode-foreground", "#ccc");
  const grid = css("--vscode-panel-border", "#444");
  const scales = (x: string, y: string) => ({
    x: { type: "linear" as const, title: { display: true, text: x, color: fg }, ticks: { color: fg }, grid: { color: grid } },
    y: { title: { display: true, text: y, color: fg }, ticks: { color: fg }, grid: { color: grid } },
  });
  // Fitness: each trained candidate as a point at its iteration; the best so far as a line.
  const trained = e.candidates.filter((c) => c.fitness !== null);
  const bestSoFar: { x: number; y: number }[] = [];
  let best = -Infinity;
  for (let it = 1; it <= e.iterations; it++) {
    for (const c of trained) if (c.iteration === it) best = Math.max(best, c.fitness!);
    if (Number.isFinite(best)) bestSoFar.push({ x: it, y: best });
  }
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
      label: label(c),
      data: c.curves.filter((p) => p.episodicReturn !== null).map((p) => ({ x: p.globalStep, y: p.episodicReturn! })),
      borderColor: PALETTE[i % PALETTE.length],
      backgroundColor: PALETTE[i % PALETTE.length],
      borderWidth: isBest(e, c) ? 3 : 1.5,
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

function render(e: EvolutionResult): void {
  document.getElementById("title")!.textContent = `Evolution ${e.id}`;
  const trained = e.candidates.filter((c) => c.status === "trained").length;
  document.getElementById("summary")!.textContent =
    `${e.envId} · K=${e.candidatesPerIteration} × N=${e.iterations} · budget ${e.budget.toLocaleString("en-US")} steps · ${e.candidates.length} candidates (${trained} trained) · ${e.status} in ${Math.round(e.wallSeconds)} s` +
    (e.best ? ` · winner ${label(e.best)}, fitness ${fixed(e.best.fitness)}` : " · no trained candidate");
  const apply = document.getElementById("applyWinner") as HTMLButtonElement;
  apply.disabled = e.best === null;
  renderTable(e);
  try {
    renderCharts(e);
  } catch (err) {
    vscode.postMessage({ type: "error", message: `charts: ${err instanceof Error ? err.message : String(err)}` });
  }
}

window.addEventListener("message", (ev: MessageEvent) => {
  const m = ev.data as { type?: string; evolution?: EvolutionResult };
  if (m?.type === "evolution" && m.evolution) render(m.evolution);
});
document.getElementById("applyWinner")!.addEventListener("click", () => vscode.postMessage({ type: "applyWinner" }));
vscode.postMessage({ type: "ready" });
