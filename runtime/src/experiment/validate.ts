/**
 * Hyperparameter validation, pure and synchronous: shared by the runtime (before training) and the
 * language server (diagnostics while typing). The JSON Schema is generated from the one table in
 * `hyperparameters.ts`, so a knob added there is validated here with no second list.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import {
  HYPERPARAMETERS,
  appliesTo,
  defaultHyperparameters,
  type HyperparameterAlgorithm,
  type HyperparameterSpec,
  type Hyperparameters,
} from "./hyperparameters.js";
import { closestMatch } from "./suggest.js";

export interface HyperparameterProblem {
  /** The offending key (e.g. "learningRate"), or "hyperparameters" for the object as a whole. */
  field: string;
  /** The value as written. */
  value: unknown;
  /** What is wrong and what is allowed, e.g. `learningRate = -0.001 is out of range: must be > 0 and ≤ 1`. */
  message: string;
  /** For an unknown key: the known key it most likely means. */
  suggestion?: string;
}

const SPEC_BY_KEY = new Map<string, HyperparameterSpec>(HYPERPARAMETERS.map((h) => [h.key, h]));
const KNOWN_KEYS = HYPERPARAMETERS.map((h) => h.key as string);

/** hiddenSizes: at least one hidden layer (the actor/critic are MLPs), and not absurdly deep. */
const MAX_HIDDEN_LAYERS = 8;

type JsonSchema = Record<string, unknown>;

function boundsSchema(h: HyperparameterSpec): JsonSchema {
  const s: JsonSchema = {};
  if (h.min !== undefined) s.minimum = h.min;
  if (h.exclusiveMin !== undefined) s.exclusiveMinimum = h.exclusiveMin;
  if (h.max !== undefined) s.maximum = h.max;
  return s;
}

/** The JSON Schema of one hyperparameter, from its table row. */
export function hyperparameterSchema(h: HyperparameterSpec): JsonSchema {
  switch (h.type) {
    case "boolean":
      return { type: "boolean", description: h.doc };
    case "number":
    case "integer":
      return { type: h.nullable ? [h.type, "null"] : h.type, ...boundsSchema(h), description: h.doc };
    case "integer[]":
      return {
        type: "array",
        items: { type: "integer", ...boundsSchema(h) },
        minItems: 1,
        maxItems: MAX_HIDDEN_LAYERS,
        description: h.doc,
      };
  }
}

/** The JSON Schema of the `hyperparameters` object of an experiment (every key optional). */
export function hyperparametersSchema(): JsonSchema {
  return {
    type: "object",
    additionalProperties: false,
    properties: Object.fromEntries(HYPERPARAMETERS.map((h) => [h.key, hyperparameterSchema(h)])),
  };
}

// Compiled once, lazily: ajv compilation costs milliseconds and the language server calls us per keystroke.
let ajv: Ajv | undefined;
let objectValidator: ValidateFunction | undefined;
const fieldValidators = new Map<string, ValidateFunction>();

function getAjv(): Ajv {
  // allErrors: report every bad field at once. strictNumbers (ajv's default) rejects NaN and ±Infinity.
  ajv ??= new Ajv({ allErrors: true, strict: true, strictNumbers: true });
  return ajv;
}

function getObjectValidator(): ValidateFunction {
  objectValidator ??= getAjv().compile(hyperparametersSchema());
  return objectValidator;
}

function getFieldValidator(h: HyperparameterSpec): ValidateFunction {
  let v = fieldValidators.get(h.key);
  if (!v) {
    v = getAjv().compile(hyperparameterSchema(h));
    fieldValidators.set(h.key, v);
  }
  return v;
}

/** Format a value for a message the way it would be written in source. */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  if (value === undefined) return "undefined";
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return `${value}n`;
  try {
    const s = JSON.stringify(value);
    return s === undefined ? String(value) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(value);
  }
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number" && !Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : "an infinite number";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** The allowed range in words: "> 0 and ≤ 1", "≥ 1", "" when unbounded. */
function rangeText(h: HyperparameterSpec): string {
  const parts: string[] = [];
  if (h.exclusiveMin !== undefined) parts.push(`> ${h.exclusiveMin}`);
  if (h.min !== undefined) parts.push(`≥ ${h.min}`);
  if (h.max !== undefined) parts.push(`≤ ${h.max}`);
  return parts.join(" and ");
}

/** What the field must be, in words: "a finite number > 0 and ≤ 1", "a list of 1–8 integers each ≥ 1 and ≤ 4096". */
export function allowedText(h: HyperparameterSpec): string {
  const range = rangeText(h);
  const withRange = (s: string) => (range ? `${s} ${range}` : s);
  switch (h.type) {
    case "boolean":
      return "true or false";
    case "number":
      return withRange("a finite number") + (h.nullable ? ", or null" : "");
    case "integer":
      return withRange("an integer") + (h.nullable ? ", or null" : "");
    case "integer[]":
      return `a list of 1–${MAX_HIDDEN_LAYERS} integers, each ${range || "any integer"}`;
  }
}

function unknownKeyProblem(key: string, value: unknown): HyperparameterProblem {
  const suggestion = closestMatch(key, KNOWN_KEYS);
  return {
    field: key,
    value,
    message: suggestion
      ? `unknown hyperparameter "${key}": did you mean "${suggestion}"?`
      : `unknown hyperparameter "${key}"; known: ${KNOWN_KEYS.join(", ")}`,
    ...(suggestion ? { suggestion } : {}),
  };
}

/**
 * One problem per field from ajv's errors on that field's value. ajv reports a type error
 * instead of range errors, so the first error decides between "wrong type" and "out of range".
 */
function problemFromErrors(h: HyperparameterSpec, value: unknown, errors: readonly ErrorObject[]): HyperparameterProblem {
  const first = errors[0];
  const key = h.key;
  if (h.type === "integer[]" && Array.isArray(value)) {
    if (first && (first.keyword === "minItems" || first.keyword === "maxItems")) {
      return { field: key, value, message: `${key} = ${formatValue(value)} has ${value.length} layers: must be ${allowedText(h)}` };
    }
    // Element errors carry a path suffix "/<index>" relative to the field.
    const bad = errors.map((e) => Number(e.instancePath.split("/").pop())).filter((i) => Number.isInteger(i));
    const i = bad[0] ?? 0;
    const element = value[i];
    const what = typeof element === "number" && Number.isInteger(element) ? "is out of range" : "is not an integer";
    return {
      field: key,
      value,
      message: `${key}[${i}] = ${formatValue(element)} ${what}: each element must be an integer ${rangeText(h)}`,
    };
  }
  if (first?.keyword === "type" && h.type === "integer" && typeof value === "number" && Number.isFinite(value)) {
    return { field: key, value, message: `${key} = ${formatValue(value)} is not an integer: must be ${allowedText(h)}` };
  }
  if (first?.keyword === "type") {
    return {
      field: key,
      value,
      message: `${key} = ${formatValue(value)} has the wrong type (${describeType(value)}): must be ${allowedText(h)}`,
    };
  }
  return { field: key, value, message: `${key} = ${formatValue(value)} is out of range: must be ${rangeText(h)}` };
}

/** Errors grouped by the top-level field they are about ("" for the object itself). */
function groupByField(errors: readonly ErrorObject[]): Map<string, ErrorObject[]> {
  const out = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    const field = e.keyword === "additionalProperties" ? "" : (e.instancePath.split("/")[1] ?? "");
    const list = out.get(field) ?? [];
    list.push(e);
    out.set(field, list);
  }
  return out;
}

/**
 * Check a single hyperparameter as written, for the editor. Returns null when it is valid.
 * Cross-field rules (minibatch divisibility, totalTimesteps ≥ batch) need the whole object: see
 * `validateHyperparameters`.
 */
export function checkHyperparameterValue(key: string, value: unknown, algorithm: HyperparameterAlgorithm = "ppo"): HyperparameterProblem | null {
  const h = SPEC_BY_KEY.get(key);
  if (!h) return unknownKeyProblem(key, value);
  if (!appliesTo(h, algorithm)) return otherAlgorithmProblem(h, value, algorithm);
  const validate = getFieldValidator(h);
  if (validate(value)) return null;
  return problemFromErrors(h, value, validate.errors ?? []);
}

/** A key written for an algorithm that does not read it (hiddenSizes under TWOSOME, valueLearningRate under PPO). */
function otherAlgorithmProblem(h: HyperparameterSpec, value: unknown, algorithm: HyperparameterAlgorithm): HyperparameterProblem {
  const readers = (h.algorithms ?? []).map((a) => `"${a}"`).join(", ");
  return { field: h.key, value, message: `${h.key} is read only by algorithm ${readers}, not by "${algorithm}": remove it or change the algorithm` };
}

/** Divisors of n, ascending (n is a batch size: small). */
function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

/** Rules that relate fields, checked on the merged values (CleanRL derives batch and minibatch sizes from them). */
function crossFieldProblems(h: Hyperparameters, algorithm: HyperparameterAlgorithm): HyperparameterProblem[] {
  const problems: HyperparameterProblem[] = [];
  const batch = h.numEnvs * h.numSteps;
  const batchWords = `batch of ${batch} (numEnvs ${h.numEnvs} × numSteps ${h.numSteps})`;
  const splits: (keyof Hyperparameters & ("numMinibatches" | "valueNumMinibatches"))[] = algorithm === "twosome" ? ["numMinibatches", "valueNumMinibatches"] : ["numMinibatches"];
  for (const key of splits) {
    const count = h[key];
    if (batch % count === 0) continue;
    const near = divisors(batch).filter((d) => d <= Math.max(count * 4, 64)).slice(-8);
    problems.push({
      field: key,
      value: count,
      message: `${key} = ${count}: ${batchWords} is not divisible into ${count} minibatches; choose a divisor of ${batch} such as ${near.join(", ")}`,
    });
  }
  if (algorithm === "twosome" && h.numMinibatches % h.gradientAccumulationSteps !== 0) {
    // TWOSOME discards a trailing partial accumulation window (ppo_llm_pomdp.py), so the policy would never step on it.
    problems.push({
      field: "gradientAccumulationSteps",
      value: h.gradientAccumulationSteps,
      message: `gradientAccumulationSteps = ${h.gradientAccumulationSteps} must divide numMinibatches = ${h.numMinibatches}: a window of policy minibatches left incomplete is discarded, as in TWOSOME`,
    });
  }
  if (h.numLearners > 1) {
    for (const field of ["normalizeObservations", "normalizeRewards"] as const) {
      if (h[field]) {
        problems.push({
          field: "numLearners",
          value: h.numLearners,
          message: `numLearners = ${h.numLearners} with ${field}: each learner would normalise with its own running statistics; use numLearners: 1 or turn ${field} off`,
        });
      }
    }
  }
  if (h.totalTimesteps < batch * h.numLearners) {
    const rollout = h.numLearners > 1 ? `one rollout of ${h.numLearners} learners, each a ${batchWords}` : `one rollout, a ${batchWords}`;
    problems.push({
      field: "totalTimesteps",
      value: h.totalTimesteps,
      message: `totalTimesteps = ${h.totalTimesteps} is smaller than ${rollout}: must be ≥ ${batch * h.numLearners}`,
    });
  }
  return problems;
}

/**
 * Validate an experiment's `hyperparameters` object (undefined means "all defaults") and fill the
 * defaults for the action kind (CleanRL's `ppo.py` for discrete, `ppo_continuous_action.py` for box).
 * Every problem is reported, each naming its field, the value and what is allowed; the merged
 * hyperparameters are returned only when there are none.
 */
export function validateHyperparameters(
  raw: unknown,
  actionKind: "discrete" | "box",
  algorithm: HyperparameterAlgorithm = "ppo",
): { hyperparameters: Hyperparameters | null; problems: HyperparameterProblem[] } {
  if (raw === undefined) return { hyperparameters: defaultHyperparameters(actionKind, algorithm), problems: [] };
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return {
      hyperparameters: null,
      problems: [
        {
          field: "hyperparameters",
          value: raw,
          message: `hyperparameters = ${formatValue(raw)} has the wrong type (${describeType(raw)}): must be an object such as { totalTimesteps: 100_000, learningRate: 3e-4 }`,
        },
      ],
    };
  }
  const record = raw as Record<string, unknown>;
  const problems: HyperparameterProblem[] = [];
  const validate = getObjectValidator();
  if (!validate(record)) {
    const grouped = groupByField(validate.errors ?? []);
    for (const [field, errors] of grouped) {
      if (field === "") {
        for (const e of errors) {
          const key = String((e.params as { additionalProperty?: unknown }).additionalProperty);
          problems.push(unknownKeyProblem(key, record[key]));
        }
        continue;
      }
      const h = SPEC_BY_KEY.get(field);
      if (h) problems.push(problemFromErrors(h, record[field], errors));
    }
  }
  // Keys present with value undefined mean "not given", as in a spread of an optional field.
  const given = Object.fromEntries(Object.entries(record).filter(([k, v]) => v !== undefined && SPEC_BY_KEY.has(k)));
  for (const key of Object.keys(given)) {
    const h = SPEC_BY_KEY.get(key)!;
    if (!appliesTo(h, algorithm) && !problems.some((p) => p.field === key)) problems.push(otherAlgorithmProblem(h, given[key], algorithm));
  }
  const merged = { ...defaultHyperparameters(actionKind, algorithm), ...given } as Hyperparameters;
  // Cross-field rules only make sense on fields that are individually valid.
  const badFields = new Set(problems.map((p) => p.field));
  if (!["numEnvs", "numSteps", "numMinibatches", "valueNumMinibatches", "gradientAccumulationSteps", "totalTimesteps"].some((k) => badFields.has(k))) {
    problems.push(...crossFieldProblems(merged, algorithm));
  }
  if (problems.length > 0) return { hyperparameters: null, problems };
  if (Array.isArray(merged.hiddenSizes)) merged.hiddenSizes = [...merged.hiddenSizes];
  return { hyperparameters: merged, problems };
}
