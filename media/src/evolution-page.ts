/**
 * The Eureka evolution page, the parts without a DOM: its HTML (a string, built by the extension
 * for its webview) and its model — what the page shows of one evolution, live or saved — with the
 * pure functions that build it: from the runtime's `reward/evolveProgress` events while the
 * evolution runs (rows as candidates finish, the best so far, what it is doing now), and from the
 * saved evolution.json when it ends or is opened later.
 */
import type { CandidateResult, EvolveRewardProgress, EvolveRewardResult as EvolutionResult } from "../../protocol/src/reward-design.js";
import { isBetter } from "../../runtime/src/reward-design/best-candidate.js";
import { webviewPage, type PageResources } from "./webview-page.js";

export function evolutionHtml(o: PageResources & { title: string }): string {
  return webviewPage({
    ...o,
    body: `<header><h2 id="title">Evolution</h2><span id="status" data-status=""></span><span id="summary"></span><button id="applyWinner" type="button" disabled>Apply winner</button></header>
<div id="activity"></div>
<table id="candidates"><thead><tr><th>Iteration</th><th>#</th><th>Components</th><th>Fitness</th><th>Success</th><th>Status</th><th>Steps</th></tr></thead><tbody></tbody></table>
<section class="charts">
  <div class="card" id="fitnessCard"><h3>Fitness over iterations (each candidate; line: best so far)</h3><canvas id="fitness"></canvas></div>
  <div class="card" id="curvesCard"><h3>Unshaped episodic return during each candidate's training</h3><canvas id="curves"></canvas></div>
</section>`,
  });
}

/** "running" while the request is in flight; then the saved status, or "failed" when the request threw. */
export type EvolutionPageStatus = EvolutionResult["status"];

/** What the evolution page shows (posted whole to the webview, kept as its state). */
export interface EvolutionPageModel {
  id: string;
  /** The evolution folder (`.rl-studio/evolutions/<id>`): the page's key. */
  dir: string;
  experimentPath: string;
  envId: string;
  candidatesPerIteration: number;
  iterations: number;
  budget: number;
  status: EvolutionPageStatus;
  /** The iteration being designed or trained (the last one once it ended). */
  iteration: number;
  iterationsDone: number;
  /** What it is doing now, while running ("" once it ended). */
  activity: string;
  /** Every finished candidate, in (iteration, index) order. */
  candidates: CandidateResult[];
  /** The best so far (the winner once it ended): the first with the highest fitness, as the runtime picks it. */
  best: CandidateResult | null;
  wallSeconds: number;
  /** Why the evolution failed. */
  error?: string;
}

/** A `reward/evolveProgress` notification as the extension receives it. */
export type EvolveProgressEvent = EvolveRewardProgress;

const sameCandidate = (a: CandidateResult, b: CandidateResult) => a.iteration === b.iteration && a.index === b.index;

export function isBestCandidate(m: Pick<EvolutionPageModel, "best">, c: CandidateResult): boolean {
  return m.best !== null && sameCandidate(m.best, c);
}

/** The best of `candidates` by the runtime's own rule (best-candidate.ts). */
function bestOf(candidates: readonly CandidateResult[]): CandidateResult | null {
  let best: CandidateResult | null = null;
  for (const c of candidates) if (isBetter(c, best)) best = c;
  return best;
}

const count = (n: number) => n.toLocaleString("en-US");

/**
 * One progress event merged into the model (a new model; the old one is not changed). "started"
 * makes the model (null before it: earlier events are ignored); "candidate-done" adds or replaces
 * that candidate's row and recomputes the best so far; the others move the iteration and the
 * activity line. Events after the end, or of unknown phases, change nothing.
 */
export function mergeProgress(model: EvolutionPageModel | null, event: EvolveProgressEvent, elapsedSeconds?: number): EvolutionPageModel | null {
  const e = event;
  if (e.phase === "started") {
    return {
      id: e.id,
      dir: e.dir,
      experimentPath: e.experimentPath,
      envId: e.envId,
      candidatesPerIteration: e.candidates,
      iterations: e.iterations,
      budget: e.budget,
      status: "running",
      iteration: 0,
      iterationsDone: 0,
      activity: "starting…",
      candidates: [],
      best: null,
      wallSeconds: elapsedSeconds ?? 0,
    };
  }
  if (!model || model.status !== "running") return model;
  const next: EvolutionPageModel = { ...model, ...(elapsedSeconds !== undefined ? { wallSeconds: elapsedSeconds } : {}) };
  switch (e.phase) {
    case "designing":
      next.iteration = e.iteration;
      next.activity = `iteration ${e.iteration}/${e.iterations}: writing ${model.candidatesPerIteration} reward candidate${model.candidatesPerIteration === 1 ? "" : "s"}…`;
      return next;
    case "training":
      next.iteration = Math.max(model.iteration, e.iteration);
      next.activity = `iteration ${e.iteration}/${model.iterations}: training candidate ${e.candidate}/${e.candidates} · step ${count(e.globalStep)}/${count(e.budget)}`;
      return next;
    case "candidate-done": {
      const r = e.result;
      const rows = model.candidates.filter((c) => !sameCandidate(c, r));
      rows.push(r);
      rows.sort((a, b) => a.iteration - b.iteration || a.index - b.index);
      next.candidates = rows;
      next.best = bestOf(rows);
      next.iteration = Math.max(model.iteration, r.iteration);
      next.activity = `iteration ${r.iteration}/${model.iterations}: candidate ${r.iteration}.${r.index} ${r.status}${r.fitness !== null ? ` (fitness ${r.fitness.toFixed(1)})` : ""}`;
      return next;
    }
    case "iteration-done":
      next.iterationsDone = Math.max(model.iterationsDone, e.iteration);
      next.activity = `iteration ${e.iteration}/${model.iterations} done${e.best?.fitness != null ? ` · its best fitness ${e.best.fitness.toFixed(1)}` : ""}`;
      return next;
    default:
      return model;
  }
}

/** The page of a saved evolution (evolution.json, or the request's result). */
export function modelFromEvolution(e: EvolutionResult, status: EvolutionPageStatus = e.status, error?: string): EvolutionPageModel {
  const last = e.candidates.reduce((m, c) => Math.max(m, c.iteration), 0);
  return {
    id: e.id,
    dir: e.dir,
    experimentPath: e.experimentPath,
    envId: e.envId,
    candidatesPerIteration: e.candidatesPerIteration,
    iterations: e.iterations,
    budget: e.budget,
    status,
    iteration: status === "completed" ? e.iterations : last,
    iterationsDone: status === "completed" ? e.iterations : Math.max(0, last - 1),
    activity: "",
    candidates: [...e.candidates].sort((a, b) => a.iteration - b.iteration || a.index - b.index),
    best: e.best,
    wallSeconds: e.wallSeconds,
    ...(error !== undefined ? { error } : {}),
  };
}

/**
 * The page once the evolution ended: the saved result when there is one (with every candidate the
 * runtime recorded: rejected and cancelled ones with their status and reason), else the live
 * model; `status` is how the request ended. Null when it ended before it started.
 */
export function finishModel(
  live: EvolutionPageModel | null,
  saved: EvolutionResult | null,
  outcome: { status: Exclude<EvolutionPageStatus, "running">; error?: string },
): EvolutionPageModel | null {
  if (saved) return modelFromEvolution(saved, outcome.status === "failed" ? "failed" : saved.status === "cancelled" ? "cancelled" : outcome.status, outcome.error);
  if (!live) return null;
  return { ...live, status: outcome.status, activity: "", ...(outcome.error !== undefined ? { error: outcome.error } : {}) };
}

/** True when `x` looks like a page model (the webview's saved state): the fields the page and the host key on. */
export function isPageModel(x: unknown): x is EvolutionPageModel {
  const m = x as Partial<EvolutionPageModel> | null;
  return (
    typeof m === "object" && m !== null &&
    typeof m.id === "string" && m.id !== "" &&
    typeof m.dir === "string" && m.dir !== "" &&
    typeof m.experimentPath === "string" &&
    typeof m.status === "string" &&
    Array.isArray(m.candidates)
  );
}

/**
 * The model of a page restored after a window reload, from the state the page saved (null when
 * that is not a page model): the evolution saved in its folder when `read` finds it (so a page
 * whose evolution ended since shows the final result), else the saved model itself — a live one
 * ended as cancelled, since the reload ended the request that fed it.
 */
export function restoredModel(state: unknown, read: (dir: string) => EvolutionResult | null): EvolutionPageModel | null {
  if (!isPageModel(state)) return null;
  const saved = read(state.dir);
  if (saved) return { ...modelFromEvolution(saved), dir: state.dir };
  return state.status === "running" ? finishModel(state, null, { status: "cancelled" }) : state;
}

/** The fitness chart's "best so far" line: one point per iteration reached, from the first with a fitness. */
export function bestSoFarLine(m: Pick<EvolutionPageModel, "candidates" | "iterationsDone">): { x: number; y: number }[] {
  const upTo = m.candidates.reduce((a, c) => Math.max(a, c.iteration), m.iterationsDone);
  const points: { x: number; y: number }[] = [];
  let best = -Infinity;
  for (let it = 1; it <= upTo; it++) {
    for (const c of m.candidates) if (c.iteration === it && c.fitness !== null && Number.isFinite(c.fitness)) best = Math.max(best, c.fitness);
    if (Number.isFinite(best)) points.push({ x: it, y: best });
  }
  return points;
}

/** True when the page may offer Apply: the evolution ended and has a trained winner. */
export function canApply(m: Pick<EvolutionPageModel, "status" | "best">): boolean {
  return m.status !== "running" && m.best !== null;
}

/** A figure with `digits` decimals, "—" when there is none. */
export function fixed(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(digits);
}

export function candidateLabel(c: CandidateResult): string {
  return `${c.iteration}.${c.index} ${c.components.map((x) => x.name).join(" + ") || "(none)"}`;
}

/** The status cell of a row: its status, and "winner" (ended) or "best so far" (running) on the best. */
export function rowStatus(m: Pick<EvolutionPageModel, "status" | "best">, c: CandidateResult): string {
  if (!isBestCandidate(m, c)) return c.status;
  return `${c.status} · ${m.status === "running" ? "best so far" : "winner"}`;
}

/** Why a candidate has no fitness: its error (rejected, failed), or how far a cancelled one got; null for a trained one. */
export function candidateReason(m: Pick<EvolutionPageModel, "budget">, c: CandidateResult): string | null {
  if (c.error) return c.error;
  if (c.status !== "cancelled") return null;
  return c.globalStep > 0
    ? `cancelled with the evolution at step ${count(c.globalStep)} of ${count(m.budget)} (a partial fitness is not comparable)`
    : "cancelled with the evolution before it trained";
}

/** The header line under the title. */
export function summaryText(m: EvolutionPageModel): string {
  const trained = m.candidates.filter((c) => c.status === "trained").length;
  const head = `${m.envId} · K=${m.candidatesPerIteration} × N=${m.iterations} · budget ${count(m.budget)} steps · ${m.candidates.length} candidate${m.candidates.length === 1 ? "" : "s"} (${trained} trained)`;
  const state =
    m.status === "running"
      ? `running, iteration ${Math.max(1, m.iteration)}/${m.iterations}, ${Math.round(m.wallSeconds)} s`
      : `${m.status} in ${Math.round(m.wallSeconds)} s`;
  const best = m.best ? ` · ${m.status === "running" ? "best so far" : "winner"} ${candidateLabel(m.best)}, fitness ${fixed(m.best.fitness)}` : m.status === "running" ? "" : " · no trained candidate";
  return `${head} · ${state}${best}`;
}

/** The quick-pick item of a saved evolution in "Open Evolution" (experiment, best fitness, status). */
export function evolutionPickItem(e: EvolutionResult): { label: string; description: string; detail: string } {
  const file = e.experimentPath.split(/[\\/]/).pop() ?? e.experimentPath;
  const trained = e.candidates.filter((c) => c.status === "trained").length;
  return {
    label: `${file} · ${e.best ? `best fitness ${fixed(e.best.fitness)}` : "no trained candidate"} · ${e.status}`,
    description: e.id,
    detail: `${e.envId} · K=${e.candidatesPerIteration} × N=${e.iterations} · ${e.candidates.length} candidates (${trained} trained)${e.best ? ` · winner ${candidateLabel(e.best)}` : ""}`,
  };
}
