/**
 * A sweep's grid, pure: `--seeds 1-5` and `--set learningRate=1e-3,3e-4 --set numEnvs=4,8` parsed
 * and checked against the hyperparameter table, then expanded into members.
 *
 * Member order is CleanRL's benchmark utility's (and so a Slurm array task id's meaning): the
 * configurations are the cartesian product of the `--set` axes in the order given (the first axis
 * varies slowest, as itertools.product), and member `i` is configuration `floor(i / nSeeds)` with
 * seed `seeds[i % nSeeds]`.
 */
import { HYPERPARAMETERS, type Hyperparameters } from "../experiment/hyperparameters.js";
import { checkHyperparameterValue, formatValue } from "../experiment/validate.js";

/** A grid value or flag that cannot be used, naming the flag, the field and the value. */
export class SweepGridError extends Error {
  override name = "SweepGridError";
  constructor(
    message: string,
    readonly field?: string,
    readonly value?: string,
  ) {
    super(message);
  }
}

/** One `--set field=v1,v2,…`. */
export interface GridAxis {
  field: keyof Hyperparameters;
  values: unknown[];
}

/** One point of the grid: the hyperparameters it sets. */
export type GridConfig = Partial<Record<keyof Hyperparameters, unknown>>;

export interface GridMember {
  /** Position in the sweep, 0-based: the Slurm array task id. */
  index: number;
  /** Index into the configurations. */
  config: number;
  seed: number;
}

const MAX_SEED = 2 ** 31 - 1;

/** `1-5`, `1,3,7`, `1-3,10` → ascending list without duplicates; every seed a non-negative integer. */
export function parseSeeds(text: string): number[] {
  const seeds: number[] = [];
  const bad = (why: string) => new SweepGridError(`--seeds ${JSON.stringify(text)}: ${why}; write e.g. 1-5 or 1,2,7`, "seed", text);
  if (text.trim() === "") throw bad("empty");
  const int = (s: string): number => {
    const t = s.trim();
    if (!/^\d+$/.test(t)) throw bad(`${JSON.stringify(t)} is not a non-negative integer`);
    const n = Number(t);
    if (n > MAX_SEED) throw bad(`${t} is larger than ${MAX_SEED}`);
    return n;
  };
  for (const part of text.split(",")) {
    const range = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(part);
    if (range) {
      const [a, b] = [int(range[1]!), int(range[2]!)];
      if (b < a) throw bad(`range ${a}-${b} runs backwards`);
      if (b - a >= 10_000) throw bad(`range ${a}-${b} has more than 10000 seeds`);
      for (let s = a; s <= b; s++) seeds.push(s);
    } else {
      seeds.push(int(part));
    }
  }
  const dup = seeds.find((s, i) => seeds.indexOf(s) !== i);
  if (dup !== undefined) throw bad(`seed ${dup} is listed twice`);
  return seeds;
}

/** Split at commas that are not inside brackets, so `hiddenSizes=[64,64],[32]` has two values. */
function splitValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "[") depth++;
    else if (c === "]") depth--;
    else if (c === "," && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim());
}

/** One value as written on the command line, converted by the field's type in the table. */
function parseValue(field: string, raw: string): unknown {
  const spec = HYPERPARAMETERS.find((h) => h.key === field);
  if (!spec) return raw; // checkHyperparameterValue names the unknown field (with a suggestion).
  if (raw === "null" && spec.nullable) return null;
  switch (spec.type) {
    case "boolean":
      return raw === "true" ? true : raw === "false" ? false : raw;
    case "number":
    case "integer": {
      const n = Number(raw.replace(/_/g, ""));
      return raw !== "" && Number.isFinite(n) ? n : raw;
    }
    case "integer[]": {
      // [64,64] or 64x64
      const inner = /^\[(.*)\]$/.exec(raw)?.[1] ?? raw;
      const parts = inner.split(/[x,]/).map((p) => p.trim());
      const nums = parts.map((p) => (p === "" ? NaN : Number(p)));
      return nums.every((n) => Number.isFinite(n)) ? nums : raw;
    }
  }
}

/**
 * `field=v1,v2,…` → an axis, every value checked against the hyperparameter table (type and
 * range). Throws `SweepGridError` naming the field and the value.
 */
export function parseSetFlag(text: string): GridAxis {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new SweepGridError(`--set ${JSON.stringify(text)}: expected field=value1,value2 (e.g. learningRate=1e-3,3e-4)`);
  const field = text.slice(0, eq).trim();
  const rawValues = splitValues(text.slice(eq + 1));
  const values: unknown[] = [];
  for (const raw of rawValues) {
    if (raw === "") throw new SweepGridError(`--set ${field}: an empty value in ${JSON.stringify(text.slice(eq + 1))}`, field, raw);
    const value = parseValue(field, raw);
    const problem = checkHyperparameterValue(field, value);
    if (problem) {
      const shown = typeof value === "string" ? JSON.stringify(raw) : raw;
      throw new SweepGridError(`--set ${field}=${shown}: ${problem.message}`, field, raw);
    }
    if (values.some((v) => JSON.stringify(v) === JSON.stringify(value))) {
      throw new SweepGridError(`--set ${field}: the value ${raw} is listed twice`, field, raw);
    }
    values.push(value);
  }
  return { field: field as keyof Hyperparameters, values };
}

/** The configurations: the cartesian product of the axes, first axis slowest. One empty config when there are no axes. */
export function expandConfigs(axes: readonly GridAxis[]): GridConfig[] {
  const seen = new Set<string>();
  for (const a of axes) {
    if (seen.has(a.field)) throw new SweepGridError(`--set ${a.field} is given twice: list all its values in one --set ${a.field}=v1,v2`, a.field);
    seen.add(a.field);
  }
  let configs: GridConfig[] = [{}];
  for (const axis of axes) {
    configs = configs.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.field]: v })));
  }
  return configs;
}

/** Members in array-task order: config = floor(index / nSeeds), seed = seeds[index % nSeeds]. */
export function expandMembers(nConfigs: number, seeds: readonly number[]): GridMember[] {
  const members: GridMember[] = [];
  for (let index = 0; index < nConfigs * seeds.length; index++) {
    members.push({ index, config: Math.floor(index / seeds.length), seed: seeds[index % seeds.length]! });
  }
  return members;
}

/** `learningRate=0.001 numEnvs=8`: a configuration in words, for progress lines and tables. */
export function describeConfig(config: GridConfig): string {
  const parts = Object.entries(config).map(([k, v]) => `${k}=${formatValue(v)}`);
  return parts.length > 0 ? parts.join(" ") : "(the experiment's own hyperparameters)";
}

/**
 * Indices as Slurm's `--array` list: runs of consecutive indices as ranges (`0-3`, `1,3,5-7`),
 * with `%K` when at most K tasks may run at once.
 */
export function arraySpec(indices: readonly number[], maxParallel?: number): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  if (sorted.length === 0) throw new SweepGridError("no members to submit");
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",") + (maxParallel !== undefined ? `%${maxParallel}` : "");
}
