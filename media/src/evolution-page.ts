/** The Eureka evolution results page (no DOM, a string), built by the extension for its webview. */
import { webviewPage, type PageResources } from "./webview-page.js";

export function evolutionHtml(o: PageResources & { title: string }): string {
  return webviewPage({
    ...o,
    body: `<header><h2 id="title">Evolution</h2><span id="summary"></span><button id="applyWinner" type="button" disabled>Apply winner</button></header>
<table id="candidates"><thead><tr><th>Iteration</th><th>#</th><th>Components</th><th>Fitness</th><th>Success</th><th>Status</th><th>Steps</th></tr></thead><tbody></tbody></table>
<section class="charts">
  <div class="card" id="fitnessCard"><h3>Fitness over iterations (each candidate; line: best so far)</h3><canvas id="fitness"></canvas></div>
  <div class="card" id="curvesCard"><h3>Unshaped episodic return during each candidate's training</h3><canvas id="curves"></canvas></div>
</section>`,
  });
}
