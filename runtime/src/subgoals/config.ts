/**
 * The experiment's `subgoals`, `subgoalReward` and `selfImitation` fields, checked and resolved.
 * Every problem is an ExperimentError at the field (or the sub-goal) it is about. Each predicate
 * is also tried once on the env's first observation, so a predicate that throws, returns a
 * non-boolean or reads a field the env does not have fails here, before a run folder exists.
 */
import type { Env, EnvSpec } from "../envs/types.js";
import type { Subgoal } from "../api.js";
import type { SourceLocation } from "../experiment/reward-shaper.js";
import { formatValue } from "../experiment/validate.js";
import { closestMatch } from "../experiment/suggest.js";
import { ExperimentError } from "../experiment/errors.js";
import { PredicateRunner, SubgoalError, findSubgoalPlace } from "./predicates.js";
import { SUBGOAL_NAME } from "./names.js";

export interface ResolvedSubgoal {
  name: string;
  description: string;
  achieved: Subgoal["achieved"];
  /** Where its `name:` is written, when found. */
  place?: SourceLocation;
}

/** Self-imitation from the experience store (Oh et al. 2018, "Self-Imitation Learning", arXiv 1806.05635). */
export interface SelfImitationSettings {
  /** Weight of the self-imitation loss against PPO's (SIL's policy term; the value term is scaled by valueCoef too). */
  coef: number;
  /** Which stored episodes to imitate: those that achieved the task, or those that reached the most sub-goals. */
  source: "task" | "subgoals";
  /** β of SIL's value term ½·β·max(R − V, 0)² (default 0.01, the paper's). */
  valueCoef: number;
  /** Self-imitation minibatch steps after each PPO update (default: numMinibatches). */
  updatesPerIteration: number | null;
  /** Most transitions kept for imitation (best episodes first; default 50 000). */
  maxTransitions: number;
}

export interface ResolvedSubgoalFields {
  subgoals: ResolvedSubgoal[];
  subgoalReward: number;
  selfImitation: SelfImitationSettings | null;
}

/** The reward for reaching the next sub-goal when `subgoalReward` is not given (Di Palo et al.: 1). */
export const DEFAULT_SUBGOAL_REWARD = 1;
export { SUBGOAL_NAME } from "./names.js";
const SUBGOAL_KEYS = ["name", "description", "achieved"] as const;
const SELF_IMITATION_KEYS = ["coef", "source", "valueCoef", "updatesPerIteration", "maxTransitions"] as const;

export interface SubgoalFieldContext {
  spec: EnvSpec;
  makeEnv: () => Env;
  seed: number;
  source: { path: string; text: string };
  /** Fails with an ExperimentError at experiment field `field` (located by resolve.ts's findField). */
  fail: (detail: string, field: string, inside?: string) => never;
  /** Maps an error thrown by user code to its place in the source. */
  locate: (err: unknown) => SourceLocation | undefined;
}

export function resolveSubgoalFields(c: Record<string, unknown>, ctx: SubgoalFieldContext): ResolvedSubgoalFields {
  const { fail } = ctx;
  const subgoals = resolveSubgoals(c.subgoals, ctx);

  let subgoalReward = DEFAULT_SUBGOAL_REWARD;
  if (c.subgoalReward !== undefined) {
    if (typeof c.subgoalReward !== "number" || !Number.isFinite(c.subgoalReward)) fail(`subgoalReward = ${formatValue(c.subgoalReward)} must be a finite number (default ${DEFAULT_SUBGOAL_REWARD})`, "subgoalReward");
    if (subgoals.length === 0) fail("subgoalReward is given but there are no subgoals: add subgoals: [{ name, description, achieved: ({ obs }) => … }]", "subgoalReward");
    subgoalReward = c.subgoalReward as number;
  }

  const selfImitation = c.selfImitation === undefined || c.selfImitation === null ? null : resolveSelfImitation(c.selfImitation, subgoals.length, fail);
  return { subgoals, subgoalReward, selfImitation };
}

function resolveSubgoals(raw: unknown, ctx: SubgoalFieldContext): ResolvedSubgoal[] {
  const { fail, spec } = ctx;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) return fail(`subgoals = ${formatValue(raw)} must be a list of { name, description, achieved: ({ obs }) => boolean }, in the order they should be reached`, "subgoals");
  const out: ResolvedSubgoal[] = [];
  const at = (name: unknown) => (typeof name === "string" ? findSubgoalPlace(ctx.source.text, ctx.source.path, name) : undefined);
  const failAt = (detail: string, name: unknown): never => {
    const place = at(name);
    if (place) throw new ExperimentError(detail, { ...place, field: "subgoals" });
    return fail(detail, "subgoals");
  };
  raw.forEach((item, i) => {
    const label = `subgoals[${i}]`;
    if (item === null || typeof item !== "object" || Array.isArray(item)) failAt(`${label} = ${formatValue(item)} must be { name, description, achieved: ({ obs }) => boolean }`, undefined);
    const s = item as Record<string, unknown>;
    for (const key of Object.keys(s)) {
      if ((SUBGOAL_KEYS as readonly string[]).includes(key)) continue;
      const suggestion = closestMatch(key, SUBGOAL_KEYS);
      failAt(`${label} has an unknown field "${key}"${suggestion ? `: did you mean "${suggestion}"?` : `; known: ${SUBGOAL_KEYS.join(", ")}`}`, s.name);
    }
    if (typeof s.name !== "string" || !SUBGOAL_NAME.test(s.name)) {
      failAt(`${label}.name = ${formatValue(s.name)} must be an identifier (letters, digits, _; up to 40 characters): it names the metric subgoals/<name>`, s.name);
    }
    const name = s.name as string;
    if (out.some((o) => o.name === name)) failAt(`two sub-goals are named "${name}"; names must differ (each is its own curve)`, name);
    if (s.description !== undefined && typeof s.description !== "string") failAt(`sub-goal "${name}": description = ${formatValue(s.description)} must be a string`, name);
    if (typeof s.achieved !== "function") failAt(`sub-goal "${name}": achieved = ${formatValue(s.achieved)} must be a function ({ obs }) => boolean over ${spec.id}'s fields (${spec.observationFields.map((f) => f.name).join(", ")})`, name);
    const place = at(name);
    out.push({ name, description: typeof s.description === "string" ? s.description : "", achieved: s.achieved as Subgoal["achieved"], ...(place ? { place } : {}) });
  });
  if (out.length > 0) probe(out, ctx);
  return out;
}

/** Try every predicate on the env's first observation: a misbehaving one fails before training. */
function probe(subgoals: ResolvedSubgoal[], ctx: SubgoalFieldContext): void {
  const fields = ctx.spec.observationFields.map((f) => f.name);
  const runner = new PredicateRunner(subgoals, fields, { envId: ctx.spec.id, locate: ctx.locate, places: subgoals.map((s) => s.place) });
  let obs: Float32Array;
  try {
    obs = ctx.makeEnv().reset({ seed: ctx.seed }).obs;
  } catch {
    return; // The env's own problems are reported by training, with its own messages.
  }
  runner.setState(obs);
  subgoals.forEach((_, k) => {
    try {
      runner.holds(k);
    } catch (err) {
      if (!(err instanceof SubgoalError)) throw err;
      throw new ExperimentError(`${err.message.replace(/ \([^()]*:\d+:\d+\)/, "")} (tried on the first observation of ${ctx.spec.id})`, {
        file: err.file ?? ctx.source.path,
        ...(err.line !== undefined ? { line: err.line, column: err.column! } : {}),
        field: "subgoals",
      });
    }
  });
}

function resolveSelfImitation(raw: unknown, subgoalCount: number, fail: SubgoalFieldContext["fail"]): SelfImitationSettings {
  const here = (detail: string, key?: string): never => fail(detail, key ? `selfImitation.${key}` : "selfImitation", key ? "selfImitation" : undefined);
  if (typeof raw !== "object" || Array.isArray(raw)) here(`selfImitation = ${formatValue(raw)} must be { coef, source: "task" | "subgoals" }`);
  const s = raw as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if ((SELF_IMITATION_KEYS as readonly string[]).includes(key)) continue;
    const suggestion = closestMatch(key, SELF_IMITATION_KEYS);
    here(`selfImitation has an unknown field "${key}"${suggestion ? `: did you mean "${suggestion}"?` : `; known: ${SELF_IMITATION_KEYS.join(", ")}`}`, key);
  }
  if (typeof s.coef !== "number" || !Number.isFinite(s.coef) || s.coef < 0) here(`selfImitation.coef = ${formatValue(s.coef)} must be a number ≥ 0 (the self-imitation loss's weight; 1 is a common start)`, "coef");
  if (s.source !== "task" && s.source !== "subgoals") here(`selfImitation.source = ${formatValue(s.source)} must be "task" (imitate stored episodes that achieved the task) or "subgoals" (those that reached the most sub-goals)`, "source");
  if (s.source === "subgoals" && subgoalCount === 0) here('selfImitation.source = "subgoals" needs subgoals: add subgoals: [{ name, description, achieved }] or use source: "task"', "source");
  const valueCoef = s.valueCoef ?? 0.01;
  if (typeof valueCoef !== "number" || !Number.isFinite(valueCoef) || valueCoef < 0) here(`selfImitation.valueCoef = ${formatValue(valueCoef)} must be a number ≥ 0 (SIL's β, default 0.01)`, "valueCoef");
  const updates = s.updatesPerIteration;
  if (updates !== undefined && (typeof updates !== "number" || !Number.isInteger(updates) || updates < 1)) here(`selfImitation.updatesPerIteration = ${formatValue(updates)} must be a positive integer`, "updatesPerIteration");
  const maxTransitions = s.maxTransitions ?? 50_000;
  if (typeof maxTransitions !== "number" || !Number.isInteger(maxTransitions) || maxTransitions < 1) here(`selfImitation.maxTransitions = ${formatValue(maxTransitions)} must be a positive integer`, "maxTransitions");
  return { coef: s.coef as number, source: s.source as "task" | "subgoals", valueCoef: valueCoef as number, updatesPerIteration: (updates as number | undefined) ?? null, maxTransitions: maxTransitions as number };
}
