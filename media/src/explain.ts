/**
 * The explanation panel (bundled to dist/media/explain.js, chart.js included — no remote content).
 * Shows one saved explanation: the narrative (when the LLM's passed the number check) and the
 * summary, the fact tables (with the action per range of the two most influential fields), charts
 * (how episodes end, the policy's mean action probability — or mean action — over the two most
 * influential fields as a heat map, with each cell's n and taken frequency in its tooltip, and per
 * range of each of those fields, reward components) and
 * a replay of the typical or worst episode: a 2-D drawing for the classic-control envs and the
 * state over time for any env.
 * A TWOSOME run's explanation shows, instead of the tables, charts and replay, each visited text
 * state's prompt and π over its action texts, the greedy action marked (explain-text.ts).
 * Everything drawn comes from `Explanation.facts`; nothing is computed here but layout (the facts →
 * series shaping is in explain-scene.ts, unit-tested).
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartConfiguration } from "chart.js";
import type {
  BehaviourExplanation,
  BehaviourFacts,
  EpisodeTrajectory,
  Explanation,
  ExplainHostToWebview,
  ExplainPanelState,
  ExplainWebviewToHost,
  ModeFacts,
  TextPolicyExplanation,
} from "../../protocol/src/explain.js";
import { textPolicyMeta, textStatesNote, textStateViews } from "./explain-text.js";
import { actionMapLayout, actionMapView, cellAt, cellOrigin, conditioningTable, drawScene, fieldChartSeries, fmt, hasScene, pct, type SceneColours } from "./explain-scene.js";

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip, Legend);

interface VsCodeApi {
  postMessage(message: ExplainWebviewToHost): void;
  getState(): ExplainPanelState | undefined;
  setState(state: ExplainPanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();
let state: ExplainPanelState = vscode.getState() ?? { runId: null, replayStep: 0 };

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`explain.ts: the page has no #${id}`);
  return el as T;
};

// ── theme ─────────────────────────────────────────────────────────────────────

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}
const PALETTE = ["--vscode-charts-blue", "--vscode-charts-orange", "--vscode-charts-green", "--vscode-charts-red", "--vscode-charts-purple", "--vscode-charts-yellow"];
const colour = (i: number) => cssVar(PALETTE[i % PALETTE.length]!, ["#3794ff", "#d18616", "#89d185", "#f14c4c", "#b180d7", "#cca700"][i % 6]!);
const sceneColours = (): SceneColours => ({
  foreground: cssVar("--vscode-foreground", "#cccccc"),
  accent: colour(1),
  muted: cssVar("--vscode-descriptionForeground", "#888888"),
  background: cssVar("--vscode-editor-background", "#1e1e1e"),
});

function applyChartTheme(): void {
  Chart.defaults.color = cssVar("--vscode-foreground", "#cccccc");
  Chart.defaults.borderColor = cssVar("--vscode-panel-border", "rgba(128,128,128,0.3)");
  Chart.defaults.font.family = cssVar("--vscode-font-family", "sans-serif");
  Chart.defaults.animation = false;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

function table(head: string[], rows: (string | number)[][], id?: string): HTMLTableElement {
  const t = el("table");
  if (id) t.id = id;
  const tr = el("tr");
  for (const h of head) tr.append(el("th", h));
  t.append(tr);
  for (const r of rows) {
    const row = el("tr");
    for (const c of r) row.append(el("td", typeof c === "number" ? fmt(c) : c));
    t.append(row);
  }
  return t;
}

// ── rendering ─────────────────────────────────────────────────────────────────

/** The MLP policy's explanation on show (the replay's chart reads it); null while a TWOSOME run's is. */
let current: BehaviourExplanation | null = null;
const charts = new Map<string, Chart>();

function chart(id: string, config: ChartConfiguration<"bar" | "line">): void {
  charts.get(id)?.destroy();
  charts.set(id, new Chart($<HTMLCanvasElement>(id), config) as unknown as Chart);
}

function show(e: Explanation, runId: string): void {
  if (state.runId !== runId) state = { runId, replayStep: 0 };
  vscode.setState(state);
  $("empty").hidden = true;
  $("error").hidden = true;
  $("content").hidden = false;
  $("progress").hidden = true;
  $("title").textContent = `${e.facts.experimentName} · ${e.facts.envId}`;
  // The format literal (checked by the compiler against the union), not protocol's isTextPolicyExplanation:
  // a value import from protocol/src/explain.ts would bundle vscode-jsonrpc into the page.
  const text = e.format === "rl-studio/text-policy-explanation@1";
  $("behaviour").hidden = text;
  $("textPolicy").hidden = !text;
  $("episodesLabel").textContent = text ? "Greedy episodes" : "Episodes per mode";
  renderWords(e, text ? 1 : undefined);
  if (text) showTextPolicy(e);
  else showBehaviour(e);
}

/** A TWOSOME run: each visited text state's prompt (collapsed to its end) and π over its action texts. */
function showTextPolicy(e: TextPolicyExplanation): void {
  current = null;
  stop();
  const f = e.facts;
  $("meta").textContent = textPolicyMeta(f, new Date(e.createdAt).toLocaleString());
  $<HTMLInputElement>("episodes").value = String(f.episodes);
  $("textNote").textContent = textStatesNote(f);
  $("textStates").replaceChildren(
    ...textStateViews(f).map((v) => {
      const card = el("div", undefined, "card textState");
      card.append(el("h3", v.title));
      const details = el("details");
      details.append(el("summary", v.excerpt), el("pre", v.prompt, "prompt"));
      card.append(details);
      const t = el("table", undefined, "textActions");
      const head = el("tr");
      for (const h of ["action text", "π(a | s)", ""]) head.append(el("th", h));
      t.append(head);
      for (const a of v.actions) {
        const row = el("tr", undefined, a.greedy ? "greedy" : undefined);
        const name = el("td", a.text);
        if (a.greedy) name.append(el("span", "greedy", "badge"));
        const bar = el("meter");
        bar.min = 0;
        bar.max = 1;
        bar.value = a.probability;
        bar.title = `π = ${a.probability}`;
        const barCell = el("td");
        barCell.append(bar);
        row.append(name, el("td", a.label, "num"), barCell);
        t.append(row);
      }
      card.append(t);
      return card;
    }),
  );
}

/** An MLP policy: fact tables, charts and the replay. */
function showBehaviour(e: BehaviourExplanation): void {
  current = e;
  applyChartTheme();
  const f = e.facts;
  $("meta").textContent = `run ${f.runId} · ${fmt(f.globalStep)} training steps · ${f.evaluation.episodesPerMode} episodes per mode · ${new Date(e.createdAt).toLocaleString()}`;
  $<HTMLInputElement>("episodes").value = String(f.evaluation.episodesPerMode);
  renderTables(f);
  renderEndings(f);
  renderActionMap(f);
  renderFieldCharts(f);
  renderComponents(f);
  setupReplay(f);
}

/** `sentences`: how many summary sentences to list (a TWOSOME run's states are sentences 2…, and the cards below show them). */
function renderWords(e: Explanation, sentences = e.summary.length): void {
  const narrative = $("narrative");
  narrative.replaceChildren();
  if (e.narrative) {
    for (const para of e.narrative.split(/\n\s*\n/)) narrative.append(el("p", para));
    narrative.append(el("p", "Written by the local language model from the facts below; every number in it was checked against them.", "note"));
  } else if (e.narrativeNote) {
    narrative.append(el("p", e.narrativeNote[0]!.toUpperCase() + e.narrativeNote.slice(1) + ".", "note"));
  }
  const ul = $("summary");
  ul.replaceChildren(...e.summary.slice(0, sentences).map((s) => el("li", s)));
}

function modeRow(m: ModeFacts): (string | number)[] {
  const r = m.return;
  const endings = m.endings.causes.map((c) => `${c.kind === "truncated" ? "truncated" : "terminated"}: ${c.cause} ${c.count}`).join("; ");
  return [m.mode, `${fmt(r.mean)} ± ${fmt(r.std)}`, `${fmt(r.min)} / ${fmt(r.p10)} / ${fmt(r.p50)} / ${fmt(r.p90)} / ${fmt(r.max)}`, m.length.mean, m.steps, endings];
}

function renderTables(f: BehaviourFacts): void {
  const box = $("factTables");
  box.replaceChildren();
  box.append(el("h3", "Returns and endings"));
  box.append(table(["rollouts", "return (mean ± std)", "min / p10 / median / p90 / max", "mean length", "states (n)", "how episodes end"], [modeRow(f.deterministic), modeRow(f.stochastic)]));
  box.append(el("h3", "Sensitivity (most influential first)"));
  const effect = f.actionKind === "discrete" ? "mean total variation" : "mean |Δ mean action|";
  box.append(
    table(
      ["rank", "field", "perturbation (std)", effect, "states (n)"],
      f.sensitivity.map((s) => [String(s.rank), s.field, s.delta, s.meanEffect, s.n]),
    ),
  );
  const cond = conditioningTable(f);
  if (cond.rows.length > 0) {
    const discrete = f.actionKind === "discrete";
    box.append(el("h3", `Action by range of the two most influential fields (deterministic rollouts)`));
    box.append(table(cond.head, cond.rows, "conditioningTable"));
    box.append(
      el(
        "p",
        discrete
          ? "P(a) is the policy's mean probability π(a | s) over the n visited states in the range; how often each action was taken there is in the charts' tooltips."
          : "The mean action applied (after clipping) over the n visited states in the range.",
        "note",
      ),
    );
  }
  const c = f.deterministic.components;
  if (c) {
    box.append(el("h3", `Reward components (${fmt(c.steps)} steps, deterministic rollouts)`));
    box.append(table(["component", "share of shaped return", "|share|", "mean per step", "mean per episode"], c.components.map((x) => [x.name, pct(x.share), pct(x.absShare), x.meanPerStep, x.meanPerEpisode])));
  }
  if (f.criticalStates.length > 0) {
    box.append(el("h3", "Critical states (deterministic rollouts)"));
    const names = f.observationFields.map((o) => o.name);
    box.append(
      table(
        ["kind", "episode", "step", "score", "V(s)", "action", ...names],
        f.criticalStates.map((s) => [
          s.kind === "valueSwing" ? "value swing" : "action gap",
          s.episode,
          s.step,
          s.score,
          s.value,
          typeof s.action === "number" ? (f.actionMeanings[s.action] ?? String(s.action)) : s.action.map(fmt).join(", "),
          ...s.obs,
        ]),
      ),
    );
  }
}

function renderEndings(f: BehaviourFacts): void {
  const key = (c: { kind: string; cause: string }) => `${c.kind}: ${c.cause}`;
  const labels = [...new Set([...f.deterministic.endings.causes, ...f.stochastic.endings.causes].map(key))];
  for (const cause of f.terminationCauses) if (!labels.includes(`terminated: ${cause}`)) labels.push(`terminated: ${cause}`);
  const count = (m: ModeFacts, label: string) => m.endings.causes.find((c) => key(c) === label)?.count ?? 0;
  chart("endingsChart", {
    type: "bar",
    data: {
      labels,
      datasets: [f.deterministic, f.stochastic].map((m, i) => ({ label: `${m.mode} (n = ${m.episodes})`, data: labels.map((l) => count(m, l)), backgroundColor: colour(i) })),
    },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: "episodes" }, ticks: { precision: 0 } } } },
  });
}

/** Which action (or action element) the heat map shows. */
let mapAction = 0;

function renderActionMap(f: BehaviourFacts): void {
  const select = $<HTMLSelectElement>("mapAction");
  const width = f.actionKind === "discrete" ? f.actionMeanings.length : f.actionMeanings.length;
  select.replaceChildren(...Array.from({ length: width }, (_, k) => {
    const o = el("option", f.actionMeanings[k] ?? `action ${k}`);
    o.value = String(k);
    return o;
  }));
  mapAction = Math.min(mapAction, width - 1);
  select.value = String(mapAction);
  select.onchange = () => {
    mapAction = Number(select.value);
    drawActionMap(f);
  };
  drawActionMap(f);
}

function drawActionMap(f: BehaviourFacts): void {
  const canvas = $<HTMLCanvasElement>("actionMap");
  const ctx = canvas.getContext("2d")!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const note = $("mapNote");
  // What is plotted, the cells' values and tooltips: explain-scene.ts (unit-tested); here only drawing.
  const view = actionMapView(f, mapAction);
  canvas.dataset.quantity = view?.quantity ?? "";
  canvas.title = "";
  canvas.onmousemove = null;
  canvas.onmouseleave = null;
  if (!view) {
    note.textContent = "Fewer than two observation fields vary in the visited states: no map.";
    return;
  }
  $("mapTitle").textContent = view.title;
  const l = actionMapLayout(view, canvas.width, canvas.height);
  const fg = cssVar("--vscode-foreground", "#cccccc");
  ctx.font = `11px ${cssVar("--vscode-font-family", "sans-serif")}`;
  for (const cell of view.cells) {
    const { x, y } = cellOrigin(view, l, cell.ix, cell.iy);
    if (cell.value === null) {
      ctx.strokeStyle = fg;
      ctx.globalAlpha = 0.2;
      ctx.strokeRect(x + 0.5, y + 0.5, l.cellWidth - 1, l.cellHeight - 1);
      ctx.globalAlpha = 1;
      continue;
    }
    const t = view.hi > view.lo ? (cell.value - view.lo) / (view.hi - view.lo) : 0.5;
    ctx.fillStyle = colour(0);
    ctx.globalAlpha = 0.08 + 0.92 * Math.max(0, Math.min(1, t));
    ctx.fillRect(x, y, l.cellWidth - 1, l.cellHeight - 1);
    ctx.globalAlpha = 1;
    ctx.fillStyle = fg;
    ctx.textAlign = "center";
    ctx.fillText(cell.text, x + l.cellWidth / 2, y + l.cellHeight / 2);
    ctx.fillText(`n=${fmt(cell.n)}`, x + l.cellWidth / 2, y + l.cellHeight / 2 + 12);
  }
  ctx.fillStyle = fg;
  ctx.textAlign = "center";
  view.xs.forEach((v, i) => ctx.fillText(fmt(v), l.left + i * l.cellWidth, l.top + l.height + 14));
  ctx.fillText(view.xField, l.left + l.width / 2, canvas.height - 6);
  ctx.textAlign = "right";
  view.ys.forEach((v, i) => ctx.fillText(fmt(v), l.left - 4, l.top + (view.ys.length - 1 - i) * l.cellHeight + 4));
  ctx.save();
  ctx.translate(12, l.top + l.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = "center";
  ctx.fillText(view.yField, 0, 0);
  ctx.restore();
  note.textContent = view.note;
  // The hovered cell's tooltip (its ranges, n, the value and the taken frequency), as the canvas's title.
  canvas.onmousemove = (ev: MouseEvent) => {
    const r = canvas.getBoundingClientRect();
    const x = ((ev.clientX - r.left) * canvas.width) / (r.width || canvas.width);
    const y = ((ev.clientY - r.top) * canvas.height) / (r.height || canvas.height);
    const text = cellAt(view, l, x, y)?.tooltip.join("\n") ?? "";
    if (canvas.title !== text) canvas.title = text;
  };
  canvas.onmouseleave = () => (canvas.title = "");
}

function renderFieldCharts(f: BehaviourFacts): void {
  // One chart per field (the two most influential): each has its own x axis, the field's bins labelled by their ranges.
  const series = fieldChartSeries(f);
  for (const k of [0, 1]) {
    const s = series[k];
    $(`fieldCard${k}`).hidden = !s;
    if (!s) {
      charts.get(`fieldChart${k}`)?.destroy();
      charts.delete(`fieldChart${k}`);
      continue;
    }
    $(`fieldTitle${k}`).textContent = s.title;
    chart(`fieldChart${k}`, {
      type: "line",
      data: {
        labels: s.labels,
        datasets: s.datasets.map((d, i) => ({ label: d.label, data: d.data, borderColor: colour(i), backgroundColor: colour(i), pointRadius: 3, spanGaps: false })),
      },
      options: {
        scales: {
          x: { title: { display: true, text: s.xTitle } },
          y: { ...(s.yRange ?? {}), title: { display: true, text: s.yTitle } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: (item) => `${item.dataset.label ?? ""} = ${fmt(item.parsed.y)}`,
              afterLabel: (item) => s.datasets[item.datasetIndex]?.details[item.dataIndex] ?? [],
            },
          },
        },
      },
    });
  }
}

function renderComponents(f: BehaviourFacts): void {
  const card = $("componentsCard");
  const d = f.deterministic.components;
  const s = f.stochastic.components;
  card.hidden = !d;
  if (!d) return;
  chart("componentsChart", {
    type: "bar",
    data: {
      labels: d.components.map((c) => c.name),
      datasets: [
        { label: "deterministic: mean per step", data: d.components.map((c) => c.meanPerStep), backgroundColor: colour(0) },
        ...(s ? [{ label: "stochastic: mean per step", data: s.components.map((c) => c.meanPerStep), backgroundColor: colour(1) }] : []),
      ],
    },
    options: {
      plugins: { tooltip: { callbacks: { afterLabel: (item) => `share of shaped return ${pct((item.datasetIndex === 0 ? d : s!).components[item.dataIndex]!.share)}` } } },
    },
  });
}

// ── replay ────────────────────────────────────────────────────────────────────

let episode: EpisodeTrajectory | null = null;
let timer: number | null = null;

function setupReplay(f: BehaviourFacts): void {
  const choice = $<HTMLSelectElement>("episodeChoice");
  const pick = () => {
    stop();
    episode = choice.value === "worst" ? f.worstEpisode : f.typicalEpisode;
    const scrub = $<HTMLInputElement>("scrub");
    scrub.max = String(episode.observations.length - 1);
    state.replayStep = Math.min(state.replayStep, episode.observations.length - 1);
    scrub.value = String(state.replayStep);
    renderStateChart(f, episode);
    showStep(f, state.replayStep);
  };
  choice.onchange = () => {
    state.replayStep = 0;
    pick();
  };
  $<HTMLInputElement>("scrub").oninput = (ev) => showStep(f, Number((ev.target as HTMLInputElement).value));
  $("play").onclick = () => (timer === null ? play(f) : stop());
  $("scene").hidden = !hasScene(f.envId);
  pick();
}

function play(f: BehaviourFacts): void {
  if (!episode) return;
  if (state.replayStep >= episode.observations.length - 1) state.replayStep = 0;
  $("play").textContent = "Pause";
  // Real time for the classic-control envs is 50 steps/s (τ = 0.02 s in CartPole); speed multiplies it.
  const tick = () => {
    if (!episode) return;
    const speed = Number($<HTMLSelectElement>("speed").value);
    const next = state.replayStep + speed;
    if (next > episode.observations.length - 1) {
      showStep(f, episode.observations.length - 1);
      stop();
      return;
    }
    showStep(f, next);
  };
  timer = window.setInterval(tick, 20);
}

function stop(): void {
  if (timer !== null) window.clearInterval(timer);
  timer = null;
  $("play").textContent = "Play";
}

function showStep(f: BehaviourFacts, step: number): void {
  if (!episode) return;
  state.replayStep = step;
  vscode.setState(state);
  $<HTMLInputElement>("scrub").value = String(step);
  const last = episode.observations.length - 1;
  $("stepLabel").textContent = `step ${step} / ${last}`;
  const obs = episode.observations[step]!;
  if (hasScene(f.envId)) {
    const ctx = $<HTMLCanvasElement>("scene").getContext("2d")!;
    drawScene(ctx, f.envId, obs, episode.states?.[step] ?? null, sceneColours());
  }
  const lines: string[] = [`${episode.role} episode ${episode.episode} (seed ${episode.seed}): return ${fmt(episode.return)}, ${episode.length} steps, ended by ${episode.ending.kind === "truncated" ? "truncation" : "termination"} (${episode.ending.cause})`];
  lines.push(f.observationFields.map((o, j) => `${o.name} = ${fmt(obs[j]!)}`).join(", "));
  if (step < last) {
    const a = episode.actions[step]!;
    const name = typeof a === "number" ? (f.actionMeanings[a] ?? String(a)) : a.map(fmt).join(", ");
    const p = episode.probabilities?.[step];
    lines.push(`action: ${name}${p ? ` (π = ${p.map(fmt).join(", ")})` : ""}; V(s) = ${fmt(episode.values[step]!)}; reward ${fmt(episode.rewards[step]!)}`);
  } else {
    lines.push("final state");
  }
  $("stepFacts").replaceChildren(...lines.map((l) => el("div", l)));
  const sc = charts.get("stateChart");
  if (sc) sc.draw();
}

/** Draws the replay position as a vertical line on the state chart. */
const cursorPlugin = {
  id: "replayCursor",
  afterDatasetsDraw(c: Chart): void {
    const x = c.scales.x;
    if (!x || !episode) return;
    const px = x.getPixelForValue(state.replayStep);
    const { top, bottom } = c.chartArea;
    const ctx = c.ctx;
    ctx.save();
    ctx.strokeStyle = cssVar("--vscode-foreground", "#ccc");
    ctx.globalAlpha = 0.6;
    ctx.beginPath();
    ctx.moveTo(px, top);
    ctx.lineTo(px, bottom);
    ctx.stroke();
    ctx.restore();
  },
};

function renderStateChart(f: BehaviourFacts, t: EpisodeTrajectory): void {
  chart("stateChart", {
    type: "line",
    data: {
      labels: t.observations.map((_, i) => i),
      datasets: f.observationFields.map((o, j) => ({
        label: o.name,
        data: t.observations.map((obs) => obs[j]!),
        borderColor: colour(j),
        backgroundColor: colour(j),
        pointRadius: 0,
        borderWidth: 1.5,
      })),
    },
    options: {
      scales: { x: { type: "linear", title: { display: true, text: "step" } } },
      plugins: { tooltip: { mode: "index", intersect: false } },
      onClick: (_e, _items, c) => {
        const px = (_e.x ?? 0) as number;
        const step = Math.round(c.scales.x!.getValueForPixel(px) ?? 0);
        if (current) showStep(current.facts, Math.max(0, Math.min(step, t.observations.length - 1)));
      },
    },
    plugins: [cursorPlugin],
  });
}

// ── messages ──────────────────────────────────────────────────────────────────

$("again").addEventListener("click", () => {
  const n = Number($<HTMLInputElement>("episodes").value);
  if (!Number.isInteger(n) || n < 1) {
    showError(`Episodes per mode must be a whole number ≥ 1, got "${$<HTMLInputElement>("episodes").value}".`);
    return;
  }
  vscode.postMessage({ type: "explainAgain", episodes: n });
});

function showError(message: string): void {
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
  $("progress").hidden = true;
}

window.addEventListener("message", (event: MessageEvent<ExplainHostToWebview>) => {
  const m = event.data;
  try {
    switch (m.type) {
      case "explanation":
        show(m.explanation, m.runId);
        break;
      case "progress": {
        const bar = $<HTMLProgressElement>("progress");
        bar.hidden = false;
        bar.max = m.total;
        bar.value = m.done;
        bar.title = `${m.phase}: ${m.done} / ${m.total}`;
        break;
      }
      case "error":
        showError(m.message);
        break;
    }
  } catch (err) {
    vscode.postMessage({ type: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});

vscode.postMessage({ type: "ready" });
