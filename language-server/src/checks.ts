/**
 * The RL checks on an experiment file, pure: from the parsed experiment to problems with exact
 * offset ranges and, where the fix is obvious, the replacement text. Env facts come from the env
 * registry, hyperparameter rules from the runtime's own validator: the editor and `rl-studio
 * train` reject the same things with the same words.
 */
import type { EnvSpec } from "../../runtime/src/envs/types.js";
import { HYPERPARAMETERS } from "../../runtime/src/experiment/hyperparameters.js";
import { checkHyperparameterValue, validateHyperparameters } from "../../runtime/src/experiment/validate.js";
import { closestMatch } from "../../runtime/src/experiment/suggest.js";
import { ALGORITHMS, actionKindWords, allowedAlgorithmsText, findAlgorithm, type AlgorithmSpec } from "../../runtime/src/experiment/algorithms.js";
import { validateLlmSettings } from "../../runtime/src/experiment/llm-settings.js";
import { envSpecs, findEnvSpec, suggestEnv } from "./env-catalog.js";
import type { ExperimentAst, ObservationAccess, Span } from "./experiment-ast.js";
import type { PredicateReturnKind } from "./subgoal-ast.js";
import { SUBGOAL_NAME } from "../../runtime/src/subgoals/names.js";

export type ProblemCode =
  | "unknown-env"
  | "unknown-hyperparameter"
  | "invalid-hyperparameter"
  | "minibatch-divisibility"
  | "hyperparameter-consistency"
  | "unknown-observation-field"
  | "reward-return-type"
  | "subgoal-name"
  | "subgoal-observation"
  | "subgoal-return-type"
  | "subgoal-throws"
  | "unknown-algorithm"
  | "algorithm-action-space"
  | "invalid-llm-setting"
  | "algorithm-text-env"
  | "shallow-analysis";

export interface Fix {
  title: string;
  span: Span;
  newText: string;
}

export interface Problem {
  code: ProblemCode;
  span: Span;
  message: string;
  severity: "error" | "warning";
  fix?: Fix;
}

/** What the checks read besides the experiment; defaults to the runtime's own tables. */
export interface CheckTables {
  /** The algorithms the runtime trains (runtime/src/experiment/algorithms.ts). */
  algorithms?: readonly AlgorithmSpec[];
}

const HYPERPARAMETER_KEYS = HYPERPARAMETERS.map((h) => h.key as string);

export function experimentEnvSpec(ast: ExperimentAst): EnvSpec | undefined {
  return ast.env ? findEnvSpec(ast.env.value) : undefined;
}

function checkEnv(ast: ExperimentAst, out: Problem[]): void {
  const env = ast.env;
  if (!env || findEnvSpec(env.value)) return;
  const suggestion = suggestEnv(env.value);
  const known = envSpecs().map((s) => s.id).join(", ");
  out.push({
    code: "unknown-env",
    span: env.span,
    severity: "error",
    message: suggestion
      ? `Unknown environment "${env.value}". Did you mean "${suggestion}"? Known environments: ${known}.`
      : `Unknown environment "${env.value}". Known environments: ${known}; or pass a class implementing Env.`,
    ...(suggestion ? { fix: { title: `Change to "${suggestion}"`, span: env.contentSpan, newText: suggestion } } : {}),
  });
}

/**
 * The algorithm against the runtime's table: unknown ids (with a did-you-mean fix), and an
 * algorithm whose supported action kinds do not include the env's.
 */
export function checkAlgorithm(ast: ExperimentAst, spec: EnvSpec | undefined, out: Problem[], algorithms: readonly AlgorithmSpec[] = ALGORITHMS): void {
  const alg = ast.algorithm;
  if (!alg) return;
  const known = findAlgorithm(alg.value, algorithms);
  if (!known) {
    const suggestion = closestMatch(alg.value, algorithms.map((a) => a.id));
    out.push({
      code: "unknown-algorithm",
      span: alg.span,
      severity: "error",
      message: `Unknown algorithm "${alg.value}". Allowed: ${allowedAlgorithmsText(algorithms)}.`,
      ...(suggestion ? { fix: { title: `Change to "${suggestion}"`, span: alg.contentSpan, newText: suggestion } } : {}),
    });
    return;
  }
  if (spec && !known.actionKinds.includes(spec.actionSpace.kind)) {
    const fitting = algorithms.filter((a) => a.actionKinds.includes(spec.actionSpace.kind)).map((a) => a.id);
    const only = fitting.length === 1 ? fitting[0] : undefined;
    out.push({
      code: "algorithm-action-space",
      span: alg.span,
      severity: "error",
      message:
        `Algorithm "${alg.value}" does not handle ${spec.id}'s ${actionKindWords(spec.actionSpace.kind)} action space` +
        (fitting.length > 0 ? `; ${fitting.map((a) => `"${a}"`).join(", ")} ${fitting.length === 1 ? "does" : "do"}.` : "."),
      ...(only ? { fix: { title: `Change to "${only}"`, span: alg.contentSpan, newText: only } } : {}),
    });
  }
}

function checkHyperparameters(ast: ExperimentAst, spec: EnvSpec | undefined, out: Problem[]): void {
  const hp = ast.hyperparameters;
  if (!hp) return;
  // Values known in source and individually valid take part in the cross-field rules.
  const valid: Record<string, unknown> = {};
  const unknownValue = new Set<string>();
  for (const entry of hp.entries) {
    if (!HYPERPARAMETER_KEYS.includes(entry.key)) {
      const suggestion = closestMatch(entry.key, HYPERPARAMETER_KEYS);
      out.push({
        code: "unknown-hyperparameter",
        span: entry.keySpan,
        severity: "error",
        message: suggestion
          ? `Unknown hyperparameter "${entry.key}". Did you mean "${suggestion}"?`
          : `Unknown hyperparameter "${entry.key}". Known: ${HYPERPARAMETER_KEYS.join(", ")}.`,
        ...(suggestion ? { fix: { title: `Change to "${suggestion}"`, span: entry.keySpan, newText: suggestion } } : {}),
      });
      continue;
    }
    if (entry.value.kind === "unknown") {
      unknownValue.add(entry.key);
      continue;
    }
    const problem = checkHyperparameterValue(entry.key, entry.value.value, algorithmOf(ast));
    if (problem) {
      out.push({ code: "invalid-hyperparameter", span: entry.valueSpan, severity: "error", message: problem.message });
    } else {
      valid[entry.key] = entry.value.value;
    }
  }
  const crossFieldKeys = ["numEnvs", "numSteps", "numMinibatches", "valueNumMinibatches", "gradientAccumulationSteps", "totalTimesteps"];
  if (crossFieldKeys.some((k) => unknownValue.has(k))) return;
  const invalidKeys = hp.entries.filter((e) => HYPERPARAMETER_KEYS.includes(e.key) && !(e.key in valid) && !unknownValue.has(e.key)).map((e) => e.key);
  if (crossFieldKeys.some((k) => invalidKeys.includes(k))) return;
  const { problems } = validateHyperparameters(valid, spec?.actionSpace.kind ?? "discrete", algorithmOf(ast));
  for (const p of problems) {
    // Put the problem on the field it names when written, else on the first written field of the rule.
    const entry =
      hp.entries.find((e) => e.key === p.field) ??
      hp.entries.find((e) => (p.field === "numMinibatches" ? ["numEnvs", "numSteps"] : crossFieldKeys).includes(e.key));
    out.push({
      code: p.field === "numMinibatches" ? "minibatch-divisibility" : "hyperparameter-consistency",
      span: entry ? (entry.key === p.field ? entry.valueSpan : entry.keySpan) : hp.span,
      severity: "error",
      message: p.message + (entry && entry.key === p.field ? "" : ` (${p.field} is not set: its default is ${String(p.value)})`),
    });
  }
}

/** The algorithm whose hyperparameters apply: "twosome" when the file says so, else PPO's (the default). */
function algorithmOf(ast: ExperimentAst): "ppo" | "twosome" {
  return ast.algorithm?.value === "twosome" ? "twosome" : "ppo";
}

/**
 * The `llm` block by the runtime's own validator (llm-settings.ts), each problem on the field it
 * names; an llm block under another algorithm, and algorithm "twosome" on an env without a text view.
 */
export function checkLlm(ast: ExperimentAst, spec: EnvSpec | undefined, out: Problem[]): void {
  const twosome = ast.algorithm?.value === "twosome";
  if (twosome && spec && !spec.text && ast.algorithm) {
    const textEnvs = envSpecs().filter((s) => s.text).map((s) => s.id);
    out.push({ code: "algorithm-text-env", span: ast.algorithm.span, severity: "error", message: `Algorithm "twosome" needs a text env (one with env.text): ${spec.id} has none. Text envs: ${textEnvs.join(", ")}.` });
  }
  const llm = ast.llm;
  if (!llm) return;
  if (!twosome) {
    out.push({ code: "invalid-llm-setting", span: llm.keySpan, severity: "error", message: `llm is read only by algorithm "twosome", not by "${ast.algorithm?.value ?? "ppo"}".` });
    return;
  }
  // The block as far as it is known in source: unknown values are left out (not checked).
  const raw: Record<string, unknown> = {};
  for (const e of llm.entries) {
    if (e.value.kind === "unknown") {
      if (e.path === "lora") raw.lora ??= {};
      continue;
    }
    const [head, tail] = e.path.split(".") as [string, string | undefined];
    if (tail === undefined) raw[head] = e.value.value;
    else if (raw[head] !== null && typeof raw[head] === "object") (raw[head] as Record<string, unknown>)[tail] = e.value.value;
  }
  for (const p of validateLlmSettings(raw).problems) {
    const path = p.field.replace(/^llm\.?/, "");
    const entry = llm.entries.find((e) => e.path === path);
    out.push({ code: "invalid-llm-setting", span: entry ? (p.message.startsWith("unknown field") ? entry.keySpan : entry.valueSpan) : llm.span, severity: "error", message: p.message });
  }
}

/** Lower-case words of an identifier or a description: `poleAngle` → pole, angle. */
function words(s: string): string[] {
  return s
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 3);
}

/**
 * The fields a wrong name most likely means: a typo of a field name (edit distance), else the
 * fields whose description contains every word of it — `angle` finds CartPole's `theta`, the
 * "pole angle from vertical", and `cartVelocity` finds `xDot`.
 */
export function suggestObservationFields(field: string, spec: EnvSpec): string[] {
  const names = spec.observationFields.map((f) => f.name);
  const typo = closestMatch(field, names);
  if (typo) return [typo];
  const wanted = words(field);
  if (wanted.length === 0) return [];
  return spec.observationFields.filter((f) => {
    const described = new Set(words(f.description));
    return wanted.every((w) => described.has(w));
  }).map((f) => f.name);
}

/** `nextObs.angle` on an env without `angle`: an error at the field, with "did you mean" and a fix where one name fits. */
function checkObservationAccesses(accesses: readonly ObservationAccess[], spec: EnvSpec, out: Problem[]): void {
  const fields = spec.observationFields.map((f) => f.name);
  for (const access of accesses) {
    if (fields.includes(access.field)) continue;
    const candidates = suggestObservationFields(access.field, spec);
    const suggestion = candidates.length === 1 ? candidates[0] : undefined;
    out.push({
      code: "unknown-observation-field",
      span: access.fieldSpan,
      severity: "error",
      message:
        `${spec.id} has no observation field "${access.field}"` +
        (suggestion ? `. Did you mean "${suggestion}"?` : candidates.length > 1 ? `. Did you mean one of ${candidates.map((c) => `"${c}"`).join(", ")}?` : ".") +
        ` Fields: ${fields.join(", ")}.`,
      ...(suggestion ? { fix: { title: `Change to "${suggestion}"`, span: access.fieldSpan, newText: suggestion } } : {}),
    });
  }
}

function checkReward(ast: ExperimentAst, spec: EnvSpec | undefined, out: Problem[]): void {
  const reward = ast.reward;
  if (!reward) return;
  if (spec) checkObservationAccesses(reward.observationAccesses, spec, out);
  for (const p of reward.returnProblems) {
    const what = RETURN_WORDS[p.kind];
    out.push({
      code: "reward-return-type",
      span: p.span,
      severity: "error",
      message:
        p.component !== undefined
          ? `Reward component "${p.component}" is ${what}; each component must be a number (components are summed into the reward).`
          : `The reward function returns ${what}; it must return a number or a record of numbers such as { alive: envReward, upright: 1 - Math.abs(nextObs.theta) }.`,
    });
  }
}

/** Sub-goal predicates: real fields of `obs` only, a boolean result, no `throw`; names that can be metric names. */
function checkSubgoals(ast: ExperimentAst, spec: EnvSpec | undefined, out: Problem[]): void {
  const seen = new Set<string>();
  for (const sg of ast.subgoals ?? []) {
    const label = sg.name ? `Sub-goal "${sg.name.value}"` : "This sub-goal";
    if (sg.name) {
      if (!SUBGOAL_NAME.test(sg.name.value)) {
        out.push({ code: "subgoal-name", span: sg.name.span, severity: "error", message: `Sub-goal name "${sg.name.value}" must be an identifier (letters, digits, _; up to 40 characters): it names the metric subgoals/<name>.` });
      } else if (seen.has(sg.name.value)) {
        out.push({ code: "subgoal-name", span: sg.name.span, severity: "error", message: `Two sub-goals are named "${sg.name.value}"; names must differ (each is its own curve).` });
      }
      seen.add(sg.name.value);
    }
    const nextObs = sg.observationAccesses.filter((a) => a.object === "nextObs");
    for (const a of nextObs) {
      out.push({ code: "subgoal-observation", span: a.fieldSpan, severity: "error", message: `${label}: achieved receives { obs } only, the state a step reached; read obs.${a.field}.` });
    }
    if (spec) checkObservationAccesses(sg.observationAccesses.filter((a) => a.object === "obs"), spec, out);
    for (const p of sg.returnProblems) {
      out.push({
        code: "subgoal-return-type",
        span: p.span,
        severity: "error",
        message: `${label}: achieved returns ${PREDICATE_RETURN_WORDS[p.kind]}; it must return true or false, e.g. ({ obs }) => obs.${spec?.observationFields[0]?.name ?? "x"} > 0.`,
      });
    }
    for (const span of sg.throws) {
      out.push({ code: "subgoal-throws", span, severity: "warning", message: `${label}: achieved throws here; a predicate that throws fails the run at the first state it reaches this line in.` });
    }
  }
}

const PREDICATE_RETURN_WORDS: Record<PredicateReturnKind, string> = {
  number: "a number",
  string: "a string",
  null: "null",
  undefined: "undefined",
  array: "an array",
  object: "an object",
  function: "a function",
  nothing: "nothing (a bare `return`)",
};

const RETURN_WORDS: Record<import("./experiment-ast.js").ReturnProblemKind, string> = {
  string: "a string",
  boolean: "a boolean",
  null: "null",
  undefined: "undefined",
  array: "an array",
  object: "a nested object",
  function: "a function",
  nothing: "nothing (a bare `return`)",
};

/** Every problem in the experiment, in document order. */
export function checkExperiment(ast: ExperimentAst, tables: CheckTables = {}): Problem[] {
  const out: Problem[] = [];
  if (ast.shallow) {
    // Say what is not checked, on `defineExperiment`, rather than look as if the reward were fine.
    out.push({
      code: "shallow-analysis",
      span: { start: ast.callSpan.start, end: ast.callSpan.start + "defineExperiment".length },
      severity: "warning",
      message: `Only name, env, algorithm and hyperparameter names are checked in this file: ${ast.shallow.reason}.`,
    });
  }
  const spec = experimentEnvSpec(ast);
  checkEnv(ast, out);
  checkAlgorithm(ast, spec, out, tables.algorithms);
  checkHyperparameters(ast, spec, out);
  checkLlm(ast, spec, out);
  checkReward(ast, spec, out);
  checkSubgoals(ast, spec, out);
  return out.sort((a, b) => a.span.start - b.span.start);
}
