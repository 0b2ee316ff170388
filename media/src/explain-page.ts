/** The explanation panel's page (no DOM, a string): built by the extension for the webview, with the same CSP rules as the dashboard. */
import { webviewPage, type PageResources } from "./webview-page.js";

export function explainHtml(o: PageResources): string {
  return webviewPage({
    ...o,
    title: "RL Studio Explanation",
    body: `<header id="toolbar">
  <h1 id="title">Policy explanation</h1>
  <span id="meta"></span>
  <label><span id="episodesLabel">Episodes per mode</span> <input id="episodes" type="number" min="1" max="1000" value="50"></label>
  <button id="again" type="button">Explain again</button>
  <progress id="progress" hidden></progress>
</header>
<div id="error" role="alert" hidden></div>
<p id="empty">Waiting for the explanation…</p>
<main id="content" hidden>
  <section id="words"><h2>What the policy does</h2><div id="narrative"></div><ul id="summary"></ul></section>
  <section id="textPolicy" hidden><h2>Visited text states</h2><p id="textNote" class="note"></p><div id="textStates"></div></section>
  <div id="behaviour">
  <section><h2>Measured facts</h2><div id="factTables"></div></section>
  <section class="charts">
    <div class="card"><h3>How episodes end</h3><canvas id="endingsChart"></canvas></div>
    <div class="card"><h3 id="mapTitle">Action over the two most influential fields</h3>
      <label id="mapActionLabel">Action <select id="mapAction"></select></label>
      <canvas id="actionMap" width="420" height="320"></canvas><div id="mapNote" class="note"></div></div>
    <div class="card" id="fieldCard0"><h3 id="fieldTitle0">Action by the most influential field</h3><canvas id="fieldChart0"></canvas></div>
    <div class="card" id="fieldCard1"><h3 id="fieldTitle1">Action by the second most influential field</h3><canvas id="fieldChart1"></canvas></div>
    <div class="card" id="componentsCard"><h3>Reward components</h3><canvas id="componentsChart"></canvas></div>
  </section>
  <section id="replay"><h2>Replay</h2>
    <div class="replayBar">
      <select id="episodeChoice"><option value="typical">Typical episode</option><option value="worst">Worst episode</option></select>
      <button id="play" type="button">Play</button>
      <input id="scrub" type="range" min="0" value="0">
      <output id="stepLabel"></output>
      <label>Speed <select id="speed"><option value="1">1×</option><option value="2">2×</option><option value="5">5×</option></select></label>
    </div>
    <div class="replayBody">
      <canvas id="scene" width="480" height="260"></canvas>
      <div id="stepFacts" class="note"></div>
    </div>
    <div class="card wide"><canvas id="stateChart"></canvas></div>
  </section>
  </div>
</main>`,
  });
}
