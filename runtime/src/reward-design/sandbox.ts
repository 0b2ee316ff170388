/**
 * Running LLM-written reward components without trusting them, in three layers:
 *
 * 1. A locked-down `vm` realm (sandbox-realm.ts): each component compiled alone as a function of the
 *    transition names, a constant driver, every intrinsic frozen, no code generation from strings.
 *    Only numbers cross into it (a Float64Array row the driver turns into frozen `obs` / `nextObs`
 *    records) and only numbers and a primitive string come back; the host calls the driver's step
 *    with an `undefined` receiver and never touches an object the candidate made.
 * 2. The component text itself is refused when it could form a dynamic `import()` (`importProblem`):
 *    Node answers an `import()` in a vm context with an error made in the host's realm, whose
 *    `constructor.constructor` is the host's `Function`. V8 can only read an import call from the six
 *    letters `import` standing as their own word, so this test has nothing to disagree with V8 about.
 * 3. A child process with V8 heap limits (candidate-process.ts) around every place this runs
 *    (validation: sandbox-worker.ts; training: train-worker.ts): V8 ends the whole process when a heap
 *    limit is exceeded, so only a process boundary keeps a runaway allocation from killing the runtime.
 */
import { types } from "node:util";
import * as vm from "node:vm";
import type { RewardFunction, Transition } from "../api.js";
import { createRewardRealm, STEP_GLOBAL, TRANSITION_NAMES } from "./sandbox-realm.js";

export { TRANSITION_NAMES } from "./sandbox-realm.js";

/** What `obs`, `action` and `nextObs` look like in the sandbox. */
export interface TransitionLayout {
  /** Observation field names, in the env's order. */
  fields: readonly string[];
  /** "discrete": `action` is a number; "box": a frozen array of `actionSize` numbers. */
  actionKind: "discrete" | "box";
  actionSize: number;
}

/** One reward component as the LLM wrote it: a JS expression over the transition's names. */
export interface RewardComponent {
  name: string;
  code: string;
}

/** Length of the input row: obs, action, nextObs, envReward, terminated, truncated, episodeStep. */
export function inputLength(layout: TransitionLayout): number {
  return 2 * layout.fields.length + (layout.actionKind === "discrete" ? 1 : layout.actionSize) + 4;
}

/** `import` as a word of its own (not part of a longer identifier): the only way V8 reads an import call. */
const IMPORT_WORD = /(?<![A-Za-z0-9_$])import(?![A-Za-z0-9_$])/;

/** Why the sandbox refuses to compile this text at all, or undefined. */
export function importProblem(code: string): string | undefined {
  return IMPORT_WORD.test(code) ? "`import` is not available in a reward component (the word is refused wherever it stands alone, in strings too)" : undefined;
}

/**
 * The body a component is compiled as, alone, in its own function of TRANSITION_NAMES. Strict mode
 * comes first, where the text cannot undo it; whatever the text does, even unbalanced, it does
 * inside this one function body (V8 parses it as a function body: a stray `}` is a syntax error).
 */
export function componentBody(code: string): string {
  return `"use strict";\nreturn (\n${code}\n);`;
}

export interface SandboxOptions {
  /** Time limit of one evaluation of all components in ms, when stepping with `stepWithTimeout` (default 50). */
  timeoutMs?: number;
}

/** A component failed: which one, and what it did. */
export class ComponentError extends Error {
  override name = "ComponentError";
  constructor(
    readonly component: string,
    readonly detail: string,
  ) {
    super(`component "${component}": ${detail}`);
  }
}

const TIMEOUT_CODE = "ERR_SCRIPT_EXECUTION_TIMEOUT";
/** Tries of a timed evaluation that timed out without using the CPU time it was given (a starved thread). */
const STARVED_RETRIES = 4;

/**
 * What a value thrown out of the realm says, read without running any of its code: only an own
 * data property `message` of a real (non-proxy) error is read, never a getter, toString or proxy trap.
 */
function thrownText(err: unknown): string {
  if (typeof err !== "object" || err === null || types.isProxy(err) || !types.isNativeError(err)) return `threw a ${typeof err}`;
  const message = Object.getOwnPropertyDescriptor(err, "message");
  return message && typeof message.value === "string" ? message.value : "threw an error";
}

let stepScript: vm.Script | undefined;

/** One candidate's components compiled in their own locked-down vm context. */
export class SandboxedReward {
  readonly names: readonly string[];
  private readonly input: Float64Array;
  private readonly output: Float64Array;
  /** The host's own copy of the outputs: what callers get (the context's array has a null prototype). */
  private readonly values: Float64Array;
  private readonly step: () => unknown;
  private readonly context: vm.Context;
  private readonly timeoutMs: number;

  /** Throws a ComponentError when a component is refused or does not compile; runs no candidate code. */
  constructor(
    components: readonly RewardComponent[],
    readonly layout: TransitionLayout,
    options: SandboxOptions = {},
  ) {
    this.names = components.map((c) => c.name);
    this.timeoutMs = options.timeoutMs ?? 50;
    for (const c of components) {
      const refused = importProblem(c.code);
      if (refused) throw new ComponentError(c.name, refused);
    }
    const realm = createRewardRealm();
    this.context = realm.context;
    const functions = components.map((c) => {
      try {
        return vm.compileFunction(componentBody(c.code), [...TRANSITION_NAMES], { parsingContext: realm.context, filename: `reward component ${c.name}` });
      } catch (err) {
        throw new ComponentError(c.name, `syntax error: ${thrownText(err)}`);
      }
    });
    const nAct = layout.actionKind === "discrete" ? 1 : layout.actionSize;
    // The driver's own values, read before any candidate code has run (compiling runs none).
    const parts = Reflect.apply(realm.makeDriver, undefined, [JSON.stringify(layout.fields), layout.actionKind === "discrete", nAct, ...functions]) as unknown[];
    this.input = parts[0] as Float64Array;
    this.output = parts[1] as Float64Array;
    this.values = new Float64Array(components.length);
    this.step = parts[2] as () => unknown;
    // For the timed path: `runInContext` evaluates a constant script that calls this global.
    Object.defineProperty(realm.globals, STEP_GLOBAL, { value: this.step, writable: false, configurable: false, enumerable: false });
  }

  /** Write one transition into the context's input row. `action` is a number (discrete) or numbers (box). */
  setInput(obs: ArrayLike<number>, action: number | ArrayLike<number>, nextObs: ArrayLike<number>, envReward: number, terminated: boolean, truncated: boolean, episodeStep: number): void {
    const n = this.layout.fields.length;
    const input = this.input;
    for (let k = 0; k < n; k++) input[k] = obs[k]!;
    let at = n;
    if (typeof action === "number") input[at++] = action;
    else for (let k = 0; k < this.layout.actionSize; k++) input[at++] = action[k]!;
    for (let k = 0; k < n; k++) input[at + k] = nextObs[k]!;
    at += n;
    input[at] = envReward;
    input[at + 1] = terminated ? 1 : 0;
    input[at + 2] = truncated ? 1 : 0;
    input[at + 3] = episodeStep;
  }

  /** Write a whole input row (see setInput for its layout). */
  setRow(row: ArrayLike<number>): void {
    // inputLength, not this.input.length: the context's array has a null prototype, so no `length` getter.
    const n = inputLength(this.layout);
    for (let k = 0; k < n; k++) this.input[k] = row[k]!;
  }

  /**
   * Evaluate with the vm's time limit (a watchdog per call; promise jobs run inside it). Returns the
   * component values. Use it in a thread without async hooks (the validation process has none): on
   * Node 20 a timeout that fires inside a promise job corrupts the async-hook stack of a thread that has them on.
   */
  stepWithTimeout(): Float64Array {
    stepScript ??= new vm.Script(`"use strict"; ${STEP_GLOBAL}();`, { filename: "rl-studio-reward-step.js" });
    let result: unknown;
    for (let attempt = 1; ; attempt++) {
      const cpu = process.cpuUsage();
      try {
        result = stepScript.runInContext(this.context, { timeout: this.timeoutMs });
        break;
      } catch (err) {
        const timedOut = types.isNativeError(err) && (err as { code?: unknown }).code === TIMEOUT_CODE;
        if (!timedOut) throw new ComponentError(this.names.join("+"), `the sandbox driver failed: ${thrownText(err)}`);
        // The limit is wall-clock time. A loop burns CPU for all of it; a call that got less than half
        // of it in CPU time was waiting for a busy machine, not looping: it gets another try.
        const used = process.cpuUsage(cpu);
        if ((used.user + used.system) / 1000 < this.timeoutMs / 2 && attempt < STARVED_RETRIES) continue;
        throw new ComponentError(this.names.join("+"), `did not finish within ${this.timeoutMs} ms (an endless loop?)`);
      }
    }
    return this.check(result);
  }

  /** Evaluate without a per-call watchdog (training: the host's watchdog over the training process bounds it). */
  stepFast(): Float64Array {
    const step = this.step;
    let result: unknown;
    try {
      result = step();
    } catch (err) {
      throw new ComponentError(this.names.join("+"), `the sandbox driver failed: ${thrownText(err)}`);
    }
    return this.check(result);
  }

  private check(result: unknown): Float64Array {
    if (typeof result !== "string") throw new ComponentError(this.names.join("+"), "the sandbox driver was tampered with");
    if (result !== "") {
      const colon = result.indexOf(":");
      const k = Number(result.slice(0, colon));
      throw new ComponentError(this.names[k] ?? "?", result.slice(colon + 1));
    }
    // Checked again here, in the host's own realm, while copying into the host's own array.
    const output = this.output;
    const values = this.values;
    for (let k = 0; k < values.length; k++) {
      const v = output[k]!;
      if (!Number.isFinite(v)) throw new ComponentError(this.names[k]!, `returned ${v}; a component must be a finite number`);
      values[k] = v;
    }
    return values;
  }
}

/** The candidate as a RewardFunction: the transition goes into the sandbox as numbers, the components come back as numbers. */
export function sandboxedRewardFunction(sandbox: SandboxedReward): RewardFunction {
  const fields = sandbox.layout.fields;
  const obs = new Float64Array(fields.length);
  const nextObs = new Float64Array(fields.length);
  const names = sandbox.names;
  return (t: Transition) => {
    for (let k = 0; k < fields.length; k++) {
      obs[k] = t.obs[fields[k]!]!;
      nextObs[k] = t.nextObs[fields[k]!]!;
    }
    sandbox.setInput(obs, t.action, nextObs, t.envReward, t.terminated, t.truncated, t.episodeStep);
    const out = sandbox.stepFast();
    const r: Record<string, number> = {};
    for (let k = 0; k < names.length; k++) r[names[k]!] = out[k]!;
    return r;
  };
}

/** Per-component statistics over the samples. */
export interface ComponentStats {
  min: number;
  mean: number;
  max: number;
}

export type SandboxResult =
  | { ok: true; stats: Record<string, ComponentStats> }
  | { ok: false; error: string; component?: string; sampleIndex?: number };

/**
 * Run a candidate on sample transitions (input rows, see setInput), each call under the time limit;
 * its per-component statistics, or the first failure with the component and sample it happened on.
 * This is what the validation process runs for each candidate.
 */
export function evaluateOnSamples(components: readonly RewardComponent[], layout: TransitionLayout, samples: readonly (readonly number[])[], timeoutMs: number): SandboxResult {
  let sandbox: SandboxedReward;
  try {
    sandbox = new SandboxedReward(components, layout, { timeoutMs });
  } catch (err) {
    return err instanceof ComponentError ? { ok: false, component: err.component, error: err.detail } : { ok: false, error: thrownText(err) };
  }
  const n = components.length;
  const min = new Array<number>(n).fill(Infinity);
  const max = new Array<number>(n).fill(-Infinity);
  const sum = new Array<number>(n).fill(0);
  for (let i = 0; i < samples.length; i++) {
    sandbox.setRow(samples[i]!);
    let out: Float64Array;
    try {
      out = sandbox.stepWithTimeout();
    } catch (err) {
      if (!(err instanceof ComponentError)) throw err;
      const detail = err.detail.replace(/^did not finish within (\d+) ms/, "did not finish within $1 ms on a sample transition");
      return { ok: false, sampleIndex: i, ...(components.some((c) => c.name === err.component) ? { component: err.component } : {}), error: detail };
    }
    for (let k = 0; k < n; k++) {
      const v = out[k]!;
      if (v < min[k]!) min[k] = v;
      if (v > max[k]!) max[k] = v;
      sum[k] = sum[k]! + v;
    }
  }
  const stats: Record<string, ComponentStats> = {};
  for (let k = 0; k < n; k++) stats[components[k]!.name] = { min: min[k]!, mean: sum[k]! / Math.max(1, samples.length), max: max[k]! };
  return { ok: true, stats };
}
