/**
 * Behaviour facts: what the trained policy measurably does, from evaluation rollouts in both modes
 * (deterministic: argmax / mean action; stochastic: sampled, as during training).
 *
 * - returns and lengths (distribution), and how episodes end (which termination condition fired,
 *   or truncation by the time limit), with counts;
 * - action choice conditioned on each observation field, in quantile bins and split at zero, as
 *   frequencies of the action taken with their sample size (and the mean policy probability);
 * - sensitivity: how far the action distribution moves when one field moves by its visited std
 *   (mean total variation over visited states), ranked;
 * - each reward component's contribution, recomputed with the experiment's own reward function;
 * - critical states: largest one-step value swings, and (discrete) largest gaps between the most
 *   and second most likely action — Huang et al. (2018), "Establishing Appropriate Trust via
 *   Critical States", pick states where the policy's preference is strongest;
 * - the typical episode (return closest to the median) and the worst one, whole, for the replay.
 *
 * Everything but the rollouts and the sensitivity probes is a pure function of the records, so a
 * test can recount each figure from the same `ModeRollout`.
 */
import type {
  ActionBin,
  ActionMap,
  BehaviourFacts,
  ComponentFacts,
  CriticalState,
  EndingFacts,
  EpisodeTrajectory,
  FieldConditioning,
  FieldSensitivity,
  ModeFacts,
  RolloutMode,
  SubgoalFact,
} from "../../../protocol/src/explain.js";
import type { EnvSpec } from "../envs/types.js";
import type { Policy } from "../ppo/policy.js";
import { rollout, type ExplainedExperiment, type ModeRollout, type RolloutEpisode, type StepRecord } from "./rollouts.js";
import { argmax, binIndex, distribution, quantileEdges, std, topGap, totalVariation } from "./stats.js";

export type { ExplainedExperiment, ModeRollout, RolloutEpisode, StepRecord } from "./rollouts.js";

export interface MeasureProgress {
  phase: "rollouts" | "sensitivity";
  done: number;
  total: number;
}

export interface MeasureOptions {
  /** Evaluation episodes per mode (deterministic and stochastic). */
  episodes: number;
  /** Episode i of either mode resets with seed envSeed + i. Default: the experiment's seed + 10 000 (as `rl-studio eval`). */
  envSeed?: number;
  /** Seed of the stochastic mode's action sampling. Default: envSeed + 1. */
  actionSeed?: number;
  /** Quantile bins per observation field. Default 5. */
  bins?: number;
  /** Visited states the sensitivity is averaged over (evenly subsampled). Default 4 000. */
  sensitivityStates?: number;
  /** Quantile bins per axis of the two-field action map. Default 6. */
  mapBins?: number;
  /** Critical states kept per kind. Default 3. */
  criticalStates?: number;
  /** Recorded in the facts. */
  runId?: string;
  globalStep?: number;
  signal?: AbortSignal;
  onProgress?: (p: MeasureProgress) => void;
}

export interface Measured {
  facts: BehaviourFacts;
  /** The raw records the facts were computed from (not saved). */
  rollouts: { deterministic: ModeRollout; stochastic: ModeRollout };
}

/** Roll the policy out in both modes and measure its behaviour. */
export async function measureBehaviour(policy: Policy, experiment: ExplainedExperiment, options: MeasureOptions): Promise<Measured> {
  const episodes = options.episodes;
  if (!Number.isInteger(episodes) || episodes < 1) throw new RangeError(`episodes must be a positive integer, got ${episodes}`);
  const bins = options.bins ?? 5;
  const envSeed = options.envSeed ?? experiment.seed + 10_000;
  const actionSeed = options.actionSeed ?? envSeed + 1;
  const signal = options.signal;
  const total = 2 * episodes;
  let done = 0;
  const onEpisode = () => options.onProgress?.({ phase: "rollouts", done: ++done, total });
  const deterministic = await rollout(policy, experiment, "deterministic", { episodes, envSeed, actionSeed, signal, onEpisode });
  const stochastic = await rollout(policy, experiment, "stochastic", { episodes, envSeed, actionSeed, signal, onEpisode });

  const spec = experiment.spec;
  const discrete = spec.actionSpace.kind === "discrete";
  const sensitivity = await measureSensitivity(policy, [...deterministic.steps, ...stochastic.steps], spec, {
    maxStates: options.sensitivityStates ?? 4000,
    signal,
    onProgress: options.onProgress,
  });
  const facts: BehaviourFacts = {
    format: "rl-studio/behaviour-facts@1",
    runId: options.runId ?? "",
    experimentName: experiment.name,
    envId: experiment.envId,
    task: experiment.task,
    globalStep: options.globalStep ?? 0,
    actionKind: discrete ? "discrete" : "box",
    actionMeanings: [...spec.actionMeanings],
    observationFields: spec.observationFields.map((f) => ({ name: f.name, description: f.description })),
    terminationCauses: [...spec.terminationCauses],
    maxEpisodeSteps: spec.maxEpisodeSteps,
    rewardThreshold: spec.rewardThreshold ?? null,
    evaluation: { episodesPerMode: episodes, envSeed, actionSeed, bins },
    deterministic: modeFacts(deterministic, spec, bins),
    stochastic: modeFacts(stochastic, spec, bins),
    sensitivity,
    actionMap: actionMap(deterministic, spec, sensitivity, options.mapBins ?? 6),
    criticalStates: criticalStates(deterministic, options.criticalStates ?? 3),
    typicalEpisode: trajectory(deterministic, typicalEpisodeIndex(deterministic.episodes), "typical"),
    worstEpisode: trajectory(deterministic, worstEpisodeIndex(deterministic.episodes), "worst"),
  };
  return { facts, rollouts: { deterministic, stochastic } };
}

/** Number of actions (discrete) or action elements (continuous). */
function actionWidth(spec: EnvSpec): number {
  return spec.actionSpace.kind === "discrete" ? spec.actionSpace.n : spec.actionSpace.low.length;
}

/** The facts of one mode's rollouts: a pure function of the records. */
export function modeFacts(r: ModeRollout, spec: EnvSpec, bins: number): ModeFacts {
  const discrete = spec.actionSpace.kind === "discrete";
  const all = actionBin(r.steps, null, null, spec);
  return {
    mode: r.mode,
    episodes: r.episodes.length,
    steps: r.steps.length,
    return: distribution(r.episodes.map((e) => e.return)),
    length: distribution(r.episodes.map((e) => e.length)),
    endings: endingFacts(r.episodes, spec),
    actionCounts: discrete ? all.actionCounts : null,
    actionFrequency: discrete ? all.actionFrequency : null,
    meanAction: discrete ? null : all.meanAction,
    conditioning: spec.observationFields.map((f, j) => conditionOnField(r.steps, j, f.name, spec, bins)),
    components: componentFacts(r),
    subgoals: subgoalFacts(r),
  };
}

export function endingFacts(episodes: readonly RolloutEpisode[], spec: EnvSpec): EndingFacts {
  const groups = new Map<string, { cause: string; kind: "terminated" | "truncated"; count: number; lengthSum: number }>();
  for (const e of episodes) {
    const key = `${e.ending.kind}\u0000${e.ending.cause}`;
    const g = groups.get(key) ?? { cause: e.ending.cause, kind: e.ending.kind, count: 0, lengthSum: 0 };
    g.count++;
    g.lengthSum += e.length;
    groups.set(key, g);
  }
  const n = episodes.length;
  const causes = [...groups.values()]
    .sort((a, b) => b.count - a.count || (a.cause < b.cause ? -1 : 1))
    .map((g) => ({ cause: g.cause, kind: g.kind, count: g.count, fraction: g.count / n, meanLength: g.lengthSum / g.count }));
  const fired = new Set(causes.filter((c) => c.kind === "terminated").map((c) => c.cause));
  return {
    episodes: n,
    causes,
    neverFired: spec.terminationCauses.filter((c) => !fired.has(c)),
    truncated: causes.filter((c) => c.kind === "truncated").reduce((s, c) => s + c.count, 0),
  };
}

/** Action choice over `steps` (the states of one range). */
function actionBin(steps: readonly StepRecord[], lo: number | null, hi: number | null, spec: EnvSpec): ActionBin {
  const width = actionWidth(spec);
  const n = steps.length;
  if (spec.actionSpace.kind === "discrete") {
    const counts = new Array<number>(width).fill(0);
    const probSums = new Array<number>(width).fill(0);
    for (const s of steps) {
      counts[s.action as number]!++;
      for (let a = 0; a < width; a++) probSums[a]! += s.probabilities![a]!;
    }
    return {
      lo,
      hi,
      n,
      actionCounts: counts,
      actionFrequency: counts.map((c) => (n === 0 ? 0 : c / n)),
      meanProbability: probSums.map((p) => (n === 0 ? 0 : p / n)),
      meanAction: null,
    };
  }
  const sums = new Array<number>(width).fill(0);
  for (const s of steps) for (let k = 0; k < width; k++) sums[k]! += (s.action as Float32Array)[k]!;
  return { lo, hi, n, actionCounts: null, actionFrequency: null, meanProbability: null, meanAction: sums.map((x) => (n === 0 ? 0 : x / n)) };
}

/** Action choice conditioned on field `j`: quantile bins over the visited values, and the split at zero. */
export function conditionOnField(steps: readonly StepRecord[], j: number, field: string, spec: EnvSpec, bins: number): FieldConditioning {
  const values = steps.map((s) => s.obs[j]!);
  const edges = quantileEdges(values, bins);
  const groups: StepRecord[][] = Array.from({ length: edges.length + 1 }, () => []);
  for (const s of steps) groups[binIndex(s.obs[j]!, edges)]!.push(s);
  const binFacts = groups.map((g, k) => actionBin(g, k === 0 ? null : edges[k - 1]!, k === edges.length ? null : edges[k]!, spec));
  const below = steps.filter((s) => s.obs[j]! < 0);
  const above = steps.filter((s) => s.obs[j]! >= 0);
  return {
    field,
    bins: binFacts,
    signSplit: below.length > 0 && above.length > 0 ? { below: actionBin(below, null, 0, spec), above: actionBin(above, 0, null, spec) } : null,
  };
}

/** Per sub-goal: the share of episodes that reached it, and the episode step at which they did (median, range). */
export function subgoalFacts(r: ModeRollout): SubgoalFact[] | null {
  const subgoals = r.subgoals ?? [];
  if (subgoals.length === 0) return null;
  return subgoals.map((sg, k) => {
    const steps = r.episodes.flatMap((e) => (e.subgoalSteps && e.subgoalSteps.length > k ? [e.subgoalSteps[k]!] : [])).sort((a, b) => a - b);
    const n = steps.length;
    return {
      name: sg.name,
      description: sg.description,
      reached: n,
      rate: r.episodes.length === 0 ? 0 : n / r.episodes.length,
      medianStep: n === 0 ? null : n % 2 ? steps[(n - 1) / 2]! : (steps[n / 2 - 1]! + steps[n / 2]!) / 2,
      minStep: n === 0 ? null : steps[0]!,
      maxStep: n === 0 ? null : steps[n - 1]!,
    };
  });
}

export function componentFacts(r: ModeRollout): ComponentFacts | null {
  if (r.componentNames.length === 0 || r.episodes.some((e) => e.components === null)) return null;
  const totals = r.componentNames.map((name) => r.episodes.reduce((s, e) => s + (e.components![name] ?? 0), 0));
  const sum = totals.reduce((a, b) => a + b, 0);
  const absSum = totals.reduce((a, b) => a + Math.abs(b), 0);
  const steps = r.steps.length;
  const episodes = r.episodes.length;
  return {
    steps,
    episodes,
    components: r.componentNames.map((name, k) => ({
      name,
      total: totals[k]!,
      meanPerStep: totals[k]! / steps,
      meanPerEpisode: totals[k]! / episodes,
      share: sum === 0 ? 0 : totals[k]! / sum,
      absShare: absSum === 0 ? 0 : Math.abs(totals[k]!) / absSum,
    })),
    shapedReturn: distribution(r.episodes.map((e) => Object.values(e.components!).reduce((a, b) => a + b, 0))),
  };
}

/** Action choice over quantile bins of the two most influential fields (that vary). */
export function actionMap(r: ModeRollout, spec: EnvSpec, sensitivity: readonly FieldSensitivity[], bins: number): ActionMap | null {
  const names = spec.observationFields.map((f) => f.name);
  const top = sensitivity.filter((s) => s.delta > 0).slice(0, 2);
  if (top.length < 2 || r.steps.length === 0) return null;
  const [jx, jy] = top.map((s) => names.indexOf(s.field)) as [number, number];
  const xs = r.steps.map((s) => s.obs[jx]!);
  const ys = r.steps.map((s) => s.obs[jy]!);
  const xEdges = quantileEdges(xs, bins);
  const yEdges = quantileEdges(ys, bins);
  const groups: StepRecord[][][] = Array.from({ length: yEdges.length + 1 }, () => Array.from({ length: xEdges.length + 1 }, () => []));
  for (const s of r.steps) groups[binIndex(s.obs[jy]!, yEdges)]![binIndex(s.obs[jx]!, xEdges)]!.push(s);
  const range = (v: number[]): [number, number] => v.reduce<[number, number]>((m, x) => [Math.min(m[0], x), Math.max(m[1], x)], [Infinity, -Infinity]);
  return {
    mode: r.mode,
    xField: names[jx]!,
    yField: names[jy]!,
    xEdges,
    yEdges,
    xRange: range(xs),
    yRange: range(ys),
    cells: groups.map((row) =>
      row.map((g) => {
        const { lo: _lo, hi: _hi, ...cell } = actionBin(g, null, null, spec);
        return cell;
      }),
    ),
  };
}

/**
 * Sensitivity of the action distribution to each observation field: over (up to `maxStates`
 * evenly spaced) visited states s, move field j by ±δ_j (δ_j = its std over those states) and
 * average the total-variation distance between π(·|s) and π(·|s ± δ_j) — a finite-difference,
 * perturbation-based saliency (Greydanus et al. 2018 perturb inputs the same way). Continuous
 * actions use |Δ mean action| summed over elements.
 */
export async function measureSensitivity(
  policy: Policy,
  visited: readonly StepRecord[],
  spec: EnvSpec,
  options: { maxStates: number; signal?: AbortSignal | undefined; onProgress?: ((p: MeasureProgress) => void) | undefined },
): Promise<FieldSensitivity[]> {
  const stride = Math.max(1, Math.ceil(visited.length / options.maxStates));
  const states: Float32Array[] = [];
  for (let i = 0; i < visited.length; i += stride) states.push(visited[i]!.obs);
  const discrete = spec.actionSpace.kind === "discrete";
  const width = actionWidth(spec);
  const head = (obs: Float32Array): number[] => {
    const out = policy.evaluate(obs);
    return (discrete ? out.probabilities : out.mean)!;
  };
  const base = states.map(head);
  const fields = spec.observationFields;
  const results: Omit<FieldSensitivity, "rank">[] = [];
  for (let j = 0; j < fields.length; j++) {
    options.signal?.throwIfAborted();
    const delta = std(states.map((s) => s[j]!));
    let effect = 0;
    const shift = new Array<number>(width).fill(0);
    if (delta > 0) {
      const probe = new Float32Array(states[0]!.length);
      for (let i = 0; i < states.length; i++) {
        probe.set(states[i]!);
        probe[j] = states[i]![j]! + delta;
        const up = head(probe);
        probe[j] = states[i]![j]! - delta;
        const down = head(probe);
        const b = base[i]!;
        if (discrete) effect += (totalVariation(b, up) + totalVariation(b, down)) / 2;
        else for (let k = 0; k < width; k++) effect += (Math.abs(up[k]! - b[k]!) + Math.abs(down[k]! - b[k]!)) / 2;
        for (let k = 0; k < width; k++) shift[k]! += (up[k]! - down[k]!) / 2;
      }
    }
    const n = states.length;
    results.push({ field: fields[j]!.name, delta, n, meanEffect: n ? effect / n : 0, meanShift: shift.map((s) => (n ? s / n : 0)) });
    options.onProgress?.({ phase: "sensitivity", done: j + 1, total: fields.length });
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const order = [...results].sort((a, b) => b.meanEffect - a.meanEffect);
  return order.map((r, k) => ({ ...r, rank: k + 1 }));
}

/** Top `k` by |score|, keeping states at least 10 steps apart within an episode (one swing is one event). */
function pickApart<T extends { episode: number; step: number; score: number }>(candidates: T[], k: number): T[] {
  candidates.sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || a.episode - b.episode || a.step - b.step);
  const kept: T[] = [];
  for (const c of candidates) {
    if (kept.length >= k) break;
    if (kept.some((p) => p.episode === c.episode && Math.abs(p.step - c.step) < 10)) continue;
    kept.push(c);
  }
  return kept;
}

function critical(s: StepRecord, kind: CriticalState["kind"], score: number): CriticalState {
  return {
    kind,
    mode: s.mode,
    episode: s.episode,
    step: s.step,
    obs: Array.from(s.obs),
    action: typeof s.action === "number" ? s.action : Array.from(s.action),
    value: s.value,
    score,
    probabilities: s.probabilities,
  };
}

export function criticalStates(r: ModeRollout, k: number): CriticalState[] {
  const swings: { s: StepRecord; episode: number; step: number; score: number }[] = [];
  for (let i = 0; i + 1 < r.steps.length; i++) {
    const a = r.steps[i]!;
    const b = r.steps[i + 1]!;
    if (a.episode === b.episode) swings.push({ s: a, episode: a.episode, step: a.step, score: b.value - a.value });
  }
  const out = pickApart(swings, k).map((c) => critical(c.s, "valueSwing", c.score));
  if (r.steps[0]?.probabilities) {
    const gaps = r.steps.map((s) => ({ s, episode: s.episode, step: s.step, score: topGap(s.probabilities!) }));
    out.push(...pickApart(gaps, k).map((c) => critical(c.s, "actionGap", c.score)));
  }
  return out;
}

/** The episode whose return is closest to the median return (first on ties). */
export function typicalEpisodeIndex(episodes: readonly RolloutEpisode[]): number {
  const median = distribution(episodes.map((e) => e.return)).p50;
  let best = 0;
  for (let i = 1; i < episodes.length; i++) {
    if (Math.abs(episodes[i]!.return - median) < Math.abs(episodes[best]!.return - median)) best = i;
  }
  return best;
}

/** The episode with the lowest return (the shortest, then the first, on ties). */
export function worstEpisodeIndex(episodes: readonly RolloutEpisode[]): number {
  let worst = 0;
  for (let i = 1; i < episodes.length; i++) {
    const e = episodes[i]!;
    const w = episodes[worst]!;
    if (e.return < w.return || (e.return === w.return && e.length < w.length)) worst = i;
  }
  return worst;
}

export function trajectory(r: ModeRollout, index: number, role: EpisodeTrajectory["role"]): EpisodeTrajectory {
  const e = r.episodes[index]!;
  const steps = r.steps.slice(e.firstStep, e.firstStep + e.length);
  return {
    role,
    mode: r.mode,
    episode: e.episode,
    seed: e.seed,
    return: e.return,
    length: e.length,
    ending: e.ending,
    observations: [...steps.map((s) => Array.from(s.obs)), Array.from(e.finalObs)],
    states: e.states,
    actions: steps.map((s) => (typeof s.action === "number" ? s.action : Array.from(s.action))),
    rewards: steps.map((s) => s.envReward),
    values: steps.map((s) => s.value),
    probabilities: steps[0]?.probabilities ? steps.map((s) => s.probabilities!) : null,
  };
}

/** The action a discrete policy prefers overall in a bin (for the summary). */
export function dominantAction(bin: ActionBin): number {
  return argmax(bin.actionFrequency ?? []);
}

export type { RolloutMode };
