/**
 * The sweep page's HTML shell and its pure formatting (no DOM): the table's cells and columns,
 * shared by the page script (media/src/sweep.ts) and its tests.
 */
import type { ConfigRow, MeanStd, SweepView } from "../../protocol/src/sweep.js";
import type { ConfigSortKey } from "../../runtime/src/sweeps/aggregate.js";
import { webviewPage, type PageResources } from "./webview-page.js";

export function sweepHtml(o: PageResources & { title: string }): string {
  return webviewPage({
    ...o,
    body: `<header><h2 id="title">Sweep</h2><span id="summary"></span><button id="openDashboard" type="button">Open in Dashboard</button></header>
<p class="note">Mean return over 20 consecutive episodes: final (the last 20) and best (any 20 in a row); mean ± std over seeds (sample std). Steps to solve: first step where the 20-episode mean reached the env's threshold, over the seeds that did. Click a column to sort.</p>
<table id="configs"><thead></thead><tbody></tbody></table>
<h3>Hyperparameters against the final mean return</h3>
<svg id="parcoords" role="img" aria-label="parallel coordinates"></svg>
<h3>Members</h3>
<table id="members"><thead><tr><th>#</th><th>configuration</th><th>seed</th><th>state</th><th>steps</th><th>run</th></tr></thead><tbody></tbody></table>`,
  });
}

/** `123.4 ± 5.6`, `123.4` (one seed), `—` (none). */
export function formatMeanStd(m: MeanStd, digits = 1): string {
  if (m.mean === null) return "—";
  return m.std === null ? m.mean.toFixed(digits) : `${m.mean.toFixed(digits)} ± ${m.std.toFixed(digits)}`;
}

export interface Column {
  key: ConfigSortKey;
  title: string;
  cell(r: ConfigRow): string;
  numeric: boolean;
}

function valueText(v: unknown): string {
  return typeof v === "number" ? String(v) : JSON.stringify(v) ?? "—";
}

/** The configuration table's columns: one per grid field, then the results. */
export function configColumns(view: SweepView): Column[] {
  return [
    { key: "config", title: "#", cell: (r) => String(r.config), numeric: true },
    ...view.fields.map((f): Column => ({ key: `value:${f}`, title: f, cell: (r) => valueText(r.values[f]), numeric: true })),
    { key: "config", title: "seeds", cell: (r) => `${r.completed}/${r.seeds}`, numeric: true },
    { key: "finalMeanReturn", title: "final mean return", cell: (r) => formatMeanStd(r.finalMeanReturn), numeric: true },
    { key: "bestMeanReturn", title: "best mean return", cell: (r) => formatMeanStd(r.bestMeanReturn), numeric: true },
    {
      key: "stepsToSolve",
      title: "steps to solve",
      cell: (r) => (r.solved === 0 ? "—" : `${formatMeanStd(r.stepsToSolve, 0)} (${r.solved}/${r.seeds})`),
      numeric: true,
    },
  ];
}

/** `4 members: 3 completed, 1 running`. */
export function summaryText(view: SweepView): string {
  const parts = Object.entries(view.summary.counts).map(([state, n]) => `${n} ${state}`);
  return `${view.summary.members} members: ${parts.join(", ")} · ${view.summary.envId}${view.rewardThreshold !== null ? ` (solved at ${view.rewardThreshold})` : ""}`;
}
