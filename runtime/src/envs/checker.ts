/**
 * An env checker in the spirit of Gymnasium's `utils.env_checker.check_env`, stricter where this
 * project is stricter (stepping a finished episode and invalid actions must throw). Every built-in
 * env and every example env must pass it; custom envs in experiment files can be checked with it.
 *
 * Each check is independent and reports pass, fail (with a message naming the env, the check and
 * what was wrong) or skip (the check does not apply, with the reason).
 */
import { Rng } from "../rng.js";
import type { Action, Env, Info, StepResult } from "./types.js";

export interface EnvCheckOptions {
  /** Seed for the env resets and the random actions. */
  seed?: number;
  /** Steps of random actions for the rollout and determinism checks (episodes reset as they end). */
  steps?: number;
  /** Throw an Error listing the failed checks instead of returning a failing report. */
  throwOnFailure?: boolean;
  /** Stops the rollout loops early; the report then says which checks were cut short. */
  signal?: AbortSignal;
}

export type CheckStatus = "pass" | "fail" | "skip";

export interface EnvCheckResult {
  /** Short name of the check, e.g. "determinism". */
  check: string;
  status: CheckStatus;
  /** What was checked or what went wrong. */
  message: string;
}

export interface EnvCheckReport {
  envId: string;
  /** True when no check failed. */
  ok: boolean;
  results: EnvCheckResult[];
}

const DEFAULT_STEPS = 1000;

/** Runs every check on fresh envs from `makeEnv` and reports each one. */
export function checkEnv(makeEnv: () => Env, options: EnvCheckOptions = {}): EnvCheckReport {
  const seed = options.seed ?? 0;
  const steps = options.steps ?? DEFAULT_STEPS;
  let envId = "<unknown env>";
  const results: EnvCheckResult[] = [];
  const run = (check: string, body: () => { status: CheckStatus; message: string } | void): void => {
    try {
      const outcome = body();
      results.push({ check, status: outcome?.status ?? "pass", message: outcome?.message ?? "ok" });
    } catch (error) {
      results.push({ check, status: "fail", message: `${envId}: ${check}: ${error instanceof Error ? error.message : String(error)}` });
    }
  };

  let probe: Env | undefined;
  run("construct", () => {
    probe = makeEnv();
    envId = probe.spec?.id ?? envId;
    return { status: "pass", message: `makeEnv() returned ${envId}` };
  });
  if (!probe) return finish(envId, results, options);
  const env0 = probe;

  run("spaces", () => {
    const spec = env0.spec;
    const obsSpace = env0.observationSpace;
    if (obsSpace.kind !== "box") fail(`observationSpace must be a Box, got ${String(obsSpace)}`);
    if (spec.observationFields.length !== obsSpace.size) {
      fail(`spec.observationFields has ${spec.observationFields.length} entries but observationSpace has ${obsSpace.size} elements`);
    }
    const names = new Set<string>();
    spec.observationFields.forEach((field, i) => {
      if (!/^[A-Za-z_$][\w$]*$/.test(field.name)) fail(`observationFields[${i}].name "${field.name}" is not a valid identifier (experiment files read it as nextObs.${field.name})`);
      if (names.has(field.name)) fail(`observationFields[${i}].name "${field.name}" is used twice`);
      names.add(field.name);
      if (Math.fround(field.low) !== obsSpace.low[i] || Math.fround(field.high) !== obsSpace.high[i]) {
        fail(`observationFields[${i}] (${field.name}) bounds [${field.low}, ${field.high}] differ from observationSpace's [${obsSpace.low[i]}, ${obsSpace.high[i]}]`);
      }
    });
    const act = env0.actionSpace;
    const declared = spec.actionSpace;
    if (act.kind === "discrete") {
      if (declared.kind !== "discrete" || declared.n !== act.n) fail(`spec.actionSpace ${JSON.stringify(declared)} does not match actionSpace ${String(act)}`);
    } else if (declared.kind !== "box" || declared.low.length !== act.size || declared.low.some((v, i) => Math.fround(v) !== act.low[i]) || declared.high.some((v, i) => Math.fround(v) !== act.high[i])) {
      fail(`spec.actionSpace ${JSON.stringify(declared)} does not match actionSpace ${String(act)}`);
    }
    const expectedMeanings = act.kind === "discrete" ? act.n : act.size;
    if (spec.actionMeanings.length !== expectedMeanings) fail(`spec.actionMeanings has ${spec.actionMeanings.length} entries, expected ${expectedMeanings}`);
    const rng = new Rng(seed);
    for (let i = 0; i < 100; i++) {
      const a = act.sample(rng);
      if (!act.contains(a)) fail(`actionSpace.sample() gave ${String(a)}, which actionSpace.contains() rejects`);
    }
    return { status: "pass", message: `${spec.observationFields.length} named observation fields match ${String(obsSpace)}; action space ${String(act)}` };
  });

  run("step before reset throws", () => {
    const env = makeEnv();
    const action = env.actionSpace.sample(new Rng(seed));
    if (!throws(() => env.step(action as never))) fail("step() on a never-reset env did not throw");
    return { status: "pass", message: "step() before reset() threw" };
  });

  run("rollout", () => {
    const env = makeEnv();
    const rng = new Rng(seed + 1);
    let obs = env.reset({ seed }).obs;
    checkObservation(env, obs, "reset({ seed })");
    let episodes = 0;
    for (let t = 0; t < steps; t++) {
      if (options.signal?.aborted) return { status: "skip", message: `aborted after ${t} steps` };
      const action = env.actionSpace.sample(rng);
      const r = env.step(action as never);
      checkStep(env, r, t);
      if (r.terminated || r.truncated) {
        episodes++;
        obs = env.reset().obs;
        checkObservation(env, obs, `reset() after step ${t}`);
      }
    }
    return {
      status: "pass",
      message: `${steps} random steps, ${episodes} episodes ended; observations finite and inside the space, rewards finite`,
    };
  });

  run("step after episode end throws", () => {
    const env = makeEnv();
    const rng = new Rng(seed + 2);
    env.reset({ seed });
    for (let t = 0; t < steps; t++) {
      if (options.signal?.aborted) return { status: "skip", message: `aborted after ${t} steps` };
      const action = env.actionSpace.sample(rng);
      const r = env.step(action as never);
      if (r.terminated || r.truncated) {
        if (!throws(() => env.step(action as never))) fail(`step() after the episode ended at step ${t} did not throw`);
        return { status: "pass", message: `episode ended at step ${t}; the next step() threw` };
      }
    }
    return { status: "skip", message: `no episode ended within ${steps} random steps; wrap the env in TimeLimit to test this` };
  });

  run("determinism", () => {
    const a = makeEnv();
    const b = makeEnv();
    const actions = new Rng(seed + 3);
    let oa = a.reset({ seed }).obs;
    let ob = b.reset({ seed }).obs;
    assertSameArray(oa, ob, "reset({ seed }) observations");
    for (let t = 0; t < steps; t++) {
      if (options.signal?.aborted) return { status: "skip", message: `aborted after ${t} steps` };
      const action = a.actionSpace.sample(actions);
      const ra = a.step(copyAction(action) as never);
      const rb = b.step(copyAction(action) as never);
      assertSameArray(ra.obs, rb.obs, `observations at step ${t}`);
      if (!Object.is(ra.reward, rb.reward)) fail(`rewards differ at step ${t}: ${ra.reward} vs ${rb.reward}`);
      if (ra.terminated !== rb.terminated || ra.truncated !== rb.truncated) fail(`terminated/truncated differ at step ${t}`);
      if (ra.terminated || ra.truncated) {
        oa = a.reset().obs;
        ob = b.reset().obs;
        assertSameArray(oa, ob, `reset() observations after step ${t}`);
      }
    }
    return { status: "pass", message: `two envs reset with seed ${seed} and given the same ${steps} actions gave identical trajectories` };
  });

  run("reset without seed continues the stream", () => {
    const a = makeEnv();
    const b = makeEnv();
    const first = a.reset({ seed }).obs.slice();
    const next = a.reset().obs.slice();
    b.reset({ seed });
    assertSameArray(next, b.reset().obs, "reset() after reset({ seed }) in two envs");
    if (!sameArray(next, first)) return { status: "pass", message: "reset() after reset({ seed }) is reproducible and draws a new start state" };
    // Equal starts are legitimate only when the start state does not depend on the seed at all.
    const other = makeEnv().reset({ seed: seed + 12345 }).obs;
    if (sameArray(other, first)) return { status: "skip", message: "the start state does not depend on the seed" };
    fail("reset() without a seed returned the same observation as reset({ seed }) before it: the RNG was re-seeded instead of continued");
  });

  run("invalid actions throw", () => {
    const act = makeEnv().actionSpace;
    const invalid: unknown[] =
      act.kind === "discrete"
        ? [act.start - 1, act.start + act.n, act.start + 0.5, Number.NaN, String(act.start)]
        : [new Float32Array(act.size + 1), new Float32Array(act.size).fill(Number.NaN), act.size === 1 ? 0 : new Float32Array(act.size - 1)];
    for (const action of invalid) {
      const env = makeEnv();
      env.reset({ seed });
      if (!throws(() => env.step(action as never))) fail(`step(${describe(action)}) did not throw; it is outside ${String(act)}`);
    }
    return { status: "pass", message: `${invalid.length} actions outside ${String(act)} were rejected` };
  });

  run("text view", () => {
    const env = makeEnv();
    const view = env.text;
    if (!view) {
      if (env.spec.text) fail("spec.text describes a text view but env.text is missing");
      return { status: "skip", message: "the env has no text view (env.text)" };
    }
    const declared = env.spec.text;
    if (!declared) fail("env.text exists but spec.text does not describe it");
    if (env.actionSpace.kind !== "discrete") fail(`a text view needs a Discrete action space, got ${String(env.actionSpace)}`);
    const rng = new Rng(seed + 4);
    const textSteps = Math.min(steps, 300);
    let info = env.reset({ seed }).info;
    for (let t = 0; t < textSteps; t++) {
      if (options.signal?.aborted) return { status: "skip", message: `aborted after ${t} steps` };
      const valid = checkText(env, info, t, declared!);
      const r = env.step(valid[rng.integer(valid.length)]! as never);
      info = r.terminated || r.truncated ? env.reset().info : r.info;
    }
    return { status: "pass", message: `${textSteps} steps choosing among env.text's valid actions: prompts, action texts, indices and masks consistent` };
  });

  return finish(envId, results, options);

  /** Checks the text view in the current state; returns its valid action indices. */
  function checkText(env: Env, info: Info, t: number, declared: NonNullable<Env["spec"]["text"]>): readonly number[] {
    const view = env.text!;
    const where = `after step ${t}`;
    const prompt = view.prompt();
    if (typeof prompt !== "string" || prompt.trim().length === 0) fail(`${where}: env.text.prompt() is empty`);
    const texts = view.actions();
    const valid = view.validActions();
    if (texts.length === 0) fail(`${where}: env.text.actions() offers no action`);
    if (texts.length > declared.maxValidActions) fail(`${where}: ${texts.length} valid actions exceed spec.text.maxValidActions = ${declared.maxValidActions}`);
    if (valid.length !== texts.length) fail(`${where}: validActions() has ${valid.length} entries but actions() has ${texts.length}`);
    if (new Set(texts).size !== texts.length) fail(`${where}: two valid actions have the same text: ${JSON.stringify(texts)}`);
    texts.forEach((text, i) => {
      if (typeof text !== "string" || text.trim().length === 0) fail(`${where}: action text ${i} is empty`);
      const index = view.actionIndex(i);
      if (index !== valid[i]) fail(`${where}: actionIndex(${i}) = ${index} but validActions()[${i}] = ${valid[i]}`);
      if (!env.actionSpace.contains(index)) fail(`${where}: actionIndex(${i}) = ${index} is outside ${String(env.actionSpace)}`);
    });
    if (declared.validActions === "all" && valid.length !== (env.actionSpace as { n: number }).n) fail(`${where}: spec.text.validActions is "all" but only ${valid.length} actions are offered`);
    const mask = info.actionMask;
    if (mask !== undefined) {
      if (!(mask instanceof Uint8Array) || mask.length !== (env.actionSpace as { n: number }).n) fail(`${where}: info.actionMask must be a Uint8Array with one entry per action`);
      const m = mask as Uint8Array;
      for (let a = 0; a < m.length; a++) {
        if ((m[a] === 1) !== valid.includes(a)) fail(`${where}: info.actionMask[${a}] = ${m[a]} disagrees with env.text.validActions() ${JSON.stringify(valid)}`);
      }
    }
    return valid;
  }

  function checkObservation(env: Env, obs: unknown, where: string): void {
    const space = env.observationSpace;
    const problem = observationProblem(obs, space.size, env.spec.observationFields.map((f) => f.name));
    if (problem) fail(`${where}: ${problem}`);
    const o = obs as Float32Array;
    if (!space.contains(o)) {
      const i = Array.from(o).findIndex((v, j) => v < space.low[j]! || v > space.high[j]!);
      fail(`${where}: observation[${i}] (${env.spec.observationFields[i]?.name ?? "?"}) = ${o[i]} is outside [${space.low[i]}, ${space.high[i]}]`);
    }
  }

  function checkStep(env: Env, r: StepResult, t: number): void {
    const problem = stepResultProblem(r, env.observationSpace.size, env.spec.observationFields.map((f) => f.name));
    if (problem) fail(`step ${t}: ${problem}`);
    checkObservation(env, r.obs, `step ${t}`);
    if (typeof r.info !== "object" || r.info === null) fail(`step ${t}: info must be an object`);
    if (r.terminated && env.spec.terminationCauses.length > 0 && !env.spec.terminationCauses.includes(r.info.terminationCause as string)) {
      fail(`step ${t}: info.terminationCause ${JSON.stringify(r.info.terminationCause)} is not one of spec.terminationCauses (${env.spec.terminationCauses.join(", ")})`);
    }
  }
}

/**
 * What is wrong with an observation an env returned, naming the field (`obs.theta = NaN
 * (observation field 2 of 4)`), or null when it is a Float32Array of `size` finite numbers.
 * Cheap enough to run on every step of a custom env (experiment/checked-env.ts).
 */
export function observationProblem(obs: unknown, size: number, fieldNames: readonly string[]): string | null {
  if (!(obs instanceof Float32Array)) return `obs = ${describe(obs)}: the observation must be a Float32Array of ${size} elements`;
  if (obs.length !== size) return `obs has ${obs.length} element(s) but observationSpace has ${size} (${fieldNames.join(", ")})`;
  for (let i = 0; i < size; i++) {
    const v = obs[i]!;
    // v - v is 0 for every finite number and NaN for NaN and ±Infinity: one test instead of Number.isFinite's call.
    if (v - v !== 0) return `obs.${fieldNames[i] ?? i} = ${v} (observation field ${i} of ${size}): every observation value must be a finite number`;
  }
  return null;
}

/** What is wrong with a `step()` result's shape and values, naming the field, or null. */
export function stepResultProblem(r: unknown, size: number, fieldNames: readonly string[]): string | null {
  if (r === null || typeof r !== "object") return `returned ${describe(r)}; it must return { obs, reward, terminated, truncated, info }`;
  const o = r as Record<string, unknown>;
  if (!("obs" in o)) return "returned no obs; it must return { obs, reward, terminated, truncated, info }";
  const obsProblem = observationProblem(o.obs, size, fieldNames);
  if (obsProblem) return obsProblem;
  if (typeof o.reward !== "number" || o.reward - o.reward !== 0) return `reward must be a finite number, got ${describe(o.reward)}`;
  for (const flag of ["terminated", "truncated"] as const) {
    if (typeof o[flag] !== "boolean") return `${flag} must be a boolean, got ${describe(o[flag])}`;
  }
  if (o.info !== undefined && (o.info === null || typeof o.info !== "object")) return `info must be an object, got ${describe(o.info)}`;
  return null;
}

/** What is wrong with a `reset()` result, naming the field, or null. */
export function resetResultProblem(r: unknown, size: number, fieldNames: readonly string[]): string | null {
  if (r === null || typeof r !== "object") return `returned ${describe(r)}; it must return { obs, info }`;
  const o = r as Record<string, unknown>;
  if (!("obs" in o)) return "returned no obs; it must return { obs, info }";
  return observationProblem(o.obs, size, fieldNames);
}

class CheckFailure extends Error {}

/** Throws a check failure; `run` prefixes the env id and the check name. */
function fail(message: string): never {
  throw new CheckFailure(message);
}

function finish(envId: string, results: EnvCheckResult[], options: EnvCheckOptions): EnvCheckReport {
  const report: EnvCheckReport = { envId, ok: results.every((r) => r.status !== "fail"), results };
  if (!report.ok && options.throwOnFailure) {
    throw new Error(`env check failed for ${envId}:\n${formatFailures(report)}`);
  }
  return report;
}

/** The failed checks, one per line. */
export function formatFailures(report: EnvCheckReport): string {
  return report.results
    .filter((r) => r.status === "fail")
    .map((r) => `  - ${r.message}`)
    .join("\n");
}

function throws(f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch {
    return true;
  }
}

function copyAction(a: number | Float32Array): Action {
  return typeof a === "number" ? a : a.slice();
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function assertSameArray(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (!sameArray(a, b)) throw new CheckFailure(`${what} differ: [${Array.from(a).join(", ")}] vs [${Array.from(b).join(", ")}]`);
}

function describe(x: unknown): string {
  if (typeof x === "string") return JSON.stringify(x);
  if (ArrayBuffer.isView(x)) return `${x.constructor.name}[${Array.from(x as unknown as ArrayLike<number>).join(", ")}]`;
  if (Array.isArray(x)) return `an array [${x.slice(0, 8).map((v) => String(v)).join(", ")}${x.length > 8 ? ", …" : ""}]`;
  if (x !== null && typeof x === "object") return "an object";
  return String(x);
}
