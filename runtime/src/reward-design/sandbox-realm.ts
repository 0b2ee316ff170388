/**
 * The realm an LLM-written reward candidate runs in: a fresh `vm` context, locked down before any
 * candidate text is even compiled, with a driver written here as constant text.
 *
 * Why it is built this way (issue 9, item 1: a candidate that passed validation reached the host's
 * `process`): the old driver pasted candidate text into its own script, so text that one parser read
 * as a string ran as code in V8 (HTML-like comments) and replaced the driver's `step`, which the host
 * then called with itself as `this`. Here:
 * - no candidate text is ever part of any script the host or the driver runs: each component is
 *   compiled alone as its own function (`vm.compileFunction` with `parsingContext`, see sandbox.ts);
 *   whatever its text does, it does inside that function's body, in this realm;
 * - the driver (LOCKDOWN_SOURCE) is a constant; it captures every primordial it uses before any
 *   candidate code exists, keeps its step function in a `const` in a closure no candidate can name,
 *   and calls each component with an `undefined` receiver;
 * - every intrinsic of the realm is frozen (Object.prototype, Array.prototype, Error with its
 *   `prepareStackTrace`, the hidden generator / async / iterator prototypes…), so a candidate can
 *   neither change what the driver computes with nor what `obs`, `nextObs` and `action` (frozen
 *   records the driver builds from numbers) lead to;
 * - what reaches memory outside the V8 heap limit or runs code outside an evaluation is removed from
 *   the global object: ArrayBuffer and the typed arrays, SharedArrayBuffer, Atomics, DataView,
 *   WebAssembly, FinalizationRegistry, WeakRef, Intl, console.
 * Code generation from strings and WebAssembly are off for the context (`Function("return process")`
 * and `eval` throw), and microtasks run inside each evaluation (`microtaskMode: "afterEvaluate"`), so
 * an evaluation's time limit covers promise jobs too.
 */
import * as vm from "node:vm";

/** The names a component's function receives, in this order. */
export const TRANSITION_NAMES = ["obs", "action", "nextObs", "envReward", "terminated", "truncated", "episodeStep"] as const;

/**
 * Global names removed from the candidate's realm: no reward needs them, and each either allocates
 * outside the V8 heap (whose limit is the only memory limit a V8 isolate enforces), blocks the
 * thread, runs candidate code outside an evaluation (finalizers), or reaches the embedder.
 */
export const REMOVED_GLOBALS = [
  "ArrayBuffer", "SharedArrayBuffer", "DataView", "Atomics", "WebAssembly", "FinalizationRegistry", "WeakRef", "Intl", "console",
  "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array",
  "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array",
] as const;

/**
 * Runs once in each fresh context, before any candidate code is compiled. Evaluates to the driver
 * factory `makeDriver(fieldsJson, discrete, nAct, ...components)`, which returns a frozen
 * `[input, output, step]`: `step()` reads the transition from `input` (a Float64Array only the
 * driver and the host hold), calls every component, writes their values to `output` and returns ""
 * on success or "<component index>:<what went wrong>" — always a primitive string.
 */
const LOCKDOWN_SOURCE = String.raw`"use strict";
(function () {
  const g = globalThis;
  const { freeze, getPrototypeOf, getOwnPropertyDescriptor, setPrototypeOf, defineProperty } = Object;
  const ownKeys = Reflect.ownKeys;
  const F64 = Float64Array, ErrorCtor = Error, StringCtor = String;
  const isFinite = Number.isFinite, parse = JSON.parse, stringify = JSON.stringify;

  // Intrinsics no global name reaches: freeze them too.
  const hidden = [
    F64,
    getPrototypeOf(function* () {}),
    getPrototypeOf(async function () {}),
    getPrototypeOf(async function* () {}),
    getPrototypeOf([][Symbol.iterator]()),
    getPrototypeOf(""[Symbol.iterator]()),
    getPrototypeOf(new Map()[Symbol.iterator]()),
    getPrototypeOf(new Set()[Symbol.iterator]()),
    getPrototypeOf(/x/[Symbol.matchAll]("")),
    getPrototypeOf((function* () {})()),
    getPrototypeOf((async function* () {})()),
    getOwnPropertyDescriptor(function () { "use strict"; return arguments; }(), "callee").get,
  ];
  for (const name of ${JSON.stringify(REMOVED_GLOBALS)}) delete g[name];

  // Every remaining global binding read-only, so that no candidate replaces Error (whose
  // prepareStackTrace Node reads from this realm's global) or what a later component reads. The
  // value is given again: Node's vm copies a defined global onto the contextified object.
  for (const key of ownKeys(g)) {
    const d = getOwnPropertyDescriptor(g, key);
    if (!d || !d.configurable) continue;
    defineProperty(g, key, "value" in d
      ? { value: d.value, writable: false, enumerable: d.enumerable, configurable: false }
      : { get: d.get, set: d.set, enumerable: d.enumerable, configurable: false });
  }

  const seen = new WeakSet();
  const pending = [...hidden];
  for (const key of ownKeys(g)) {
    const d = getOwnPropertyDescriptor(g, key);
    if (d) pending.push(d.value, d.get, d.set);
  }
  while (pending.length > 0) {
    const o = pending.pop();
    if ((typeof o !== "object" && typeof o !== "function") || o === null || o === g || seen.has(o)) continue;
    seen.add(o);
    freeze(o);
    pending.push(getPrototypeOf(o));
    for (const key of ownKeys(o)) {
      const d = getOwnPropertyDescriptor(o, key);
      if (d) pending.push(d.value, d.get, d.set);
    }
  }

  return freeze(function makeDriver(fieldsJson, discrete, nAct, ...components) {
    freeze(components);
    const fields = freeze(parse(fieldsJson));
    const nObs = fields.length, nComp = components.length;
    // Null prototypes: nothing is reachable from them, and a frozen prototype chain would make every
    // element store go through V8's slow path (30x slower per store, measured; bench/sandbox.ts).
    const input = setPrototypeOf(new F64(2 * nObs + nAct + 4), null);
    const output = setPrototypeOf(new F64(nComp), null);
    const base = 2 * nObs + nAct;
    const describe = (v) => {
      try { return typeof v === "string" ? stringify(v) : StringCtor(v); } catch (e) { return typeof v; }
    };
    const failure = (k, e) => {
      let m;
      try { m = e instanceof ErrorCtor ? StringCtor(e.name) + ": " + StringCtor(e.message) : "threw " + describe(e); } catch (_) { m = "threw an unprintable value"; }
      return k + ":" + m;
    };
    const record = (offset) => {
      const r = {};
      for (let k = 0; k < nObs; k++) r[fields[k]] = input[offset + k];
      return freeze(r);
    };
    const step = () => {
      const obs = record(0);
      let action;
      if (discrete) action = input[nObs];
      else {
        action = [];
        for (let k = 0; k < nAct; k++) action[k] = input[nObs + k];
        freeze(action);
      }
      const nextObs = record(nObs + nAct);
      const envReward = input[base], terminated = input[base + 1] === 1, truncated = input[base + 2] === 1, episodeStep = input[base + 3];
      for (let k = 0; k < nComp; k++) {
        const component = components[k];
        let v;
        // A plain call: the component's receiver is undefined, never the driver or the host.
        try { v = component(obs, action, nextObs, envReward, terminated, truncated, episodeStep); }
        catch (e) { return failure(k, e); }
        if (typeof v !== "number" || !isFinite(v)) return k + ":returned " + describe(v) + " (" + typeof v + "); a component must be a finite number";
        output[k] = v;
      }
      return "";
    };
    return freeze([input, output, freeze(step)]);
  });
})();`;

let lockdownScript: vm.Script | undefined;

/** The name under which the step is a non-writable, non-configurable global (for the timed path). */
export const STEP_GLOBAL = "__rlStudioStep";

export interface RewardRealm {
  context: vm.Context;
  makeDriver: (...args: unknown[]) => unknown;
  /** The contextified object: the host defines the step on it (non-writable) for `runInContext`. */
  globals: object;
}

/** A fresh, locked-down context for one candidate, with its driver factory. No candidate code has run. */
export function createRewardRealm(): RewardRealm {
  const globals = Object.create(null) as object;
  const context = vm.createContext(globals, {
    name: "reward candidate",
    codeGeneration: { strings: false, wasm: false },
    microtaskMode: "afterEvaluate",
  });
  lockdownScript ??= new vm.Script(LOCKDOWN_SOURCE, { filename: "rl-studio-reward-driver.js" });
  const makeDriver = lockdownScript.runInContext(context, { timeout: 5000 }) as (...args: unknown[]) => unknown;
  return { context, makeDriver, globals };
}
