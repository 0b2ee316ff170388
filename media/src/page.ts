/** The dashboard page (no DOM, a string): built by the extension for the webview and by bench/extension.ts for headless Chromium. */
import { webviewPage, type PageResources } from "./webview-page.js";

export function dashboardHtml(o: PageResources): string {
  return webviewPage({
    ...o,
    title: "RL Studio Dashboard",
    body: `<header id="toolbar">
  <label>Smoothing <input id="smoothing" type="range" min="0" max="0.99" step="0.01"><output id="smoothingValue"></output></label>
  <label>X axis <select id="xAxis"><option value="step">global step</option><option value="wall">wall time (s)</option></select></label>
  <label><input id="groupSeeds" type="checkbox"> Group seeds (mean ± std)</label>
  <button id="exportCsv" type="button">Export CSV</button>
</header>
<nav id="runs" aria-label="Runs"></nav>
<main id="charts"><p id="empty">No runs yet. Run <b>RL Studio: Train Experiment</b> on an <code>.rl.ts</code> file.</p></main>`,
  });
}
