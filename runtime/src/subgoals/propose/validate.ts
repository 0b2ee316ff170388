/**
 * Validation of a proposal before anyone sees it, in the reward designer's sandbox
 * (reward-design/validate.ts: static checks, then the sandbox process): each sub-goal's predicate
 * runs as a 0/1 component on three sets of states —
 *   starts:  the first observation of random-policy episodes,
 *   visited: every state of those episodes (exploratory rollouts, uniform random actions),
 *   sweep:   states spread uniformly over the fields' ranges (the episode range where known) —
 * and is rejected when it holds at every start (it rewards nothing the agent did), or holds in no
 * visited state and no swept state (unreachable). One that no random episode reaches but that is
 * satisfiable is kept, and the report says so: that is what later sub-goals of a sparse task are.
 */
import type { Env, EnvSpec } from "../../envs/types.js";
import { Rng } from "../../rng.js";
import { layoutOf, sampleTransitions } from "../../reward-design/samples.js";
import { validateCandidates } from "../../reward-design/validate.js";
import type { SandboxRunOptions } from "../../reward-design/sandbox-worker.js";
import { checkProposedSubgoal } from "./check.js";

export interface RawSubgoal {
  name: string;
  description: string;
  achieved: string;
}

export type SubgoalVerdict =
  | {
      ok: true;
      subgoal: RawSubgoal;
      /** Share of random-policy states in which it holds. */
      visitedRate: number;
      /** Share of swept states in which it holds. */
      sweepRate: number;
      /** One line: how reachable it is. */
      note: string;
    }
  | { ok: false; subgoal: RawSubgoal; kind: "invalid" | "always-true" | "unreachable"; reason: string };

export interface ValidationSamples {
  starts: number[][];
  visited: number[][];
  sweep: number[][];
}

/** The three state sets for `spec` (rows in the sandbox's transition layout, the state as `obs`). */
export function validationSamples(makeEnv: () => Env, spec: EnvSpec, options: { transitions?: number; sweep?: number; seed?: number } = {}): ValidationSamples {
  const visited = sampleTransitions(makeEnv, { count: options.transitions ?? 2000, seed: options.seed ?? 0 });
  const starts = visited.filter((row) => row[row.length - 1] === 0);
  const layout = layoutOf(spec);
  const actionWidth = layout.actionKind === "discrete" ? 1 : layout.actionSize;
  const rng = new Rng((options.seed ?? 0) + 1);
  const sweep: number[][] = [];
  for (let i = 0; i < (options.sweep ?? 2000); i++) {
    const state = spec.observationFields.map((f) => {
      const [lo, hi] = f.episodeRange ?? [Math.max(f.low, -1e3), Math.min(f.high, 1e3)];
      return lo + (hi - lo) * rng.random();
    });
    sweep.push([...state, ...new Array<number>(actionWidth).fill(0), ...state, 0, 0, 0, 0]);
  }
  return { starts, visited, sweep };
}

const percent = (x: number) => `${(100 * x).toFixed(x > 0 && x < 0.01 ? 2 : 0)}%`;

/** A verdict per sub-goal, in order. Rejects only on abort or when the sandbox cannot start. */
export async function validateProposal(subgoals: readonly RawSubgoal[], spec: EnvSpec, samples: ValidationSamples, options: SandboxRunOptions = {}): Promise<SubgoalVerdict[]> {
  const fields = spec.observationFields.map((f) => f.name);
  const layout = layoutOf(spec);
  const verdicts: (SubgoalVerdict | undefined)[] = subgoals.map((s, i) => {
    const problems = checkProposedSubgoal(s.name, s.achieved, fields);
    if (subgoals.findIndex((o) => o.name === s.name) !== i) problems.unshift(`two sub-goals are named "${s.name}"`);
    return problems.length > 0 ? { ok: false, subgoal: s, kind: "invalid", reason: problems.join("; ") } : undefined;
  });
  // Each predicate as a 0/1 reward component, so the sandbox's per-component min/mean/max say
  // whether it ever holds, always holds, and how often.
  let pending = subgoals.map((s, i) => ({ s, i })).filter(({ i }) => verdicts[i] === undefined);
  const stats: Record<string, Record<string, { min: number; mean: number; max: number }>> = {};
  for (const [set, rows] of Object.entries(samples) as [keyof ValidationSamples, number[][]][]) {
    while (pending.length > 0) {
      const candidate = { rationale: "", components: pending.map(({ s }) => ({ name: s.name, code: `(${s.achieved}) ? 1 : 0` })) };
      const [check] = await validateCandidates([candidate], layout, rows.length > 0 ? rows : samples.visited, options);
      if (check!.ok) {
        stats[set] = check!.stats;
        break;
      }
      // One predicate failed to run: reject it, and try the others again.
      const named = /component "([^"]+)"/.exec(check!.reason)?.[1];
      const at = pending.findIndex(({ s }) => s.name === named);
      const victims = at === -1 ? pending : [pending[at]!];
      for (const { s, i } of victims) verdicts[i] = { ok: false, subgoal: s, kind: "invalid", reason: check!.reason };
      pending = pending.filter((p) => !victims.includes(p));
    }
  }
  for (const { s, i } of pending) {
    const st = stats.starts?.[s.name];
    const vi = stats.visited![s.name]!;
    const sw = stats.sweep![s.name]!;
    if (st && st.min === 1 && samples.starts.length > 0) {
      verdicts[i] = { ok: false, subgoal: s, kind: "always-true", reason: `holds at the start of every one of ${samples.starts.length} random-policy episodes: it rewards nothing the agent did` };
    } else if (vi.max === 0 && sw.max === 0) {
      verdicts[i] = { ok: false, subgoal: s, kind: "unreachable", reason: `holds in none of ${samples.visited.length} random-policy states nor ${samples.sweep.length} states spread over the fields' ranges: it looks unreachable` };
    } else {
      const note =
        vi.max > 0
          ? `holds in ${percent(vi.mean)} of ${samples.visited.length} random-policy states`
          : `not reached in ${samples.visited.length} random-policy steps; holds in ${percent(sw.mean)} of states spread over the fields' ranges`;
      verdicts[i] = { ok: true, subgoal: s, visitedRate: vi.mean, sweepRate: sw.mean, note };
    }
  }
  return verdicts as SubgoalVerdict[];
}
