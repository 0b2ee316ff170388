/**
 * Running LLM-written reward components without trusting them.
 *
 * Layer 1, a `vm` context: a fresh realm whose global is a null-prototype object (so
 * `this.constructor.constructor` reaches the context's own `Function`, not the host's), with code
 * generation from strings and WebAssembly disabled (`Function("return process")` throws), no
 * `require`, `process`, timers or I/O, and microtasks drained inside each evaluation
 * (`microtaskMode: "afterEvaluate"`) so a timeout covers promise jobs too. No host object ever
 * crosses into the context: inputs are written as numbers into a Float64Array the context owns and
 * rebuilt there as frozen `obs` / `nextObs` records; outputs come back as numbers in another, and
 * errors as a primitive string. Prototype pollution stays in the context's own `Object.prototype`.
 *
 * Layer 2, a `worker_threads` Worker with `resourceLimits`: validation and candidate training run
 * there, so an allocation beyond the heap limit or a loop the timeout cannot stop kills only the
 * worker; the host reports the candidate as failed and carries on.
 */
import * as vm from "node:vm";

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

/** The names a component expression may use for the transition. */
export const TRANSITION_NAMES = ["obs", "action", "nextObs", "envReward", "terminated", "truncated", "episodeStep"] as const;

/** Length of the input row: obs, action, nextObs, envReward, terminated, truncated, episodeStep. */
export function inputLength(layout: TransitionLayout): number {
  return 2 * layout.fields.length + (layout.actionKind === "discrete" ? 1 : layout.actionSize) + 4;
}

/**
 * The script run once in a fresh context: it defines the components (each in a scope that sees
 * only the transition names and the context's globals), and a step function, registered under
 * `stepName` as a non-writable global, that reads the input row, calls every component and writes
 * the outputs. It returns "" on success or "<component index>:<what went wrong>".
 */
export function driverSource(components: readonly RewardComponent[], layout: TransitionLayout, stepName: string): string {
  const params = TRANSITION_NAMES.join(", ");
  // Each expression is wrapped in parentheses on its own lines: a syntax check has already
  // proved it is one expression (check-code.ts), and the newline ends any trailing `//` comment.
  const fns = components.map((c) => `(${params}) => (\n${c.code}\n)`).join(",\n");
  const nObs = layout.fields.length;
  const nAct = layout.actionKind === "discrete" ? 1 : layout.actionSize;
  return `"use strict";
(function () {
  const components = (function () { "use strict"; return [
${fns}
]; })();
  const fields = ${JSON.stringify(layout.fields)};
  const discrete = ${layout.actionKind === "discrete"};
  const nObs = ${nObs}, nAct = ${nAct};
  const input = new Float64Array(${2 * nObs + nAct + 4});
  const output = new Float64Array(${components.length});
  const freeze = Object.freeze, isFinite = Number.isFinite;
  const describe = (v) => { try { return typeof v === "string" ? JSON.stringify(v) : String(v); } catch (e) { return typeof v; } };
  function record(offset) {
    const r = {};
    for (let k = 0; k < nObs; k++) r[fields[k]] = input[offset + k];
    return freeze(r);
  }
  function step() {
    const obs = record(0);
    let action;
    if (discrete) action = input[nObs];
    else { action = []; for (let k = 0; k < nAct; k++) action.push(input[nObs + k]); freeze(action); }
    const nextObs = record(nObs + nAct);
    const base = 2 * nObs + nAct;
    const envReward = input[base], terminated = input[base + 1] === 1, truncated = input[base + 2] === 1, episodeStep = input[base + 3];
    for (let k = 0; k < components.length; k++) {
      let v;
      try { v = components[k](obs, action, nextObs, envReward, terminated, truncated, episodeStep); }
      catch (e) {
        let m;
        try { m = e instanceof Error ? e.name + ": " + e.message : "threw " + describe(e); } catch (_) { m = "threw an unprintable value"; }
        return k + ":" + m;
      }
      if (typeof v !== "number" || !isFinite(v)) return k + ":returned " + describe(v) + " (" + typeof v + "); a component must be a finite number";
      output[k] = v;
    }
    return "";
  }
  Object.defineProperty(globalThis, ${JSON.stringify(stepName)}, { value: step, writable: false, configurable: false, enumerable: false });
  return [input, output, step];
})();`;
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

/** One candidate's components compiled in their own vm context. */
export class SandboxedReward {
  readonly names: readonly string[];
  private readonly input: Float64Array;
  private readonly output: Float64Array;
  private readonly step: () => unknown;
  private readonly stepScript: vm.Script;
  private readonly context: vm.Context;
  private readonly timeoutMs: number;

  constructor(
    components: readonly RewardComponent[],
    readonly layout: TransitionLayout,
    options: SandboxOptions = {},
  ) {
    this.names = components.map((c) => c.name);
    this.timeoutMs = options.timeoutMs ?? 50;
    const stepName = `__rlStep${Math.random().toString(36).slice(2)}`;
    this.context = vm.createContext(Object.create(null) as object, {
      name: "reward candidate",
      codeGeneration: { strings: false, wasm: false },
      microtaskMode: "afterEvaluate",
    });
    const parts = new vm.Script(driverSource(components, layout, stepName), { filename: "reward-candidate.js" }).runInContext(this.context, {
      timeout: 1000,
    }) as unknown[];
    // Our own driver made these three; candidate code has not run yet.
    this.input = parts[0] as Float64Array;
    this.output = parts[1] as Float64Array;
    this.step = parts[2] as () => unknown;
    this.stepScript = new vm.Script(`${stepName}()`);
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

  /**
   * Evaluate with the vm's time limit (a watchdog per call). Returns the component values.
   * Use it in a thread without async hooks (the validation worker does): on Node 20 a timeout
   * that fires inside a promise job corrupts the async-hook stack of a thread that has them on.
   */
  stepWithTimeout(): Float64Array {
    let result: unknown;
    try {
      result = this.stepScript.runInContext(this.context, { timeout: this.timeoutMs });
    } catch (err) {
      const m = err instanceof Error ? err.message : String(err);
      throw new ComponentError(this.names.join("+"), /timed out/i.test(m) ? `did not finish within ${this.timeoutMs} ms (an endless loop?)` : m);
    }
    return this.check(result);
  }

  /** Evaluate without a per-call watchdog (training: the worker's host watchdog bounds it). */
  stepFast(): Float64Array {
    return this.check(this.step());
  }

  private check(result: unknown): Float64Array {
    if (typeof result !== "string") throw new ComponentError(this.names.join("+"), "the sandbox driver was tampered with");
    if (result !== "") {
      const colon = result.indexOf(":");
      const k = Number(result.slice(0, colon));
      throw new ComponentError(this.names[k] ?? "?", result.slice(colon + 1));
    }
    // The context's Number.isFinite may have been replaced by the candidate: check again here.
    for (let k = 0; k < this.output.length; k++) {
      if (!Number.isFinite(this.output[k])) throw new ComponentError(this.names[k]!, `returned ${this.output[k]}; a component must be a finite number`);
    }
    return this.output;
  }
}
