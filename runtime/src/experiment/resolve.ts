/**
 * Turn an experiment file into everything a run needs: the env (built-in or custom), the
 * hyperparameters after defaults and overrides, the seed, the reward function, and the source as
 * compiled (kept in the run folder so resume uses the same code).
 *
 * Every check fails with an `ExperimentError` that names the field, the value, what is allowed,
 * and, where the field can be found in the source, its line and column.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute, resolve as resolvePath } from "node:path";
import type { Env, EnvSpec } from "../envs/types.js";
import { Box, Discrete } from "../envs/spaces.js";
import { TimeLimit } from "../envs/time-limit.js";
import { envIds, getEnvSpec, makeEnv as makeBuiltinEnv, suggestEnvId } from "../envs/registry.js";
import type { Hyperparameters } from "./hyperparameters.js";
import type { RewardFunction } from "../api.js";
import { compileExperiment, evaluateExperiment, locateError, locateFunction } from "./compile.js";
import { CheckedEnv, EnvError, type EnvSourceMap } from "./checked-env.js";
import { resetResultProblem } from "../envs/checker.js";
import { runUserCode, USER_CODE, type UserCodeKind } from "./user-code.js";
import { ExperimentError } from "./errors.js";
import { DEFAULT_ALGORITHM, actionKindWords, allowedAlgorithmsText, findAlgorithm, type AlgorithmId } from "./algorithms.js";
import { closestMatch } from "./suggest.js";
import { formatValue, validateHyperparameters } from "./validate.js";
import { resolveSubgoalFields, type ResolvedSubgoal, type SelfImitationSettings } from "../subgoals/config.js";
import { MODEL_SOURCES_TEXT, validateLlmSettings, type LlmSettings } from "./llm-settings.js";

export { ExperimentError } from "./errors.js";

export interface ResolvedExperiment {
  name: string;
  /** The built-in id, or the custom env's `spec.id`. */
  envId: string;
  spec: EnvSpec;
  /** A fresh env, wrapped in `TimeLimit(spec.maxEpisodeSteps)` as `gymnasium.make` does. */
  makeEnv: () => Env;
  /** The task in plain language, for the reward designer and explanations. */
  task: string | null;
  algorithm: AlgorithmId;
  /** After defaults for the action kind and overrides. */
  hyperparameters: Hyperparameters;
  seed: number;
  reward: RewardFunction | null;
  /** Ordered sub-goals (empty when none), the reward for reaching each, and self-imitation settings. */
  subgoals: ResolvedSubgoal[];
  subgoalReward: number;
  selfImitation: SelfImitationSettings | null;
  /** `algorithm: "twosome"`: the LLM policy's settings, with the model file found (absolute path); null otherwise. */
  llm: (LlmSettings & { model: string }) | null;
  source: { path: string; text: string; sha256: string; bundle: string };
}

/** Values given outside the file (CLI flags, the extension's run dialog); they win over the file's. */
export interface ExperimentOverrides {
  seed?: number;
  totalTimesteps?: number;
  hyperparameters?: Partial<Hyperparameters>;
  /** The GGUF model of a TWOSOME experiment (CLI --model): wins over the file's llm.model. */
  model?: string;
  /** The model used when the file names none (the editor's rlStudio.llm.model). */
  defaultModel?: string;
}

/** CleanRL's default seed. */
export const DEFAULT_SEED = 1;

const CONFIG_KEYS = ["name", "env", "task", "algorithm", "hyperparameters", "seed", "reward", "subgoals", "subgoalReward", "selfImitation", "llm"] as const;
const ENV_MEMBERS = ["spec", "observationSpace", "actionSpace", "reset", "step"] as const;

/** Compile, evaluate and resolve the experiment at `path` (from `text` instead of the file's bytes when given: see compileExperiment). */
export async function loadExperiment(path: string, overrides: ExperimentOverrides = {}, text?: string): Promise<ResolvedExperiment> {
  const compiled = await compileExperiment(path, text);
  const source = { path: compiled.path, text: compiled.sourceText, sha256: compiled.sha256, bundle: compiled.code };
  const config = evaluateExperiment(compiled.code, compiled.path);
  return resolveExperiment(config, source, overrides);
}

/**
 * Resolve an evaluated experiment (the default export of its bundle). Used by `loadExperiment`,
 * and by resume with the bundle kept in the run folder.
 */
export function resolveExperiment(
  config: unknown,
  source: ResolvedExperiment["source"],
  overrides: ExperimentOverrides = {},
): ResolvedExperiment {
  const locate = (field: string, inside?: string) => ({ file: source.path, field, ...findField(source.text, field.split(".").pop()!, inside) });
  const fail = (detail: string, field: string, inside?: string): never => {
    throw new ExperimentError(detail, locate(field, inside));
  };

  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    return fail(
      `the default export must be an experiment object (export default defineExperiment({ … })), got ${formatValue(config)}`,
      "default",
    );
  }
  const c = config as Record<string, unknown>;

  for (const key of Object.keys(c)) {
    if ((CONFIG_KEYS as readonly string[]).includes(key)) continue;
    const suggestion = closestMatch(key, CONFIG_KEYS);
    fail(
      `unknown experiment field "${key}"` + (suggestion ? `: did you mean "${suggestion}"?` : `; known: ${CONFIG_KEYS.join(", ")}`),
      key,
    );
  }

  if (typeof c.name !== "string" || c.name.trim() === "") {
    fail(
      c.name === undefined
        ? 'the experiment has no name: add name: "…" (runs are grouped by it)'
        : `name = ${formatValue(c.name)} must be a non-empty string`,
      "name",
    );
  }
  const name = (c.name as string).trim();

  if (c.task !== undefined && typeof c.task !== "string") fail(`task = ${formatValue(c.task)} must be a string (the task in plain language)`, "task");
  const task = typeof c.task === "string" && c.task.trim() !== "" ? c.task : null;

  // Which algorithms exist, and which action spaces each handles: the table in algorithms.ts,
  // which the language server checks against too.
  const algorithm = c.algorithm === undefined ? findAlgorithm(DEFAULT_ALGORITHM)! : findAlgorithm(c.algorithm);
  if (!algorithm) {
    fail(
      `algorithm = ${formatValue(c.algorithm)} is not supported: allowed: ${allowedAlgorithmsText()}`,
      "algorithm",
    );
  }

  const env = resolveEnv(c.env, source, (detail) => fail(detail, "env"));
  if (!algorithm!.actionKinds.includes(env.spec.actionSpace.kind)) {
    fail(
      `algorithm = "${algorithm!.id}" does not handle ${env.spec.id}'s ${actionKindWords(env.spec.actionSpace.kind)} action space`,
      "algorithm",
    );
  }
  if (algorithm!.textEnvOnly && !env.spec.text) {
    const textEnvs = envIds().filter((id) => getEnvSpec(id)?.text);
    fail(`algorithm = "${algorithm!.id}" needs a text env (one with env.text): ${env.spec.id} has no text view; text envs: ${textEnvs.join(", ")}`, "env");
  }
  const llm = algorithm!.id === "twosome" ? resolveLlm(c.llm, source, overrides, fail) : null;
  if (algorithm!.id !== "twosome" && c.llm !== undefined) fail(`llm is read only by algorithm "twosome", not by "${algorithm!.id}": remove it or set algorithm: "twosome"`, "llm");
  if (algorithm!.id === "twosome" && c.reward !== undefined && c.reward !== null) {
    fail('reward shaping is not supported with algorithm "twosome" (TWOSOME trains on the env\'s own reward): remove reward', "reward");
  }

  const seed = overrides.seed ?? c.seed ?? DEFAULT_SEED;
  if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0) {
    const from = overrides.seed !== undefined ? " (given as an override)" : "";
    fail(`seed = ${formatValue(seed)}${from} must be a non-negative integer`, "seed");
  }

  if (c.reward !== undefined && c.reward !== null && typeof c.reward !== "function") {
    fail(
      `reward = ${formatValue(c.reward)} must be a function ({ obs, action, nextObs, envReward, terminated, truncated, episodeStep }) => number | Record<string, number>`,
      "reward",
    );
  }
  const reward = typeof c.reward === "function" ? (c.reward as RewardFunction) : null;

  const hyperparameters = resolveHyperparameters(c.hyperparameters, env.spec.actionSpace.kind, algorithm!.id as AlgorithmId, overrides, source, locate);
  const subgoalFields = resolveSubgoalFields(c, {
    spec: env.spec,
    makeEnv: env.makeEnv,
    seed: seed as number,
    source,
    fail,
    locate: (err) => locateError(err, source.bundle, source.path),
  });
  if (algorithm!.id !== "ppo" && (subgoalFields.subgoals.length > 0 || subgoalFields.selfImitation)) {
    const field = subgoalFields.selfImitation ? "selfImitation" : "subgoals";
    fail(`${field} with algorithm "${algorithm!.id}": sub-goal rewards, the experience store and self-imitation are part of algorithm "ppo"`, field);
  }
  if (hyperparameters.numLearners > 1 && (subgoalFields.subgoals.length > 0 || subgoalFields.selfImitation)) {
    const field = subgoalFields.selfImitation ? "selfImitation" : "subgoals";
    fail(`${field} with numLearners = ${hyperparameters.numLearners}: sub-goal rewards, the experience store and self-imitation run with one learner; use numLearners: 1`, field);
  }

  return {
    name,
    envId: env.spec.id,
    spec: env.spec,
    makeEnv: env.makeEnv,
    task,
    algorithm: algorithm!.id as AlgorithmId,
    hyperparameters,
    seed: seed as number,
    reward,
    ...subgoalFields,
    llm,
    source,
  };
}

/**
 * The `llm` block checked, and its model file found: --model wins, then llm.model (relative to the
 * experiment file), then the editor's setting, then RL_STUDIO_LLM_MODEL. A missing model says where
 * it looked and how to set one.
 */
function resolveLlm(raw: unknown, source: ResolvedExperiment["source"], overrides: ExperimentOverrides, fail: (detail: string, field: string, inside?: string) => never): LlmSettings & { model: string } {
  const { settings, problems } = validateLlmSettings(raw);
  if (!settings) {
    const first = problems[0]!;
    const detail = problems.length === 1 ? `invalid llm setting: ${first.message}` : `${problems.length} invalid llm settings:\n  ${problems.map((p) => p.message).join("\n  ")}`;
    return fail(detail, first.field, first.field.split(".").slice(-2, -1)[0]);
  }
  const envModel = process.env.RL_STUDIO_LLM_MODEL;
  const candidates: [string | undefined, string, string][] = [
    [overrides.model, "--model", process.cwd()],
    [settings.model ?? undefined, "llm.model", dirname(source.path)],
    [overrides.defaultModel, "rlStudio.llm.model", process.cwd()],
    [envModel && envModel.trim() !== "" ? envModel : undefined, "RL_STUDIO_LLM_MODEL", process.cwd()],
  ];
  const chosen = candidates.find(([value]) => value !== undefined);
  if (!chosen) {
    return fail(`algorithm "twosome" needs a GGUF model and none is set: looked at ${MODEL_SOURCES_TEXT}, all unset. Set llm: { model: "path/to/model.gguf" } or pass --model <gguf>`, "llm.model", "llm");
  }
  const [value, from, base] = chosen;
  if (value!.startsWith("hf:")) return fail(`${from} = ${JSON.stringify(value)}: the TWOSOME policy reads a local .gguf file, not an hf: URI; download it first`, "llm.model", "llm");
  const path = isAbsolute(value!) ? value! : resolvePath(base, value!);
  if (!existsSync(path) || !statSync(path).isFile()) {
    return fail(`${from} = ${JSON.stringify(value)}: no model file at ${path}; set llm.model, --model <gguf> or rlStudio.llm.model to an existing .gguf file`, "llm.model", "llm");
  }
  return { ...settings, model: path };
}

function resolveHyperparameters(
  raw: unknown,
  actionKind: "discrete" | "box",
  algorithm: AlgorithmId,
  overrides: ExperimentOverrides,
  source: ResolvedExperiment["source"],
  locate: (field: string, inside?: string) => { file: string; field: string; line?: number; column?: number },
): Hyperparameters {
  const overridden: Record<string, unknown> = { ...overrides.hyperparameters };
  if (overrides.totalTimesteps !== undefined) overridden.totalTimesteps = overrides.totalTimesteps;
  const hasOverrides = Object.keys(overridden).length > 0;
  // Overrides are validated like the file's own values, so `--total-timesteps 10` is caught too.
  const merged =
    hasOverrides && (raw === undefined || (raw !== null && typeof raw === "object" && !Array.isArray(raw)))
      ? { ...(raw as Record<string, unknown> | undefined), ...overridden }
      : raw;
  const { hyperparameters, problems } = validateHyperparameters(merged, actionKind, algorithm);
  if (hyperparameters) return hyperparameters;
  const lines = problems.map((p) => (p.field in overridden ? `${p.message} (given as an override)` : p.message));
  const first = problems[0]!;
  const field = first.field === "hyperparameters" ? "hyperparameters" : `hyperparameters.${first.field}`;
  const detail =
    problems.length === 1
      ? `invalid hyperparameter: ${lines[0]}`
      : `${problems.length} invalid hyperparameters:\n  ${lines.join("\n  ")}`;
  // Point at the first problem's key inside the hyperparameters object; fall back to the object.
  const where = first.field in overridden ? { file: source.path, field } : locate(field, first.field === "hyperparameters" ? undefined : "hyperparameters");
  throw new ExperimentError(detail, where);
}

interface ResolvedEnv {
  spec: EnvSpec;
  makeEnv: () => Env;
}

function resolveEnv(env: unknown, source: ResolvedExperiment["source"], fail: (detail: string) => never): ResolvedEnv {
  if (typeof env === "string") {
    const spec = getEnvSpec(env);
    if (!spec) {
      const suggestion = suggestEnvId(env);
      return fail(
        `unknown env id ${JSON.stringify(env)}` +
          (suggestion ? `: did you mean ${JSON.stringify(suggestion)}?` : "") +
          ` Known ids: ${envIds().join(", ")}; or pass a class implementing Env.`,
      );
    }
    return { spec, makeEnv: () => makeBuiltinEnv(env) };
  }
  if (typeof env === "function") return resolveCustomEnv(env as (...args: unknown[]) => unknown, source, fail);
  if (env === undefined) return fail(`the experiment has no env: add env: "CartPole-v1" (known: ${envIds().join(", ")}) or a class implementing Env`);
  if (env !== null && typeof env === "object" && "step" in env) {
    return fail(
      "env must be a built-in id or a class/factory, not an env instance: training creates numEnvs copies, so pass the class (env: MyEnv) or a factory (env: () => new MyEnv())",
    );
  }
  return fail(`env = ${formatValue(env)} must be a built-in env id (${envIds().join(", ")}) or a class/factory implementing Env`);
}

/** A class is constructed with `new`; an arrow or plain function is called as a factory. */
function isClass(fn: (...args: unknown[]) => unknown): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

function resolveCustomEnv(
  ctor: (...args: unknown[]) => unknown,
  source: ResolvedExperiment["source"],
  fail: (detail: string) => never,
): ResolvedEnv {
  const label = ctor.name ? `custom env ${ctor.name}` : "custom env";
  const construct = isClass(ctor)
    ? () => new (ctor as unknown as new () => unknown)()
    : () => ctor();
  const sourceMap: EnvSourceMap = {
    locateError: (err) => locateError(err, source.bundle, source.path),
    locateFunction: (fn) => locateFunction(fn, source.bundle, source.path),
  };
  const userCode = (what: string, run: () => unknown, kind: UserCodeKind = USER_CODE.envConstructor): unknown => {
    try {
      return runUserCode(kind, run);
    } catch (err) {
      const detail = `${label}: ${what} threw: ${err instanceof Error ? err.message : String(err)}`;
      // Point at the line in the env's code that threw, when the stack leads there.
      const where = locateError(err, source.bundle, source.path);
      if (where) throw new ExperimentError(detail, { ...where, field: "env" }, { cause: err });
      return fail(detail);
    }
  };

  // Build one instance to check it: the shape is known before any training starts.
  const probe = userCode(isClass(ctor) ? "the constructor" : "the factory", construct) as Record<string, unknown> | null;
  if (probe === null || typeof probe !== "object") {
    return fail(`${label}: the factory returned ${formatValue(probe)}, not an env (an object with ${ENV_MEMBERS.join(", ")})`);
  }
  const missing = ENV_MEMBERS.filter((m) => probe[m] === undefined || probe[m] === null);
  if (missing.length > 0) {
    return fail(
      `${label} is missing ${missing.map((m) => (m === "reset" || m === "step" ? `${m}()` : m)).join(", ")}: an Env needs ${ENV_MEMBERS.join(", ")}`,
    );
  }
  for (const m of ["reset", "step"] as const) {
    if (typeof probe[m] !== "function") fail(`${label}: ${m} must be a method, got ${formatValue(probe[m])}`);
  }
  if (!(probe.observationSpace instanceof Box)) {
    fail(`${label}: observationSpace must be a Box (import { Box } from "rl-studio"), got ${formatValue(probe.observationSpace)}`);
  }
  if (!(probe.actionSpace instanceof Discrete || probe.actionSpace instanceof Box)) {
    fail(`${label}: actionSpace must be a Discrete or a Box (import { Discrete, Box } from "rl-studio"), got ${formatValue(probe.actionSpace)}`);
  }
  const observationSpace = probe.observationSpace as Box;
  // Every reset()/step() result in training crosses a checked boundary that names the method, field and line.
  const name = ctor.name || "custom env";
  const checked = (env: unknown) => new CheckedEnv(env as Env, name, sourceMap);
  const actionSpace = probe.actionSpace as Discrete | Box;
  const spec = checkSpec(probe.spec, observationSpace, actionSpace, label, fail);

  const reset = userCode("reset({ seed: 0 })", () => (probe.reset as Env["reset"]).call(probe, { seed: 0 }), USER_CODE.envReset) as { obs?: unknown } | undefined;
  const obs = reset?.obs;
  if (!(obs instanceof Float32Array) || obs.length !== observationSpace.size) {
    fail(
      `${label}: reset() must return { obs, info } with obs a Float32Array of ${observationSpace.size} elements, got ${reset && typeof reset === "object" ? `obs = ${formatValue(obs)}` : formatValue(reset)}`,
    );
  }
  // The rest of the contract (finite values, named) as training will check it on every reset.
  const problem = resetResultProblem(reset, observationSpace.size, spec.observationFields.map((f) => f.name));
  if (problem) {
    const at = sourceMap.locateFunction(probe.reset);
    throw new ExperimentError(`${name}.reset({ seed: 0 }): ${problem}`, { file: at?.file ?? source.path, ...(at ? { line: at.line, column: at.column } : {}), field: "env" });
  }

  return {
    spec,
    makeEnv: () => {
      let env: unknown;
      try {
        env = runUserCode(USER_CODE.envConstructor, construct);
      } catch (err) {
        const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        const at = sourceMap.locateError(err) ?? sourceMap.locateFunction(ctor);
        throw new EnvError(`${name} ${isClass(ctor) ? "constructor" : "factory"} threw ${message}`, { method: "constructor", ...(at ? { source: at } : {}) }, { cause: err });
      }
      return new TimeLimit(checked(env), spec.maxEpisodeSteps);
    },
  };
}

function checkSpec(raw: unknown, observationSpace: Box, actionSpace: Discrete | Box, label: string, fail: (detail: string) => never): EnvSpec {
  if (raw === null || typeof raw !== "object") return fail(`${label}: spec must be an EnvSpec object, got ${formatValue(raw)}`);
  const spec = raw as Partial<EnvSpec>;
  const need = (ok: boolean, what: string) => {
    if (!ok) fail(`${label}: spec.${what}`);
  };
  need(typeof spec.id === "string" && spec.id.length > 0, `id must be a non-empty string, got ${formatValue(spec.id)}`);
  need(
    Array.isArray(spec.observationFields) && spec.observationFields.every((f) => f && typeof f.name === "string"),
    "observationFields must be a list of { name, description, low, high }",
  );
  const fields = spec.observationFields!;
  need(
    fields.length === observationSpace.size,
    `observationFields names ${fields.length} field(s) but observationSpace has ${observationSpace.size} element(s)`,
  );
  const names = new Set(fields.map((f) => f.name));
  need(names.size === fields.length, "observationFields has duplicate names");
  need(
    typeof spec.maxEpisodeSteps === "number" && Number.isInteger(spec.maxEpisodeSteps) && spec.maxEpisodeSteps > 0,
    `maxEpisodeSteps must be a positive integer (the TimeLimit), got ${formatValue(spec.maxEpisodeSteps)}`,
  );
  need(Array.isArray(spec.actionMeanings), "actionMeanings must be a list of strings");
  need(Array.isArray(spec.terminationCauses), "terminationCauses must be a list of strings");
  need(typeof spec.description === "string", "description must be a string");
  need(spec.docs !== null && typeof spec.docs === "object", "docs must be an object with actionSpace, observationSpace, rewards, startingState, episodeEnd");
  const a = spec.actionSpace;
  need(a !== null && typeof a === "object" && (a.kind === "discrete" || a.kind === "box"), 'actionSpace must be { kind: "discrete", n } or { kind: "box", low, high }');
  if (a!.kind === "discrete") {
    need(actionSpace instanceof Discrete && actionSpace.n === a!.n, `actionSpace is { kind: "discrete", n: ${a!.n} } but the env's actionSpace is ${String(actionSpace)}`);
  } else {
    need(
      actionSpace instanceof Box && Array.isArray(a!.low) && a!.low.length === actionSpace.size,
      `actionSpace is { kind: "box" } with ${Array.isArray(a!.low) ? a!.low.length : "no"} bounds but the env's actionSpace is ${String(actionSpace)}`,
    );
  }
  return spec as EnvSpec;
}

/**
 * Where `key:` is written in the source, as 1-based line and column; searched after the first
 * `inside:` when given (a hyperparameter inside `hyperparameters: { … }`), after `defineExperiment(`
 * or `export default` otherwise. A textual scan, not a parse: good enough to put the cursor on
 * the field; the language server does the exact AST work.
 */
export function findField(text: string, key: string, inside?: string): { line?: number; column?: number } {
  const anchor = /defineExperiment\s*\(/.exec(text) ?? /export\s+default/.exec(text);
  let from = anchor ? anchor.index : 0;
  if (inside !== undefined) {
    const outer = new RegExp(`(?:^|[\\s{,])["']?${escapeRegExp(inside)}["']?\\s*:`, "g");
    outer.lastIndex = from;
    const m = outer.exec(text);
    if (m) from = m.index;
  }
  const re = new RegExp(`(^|[\\s{,])(["']?${escapeRegExp(key)}["']?)\\s*[:,}]`, "g");
  re.lastIndex = from;
  let m = re.exec(text);
  if (!m && key !== inside && inside !== undefined) return findField(text, inside);
  if (!m) {
    // Shorthand property (`{ name, env }`) or not written at all: point at defineExperiment.
    if (!anchor) return {};
    m = [anchor[0], "", anchor[0]] as unknown as RegExpExecArray;
    m.index = anchor.index;
  }
  const offset = m.index + m[1]!.length;
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return { line, column };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
